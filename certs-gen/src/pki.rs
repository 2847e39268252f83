//! The two trees of a test PKI (DESIGN "two separate PKIs"): a web root that
//! signs the servers' TLS certificates, and a client-CA root with one issuing
//! CA that signs customers' client certificates, plus their CRLs.

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams,
    CertificateSigningRequestParams, CrlDistributionPoint, CustomExtension, DistinguishedName,
    DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
    RevokedCertParams, SerialNumber,
};
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, PrivatePkcs8KeyDer};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use x509_cert::der::oid::db::rfc5912::ID_AD_CA_ISSUERS;
use x509_cert::der::{Encode, Length};

use crate::error::Error;
use crate::identity::Identity;
use crate::info::CertInfo;
use crate::key::KeyType;
use crate::names::{PkiNames, WEBRA1_HOST, WEBRA2_HOST};

/// How long the CAs live around the PKI's "now": long enough that moving a
/// virtual clock by years never invalidates them.
const ROOT_BACKDATE: Duration = Duration::days(3650);
const ROOT_LIFETIME: Duration = Duration::days(7300);
/// Server certificates: valid for a year before and two years after "now", so
/// a client on the real clock accepts them while a mock's virtual clock moves.
const SERVER_BACKDATE: Duration = Duration::days(400);
const SERVER_LIFETIME: Duration = Duration::days(800);
/// The lifetime of a client certificate when a spec gives only its end (D8.1).
pub const DEFAULT_CLIENT_LIFETIME: Duration = Duration::days(365);
/// CRLs promise their successor within this time.
const CRL_LIFETIME: Duration = Duration::days(7);

/// A certificate authority: its parameters, key and certificate.
pub struct Ca {
    params: CertificateParams,
    key: KeyPair,
    der: CertificateDer<'static>,
}

impl std::fmt::Debug for Ca {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ca")
            .field(
                "subject",
                &self.info().map(|i| i.subject).unwrap_or_default(),
            )
            .finish_non_exhaustive()
    }
}

impl Ca {
    /// The CA certificate, DER.
    pub fn der(&self) -> &CertificateDer<'static> {
        &self.der
    }

    /// The CA certificate, PEM.
    pub fn pem(&self) -> String {
        crate::pem::certificate(&self.der)
    }

    /// The CA's signing key.
    pub fn key(&self) -> &KeyPair {
        &self.key
    }

    /// The CA's subject as rcgen writes it into what it signs.
    pub fn subject(&self) -> &DistinguishedName {
        &self.params.distinguished_name
    }

    /// What x509-cert reads back from the certificate.
    pub fn info(&self) -> Result<CertInfo, Error> {
        Ok(CertInfo::from_der(&self.der)?)
    }

    fn issuer(&self) -> Issuer<'_, &KeyPair> {
        Issuer::from_params(&self.params, &self.key)
    }
}

/// Why a certificate is on a CRL (RFC 5280 reason codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RevocationReason {
    /// No reason given.
    #[default]
    Unspecified,
    /// The key was compromised.
    KeyCompromise,
    /// The subject's affiliation changed.
    AffiliationChanged,
    /// Replaced by another certificate (a reissue).
    Superseded,
    /// No longer needed.
    CessationOfOperation,
    /// Temporarily on hold.
    CertificateHold,
}

impl RevocationReason {
    fn to_rcgen(self) -> rcgen::RevocationReason {
        match self {
            Self::Unspecified => rcgen::RevocationReason::Unspecified,
            Self::KeyCompromise => rcgen::RevocationReason::KeyCompromise,
            Self::AffiliationChanged => rcgen::RevocationReason::AffiliationChanged,
            Self::Superseded => rcgen::RevocationReason::Superseded,
            Self::CessationOfOperation => rcgen::RevocationReason::CessationOfOperation,
            Self::CertificateHold => rcgen::RevocationReason::CertificateHold,
        }
    }
}

/// One entry of a CRL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    /// Serial number of the revoked certificate, big-endian bytes.
    pub serial: Vec<u8>,
    /// When the CA processed the revocation.
    #[serde(with = "time::serde::rfc3339")]
    pub revoked_at: OffsetDateTime,
    /// The reason code written into the entry.
    pub reason: RevocationReason,
}

/// What a client certificate should look like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSpec {
    /// The customer's common name.
    pub common_name: String,
    /// Organisation; the PKI's client organisation when `None`.
    pub organization: Option<String>,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// Key type; the PKI's when `None`.
    pub key_type: Option<KeyType>,
    /// Serial number; random when `None`.
    pub serial: Option<Vec<u8>>,
}

