//! Why a load could not run, or a report or flag could not be read. A
//! leaf: every other module of the load returns it. The texts are the ones
//! `harness load` prints (after `harness: `, with each source's text after
//! `: `), so a variant that wraps a cause either chains it as its source or
//! says it in its own text, never both.

use std::path::PathBuf;

use crate::load_target::TargetStateError;

/// Why `harness load` (or one of the load's library functions) failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A report, an HTML page or a work file could not be written.
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A report, a world or the web root of a served mock could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `--baseline`'s file is not a report `--json` wrote.
    #[error(
        "{}:{}:{}: not a harness load report ({error})",
        path.display(),
        error.line(),
        error.column()
    )]
    NotAReport {
        path: PathBuf,
        error: serde_json::Error,
    },
    /// `--duration`'s number cannot be read.
    #[error("--duration `{text}`: expected e.g. 30s, 2m, 500ms")]
    DurationNumber { text: String },
    /// `--duration`'s unit is none of ms, s, m, h.
    #[error("--duration `{text}`: unknown unit `{unit}`: expected ms, s, m or h")]
    DurationUnit { text: String, unit: String },
    /// `--duration` is zero, negative or a day or more.
    #[error("--duration `{text}`: expected more than 0 and less than a day")]
    DurationRange { text: String },
    /// `--customers 0`.
    #[error("--customers 0: expected 1 or more")]
    NoCustomers,
    /// `--rate` is not a positive number.
    #[error("--rate {rate}: expected a positive number of renewals per second")]
    Rate { rate: f64 },
    /// A `--fail-if` condition has neither `>` nor `<` (or both).
    #[error("--fail-if `{condition}`: expected NAME>VALUE or NAME<VALUE")]
    FailIfForm { condition: String },
    /// A `--fail-if` condition names no known figure.
    #[error("--fail-if `{condition}`: unknown `{what}`: expected one of {known}")]
    FailIfName {
        condition: String,
        what: String,
        known: String,
    },
    /// A `--fail-if` condition's value is not a number.
    #[error("--fail-if `{condition}`: `{value}` is not a number")]
    FailIfNumber { condition: String, value: String },
    /// The async runtime could not be started.
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
    /// The runtime for one admin request could not be started.
    #[error(transparent)]
    AdminRuntime(std::io::Error),
    /// A report could not be serialised, or a target's world turned into
    /// JSON.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// The world file is not a world.
    #[error(transparent)]
    World(#[from] mock_ra::WorldError),
    /// The in-process mock could not start, or has no such identity.
    #[error(transparent)]
    Mock(#[from] mock_ra::MockError),
    /// A generated customer's pattern cannot make customer `n`; its text
    /// already says why.
    #[error("{0}")]
    Pattern(mock_ra::PatternError),
    /// The world generates fewer customers than asked for.
    #[error(
        "{wanted} customers asked for, the world has {generated} generated customers ([[customers]])"
    )]
    TooFewCustomers { wanted: usize, generated: usize },
    /// A closed-model worker panicked or was cancelled.
    #[error("a load worker failed")]
    Worker(#[source] tokio::task::JoinError),
    /// An open-model task panicked or was cancelled.
    #[error("a load task failed")]
    Task(#[source] tokio::task::JoinError),
    /// `openssl` could not be run.
    #[error("cannot run `openssl speed` (is openssl installed?)")]
    NoOpenssl(#[source] std::io::Error),
    /// `openssl speed` printed no P-256 figures.
    #[error("`openssl speed ecdsap256` printed no nistp256 line: {output}")]
    NoNistp256Line { output: String },
    /// `openssl speed`'s P-256 line has no sign and verify figures.
    #[error("`openssl speed ecdsap256`: cannot read `{line}`")]
    OpensslLine { line: String },
    /// A report's `hdr` value is not base64.
    #[error(transparent)]
    Base64(#[from] base64::DecodeError),
    /// A report's `hdr` value is not a serialised histogram.
    #[error("not an HdrHistogram V2 serialisation: {error:?}")]
    Histogram {
        error: hdrhistogram::serialization::DeserializeError,
    },
    /// A `--connect-to` of the mock's arguments cannot be read.
    #[error("--connect-to {arg}: {error}")]
    ConnectTo { arg: String, error: String },
    /// The client's network could not be set up.
    #[error(transparent)]
    Net(#[from] certrenew::net::NetError),
    /// The in-process mock has no webra2 listener.
    #[error("the mock has no webra2 listener")]
    NoWebra2,
    /// `--ready`'s file could not be read.
    #[error("cannot read the ready line {}", path.display())]
    ReadReady {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `--ready`'s first line is not `mock-ra serve`'s ready line.
    #[error("{}:1: not a mock-ra ready line", path.display())]
    NotReady {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// A URL of the ready line has no socket address.
    #[error("`{url}`: expected scheme://ADDR:PORT")]
    Addr {
        url: String,
        #[source]
        source: std::net::AddrParseError,
    },
    /// The served mock's web root holds no certificate.
    #[error("{path}: no certificate")]
    NoRootCertificate { path: String },
    /// An admin request got no answer.
    #[error("GET {url}")]
    Get {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    /// An admin answer's body could not be read.
    #[error(transparent)]
    Body(reqwest::Error),
    /// An admin request was refused.
    #[error("GET {url}: status {status}")]
    Status {
        url: String,
        status: reqwest::StatusCode,
    },
    /// An admin answer is not the JSON expected of `path`.
    #[error("GET {path}: not the expected JSON")]
    NotJson {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    /// The thread of an admin request panicked.
    #[error("the admin request panicked")]
    AdminPanicked,
    /// A thread making identities panicked.
    #[error("making identities panicked")]
    IdentitiesPanicked,
    /// A served target's ready line names no admin API.
    #[error("a served target without an admin URL")]
    NoAdmin,
    /// The task fetching identities panicked or was cancelled.
    #[error("fetching identities failed")]
    Fetching(#[source] tokio::task::JoinError),
    /// The world has no identity for a customer.
    #[error("no identity `{id}` in the world")]
    NoIdentity {
        id: String,
        #[source]
        source: mock_ra::MockError,
    },
    /// A fetched identity has no certificate.
    #[error("identity {id}: no certificate")]
    NoIdentityCertificate { id: String },
    /// A fetched identity's key cannot be read.
    #[error("identity {id}: {error}")]
    IdentityKey {
        id: String,
        error: certrenew::cert::CertError,
    },
    /// An identity cannot be used for mutual TLS.
    #[error("identity {id}: {reason}")]
    IdentityTls { id: String, reason: String },
    /// The target's state could not be set up.
    #[error(transparent)]
    Target(#[from] TargetStateError),
}
