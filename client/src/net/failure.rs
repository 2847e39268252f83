//! What a failed request carries: [`NetError`] (what was asked) and
//! [`NetErrorKind`] (what happened), with the error values themselves
//! ([`Transport`], [`BodyProblem`], [`SetupProblem`]), never only their
//! text. Their customer-facing words are the catalogue's.

use reqwest::Url;

use super::limits::Limit;
use super::sources::{error_chain, find_io_kind};

/// A transport failure: what was asked and what happened.
#[derive(Debug, Clone, thiserror::Error)]
pub struct NetError {
    /// The host asked.
    pub host: String,
    /// The URL asked.
    pub url: String,
    /// What happened.
    pub kind: NetErrorKind,
}

/// How a request failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NetErrorKind {
    /// No connection (refused, unreachable).
    Connect(Transport),
    /// The name to connect to (the host's, or its `--connect-to` target)
    /// did not resolve.
    Unresolved {
        /// The name that did not resolve.
        name: String,
        /// What the resolver said.
        detail: String,
    },
    /// The connection, the handshake or the whole request took too long.
    Timeout(Transport),
    /// TLS failed (server certificate not trusted, alert received, ...).
    Tls {
        /// rustls' own error, as found in the request error's sources.
        error: Box<rustls::Error>,
        /// The whole request error, `: `-separated.
        detail: String,
    },
    /// An HTTP status the protocol does not expect here.
    Status(u16),
    /// A body that could not be read or is not what the protocol says.
    Body(BodyProblem),
    /// A body longer than the limit for its kind of answer ([`Limit`]).
    TooLarge(Limit),
    /// The request went out, then the connection ended (closed or reset)
    /// before a whole answer came back.
    Dropped(Transport),
    /// A request that could not even be built (bad URL, bad proxy).
    Setup(SetupProblem),
}

/// A transport failure as its error values tell it: the OS's kind of
/// failure when one is among the sources, and the whole error for the
/// technical line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct Transport {
    /// The `io::ErrorKind` found in the error's sources (refused, reset,
    /// timed out, ...), if any.
    pub io: Option<std::io::ErrorKind>,
    /// The whole request error, `: `-separated.
    pub detail: String,
}

impl Transport {
    /// `e` with the I/O kind among its sources.
    pub fn of(e: &(dyn std::error::Error + 'static)) -> Self {
        Self {
            io: find_io_kind(e),
            detail: error_chain(e),
        }
    }
}

/// Why an answer's body is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyProblem {
    /// Reading or decoding it failed in transport.
    #[error(transparent)]
    Read(Transport),
    /// It arrived whole but is not what the protocol says (the parser's
    /// or the caller's words).
    #[error("{0}")]
    NotProtocol(String),
}

/// Why a request could not be built.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SetupProblem {
    /// A `--server-ca` root rustls does not take.
    #[error("--server-ca: {0}")]
    ServerCa(Box<rustls::Error>),
    /// No verifier could be built on the `--server-ca` roots.
    #[error("--server-ca: {0}")]
    ServerCaVerifier(Box<rustls::client::VerifierBuilderError>),
    /// The platform's verifier is unavailable.
    #[error("platform verifier: {0}")]
    PlatformVerifier(Box<rustls::Error>),
    /// The protocol versions cannot be used with the provider.
    #[error("TLS configuration: {0}")]
    Versions(Box<rustls::Error>),
    /// A proxy URL reqwest does not take.
    #[error("proxy: {0}")]
    Proxy(Transport),
    /// reqwest could not build the client.
    #[error("{0}")]
    Client(Transport),
    /// A URL that does not parse.
    #[error("bad URL: {0}")]
    Url(<Url as std::str::FromStr>::Err),
    /// The network options themselves are unusable (`--server-ca`, ...).
    #[error("{0}")]
    Options(String),
}

impl PartialEq for SetupProblem {
    fn eq(&self, other: &Self) -> bool {
        use SetupProblem as S;
        match (self, other) {
            (S::ServerCa(a), S::ServerCa(b))
            | (S::PlatformVerifier(a), S::PlatformVerifier(b))
            | (S::Versions(a), S::Versions(b)) => a == b,
            // VerifierBuilderError has no PartialEq; its variants carry
            // values that have one, which Debug shows in full.
            (S::ServerCaVerifier(a), S::ServerCaVerifier(b)) => {
                format!("{a:?}") == format!("{b:?}")
            }
            (S::Proxy(a), S::Proxy(b)) | (S::Client(a), S::Client(b)) => a == b,
            (S::Url(a), S::Url(b)) => a == b,
            (S::Options(a), S::Options(b)) => a == b,
            _ => false,
        }
    }
}

/// A name that did not resolve.
#[derive(Debug, thiserror::Error)]
#[error("{why}")]
pub struct ResolveError {
    /// The name looked up.
    pub name: String,
    /// Why it did not resolve.
    pub why: String,
}
