//! Building and validating a new certificate's chain the way the vendor's
//! tool does (docs/protocol.md 2.4, 4): follow AIA caIssuers from the leaf
//! to the issuing CA (repo1) and on to the root (repository), fetch each
//! certificate's CRL from its distribution point, and validate the path at
//! "now" with rustls-webpki: signatures, validity, client-auth EKU, and
//! revocation of every certificate below the root.

use rustls_pki_types::{CertificateDer, UnixTime};
use time::OffsetDateTime;

use crate::cert::{CertError, CertFacts, pem_certificates};
use crate::net::{Net, NetError, parse_url};

/// At most this many CA certificates above the leaf.
pub(crate) const MAX_DEPTH: usize = 4;

/// Why the chain could not be built or does not validate.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// A repository did not answer as it should (E115).
    Net(#[from] NetError),
    /// A certificate names no place to fetch its issuer from.
    NoIssuerUrl {
        /// The certificate's subject.
        subject: String,
    },
    /// A certificate names no CRL distribution point.
    NoCrlUrl {
        /// The certificate's subject.
        subject: String,
    },
    /// No root within the depth limit.
    TooLong,
    /// The path does not validate.
    Invalid {
        /// The instant of the check.
        at: String,
        /// What is wrong with it.
        problem: PathProblem,
    },
    /// A certificate we were given is unreadable.
    Cert(#[from] CertError),
}

/// Why a certificate path does not validate, in words (webpki's errors
/// are Debug values; none of them reaches a customer as such).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathProblem {
    /// A certificate of the path has expired.
    Expired,
    /// A certificate of the path is not valid yet.
    NotYetValid,
    /// A certificate of the path is revoked.
    Revoked,
    /// A CRL does not say whether a certificate is revoked (none applies).
    RevocationUnknown,
    /// A CRL is past its next update.
    CrlExpired,
    /// The path does not lead to the root.
    UnknownIssuer,
    /// A signature does not verify.
    BadSignature,
    /// The certificate is not for client authentication.
    NotForClientAuth,
    /// The chain holds no root.
    NoRoot,
    /// A certificate or CRL cannot be used (its name in webpki's terms).
    Unusable(String),
}

impl PathProblem {
    fn from_webpki(e: &webpki::Error) -> Self {
        use webpki::Error as W;
        match e {
            W::CertExpired { .. } => PathProblem::Expired,
            W::CertNotValidYet { .. } => PathProblem::NotYetValid,
            W::CertRevoked => PathProblem::Revoked,
            W::UnknownRevocationStatus => PathProblem::RevocationUnknown,
            W::CrlExpired { .. } => PathProblem::CrlExpired,
            W::UnknownIssuer => PathProblem::UnknownIssuer,
            W::InvalidSignatureForPublicKey | W::InvalidCrlSignatureForPublicKey => {
                PathProblem::BadSignature
            }
            W::RequiredEkuNotFoundContext(_) => PathProblem::NotForClientAuth,
            other => {
                // The variant's name only, never its Debug fields.
                let debug = format!("{other:?}");
                let name: String = debug
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect();
                PathProblem::Unusable(name)
            }
        }
    }
}

/// A leaf's chain as fetched: CAs from the issuing one up to the root, and
/// the CRLs of every certificate below the root.
#[derive(Debug, Clone)]
pub struct Chain {
    /// Issuing CA first, root last.
    pub cas: Vec<CertFacts>,
    /// The CRLs, DER.
    pub crls: Vec<Vec<u8>>,
}

impl Chain {
    /// The root (self-signed), last of `cas`.
    pub fn root(&self) -> Option<&CertFacts> {
        self.cas.last()
    }

    /// The CAs as DER, issuing CA first.
    pub fn ders(&self) -> Vec<CertificateDer<'static>> {
        self.cas.iter().map(|c| c.der.clone()).collect()
    }
}

/// A certificate body: DER, or PEM as some repositories serve.
fn parse_cert_body(body: &[u8], expected_subject: &[u8]) -> Result<CertFacts, String> {
    let der = if body.starts_with(b"-----BEGIN") {
        pem_certificates(body)
            .map_err(|e| e.to_string())?
            .into_iter()
            .next()
            .ok_or("no certificate in the PEM body")?
    } else {
        CertificateDer::from(body.to_vec())
    };
    let facts = CertFacts::parse(&der).map_err(|e| e.to_string())?;
    if facts.subject_der != expected_subject {
        return Err(format!(
            "expected the certificate of {}, got {}",
            crate::cert::name_text(expected_subject),
            facts.subject
        ));
    }
    Ok(facts)
}

