//! PEM encoding of what the PKI writes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// PEM with the given label, 64 characters a line, trailing newline.
pub fn encode(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        // base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// A certificate as PEM.
pub fn certificate(der: &[u8]) -> String {
    encode("CERTIFICATE", der)
}

/// A PKCS#8 private key as PEM.
pub fn private_key(pkcs8_der: &[u8]) -> String {
    encode("PRIVATE KEY", pkcs8_der)
}

/// A CRL as PEM.
pub fn crl(der: &[u8]) -> String {
    encode("X509 CRL", der)
}
