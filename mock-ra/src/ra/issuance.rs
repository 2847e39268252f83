//! Issuance: the CSR checks and the one atomic step that signs a renewal
//! and marks the order fetched (D7.3). The ledger and the login tickets it
//! uses live in `ledger` and `tickets` (re-exported here).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use certs_gen::{CertInfo, Pki};
use rustls_pki_types::CertificateDer;
use time::OffsetDateTime;
use x509_parser::oid_registry::{OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_PKCS1_RSAENCRYPTION};
use x509_parser::prelude::FromDer;

use crate::ra::ledger::{LedgerEntry, Origin};
use crate::wire::protocol::KEY_TYPES;

use crate::ra::accounts::{AccountCertificate, CertStatus, OrderState};
use crate::ra::decision::{Presented, Proof, standing};
use crate::ra::state::State;
use crate::ra::tickets::TicketError;
use crate::wire::problem::ApiError;
use crate::world::Policy;

/// A CSR that passed every check of protocol 2.4.
#[derive(Debug, Clone)]
pub struct CheckedCsr {
    /// The DER request.
    pub der: Vec<u8>,
    /// Its key type, by its wire name (one of [`KEY_TYPES`]).
    pub key_type: &'static str,
}

/// The smallest RSA public exponent the RA signs, as public CAs require
/// (CA/Browser Forum Baseline Requirements 6.1.6: odd, at least 65537).
pub const MIN_RSA_EXPONENT: u64 = 65_537;

/// Why a CSR is refused (protocol 2.4): the text is the problem body's
/// `detail`, and says what was wrong and what was expected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CsrError {
    /// The base64 has whitespace (a line break, a space) in it.
    #[error("csr: whitespace at offset {at}: expected base64 without line breaks or spaces")]
    Whitespace {
        /// The byte offset of the first whitespace.
        at: usize,
    },
    /// The text is not canonical standard base64.
    #[error("csr: not base64 ({0})")]
    Base64(#[source] base64::DecodeError),
    /// x509-parser does not read a PKCS#10 request.
    #[error("csr: not a DER PKCS#10 request ({0})")]
    NotPkcs10(#[source] x509_parser::nom::Err<x509_parser::error::X509Error>),
    /// Bytes follow the DER request.
    #[error("csr: {0} bytes after the DER request")]
    TrailingBytes(usize),
    /// x509-cert, the strict reader, refuses the DER.
    #[error("csr: not well-formed DER ({0})")]
    NotStrictDer(#[source] x509_cert::der::Error),
    /// Signed with another algorithm than the key calls for.
    #[error("csr: signed with {oid}: expected {expected} for its key")]
    SignatureAlgorithm {
        /// The signature algorithm's OID, dotted.
        oid: String,
        /// The algorithm the key calls for, by name.
        expected: &'static str,
    },
    /// The signature's BIT STRING declares unused bits.
    #[error("csr: the signature BIT STRING declares {0} unused bits: expected 0")]
    SignatureUnusedBits(u8),
    /// The public key's BIT STRING declares unused bits.
    #[error("csr: the public key BIT STRING declares {0} unused bits: expected 0")]
    KeyUnusedBits(u8),
    /// The self-signature does not verify.
    #[error("csr: the self-signature does not verify ({0})")]
    Signature(#[source] x509_parser::error::X509Error),
    /// The subject is not the one the login handed out.
    #[error("csr: subject `{subject}` is not byte-equal to the login's subject_der")]
    Subject {
        /// The request's subject, as x509-parser prints it.
        subject: String,
    },
    /// rcgen, which signs it, cannot read it (an extension it does not
    /// understand).
    #[error("csr: the RA cannot read it ({0})")]
    Unsignable(#[source] rcgen::Error),
    /// An EC key on another curve than P-256.
    #[error(
        "csr: EC key on a curve other than P-256: expected one of {}",
        offered()
    )]
    Curve,
    /// An RSA key under 2048 bits.
    #[error(
        "csr: RSA key of {bits} bits: expected 2048 bits or more ({})",
        offered()
    )]
    RsaTooSmall {
        /// The modulus's size.
        bits: usize,
    },
    /// An RSA key of a size the login does not offer.
    #[error("csr: RSA key of {bits} bits: expected one of {}", offered())]
    RsaSize {
        /// The modulus's size.
        bits: usize,
    },
    /// An RSA exponent that is even or under [`MIN_RSA_EXPONENT`].
    #[error("csr: RSA public exponent {0}: expected an odd exponent of {MIN_RSA_EXPONENT} or more")]
    RsaExponent(u64),
    /// An RSA exponent over 64 bits.
    #[error(
        "csr: RSA public exponent over 64 bits: expected an odd exponent of \
         {MIN_RSA_EXPONENT} or more that fits in 64 bits"
    )]
    RsaExponentTooLarge,
    /// A key algorithm other than EC and RSA.
    #[error("csr: unsupported key algorithm {oid}: expected one of {}", offered())]
    KeyAlgorithm {
        /// The key algorithm's OID, dotted.
        oid: String,
    },
    /// A key type [`KEY_TYPES`] does not list.
    #[error("csr: key type {name} is not offered")]
    NotOffered {
        /// The key type's wire name.
        name: String,
    },
}