impl ClientSpec {
    /// A certificate ending at `now + end` (negative: already expired) that
    /// lived the default year before that.
    pub fn ending(common_name: impl Into<String>, now: OffsetDateTime, end: Duration) -> Self {
        let not_after = now + end;
        Self {
            common_name: common_name.into(),
            organization: None,
            not_before: not_after - DEFAULT_CLIENT_LIFETIME,
            not_after,
            key_type: None,
            serial: None,
        }
    }
}

/// A complete test PKI: both trees, the two servers' identities.
#[derive(Debug)]
pub struct Pki {
    /// The names the CAs and paths use.
    pub names: PkiNames,
    /// Key type of every key in the PKI (client specs may override theirs).
    pub key_type: KeyType,
    /// The "now" everything was generated relative to.
    pub now: OffsetDateTime,
    /// Root of the servers' TLS certificates.
    pub web_root: Ca,
    /// webra2's TLS identity (SANs: its hostname, `localhost`, `127.0.0.1`).
    pub webra2_server: Identity,
    /// webra1's TLS identity.
    pub webra1_server: Identity,
    /// The client-CA root (the one whose thumbprint the customer checks).
    pub client_root: Ca,
    /// The issuing CA below the client-CA root.
    pub issuing_ca: Ca,
}

impl Pki {
    /// Generates a PKI with the default names.
    pub fn generate(key_type: KeyType, now: OffsetDateTime) -> Result<Self, Error> {
        Self::generate_named(PkiNames::default(), key_type, now)
    }

    /// Generates a PKI with the given names.
    pub fn generate_named(
        names: PkiNames,
        key_type: KeyType,
        now: OffsetDateTime,
    ) -> Result<Self, Error> {
        crate::now::check_now(now)?;
        let now = truncate_to_seconds(now);
        let web_root = self_signed_ca(&names.organization, &names.web_root_cn, key_type, now)?;
        let webra2_server = server_identity(&web_root, &names, WEBRA2_HOST, key_type, now)?;
        let webra1_server = server_identity(&web_root, &names, WEBRA1_HOST, key_type, now)?;
        let client_root =
            self_signed_ca(&names.organization, &names.client_root_cn, key_type, now)?;
        let issuing_ca = issuing_ca(&client_root, &names, key_type, now)?;
        Ok(Self {
            names,
            key_type,
            now,
            web_root,
            webra2_server,
            webra1_server,
            client_root,
            issuing_ca,
        })
    }

    /// The subject a client certificate of this PKI carries.
    pub fn client_subject(
        &self,
        common_name: &str,
        organization: Option<&str>,
    ) -> DistinguishedName {
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, country_jp());
        dn.push(
            DnType::OrganizationName,
            organization.unwrap_or(&self.names.client_organization),
        );
        dn.push(DnType::CommonName, common_name);
        dn
    }

    /// Issues a client certificate with a fresh key.
    pub fn issue_client(&self, spec: &ClientSpec) -> Result<Identity, Error> {
        let key_type = spec.key_type.unwrap_or(self.key_type);
        let key = key_type.generate()?;
        let subject = self.client_subject(&spec.common_name, spec.organization.as_deref());
        let params = self.client_params(
            subject,
            spec.not_before,
            spec.not_after,
            spec.serial.clone(),
            key_type,
        )?;
        let cert = params.signed_by(&key, &self.issuing_ca.issuer())?;
        Ok(Identity {
            key_type,
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
            cert: cert.der().clone(),
            chain: vec![self.issuing_ca.der.clone(), self.client_root.der.clone()],
        })
    }

    /// Signs a customer's CSR as the issuing CA: the RA's issuance. The CSR's
    /// own subject and extensions are ignored; `subject`, the validity and the
    /// extensions are the CA's.
    pub fn sign_client_csr(
        &self,
        csr_der: &[u8],
        subject: DistinguishedName,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
        serial: Option<Vec<u8>>,
    ) -> Result<CertificateDer<'static>, Error> {
        let csr = CertificateSigningRequestParams::from_der(&csr_der.into())?;
        let key_type =
            KeyType::of_algorithm(csr.public_key.algorithm()).ok_or(Error::UnsupportedKey)?;
        let params = self.client_params(subject, not_before, not_after, serial, key_type)?;
        let request = CertificateSigningRequestParams {
            params,
            public_key: csr.public_key,
        };
        Ok(request.signed_by(&self.issuing_ca.issuer())?.der().clone())
    }

    /// The issuing CA's CRL, listing `revoked` (client certificates).
    pub fn issuing_crl(
        &self,
        revoked: &[Revocation],
        this_update: OffsetDateTime,
        number: u64,
    ) -> Result<CertificateRevocationListDer<'static>, Error> {
        crl(&self.issuing_ca, revoked, this_update, number)
    }

    /// The client-CA root's CRL, listing `revoked` (CA certificates).
    pub fn root_crl(
        &self,
        revoked: &[Revocation],
        this_update: OffsetDateTime,
        number: u64,
    ) -> Result<CertificateRevocationListDer<'static>, Error> {
        crl(&self.client_root, revoked, this_update, number)
    }

    fn client_params(
        &self,
        subject: DistinguishedName,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
        serial: Option<Vec<u8>>,
        key_type: KeyType,
    ) -> Result<CertificateParams, Error> {
        if not_after <= not_before {
            return Err(Error::Validity {
                not_before,
                not_after,
            });
        }
        let mut params = CertificateParams::default();
        params.distinguished_name = subject;
        params.not_before = truncate_to_seconds(not_before);
        params.not_after = truncate_to_seconds(not_after);
        params.serial_number = Some(SerialNumber::from_slice(
            &serial.unwrap_or_else(random_serial),
        ));
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = key_type.end_entity_key_usages();
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.use_authority_key_identifier_extension = true;
        params.key_identifier_method = KeyIdMethod::Sha256;
        params.crl_distribution_points = vec![CrlDistributionPoint {
            uris: vec![self.names.issuing_ca_crl_url()],
        }];
        params.custom_extensions = vec![aia_ca_issuers(&self.names.issuing_ca_cert_url())?];
        Ok(params)
    }
}

