//! What the client reads from certificates and keys: names as DER and as
//! text, validity, serial, thumbprints, key type, AIA caIssuers and CRL
//! distribution points; PEM in and out.

use aws_lc_rs::digest;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::der::oid::ObjectIdentifier;
use x509_cert::der::{self, Decode, Encode};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{AuthorityInfoAccessSyntax, BasicConstraints, CrlDistributionPoints};

const ID_AD_CA_ISSUERS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.2");
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// A certificate or key the client could not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    /// Not a DER X.509 certificate.
    Certificate(String),
    /// No PEM block of the expected kind.
    NoPem(&'static str),
    /// A private key that is not PKCS#8, or that rcgen cannot use.
    Key(String),
}

/// The key types the RA signs (docs/protocol.md 2.3 `key_types`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyType {
    /// ECDSA on P-256 with SHA-256.
    P256,
    /// RSA 2048 bits with SHA-256 (PKCS#1 v1.5).
    Rsa2048,
    /// RSA 3072 bits with SHA-256 (PKCS#1 v1.5).
    Rsa3072,
    /// RSA 4096 bits with SHA-256 (PKCS#1 v1.5).
    Rsa4096,
}

impl KeyType {
    /// The wire name: `p256`, `rsa2048`, `rsa3072`, `rsa4096`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::P256 => "p256",
            KeyType::Rsa2048 => "rsa2048",
            KeyType::Rsa3072 => "rsa3072",
            KeyType::Rsa4096 => "rsa4096",
        }
    }

    /// The key type of a wire name.
    pub fn from_wire(s: &str) -> Option<Self> {
        match s {
            "p256" => Some(KeyType::P256),
            "rsa2048" => Some(KeyType::Rsa2048),
            "rsa3072" => Some(KeyType::Rsa3072),
            "rsa4096" => Some(KeyType::Rsa4096),
            _ => None,
        }
    }

    /// The RSA type of a modulus of `bits` bits (other sizes have none).
    pub fn rsa_of_bits(bits: usize) -> Option<Self> {
        match bits {
            2048 => Some(KeyType::Rsa2048),
            3072 => Some(KeyType::Rsa3072),
            4096 => Some(KeyType::Rsa4096),
            _ => None,
        }
    }

    /// A fresh key of this type.
    pub fn generate(self) -> Result<rcgen::KeyPair, CertError> {
        let rsa = |size| rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, size);
        let r = match self {
            KeyType::P256 => rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
            KeyType::Rsa2048 => rsa(rcgen::RsaKeySize::_2048),
            KeyType::Rsa3072 => rsa(rcgen::RsaKeySize::_3072),
            KeyType::Rsa4096 => rsa(rcgen::RsaKeySize::_4096),
        };
        r.map_err(|e| CertError::Key(e.to_string()))
    }
}

impl std::fmt::Display for KeyType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the client needs to know about one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFacts {
    /// The certificate, DER.
    pub der: CertificateDer<'static>,
    /// Subject, RFC 4514 (x509-cert's order).
    pub subject: String,
    /// Issuer, RFC 4514.
    pub issuer: String,
    /// Subject Name, DER (with its SEQUENCE tag).
    pub subject_der: Vec<u8>,
    /// Issuer Name, DER.
    pub issuer_der: Vec<u8>,
    /// Serial, lowercase hex without separators (as encoded, sign byte included).
    pub serial: String,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// SHA-1 of the DER, lowercase hex.
    pub sha1: String,
    /// The public key's type (RSA with its size), when it is one of
    /// [`KeyType`]; `None` for any other key.
    pub key_type: Option<KeyType>,
    /// SubjectPublicKeyInfo, DER.
    pub spki_der: Vec<u8>,
    /// AIA caIssuers URIs.
    pub ca_issuers: Vec<String>,
    /// CRL distribution point URIs.
    pub crl_urls: Vec<String>,
    /// basicConstraints cA.
    pub is_ca: bool,
}

