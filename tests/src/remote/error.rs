//! What can go wrong with a remote target before and around a case: its
//! profile, its admin token, its state-change endpoint. A leaf: the
//! profile and the state calls both return it.

use std::path::PathBuf;

/// Why a target profile could not be used, or a state not set up or torn
/// down.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// A file the profile names (or the profile) could not be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The profile is not valid: `file:line:column` with the line quoted,
    /// or the profile's name and what is missing.
    #[error("{0}")]
    Profile(String),
    /// The admin token's variable is not set.
    #[error("${var} (the admin token) is not set")]
    TokenEnv {
        /// The variable.
        var: String,
    },
    /// A target host does not resolve.
    #[error("target host {host} ({to}): {source}")]
    Resolve {
        /// Its short name.
        host: &'static str,
        /// Where the profile says it is.
        to: String,
        /// Why it does not resolve.
        #[source]
        source: crate::hosts::ResolveError,
    },
    /// A target host accepts no connection.
    #[error("target host {host} ({to}) does not answer: {source} (within {ms} ms)")]
    Unreachable {
        /// Its short name.
        host: &'static str,
        /// Where the profile says it is.
        to: String,
        /// The connect timeout.
        ms: u128,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The target offers no provider states.
    #[error("{}: the target offers no provider states (capabilities.states)", path.display())]
    NoStates {
        /// The profile.
        path: PathBuf,
    },
    /// The HTTP client could not be built.
    #[error("{0}")]
    Client(#[source] reqwest::Error),
    /// The runtime for the blocking state calls could not be built.
    #[error("{0}")]
    Runtime(#[source] std::io::Error),
    /// A request to the state-change endpoint got no answer.
    #[error("{method} {url}: {source}")]
    Request {
        /// `POST` or `DELETE`.
        method: &'static str,
        /// The URL.
        url: String,
        /// What the HTTP client said.
        #[source]
        source: reqwest::Error,
    },
    /// `POST /states` was refused.
    #[error("POST {url}: {status}: {text}")]
    PostRefused {
        /// The URL.
        url: String,
        /// The status.
        status: reqwest::StatusCode,
        /// The answer's body.
        text: String,
    },
    /// `DELETE /states/{id}` was refused.
    #[error("DELETE {url}: {status}")]
    DeleteRefused {
        /// The URL.
        url: String,
        /// The status.
        status: reqwest::StatusCode,
    },
    /// The answer to `POST /states` is not the protocol's.
    #[error("POST {url}: the answer: {source}")]
    Answer {
        /// The URL.
        url: String,
        /// Why it does not parse.
        #[source]
        source: serde_json::Error,
    },
    /// The world tables could not be made JSON.
    #[error("{0}")]
    WorldJson(#[source] serde_json::Error),
}
