//! The HTTP faults, as a middleware inside the journal's: `status`,
//! `empty` and `block_page` answer *instead of* the server (something in
//! front of it answered; the handler never runs); `truncate`,
//! `malformed_json` and `commit_then_lose` act *after* the server did its
//! work (the answer is damaged or lost on its way back), so a login is
//! still decided and an issuance still commits.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper::body::Frame;

use crate::faults::kind::FaultKind;
use crate::ra::state::Shared;
use crate::wire::journal::{Cause, Outcome, Role};
use crate::wire::protocol::Host;

/// A response extension: a fault acted on this answer. The journal names
/// it; `lost` makes the connection drop instead of sending the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultApplied {
    /// The fault's name.
    pub name: String,
    /// The answer must not reach the client (`commit_then_lose`).
    pub lost: bool,
}

/// Bodies larger than this are not buffered for `truncate` or
/// `malformed_json` (none of the mock's answers comes close).
const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// What `malformed_json` sends: JSON that stops in the middle of a string.
pub(crate) const MALFORMED_JSON: &str = "{\"ticket\": \"3f9a1c07";

/// The middleware.
pub(crate) async fn apply(
    State((shared, role)): State<(Arc<Shared>, Role)>,
    request: Request,
    next: Next,
) -> Response {
    let Some(host) = Host::of_role(role) else {
        return next.run(request).await;
    };
    let path = request.uri().path().to_owned();
    let Some(applied) = shared.faults.on_request(host, &path) else {
        return next.run(request).await;
    };
    let spec = &applied.spec;
    let mut lost = false;
    let mut response = match spec.kind {
        FaultKind::Status => {
            let status = StatusCode::from_u16(spec.status.unwrap_or(500))
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut r = instead(status, status_page(status));
            if let Some(secs) = spec.retry_after {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            r
        }
        FaultKind::Empty => instead(StatusCode::OK, String::new()),
        FaultKind::BlockPage => {
            let status = StatusCode::from_u16(spec.status.unwrap_or(200)).unwrap_or(StatusCode::OK);
            instead(status, block_page(host))
        }
        FaultKind::Truncate => truncate(next.run(request).await, spec.bytes).await,
        FaultKind::MalformedJson => malformed(next.run(request).await),
        FaultKind::CommitThenLose => {
            lost = true;
            next.run(request).await
        }
        _ => next.run(request).await,
    };
    response.extensions_mut().insert(FaultApplied {
        name: applied.name,
        lost,
    });
    response
}

/// An answer made by the fault, not the server: the journal's cause is `fault`.
fn instead(status: StatusCode, body: String) -> Response {
    let bodiless = status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED;
    let body = if bodiless { String::new() } else { body };
    let html = !body.is_empty();
    let mut r = (status, body).into_response();
    r.headers_mut().remove(header::CONTENT_TYPE);
    if html {
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
    }
    r.extensions_mut().insert(Outcome::ok(Cause::Fault, None));
    r
}

fn status_page(status: StatusCode) -> String {
    let code = status.as_u16();
    let reason = status.canonical_reason().unwrap_or("Error");
    format!(
        "<!DOCTYPE html>\n<html><head><title>{code} {reason}</title></head>\
         <body><h1>{code} {reason}</h1></body></html>\n"
    )
}

/// The page antivirus software or a filtering proxy shows instead.
pub(crate) fn block_page(host: Host) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">\
         <title>アクセスがブロックされました</title></head><body>\n\
         <h1>このサイトへのアクセスはブロックされました</h1>\n\
         <p>セキュリティ ポリシーにより、{} への接続は許可されていません。</p>\n\
         <p>Access to this site was blocked by your organisation's security policy.</p>\n\
         </body></html>\n",
        host.hostname()
    )
}

/// Keeps the server's status, headers and length, sends `keep` bytes of
/// the body (default: half), then fails the body so the connection drops.
async fn truncate(response: Response, keep: Option<u64>) -> Response {
    let (mut parts, body) = response.into_parts();
    let full = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => Bytes::new(),
    };
    let declared = full.len().max(1);
    let keep = keep
        .map(|k| usize::try_from(k).unwrap_or(usize::MAX))
        .unwrap_or(full.len() / 2)
        .min(declared - 1)
        .min(full.len());
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(declared));
    Response::from_parts(
        parts,
        Body::new(CutBody {
            data: Some(full.slice(..keep)),
            wait: None,
        }),
    )
}

/// The server's status and outcome with a JSON body cut short.
fn malformed(response: Response) -> Response {
    let (mut parts, _) = response.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(MALFORMED_JSON))
}

/// A body that yields its data, waits a moment (so the bytes are flushed),
/// then fails: hyper then closes the connection short of the length it
/// announced.
struct CutBody {
    data: Option<Bytes>,
    wait: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl hyper::body::Body for CutBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Some(data) = self.data.take()
            && !data.is_empty()
        {
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        let wait = self
            .wait
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(Duration::from_millis(50))));
        match wait.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => Poll::Ready(Some(Err(std::io::Error::other(
                "fault: truncate (the body stops short of its Content-Length)",
            )))),
        }
    }
}
