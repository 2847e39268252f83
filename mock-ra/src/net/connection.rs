//! One accepted connection: its connection-level and TLS faults, the TLS
//! handshake, the peer certificate as a request extension, hyper-util's
//! auto (HTTP/1.1 or h2) builder.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use rustls_pki_types::CertificateDer;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_rustls::{StartHandshake, TlsAcceptor};
use tower::ServiceExt;

use crate::faults::FaultKind;
use crate::net::faults::http::FaultApplied;
use crate::net::faults::registry::ConnectionPlan;
use crate::net::faults::stream::{FaultyStream, Shaping};
use crate::ra::state::Shared;
use crate::wire::journal::{Cause, Outcome, Record, Role};
use crate::wire::protocol::HEAD_LIMIT;
use crate::wire::protocol::Host;

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
    let plan = match Host::of_role(role) {
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
            let serving = Serving {
                app,
                peer: PeerCertificate(None),
                faults: ConnectionFaults(label),
                shared,
                role,
            };
            serve_connection(TokioIo::new(io), serving, shutdown).await;
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
    let serving = Serving {
        app,
        peer: PeerCertificate(peer),
        faults: ConnectionFaults(label),
        shared,
        role,
    };
    serve_connection(TokioIo::new(stream), serving, shutdown).await;
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

/// The request body timed out ([`crate::wire::limits::Limits::body`]): what a
/// handler reading the body finds in its error's source chain.
#[derive(Debug)]
pub(crate) struct BodyTimedOut;

impl std::fmt::Display for BodyTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body did not arrive in time")
    }
}

impl std::error::Error for BodyTimedOut {}

/// Whether `error` (or anything in its source chain) is [`BodyTimedOut`].
pub(crate) fn body_timed_out(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut e: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(x) = e {
        if x.is::<BodyTimedOut>() {
            return true;
        }
        e = x.source();
    }
    false
}

/// A request body that fails with [`BodyTimedOut`] once its deadline passes.
struct TimedBody {
    inner: hyper::body::Incoming,
    deadline: std::pin::Pin<Box<tokio::time::Sleep>>,
    fired: Arc<AtomicBool>,
}

impl hyper::body::Body for TimedBody {
    type Data = hyper::body::Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        use std::future::Future;
        use std::task::Poll;
        let this = &mut *self;
        match std::pin::Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => Poll::Ready(frame.map(|f| f.map_err(Into::into))),
            Poll::Pending => {
                if this.deadline.as_mut().poll(cx).is_ready() {
                    this.fired.store(true, Ordering::Relaxed);
                    Poll::Ready(Some(Err(Box::new(BodyTimedOut))))
                } else {
                    Poll::Pending
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

/// Requests in flight on one connection and when the last one ended: a
/// connection with none in flight for [`crate::wire::limits::Limits::idle`] is
/// closed.
#[derive(Debug)]
struct Activity {
    in_flight: AtomicUsize,
    last: Mutex<Instant>,
}

impl Activity {
    fn new() -> Self {
        Self {
            in_flight: AtomicUsize::new(0),
            last: Mutex::new(Instant::now()),
        }
    }

    fn begin(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(self.clone())
    }

    /// When the connection went idle, if nothing is in flight.
    fn idle_since(&self) -> Option<Instant> {
        let last = *self.last.lock().unwrap_or_else(PoisonError::into_inner);
        (self.in_flight.load(Ordering::SeqCst) == 0).then_some(last)
    }
}

/// One request in flight; its end (or its being dropped with the
/// connection) is recorded.
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        *self.0.last.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Where a served connection's requests go, and what it may take.
pub(crate) struct Serving {
    pub app: Router,
    pub peer: PeerCertificate,
    pub faults: ConnectionFaults,
    pub shared: Arc<Shared>,
    pub role: Role,
}

async fn serve_connection<I>(io: TokioIo<I>, serving: Serving, mut shutdown: watch::Receiver<bool>)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let Serving {
        app,
        peer,
        faults,
        shared,
        role,
    } = serving;
    let limits = shared.limits;
    let activity = Arc::new(Activity::new());
    let requests = activity.clone();
    let service = tower::service_fn(move |request: Request<hyper::body::Incoming>| {
        let in_flight = requests.begin();
        let fired = Arc::new(AtomicBool::new(false));
        let mut request = request.map(|inner| TimedBody {
            inner,
            deadline: Box::pin(tokio::time::sleep(limits.body)),
            fired: fired.clone(),
        });
        request.extensions_mut().insert(peer.clone());
        request.extensions_mut().insert(faults.clone());
        let app = app.clone();
        async move {
            let _in_flight = in_flight;
            let mut response = match app.oneshot(request).await {
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
            // A body that timed out leaves the connection in an unknown
            // state: close it after this answer (HTTP/1.1).
            if fired.load(Ordering::Relaxed) {
                response.headers_mut().insert(
                    axum::http::header::CONNECTION,
                    axum::http::HeaderValue::from_static("close"),
                );
            }
            Ok(response)
        }
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .max_buf_size(HEAD_LIMIT);
    let conn = builder.serve_connection(io, TowerToHyperService::new(service));
    tokio::pin!(conn);
    let result = loop {
        let idle_deadline = activity
            .idle_since()
            .map_or_else(|| Instant::now() + limits.idle, |since| since + limits.idle);
        tokio::select! {
            result = conn.as_mut() => break Some(result),
            _ = shutdown.changed() => {
                conn.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(DRAIN_TIMEOUT, conn.as_mut()).await;
                break None;
            }
            _ = tokio::time::sleep_until(idle_deadline) => {
                if activity.idle_since().is_some_and(|since| since.elapsed() >= limits.idle) {
                    // h1: closes now (or after a head in progress, which
                    // the header timeout bounds); h2: GOAWAY.
                    conn.as_mut().graceful_shutdown();
                    break tokio::time::timeout(DRAIN_TIMEOUT, conn.as_mut()).await.ok();
                }
            }
        }
    };
    if let Some(Err(e)) = result {
        record_connection_error(&shared, role, &*e);
    }
}

/// Journals what hyper refused before any request reached the router: a
/// request head it could not parse (it answered `400`), one over
/// [`HEAD_LIMIT`] (`431`), one that did not arrive within the header
/// timeout (closed without an answer). Other connection errors (the peer
/// went away, an HTTP/2 protocol error ending in GOAWAY) are not journaled:
/// docs/protocol.md 6 lists them.
fn record_connection_error(shared: &Shared, role: Role, e: &(dyn std::error::Error + 'static)) {
    let Some(e) = e.downcast_ref::<hyper::Error>() else {
        return;
    };
    let (status, cause) = if e.is_parse_too_large() {
        (Some(431), Cause::HeadTooLarge)
    } else if e.is_parse() {
        (Some(400), Cause::MalformedRequest)
    } else if e.is_timeout() {
        (None, Cause::HeaderTimeout)
    } else {
        return;
    };
    shared.journal.record(Record {
        time: shared.now(),
        role,
        method: String::new(),
        path: String::new(),
        certificate: None,
        status,
        outcome: Outcome {
            class: Some(crate::wire::journal::Class::BadRequest),
            cause,
            account: None,
        },
        fault: None,
    });
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
