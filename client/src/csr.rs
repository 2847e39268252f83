//! The PKCS#10 request of a renewal (docs/protocol.md 2.4): the subject is
//! the login's `subject_der` copied byte for byte, the key is the new one,
//! no attributes. The DER is assembled here so that nothing re-encodes the
//! subject; rcgen signs it.

use rcgen::{KeyPair, PublicKeyData, SigningKey};

use x509_cert::der::asn1::{Any, BitString};
use x509_cert::der::oid::db::rfc5912::{ECDSA_WITH_SHA_256, SHA_256_WITH_RSA_ENCRYPTION};
use x509_cert::der::{self, Decode, Encode, Tag, TagNumber};
use x509_cert::spki::AlgorithmIdentifierOwned;

/// Why no CSR could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsrError {
    /// `subject_der` is not a DER Name.
    #[error("subject_der is not a DER X.501 Name: {0}")]
    Subject(String),
    /// A key type the protocol does not use.
    #[error("unsupported key algorithm for a CSR")]
    Algorithm,
    /// Signing failed.
    #[error("signing the CSR failed: {0}")]
    Sign(String),
}

/// `content` (already DER) as one TLV of `tag`, the header written by der.
fn tlv(tag: Tag, content: &[u8]) -> der::Result<Vec<u8>> {
    Any::new(tag, content)?.to_der()
}

/// A DER PKCS#10 request for `key` with exactly `subject_der` as subject.
/// The subject and the public key go in as the bytes they are; the rest is
/// encoded by the der crate.
pub fn build(key: &KeyPair, subject_der: &[u8]) -> Result<Vec<u8>, CsrError> {
    x509_cert::name::Name::from_der(subject_der)
        .map(|_| ())
        .map_err(|e| CsrError::Subject(e.to_string()))?;
    let alg = if key.algorithm() == &rcgen::PKCS_ECDSA_P256_SHA256 {
        // ecdsa-with-SHA256, no parameters (RFC 5758).
        AlgorithmIdentifierOwned {
            oid: ECDSA_WITH_SHA_256,
            parameters: None,
        }
    } else if key.algorithm() == &rcgen::PKCS_RSA_SHA256 {
        // sha256WithRSAEncryption, NULL parameters (RFC 4055).
        AlgorithmIdentifierOwned {
            oid: SHA_256_WITH_RSA_ENCRYPTION,
            parameters: Some(Any::null()),
        }
    } else {
        return Err(CsrError::Algorithm);
    };
    let encoding = |e: der::Error| CsrError::Sign(e.to_string());
    // version v1(0); attributes [0] IMPLICIT SET OF: none.
    let version = 0u8.to_der().map_err(encoding)?;
    let attributes = tlv(
        Tag::ContextSpecific {
            constructed: true,
            number: TagNumber(0),
        },
        &[],
    )
    .map_err(encoding)?;
    let info = tlv(
        Tag::Sequence,
        &[
            &version[..],
            subject_der,
            &key.subject_public_key_info(),
            &attributes[..],
        ]
        .concat(),
    )
    .map_err(encoding)?;
    let signature = key.sign(&info).map_err(|e| CsrError::Sign(e.to_string()))?;
    let bits = BitString::from_bytes(&signature)
        .and_then(|b| b.to_der())
        .map_err(encoding)?;
    let alg = alg.to_der().map_err(encoding)?;
    tlv(Tag::Sequence, &[&info[..], &alg, &bits].concat()).map_err(encoding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::{CertFacts, KeyType};
    use certs_gen::{ClientSpec, Pki};
    use time::{Duration, OffsetDateTime};
    use x509_cert::der::Encode;

    fn check(key_type: KeyType, pki_type: certs_gen::KeyType) {
        let now = OffsetDateTime::now_utc();
        let pki = Pki::generate(pki_type, now).unwrap();
        let old = pki
            .issue_client(&ClientSpec::ending("ACME user01", now, -Duration::days(10)))
            .unwrap();
        let subject_der = CertFacts::parse(&old.cert).unwrap().subject_der;
        let key = key_type.generate().unwrap();
        let der = build(&key, &subject_der).unwrap();

        // A second implementation reads the same subject bytes back.
        let req = x509_cert::request::CertReq::from_der(&der).unwrap();
        assert_eq!(req.info.subject.to_der().unwrap(), subject_der);
        assert_eq!(
            req.info.public_key.to_der().unwrap(),
            key.subject_public_key_info()
        );
        // rcgen parses it and checks its self-signature.
        let parsed = rcgen::CertificateSigningRequestParams::from_der(&der.clone().into()).unwrap();
        assert_eq!(parsed.public_key.der_bytes(), key.der_bytes());
        // The test CA signs it.
        let subject = pki.client_subject("ACME user01", None);
        let new = pki
            .sign_client_csr(&der, subject, now, now + Duration::days(365), None)
            .unwrap();
        let facts = CertFacts::parse(&new).unwrap();
        assert_eq!(facts.spki_der, key.subject_public_key_info());
        assert_eq!(facts.subject_der, subject_der);
    }

    #[test]
    fn p256_csr_carries_the_exact_subject() {
        check(KeyType::P256, certs_gen::KeyType::P256);
    }

    #[test]
    fn rsa_csr_carries_the_exact_subject() {
        check(KeyType::Rsa2048, certs_gen::KeyType::P256);
    }

    #[test]
    fn a_subject_that_is_not_a_name_is_refused() {
        let key = KeyType::P256.generate().unwrap();
        assert!(matches!(
            build(&key, b"\x04\x03abc"),
            Err(CsrError::Subject(_))
        ));
    }
}
