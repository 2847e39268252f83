//! `[[fault]]` as written, and what serde cannot check about it.

use serde::{Deserialize, Serialize};

use super::kind::{FaultKind, Layer};
use crate::wire::protocol::Host;

/// `[[fault]]`: one fault, as world files, case files and the admin API
/// (`POST /faults`, as JSON) write it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// A label for the journal and the admin API; default `<host>-<kind>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Which host misbehaves.
    pub host: Host,
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
    pub fn new(host: Host, kind: FaultKind) -> Self {
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
            (None, FaultKind::CommitThenLose) => Some(crate::wire::protocol::CERTIFICATE_PATH),
            (None, _) => None,
        }
    }

    /// The label the journal and the admin API use when no name is given.
    pub fn default_name(&self) -> String {
        format!("{}-{}", self.host, self.kind)
    }

    /// The event window `[from, to]`, 1-based and inclusive.
    pub(crate) fn window(&self) -> (u64, u64) {
        match (self.times, self.from, self.to) {
            (Some(n), _, _) => (1, n),
            (None, from, to) => (from.unwrap_or(1), to.unwrap_or(u64::MAX)),
        }
    }

    /// Checks what serde cannot; the error names the offending key (or
    /// `kind` when the fault as a whole does not fit).
    pub fn check(&self) -> Result<(), SpecError> {
        let kind = self.kind;
        if let Some(n) = &self.name
            && !crate::wire::protocol::valid_name(n)
        {
            return Err(SpecError::new(
                SpecField::Name,
                format!("fault name `{n}`: use letters, digits, `-`, `_` and `.` only"),
            ));
        }
        if kind.layer() == Layer::Tls && !self.host.is_https() {
            return Err(SpecError::new(
                SpecField::Host,
                format!(
                    "{kind} needs an HTTPS host (webra2 or webra1); {} speaks plain HTTP",
                    self.host
                ),
            ));
        }
        if kind == FaultKind::CommitThenLose {
            if self.host != Host::Webra2 {
                return Err(SpecError::new(
                    SpecField::Host,
                    format!(
                        "commit_then_lose acts on webra2's issuance only, not on {}",
                        self.host
                    ),
                ));
            }
            if let Some(p) = &self.path
                && p != crate::wire::protocol::CERTIFICATE_PATH
            {
                return Err(SpecError::new(
                    SpecField::Path,
                    format!(
                        "commit_then_lose acts on `{}` only, not `{p}`",
                        crate::wire::protocol::CERTIFICATE_PATH
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
                return Err(SpecError::new(
                    SpecField::Path,
                    format!("{kind} takes no `path`: {why}"),
                ));
            }
            if !p.starts_with('/') {
                return Err(SpecError::new(
                    SpecField::Path,
                    format!("path `{p}`: expected one starting with `/`"),
                ));
            }
        }
        let given = [
            (SpecField::Status, self.status.is_some()),
            (SpecField::RetryAfter, self.retry_after.is_some()),
            (SpecField::Bytes, self.bytes.is_some()),
            (SpecField::Ms, self.ms.is_some()),
            (SpecField::JitterMs, self.jitter_ms.is_some()),
            (SpecField::BytesPerSec, self.bytes_per_sec.is_some()),
        ];
        let takes = kind.params();
        for (key, present) in given {
            if present && !takes.iter().any(|(k, _)| *k == key.as_str()) {
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
                return Err(SpecError::new(
                    key,
                    format!("{kind} does not take `{key}`: {expected}"),
                ));
            }
        }
        for (key, required) in takes {
            let present = given.iter().any(|(k, p)| k.as_str() == *key && *p);
            if *required && !present {
                return Err(SpecError::new(
                    SpecField::Kind,
                    format!("{kind} needs `{key}`"),
                ));
            }
        }
        if let Some(s) = self.status
            && !(200..=599).contains(&s)
        {
            return Err(SpecError::new(
                SpecField::Status,
                format!("status {s}: expected 200 to 599"),
            ));
        }
        if self.bytes_per_sec == Some(0) {
            return Err(SpecError::new(
                SpecField::BytesPerSec,
                "bytes_per_sec = 0: expected 1 or more".to_owned(),
            ));
        }
        // A day is far beyond any client timeout, and keeps the delay
        // arithmetic (`ms ± jitter_ms`) in range.
        if let Some(ms) = self.ms
            && ms > MAX_MS
        {
            return Err(SpecError::new(
                SpecField::Ms,
                format!("ms = {ms}: expected at most {MAX_MS} (a day)"),
            ));
        }
        if kind == FaultKind::Latency && self.jitter_ms > self.ms {
            return Err(SpecError::new(
                SpecField::JitterMs,
                "jitter_ms is larger than ms: a delay cannot be negative".to_owned(),
            ));
        }
        // The schedule.
        let scheduled = [
            (SpecField::Times, self.times.is_some()),
            (SpecField::From, self.from.is_some()),
            (SpecField::To, self.to.is_some()),
            (SpecField::Probability, self.probability.is_some()),
        ];
        if !kind.schedulable()
            && let Some((key, _)) = scheduled.iter().find(|(_, p)| *p)
        {
            return Err(SpecError::new(
                *key,
                format!(
                    "{kind} takes no schedule: no request reaches the mock for it to count; \
                     it is in force until removed (admin `DELETE /faults/NAME`, a case's \
                     `remove_fault` or `clear_faults` step)"
                ),
            ));
        }
        if self.times.is_some() && (self.from.is_some() || self.to.is_some()) {
            let key = if self.from.is_some() {
                SpecField::From
            } else {
                SpecField::To
            };
            return Err(SpecError::new(
                key,
                "give either `times` or `from`/`to`, not both".to_owned(),
            ));
        }
        for (key, v) in [
            (SpecField::Times, self.times),
            (SpecField::From, self.from),
            (SpecField::To, self.to),
        ] {
            if v == Some(0) {
                return Err(SpecError::new(
                    key,
                    format!("{key} = 0: events are numbered from 1"),
                ));
            }
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && to < from
        {
            return Err(SpecError::new(
                SpecField::To,
                format!("to = {to} is before from = {from}"),
            ));
        }
        if let Some(p) = self.probability
            && !(p > 0.0 && p <= 1.0)
        {
            return Err(SpecError::new(
                SpecField::Probability,
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

/// A key of `[[fault]]`, as [`SpecError`] names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecField {
    /// `name`
    Name,
    /// `host`
    Host,
    /// `path`
    Path,
    /// `kind`: also the fault as a whole, when it does not fit its kind.
    Kind,
    /// `status`
    Status,
    /// `retry_after`
    RetryAfter,
    /// `bytes`
    Bytes,
    /// `ms`
    Ms,
    /// `jitter_ms`
    JitterMs,
    /// `bytes_per_sec`
    BytesPerSec,
    /// `times`
    Times,
    /// `from`
    From,
    /// `to`
    To,
    /// `probability`
    Probability,
}

impl SpecField {
    /// The key as files and JSON write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Host => "host",
            Self::Path => "path",
            Self::Kind => "kind",
            Self::Status => "status",
            Self::RetryAfter => "retry_after",
            Self::Bytes => "bytes",
            Self::Ms => "ms",
            Self::JitterMs => "jitter_ms",
            Self::BytesPerSec => "bytes_per_sec",
            Self::Times => "times",
            Self::From => "from",
            Self::To => "to",
            Self::Probability => "probability",
        }
    }
}

impl std::fmt::Display for SpecField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What [`FaultSpec::check`] refuses: the key at fault and why. Its
/// `Display` is the reason alone; callers place the key (a file's
/// `line:column`, an admin answer's `key: `).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{why}")]
pub struct SpecError {
    /// The offending key ([`SpecField::Kind`] when the fault as a whole
    /// does not fit its kind).
    pub field: SpecField,
    /// Why, without the key.
    pub why: String,
}

impl SpecError {
    fn new(field: SpecField, why: impl Into<String>) -> Self {
        Self {
            field,
            why: why.into(),
        }
    }
}

/// Why a fault cannot be put in force.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FaultError {
    /// The spec does not fit its kind (the key at fault, unless it is the
    /// fault as a whole, then why).
    #[error("{}", spec_message(.0))]
    Spec(#[source] SpecError),
    /// A fault with this name is in force already.
    #[error("a fault named `{0}` is in force already")]
    NameInUse(String),
}

fn spec_message(e: &SpecError) -> String {
    if e.field == SpecField::Kind {
        e.why.clone()
    } else {
        format!("{}: {}", e.field, e.why)
    }
}
