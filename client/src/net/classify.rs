//! Every transport failure classified from the error values themselves
//! (rustls' and the resolver's), never from their text.

use super::failure::{BodyProblem, NetErrorKind, ResolveError, Transport};
use super::sources::{find_rustls_error, find_source};

/// What kind of failure a reqwest error is.
pub fn classify(e: &reqwest::Error) -> NetErrorKind {
    let transport = Transport::of(e);
    let timed_out = e.is_timeout()
        || transport.io == Some(std::io::ErrorKind::TimedOut)
        || find_source::<tokio::time::error::Elapsed>(e).is_some();
    if let Some(r) = find_source::<ResolveError>(e) {
        NetErrorKind::Unresolved {
            name: r.name.clone(),
            detail: transport.detail,
        }
    } else if timed_out {
        NetErrorKind::Timeout(transport)
    } else if let Some(error) = find_rustls_error(e).map(Box::new) {
        NetErrorKind::Tls {
            error,
            detail: transport.detail,
        }
    } else if e.is_connect() {
        NetErrorKind::Connect(transport)
    } else if e.is_body() || e.is_decode() {
        NetErrorKind::Body(BodyProblem::Read(transport))
    } else if e.is_request() {
        NetErrorKind::Dropped(transport)
    } else {
        NetErrorKind::Connect(transport)
    }
}
