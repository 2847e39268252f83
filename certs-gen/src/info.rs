//! Facts about a certificate read back with x509-cert (a second
//! implementation, not the one that wrote it) and its thumbprints.

use aws_lc_rs::digest;
use serde::Serialize;
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::der::Decode;

/// What the manifest, the mock's journal and the client show about a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    /// Subject in RFC 4514 form, most specific first: `CN=...,O=...,C=JP`.
    pub subject: String,
    /// Issuer in RFC 4514 form.
    pub issuer: String,
    /// Serial number, lowercase hex without separators.
    pub serial: String,
    /// Start of validity.
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    /// End of validity.
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// SHA-1 of the DER, lowercase hex.
    pub sha1: String,
    /// SHA-1 in the manual's display form: `40A6C237 3D05322D ...` (D4.5).
    pub sha1_display: String,
    /// SHA-256 of the DER, lowercase hex.
    pub sha256: String,
}

/// A certificate that x509-cert could not read.
#[derive(Debug, Clone, thiserror::Error)]
#[error("not a DER X.509 certificate: {0}")]
pub struct ParseError(String);

impl CertInfo {
    /// Parses `der` and computes its thumbprints.
    pub fn from_der(der: &[u8]) -> Result<Self, ParseError> {
        let cert = Certificate::from_der(der).map_err(|e| ParseError(e.to_string()))?;
        let tbs = cert.tbs_certificate();
        let validity = tbs.validity();
        let to_time = |t: &x509_cert::time::Time| {
            let secs = t.to_unix_duration().as_secs();
            i64::try_from(secs)
                .ok()
                .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
                .ok_or_else(|| ParseError(format!("time out of range: {secs}s")))
        };
        Ok(Self {
            subject: tbs.subject().to_string(),
            issuer: tbs.issuer().to_string(),
            serial: hex::encode(tbs.serial_number().as_bytes()),
            not_before: to_time(&validity.not_before)?,
            not_after: to_time(&validity.not_after)?,
            sha1: sha1_hex(der),
            sha1_display: sha1_display(der),
            sha256: hex::encode(digest::digest(&digest::SHA256, der)),
        })
    }
}

/// SHA-1 of `der`, lowercase hex.
pub fn sha1_hex(der: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, der))
}

/// SHA-1 of `der` as the manual prints it: uppercase, groups of 8 hex digits
/// separated by single spaces (D4.5), made from the digest's bytes (four a
/// group). Reading a thumbprint someone typed is the client's job
/// (`certrenew::cert::group_thumbprint`); the test PKI only prints its own.
pub fn sha1_display(der: &[u8]) -> String {
    let digest = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, der);
    let groups: Vec<String> = digest.as_ref().chunks(4).map(hex::encode_upper).collect();
    groups.join(" ")
}

/// The CRL distribution point URIs of the certificate `der`, in order
/// (empty when it names none or does not parse).
pub fn crl_urls(der: &[u8]) -> Vec<String> {
    use x509_cert::ext::pkix::CrlDistributionPoints;
    use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
    let Ok(cert) = Certificate::from_der(der) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Ok(Some((_, dps))) = cert
        .tbs_certificate()
        .get_extension::<CrlDistributionPoints>()
    {
        for dp in dps.0 {
            if let Some(DistributionPointName::FullName(names)) = dp.distribution_point {
                for n in names {
                    if let GeneralName::UniformResourceIdentifier(uri) = n {
                        out.push(uri.to_string());
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_the_sha1_in_the_manuals_groups() {
        // SHA-1("abc") = a9993e36 4706816a ba3e2571 7850c26c 9cd0d89d
        assert_eq!(
            sha1_display(b"abc"),
            "A9993E36 4706816A BA3E2571 7850C26C 9CD0D89D"
        );
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    }

    #[test]
    fn reads_the_crl_distribution_points_of_a_client_and_of_its_ca() {
        let now = OffsetDateTime::now_utc();
        let pki = crate::Pki::generate(crate::KeyType::P256, now).unwrap();
        let id = pki
            .issue_client(&crate::ClientSpec::ending(
                "user01",
                now,
                -time::Duration::days(10),
            ))
            .unwrap();
        let names = crate::PkiNames::default();
        assert_eq!(crl_urls(&id.cert), vec![names.issuing_ca_crl_url()]);
        assert_eq!(crl_urls(pki.issuing_ca.der()), vec![names.root_crl_url()]);
        assert!(crl_urls(b"not DER").is_empty());
    }
}