impl CertFacts {
    /// Reads `der`.
    pub fn parse(der: &[u8]) -> Result<Self, CertError> {
        let bad = |e: x509_cert::der::Error| CertError::Certificate(e.to_string());
        let cert = Certificate::from_der(der).map_err(bad)?;
        let tbs = cert.tbs_certificate();
        let to_time = |t: &x509_cert::time::Time| {
            let secs = t.to_unix_duration().as_secs();
            i64::try_from(secs)
                .ok()
                .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
                .ok_or_else(|| CertError::Certificate(format!("time out of range: {secs}s")))
        };
        let spki = tbs.subject_public_key_info();
        let spki_der = spki.to_der().map_err(bad)?;
        let key_type = if spki.algorithm.oid == ID_EC_PUBLIC_KEY {
            spki.algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
                .filter(|curve| *curve == SECP256R1)
                .map(|_| KeyType::P256)
        } else if spki.algorithm.oid == RSA_ENCRYPTION {
            // The size matters: a renewal must not turn RSA-4096 into 2048.
            aws_lc_rs::rsa::PublicEncryptingKey::from_der(&spki_der)
                .ok()
                .and_then(|k| KeyType::rsa_of_bits(k.key_size_bits()))
        } else {
            None
        };
        let mut ca_issuers = Vec::new();
        if let Ok(Some((_, aia))) = tbs.get_extension::<AuthorityInfoAccessSyntax>() {
            for ad in aia.0 {
                if let (true, GeneralName::UniformResourceIdentifier(uri)) =
                    (ad.access_method == ID_AD_CA_ISSUERS, &ad.access_location)
                {
                    ca_issuers.push(uri.to_string());
                }
            }
        }
        let mut crl_urls = Vec::new();
        if let Ok(Some((_, dps))) = tbs.get_extension::<CrlDistributionPoints>() {
            for dp in dps.0 {
                if let Some(DistributionPointName::FullName(names)) = dp.distribution_point {
                    for n in names {
                        if let GeneralName::UniformResourceIdentifier(uri) = n {
                            crl_urls.push(uri.to_string());
                        }
                    }
                }
            }
        }
        let is_ca = matches!(
            tbs.get_extension::<BasicConstraints>(),
            Ok(Some((_, bc))) if bc.ca
        );
        Ok(Self {
            der: CertificateDer::from(der.to_vec()),
            subject: tbs.subject().to_string(),
            issuer: tbs.issuer().to_string(),
            subject_der: tbs.subject().to_der().map_err(bad)?,
            issuer_der: tbs.issuer().to_der().map_err(bad)?,
            serial: hex::encode(tbs.serial_number().as_bytes()),
            not_before: to_time(&tbs.validity().not_before)?,
            not_after: to_time(&tbs.validity().not_after)?,
            sha1: sha1_hex(der),
            key_type,
            spki_der,
            ca_issuers,
            crl_urls,
            is_ca,
        })
    }

    /// Whether the certificate names itself as its issuer (a root).
    pub fn is_self_issued(&self) -> bool {
        self.subject_der == self.issuer_der
    }
}

/// A DER Name as RFC 4514 text (x509-cert's order), for people; the hex
/// of the bytes when they are not a Name.
pub fn name_text(der: &[u8]) -> String {
    x509_cert::name::Name::from_der(der)
        .map(|n| n.to_string())
        .unwrap_or_else(|_| hex::encode(der))
}

/// SHA-1 of `der`, lowercase hex.
pub fn sha1_hex(der: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, der))
}

/// SHA-256 of `der`, lowercase hex.
pub fn sha256_hex(der: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA256, der))
}

/// A SHA-1 thumbprint in the manual's form: uppercase, five groups of eight
/// hex digits separated by single spaces (D4.5). `None` unless `hex_digits`
/// holds exactly 40 hex digits (spaces and colons are ignored).
pub fn group_thumbprint(hex_digits: &str) -> Option<String> {
    let clean = normalize_thumbprint(hex_digits)?;
    let groups: Vec<&str> = (0..5).map(|i| &clean[i * 8..i * 8 + 8]).collect();
    Some(groups.join(" "))
}

/// A SHA-1 thumbprint as 40 uppercase hex digits, or `None`.
pub fn normalize_thumbprint(s: &str) -> Option<String> {
    let clean: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | ':'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (clean.len() == 40 && clean.chars().all(|c| c.is_ascii_hexdigit())).then_some(clean)
}

/// A serial number compared loosely: lowercase, no separators, no leading zeros.
pub fn normalize_serial(s: &str) -> String {
    let clean: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | ':'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let trimmed = clean.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".into()
    } else {
        trimmed.into()
    }
}

/// PEM text with `label`, 64 characters a line (RFC 7468, by pem-rfc7468).
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    // Fails only for a label RFC 7468 forbids (the callers pass constants:
    // CERTIFICATE, PRIVATE KEY) or an output longer than usize::MAX.
    der::pem::encode_string(label, der::pem::LineEnding::LF, der)
        .expect("a constant RFC 7468 label and a DER that fits in memory")
}

/// Every CERTIFICATE block of a PEM text, in order.
pub fn pem_certificates(text: &[u8]) -> Result<Vec<CertificateDer<'static>>, CertError> {
    CertificateDer::pem_slice_iter(text)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CertError::Certificate(e.to_string()))
}

/// The private key of a PEM text as PKCS#8 (PKCS#1 RSA and SEC1 EC keys are
/// converted through rcgen).
pub fn pem_private_key(text: &[u8]) -> Result<PrivatePkcs8KeyDer<'static>, CertError> {
    let key = PrivateKeyDer::from_pem_slice(text).map_err(|e| match e {
        rustls_pki_types::pem::Error::NoItemsFound => CertError::NoPem("PRIVATE KEY"),
        other => CertError::Key(other.to_string()),
    })?;
    to_pkcs8(&key)
}