/// The key types the login offers, as the errors list them.
fn offered() -> String {
    KEY_TYPES.join(", ")
}

impl From<CsrError> for ApiError {
    /// A 400 `bad request` whose `detail` is the error's text.
    fn from(e: CsrError) -> Self {
        ApiError::BadRequest(e.to_string())
    }
}

/// Checks a base64 DER PKCS#10 request (protocol 2.4, in its order): the
/// base64 is canonical (standard alphabet, padded, no whitespace), the DER
/// is well-formed for two parsers, the key is one of [`KEY_TYPES`] (an RSA
/// exponent of at least [`MIN_RSA_EXPONENT`]), the signature algorithm is
/// the one the key calls for, the BIT STRINGs have no unused bits, the
/// self-signature verifies and the subject is byte-equal to `subject_der`.
/// The error says what was wrong.
pub fn check_csr(csr_b64: &str, subject_der: &[u8]) -> Result<CheckedCsr, CsrError> {
    if let Some(at) = csr_b64.find(|c: char| c.is_whitespace()) {
        return Err(CsrError::Whitespace { at });
    }
    let der = STANDARD
        .decode(csr_b64.as_bytes())
        .map_err(CsrError::Base64)?;
    let (rest, csr) = x509_parser::certification_request::X509CertificationRequest::from_der(&der)
        .map_err(CsrError::NotPkcs10)?;
    if !rest.is_empty() {
        return Err(CsrError::TrailingBytes(rest.len()));
    }
    // A second, strict DER reader: x509-parser tolerates some malformed
    // encodings (an INTEGER tag in place of the signature algorithm's OID
    // was accepted and signed). The request must be well-formed DER for
    // x509-cert too, signed with the algorithm its key calls for.
    let strict = {
        use x509_cert::der::Decode;
        x509_cert::request::CertReq::from_der(&der).map_err(CsrError::NotStrictDer)?
    };
    // The key first: a weak key is named as such, not as a signature that
    // the verifier (RSA of 2048 bits or more) refuses to check.
    let info = &csr.certification_request_info;
    let key_type = key_type_of(&info.subject_pki)?;
    let (want, name) = if key_type == "p256" {
        (OID_ECDSA_WITH_SHA256, "ecdsa-with-SHA256")
    } else {
        (OID_SHA256_WITH_RSA, "sha256WithRSAEncryption")
    };
    if strict.algorithm.oid.to_string() != want {
        return Err(CsrError::SignatureAlgorithm {
            oid: strict.algorithm.oid.to_string(),
            expected: name,
        });
    }
    // Both BIT STRINGs hold whole octets (a signature, a public key): a
    // declared unused bit is a malformed request, even though the bits
    // that remain may verify (RFC 5280 4.1.1.3, X.690 8.6.2).
    if strict.signature.unused_bits() != 0 {
        return Err(CsrError::SignatureUnusedBits(
            strict.signature.unused_bits(),
        ));
    }
    let spki_unused = strict.info.public_key.subject_public_key.unused_bits();
    if spki_unused != 0 {
        return Err(CsrError::KeyUnusedBits(spki_unused));
    }
    csr.verify_signature().map_err(CsrError::Signature)?;
    if info.subject.as_raw() != subject_der {
        return Err(CsrError::Subject {
            subject: info.subject.to_string(),
        });
    }
    // rcgen signs it later; it refuses extensions it does not understand,
    // so find that out now, before anything changes.
    rcgen::CertificateSigningRequestParams::from_der(&der.as_slice().into())
        .map_err(CsrError::Unsignable)?;
    Ok(CheckedCsr { der, key_type })
}

