//! The kinds of fault and the layer each acts at.

use serde::{Deserialize, Serialize};

use crate::wire::protocol::Host;

/// Where a fault acts; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// The listening socket (`refuse`).
    Listener,
    /// Name resolution on the client's side (`unresolvable`).
    Name,
    /// The TCP connection, below TLS.
    Connection,
    /// The TLS handshake.
    Tls,
    /// The HTTP exchange.
    Http,
    /// The forward proxy.
    Proxy,
}

impl Layer {
    /// The layer's name, as `mock-ra faults` and the console show it.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Listener => "listener",
            Layer::Name => "name",
            Layer::Connection => "connection",
            Layer::Tls => "tls",
            Layer::Http => "http",
            Layer::Proxy => "proxy",
        }
    }
}

/// Every kind of fault, by its name in world files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Nothing listens on the host's port: connections are refused.
    Refuse,
    /// The connection is accepted and never answered.
    Hang,
    /// The connection is accepted and reset (RST) at once.
    Reset,
    /// The server's bytes flow until `bytes` were sent, then a reset (RST).
    ResetAfter,
    /// Each answer (the server's first write after the client spoke)
    /// waits `ms` (± `jitter_ms`, seeded).
    Latency,
    /// The server sends at most `bytes_per_sec`.
    Bandwidth,
    /// The server's bytes flow until `bytes` were sent, then a clean close (FIN).
    CloseAfter,
    /// The server waits `ms` before closing a connection.
    SlowClose,
    /// The server certificate comes from an unknown CA (antivirus or proxy interception).
    TlsUnknownCa,
    /// The server certificate chains to the web root but has expired.
    TlsExpired,
    /// The server certificate chains to the web root but names another host.
    TlsWrongHost,
    /// The handshake stops after the first bytes of the server's hello.
    TlsStall,
    /// The CertificateRequest names a different client CA, so no identity matches.
    TlsForeignCaRequest,
    /// The answer is this `status` (with `retry_after` seconds if given), not the server's.
    Status,
    /// The answer is 200 with an empty body.
    Empty,
    /// The server's answer keeps its length header but stops after `bytes` of body.
    Truncate,
    /// The server's answer body is replaced with JSON cut short.
    MalformedJson,
    /// The answer is an HTML block page, as antivirus or a filtering proxy shows.
    BlockPage,
    /// The request is carried out (the issuance commits) and the answer is lost.
    CommitThenLose,
    /// The forward proxy refuses this host with 403 and its block page.
    ProxyBlock,
    /// The forward proxy demands authentication (407) for this host.
    ProxyAuth,
    /// The host's name cannot be resolved (`--connect-to` to a `.invalid` name).
    Unresolvable,
}

impl FaultKind {
    /// Every kind, in the order of the documentation.
    pub const ALL: [FaultKind; 22] = [
        FaultKind::Refuse,
        FaultKind::Hang,
        FaultKind::Reset,
        FaultKind::ResetAfter,
        FaultKind::Latency,
        FaultKind::Bandwidth,
        FaultKind::CloseAfter,
        FaultKind::SlowClose,
        FaultKind::TlsUnknownCa,
        FaultKind::TlsExpired,
        FaultKind::TlsWrongHost,
        FaultKind::TlsStall,
        FaultKind::TlsForeignCaRequest,
        FaultKind::Status,
        FaultKind::Empty,
        FaultKind::Truncate,
        FaultKind::MalformedJson,
        FaultKind::BlockPage,
        FaultKind::CommitThenLose,
        FaultKind::ProxyBlock,
        FaultKind::ProxyAuth,
        FaultKind::Unresolvable,
    ];

