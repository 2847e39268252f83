//! PEM encoding of what the PKI writes.

use x509_cert::der::pem::{LineEnding, encode_string};

/// PEM with the given label, 64 characters a line, trailing newline
/// (RFC 7468, by pem-rfc7468).
pub fn encode(label: &str, der: &[u8]) -> String {
    // Fails only for a label RFC 7468 forbids (the callers below pass
    // constants) or an output longer than usize::MAX.
    encode_string(label, LineEnding::LF, der).expect("a constant RFC 7468 label")
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

#[cfg(test)]
mod tests {
    #[test]
    fn wraps_at_64_and_ends_with_a_newline() {
        let pem = super::encode("CERTIFICATE", &[0u8; 60]);
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----");
        assert_eq!(lines[1].len(), 64);
        assert_eq!(lines[2].len(), 80 - 64);
        assert_eq!(lines[3], "-----END CERTIFICATE-----");
        assert!(pem.ends_with("-----\n"));
    }
}