/// `C=JP`, as a PrintableString (RFC 5280 requires it for countryName).
fn country_jp() -> rcgen::DnValue {
    match rcgen::string::PrintableString::try_from("JP") {
        Ok(p) => rcgen::DnValue::PrintableString(p),
        Err(_) => rcgen::DnValue::Utf8String("JP".into()),
    }
}

fn self_signed_ca(
    organization: &str,
    common_name: &str,
    key_type: KeyType,
    now: OffsetDateTime,
) -> Result<Ca, Error> {
    let key = key_type.generate()?;
    let mut params = ca_params(organization, common_name, now);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let der = params.self_signed(&key)?.der().clone();
    Ok(Ca { params, key, der })
}

fn issuing_ca(
    root: &Ca,
    names: &PkiNames,
    key_type: KeyType,
    now: OffsetDateTime,
) -> Result<Ca, Error> {
    let key = key_type.generate()?;
    let mut params = ca_params(&names.organization, &names.issuing_ca_cn, now);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.not_before = now - ROOT_BACKDATE / 2;
    params.not_after = now + ROOT_LIFETIME / 2;
    params.use_authority_key_identifier_extension = true;
    params.crl_distribution_points = vec![CrlDistributionPoint {
        uris: vec![names.root_crl_url()],
    }];
    params.custom_extensions = vec![aia_ca_issuers(&names.root_cert_url())?];
    let der = params.signed_by(&key, &root.issuer())?.der().clone();
    Ok(Ca { params, key, der })
}

fn ca_params(organization: &str, common_name: &str, now: OffsetDateTime) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, country_jp());
    dn.push(DnType::OrganizationName, organization);
    dn.push(DnType::CommonName, common_name);
    params.distinguished_name = dn;
    params.not_before = now - ROOT_BACKDATE;
    params.not_after = now + ROOT_LIFETIME;
    params.serial_number = Some(SerialNumber::from_slice(&random_serial()));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params
}

fn server_identity(
    web_root: &Ca,
    names: &PkiNames,
    host: &str,
    key_type: KeyType,
    now: OffsetDateTime,
) -> Result<Identity, Error> {
    let key = key_type.generate()?;
    let mut params = CertificateParams::new(vec![
        host.to_owned(),
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
    ])?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, names.organization.as_str());
    dn.push(DnType::CommonName, host);
    params.distinguished_name = dn;
    params.not_before = now - SERVER_BACKDATE;
    params.not_after = now + SERVER_LIFETIME;
    params.serial_number = Some(SerialNumber::from_slice(&random_serial()));
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = key_type.end_entity_key_usages();
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let cert = params.signed_by(&key, &web_root.issuer())?;
    Ok(Identity {
        key_type,
        key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        cert: cert.der().clone(),
        chain: vec![web_root.der.clone()],
    })
}

