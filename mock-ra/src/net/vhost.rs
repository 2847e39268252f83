//! Virtual hosting (`mock-ra serve --vhost`, [`crate::MockRaBuilder::vhost`]):
//! webra2 and webra1 on one HTTPS port, repo1 and repository on one HTTP
//! port, as the vendor's names resolve to one address in a container
//! network or through a hosts file.
//!
//! The HTTPS port reads the ClientHello first (tokio-rustls'
//! `LazyConfigAcceptor`), picks the host by its SNI and finishes the
//! handshake with that host's own configuration (webra2: client
//! certificate optional, no resumption; webra1: client certificate
//! required, resumption). The HTTP port reads the first request head and
//! picks the host by `Host` (or an absolute-form target); [`app`] then
//! routes every request on the connection by its own `Host`.
//!
//! Faults stay per host. Connection-level and TLS faults act once the host
//! is known -- at the ClientHello on the HTTPS port, at the first request
//! head on the HTTP port -- exactly as if the connection had been accepted
//! on that host's own port (nothing is written to the client before, so
//! the client cannot tell). `refuse` closes the shared port only while
//! every host on it is refused; otherwise a refused host's connections are
//! reset as soon as the host is known. HTTP faults act per request, by
//! the request's own host. What cannot be put down to a host is journaled
//! under the roles `https` and `http` with cause `unknown_host`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header;
use axum::response::Response;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_rustls::{LazyConfigAcceptor, StartHandshake, TlsAcceptor};
use tower::ServiceExt;

use crate::net::connection::{
    Conn, HANDSHAKE_TIMEOUT, Handshake, connection, handshake_cause, record_fault,
    record_handshake_failure, reset,
};
use crate::ra::state::Shared;
use crate::wire::head;
use crate::wire::journal::{Cause, Class, Outcome, Role};
use crate::wire::problem::problem_response;
use crate::wire::protocol::Host;

/// The router of the shared HTTP port: each request goes to the router of
/// the host its `Host` names (so the journal and the HTTP faults see the
/// real role); a request naming neither gets 404 `unknown_host`, journaled
/// under `http`.
pub(crate) fn app(shared: Arc<Shared>, sites: Vec<(Host, Router)>) -> Router {
    let unknown =
        crate::net::journal::journaled(Router::new().fallback(unknown_host), shared, Role::Http);
    Router::new()
        .fallback(dispatch)
        .with_state(Arc::new(Sites { sites, unknown }))
}

/// One host of the shared HTTPS port.
pub(crate) struct TlsSite {
    pub host: Host,
    pub tls: TlsAcceptor,
    pub app: Router,
}

struct Sites {
    sites: Vec<(Host, Router)>,
    unknown: Router,
}

async fn dispatch(State(sites): State<Arc<Sites>>, request: Request) -> Response {
    let named = request
        .uri()
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| {
            request
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_owned)
        });
    let app = named
        .and_then(|n| site_named(&sites.sites, &n, |(h, _)| *h).map(|(_, app)| app))
        .unwrap_or(&sites.unknown)
        .clone();
    match app.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

async fn unknown_host() -> Response {
    problem_response(
        Class::NotFound,
        Some(
            "unknown host: this port serves repo1.secomtrust.net and repository.secomtrust.net"
                .to_owned(),
        ),
        Outcome {
            class: Some(Class::NotFound),
            cause: Cause::UnknownHost,
            account: None,
        },
    )
}

/// A fatal `unrecognized_name` alert (RFC 6066 section 3) as a plaintext
/// TLS record: the answer to a ClientHello whose SNI names no host here.
const UNRECOGNIZED_NAME_ALERT: [u8; 7] = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x70];

