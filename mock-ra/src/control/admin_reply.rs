//! What every admin handler answers with: the admin API's error type and
//! the journaled 2xx reply. A leaf below `admin`, so the handlers that live
//! in their own modules (`console`, `states`) use it without importing the
//! router that routes to them.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::MockError;
use crate::wire::journal::{Cause, Class, Outcome};
use crate::wire::problem::problem_response;

/// The admin API's errors.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// Missing or wrong bearer token.
    #[error("missing or wrong bearer token")]
    Unauthorized,
    /// Nothing by that name.
    #[error("{0}")]
    NotFound(String),
    /// A body or parameter that does not make sense.
    #[error("{0}")]
    BadRequest(String),
    /// The mock failed itself.
    #[error("{0}")]
    Internal(String),
}

impl From<MockError> for AdminError {
    fn from(e: MockError) -> Self {
        match e {
            MockError::UnknownAccount(_) | MockError::UnknownFault(_) => {
                AdminError::NotFound(e.to_string())
            }
            MockError::AccountExists(_)
            | MockError::IdentityExists(_)
            | MockError::InvalidAccount(_)
            | MockError::Customers(_)
            | MockError::Fault(_)
            | MockError::World(_) => AdminError::BadRequest(e.to_string()),
            other => AdminError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let (class, cause) = match &self {
            AdminError::Unauthorized => (Class::Unauthorized, Cause::Unauthorized),
            AdminError::NotFound(_) => (Class::NotFound, Cause::AdminNotFound),
            AdminError::BadRequest(_) => (Class::BadRequest, Cause::AdminBadRequest),
            AdminError::Internal(_) => (Class::Internal, Cause::Internal),
        };
        let detail = match &self {
            AdminError::Unauthorized => None,
            other => Some(other.to_string()),
        };
        let mut r = problem_response(
            class,
            detail,
            Outcome {
                class: Some(class),
                cause,
                account: None,
            },
        );
        if matches!(self, AdminError::Unauthorized) {
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        r
    }
}

pub(crate) fn ok<T: Serialize>(status: StatusCode, body: &T, account: Option<String>) -> Response {
    let mut r = (status, Json(body)).into_response();
    r.extensions_mut()
        .insert(Outcome::ok(Cause::AdminOk, account));
    r
}
