//! webra2, the RA (protocol 2): the top page, the download page (D3.3), the
//! login with its ordered decision (protocol 2.6) and the issuance.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Extension, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use certs_gen::CertInfo;
use certs_gen::names::WEBRA1_HOST;
use rustls_pki_types::CertificateDer;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use x509_parser::prelude::FromDer;

pub use crate::wire::protocol::{CERTIFICATE_PATH, DOWNLOAD_PATH, LOGIN_PATH};

use crate::net::connection::PeerCertificate;
use crate::ra::accounts::Password;
use crate::ra::decision::{Presented, Proof, standing};
use crate::ra::issuance::{self, check_csr};
use crate::ra::state::{Shared, State as Inner};
use crate::ra::tickets::TicketError;
use crate::wire::body::{BodyError, Shape, classify, read_json};
use crate::wire::journal::{Cause, Class, Outcome, Role};
use crate::wire::problem::{ApiError, BODY_LIMIT, html, method_not_allowed, not_found};
use crate::wire::protocol::KEY_TYPES;

/// The RA's router.
pub(crate) fn app(shared: Arc<Shared>) -> Router {
    let router = Router::new()
        .route("/", get(top_page))
        .route(DOWNLOAD_PATH, get(download_page))
        .route(LOGIN_PATH, post(login))
        .route(CERTIFICATE_PATH, post(certificate))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(shared.clone());
    crate::net::journal::journaled(router, shared, Role::Webra2)
}

async fn top_page() -> Response {
    html(
        StatusCode::OK,
        page(
            "証明書更新サービス",
            &format!(
                "<p>有効期限が切れた電子証明書の更新はこちら: \
                 <a href=\"{DOWNLOAD_PATH}\">更新ツールのご案内</a></p>"
            ),
        ),
        Outcome::ok(Cause::Page, None),
    )
}

async fn download_page() -> Response {
    html(
        StatusCode::OK,
        page(
            "有効期限切れ証明書用 更新証明書インポートツール",
            &format!(
                "<p>有効期限が終了してから 90 日未満の電子証明書を更新します。</p>\n\
                 <p>更新ツール: <code>certrenew renew</code></p>\n\
                 <p>更新後の確認: <a href=\"https://{WEBRA1_HOST}/scira/doc/ymfg/\">\
                 https://{WEBRA1_HOST}/scira/doc/ymfg/</a></p>"
            ),
        ),
        Outcome::ok(Cause::Page, None),
    )
}

pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{title}</title>\n</head>\n<body>\n<h1>{title}</h1>\n{body}\n</body>\n</html>\n"
    )
}

/// The login request. Its `Debug` does not show the password.
#[derive(Debug, Deserialize)]
struct LoginRequest {
    password: Password,
}

/// The login's success body (protocol 2.3).
#[derive(Debug, Serialize)]
struct LoginResponse {
    ticket: String,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: time::OffsetDateTime,
    subject: String,
    subject_der: String,
    key_types: &'static [&'static str],
}

#[derive(Debug, Deserialize)]
struct IssueRequest {
    ticket: String,
    csr: String,
}

#[derive(Debug, Serialize)]
struct IssueResponse {
    certificate: String,
    serial: String,
    #[serde(with = "time::serde::rfc3339")]
    not_before: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    not_after: time::OffsetDateTime,
}

/// A body axum could not read: too large, timed out, or else.
fn unread(r: BytesRejection) -> ApiError {
    if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::TooLarge
    } else if crate::net::connection::body_timed_out(&r) {
        ApiError::BodyTimeout
    } else {
        ApiError::BadRequest(format!("body: {}", r.body_text()))
    }
}

/// The media type the API's request bodies must declare (protocol 2).
pub const JSON_MEDIA_TYPE: &str = "application/json";

