//! What a directory in the store is, read from its name and files.

use std::fs;
use std::path::Path;

use crate::cert;

/// A name starting with a dot: temporary or set aside, not an identity.
pub(super) fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

/// Why a set-aside temporary identity cannot be completed.
pub(super) fn unfinished_why(dir: &Path) -> String {
    let cert = dir.join("cert.pem");
    match fs::read(&cert) {
        Err(_) => "no readable certificate".into(),
        Ok(b) if cert::pem_certificates(&b).map_or(true, |v| v.is_empty()) => {
            "the certificate cannot be read".into()
        }
        Ok(_) if !dir.join("key.pem").is_file() => "no private key".into(),
        Ok(_) => "the private key does not belong to the certificate, or the identity exists with another certificate".into(),
    }
}

/// Whether an identity directory has its certificate and its key.
pub(super) fn is_complete(dir: &Path) -> bool {
    dir.join("cert.pem").is_file() && dir.join("key.pem").is_file()
}
