//! A role's socket and its accept loop: each accepted connection goes to
//! `connection`, the virtual hosts or the proxy, by what the listener serves.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::net::connection::{
    Conn, DRAIN_TIMEOUT, Handshake, connection, record_handshake_failure, reset,
};
use crate::net::vhost::TlsSite;
use crate::ra::state::Shared;
use crate::wire::journal::{Cause, Role};
use crate::wire::protocol::Host;

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
        targets: Arc<Vec<(Host, SocketAddr)>>,
    },
    /// Virtual hosting, HTTPS: each host with its own TLS configuration
    /// and router, chosen by the ClientHello's SNI.
    VhostTls { sites: Arc<Vec<TlsSite>> },
    /// Virtual hosting, plain HTTP: `app` routes each request by its
    /// `Host`; the first request's picks the host whose connection faults
    /// act.
    VhostHttp { hosts: Arc<Vec<Host>>, app: Router },
}

/// One bound listener and what it serves.
pub(crate) struct Listener {
    pub role: Role,
    /// The hosts it serves (none for the admin API and the proxy): while
    /// all of them are refused, nothing listens.
    pub hosts: Vec<Host>,
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
    // Connections open at once on this listener (Limits::connections).
    let permits = Arc::new(Semaphore::new(shared.limits.connections.max(1)));
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
                    // Over the connection limit: closed at once, journaled.
                    let Ok(permit) = permits.clone().try_acquire_owned() else {
                        record_handshake_failure(&shared, l.role, Cause::ConnectionLimit, None);
                        reset(tcp);
                        continue;
                    };
                    let shutdown = shutdown.clone();
                    let shared = shared.clone();
                    let served: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> =
                        match &l.serves {
                            Serves::Http { tls, app } => {
                                let handshake = match tls {
                                    Some(acceptor) => Handshake::Fresh(acceptor.clone()),
                                    None => Handshake::Plain,
                                };
                                Box::pin(connection(
                                    Conn::new(tcp, handshake),
                                    app.clone(),
                                    shared,
                                    l.role,
                                    shutdown,
                                ))
                            }
                            Serves::VhostTls { sites } => Box::pin(crate::net::vhost::https_connection(
                                tcp,
                                sites.clone(),
                                shared,
                                shutdown,
                            )),
                            Serves::VhostHttp { hosts, app } => {
                                Box::pin(crate::net::vhost::http_connection(
                                    tcp,
                                    hosts.clone(),
                                    app.clone(),
                                    shared,
                                    shutdown,
                                ))
                            }
                            Serves::Proxy { targets } => Box::pin(crate::net::proxy::connection(
                                tcp,
                                targets.clone(),
                                shared,
                                shutdown,
                            )),
                        };
                    connections.spawn(async move {
                        let _permit = permit;
                        served.await;
                    });
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
