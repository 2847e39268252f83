//! One accepted connection: its connection-level and TLS faults, the TLS
//! handshake, the peer certificate as a request extension, hyper-util's
//! auto (HTTP/1.1 or h2) builder.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use rustls_pki_types::CertificateDer;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_rustls::{StartHandshake, TlsAcceptor};
use tower::ServiceExt;

use crate::faults::http::FaultApplied;
use crate::faults::stream::{FaultyStream, Shaping};
use crate::faults::{ConnectionPlan, FaultHost, FaultKind};
use crate::journal::{Cause, Outcome, Record, Role};
use crate::state::Shared;

/// The client certificate of the connection a request came on (on a
/// resumed session: the one the session was first authenticated with).
#[derive(Debug, Clone, Default)]
pub struct PeerCertificate(pub Option<CertificateDer<'static>>);

/// How long a TLS handshake may take.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long open connections get to finish after shutdown.
pub(crate) const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

/// The faults acting on a connection, as a request extension for the journal.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnectionFaults(pub Option<String>);

/// How a connection's TLS goes.
pub(crate) enum Handshake {
    /// Plain HTTP.
    Plain,
    /// A handshake from its first byte, with this configuration.
    Fresh(TlsAcceptor),
    /// The ClientHello was read already (to pick the virtual host by its
    /// SNI); the handshake goes on with this configuration.
    Started(Box<rustls::server::Accepted>, TlsAcceptor),
}

impl Handshake {
    /// The same handshake with another configuration (a TLS fault's).
    fn with(self, acceptor: TlsAcceptor) -> Self {
        match self {
            Handshake::Plain => Handshake::Plain,
            Handshake::Fresh(_) => Handshake::Fresh(acceptor),
            Handshake::Started(accepted, _) => Handshake::Started(accepted, acceptor),
        }
    }
}

/// An accepted connection on its way to being served.
pub(crate) struct Conn {
    pub tcp: TcpStream,
    /// Bytes read already (the HTTP request head of a virtual host).
    pub replay: Vec<u8>,
    pub handshake: Handshake,
    /// When the TLS handshake must be done, ClientHello included.
    pub deadline: Instant,
}

impl Conn {
    pub fn new(tcp: TcpStream, handshake: Handshake) -> Self {
        Self {
            tcp,
            replay: Vec::new(),
            handshake,
            deadline: Instant::now() + HANDSHAKE_TIMEOUT,
        }
    }
}

pub(crate) async fn connection(
    conn: Conn,
    app: Router,
    shared: Arc<Shared>,
    role: Role,
    shutdown: watch::Receiver<bool>,
) {
    let _ = conn.tcp.set_nodelay(true);
    let plan = match FaultHost::of_role(role) {
        Some(host) => shared.faults.on_connection(host),
        None => ConnectionPlan::default(),
    };
    if plan.terminal.is_none() && plan.shaping.is_empty() {
        return handle(conn, app, shared, role, shutdown, plan).await;
    }
    // A faulted connection may be stuck on purpose (a delay, a stall): it
    // ends with the mock, without the drain time well-behaved ones get.
    let mut stop = shutdown.clone();
    tokio::select! {
        _ = handle(conn, app, shared, role, shutdown, plan) => {}
        _ = stop.changed() => {}
    }
}

async fn handle(
    conn: Conn,
    app: Router,
    shared: Arc<Shared>,
    role: Role,
    shutdown: watch::Receiver<bool>,
    plan: ConnectionPlan,
) {
    let Conn {
        tcp,
        replay,
        mut handshake,
        deadline,
    } = conn;
    let mut names: Vec<String> = plan.shaping.iter().map(|a| a.name.clone()).collect();
    if let Some(terminal) = &plan.terminal {
        names.insert(0, terminal.name.clone());
    }
    let label = (!names.is_empty()).then(|| names.join(","));
    // A faulted connection is journaled once, when it is accepted (so the
    // journal does not depend on when the client gives up); its requests
    // carry the fault's name too.
    if let Some(label) = &label {
        record_fault(&shared, role, label.clone());
    }
    let mut stall = false;
    if let Some(terminal) = &plan.terminal {
        match terminal.spec.kind {
            FaultKind::Hang => {
                hold(tcp, shutdown).await;
                return;
            }
            FaultKind::Reset => {
                reset(tcp);
                return;
            }
            FaultKind::TlsStall => stall = true,
            kind => match shared.fault_tls() {
                Ok(configs) => {
                    if let Some(acceptor) = configs.acceptor(role, kind) {
                        handshake = handshake.with(acceptor);
                    }
                }
                Err(e) => eprintln!("mock-ra: {}: fault {kind}: {e}", role.as_str()),
            },
        }
    }
    let io = FaultyStream::new(tcp, Shaping::new(&plan.shaping, stall)).replaying(replay);
    let accept = match handshake {
        Handshake::Plain => {
            serve_connection(
                TokioIo::new(io),
                app,
                PeerCertificate(None),
                ConnectionFaults(label),
                shutdown,
            )
            .await;
            return;
        }
        Handshake::Fresh(acceptor) => acceptor.accept(io),
        Handshake::Started(accepted, acceptor) => {
            StartHandshake::from_parts(*accepted, io).into_stream(acceptor.config().clone())
        }
    };
    let stream = match tokio::time::timeout_at(deadline, accept).await {
        Ok(Ok(stream)) => stream,
        // A faulted connection was journaled when it was accepted.
        _ if label.is_some() => return,
        Ok(Err(e)) => {
            record_handshake_failure(&shared, role, handshake_cause(&e), None);
            return;
        }
        Err(_) => {
            record_handshake_failure(&shared, role, Cause::TlsHandshakeFailed, None);
            return;
        }
    };
    let peer = stream
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .map(|c| c.clone().into_owned());
    serve_connection(
        TokioIo::new(stream),
        app,
        PeerCertificate(peer),
        ConnectionFaults(label),
        shutdown,
    )
    .await;
}

/// Resets a connection (RST): what `reset` does, and `refuse` on a shared port.
pub(crate) fn reset(tcp: TcpStream) {
    let _ = tcp.set_zero_linger();
    drop(tcp);
}

/// `hang`: holds the connection, reading and dropping whatever comes,
/// until the client gives up or the mock stops.
async fn hold(mut tcp: TcpStream, mut shutdown: watch::Receiver<bool>) {
    let mut buf = [0u8; 4096];
    loop {
        tokio::select! {
            read = tcp.read(&mut buf) => match read {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            },
            _ = shutdown.changed() => return,
        }
    }
}

/// The answer a `commit_then_lose` fault swallowed: hyper drops the
/// connection instead of sending it.
#[derive(Debug)]
struct AnswerLost;

impl std::fmt::Display for AnswerLost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("fault: the answer is lost")
    }
}

