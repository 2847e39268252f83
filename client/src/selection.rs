//! Certificate selection (D4.2): the dialog shows only identities the site
//! accepts (a CA it names in the TLS CertificateRequest is in the chain) and
//! whose validity ended less than 90 days ago (D1.2); by default just the one
//! with the newest notBefore; その他 (`--all`) shows them all.

use std::sync::{Arc, Mutex};

use time::{Duration, OffsetDateTime};
use x509_cert::der::Decode;

use crate::cert::CertFacts;
use crate::clock::rfc3339;
use crate::prompt::Dialog;
use crate::store::StoredIdentity;

/// The renewal window after expiry (D1.2, D6.2): `now - notAfter < 90 days`.
pub const RENEWAL_WINDOW: Duration = Duration::days(90);

/// Whether a certificate that ended at `not_after` can still be renewed at `now`.
pub fn within_window(not_after: OffsetDateTime, now: OffsetDateTime) -> bool {
    now - not_after < RENEWAL_WINDOW
}

/// The CA names a server sent in its CertificateRequest, as DER Names.
/// `None` means no request was seen; an empty list means "any" (RFC 8446).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaNames(pub Option<Vec<Vec<u8>>>);

impl CaNames {
    /// Accepts every CA.
    pub fn any() -> Self {
        Self(None)
    }

    /// From rustls' `root_hint_subjects`. Each is a DER Name; one without
    /// its SEQUENCE tag (as some stacks send) gets it added.
    pub fn from_hints(hints: &[&[u8]]) -> Self {
        Self(Some(
            hints
                .iter()
                .map(|h| {
                    if h.first() == Some(&0x30) && x509_cert::name::Name::from_der(h).is_ok() {
                        h.to_vec()
                    } else {
                        // A hint too long for a DER length names no CA.
                        x509_cert::der::asn1::Any::new(x509_cert::der::Tag::Sequence, *h)
                            .and_then(|a| x509_cert::der::Encode::to_der(&a))
                            .unwrap_or_else(|_| h.to_vec())
                    }
                })
                .collect(),
        ))
    }

    /// Whether `id`'s chain contains a named CA: the leaf's issuer, or any
    /// chain certificate's subject or issuer, equals a named CA (DER).
    pub fn accepts(&self, id: &StoredIdentity) -> bool {
        let Some(names) = self.0.as_ref().filter(|v| !v.is_empty()) else {
            return true;
        };
        let mut in_chain = vec![&id.cert.issuer_der];
        for c in &id.chain {
            in_chain.push(&c.subject_der);
            in_chain.push(&c.issuer_der);
        }
        names.iter().any(|n| in_chain.contains(&n))
    }

    /// The names in RFC 4514 form, for people.
    pub fn describe(&self) -> Vec<String> {
        self.0
            .iter()
            .flatten()
            .map(|n| crate::cert::name_text(n))
            .collect()
    }
}

/// Why an identity is not offered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Ineligible {
    /// No CA the server names is in its chain (D6.5 as the dialog sees it).
    ForeignCa {
        /// The CAs the server named.
        accepted: String,
    },
    /// Its chain is not known (imported without one), so whether its CA
    /// is one the server names cannot be told: servers name the root,
    /// which only the chain shows (D4.2, D6.3).
    ChainUnknown,
    /// Its validity ended 90 days ago or more (D6.2).
    ExpiredTooLong {
        /// Whole days since notAfter.
        days: i64,
        /// The end of validity.
        not_after: String,
    },
    /// Its files in the store cannot be read (damaged, edited by hand):
    /// `import` it again, which moves the damaged copy aside.
    Unreadable {
        /// The file (`cert.pem`, `key.pem`, `chain.pem`, ...).
        file: String,
        /// What is wrong with its content; `None` when it could not be
        /// read at all.
        problem: Option<crate::cert::CertError>,
    },
    /// Left half-written by a run that ended early and not completable
    /// (its certificate cannot be read or its key is not the
    /// certificate's); kept in the store under this hidden name.
    Unfinished {
        /// The hidden directory's name.
        dir: String,
        /// Why.
        why: String,
    },
}

