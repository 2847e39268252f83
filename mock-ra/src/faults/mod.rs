//! Fault injection (DESIGN "Faults"): every way the mock can misbehave, by
//! name, on which host, and when.
//!
//! A fault is declared in the world (`[[fault]]` tables of a world or case
//! file) and is in force before the first connection; the admin API and
//! [`crate::MockRa`] list, add and remove faults at run time. Each fault
//! works at one *layer*, which decides what it counts as one "request" for
//! its schedule:
//!
//! | layer | kinds | one event is |
//! |---|---|---|
//! | listener | `refuse` | (none: nothing listens, so nothing can be counted) |
//! | name | `unresolvable` | (none: the name never resolves; it lives in `certrenew_args`) |
//! | connection | `hang`, `reset`, `reset_after`, `latency`, `bandwidth`, `close_after`, `slow_close` | an accepted TCP connection |
//! | tls | `tls_unknown_ca`, `tls_expired`, `tls_wrong_host`, `tls_stall`, `tls_foreign_ca_request` | an accepted TCP connection to webra2/webra1 |
//! | http | `status`, `empty`, `truncate`, `malformed_json`, `block_page`, `commit_then_lose` | a request whose path matches |
//! | proxy | `proxy_block`, `proxy_auth` | a request to the forward proxy for that host |
//!
//! A schedule picks events by number (1 = the first event the fault sees
//! after it was added): every event (the default), the first `times`, the
//! events `from`..=`to`, each of those only with a `probability` drawn from
//! the world's seed. The draw for event `n` of a fault depends only on the
//! seed, the fault's number and `n`, so the same seed gives the same faults
//! whatever else runs concurrently.

pub(crate) mod http;
pub(crate) mod stream;

use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

pub use crate::protocol::Host as FaultHost;

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
    fn takes_path(self, host: FaultHost) -> bool {
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

/// `[[fault]]`: one fault, as world files, case files and the admin API
/// (`POST /faults`, as JSON) write it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// A label for the journal and the admin API; default `<host>-<kind>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Which host misbehaves.
    pub host: FaultHost,
    /// HTTP and proxy faults: only requests to this path (exact, or a
    /// prefix when it ends with `*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// What it does.
    pub kind: FaultKind,
    /// `status`, `block_page`: the HTTP status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// `status`: a Retry-After header, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u32>,
    /// `reset_after`, `close_after`, `truncate`: a byte count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// `latency`, `slow_close`: milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ms: Option<u64>,
    /// `latency`: up to this many milliseconds more or less, drawn from the seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jitter_ms: Option<u64>,
    /// `bandwidth`: bytes a second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_per_sec: Option<u64>,
    /// Only the first `times` events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    /// Only from this event number on (1-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<u64>,
    /// Only up to this event number (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<u64>,
    /// Each event in the window only with this probability (0 < p <= 1),
    /// drawn from the world's seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
}

/// The longest delay a fault takes (`ms`, and so `jitter_ms`): a day.
pub const MAX_MS: u64 = 86_400_000;

impl FaultSpec {
    /// A fault of `kind` on `host`, for every event, without parameters.
    pub fn new(host: FaultHost, kind: FaultKind) -> Self {
        Self {
            name: None,
            host,
            path: None,
            kind,
            status: None,
            retry_after: None,
            bytes: None,
            ms: None,
            jitter_ms: None,
            bytes_per_sec: None,
            times: None,
            from: None,
            to: None,
            probability: None,
        }
    }

    /// Names it (builder style).
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Narrows it to a path (builder style).
    pub fn on_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Only the first `n` events (builder style).
    pub fn times(mut self, n: u64) -> Self {
        self.times = Some(n);
        self
    }

    /// Each event with probability `p` (builder style).
    pub fn probability(mut self, p: f64) -> Self {
        self.probability = Some(p);
        self
    }

    /// The path it acts on: its own, or for `commit_then_lose` (which acts
    /// on the issuance only) the issuance path.
    pub fn effective_path(&self) -> Option<&str> {
        match (&self.path, self.kind) {
            (Some(p), _) => Some(p),
            (None, FaultKind::CommitThenLose) => Some(crate::protocol::CERTIFICATE_PATH),
            (None, _) => None,
        }
    }

    /// The label the journal and the admin API use when no name is given.
    pub fn default_name(&self) -> String {
        format!("{}-{}", self.host, self.kind)
    }