fn parse_crl_body(body: &[u8]) -> Result<Vec<u8>, String> {
    let der = if body.starts_with(b"-----BEGIN") {
        use rustls_pki_types::pem::PemObject;
        rustls_pki_types::CertificateRevocationListDer::from_pem_slice(body)
            .map_err(|e| e.to_string())?
            .to_vec()
    } else {
        body.to_vec()
    };
    webpki::OwnedCertRevocationList::from_der(&der)
        .map_err(|e| format!("not a CRL: {}", PathProblem::from_webpki(&e)))?;
    Ok(der)
}

/// Fetches the chain and CRLs of `leaf` from the repositories it names.
pub async fn fetch(net: &Net, leaf: &CertFacts) -> Result<Chain, ChainError> {
    let cas = fetch_cas(net, leaf, &[]).await?;
    let mut crls = Vec::new();
    for c in std::iter::once(leaf).chain(cas.iter().filter(|c| !c.is_self_issued())) {
        let url = c.crl_urls.first().ok_or_else(|| ChainError::NoCrlUrl {
            subject: c.subject.clone(),
        })?;
        let url = parse_url(url)?;
        crls.push(
            net.get_parsed(&url, crate::net::Limit::Crl, parse_crl_body)
                .await?,
        );
    }
    Ok(Chain { cas, crls })
}

/// The CAs above `leaf` up to its root: `known` first (issuing CA first,
/// as far as it goes), then the rest by AIA caIssuers from the topmost
/// certificate known.
pub async fn fetch_cas(
    net: &Net,
    leaf: &CertFacts,
    known: &[CertFacts],
) -> Result<Vec<CertFacts>, ChainError> {
    let mut cas: Vec<CertFacts> = known.to_vec();
    let mut current = cas.last().unwrap_or(leaf).clone();
    while !current.is_self_issued() {
        if cas.len() >= MAX_DEPTH {
            return Err(ChainError::TooLong);
        }
        let url = current
            .ca_issuers
            .first()
            .ok_or_else(|| ChainError::NoIssuerUrl {
                subject: current.subject.clone(),
            })?;
        let url = parse_url(url)?;
        let expected = current.issuer_der.clone();
        let ca = net
            .get_parsed(&url, crate::net::Limit::Certificate, |b| {
                parse_cert_body(b, &expected)
            })
            .await?;
        cas.push(ca.clone());
        current = ca;
    }
    Ok(cas)
}

/// Validates `leaf` through `chain` at `now`: signatures, validity dates,
/// the client-auth EKU, and revocation of the leaf and every intermediate
/// (unknown status is a failure; expired CRLs too).
pub fn validate(leaf: &CertFacts, chain: &Chain, now: OffsetDateTime) -> Result<(), ChainError> {
    verify_path(leaf, &chain.cas, Some(&chain.crls), now)
}

/// Checks that `cas` (issuing CA first, root last) is `leaf`'s path at
/// `at` (signatures, dates, client-auth EKU), without revocation: what
/// `import` checks of a chain it completed from the repositories.
pub fn validate_path(
    leaf: &CertFacts,
    cas: &[CertFacts],
    at: OffsetDateTime,
) -> Result<(), ChainError> {
    verify_path(leaf, cas, None, at)
}

