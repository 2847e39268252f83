//! The journal middleware: every request of every role, with the cause its
//! handler (or axum) gave, the certificate presented and the faults in force.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::net::connection::{ConnectionFaults, PeerCertificate};
use crate::net::faults::http::FaultApplied;
use crate::ra::state::{Shared, presented};
use crate::wire::journal::{Cause, Class, Outcome, Record, Role};
use crate::wire::problem::InternalDetail;

/// Wraps a role's router with the HTTP faults and, around them, the
/// journal middleware.
pub(crate) fn journaled(router: Router, shared: Arc<Shared>, role: Role) -> Router {
    router
        .layer(axum::middleware::from_fn_with_state(
            (shared.clone(), role),
            crate::net::faults::http::apply,
        ))
        .layer(axum::middleware::from_fn_with_state(
            (shared, role),
            record_request,
        ))
}

async fn record_request(
    State((shared, role)): State<(Arc<Shared>, Role)>,
    request: Request,
    next: Next,
) -> Response {
    let time = shared.now();
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let certificate = request
        .extensions()
        .get::<PeerCertificate>()
        .and_then(|p| p.0.as_ref())
        .and_then(|der| presented(der));
    let connection_faults = request
        .extensions()
        .get::<ConnectionFaults>()
        .and_then(|f| f.0.clone());
    let response = next.run(request).await;
    let status = response.status();
    let applied = response.extensions().get::<FaultApplied>();
    let lost = applied.is_some_and(|f| f.lost);
    let fault = match (connection_faults, applied) {
        (None, None) => None,
        (Some(c), None) => Some(c),
        (None, Some(a)) => Some(a.name.clone()),
        (Some(c), Some(a)) => Some(format!("{c},{}", a.name)),
    };
    let outcome = response
        .extensions()
        .get::<Outcome>()
        .cloned()
        .unwrap_or_else(|| fallback_outcome(status.as_u16()));
    if let Some(InternalDetail(detail)) = response.extensions().get::<InternalDetail>() {
        eprintln!("mock-ra: {} {method} {path}: {detail}", role.as_str());
    }
    shared.journal.record(Record {
        time,
        role,
        method,
        path,
        certificate,
        status: (!lost).then_some(status.as_u16()),
        outcome,
        fault,
    });
    response
}

/// What an answer that no handler described was (axum's own rejections).
fn fallback_outcome(status: u16) -> Outcome {
    let (class, cause) = match status {
        200..=399 => (None, Cause::Page),
        404 => (Some(Class::NotFound), Cause::NotFound),
        405 => (Some(Class::MethodNotAllowed), Cause::MethodNotAllowed),
        413 => (Some(Class::TooLarge), Cause::TooLarge),
        400..=499 => (Some(Class::BadRequest), Cause::BadRequest),
        _ => (Some(Class::Internal), Cause::Internal),
    };
    Outcome {
        class,
        cause,
        account: None,
    }
}