    /// The name in world files.
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::Refuse => "refuse",
            FaultKind::Hang => "hang",
            FaultKind::Reset => "reset",
            FaultKind::ResetAfter => "reset_after",
            FaultKind::Latency => "latency",
            FaultKind::Bandwidth => "bandwidth",
            FaultKind::CloseAfter => "close_after",
            FaultKind::SlowClose => "slow_close",
            FaultKind::TlsUnknownCa => "tls_unknown_ca",
            FaultKind::TlsExpired => "tls_expired",
            FaultKind::TlsWrongHost => "tls_wrong_host",
            FaultKind::TlsStall => "tls_stall",
            FaultKind::TlsForeignCaRequest => "tls_foreign_ca_request",
            FaultKind::Status => "status",
            FaultKind::Empty => "empty",
            FaultKind::Truncate => "truncate",
            FaultKind::MalformedJson => "malformed_json",
            FaultKind::BlockPage => "block_page",
            FaultKind::CommitThenLose => "commit_then_lose",
            FaultKind::ProxyBlock => "proxy_block",
            FaultKind::ProxyAuth => "proxy_auth",
            FaultKind::Unresolvable => "unresolvable",
        }
    }

    /// Where it acts.
    pub fn layer(self) -> Layer {
        use FaultKind::*;
        match self {
            Refuse => Layer::Listener,
            Unresolvable => Layer::Name,
            Hang | Reset | ResetAfter | Latency | Bandwidth | CloseAfter | SlowClose => {
                Layer::Connection
            }
            TlsUnknownCa | TlsExpired | TlsWrongHost | TlsStall | TlsForeignCaRequest => Layer::Tls,
            Status | Empty | Truncate | MalformedJson | BlockPage | CommitThenLose => Layer::Http,
            ProxyBlock | ProxyAuth => Layer::Proxy,
        }
    }

    /// One line saying what it does (`mock-ra faults`, the READMEs).
    pub fn doc(self) -> &'static str {
        use FaultKind::*;
        match self {
            Refuse => "nothing listens on the host's port: every connection is refused",
            Hang => "the connection is accepted, then never answered (the client must time out)",
            Reset => "the connection is accepted, then reset (RST) at once",
            ResetAfter => {
                "the server's bytes flow until `bytes` were sent, then the connection is reset (RST)"
            }
            Latency => {
                "each answer (the first write after the client spoke) waits `ms` plus or minus `jitter_ms` (seeded)"
            }
            Bandwidth => "the server sends at most `bytes_per_sec` bytes a second",
            CloseAfter => {
                "the server's bytes flow until `bytes` were sent, then the connection is closed (FIN)"
            }
            SlowClose => "the server waits `ms` before it closes a connection",
            TlsUnknownCa => {
                "the server certificate is issued by an unknown CA (antivirus or proxy interception)"
            }
            TlsExpired => "the server certificate chains to the web root but expired yesterday",
            TlsWrongHost => "the server certificate chains to the web root but names another host",
            TlsStall => "the handshake stops after the first bytes of the ServerHello",
            TlsForeignCaRequest => {
                "the CertificateRequest names another client CA, so no identity matches"
            }
            Status => {
                "the answer is HTTP `status` (with a Retry-After of `retry_after` seconds if given)"
            }
            Empty => "the answer is 200 with an empty body",
            Truncate => {
                "the server's answer keeps its Content-Length but stops after `bytes` of body (default: half)"
            }
            MalformedJson => "the server's answer body is replaced by JSON cut short",
            BlockPage => {
                "the answer is an HTML block page (status `status`, default 200) as antivirus or a filter shows"
            }
            CommitThenLose => {
                "the request is carried out (the issuance commits) and the connection drops before the answer"
            }
            ProxyBlock => "the forward proxy refuses this host: 403 with its block page",
            ProxyAuth => "the forward proxy demands authentication for this host: 407",
            Unresolvable => {
                "the host's name does not resolve: certrenew_args map it to a `.invalid` name"
            }
        }
    }

    /// Connection-level kinds that end the connection's story on their own
    /// (the first one in force wins); the others shape the byte stream and
    /// combine.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            FaultKind::Hang | FaultKind::Reset | FaultKind::TlsStall
        ) || self.layer() == Layer::Tls
    }

    /// Parameters this kind takes: (key, required).
    pub fn params(self) -> &'static [(&'static str, bool)] {
        use FaultKind::*;
        match self {
            ResetAfter | CloseAfter => &[("bytes", true)],
            Latency => &[("ms", true), ("jitter_ms", false)],
            Bandwidth => &[("bytes_per_sec", true)],
            SlowClose => &[("ms", true)],
            Status => &[("status", true), ("retry_after", false)],
            Truncate => &[("bytes", false)],
            BlockPage => &[("status", false)],
            _ => &[],
        }
    }

    /// Whether `path` may narrow it (HTTP faults; proxy faults on plain-HTTP hosts).
    pub(crate) fn takes_path(self, host: Host) -> bool {
        match self.layer() {
            Layer::Http => true,
            Layer::Proxy => !host.is_https(),
            _ => false,
        }
    }

    /// Whether it can be scheduled per event (refuse and unresolvable
    /// cannot: no event reaches the mock for them).
    pub fn schedulable(self) -> bool {
        !matches!(self.layer(), Layer::Listener | Layer::Name)
    }
}

impl std::fmt::Display for FaultKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
