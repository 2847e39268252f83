//! The protocol's shared constants: paths, limits, names. A leaf: it
//! imports no other module of the crate, and every layer may use it.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Path of the download page (D3.3).
pub const DOWNLOAD_PATH: &str = "/scira/doc/kkb/expiredrenew.html";
/// Path of the login (protocol 2.3).
pub const LOGIN_PATH: &str = "/scira/api/v1/renewal/login";
/// Path of the issuance (protocol 2.4).
pub const CERTIFICATE_PATH: &str = "/scira/api/v1/renewal/certificate";

/// The longest HTTP request head the proxy and the virtual hosts read.
pub const HEAD_LIMIT: usize = 16 * 1024;

/// A name usable as a directory: letters, digits, `-`, `_`, `.`, not `.`/`..`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// RFC 3339 with whole seconds, as everything here prints times.
pub fn rfc3339(t: OffsetDateTime) -> String {
    certs_gen::truncate_to_seconds(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}
