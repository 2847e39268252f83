//! The accept loop every role runs, and the journal middleware.
//!
//! A plain loop rather than `axum::serve`: the TLS roles need the peer
//! certificate of each connection in every request (DEPENDENCIES), so each
//! connection is accepted, its handshake finished, `peer_certificates()` read
//! and inserted as a request extension, then served by hyper-util's auto
//! (HTTP/1.1 or h2) builder.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use rustls_pki_types::CertificateDer;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::journal::{Cause, Class, Outcome, Record, Role};
use crate::problem::InternalDetail;
use crate::state::{Shared, presented};

/// The client certificate of the connection a request came on (on a
/// resumed session: the one the session was first authenticated with).
#[derive(Debug, Clone, Default)]
pub struct PeerCertificate(pub Option<CertificateDer<'static>>);

/// How long a TLS handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long open connections get to finish after shutdown.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

/// Wraps a role's router with the journal middleware.
pub(crate) fn journaled(router: Router, shared: Arc<Shared>, role: Role) -> Router {
    router.layer(axum::middleware::from_fn_with_state(
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
    let response = next.run(request).await;
    let status = response.status();
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
        status: Some(status.as_u16()),
        outcome,
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

/// One bound listener and what it serves.
pub(crate) struct Listener {
    pub role: Role,
    pub listener: TcpListener,
    pub tls: Option<TlsAcceptor>,
    pub app: Router,
}

/// Accepts connections until `shutdown` turns true (or its sender goes),
/// then lets open connections finish for a moment.
pub(crate) async fn run(l: Listener, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = l.listener.accept() => match accepted {
                Ok((tcp, _)) => {
                    connections.spawn(connection(
                        tcp,
                        l.tls.clone(),
                        l.app.clone(),
                        shared.clone(),
                        l.role,
                        shutdown.clone(),
                    ));
                }
                // Out of file descriptors and the like: back off a little.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            _ = shutdown.changed() => break,
        }
        while connections.try_join_next().is_some() {}
    }
    drop(l.listener);
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.abort_all();
    }
}

async fn connection(
    tcp: tokio::net::TcpStream,
    tls: Option<TlsAcceptor>,
    app: Router,
    shared: Arc<Shared>,
    role: Role,
    shutdown: watch::Receiver<bool>,
) {
    let _ = tcp.set_nodelay(true);
    let Some(acceptor) = tls else {
        serve_connection(TokioIo::new(tcp), app, PeerCertificate(None), shutdown).await;
        return;
    };
    let stream = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => {
            record_handshake_failure(&shared, role, handshake_cause(&e));
            return;
        }
        Err(_) => {
            record_handshake_failure(&shared, role, Cause::TlsHandshakeFailed);
            return;
        }
    };
    let peer = stream
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .map(|c| c.clone().into_owned());
    serve_connection(TokioIo::new(stream), app, PeerCertificate(peer), shutdown).await;
}

async fn serve_connection<I>(
    io: TokioIo<I>,
    app: Router,
    peer: PeerCertificate,
    mut shutdown: watch::Receiver<bool>,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = app.map_request(move |mut request: Request<hyper::body::Incoming>| {
        request.extensions_mut().insert(peer.clone());
        request
    });
    let builder = auto::Builder::new(TokioExecutor::new());
    let conn = builder.serve_connection(io, TowerToHyperService::new(service));
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = shutdown.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(DRAIN_TIMEOUT, conn).await;
        }
    }
}

/// Why a handshake failed, as the journal says it.
fn handshake_cause(e: &std::io::Error) -> Cause {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(rustls::Error::NoCertificatesPresented) => Cause::TlsNoClientCertificate,
        Some(rustls::Error::InvalidCertificate(_)) => Cause::TlsBadClientCertificate,
        _ => Cause::TlsHandshakeFailed,
    }
}

fn record_handshake_failure(shared: &Shared, role: Role, cause: Cause) {
    shared.journal.record(Record {
        time: shared.now(),
        role,
        method: String::new(),
        path: String::new(),
        certificate: None,
        status: None,
        outcome: Outcome {
            class: None,
            cause,
            account: None,
        },
    });
}
