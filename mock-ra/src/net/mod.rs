//! The network: the accept loop every role runs, TLS, the virtual hosts,
//! the forward proxy, the journal middleware, and the machinery that
//! applies faults to connections and requests (`faults`; the faults' data
//! is `crate::faults`). The accept loop is in three layers: `listener` (sockets, the accept loop, what each listener
//! serves) spawns `connection` (handshake, connection faults, hyper) or
//! the virtual hosts and the proxy, which come back to `connection`;
//! `journal` is the middleware every role's router is wrapped in.
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

pub(crate) mod connection;
pub(crate) mod faults;
pub(crate) mod journal;
pub(crate) mod listener;
pub(crate) mod proxy;
pub(crate) mod tls;
pub(crate) mod vhost;

pub(crate) use listener::{Listener, Serves, Socket, bind, listen, run};