/// ecdsa-with-SHA256 (RFC 5758).
const OID_ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";
/// sha256WithRSAEncryption (RFC 4055).
const OID_SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";

/// The key type of a CSR's public key, by its wire name, if the RA signs
/// it: P-256, or RSA of one of the sizes [`KEY_TYPES`] lists with an odd
/// exponent of at least [`MIN_RSA_EXPONENT`].
fn key_type_of(
    spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>,
) -> Result<&'static str, CsrError> {
    if spki.algorithm.algorithm == OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .clone()
            .and_then(|p| x509_parser::der_parser::oid::Oid::try_from(p).ok());
        if curve.as_ref() != Some(&OID_EC_P256) {
            return Err(CsrError::Curve);
        }
        offered_type("p256")
    } else if spki.algorithm.algorithm == OID_PKCS1_RSAENCRYPTION {
        let (bits, exponent) = match spki.parsed() {
            Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => {
                (modulus_bits(rsa.modulus), exponent_value(rsa.exponent))
            }
            _ => (0, None),
        };
        if bits < 2048 {
            return Err(CsrError::RsaTooSmall { bits });
        }
        let key_type =
            offered_type(&format!("rsa{bits}")).map_err(|_| CsrError::RsaSize { bits })?;
        match exponent {
            Some(e) if e >= MIN_RSA_EXPONENT && e % 2 == 1 => Ok(key_type),
            Some(e) => Err(CsrError::RsaExponent(e)),
            None => Err(CsrError::RsaExponentTooLarge),
        }
    } else {
        Err(CsrError::KeyAlgorithm {
            oid: spki.algorithm.algorithm.to_string(),
        })
    }
}

/// The entry of [`KEY_TYPES`] named `name`: the one list the login offers
/// and the CSR check accepts.
fn offered_type(name: &str) -> Result<&'static str, CsrError> {
    KEY_TYPES
        .iter()
        .copied()
        .find(|k| *k == name)
        .ok_or_else(|| CsrError::NotOffered {
            name: name.to_owned(),
        })
}

/// An RSA exponent's value (big-endian bytes), if it fits in 64 bits.
fn exponent_value(bytes: &[u8]) -> Option<u64> {
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    let digits = &bytes[skip..];
    if digits.len() > 8 {
        return None;
    }
    Some(digits.iter().fold(0u64, |v, b| (v << 8) | u64::from(*b)))
}