    /// The event window `[from, to]`, 1-based and inclusive.
    fn window(&self) -> (u64, u64) {
        match (self.times, self.from, self.to) {
            (Some(n), _, _) => (1, n),
            (None, from, to) => (from.unwrap_or(1), to.unwrap_or(u64::MAX)),
        }
    }

    /// Checks what serde cannot; the error names the offending key (or
    /// `kind` when the fault as a whole does not fit).
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        let kind = self.kind;
        if let Some(n) = &self.name
            && !crate::protocol::valid_name(n)
        {
            return Err((
                "name",
                format!("fault name `{n}`: use letters, digits, `-`, `_` and `.` only"),
            ));
        }
        if kind.layer() == Layer::Tls && !self.host.is_https() {
            return Err((
                "host",
                format!(
                    "{kind} needs an HTTPS host (webra2 or webra1); {} speaks plain HTTP",
                    self.host
                ),
            ));
        }
        if kind == FaultKind::CommitThenLose {
            if self.host != FaultHost::Webra2 {
                return Err((
                    "host",
                    format!(
                        "commit_then_lose acts on webra2's issuance only, not on {}",
                        self.host
                    ),
                ));
            }
            if let Some(p) = &self.path
                && p != crate::protocol::CERTIFICATE_PATH
            {
                return Err((
                    "path",
                    format!(
                        "commit_then_lose acts on `{}` only, not `{p}`",
                        crate::protocol::CERTIFICATE_PATH
                    ),
                ));
            }
        }
        if let Some(p) = &self.path {
            if !kind.takes_path(self.host) {
                let why = if kind.layer() == Layer::Proxy {
                    "the proxy only sees a CONNECT to an HTTPS host, never its paths"
                } else {
                    "it acts below HTTP, where there are no paths"
                };
                return Err(("path", format!("{kind} takes no `path`: {why}")));
            }
            if !p.starts_with('/') {
                return Err((
                    "path",
                    format!("path `{p}`: expected one starting with `/`"),
                ));
            }
        }
        let given: [(&'static str, bool); 6] = [
            ("status", self.status.is_some()),
            ("retry_after", self.retry_after.is_some()),
            ("bytes", self.bytes.is_some()),
            ("ms", self.ms.is_some()),
            ("jitter_ms", self.jitter_ms.is_some()),
            ("bytes_per_sec", self.bytes_per_sec.is_some()),
        ];
        let takes = kind.params();
        for (key, present) in given {
            if present && !takes.iter().any(|(k, _)| *k == key) {
                let expected = if takes.is_empty() {
                    "it takes no parameters".to_owned()
                } else {
                    format!(
                        "it takes {}",
                        takes
                            .iter()
                            .map(|(k, _)| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                return Err((key, format!("{kind} does not take `{key}`: {expected}")));
            }
        }
        for (key, required) in takes {
            let present = given.iter().any(|(k, p)| k == key && *p);
            if *required && !present {
                return Err(("kind", format!("{kind} needs `{key}`")));
            }
        }
        if let Some(s) = self.status
            && !(200..=599).contains(&s)
        {
            return Err(("status", format!("status {s}: expected 200 to 599")));
        }
        if self.bytes_per_sec == Some(0) {
            return Err((
                "bytes_per_sec",
                "bytes_per_sec = 0: expected 1 or more".to_owned(),
            ));
        }
        // A day is far beyond any client timeout, and keeps the delay
        // arithmetic (`ms ± jitter_ms`) in range.
        if let Some(ms) = self.ms
            && ms > MAX_MS
        {
            return Err((
                "ms",
                format!("ms = {ms}: expected at most {MAX_MS} (a day)"),
            ));
        }
        if kind == FaultKind::Latency && self.jitter_ms > self.ms {
            return Err((
                "jitter_ms",
                "jitter_ms is larger than ms: a delay cannot be negative".to_owned(),
            ));
        }
        // The schedule.
        let scheduled = [
            ("times", self.times.is_some()),
            ("from", self.from.is_some()),
            ("to", self.to.is_some()),
            ("probability", self.probability.is_some()),
        ];
        if !kind.schedulable()
            && let Some((key, _)) = scheduled.iter().find(|(_, p)| *p)
        {
            return Err((
                key,
                format!(
                    "{kind} takes no schedule: no request reaches the mock for it to count; \
                     it is in force until removed (admin `DELETE /faults/NAME`, a case's \
                     `remove_fault` or `clear_faults` step)"
                ),
            ));
        }
        if self.times.is_some() && (self.from.is_some() || self.to.is_some()) {
            let key = if self.from.is_some() { "from" } else { "to" };
            return Err((
                key,
                "give either `times` or `from`/`to`, not both".to_owned(),
            ));
        }
        for (key, v) in [("times", self.times), ("from", self.from), ("to", self.to)] {
            if v == Some(0) {
                return Err((key, format!("{key} = 0: events are numbered from 1")));
            }
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && to < from
        {
            return Err(("to", format!("to = {to} is before from = {from}")));
        }
        if let Some(p) = self.probability
            && !(p > 0.0 && p <= 1.0)
        {
            return Err((
                "probability",
                format!("probability {p}: expected more than 0 and at most 1"),
            ));
        }
        Ok(())
    }
}

/// `[faults]`: settings for every fault of the world.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSettings {
    /// The seed of every random draw (probabilities, jitter); random and
    /// printed in the ready line when absent.
    #[serde(default)]
    pub seed: Option<u64>,
}

/// One fault in force, as the admin API and [`crate::MockRa::faults`] show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultView {
    /// Its name (the given one, or `<host>-<kind>`, made unique).
    pub name: String,
    /// Its number: the order it was added in (the random draws depend on it).
    pub number: u64,
    /// What it is.
    pub spec: FaultSpec,
    /// Events it has seen (connections or requests it matched).
    pub seen: u64,
    /// Events it acted on.
    pub applied: u64,
}

/// Every fault in force and the seed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultsView {
    /// The seed of every random draw.
    pub seed: u64,
    /// The faults, in the order they were added.
    pub faults: Vec<FaultView>,
}

/// A fault that acts on one event.
#[derive(Debug, Clone)]
pub(crate) struct Applied {
    /// The fault's name, for the journal.
    pub name: String,
    /// Its spec.
    pub spec: FaultSpec,
    /// A seed for any further random draw of this event (jitter).
    pub event_seed: u64,
}

/// What the connection-level and TLS faults do to one connection.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnectionPlan {
    /// The first terminal fault in force (hang, reset, a TLS fault).
    pub terminal: Option<Applied>,
    /// Every shaping fault in force (latency, bandwidth, ...), combined.
    pub shaping: Vec<Applied>,
}

