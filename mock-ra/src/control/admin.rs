//! The admin API (HTTP on loopback, `Authorization: Bearer <token>`): the
//! same operations as the library API, as JSON. A request without the right
//! token gets 401 and changes nothing. Routes are listed in README.md.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fileformat::Offset;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::faults::FaultSpec;
use crate::ra::clock::Clock;
use crate::ra::state::{AccountPatch, Shared};
use crate::wire::body::{Shape, read_json};
use crate::wire::journal::{Cause, Class, Outcome, Role};
use crate::wire::problem::{BODY_LIMIT, problem_response};
use crate::world::AccountSpec;

pub use crate::control::admin_reply::AdminError;
use crate::control::admin_reply::ok;

/// The admin router; `extra`: routes this mock's builder was given
/// ([`crate::MockRaBuilder::admin_routes`]), served behind the token too.
pub(crate) fn app(shared: Arc<Shared>, extra: Option<Router>) -> Router {
    let router = Router::new()
        .route("/accounts", get(list_accounts).post(create_account))
        .route("/accounts/{id}", get(get_account).patch(patch_account))
        .route("/accounts/{id}/reissue", post(reissue))
        .route("/orders", get(list_orders))
        .route("/clock", get(get_clock).post(set_clock))
        .route("/journal", get(journal))
        .route("/journal/stats", get(journal_stats))
        .route("/pki", get(pki))
        .route("/certificates/{serial}", get(certificate))
        .route("/identities", get(identities))
        .route("/identities/{name}", get(identity))
        .route(
            "/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/faults/{name}", get(get_fault).delete(remove_fault))
        .route("/reset", post(reset))
        .route("/ready", get(crate::control::console::ready))
        .route("/fault-kinds", get(crate::control::console::fault_kinds))
        .with_state(shared.clone());
    let router = match extra {
        Some(extra) => router.merge(extra),
        None => router,
    };
    let router = router
        .fallback(|| async { AdminError::NotFound("no such admin route".into()) })
        .method_not_allowed_fallback(|| async {
            let class = Class::MethodNotAllowed;
            problem_response(
                class,
                None,
                Outcome {
                    class: Some(class),
                    cause: Cause::MethodNotAllowed,
                    account: None,
                },
            )
        })
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            require_token,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        // The console's page and script hold no data: served without the
        // token, they only ask for it (console.rs).
        .merge(crate::control::console::assets().with_state(shared.clone()));
    crate::net::journal::journaled(router, shared, Role::Admin)
}

