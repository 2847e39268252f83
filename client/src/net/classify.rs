//! Every transport failure classified from the error values themselves
//! (rustls' and the resolver's), never from their text.

use super::*;

/// The error and all its sources, `: `-separated.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(src) = cur {
        let t = src.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = src.source();
    }
    s
}

/// The rustls error somewhere in `e`'s sources, if any. An `io::Error`
/// (tokio-rustls wraps rustls' error in one) is looked into: its
/// `source()` skips the error it wraps, `get_ref()` does not.
pub fn find_rustls_error(e: &(dyn std::error::Error + 'static)) -> Option<rustls::Error> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<rustls::Error>() {
            return Some(r.clone());
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && let Some(r) = find_rustls_error(inner)
        {
            return Some(r);
        }
        cur = err.source();
    }
    None
}

/// The resolver's error somewhere in `e`'s sources, if any.
fn find_resolve_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a ResolveError> {
    let mut cur: Option<&'a (dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<ResolveError>() {
            return Some(r);
        }
        cur = err.source();
    }
    None
}

/// What kind of failure a reqwest error is.
pub fn classify(e: &reqwest::Error) -> NetErrorKind {
    let text = error_chain(e);
    if let Some(r) = find_resolve_error(e) {
        NetErrorKind::Unresolved {
            name: r.name.clone(),
            detail: text,
        }
    } else if e.is_timeout() || text.contains("timed out") || text.contains("deadline") {
        NetErrorKind::Timeout(text)
    } else if let Some(error) = find_rustls_error(e).map(Box::new) {
        NetErrorKind::Tls {
            error,
            detail: text,
        }
    } else if e.is_connect() {
        NetErrorKind::Connect(text)
    } else if e.is_body() || e.is_decode() {
        NetErrorKind::Body(text)
    } else if e.is_request() {
        NetErrorKind::Dropped(text)
    } else {
        NetErrorKind::Connect(text)
    }
}
