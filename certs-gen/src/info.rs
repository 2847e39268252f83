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
/// separated by single spaces (D4.5).
pub fn sha1_display(der: &[u8]) -> String {
    group_thumbprint(&sha1_hex(der)).unwrap_or_default()
}

/// Re-formats a 40-digit hex SHA-1 (any case, spaces or colons allowed) into
/// the manual's display form; `None` when it is not 40 hex digits.
pub fn group_thumbprint(hex_digits: &str) -> Option<String> {
    let clean: String = hex_digits
        .chars()
        .filter(|c| !matches!(c, ' ' | ':'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if clean.len() != 40 || !clean.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let groups: Vec<&str> = (0..5).map(|i| &clean[i * 8..i * 8 + 8]).collect();
    Some(groups.join(" "))
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
    fn groups_the_manuals_thumbprint() {
        assert_eq!(
            group_thumbprint("40a6c2373d05322d6408706504f141d00775cd57").as_deref(),
            Some("40A6C237 3D05322D 64087065 04F141D0 0775CD57")
        );
        assert_eq!(
            group_thumbprint("40:A6:C2:37:3D:05:32:2D:64:08:70:65:04:F1:41:D0:07:75:CD:57")
                .as_deref(),
            Some("40A6C237 3D05322D 64087065 04F141D0 0775CD57")
        );
        assert_eq!(group_thumbprint("40A6C237"), None);
        assert_eq!(group_thumbprint(&"g".repeat(40)), None);
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