/// A request body of the API (protocol 2.3, 2.4), checked in order: its
/// `Content-Type` is `application/json` (parameters allowed, a `charset`
/// only `utf-8`), it is within the size limit, and it is a JSON object
/// (serde would also read a struct from an array: `["PASSWORD"]`) that
/// reads as `T`. `expected` describes the object for the error, which
/// never quotes the body.
fn json_object<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    expected: &str,
) -> Result<T, ApiError> {
    check_content_type(headers)?;
    read_json(body, Shape::Object).map_err(|e| match e {
        BodyError::Unread(r) => unread(r),
        BodyError::NotAnObject => ApiError::BadRequest(format!(
            "body: expected a JSON object {expected}, not another JSON value"
        )),
        BodyError::Invalid(e) => ApiError::BadRequest(format!(
            "body: expected a JSON object {expected} ({})",
            classify(&e)
        )),
    })
}

/// `Content-Type: application/json`, in any ASCII case, with optional
/// parameters; a `charset` other than `utf-8` is refused (RFC 8259 8.1).
fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let refused = |got: &str| {
        ApiError::UnsupportedMediaType(format!("content-type: {got}: expected {JSON_MEDIA_TYPE}"))
    };
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Err(refused("missing"));
    };
    let Ok(text) = value.to_str() else {
        return Err(refused("not ASCII"));
    };
    let mut parts = text.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case(JSON_MEDIA_TYPE) {
        return Err(refused(&format!("`{essence}`")));
    }
    for param in parts {
        let (name, value) = param.split_once('=').unwrap_or((param, ""));
        if name.trim().eq_ignore_ascii_case("charset")
            && !value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        {
            return Err(refused(&format!("charset `{}`", value.trim())));
        }
    }
    Ok(())
}

async fn login(
    State(shared): State<Arc<Shared>>,
    peer: Option<Extension<PeerCertificate>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let request: LoginRequest = json_object(&headers, body, "{\"password\": string}")?;
    let peer = peer.and_then(|Extension(p)| p.0);
    let (body, account) = decide_login(&shared, peer.as_ref(), &request.password)?;
    let mut response = Json(body).into_response();
    response
        .extensions_mut()
        .insert(Outcome::ok(Cause::TicketIssued, Some(account)));
    Ok(response)
}

/// The ordered decision of protocol 2.6.
fn decide_login(
    shared: &Shared,
    peer: Option<&CertificateDer<'static>>,
    password: &Password,
) -> Result<(LoginResponse, String), ApiError> {
    let now = shared.now();
    let policy = &shared.policy;
    // 1. No client certificate.
    let Some(der) = peer else {
        return Err(ApiError::refused(
            Class::ENOCERT,
            Cause::NoClientCertificate,
            None,
        ));
    };
    let foreign = || ApiError::refused(Class::E550A, Cause::ForeignCertificate, None);
    let info = CertInfo::from_der(der).map_err(|_| foreign())?;
    let subject_der = raw_subject(der).ok_or_else(foreign)?;
    let mut guard = shared.lock();
    let Inner {
        accounts,
        ledger,
        tickets,
        ..
    } = &mut *guard;
    let entry = ledger.get(&info.serial).filter(|e| e.is_certificate(der));
    // 2.-9.
    let presented = Presented {
        serial: &info.serial,
        not_after: info.not_after,
        owner: entry.and_then(|e| e.account.as_deref()),
        revoked: entry.is_some_and(|e| e.revoked_at(now)),
    };
    let account = standing(accounts, presented, Proof::Password(password), policy, now)?;
    let account_id = account.id.clone();
    // 10. A ticket.
    let (ticket, expires_at) =
        tickets.issue(&account_id, &info.serial, now, policy.ticket_ttl.duration());
    Ok((
        LoginResponse {
            ticket,
            expires_at,
            subject: info.subject,
            subject_der: STANDARD.encode(&subject_der),
            key_types: &KEY_TYPES,
        },
        account_id,
    ))
}

/// The subject Name of a certificate, exactly as encoded in it.
fn raw_subject(der: &[u8]) -> Option<Vec<u8>> {
    x509_parser::certificate::X509Certificate::from_der(der)
        .ok()
        .map(|(_, cert)| cert.subject().as_raw().to_vec())
}

