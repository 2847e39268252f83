//! The accept loop every role runs, and the journal middleware.
//!
//! A plain loop rather than `axum::serve`: the TLS roles need the peer
//! certificate of each connection in every request (DEPENDENCIES), so each
//! connection is accepted, its handshake finished, `peer_certificates()` read
//! and inserted as a request extension, then served by hyper-util's auto
//! (HTTP/1.1 or h2) builder. The connection-level and TLS faults act here,
//! before and below TLS; the HTTP faults are a middleware inside the
//! journal's.
//!
//! Virtual hosting (one port for webra2 + webra1, one for repo1 +
//! repository) picks the host first, then comes back here: see `vhost`.

use std::net::SocketAddr;
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
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_rustls::{StartHandshake, TlsAcceptor};
use tower::ServiceExt;

use crate::faults::http::FaultApplied;
use crate::faults::stream::{FaultyStream, Shaping};
use crate::faults::{ConnectionPlan, FaultHost, FaultKind};
use crate::journal::{Cause, Class, Outcome, Record, Role};
use crate::problem::InternalDetail;
use crate::state::{Shared, presented};

/// The client certificate of the connection a request came on (on a
/// resumed session: the one the session was first authenticated with).
#[derive(Debug, Clone, Default)]
pub struct PeerCertificate(pub Option<CertificateDer<'static>>);

/// How long a TLS handshake may take.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long open connections get to finish after shutdown.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

/// Wraps a role's router with the HTTP faults and, around them, the
/// journal middleware.
pub(crate) fn journaled(router: Router, shared: Arc<Shared>, role: Role) -> Router {
    router
        .layer(axum::middleware::from_fn_with_state(
            (shared.clone(), role),
            crate::faults::http::apply,
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

/// A role's socket: listening, or (while `refuse` is in force) bound
/// without listening, so the port stays ours and connections are refused.
#[derive(Debug)]
pub(crate) enum Socket {
    /// Accepting connections.
    Listening(TcpListener),
    /// Bound, not listening: the kernel refuses connections.
    Reserved(TcpSocket),
    /// Neither (re-binding failed for a moment); retried shortly.
    Gone,
}

/// Binds `addr` (port 0: any) without listening yet.
pub(crate) fn bind(addr: SocketAddr) -> std::io::Result<(TcpSocket, SocketAddr)> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // SO_REUSEADDR only for a chosen port (a restart, or a refused host
    // re-bound). On Linux an ephemeral bind with SO_REUSEADDR may be given a
    // port that another reuse-address socket holds bound but not listening,
    // which is exactly what a refused host is: another mock in the same
    // process (tests run many) could then answer for it.
    if addr.port() != 0 {
        socket.set_reuseaddr(true)?;
    }
    socket.bind(addr)?;
    let addr = socket.local_addr()?;
    Ok((socket, addr))
}

/// Starts listening on a bound socket.
pub(crate) fn listen(socket: TcpSocket) -> std::io::Result<TcpListener> {
    socket.listen(1024)
}

/// Moves a socket to the state `refused` asks for.
fn toggle(socket: Socket, refused: bool, addr: SocketAddr) -> Socket {
    match (socket, refused) {
        (Socket::Listening(l), true) => {
            drop(l);
            bind(addr).map_or(Socket::Gone, |(s, _)| Socket::Reserved(s))
        }
        (Socket::Reserved(s), false) => listen(s).map_or(Socket::Gone, Socket::Listening),
        (Socket::Gone, true) => bind(addr).map_or(Socket::Gone, |(s, _)| Socket::Reserved(s)),
        (Socket::Gone, false) => bind(addr)
            .and_then(|(s, _)| listen(s))
            .map_or(Socket::Gone, Socket::Listening),
        (same, _) => same,
    }
}

/// What a listener serves.
pub(crate) enum Serves {
    /// A host or the admin API: HTTP(S) through a router.
    Http {
        tls: Option<TlsAcceptor>,
        app: Router,
    },
    /// The forward proxy, with the address of each host.
    Proxy {
        targets: Arc<Vec<(FaultHost, SocketAddr)>>,
    },
    /// Virtual hosting, HTTPS: each host with its own TLS configuration
    /// and router, chosen by the ClientHello's SNI.
    VhostTls { sites: Arc<Vec<TlsSite>> },
    /// Virtual hosting, plain HTTP: `app` routes each request by its
    /// `Host`; the first request's picks the host whose connection faults
    /// act.
    VhostHttp {
        hosts: Arc<Vec<FaultHost>>,
        app: Router,
    },
}

/// One host of the shared HTTPS port.
pub(crate) struct TlsSite {
    pub host: FaultHost,
    pub tls: TlsAcceptor,
    pub app: Router,
}

/// One bound listener and what it serves.
pub(crate) struct Listener {
    pub role: Role,
    /// The hosts it serves (none for the admin API and the proxy): while
    /// all of them are refused, nothing listens.
    pub hosts: Vec<FaultHost>,
    pub addr: SocketAddr,
    pub socket: Socket,
    pub serves: Serves,
}

/// Accepts connections until `shutdown` turns true (or its sender goes),
/// then lets open connections finish for a moment. While a `refuse` fault
/// is in force on every host of the listener, nothing listens.
pub(crate) async fn run(l: Listener, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let mut changes = shared.faults.subscribe();
    let mut socket = l.socket;
    let mut connections = JoinSet::new();
    loop {
        let refused = !l.hosts.is_empty() && l.hosts.iter().all(|h| shared.faults.refused(*h));
        socket = toggle(socket, refused, l.addr);
        let accept = async {
            match &socket {
                Socket::Listening(listener) => Some(listener.accept().await),
                Socket::Reserved(_) => std::future::pending().await,
                Socket::Gone => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    None
                }
            }
        };
        tokio::select! {
            accepted = accept => match accepted {
                Some(Ok((tcp, _))) => {
                    let shutdown = shutdown.clone();
                    let shared = shared.clone();
                    match &l.serves {
                        Serves::Http { tls, app } => {
                            let handshake = match tls {
                                Some(acceptor) => Handshake::Fresh(acceptor.clone()),
                                None => Handshake::Plain,
                            };
                            connections.spawn(connection(
                                Conn::new(tcp, handshake),
                                app.clone(),
                                shared,
                                l.role,
                                shutdown,
                            ));
                        }
                        Serves::VhostTls { sites } => {
                            connections.spawn(crate::vhost::https_connection(
                                tcp,
                                sites.clone(),
                                shared,
                                shutdown,
                            ));
                        }
                        Serves::VhostHttp { hosts, app } => {
                            connections.spawn(crate::vhost::http_connection(
                                tcp,
                                hosts.clone(),
                                app.clone(),
                                shared,
                                shutdown,
                            ));
                        }
                        Serves::Proxy { targets } => {
                            connections.spawn(crate::proxy::connection(
                                tcp,
                                targets.clone(),
                                shared,
                                shutdown,
                            ));
                        }
                    }
                }
                // Out of file descriptors and the like: back off a little.
                Some(Err(_)) => tokio::time::sleep(Duration::from_millis(20)).await,
                None => {}
            },
            changed = changes.changed() => {
                if changed.is_err() {
                    // The faults are gone with the mock: only shutdown is left.
                    let _ = shutdown.changed().await;
                    break;
                }
            }
            _ = shutdown.changed() => break,
        }
        while connections.try_join_next().is_some() {}
    }
    drop(socket);
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.abort_all();
    }
}

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