#[derive(Debug, Clone)]
struct Active {
    number: u64,
    name: String,
    spec: FaultSpec,
    seen: u64,
    applied: u64,
}

#[derive(Debug, Clone)]
struct Registry {
    seed: u64,
    next_number: u64,
    active: Vec<Active>,
}

/// The faults of one mock: what is in force, and how many events each saw.
#[derive(Debug)]
pub(crate) struct Faults {
    inner: Mutex<Registry>,
    initial: Registry,
    changed: watch::Sender<u64>,
}

impl Faults {
    /// The world's faults with `seed`. The specs were checked with the world.
    pub fn new(specs: &[FaultSpec], seed: u64) -> Result<Self, String> {
        let mut registry = Registry {
            seed,
            next_number: 1,
            active: Vec::new(),
        };
        for spec in specs {
            registry.add(spec.clone())?;
        }
        let (changed, _) = watch::channel(0);
        Ok(Self {
            initial: registry.clone(),
            inner: Mutex::new(registry),
            changed,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Registry> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn notify(&self) {
        self.changed.send_modify(|generation| *generation += 1);
    }

    /// A receiver that changes whenever the faults do (listeners watch it
    /// to stop or start listening for `refuse`).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// The seed of every random draw.
    pub fn seed(&self) -> u64 {
        self.lock().seed
    }

    /// Every fault in force.
    pub fn view(&self) -> FaultsView {
        let r = self.lock();
        FaultsView {
            seed: r.seed,
            faults: r.active.iter().map(Active::view).collect(),
        }
    }

    /// Adds a fault; it counts its events from now on.
    pub fn add(&self, spec: FaultSpec) -> Result<FaultView, String> {
        let view = self.lock().add(spec)?;
        self.notify();
        Ok(view)
    }

    /// Removes the fault named `name`; false when there is none.
    pub fn remove(&self, name: &str) -> bool {
        let removed = {
            let mut r = self.lock();
            let before = r.active.len();
            r.active.retain(|a| a.name != name);
            r.active.len() != before
        };
        if removed {
            self.notify();
        }
        removed
    }

    /// Removes every fault; returns how many there were.
    pub fn clear(&self) -> usize {
        let n = std::mem::take(&mut self.lock().active).len();
        self.notify();
        n
    }

    /// Back to the world's faults with fresh counters.
    pub fn reset(&self) {
        *self.lock() = self.initial.clone();
        self.notify();
    }

    /// Whether a `refuse` fault closes `host`'s listener.
    pub fn refused(&self, host: FaultHost) -> bool {
        self.in_force(host, FaultKind::Refuse)
    }

    /// The name of the `refuse` fault on `host`, if one is in force.
    pub fn refusal(&self, host: FaultHost) -> Option<String> {
        self.lock()
            .active
            .iter()
            .find(|a| a.spec.host == host && a.spec.kind == FaultKind::Refuse)
            .map(|a| a.name.clone())
    }

    /// Whether an `unresolvable` fault is on `host`.
    pub fn unresolvable(&self, host: FaultHost) -> bool {
        self.in_force(host, FaultKind::Unresolvable)
    }

    fn in_force(&self, host: FaultHost, kind: FaultKind) -> bool {
        self.lock()
            .active
            .iter()
            .any(|a| a.spec.host == host && a.spec.kind == kind)
    }

    /// One accepted connection to `host`: counts it for every connection
    /// and TLS fault on the host, and says which act on it.
    pub fn on_connection(&self, host: FaultHost) -> ConnectionPlan {
        let mut r = self.lock();
        let seed = r.seed;
        let mut plan = ConnectionPlan::default();
        for a in r.active.iter_mut().filter(|a| {
            a.spec.host == host && matches!(a.spec.kind.layer(), Layer::Connection | Layer::Tls)
        }) {
            let Some(applied) = a.event(seed) else {
                continue;
            };
            if a.spec.kind.is_terminal() {
                if plan.terminal.is_none() {
                    plan.terminal = Some(applied);
                } else {
                    // Only one terminal fault acts; this one did not.
                    a.applied -= 1;
                }
            } else {
                plan.shaping.push(applied);
            }
        }
        plan
    }

    /// One HTTP request to `host` for `path`: the first HTTP fault in force.
    pub fn on_request(&self, host: FaultHost, path: &str) -> Option<Applied> {
        self.first(Layer::Http, host, Some(path))
    }

    /// One request to the forward proxy for `host` (`path` for plain HTTP,
    /// none for a CONNECT): the first proxy fault in force.
    pub fn on_proxy(&self, host: FaultHost, path: Option<&str>) -> Option<Applied> {
        self.first(Layer::Proxy, host, path)
    }

    fn first(&self, layer: Layer, host: FaultHost, path: Option<&str>) -> Option<Applied> {
        let mut r = self.lock();
        let seed = r.seed;
        let mut found = None;
        for a in r.active.iter_mut().filter(|a| {
            a.spec.host == host
                && a.spec.kind.layer() == layer
                && path_matches(a.spec.effective_path(), path)
        }) {
            let Some(applied) = a.event(seed) else {
                continue;
            };
            if found.is_none() {
                found = Some(applied);
            } else {
                a.applied -= 1;
            }
        }
        found
    }
}

impl Registry {
    fn add(&mut self, spec: FaultSpec) -> Result<FaultView, String> {
        spec.check().map_err(|(key, m)| {
            if key == "kind" {
                m
            } else {
                format!("{key}: {m}")
            }
        })?;
        let name = match &spec.name {
            Some(n) => {
                if self.active.iter().any(|a| &a.name == n) {
                    return Err(format!("a fault named `{n}` is in force already"));
                }
                n.clone()
            }
            None => {
                let base = spec.default_name();
                let mut name = base.clone();
                let mut n = 2;
                while self.active.iter().any(|a| a.name == name) {
                    name = format!("{base}-{n}");
                    n += 1;
                }
                name
            }
        };
        let active = Active {
            number: self.next_number,
            name,
            spec,
            seen: 0,
            applied: 0,
        };
        self.next_number += 1;
        let view = active.view();
        self.active.push(active);
        Ok(view)
    }
}

impl Active {
    fn view(&self) -> FaultView {
        FaultView {
            name: self.name.clone(),
            number: self.number,
            spec: self.spec.clone(),
            seen: self.seen,
            applied: self.applied,
        }
    }

    /// Counts one event; `Some` when the fault acts on it.
    fn event(&mut self, seed: u64) -> Option<Applied> {
        self.seen += 1;
        let n = self.seen;
        if !fires(seed, self.number, n, &self.spec) {
            return None;
        }
        self.applied += 1;
        Some(Applied {
            name: self.name.clone(),
            spec: self.spec.clone(),
            event_seed: draw(seed ^ 0x6a09_e667_f3bc_c909, self.number, n),
        })
    }
}

fn path_matches(pattern: Option<&str>, path: Option<&str>) -> bool {
    match (pattern, path) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(p), Some(path)) => match p.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => p == path,
        },
    }
}