async fn certificate(
    State(shared): State<Arc<Shared>>,
    peer: Option<Extension<PeerCertificate>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let request: IssueRequest = json_object(
        &headers,
        body,
        "{\"ticket\": string, \"csr\": base64 string}",
    )?;
    let peer = peer.and_then(|Extension(p)| p.0);
    let presented = peer
        .as_ref()
        .and_then(|der| CertInfo::from_der(der).ok().map(|i| i.serial));
    let now = shared.now();
    shared
        .lock()
        .tickets
        .check(&request.ticket, presented.as_deref(), now)?;
    // The ticket is bound to the presented certificate, so it is there.
    let subject_der = peer
        .as_ref()
        .and_then(|der| raw_subject(der))
        .ok_or(TicketError::NoCertificate)?;
    let csr = check_csr(&request.csr, &subject_der)?;
    let issued = {
        let mut state = shared.lock();
        issuance::issue(
            &mut state,
            &shared.pki,
            &shared.policy,
            &request.ticket,
            presented.as_deref(),
            &csr,
            shared.now(),
        )?
    };
    let body = IssueResponse {
        certificate: certs_gen::pem::certificate(&issued.der),
        serial: issued.info.serial.clone(),
        not_before: issued.info.not_before,
        not_after: issued.info.not_after,
    };
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    response
        .extensions_mut()
        .insert(Outcome::ok(Cause::Issued, Some(issued.account)));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    fn shared() -> Arc<Shared> {
        let world = crate::World::demo();
        Arc::new(Shared::new(&world, "t".into(), 1).unwrap())
    }

    async fn send(app: Router, req: Request<Body>) -> (StatusCode, serde_json::Value) {
        let resp = app.oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap_or_default())
    }

    #[tokio::test]
    async fn login_without_a_certificate_is_enocert_and_journaled() {
        let s = shared();
        let req = Request::post(LOGIN_PATH)
            .header("content-type", "application/json")
            .body(Body::from(r#"{"password":"x"}"#))
            .unwrap();
        let (status, body) = send(app(s.clone()), req).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body["class"], "ENOCERT");
        assert_eq!(body["title"], "証明書がありません。");
        let j = s.journal.entries();
        assert_eq!(j.len(), 1);
        assert_eq!(j[0].cause, Cause::NoClientCertificate);
    }

    #[tokio::test]
    async fn malformed_json_is_bad_request_and_never_echoes_the_body() {
        let s = shared();
        let req = Request::post(LOGIN_PATH)
            .header("content-type", "application/json")
            .body(Body::from(r#"{"password": 12345678}"#))
            .unwrap();
        let (status, body) = send(app(s), req).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["class"], "bad_request");
        assert!(!body.to_string().contains("12345678"));
    }

    #[tokio::test]
    async fn oversize_bodies_get_413_and_unknown_paths_404() {
        let s = shared();
        let big = vec![b'a'; BODY_LIMIT + 1];
        let req = Request::post(LOGIN_PATH)
            .header("content-type", "application/json")
            .body(Body::from(big))
            .unwrap();
        let (status, body) = send(app(s.clone()), req).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(body["class"], "too_large");
        let req = Request::get("/nope").body(Body::empty()).unwrap();
        let (status, body) = send(app(s.clone()), req).await;
        assert_eq!(
            (status, body["class"].as_str()),
            (StatusCode::NOT_FOUND, Some("not_found"))
        );
        let req = Request::get(LOGIN_PATH).body(Body::empty()).unwrap();
        let (status, body) = send(app(s), req).await;
        assert_eq!(
            (status, body["class"].as_str()),
            (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed"))
        );
    }

    #[tokio::test]
    async fn the_download_page_links_the_confirmation_page() {
        let resp = app(shared())
            .oneshot(Request::get(DOWNLOAD_PATH).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        assert!(text.contains("https://webra1.secomtrust.net/scira/doc/ymfg/"));
    }
}
