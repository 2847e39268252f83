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

/// Checks a base64 DER PKCS#10 request (protocol 2.4, in its order): the
/// base64 is canonical (standard alphabet, padded, no whitespace), the DER
/// is well-formed for two parsers, the key is one of [`KEY_TYPES`] (an RSA
/// exponent of at least [`MIN_RSA_EXPONENT`]), the signature algorithm is
/// the one the key calls for, the BIT STRINGs have no unused bits, the
/// self-signature verifies and the subject is byte-equal to `subject_der`.
/// The error says what was wrong.
pub fn check_csr(csr_b64: &str, subject_der: &[u8]) -> Result<CheckedCsr, String> {
    if let Some(at) = csr_b64.find(|c: char| c.is_whitespace()) {
        return Err(format!(
            "csr: whitespace at offset {at}: expected base64 without line breaks or spaces"
        ));
    }
    let der = STANDARD
        .decode(csr_b64.as_bytes())
        .map_err(|e| format!("csr: not base64 ({e})"))?;
    let (rest, csr) = x509_parser::certification_request::X509CertificationRequest::from_der(&der)
        .map_err(|e| format!("csr: not a DER PKCS#10 request ({e})"))?;
    if !rest.is_empty() {
        return Err(format!("csr: {} bytes after the DER request", rest.len()));
    }
    // A second, strict DER reader: x509-parser tolerates some malformed
    // encodings (an INTEGER tag in place of the signature algorithm's OID
    // was accepted and signed). The request must be well-formed DER for
    // x509-cert too, signed with the algorithm its key calls for.
    let strict = {
        use x509_cert::der::Decode;
        x509_cert::request::CertReq::from_der(&der)
            .map_err(|e| format!("csr: not well-formed DER ({e})"))?
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
        return Err(format!(
            "csr: signed with {}: expected {name} for its key",
            strict.algorithm.oid
        ));
    }
    // Both BIT STRINGs hold whole octets (a signature, a public key): a
    // declared unused bit is a malformed request, even though the bits
    // that remain may verify (RFC 5280 4.1.1.3, X.690 8.6.2).
    if strict.signature.unused_bits() != 0 {
        return Err(format!(
            "csr: the signature BIT STRING declares {} unused bits: expected 0",
            strict.signature.unused_bits()
        ));
    }
    let spki_unused = strict.info.public_key.subject_public_key.unused_bits();
    if spki_unused != 0 {
        return Err(format!(
            "csr: the public key BIT STRING declares {spki_unused} unused bits: expected 0"
        ));
    }
    csr.verify_signature()
        .map_err(|e| format!("csr: the self-signature does not verify ({e})"))?;
    if info.subject.as_raw() != subject_der {
        return Err(format!(
            "csr: subject `{}` is not byte-equal to the login's subject_der",
            info.subject
        ));
    }
    // rcgen signs it later; it refuses extensions it does not understand,
    // so find that out now, before anything changes.
    rcgen::CertificateSigningRequestParams::from_der(&der.as_slice().into())
        .map_err(|e| format!("csr: the RA cannot read it ({e})"))?;
    Ok(CheckedCsr { der, key_type })
}

/// ecdsa-with-SHA256 (RFC 5758).
const OID_ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";
/// sha256WithRSAEncryption (RFC 4055).
const OID_SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";

/// The key type of a CSR's public key, by its wire name, if the RA signs
/// it: P-256, or RSA of one of the sizes [`KEY_TYPES`] lists with an odd
/// exponent of at least [`MIN_RSA_EXPONENT`].
fn key_type_of(spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>) -> Result<&'static str, String> {
    let offered = || KEY_TYPES.join(", ");
    if spki.algorithm.algorithm == OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .clone()
            .and_then(|p| x509_parser::der_parser::oid::Oid::try_from(p).ok());
        if curve.as_ref() != Some(&OID_EC_P256) {
            return Err(format!(
                "csr: EC key on a curve other than P-256: expected one of {}",
                offered()
            ));
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
            return Err(format!(
                "csr: RSA key of {bits} bits: expected 2048 bits or more ({})",
                offered()
            ));
        }
        let key_type = offered_type(&format!("rsa{bits}"))
            .map_err(|_| format!("csr: RSA key of {bits} bits: expected one of {}", offered()))?;
        match exponent {
            Some(e) if e >= MIN_RSA_EXPONENT && e % 2 == 1 => Ok(key_type),
            Some(e) => Err(format!(
                "csr: RSA public exponent {e}: expected an odd exponent of {MIN_RSA_EXPONENT} or more"
            )),
            None => Err(format!(
                "csr: RSA public exponent over 64 bits: expected an odd exponent of \
                 {MIN_RSA_EXPONENT} or more that fits in 64 bits"
            )),
        }
    } else {
        Err(format!(
            "csr: unsupported key algorithm {}: expected one of {}",
            spki.algorithm.algorithm,
            offered()
        ))
    }
}

/// The entry of [`KEY_TYPES`] named `name`: the one list the login offers
/// and the CSR check accepts.
fn offered_type(name: &str) -> Result<&'static str, String> {
    KEY_TYPES
        .iter()
        .copied()
        .find(|k| *k == name)
        .ok_or_else(|| format!("csr: key type {name} is not offered"))
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
        assert!(check_csr("!!!", b"").unwrap_err().contains("base64"));
        assert!(check_csr("AAAA", b"").unwrap_err().contains("PKCS#10"));
    }
}
