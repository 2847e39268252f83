//! The library's error type: starting a mock and changing its state.

use crate::faults::FaultError;
use crate::ra::identities::IdentityError;
use crate::world::{PatternError, WorldError};

/// Everything [`crate::MockRa`] can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MockError {
    /// The world does not describe a world.
    #[error(transparent)]
    World(#[from] WorldError),
    /// Making a certificate, key or CRL failed.
    #[error("PKI: {0}")]
    Pki(#[from] certs_gen::Error),
    /// Building a TLS configuration failed.
    #[error("TLS configuration for {role}: {source}")]
    Tls {
        /// The role whose configuration failed (`client` for
        /// [`crate::MockRa::client_tls`]).
        role: &'static str,
        /// What failed: a [`rustls::Error`], the PKI's or the certificate
        /// parser's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Building a ready-made client failed.
    #[error("HTTP client: {0}")]
    Client(#[source] reqwest::Error),
    /// A listener could not be bound.
    #[error("cannot listen for {role} on {addr}: {source}")]
    Bind {
        /// The role (`https`, `http` for the shared ports of virtual hosting).
        role: &'static str,
        /// The address asked for (port 0: any).
        addr: std::net::SocketAddr,
        /// What the OS said.
        source: std::io::Error,
    },
    /// Writing the state directory failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: std::path::PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A fault cannot be put in force.
    #[error(transparent)]
    Fault(#[from] FaultError),
    /// No fault in force has this name.
    #[error("no fault `{0}` is in force")]
    UnknownFault(String),
    /// No account has this id.
    #[error("no account `{0}`")]
    UnknownAccount(String),
    /// An account with this id exists already.
    #[error("account `{0}` exists already")]
    AccountExists(String),
    /// An account to add does not describe an account (why).
    #[error("{0}")]
    InvalidAccount(String),
    /// An identity with this name exists already.
    #[error("identity name `{0}` is used already")]
    IdentityExists(String),
    /// No identity has this name.
    #[error("no identity `{0}`")]
    UnknownIdentity(String),
    /// A generated customer's identity could not be made.
    #[error("identity `{name}`: {source}")]
    Identity {
        /// The identity's name.
        name: String,
        /// Why: the PKI's error, or a certificate that came out wrong.
        #[source]
        source: IdentityError,
    },
    /// The world's `[[customers]]` cannot make a customer (its pattern's
    /// mistake).
    #[error(transparent)]
    Customers(#[from] PatternError),
    /// The mock broke one of its own rules (a bug).
    #[error("internal: {0}")]
    Internal(&'static str),
}