impl std::error::Error for AnswerLost {}

async fn serve_connection<I>(
    io: TokioIo<I>,
    app: Router,
    peer: PeerCertificate,
    faults: ConnectionFaults,
    mut shutdown: watch::Receiver<bool>,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = tower::service_fn(move |mut request: Request<hyper::body::Incoming>| {
        request.extensions_mut().insert(peer.clone());
        request.extensions_mut().insert(faults.clone());
        let app = app.clone();
        async move {
            let response = match app.oneshot(request).await {
                Ok(r) => r,
                Err(never) => match never {},
            };
            if response
                .extensions()
                .get::<FaultApplied>()
                .is_some_and(|f| f.lost)
            {
                return Err(AnswerLost);
            }
            Ok(response)
        }
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
pub(crate) fn handshake_cause(e: &std::io::Error) -> Cause {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(rustls::Error::NoCertificatesPresented) => Cause::TlsNoClientCertificate,
        Some(rustls::Error::InvalidCertificate(_)) => Cause::TlsBadClientCertificate,
        _ => Cause::TlsHandshakeFailed,
    }
}

pub(crate) fn record_handshake_failure(
    shared: &Shared,
    role: Role,
    cause: Cause,
    fault: Option<String>,
) {
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
        fault,
    });
}

/// A connection accepted under a connection-level or TLS fault.
pub(crate) fn record_fault(shared: &Shared, role: Role, fault: String) {
    record_handshake_failure(shared, role, Cause::Fault, Some(fault));
}