fn modulus_bits(modulus: &[u8]) -> usize {
    let trimmed: &[u8] = {
        let skip = modulus.iter().take_while(|b| **b == 0).count();
        &modulus[skip..]
    };
    match trimmed.first() {
        Some(first) => trimmed.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

/// The answer to a successful issuance.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The account.
    pub account: String,
    /// The new certificate.
    pub der: CertificateDer<'static>,
    /// What x509-cert reads from it.
    pub info: CertInfo,
}

/// The one atomic step (run under the state lock): use the ticket, decide
/// again what the login decided (the world may have moved since: the
/// clock, a reissue, a lock, a revocation), find the order still `ready`,
/// sign, mark it `fetched`, record the certificate.
pub(crate) fn issue(
    state: &mut State,
    pki: &Pki,
    policy: &Policy,
    token: &str,
    presented_serial: Option<&str>,
    csr: &CheckedCsr,
    now: OffsetDateTime,
) -> Result<Issued, ApiError> {
    let ticket = state.tickets.consume(token, presented_serial, now)?;
    let State {
        accounts, ledger, ..
    } = state;
    if !accounts.contains_key(&ticket.account) {
        return Err(TicketError::AccountGone.into());
    }
    let entry = ledger
        .get(&ticket.serial)
        .ok_or(TicketError::CertificateUnknown)?;
    // The login's decision, again, in the login's order (protocol 2.6).
    let presented = Presented {
        serial: &ticket.serial,
        not_after: entry.not_after,
        owner: Some(&ticket.account),
        revoked: entry.revoked_at(now),
    };
    let account = standing(accounts, presented, Proof::Ticket, policy, now)?;
    let not_before = certs_gen::truncate_to_seconds(now);
    let lifetime = policy.issued_lifetime.duration();
    let der = pki
        .sign_client_csr(
            &csr.der,
            pki.client_subject(&account.cn, None),
            not_before,
            not_before + lifetime,
            None,
        )
        .map_err(|e| ApiError::Internal(format!("signing the CSR failed: {e}")))?;
    let info = CertInfo::from_der(&der).map_err(|e| {
        ApiError::Internal(format!("the issued certificate does not read back: {e}"))
    })?;
    for c in &mut account.certificates {
        if c.status == CertStatus::Current {
            c.status = CertStatus::Renewed;
        }
    }
    account.certificates.push(AccountCertificate {
        serial: info.serial.clone(),
        status: CertStatus::Current,
        identity: None,
        not_after: info.not_after,
    });
    account.order = Some(OrderState::Fetched);
    let account_id = account.id.clone();
    ledger.add(LedgerEntry::made(
        der.clone(),
        info.clone(),
        Some(account_id.clone()),
        None,
        Origin::Renewal,
        None,
    ));
    Ok(Issued {
        account: account_id,
        der,
        info,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ra::tickets::Tickets;
    use time::Duration;

    #[test]
    fn modulus_bits_ignore_leading_zero_bytes() {
        let mut m = vec![0u8];
        m.extend(std::iter::repeat_n(0xff, 256));
        assert_eq!(modulus_bits(&m), 2048);
        let mut m = vec![0x01];
        m.extend(std::iter::repeat_n(0, 255));
        assert_eq!(modulus_bits(&m), 2041);
        assert_eq!(modulus_bits(&[]), 0);
    }

    #[test]
    fn tickets_are_single_use_bound_and_expire() {
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        let mut t = Tickets::default();
        let (tok, exp) = t.issue("a", "01", now, Duration::minutes(5));
        assert!(tok.len() >= 32);
        assert_eq!(exp, now + Duration::minutes(5));
        assert!(t.check(&tok, Some("02"), now).is_err());
        assert!(t.check(&tok, None, now).is_err());
        assert!(t.check(&tok, Some("01"), exp).is_err());
        assert!(t.check("nope", Some("01"), now).is_err());
        t.consume(&tok, Some("01"), now).unwrap();
        assert_eq!(
            t.consume(&tok, Some("01"), now).unwrap_err(),
            TicketError::Used
        );
        assert_eq!(
            TicketError::Used.to_string(),
            "ticket: already used",
            "the problem body's detail"
        );
    }

    #[test]
    fn garbage_csrs_are_refused_with_a_reason() {
        let e = check_csr("!!!", b"").unwrap_err();
        assert!(matches!(e, CsrError::Base64(_)), "{e:?}");
        assert!(e.to_string().starts_with("csr: not base64 ("), "{e}");
        let e = check_csr("AAAA", b"").unwrap_err();
        assert!(matches!(e, CsrError::NotPkcs10(_)), "{e:?}");
        assert!(e.to_string().contains("PKCS#10"), "{e}");
        assert_eq!(
            check_csr("AA AA", b"").unwrap_err().to_string(),
            "csr: whitespace at offset 2: expected base64 without line breaks or spaces"
        );
    }

    #[test]
    fn csr_refusals_read_as_the_problem_detail_always_did() {
        assert_eq!(
            CsrError::RsaExponentTooLarge.to_string(),
            "csr: RSA public exponent over 64 bits: expected an odd exponent of 65537 or more \
             that fits in 64 bits"
        );
        assert_eq!(
            CsrError::RsaTooSmall { bits: 1024 }.to_string(),
            format!(
                "csr: RSA key of 1024 bits: expected 2048 bits or more ({})",
                KEY_TYPES.join(", ")
            )
        );
        let e = ApiError::from(CsrError::RsaExponent(3));
        assert!(
            matches!(&e, ApiError::BadRequest(d)
                if d == "csr: RSA public exponent 3: expected an odd exponent of 65537 or more"),
            "{e:?}"
        );
    }
}