fn crl(
    ca: &Ca,
    revoked: &[Revocation],
    this_update: OffsetDateTime,
    number: u64,
) -> Result<CertificateRevocationListDer<'static>, Error> {
    let this_update = truncate_to_seconds(this_update);
    let params = CertificateRevocationListParams {
        this_update,
        next_update: this_update + CRL_LIFETIME,
        crl_number: SerialNumber::from_slice(&number.to_be_bytes()),
        issuing_distribution_point: None,
        revoked_certs: revoked
            .iter()
            .map(|r| RevokedCertParams {
                serial_number: SerialNumber::from_slice(&r.serial),
                revocation_time: truncate_to_seconds(r.revoked_at),
                reason_code: Some(r.reason.to_rcgen()),
                invalidity_date: None,
            })
            .collect(),
        key_identifier_method: KeyIdMethod::Sha256,
    };
    Ok(params.signed_by(&ca.issuer())?.der().clone())
}

/// The AIA extension with one caIssuers URI (RFC 5280 4.2.2.1). rcgen has no
/// field for it, so x509-cert's type is encoded here.
fn aia_ca_issuers(uri: &str) -> Result<CustomExtension, Error> {
    use x509_cert::der::asn1::Ia5String;
    use x509_cert::ext::pkix::name::GeneralName;
    use x509_cert::ext::pkix::{AccessDescription, AuthorityInfoAccessSyntax};
    let aia = AuthorityInfoAccessSyntax(vec![AccessDescription {
        access_method: ID_AD_CA_ISSUERS,
        access_location: GeneralName::UniformResourceIdentifier(Ia5String::new(uri)?),
    }]);
    // id-pe-authorityInfoAccess 1.3.6.1.5.5.7.1.1
    Ok(CustomExtension::from_oid_content(
        &[1, 3, 6, 1, 5, 5, 7, 1, 1],
        aia.to_der()?,
    ))
}

/// `content` (already DER) as one TLV of `tag`, the length written by the
/// der crate: for tests that assemble DER rcgen would not write (a CSR with
/// unused bits, say).
pub fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    // der's lengths reach 256 MiB; test DER is far below that.
    Length::try_from(content.len())
        .and_then(|l| l.encode_to_vec(&mut out))
        .expect("test DER under der's 256 MiB length limit");
    out.extend_from_slice(content);
    out
}

/// A random positive 16-byte serial number.
pub fn random_serial() -> Vec<u8> {
    let mut serial = vec![0u8; 16];
    // aws-lc's RNG only fails if the process cannot read entropy at all;
    // then no key could be made either and generation fails just after.
    let _ = aws_lc_rs::rand::fill(&mut serial);
    serial[0] = (serial[0] & 0x7f) | 0x01;
    serial
}

/// X.509 times have whole seconds; so do all times here.
pub fn truncate_to_seconds(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(0).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_use_the_long_form_past_127() {
        assert_eq!(der_tlv(0x04, &[0; 3])[..2], [0x04, 3]);
        assert_eq!(der_tlv(0x04, &[0; 200])[..3], [0x04, 0x81, 200]);
        assert_eq!(der_tlv(0x04, &[0; 300])[..4], [0x04, 0x82, 0x01, 0x2c]);
    }

    #[test]
    fn a_pki_is_made_at_both_ends_of_the_range_of_now_and_refused_beyond() {
        use crate::now::{EARLIEST_NOW, LATEST_NOW};
        for now in [EARLIEST_NOW, LATEST_NOW] {
            let pki = Pki::generate(KeyType::P256, now).unwrap();
            // The farthest client windows still make certificates that parse.
            let max = Duration::seconds(fileformat::Offset::MAX_SECONDS);
            let far = ClientSpec::ending("edge", now, max);
            pki.issue_client(&far).unwrap().info().unwrap();
            let mut early = ClientSpec::ending("edge", now, -max);
            early.not_before = early.not_after - max;
            pki.issue_client(&early).unwrap().info().unwrap();
        }
        for now in [
            EARLIEST_NOW - Duration::seconds(1),
            LATEST_NOW + Duration::seconds(1),
        ] {
            let err = Pki::generate(KeyType::P256, now).unwrap_err();
            assert!(
                err.to_string()
                    .contains("outside the years a test PKI can be made around"),
                "{err}"
            );
        }
    }

    #[test]
    fn serials_are_positive_and_nonzero() {
        for _ in 0..100 {
            let s = random_serial();
            assert_eq!(s.len(), 16);
            assert!(s[0] & 0x80 == 0 && s[0] != 0);
        }
    }
}
