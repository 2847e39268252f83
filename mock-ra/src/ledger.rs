//! The ledger of every certificate the issuing CA knows, from which the
//! CRLs are made.

use std::collections::HashMap;

use certs_gen::{CertInfo, Revocation, RevocationReason};
use rustls_pki_types::CertificateDer;
use time::OffsetDateTime;

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
    /// The certificate.
    pub der: CertificateDer<'static>,
    /// What x509-cert reads from it.
    pub info: CertInfo,
    /// Owning account.
    pub account: Option<String>,
    /// Identity name when the mock holds the key.
    pub identity: Option<String>,
    /// How it came to be.
    pub origin: Origin,
    /// When and why it was revoked.
    pub revoked: Option<(OffsetDateTime, RevocationReason)>,
}

impl LedgerEntry {
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
}

impl Ledger {
    /// Records a certificate.
    pub fn add(&mut self, entry: LedgerEntry) {
        self.by_serial
            .insert(entry.serial.clone(), self.entries.len());
        self.entries.push(entry);
    }

    /// The entry for `serial`.
    pub fn get(&self, serial: &str) -> Option<&LedgerEntry> {
        self.by_serial
            .get(serial)
            .and_then(|i| self.entries.get(*i))
    }

    /// Revokes `serial` (keeps an earlier revocation).
    pub fn revoke(&mut self, serial: &str, at: OffsetDateTime, reason: RevocationReason) {
        if let Some(e) = self
            .by_serial
            .get(serial)
            .and_then(|i| self.entries.get_mut(*i))
            && e.revoked.is_none()
        {
            e.revoked = Some((at, reason));
        }
    }

    /// Every entry, in the order recorded.
    pub fn entries(&self) -> &[LedgerEntry] {
        &self.entries
    }

    /// What the issuing CA's CRL lists at `now`.
    pub fn revocations(&self, now: OffsetDateTime) -> Vec<Revocation> {
        self.entries
            .iter()
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
