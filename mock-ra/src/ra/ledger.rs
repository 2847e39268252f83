//! The ledger of every certificate the issuing CA knows, from which the
//! CRLs are made.

use std::collections::HashMap;
use std::sync::Arc;

use certs_gen::{CertInfo, Revocation, RevocationReason};
use rustls_pki_types::CertificateDer;
use time::OffsetDateTime;

use crate::ra::identities::{IdentityError, LazyIdentity};

/// How a certificate came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Made at start-up from the world (or added through the admin API).
    World,
    /// Signed from a customer's CSR by the RA.
    Renewal,
    /// Made by a reissue (admin or library).
    Reissue,
}

impl Origin {
    /// `world`, `renewal` or `reissue`.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::World => "world",
            Origin::Renewal => "renewal",
            Origin::Reissue => "reissue",
        }
    }
}

/// One certificate known to the issuing CA.
#[derive(Debug, Clone)]
pub struct LedgerEntry {
    /// Serial, lowercase hex.
    pub serial: String,
    /// Its notAfter (known before a generated customer's certificate is made).
    pub not_after: OffsetDateTime,
    /// The certificate, or how it is made.
    pub cert: LedgerCert,
    /// Owning account.
    pub account: Option<String>,
    /// Identity name when the mock holds the key.
    pub identity: Option<String>,
    /// How it came to be.
    pub origin: Origin,
    /// When and why it was revoked.
    pub revoked: Option<(OffsetDateTime, RevocationReason)>,
}

/// A ledger entry's certificate.
#[derive(Debug, Clone)]
pub enum LedgerCert {
    /// Made already.
    Made {
        /// The certificate.
        der: CertificateDer<'static>,
        /// What x509-cert reads from it.
        info: Box<CertInfo>,
    },
    /// A generated customer's, made on first use (`identities`).
    OnFirstUse(Arc<LazyIdentity>),
}

impl LedgerEntry {
    /// An entry for a certificate made already.
    pub fn made(
        der: CertificateDer<'static>,
        info: CertInfo,
        account: Option<String>,
        identity: Option<String>,
        origin: Origin,
        revoked: Option<(OffsetDateTime, RevocationReason)>,
    ) -> Self {
        Self {
            serial: info.serial.clone(),
            not_after: info.not_after,
            cert: LedgerCert::Made {
                der,
                info: Box::new(info),
            },
            account,
            identity,
            origin,
            revoked,
        }
    }

    /// The certificate and its facts, made now if it is a generated
    /// customer's that nobody asked for yet.
    pub fn certificate(&self) -> Result<(&CertificateDer<'static>, &CertInfo), IdentityError> {
        match &self.cert {
            LedgerCert::Made { der, info } => Ok((der, info)),
            LedgerCert::OnFirstUse(lazy) => lazy.get().map(|m| (&m.identity.cert, &m.info)),
        }
    }

    /// Whether `der` is this entry's certificate. One not made yet is
    /// nobody's to present, so it matches nothing (and is not made).
    pub fn is_certificate(&self, der: &[u8]) -> bool {
        match &self.cert {
            LedgerCert::Made { der: own, .. } => own.as_ref() == der,
            LedgerCert::OnFirstUse(lazy) => lazy
                .if_made()
                .is_some_and(|m| m.identity.cert.as_ref() == der),
        }
    }

    /// Whether it is revoked at `now`.
    pub fn revoked_at(&self, now: OffsetDateTime) -> bool {
        matches!(self.revoked, Some((at, _)) if at <= now)
    }
}

/// Every certificate the issuing CA signed, by serial.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    entries: Vec<LedgerEntry>,
    by_serial: HashMap<String, usize>,
    /// The entries with a revocation, in the order revoked: a CRL reads
    /// these, not the whole ledger (100,000 customers, a handful revoked).
    revoked: Vec<usize>,
    /// Renewals signed per account (the exactly-once check under load).
    renewals: HashMap<String, u32>,
}

impl Ledger {
    /// Records a certificate.
    pub fn add(&mut self, entry: LedgerEntry) {
        let at = self.entries.len();
        self.by_serial.insert(entry.serial.clone(), at);
        if entry.revoked.is_some() {
            self.revoked.push(at);
        }
        if entry.origin == Origin::Renewal
            && let Some(account) = &entry.account
        {
            *self.renewals.entry(account.clone()).or_default() += 1;
        }
        self.entries.push(entry);
    }

    /// Room for `more` entries without moving the ones recorded.
    pub fn reserve(&mut self, more: usize) {
        self.entries.reserve(more);
        self.by_serial.reserve(more);
    }

    /// How many renewals the RA signed for `account`.
    pub fn renewals_of(&self, account: &str) -> u32 {
        self.renewals.get(account).copied().unwrap_or(0)
    }

    /// How many certificates it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The entry for `serial`.
    pub fn get(&self, serial: &str) -> Option<&LedgerEntry> {
        self.by_serial
            .get(serial)
            .and_then(|i| self.entries.get(*i))
    }

    /// Revokes `serial` (keeps an earlier revocation).
    pub fn revoke(&mut self, serial: &str, at: OffsetDateTime, reason: RevocationReason) {
        if let Some(&i) = self.by_serial.get(serial)
            && let Some(e) = self.entries.get_mut(i)
            && e.revoked.is_none()
        {
            e.revoked = Some((at, reason));
            self.revoked.push(i);
        }
    }

    /// Every entry, in the order recorded.
    pub fn entries(&self) -> &[LedgerEntry] {
        &self.entries
    }

    /// What the issuing CA's CRL lists at `now`.
    pub fn revocations(&self, now: OffsetDateTime) -> Vec<Revocation> {
        self.revoked
            .iter()
            .filter_map(|i| self.entries.get(*i))
            .filter_map(|e| match e.revoked {
                Some((at, reason)) if at <= now => Some(Revocation {
                    serial: hex::decode(&e.serial).unwrap_or_default(),
                    revoked_at: at,
                    reason,
                }),
                _ => None,
            })
            .collect()
    }
}
