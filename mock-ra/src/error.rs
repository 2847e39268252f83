//! The library's error type: starting a mock and changing its state.

use crate::world::WorldError;

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
    #[error("TLS configuration for {role}: {message}")]
    Tls {
        /// The role whose configuration failed.
        role: &'static str,
        /// What rustls said.
        message: String,
    },
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
    /// No fault in force has this name.
    #[error("no fault `{0}` is in force")]
    UnknownFault(String),
    /// No account has this id.
    #[error("no account `{0}`")]
    UnknownAccount(String),
    /// An account with this id exists already.
    #[error("account `{0}` exists already")]
    AccountExists(String),
    /// A request to change the state that makes no sense.
    #[error("{0}")]
    Invalid(String),
}