async fn require_token(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let ok = presented.is_some_and(|t| {
        let (a, b) = (t.as_bytes(), shared.admin_token.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    });
    if ok {
        next.run(request).await
    } else {
        AdminError::Unauthorized.into_response()
    }
}

/// An admin body: `body: ` and what was wrong, never the offending value.
fn parse<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, AdminError> {
    read_json(body, Shape::Any).map_err(|e| AdminError::BadRequest(format!("body: {e}")))
}

async fn list_accounts(State(shared): State<Arc<Shared>>) -> Response {
    ok(StatusCode::OK, &shared.accounts(), None)
}

/// `GET /orders`: every account's order and renewal count (what a load
/// run checks afterwards), without making generated customers' certificates.
async fn list_orders(State(shared): State<Arc<Shared>>) -> Response {
    ok(StatusCode::OK, &shared.orders(), None)
}

async fn create_account(
    State(shared): State<Arc<Shared>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AdminError> {
    let spec: AccountSpec = parse(body)?;
    let view = shared.create_account(&spec)?;
    Ok(ok(StatusCode::CREATED, &view, Some(spec.id)))
}

async fn get_account(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Response, AdminError> {
    let view = shared
        .account(&id)
        .ok_or_else(|| AdminError::NotFound(format!("no account `{id}`")))?;
    Ok(ok(StatusCode::OK, &view, Some(id)))
}

async fn patch_account(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AdminError> {
    let patch: AccountPatch = parse(body)?;
    let view = shared.patch_account(&id, patch)?;
    Ok(ok(StatusCode::OK, &view, Some(id)))
}

async fn reissue(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Response, AdminError> {
    let cert = shared.reissue(&id)?;
    Ok(ok(StatusCode::CREATED, &cert, Some(id)))
}

/// The clock as the admin API shows it.
#[derive(Debug, Serialize)]
struct ClockView {
    now: String,
    frozen: bool,
    real: bool,
}

fn clock_view(shared: &Shared) -> ClockView {
    ClockView {
        now: crate::wire::protocol::rfc3339(shared.now()),
        frozen: shared.clock.is_frozen(),
        real: shared.clock.is_real(),
    }
}

async fn get_clock(State(shared): State<Arc<Shared>>) -> Response {
    ok(StatusCode::OK, &clock_view(&shared), None)
}

/// `POST /clock`: any of `set` (RFC 3339), `advance` (an offset such as
/// `+1d`, `-2h`), `frozen` (bool); applied in that order.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockChange {
    set: Option<String>,
    advance: Option<Offset>,
    frozen: Option<bool>,
}

async fn set_clock(
    State(shared): State<Arc<Shared>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AdminError> {
    let change: ClockChange = parse(body)?;
    let set = change
        .set
        .as_deref()
        .map(|s| {
            OffsetDateTime::parse(s, &Rfc3339)
                .map_err(|e| AdminError::BadRequest(format!("set: `{s}` is not RFC 3339 ({e})")))
        })
        .transpose()?;
    // The whole change is checked before any of it is applied.
    let start = set.unwrap_or_else(|| shared.clock.now());
    if let Err(e) = certs_gen::check_now(start) {
        return Err(AdminError::BadRequest(format!("set: {e}")));
    }
    if let Some(by) = change.advance {
        Clock::moved(start, by.duration())
            .map_err(|e| AdminError::BadRequest(format!("advance `{by}`: {e}")))?;
    }
    if let Some(at) = set {
        shared
            .clock
            .set(at)
            .map_err(|e| AdminError::BadRequest(format!("set: {e}")))?;
    }
    if let Some(by) = change.advance {
        shared
            .clock
            .advance(by.duration())
            .map_err(|e| AdminError::BadRequest(format!("advance `{by}`: {e}")))?;
    }
    if let Some(frozen) = change.frozen {
        shared.clock.set_frozen(frozen);
    }
    Ok(ok(StatusCode::OK, &clock_view(&shared), None))
}

#[derive(Debug, Deserialize)]
struct JournalQuery {
    since: Option<u64>,
}

async fn journal(
    State(shared): State<Arc<Shared>>,
    query: Result<Query<JournalQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AdminError> {
    let Query(q) = query.map_err(|e| AdminError::BadRequest(e.body_text()))?;
    let stats = shared.journal.stats();
    let mut response = ok(
        StatusCode::OK,
        &shared.journal.since(q.since.unwrap_or(0)),
        None,
    );
    // The body stays the array of entries; how many were dropped to keep
    // the journal bounded rides along.
    response.headers_mut().insert(
        JOURNAL_DROPPED_HEADER,
        axum::http::HeaderValue::from(stats.dropped),
    );
    Ok(response)
}

/// The header of `GET /journal` with the number of entries dropped so far.
pub const JOURNAL_DROPPED_HEADER: &str = "journal-dropped";

/// `GET /journal/stats`: capacity, entries kept, entries dropped, last number.
async fn journal_stats(State(shared): State<Arc<Shared>>) -> Response {
    ok(StatusCode::OK, &shared.journal.stats(), None)
}

/// The PKI's public parts.
#[derive(Debug, Serialize)]
struct PkiView {
    key_type: &'static str,
    web_root_pem: String,
    client_root_pem: String,
    issuing_ca_pem: String,
    /// The manual's display form: 8-digit groups (D4.5).
    client_root_sha1: String,
    /// 40 hex digits, no spaces.
    client_root_sha1_hex: String,
    issuing_ca_cert_url: String,
    issuing_ca_crl_url: String,
    root_cert_url: String,
    root_crl_url: String,
}

async fn pki(State(shared): State<Arc<Shared>>) -> Response {
    let pki = &shared.pki;
    let view = PkiView {
        key_type: pki.key_type.as_str(),
        web_root_pem: pki.web_root.pem(),
        client_root_pem: pki.client_root.pem(),
        issuing_ca_pem: pki.issuing_ca.pem(),
        client_root_sha1: certs_gen::info::sha1_display(pki.client_root.der()),
        client_root_sha1_hex: certs_gen::info::sha1_hex(pki.client_root.der()),
        issuing_ca_cert_url: pki.names.issuing_ca_cert_url(),
        issuing_ca_crl_url: pki.names.issuing_ca_crl_url(),
        root_cert_url: pki.names.root_cert_url(),
        root_crl_url: pki.names.root_crl_url(),
    };
    ok(StatusCode::OK, &view, None)
}

async fn certificate(
    State(shared): State<Arc<Shared>>,
    Path(serial): Path<String>,
) -> Result<Response, AdminError> {
    let view = shared
        .certificate(&serial)
        .ok_or_else(|| AdminError::NotFound(format!("no certificate with serial `{serial}`")))?;
    let account = view.account.clone();
    Ok(ok(StatusCode::OK, &view, account))
}

#[derive(Debug, Serialize)]
struct IdentitySummary {
    name: String,
    serial: String,
    subject: String,
    issuer: String,
    #[serde(with = "time::serde::rfc3339")]
    not_before: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    not_after: OffsetDateTime,
}

async fn identities(State(shared): State<Arc<Shared>>) -> Response {
    let list: Vec<IdentitySummary> = shared
        .lock()
        .identities
        .iter()
        .filter_map(|(name, id)| {
            id.info().ok().map(|i| IdentitySummary {
                name: name.clone(),
                serial: i.serial,
                subject: i.subject,
                issuer: i.issuer,
                not_before: i.not_before,
                not_after: i.not_after,
            })
        })
        .collect();
    ok(StatusCode::OK, &list, None)
}

#[derive(Debug, Serialize)]
struct IdentityFiles {
    name: String,
    key_type: &'static str,
    cert_pem: String,
    key_pem: String,
    chain_pem: String,
}

async fn identity(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
) -> Result<Response, AdminError> {
    let identity = shared
        .identity(&name)
        .ok_or_else(|| AdminError::NotFound(format!("no identity `{name}`")))?
        .map_err(|e| AdminError::Internal(e.to_string()))?;
    let files = IdentityFiles {
        name,
        key_type: identity.key_type.as_str(),
        cert_pem: identity.cert_pem(),
        key_pem: identity.key_pem(),
        chain_pem: identity.chain_pem(),
    };
    Ok(ok(StatusCode::OK, &files, None))
}

async fn list_faults(State(shared): State<Arc<Shared>>) -> Response {
    ok(StatusCode::OK, &shared.faults.view(), None)
}

async fn get_fault(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
) -> Result<Response, AdminError> {
    let view = shared
        .faults
        .view()
        .faults
        .into_iter()
        .find(|f| f.name == name)
        .ok_or_else(|| AdminError::NotFound(format!("no fault `{name}` is in force")))?;
    Ok(ok(StatusCode::OK, &view, None))
}

/// `POST /faults`: a `[[fault]]` table as JSON; in force from now on.
async fn add_fault(
    State(shared): State<Arc<Shared>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AdminError> {
    let spec: FaultSpec = parse(body)?;
    let view = shared
        .faults
        .add(spec)
        .map_err(|e| AdminError::BadRequest(e.to_string()))?;
    Ok(ok(StatusCode::CREATED, &view, None))
}

async fn remove_fault(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
) -> Result<Response, AdminError> {
    if shared.faults.remove(&name) {
        Ok(ok(
            StatusCode::OK,
            &serde_json::json!({ "removed": name }),
            None,
        ))
    } else {
        Err(AdminError::NotFound(format!(
            "no fault `{name}` is in force"
        )))
    }
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> Response {
    let n = shared.faults.clear();
    ok(StatusCode::OK, &serde_json::json!({ "cleared": n }), None)
}

async fn reset(State(shared): State<Arc<Shared>>) -> Response {
    shared.reset();
    ok(StatusCode::OK, &serde_json::json!({ "reset": true }), None)
}