/// The store's unreadable identities as reasons, keyed like the others by
/// serial: the one in the directory's name (`<issuer>-<serial>`).
pub fn unreadable_reasons(bad: &[crate::store::StoreError]) -> Vec<(String, Ineligible)> {
    use crate::store::StoreError;
    bad.iter()
        .map(|e| {
            if let StoreError::Unfinished { dir, why } = e {
                let name = dir
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let serial = name.rsplit('-').next().unwrap_or_default().to_owned();
                return (
                    serial,
                    Ineligible::Unfinished {
                        dir: name,
                        why: why.clone(),
                    },
                );
            }
            let (path, problem) = match e {
                StoreError::Unreadable { path, source } => (Some(path), Some(source.clone())),
                StoreError::Io { path, .. } => (Some(path), None),
                _ => (None, None),
            };
            let name = |p: Option<&std::path::Path>| {
                p.and_then(|p| p.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            };
            let dir = name(path.and_then(|p| p.parent()));
            let serial = dir.rsplit('-').next().unwrap_or_default().to_owned();
            let file = name(path.map(|p| p.as_path()));
            (serial, Ineligible::Unreadable { file, problem })
        })
        .collect()
}

impl NoCertificate {
    /// Names the store's unreadable identities when nothing could be
    /// chosen, so an empty-looking store does not send the customer to
    /// import what is there but damaged.
    pub fn with_unreadable(self, bad: &[crate::store::StoreError]) -> Self {
        if bad.is_empty() {
            return self;
        }
        match self {
            NoCertificate::EmptyStore => NoCertificate::NoCandidate {
                reasons: unreadable_reasons(bad),
            },
            NoCertificate::NoCandidate { mut reasons } => {
                reasons.extend(unreadable_reasons(bad));
                NoCertificate::NoCandidate { reasons }
            }
            other => other,
        }
    }
}

/// Whether `id` is a candidate at `now`.
pub fn check(id: &StoredIdentity, names: &CaNames, now: OffsetDateTime) -> Result<(), Ineligible> {
    if !names.accepts(id) && !id.has_chain() && !id.cert.is_self_issued() {
        return Err(Ineligible::ChainUnknown);
    }
    if !names.accepts(id) {
        return Err(Ineligible::ForeignCa {
            accepted: names.describe().join("; "),
        });
    }
    if !within_window(id.cert.not_after, now) {
        return Err(Ineligible::ExpiredTooLong {
            days: (now - id.cert.not_after).whole_days(),
            not_after: rfc3339(id.cert.not_after),
        });
    }
    Ok(())
}

/// The candidates at `now`, the default (newest notBefore) first.
pub fn candidates<'a>(
    ids: &'a [StoredIdentity],
    names: &CaNames,
    now: OffsetDateTime,
) -> Vec<&'a StoredIdentity> {
    let mut c: Vec<&StoredIdentity> = ids
        .iter()
        .filter(|id| check(id, names, now).is_ok())
        .collect();
    c.sort_by(|a, b| {
        b.cert
            .not_before
            .cmp(&a.cert.not_before)
            .then(b.cert.not_after.cmp(&a.cert.not_after))
            .then(a.id.cmp(&b.id))
    });
    c
}

/// How the identity is chosen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Choice {
    /// The dialog's default: newest notBefore.
    #[default]
    Default,
    /// `--select SERIAL`.
    Serial(String),
    /// `--all` on a terminal: show the list and ask (その他).
    Pick,
}

/// Why no identity could be chosen: the customer sees ENOCERT (D6.2, D6.3).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoCertificate {
    /// There is no store at all where one was expected (D6.3): nothing was
    /// imported yet, or `--store` names the wrong directory.
    NoStore {
        /// The directory asked for.
        path: std::path::PathBuf,
        /// Where the default store is (as people write it), when `--store`
        /// named another directory.
        default: Option<String>,
    },
    /// The store holds no identity at all (D6.3).
    EmptyStore,
    /// Identities exist but none is a candidate.
    NoCandidate {
        /// Each identity's serial and why it was left out.
        reasons: Vec<(String, Ineligible)>,
    },
    /// `--select` names no identity in the store (D6.3).
    SerialNotFound(String),
    /// `--select` names an identity that is not a candidate.
    Ineligible {
        /// The serial asked for.
        serial: String,
        /// Why not.
        why: Ineligible,
    },
    /// The person made no valid choice from the list.
    NotChosen,
}

/// Chooses the identity as the dialog would (D4.2).
pub fn select(
    ids: &[StoredIdentity],
    names: &CaNames,
    now: OffsetDateTime,
    choice: &Choice,
    dialog: &mut dyn Dialog,
) -> Result<StoredIdentity, NoCertificate> {
    if ids.is_empty() {
        return Err(NoCertificate::EmptyStore);
    }
    if let Choice::Serial(serial) = choice {
        let want = crate::cert::normalize_serial(serial);
        let id = ids
            .iter()
            .find(|id| crate::cert::normalize_serial(&id.cert.serial) == want)
            .ok_or_else(|| NoCertificate::SerialNotFound(serial.clone()))?;
        check(id, names, now).map_err(|why| NoCertificate::Ineligible {
            serial: id.cert.serial.clone(),
            why,
        })?;
        return Ok(id.clone());
    }
    let cands = candidates(ids, names, now);
    if cands.is_empty() {
        let reasons = ids
            .iter()
            .filter_map(|id| {
                check(id, names, now)
                    .err()
                    .map(|e| (id.cert.serial.clone(), e))
            })
            .collect();
        return Err(NoCertificate::NoCandidate { reasons });
    }
    match choice {
        Choice::Pick => {
            let certs: Vec<&CertFacts> = cands.iter().map(|id| &id.cert).collect();
            let n = dialog
                .pick(&certs)
                .filter(|n| (1..=cands.len()).contains(n))
                .ok_or(NoCertificate::NotChosen)?;
            Ok(cands[n - 1].clone())
        }
        // `candidates` is non-empty here.
        _ => Ok(cands[0].clone()),
    }
}

/// A rustls client-certificate resolver that presents no certificate and
/// records the CA names of the server's CertificateRequest: the probe of
/// the D3.1 preflight, which is also how the client learns what to offer.
#[derive(Debug, Default)]
pub struct CaNameRecorder {
    seen: Mutex<Option<CaNames>>,
}

impl CaNameRecorder {
    /// A recorder that has seen nothing yet.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The names of the last CertificateRequest; `any` when none was sent.
    pub fn names(&self) -> CaNames {
        self.seen
            .lock()
            .map(|g| g.clone().unwrap_or_default())
            .unwrap_or_default()
    }
}

impl rustls::client::ResolvesClientCert for CaNameRecorder {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        _sigschemes: &[rustls::SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        if let Ok(mut g) = self.seen.lock() {
            *g = Some(CaNames::from_hints(root_hint_subjects));
        }
        None
    }

    fn has_certs(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests;