fn verify_path(
    leaf: &CertFacts,
    cas: &[CertFacts],
    crls: Option<&[Vec<u8>]>,
    now: OffsetDateTime,
) -> Result<(), ChainError> {
    let at = crate::clock::rfc3339(now);
    let invalid = |problem: PathProblem| ChainError::Invalid {
        at: at.clone(),
        problem,
    };
    let bad = |e: webpki::Error| invalid(PathProblem::from_webpki(&e));
    let (root, intermediates) = cas
        .split_last()
        .ok_or_else(|| invalid(PathProblem::NoRoot))?;
    if !root.is_self_issued() {
        return Err(invalid(PathProblem::NoRoot));
    }
    let anchor = webpki::anchor_from_trusted_cert(&root.der)
        .map_err(bad)?
        .to_owned();
    let intermediates: Vec<CertificateDer<'static>> =
        intermediates.iter().map(|c| c.der.clone()).collect();
    let ee = webpki::EndEntityCert::try_from(&leaf.der).map_err(bad)?;
    let check_revocation = crls.is_some();
    let crls: Vec<webpki::CertRevocationList<'static>> = crls
        .unwrap_or_default()
        .iter()
        .map(|d| webpki::OwnedCertRevocationList::from_der(d).map(Into::into))
        .collect::<Result<_, _>>()
        .map_err(bad)?;
    let crl_refs: Vec<&webpki::CertRevocationList<'_>> = crls.iter().collect();
    let revocation = if check_revocation {
        Some(
            webpki::RevocationOptionsBuilder::new(&crl_refs)
                .map_err(|_| invalid(PathProblem::RevocationUnknown))?
                .with_depth(webpki::RevocationCheckDepth::Chain)
                .with_status_policy(webpki::UnknownStatusPolicy::Deny)
                .with_expiration_policy(webpki::ExpirationPolicy::Enforce)
                .build(),
        )
    } else {
        None
    };
    let secs =
        u64::try_from(now.unix_timestamp()).map_err(|_| invalid(PathProblem::NotYetValid))?;
    let time = UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs));
    ee.verify_for_usage(
        crate::net::provider().signature_verification_algorithms.all,
        &[anchor],
        &intermediates,
        time,
        webpki::KeyUsage::client_auth(),
        revocation,
        None,
    )
    .map(|_| ())
    .map_err(bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use certs_gen::{ClientSpec, KeyType, Pki, Revocation, RevocationReason};
    use time::Duration;

    fn setup() -> (Pki, certs_gen::Identity, OffsetDateTime) {
        let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
        let pki = Pki::generate(KeyType::P256, now).unwrap();
        let id = pki
            .issue_client(&ClientSpec::ending("new", now, Duration::days(365)))
            .unwrap();
        (pki, id, now)
    }

    fn chain_of(pki: &Pki, revoked: &[Revocation], now: OffsetDateTime) -> Chain {
        Chain {
            cas: vec![
                CertFacts::parse(pki.issuing_ca.der()).unwrap(),
                CertFacts::parse(pki.client_root.der()).unwrap(),
            ],
            crls: vec![
                pki.issuing_crl(revoked, now, 1).unwrap().to_vec(),
                pki.root_crl(&[], now, 1).unwrap().to_vec(),
            ],
        }
    }

    #[test]
    fn a_fresh_certificate_validates() {
        let (pki, id, now) = setup();
        let leaf = CertFacts::parse(&id.cert).unwrap();
        validate(&leaf, &chain_of(&pki, &[], now), now).unwrap();
    }

    #[test]
    fn a_revoked_certificate_does_not() {
        let (pki, id, now) = setup();
        let leaf = CertFacts::parse(&id.cert).unwrap();
        let revoked = [Revocation {
            serial: hex::decode(&leaf.serial).unwrap(),
            revoked_at: now,
            reason: RevocationReason::KeyCompromise,
        }];
        let e = validate(&leaf, &chain_of(&pki, &revoked, now), now).unwrap_err();
        assert!(
            matches!(
                e,
                ChainError::Invalid {
                    problem: PathProblem::Revoked,
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn an_expired_certificate_does_not() {
        let (pki, _, now) = setup();
        let old = pki
            .issue_client(&ClientSpec::ending("old", now, -Duration::days(10)))
            .unwrap();
        let leaf = CertFacts::parse(&old.cert).unwrap();
        let e = validate(&leaf, &chain_of(&pki, &[], now), now).unwrap_err();
        assert!(
            matches!(
                e,
                ChainError::Invalid {
                    problem: PathProblem::Expired,
                    ..
                }
            ),
            "{e}"
        );
        // Words, not webpki's Debug values.
        assert!(!e.to_string().contains("UnixTime"), "{e}");
    }

    #[test]
    fn a_missing_crl_is_a_failure() {
        let (pki, id, now) = setup();
        let leaf = CertFacts::parse(&id.cert).unwrap();
        let mut chain = chain_of(&pki, &[], now);
        chain.crls.truncate(1);
        assert!(validate(&leaf, &chain, now).is_err());
    }

    #[test]
    fn bodies_must_be_the_expected_certificate() {
        let (pki, id, _) = setup();
        let leaf = CertFacts::parse(&id.cert).unwrap();
        let ok = parse_cert_body(pki.issuing_ca.der(), &leaf.issuer_der).unwrap();
        assert_eq!(ok.subject_der, leaf.issuer_der);
        let pem = pki.issuing_ca.pem();
        assert!(parse_cert_body(pem.as_bytes(), &leaf.issuer_der).is_ok());
        assert!(parse_cert_body(pki.client_root.der(), &leaf.issuer_der).is_err());
        assert!(parse_cert_body(b"<html>blocked</html>", &leaf.issuer_der).is_err());
        assert!(parse_crl_body(b"garbage").is_err());
    }
}