/// Any private key as PKCS#8.
pub fn to_pkcs8(key: &PrivateKeyDer<'_>) -> Result<PrivatePkcs8KeyDer<'static>, CertError> {
    match key {
        PrivateKeyDer::Pkcs8(k) => Ok(k.clone_key()),
        other => {
            let kp = rcgen::KeyPair::try_from(other).map_err(|e| CertError::Key(e.to_string()))?;
            Ok(PrivatePkcs8KeyDer::from(kp.serialize_der()))
        }
    }
}

/// The SubjectPublicKeyInfo (DER) of a PKCS#8 key, to match it with its certificate.
pub fn key_spki(key: &PrivatePkcs8KeyDer<'_>) -> Result<Vec<u8>, CertError> {
    use rcgen::PublicKeyData;
    let kp = rcgen::KeyPair::try_from(key).map_err(|e| CertError::Key(e.to_string()))?;
    Ok(kp.subject_public_key_info())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn groups_the_manuals_thumbprint() {
        assert_eq!(
            group_thumbprint("40a6c2373d05322d6408706504f141d00775cd57").as_deref(),
            Some("40A6C237 3D05322D 64087065 04F141D0 0775CD57")
        );
        assert_eq!(
            group_thumbprint("40A6C237 3D05322D 64087065 04F141D0 0775CD57").as_deref(),
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

    proptest! {
        #[test]
        fn any_sha1_groups_into_five_by_eight(bytes in proptest::collection::vec(any::<u8>(), 20)) {
            let hex = hex::encode(&bytes);
            let grouped = group_thumbprint(&hex).unwrap();
            prop_assert_eq!(grouped.len(), 44);
            prop_assert_eq!(grouped.split(' ').count(), 5);
            prop_assert!(grouped.split(' ').all(|g| g.len() == 8));
            prop_assert_eq!(grouped.replace(' ', ""), hex.to_uppercase());
            prop_assert_eq!(group_thumbprint(&grouped), Some(grouped.clone()));
        }
    }

    #[test]
    fn serials_compare_without_case_separators_or_leading_zeros() {
        assert_eq!(normalize_serial("00:AB:cd"), "abcd");
        assert_eq!(normalize_serial("0abcd"), normalize_serial("ABCD"));
        assert_eq!(normalize_serial("00"), "0");
    }

    #[test]
    fn rsa_keys_keep_their_size() {
        for (size, want) in [
            (rcgen::RsaKeySize::_2048, KeyType::Rsa2048),
            (rcgen::RsaKeySize::_3072, KeyType::Rsa3072),
            (rcgen::RsaKeySize::_4096, KeyType::Rsa4096),
        ] {
            let key = rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, size).unwrap();
            let cert = rcgen::CertificateParams::new(vec!["x".to_owned()])
                .unwrap()
                .self_signed(&key)
                .unwrap();
            let facts = CertFacts::parse(cert.der()).unwrap();
            assert_eq!(facts.key_type, Some(want));
        }
    }

    #[test]
    fn reads_a_client_certificate_of_the_test_pki() {
        let now = OffsetDateTime::now_utc();
        let pki = certs_gen::Pki::generate(certs_gen::KeyType::P256, now).unwrap();
        let id = pki
            .issue_client(&certs_gen::ClientSpec::ending(
                "user01",
                now,
                -time::Duration::days(10),
            ))
            .unwrap();
        let facts = CertFacts::parse(&id.cert).unwrap();
        let names = certs_gen::PkiNames::default();
        assert_eq!(facts.ca_issuers, vec![names.issuing_ca_cert_url()]);
        assert_eq!(facts.crl_urls, vec![names.issuing_ca_crl_url()]);
        assert_eq!(facts.key_type, Some(KeyType::P256));
        assert!(!facts.is_ca && !facts.is_self_issued());
        assert_eq!(facts.sha1, certs_gen::info::sha1_hex(&id.cert));
        let info = id.info().unwrap();
        assert_eq!(facts.serial, info.serial);
        assert_eq!(facts.not_after, info.not_after);
        let key = pem_private_key(id.key_pem().as_bytes()).unwrap();
        assert_eq!(key_spki(&key).unwrap(), facts.spki_der);
        let root = CertFacts::parse(pki.client_root.der()).unwrap();
        assert!(root.is_ca && root.is_self_issued());
        let chain = pem_certificates(id.chain_pem().as_bytes()).unwrap();
        assert_eq!(chain.len(), 2);
        let reencoded = pem_certificates(pem_encode("CERTIFICATE", &id.cert).as_bytes()).unwrap();
        assert_eq!(reencoded, vec![id.cert.clone()]);
    }
}
