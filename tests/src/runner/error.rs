//! What can go wrong inside a running case, short of an expectation not
//! holding: a work file not written, a world identity missing, a request
//! to a host or an export not going through. A leaf: the runner's steps,
//! its checks and its placeholders all return it.

use std::path::PathBuf;

use crate::process::OpensslError;
use crate::target::{TargetError, TlsConfigError};

/// Why the runner could not do one thing a case asks.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A work file (or its folder) could not be written.
    #[error("{}: {source}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The case names an identity the world does not have.
    #[error("the world has no identity `{name}` (known: {known})")]
    UnknownIdentity {
        /// The name asked for.
        name: String,
        /// Every identity's name, joined by `, `.
        known: String,
    },
    /// A placeholder or request names an identity the world does not have.
    #[error("no world identity `{0}`")]
    NoWorldIdentity(String),
    /// `{proxy}` in a case whose target has no proxy.
    #[error("the target has no proxy")]
    NoProxy,
    /// The client-CA root's PEM does not parse.
    #[error("client-CA root: {0}")]
    ClientRoot(#[source] rustls_pki_types::pem::Error),
    /// The target could not answer (a host's address).
    #[error(transparent)]
    Target(#[from] TargetError),
    /// The TLS configuration for a request could not be made.
    #[error(transparent)]
    Tls(#[from] TlsConfigError),
    /// The HTTP client could not be built.
    #[error("building the request client: {0}")]
    Client(#[source] reqwest::Error),
    /// A request's method is not an HTTP method.
    #[error("{0}")]
    Method(#[source] <reqwest::Method as std::str::FromStr>::Err),
    /// A request to a host got no answer, or its body was cut.
    #[error("{url}: {source:#}")]
    Request {
        /// The URL.
        url: String,
        /// What the HTTP client said.
        #[source]
        source: reqwest::Error,
    },
    /// A GET for a check got no answer.
    #[error("GET {url}: {source}")]
    Get {
        /// The URL.
        url: String,
        /// What the HTTP client said.
        #[source]
        source: reqwest::Error,
    },
    /// A GET for a check was refused.
    #[error("GET {url}: {status}")]
    GetRefused {
        /// The URL.
        url: String,
        /// The status.
        status: reqwest::StatusCode,
    },
    /// `certrenew export` failed.
    #[error("export exited {exit:?}: {output}")]
    Export {
        /// Its exit code.
        exit: Option<i32>,
        /// Its standard output, then its standard error.
        output: String,
    },
    /// openssl could not read or verify the export.
    #[error(transparent)]
    Openssl(#[from] OpensslError),
    /// The exported key is not the certificate's.
    #[error("the exported key does not belong to the certificate")]
    KeyMismatch,
    /// Something of the case's `[client]` setup failed: where, and what.
    #[error("{at}: {source}")]
    Setup {
        /// `file: [client]`.
        at: String,
        /// What failed.
        #[source]
        source: Box<RunError>,
    },
    /// The store could not tell a stored identity's key type.
    #[error(transparent)]
    Probe(#[from] crate::store::ProbeError),
}