/// Virtual hosting, HTTPS: reads the ClientHello, picks the host by its
/// SNI, and serves the connection as that host's own port would. An
/// unknown or missing SNI gets a fatal `unrecognized_name` alert, journaled
/// under `https` with cause `unknown_host`.
pub(crate) async fn https_connection(
    tcp: TcpStream,
    sites: Arc<Vec<TlsSite>>,
    shared: Arc<Shared>,
    shutdown: watch::Receiver<bool>,
) {
    let _ = tcp.set_nodelay(true);
    let deadline = Instant::now() + HANDSHAKE_TIMEOUT;
    let hello = LazyConfigAcceptor::new(rustls::server::Acceptor::default(), tcp);
    let start = match tokio::time::timeout_at(deadline, hello).await {
        Ok(Ok(start)) => start,
        Ok(Err(e)) => {
            record_handshake_failure(&shared, Role::Https, handshake_cause(&e), None);
            return;
        }
        Err(_) => {
            record_handshake_failure(&shared, Role::Https, Cause::TlsHandshakeFailed, None);
            return;
        }
    };
    let site = start
        .client_hello()
        .server_name()
        .and_then(|name| site_named(&sites, name, |s| s.host));
    let StartHandshake { accepted, io, .. } = start;
    let Some(site) = site else {
        record_handshake_failure(&shared, Role::Https, Cause::UnknownHost, None);
        let mut io = io;
        let _ = io.write_all(&UNRECOGNIZED_NAME_ALERT).await;
        let _ = io.shutdown().await;
        return;
    };
    let role = site.host.role();
    if let Some(name) = shared.faults.refusal(site.host) {
        record_fault(&shared, role, name);
        reset(io);
        return;
    }
    let conn = Conn {
        tcp: io,
        replay: Vec::new(),
        handshake: Handshake::Started(Box::new(accepted), site.tls.clone()),
        deadline,
    };
    connection(conn, site.app.clone(), shared, role, shutdown).await;
}

/// The longest request head the HTTP virtual host reads to find `Host`.
use crate::wire::protocol::HEAD_LIMIT;

/// Virtual hosting, HTTP: reads the first request head, picks the host by
/// it (whose connection faults then act), and serves the connection with
/// `app`, which routes every request by its own `Host`. A connection whose
/// first request names no host here gets no connection fault; `app`
/// answers its requests 404 `unknown_host`.
pub(crate) async fn http_connection(
    mut tcp: TcpStream,
    hosts: Arc<Vec<Host>>,
    app: Router,
    shared: Arc<Shared>,
    shutdown: watch::Receiver<bool>,
) {
    let _ = tcp.set_nodelay(true);
    let read = match tokio::time::timeout(HANDSHAKE_TIMEOUT, head::read(&mut tcp, HEAD_LIMIT)).await
    {
        Ok(Ok(read)) if !read.bytes.is_empty() => read,
        // Closed, failed or silent before a request: nothing to serve.
        _ => return,
    };
    // hyper answers whatever came (431 for a head too long, 400 for
    // garbage); a head cut short still names its host by its whole lines.
    let named = match &read.ending {
        head::Ending::Complete { head, .. } => Some(head.clone()),
        _ => head::whole_lines(&read.bytes),
    };
    let host = named
        .as_ref()
        .and_then(head::Head::host)
        .and_then(|name| site_named(&hosts, name, |h| *h).copied());
    let role = host.map_or(Role::Http, Host::role);
    if let Some(host) = host
        && let Some(name) = shared.faults.refusal(host)
    {
        record_fault(&shared, role, name);
        reset(tcp);
        return;
    }
    let mut conn = Conn::new(tcp, Handshake::Plain);
    conn.replay = read.bytes;
    connection(conn, app, shared, role, shutdown).await;
}

/// The site whose real hostname is `name` (a `Host` value may carry a
/// port and a trailing dot; case does not matter).
pub(crate) fn site_named<'a, T>(
    sites: &'a [T],
    name: &str,
    host: impl Fn(&T) -> Host,
) -> Option<&'a T> {
    let name = strip_port(name).trim_end_matches('.');
    sites
        .iter()
        .find(|s| host(s).hostname().eq_ignore_ascii_case(name))
}

/// `name:port` -> `name`; `[v6]:port` -> `[v6]`.
fn strip_port(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority.split_inclusive(']').next().unwrap_or(authority);
    }
    match authority.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => authority,
    }
}
