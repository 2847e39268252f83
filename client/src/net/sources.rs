//! Walking an error's sources: its whole text, and the typed errors
//! (rustls', io's) among them. A leaf of `net`.

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

/// The first `T` among `e` and its sources.
pub(super) fn find_source<'a, T: std::error::Error + 'static>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut cur: Option<&'a (dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<T>() {
            return Some(r);
        }
        cur = err.source();
    }
    None
}

/// The kind of the first `io::Error` among `e`'s sources, if any.
pub fn find_io_kind(e: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    find_source::<std::io::Error>(e).map(std::io::Error::kind)
}
