//! The RA's wire errors (docs/protocol.md 2.5): one error type whose
//! `IntoResponse` writes the `application/problem+json` body. The body
//! carries the class and nothing about the cause; the cause travels to the
//! journal in a response extension.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::wire::journal::{Cause, Class, Outcome};

/// Request bodies are limited to this (protocol 2).
pub const BODY_LIMIT: usize = 64 * 1024;

/// The manual's message for E550A (DOMAIN E550A), byte for byte.
pub const E550A_MESSAGE: &str = "550:証明書ファイルは取得できませんでした。認証に失敗しました。";
/// The manual's message for E550F (DOMAIN E550F), byte for byte.
pub const E550F_MESSAGE: &str = "550:証明書ファイルは取得できませんでした。証明書が作成されていないか、もしくは既に証明書を取得済みです。";
/// The manual's message for ENOCERT (DOMAIN ENOCERT), byte for byte.
pub const ENOCERT_MESSAGE: &str = "証明書がありません。";

/// The problem body.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// `urn:certrenew:problem:<class>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The class.
    pub class: Class,
    /// The HTTP status again.
    pub status: u16,
    /// The manual's message for customer classes; a short English title otherwise.
    pub title: String,
    /// For developers (`bad_request`, `bad_ticket`, `unsupported_media_type`):
    /// what was wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The status and title of each class.
pub fn status_and_title(class: Class) -> (StatusCode, &'static str) {
    match class {
        Class::E550A => (StatusCode::FORBIDDEN, E550A_MESSAGE),
        Class::E550F => (StatusCode::CONFLICT, E550F_MESSAGE),
        Class::ENOCERT => (StatusCode::FORBIDDEN, ENOCERT_MESSAGE),
        Class::ECONFIRM => (
            StatusCode::FORBIDDEN,
            "the certificate could not be confirmed",
        ),
        Class::BadRequest => (StatusCode::BAD_REQUEST, "bad request"),
        Class::BadTicket => (StatusCode::BAD_REQUEST, "bad ticket"),
        Class::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "request body too large"),
        Class::UnsupportedMediaType => {
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported media type")
        }
        Class::NotFound => (StatusCode::NOT_FOUND, "not found"),
        Class::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
        Class::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
        Class::RequestTimeout => (StatusCode::REQUEST_TIMEOUT, "request body timed out"),
        Class::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
    }
}

/// Builds a problem response and attaches `outcome` for the journal.
pub fn problem_response(class: Class, detail: Option<String>, outcome: Outcome) -> Response {
    let (status, title) = status_and_title(class);
    let body = Problem {
        kind: format!("urn:certrenew:problem:{class}"),
        class,
        status: status.as_u16(),
        title: title.to_owned(),
        detail,
    };
    let json = serde_json::to_vec(&body).unwrap_or_default();
    let mut response = (status, json).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response.extensions_mut().insert(outcome);
    response
}

/// Detail of an internal error: for the operator's stderr, never the body.
#[derive(Debug, Clone)]
pub struct InternalDetail(pub String);

/// Every way the RA (and the other roles' fallbacks) can refuse a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// A customer-facing refusal: E550A, E550F or ENOCERT with its cause.
    #[error("refused with {class} ({cause})")]
    Refused {
        /// E550A, E550F or ENOCERT.
        class: Class,
        /// Why: only the journal sees it.
        cause: Cause,
        /// The account concerned.
        account: Option<String>,
    },
    /// A malformed request; the text says which field and what was expected.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// An unknown, expired, used or foreign ticket.
    #[error("bad ticket: {0}")]
    BadTicket(String),
    /// A body over [`BODY_LIMIT`].
    #[error("request body over {BODY_LIMIT} bytes")]
    TooLarge,
    /// A body without the `Content-Type` the protocol asks for; the text
    /// says what came.
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// The request body did not arrive within the body timeout.
    #[error("request body timed out")]
    BodyTimeout,
    /// An unknown path.
    #[error("not found")]
    NotFound,
    /// A known path with another method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The mock failed itself; the text goes to stderr, not to the client.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A refusal with a customer-facing class.
    pub fn refused(class: Class, cause: Cause, account: Option<&str>) -> Self {
        ApiError::Refused {
            class,
            cause,
            account: account.map(str::to_owned),
        }
    }

    /// The class of the answer.
    pub fn class(&self) -> Class {
        match self {
            ApiError::Refused { class, .. } => *class,
            ApiError::BadRequest(_) => Class::BadRequest,
            ApiError::BadTicket(_) => Class::BadTicket,
            ApiError::TooLarge => Class::TooLarge,
            ApiError::UnsupportedMediaType(_) => Class::UnsupportedMediaType,
            ApiError::BodyTimeout => Class::RequestTimeout,
            ApiError::NotFound => Class::NotFound,
            ApiError::MethodNotAllowed => Class::MethodNotAllowed,
            ApiError::Internal(_) => Class::Internal,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let class = self.class();
        let (cause, account, detail) = match self {
            ApiError::Refused { cause, account, .. } => (cause, account, None),
            ApiError::BadRequest(d) => (Cause::BadRequest, None, Some(d)),
            ApiError::BadTicket(d) => (Cause::BadTicket, None, Some(d)),
            ApiError::TooLarge => (Cause::TooLarge, None, None),
            ApiError::UnsupportedMediaType(d) => (Cause::UnsupportedMediaType, None, Some(d)),
            ApiError::BodyTimeout => (Cause::BodyTimeout, None, None),
            ApiError::NotFound => (Cause::NotFound, None, None),
            ApiError::MethodNotAllowed => (Cause::MethodNotAllowed, None, None),
            ApiError::Internal(d) => {
                let mut r = problem_response(
                    class,
                    None,
                    Outcome {
                        class: Some(class),
                        cause: Cause::Internal,
                        account: None,
                    },
                );
                r.extensions_mut().insert(InternalDetail(d));
                return r;
            }
        };
        problem_response(
            class,
            detail,
            Outcome {
                class: Some(class),
                cause,
                account,
            },
        )
    }
}

/// Fallback for unknown paths on every role.
pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// Fallback for a known path with another method on every role.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// An HTML page response, journaled as `page` (or as given).
pub fn html(status: StatusCode, body: String, outcome: Outcome) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r.extensions_mut().insert(outcome);
    r
}

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