/// Whether fault number `number` acts on its event `n` under `seed`: the
/// window first, then the probability. Depends on nothing else, so the same
/// seed gives the same sequence whatever runs beside it.
pub fn fires(seed: u64, number: u64, n: u64, spec: &FaultSpec) -> bool {
    let (from, to) = spec.window();
    if n < from || n > to {
        return false;
    }
    match spec.probability {
        None => true,
        Some(p) => unit(draw(seed, number, n)) < p,
    }
}

/// A 64-bit draw from the seed, the fault's number and the event's.
fn draw(seed: u64, number: u64, n: u64) -> u64 {
    splitmix64(seed ^ splitmix64(number.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ splitmix64(n)))
}

/// SplitMix64's output function: a well-mixed 64-bit value from any input.
pub(crate) fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A draw as a number in [0, 1).
pub(crate) fn unit(x: u64) -> f64 {
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// A random seed, for a world that names none. It stays below 2^53 so it
/// survives a round trip through any JSON reader (JavaScript's numbers are
/// doubles) and a seed copied from a report reproduces the run.
pub(crate) fn random_seed() -> u64 {
    const JSON_SAFE: u64 = (1 << 53) - 1;
    let mut bytes = [0u8; 8];
    if aws_lc_rs::rand::fill(&mut bytes).is_ok() {
        return u64::from_le_bytes(bytes) & JSON_SAFE;
    }
    // aws-lc's RNG fails only without any entropy source: the time and the
    // process id still make two runs differ.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    splitmix64(nanos ^ u64::from(std::process::id()).rotate_left(32)) & JSON_SAFE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: FaultKind) -> FaultSpec {
        FaultSpec::new(FaultHost::Repo1, kind)
    }

    #[test]
    fn a_world_without_a_seed_gets_a_different_one_each_time() {
        let seeds: std::collections::BTreeSet<u64> = (0..8).map(|_| random_seed()).collect();
        assert_eq!(seeds.len(), 8, "{seeds:?}");
        // Exactly representable as a JSON number in any reader.
        assert!(seeds.iter().all(|s| *s < 1 << 53), "{seeds:?}");
    }

    #[test]
    fn windows_pick_events_by_number() {
        let all = spec(FaultKind::Hang);
        assert!((1..100).all(|n| fires(1, 1, n, &all)));
        let three = spec(FaultKind::Hang).times(3);
        let got: Vec<bool> = (1..=5).map(|n| fires(1, 1, n, &three)).collect();
        assert_eq!(got, [true, true, true, false, false]);
        let mut range = spec(FaultKind::Hang);
        range.from = Some(2);
        range.to = Some(3);
        let got: Vec<bool> = (1..=4).map(|n| fires(1, 1, n, &range)).collect();
        assert_eq!(got, [false, true, true, false]);
    }

    #[test]
    fn the_same_seed_draws_the_same_sequence_and_another_seed_does_not() {
        let half = spec(FaultKind::Reset).probability(0.5);
        let seq = |seed| {
            (1..=64)
                .map(|n| fires(seed, 1, n, &half))
                .collect::<Vec<_>>()
        };
        assert_eq!(seq(42), seq(42));
        assert_ne!(seq(42), seq(43));
        let hits = seq(42).iter().filter(|b| **b).count();
        assert!((16..=48).contains(&hits), "{hits} of 64 at p = 0.5");
        // Another fault number draws independently.
        let other: Vec<bool> = (1..=64).map(|n| fires(42, 2, n, &half)).collect();
        assert_ne!(seq(42), other);
    }

    #[test]
    fn counters_and_first_match_win() {
        let faults = Faults::new(
            &[
                spec(FaultKind::Status)
                    .on_path("/a")
                    .times(1)
                    .pipe(|mut s| {
                        s.status = Some(500);
                        s
                    }),
                spec(FaultKind::Empty),
            ],
            7,
        )
        .unwrap();
        let first = faults.on_request(FaultHost::Repo1, "/a").unwrap();
        assert_eq!(first.spec.kind, FaultKind::Status);
        let second = faults.on_request(FaultHost::Repo1, "/a").unwrap();
        assert_eq!(second.spec.kind, FaultKind::Empty);
        assert!(faults.on_request(FaultHost::Repository, "/a").is_none());
        // commit_then_lose without a path acts on the issuance only.
        let lose = Faults::new(
            &[FaultSpec::new(FaultHost::Webra2, FaultKind::CommitThenLose)],
            1,
        )
        .unwrap();
        assert!(lose.on_request(FaultHost::Webra2, "/").is_none());
        assert!(
            lose.on_request(FaultHost::Webra2, crate::protocol::CERTIFICATE_PATH)
                .is_some()
        );
        let view = faults.view();
        assert_eq!(view.faults[0].name, "repo1-status");
        assert_eq!((view.faults[0].seen, view.faults[0].applied), (2, 1));
        assert_eq!((view.faults[1].seen, view.faults[1].applied), (2, 1));
        faults.reset();
        assert_eq!(faults.view().faults[0].seen, 0);
    }

    #[test]
    fn default_names_are_made_unique() {
        let faults = Faults::new(&[spec(FaultKind::Hang), spec(FaultKind::Hang)], 1).unwrap();
        let names: Vec<String> = faults.view().faults.into_iter().map(|f| f.name).collect();
        assert_eq!(names, ["repo1-hang", "repo1-hang-2"]);
        assert!(
            faults
                .add(spec(FaultKind::Hang).named("repo1-hang"))
                .is_err()
        );
        assert!(faults.remove("repo1-hang"));
        assert!(!faults.remove("repo1-hang"));
        assert_eq!(faults.clear(), 1);
    }

    #[test]
    fn kinds_take_only_their_parameters() {
        let mut s = spec(FaultKind::Latency);
        assert_eq!(s.check().unwrap_err().0, "kind");
        s.ms = Some(10);
        s.check().unwrap();
        s.bytes = Some(3);
        assert_eq!(s.check().unwrap_err().0, "bytes");
        let tls = spec(FaultKind::TlsExpired);
        assert_eq!(tls.check().unwrap_err().0, "host");
        let refuse = spec(FaultKind::Refuse).times(2);
        assert_eq!(refuse.check().unwrap_err().0, "times");
        let lose = spec(FaultKind::CommitThenLose);
        assert_eq!(lose.check().unwrap_err().0, "host");
        let p = spec(FaultKind::Hang).probability(1.5);
        assert_eq!(p.check().unwrap_err().0, "probability");
        let path = spec(FaultKind::Hang).on_path("/x");
        assert_eq!(path.check().unwrap_err().0, "path");
        // Delays are bounded, so `ms ± jitter_ms` cannot overflow.
        let mut slow = spec(FaultKind::Latency);
        slow.ms = Some(MAX_MS);
        slow.jitter_ms = Some(MAX_MS);
        slow.check().unwrap();
        slow.ms = Some(u64::MAX);
        slow.jitter_ms = Some(u64::MAX);
        let (key, msg) = slow.check().unwrap_err();
        assert_eq!(key, "ms", "{msg}");
        assert!(msg.contains("at most 86400000"), "{msg}");
    }

    #[test]
    fn every_kind_is_documented_and_named_once() {
        let names: std::collections::BTreeSet<&str> =
            FaultKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), FaultKind::ALL.len());
        for k in FaultKind::ALL {
            assert!(!k.doc().is_empty());
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
        }
    }

    #[test]
    fn the_readme_documents_every_kind() {
        let readme = include_str!("../../README.md");
        for k in FaultKind::ALL {
            assert!(
                readme.contains(&format!("| `{}` |", k.as_str())),
                "mock-ra/README.md has no row for {k}"
            );
        }
    }

    trait Pipe: Sized {
        fn pipe(self, f: impl FnOnce(Self) -> Self) -> Self {
            f(self)
        }
    }
    impl Pipe for FaultSpec {}
}
