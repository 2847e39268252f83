//! The certificate store: a directory of identities (certificate, PKCS#8
//! key, chain) and a trust list of installed roots (DESIGN "The client").
//!
//! ```text
//! STORE/.lock                          held while a command runs
//! STORE/identities/<ID>/key.pem        PKCS#8 private key (0600), written first
//! STORE/identities/<ID>/cert.pem       the certificate
//! STORE/identities/<ID>/meta.json      where it came from (imported, renewed)
//! STORE/identities/<ID>/chain.pem      issuing CA first, root last (added once known)
//! STORE/identities/.renewing.PID.N/    a renewal's key before its certificate (PendingRenewal)
//! STORE/identities/.new.<ID>.PID.N/    an identity being added (add_identity)
//! STORE/identities/.unfinished.*       left by an ended run, cannot be completed (kept)
//! STORE/trust/<SHA1>.pem               a trusted client-CA root (D4.5)
//! ```
//! `<ID>` is the first 16 hex digits of the SHA-256 of the issuer name, a
//! dash, and the serial in hex: one directory per certificate.
//!
//! Invariants: every file is written through a temporary file in the same
//! directory, fsynced, and linked into place without replacing anything
//! (create-new); the directory is fsynced after. No identity is ever
//! deleted or overwritten, so the old identity survives every renewal.
//! Only a command holding the exclusive lock writes; so whoever holds it
//! knows every temporary file and directory in the store belongs to a run
//! that has ended, and [`Store::open`] completes or removes them
//! ([`Recovered`]).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rustls_pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::cert::{self, CertError, CertFacts};

mod error;
mod files;
mod paths;
mod recovered;
mod recovery;
mod trust_list;

pub use error::StoreError;
pub use files::{write_new, write_recovery};
pub use recovered::Recovered;

use error::io_err;
use files::{TMP_COUNTER, create_private_dir, create_private_dir_all, sync_dir};
use paths::{is_complete, is_hidden, unfinished_why};

const IDENTITIES: &str = "identities";
const TRUST: &str = "trust";
const LOCK: &str = ".lock";
/// How long a command waits for another one to release the store.
const LOCK_WAIT: Duration = Duration::from_secs(30);

/// How an identity came into the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// `imported` or `renewed`.
    pub origin: String,
    /// When it was stored.
    #[serde(with = "time::serde::rfc3339")]
    pub stored_at: OffsetDateTime,
    /// For a renewal: the identity that logged in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewed_from: Option<String>,
}

/// One identity as found in the store.
#[derive(Debug, Clone)]
pub struct StoredIdentity {
    /// The directory name (issuer hash and serial).
    pub id: String,
    /// Its directory.
    pub dir: PathBuf,
    /// The certificate.
    pub cert: CertFacts,
    /// The chain above it, issuing CA first; empty until known.
    pub chain: Vec<CertFacts>,
    /// Where it came from, when recorded.
    pub meta: Option<Meta>,
}

impl StoredIdentity {
    /// Whether its chain has been stored.
    pub fn has_chain(&self) -> bool {
        !self.chain.is_empty()
    }

    /// The chain as DER, issuing CA first.
    pub fn chain_der(&self) -> Vec<CertificateDer<'static>> {
        self.chain.iter().map(|c| c.der.clone()).collect()
    }
}

/// Whether a command only reads the store or also writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Shared lock: list, export, roots, verify. The store must exist.
    Read,
    /// Exclusive lock: renew. The store must exist.
    Write,
    /// Exclusive lock, creating the store if needed: import, roots add.
    Create,
}

/// An open store, locked for the lifetime of the value.
#[derive(Debug)]
pub struct Store {
    root: PathBuf,
    _lock: File,
    recovered: Vec<Recovered>,
}

/// A renewal's new key, saved before the issuance is sent (D7.3): the
/// hidden directory `identities/.renewing.PID.N` with `meta.json` and
/// `key.pem`. [`Store::finish_renewal`] adds the certificate and renames it
/// to the identity's name; a run that ends in between leaves it for the
/// next one to complete or remove.
#[derive(Debug)]
pub struct PendingRenewal {
    dir: PathBuf,
}

impl PendingRenewal {
    /// Its directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The directory name of an identity: issuer hash and serial.
pub fn identity_id(facts: &CertFacts) -> String {
    let issuer = cert::sha256_hex(&facts.issuer_der);
    format!("{}-{}", &issuer[..16], facts.serial)
}

impl Store {
    /// Opens the store at `root` and takes its lock, waiting up to 30 s
    /// for another certrenew to finish. Only [`Access::Create`] creates a
    /// store that is not there; the others answer [`StoreError::Missing`]
    /// (so a mistyped `--store` never leaves an empty store behind).
    pub fn open(root: &Path, access: Access) -> Result<Self, StoreError> {
        match access {
            Access::Create => create_private_dir_all(root)?,
            Access::Read | Access::Write if !root.is_dir() => {
                return Err(StoreError::Missing(root.to_path_buf()));
            }
            Access::Read | Access::Write => {}
        }
        if access != Access::Read {
            create_private_dir_all(&root.join(IDENTITIES))?;
            create_private_dir_all(&root.join(TRUST))?;
        }
        let lock_path = root.join(LOCK);
        let lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(io_err(&lock_path))?;
        let start = Instant::now();
        // A reader takes the exclusive lock when it is free, so that it can
        // put right what a run that ended early left (only a run holding
        // the exclusive lock writes, so with it held no temporary file
        // belongs to a live run); then it shares the lock. A reader that
        // finds another reader leaves the repair to a later run.
        let mut exclusive = access != Access::Read;
        if access == Access::Read && lock.try_lock().is_ok() {
            exclusive = true;
        }
        loop {
            if exclusive && access == Access::Read {
                break;
            }
            let r = match access {
                Access::Read => lock.try_lock_shared(),
                Access::Write | Access::Create => lock.try_lock(),
            };
            match r {
                Ok(()) => break,
                Err(fs::TryLockError::WouldBlock) if start.elapsed() < LOCK_WAIT => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(StoreError::Busy {
                        path: lock_path,
                        waited: start.elapsed(),
                    });
                }
                Err(fs::TryLockError::Error(e)) => return Err(io_err(&lock_path)(e)),
            }
        }
        let mut store = Self {
            root: root.to_path_buf(),
            _lock: lock,
            recovered: Vec::new(),
        };
        if exclusive {
            store.recovered = store.recover();
            if access == Access::Read {
                // flock(2) converts the lock in place; elsewhere a second,
                // shared lock is not a conversion, so release first.
                #[cfg(not(unix))]
                store._lock.unlock().map_err(io_err(&lock_path))?;
                store._lock.lock_shared().map_err(io_err(&lock_path))?;
            }
        }
        Ok(store)
    }

    /// What opening the store put right (see [`Recovered`]).
    pub fn recovered(&self) -> &[Recovered] {
        &self.recovered
    }

    /// The store directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Proves the store can take a new identity: creates, syncs and removes
    /// a file in the identities directory (D3.1 preflight, before anything
    /// consumes the renewal order).
    pub fn check_writable(&self) -> Result<(), StoreError> {
        let path = self
            .root
            .join(IDENTITIES)
            .join(format!(".preflight.{}.tmp", std::process::id()));
        let r = (|| {
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)?;
            f.write_all(b"certrenew preflight\n")?;
            f.sync_all()
        })();
        let _ = fs::remove_file(&path);
        r.map_err(io_err(&path))
    }

    /// Every complete identity (certificate and key present), sorted by id.
    /// Unreadable entries are returned as errors beside the good ones;
    /// identities still being built (hidden temporary directories) are not
    /// identities yet.
    pub fn identities(&self) -> Result<(Vec<StoredIdentity>, Vec<StoreError>), StoreError> {
        let dir = self.root.join(IDENTITIES);
        let mut good = Vec::new();
        let mut bad = Vec::new();
        let listing = match fs::read_dir(&dir) {
            Ok(l) => l,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((good, bad)),
            Err(e) => return Err(io_err(&dir)(e)),
        };
        let mut entries: Vec<PathBuf> = listing
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        entries.sort();
        // Kept aside by an earlier open: named, never dropped silently.
        for path in entries
            .iter()
            .filter(|p| file_name(p).starts_with(UNFINISHED))
        {
            bad.push(StoreError::Unfinished {
                dir: path.clone(),
                why: unfinished_why(path),
            });
        }
        entries.retain(|p| !is_hidden(p));
        for path in entries {
            if !is_complete(&path) {
                continue;
            }
            match read_identity(&path) {
                Ok(id) => good.push(id),
                Err(e) => bad.push(e),
            }
        }
        Ok((good, bad))
    }

    /// The private key of an identity.
    pub fn load_key(&self, id: &StoredIdentity) -> Result<PrivatePkcs8KeyDer<'static>, StoreError> {
        let path = id.dir.join("key.pem");
        let text = fs::read(&path).map_err(io_err(&path))?;
        cert::pem_private_key(&text).map_err(|source| StoreError::Unreadable { path, source })
    }

    /// Adds a new identity, all or nothing: key, certificate and
    /// `meta.json` are written (each fsynced) into a hidden temporary
    /// directory of the store, which is then renamed to the identity's
    /// name. A crash leaves at most a hidden directory that is not an
    /// identity, never a half-written identity that blocks a later import.
    /// Never replaces a readable identity (create-new); an incomplete one
    /// left by an older version (no certificate or no key), or one whose
    /// files cannot be read, is moved aside under a hidden name, not
    /// deleted.
    pub fn add_identity(
        &self,
        cert: &CertificateDer<'_>,
        key: &PrivatePkcs8KeyDer<'_>,
        meta: &Meta,
    ) -> Result<StoredIdentity, StoreError> {
        let facts = matched_pair(cert, key)?;
        let id = identity_id(&facts);
        let parent = self.root.join(IDENTITIES);
        let dir = parent.join(&id);
        if fs::symlink_metadata(&dir).is_ok() {
            // A readable identity is never replaced. One left incomplete by
            // an older version, or whose files cannot be read (damaged),
            // is moved aside under a hidden name, not deleted, so that
            // importing it again repairs the store.
            let complete = dir.is_dir() && is_complete(&dir);
            if !dir.is_dir() || (complete && read_identity(&dir).is_ok()) {
                return Err(StoreError::Exists(id));
            }
            let label = if complete { "unreadable" } else { "incomplete" };
            let aside = parent.join(format!(
                ".{label}.{id}.{}.{}",
                std::process::id(),
                TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
            ));
            fs::rename(&dir, &aside).map_err(io_err(&dir))?;
        }
        let tmp = parent.join(format!(
            ".new.{id}.{}.{}",
            std::process::id(),
            TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        create_private_dir(&tmp).map_err(io_err(&tmp))?;
        let key_pem =
            zeroize::Zeroizing::new(cert::pem_encode("PRIVATE KEY", key.secret_pkcs8_der()));
        let meta_json = serde_json::to_vec_pretty(meta).unwrap_or_default();
        let built = write_new(&tmp.join("key.pem"), key_pem.as_bytes(), true)
            .and_then(|()| {
                write_new(
                    &tmp.join("cert.pem"),
                    cert::pem_encode("CERTIFICATE", cert).as_bytes(),
                    false,
                )
            })
            .and_then(|()| write_new(&tmp.join("meta.json"), &meta_json, false));
        if let Err(e) = built {
            let _ = fs::remove_dir_all(&tmp);
            return Err(e);
        }
        // Create-new: rename(2) would replace an empty directory of that
        // name, so check first; the exclusive store lock keeps every other
        // certrenew out between the check and the rename.
        if fs::symlink_metadata(&dir).is_ok() {
            let _ = fs::remove_dir_all(&tmp);
            return Err(StoreError::Exists(id));
        }
        if let Err(e) = fs::rename(&tmp, &dir) {
            let _ = fs::remove_dir_all(&tmp);
            return Err(io_err(&dir)(e));
        }
        sync_dir(&parent);
        read_identity(&dir)
    }

    /// Saves a renewal's new key before the issuance is sent (D7.3):
    /// `meta.json`, then `key.pem` (0600), each fsynced, in a new hidden
    /// directory. See [`PendingRenewal`].
    pub fn begin_renewal(
        &self,
        key: &PrivatePkcs8KeyDer<'_>,
        meta: &Meta,
    ) -> Result<PendingRenewal, StoreError> {
        let parent = self.root.join(IDENTITIES);
        let dir = parent.join(format!(
            "{RENEWING}{}.{}",
            std::process::id(),
            TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        create_private_dir(&dir).map_err(io_err(&dir))?;
        sync_dir(&parent);
        let key_pem =
            zeroize::Zeroizing::new(cert::pem_encode("PRIVATE KEY", key.secret_pkcs8_der()));
        let meta_json = serde_json::to_vec_pretty(meta).unwrap_or_default();
        let written = write_new(&dir.join("meta.json"), &meta_json, false)
            .and_then(|()| write_new(&dir.join("key.pem"), key_pem.as_bytes(), true));
        if let Err(e) = written {
            let _ = fs::remove_dir_all(&dir);
            return Err(e);
        }
        Ok(PendingRenewal { dir })
    }

    /// Adds the issued certificate to a pending renewal and makes it an
    /// identity: `cert.pem` written and fsynced beside the key, then the
    /// directory renamed to the identity's name (never over one) and the
    /// identities directory fsynced. When this fails after `cert.pem` is
    /// written, the directory stays for the next run to complete.
    pub fn finish_renewal(
        &self,
        pending: PendingRenewal,
        cert: &CertificateDer<'_>,
        key: &PrivatePkcs8KeyDer<'_>,
    ) -> Result<StoredIdentity, StoreError> {
        let facts = match matched_pair(cert, key) {
            Ok(facts) => facts,
            Err(e @ StoreError::KeyMismatch(_)) => {
                self.abandon_renewal(pending);
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        let tmp = &pending.dir;
        if let Err(e) = write_new(
            &tmp.join("cert.pem"),
            cert::pem_encode("CERTIFICATE", cert).as_bytes(),
            false,
        ) {
            // Not written: the caller saves certificate and key elsewhere.
            self.abandon_renewal(pending);
            return Err(e);
        }
        let id = identity_id(&facts);
        let parent = self.root.join(IDENTITIES);
        let dir = parent.join(&id);
        // Create-new, as in add_identity: the exclusive lock keeps other
        // certrenews out between this check and the rename.
        if fs::symlink_metadata(&dir).is_ok() {
            return Err(StoreError::Exists(id));
        }
        fs::rename(tmp, &dir).map_err(io_err(&dir))?;
        sync_dir(&parent);
        read_identity(&dir)
    }

    /// Removes a pending renewal whose issuance did not happen (refused,
    /// or no certificate to store).
    pub fn abandon_renewal(&self, pending: PendingRenewal) {
        let _ = fs::remove_dir_all(&pending.dir);
        sync_dir(&self.root.join(IDENTITIES));
    }

    /// Stores the chain of an identity that has none yet.
    pub fn add_chain(
        &self,
        id: &StoredIdentity,
        chain: &[CertificateDer<'_>],
    ) -> Result<StoredIdentity, StoreError> {
        let pem: String = chain
            .iter()
            .map(|c| cert::pem_encode("CERTIFICATE", c))
            .collect();
        write_new(&id.dir.join("chain.pem"), pem.as_bytes(), false)?;
        read_identity(&id.dir)
    }
}

/// The certificate's facts when `key` is its private key; `KeyMismatch`
/// otherwise.
fn matched_pair(
    cert: &CertificateDer<'_>,
    key: &PrivatePkcs8KeyDer<'_>,
) -> Result<CertFacts, StoreError> {
    let facts = CertFacts::parse(cert).map_err(|source| StoreError::Unreadable {
        path: PathBuf::from("(certificate)"),
        source,
    })?;
    let spki = cert::key_spki(key).map_err(|source| StoreError::Unreadable {
        path: PathBuf::from("(private key)"),
        source,
    })?;
    if spki != facts.spki_der {
        return Err(StoreError::KeyMismatch(facts.serial));
    }
    Ok(facts)
}

fn read_identity(dir: &Path) -> Result<StoredIdentity, StoreError> {
    let id = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let cert_path = dir.join("cert.pem");
    let text = fs::read(&cert_path).map_err(io_err(&cert_path))?;
    let unreadable = |path: &Path| {
        let path = path.to_path_buf();
        move |source| StoreError::Unreadable { path, source }
    };
    let der = cert::pem_certificates(&text)
        .map_err(unreadable(&cert_path))?
        .into_iter()
        .next()
        .ok_or(CertError::NoPem("CERTIFICATE"))
        .map_err(unreadable(&cert_path))?;
    let facts = CertFacts::parse(&der).map_err(unreadable(&cert_path))?;
    let chain_path = dir.join("chain.pem");
    let chain = if chain_path.is_file() {
        let text = fs::read(&chain_path).map_err(io_err(&chain_path))?;
        cert::pem_certificates(&text)
            .map_err(unreadable(&chain_path))?
            .iter()
            .map(|c| CertFacts::parse(c))
            .collect::<Result<Vec<_>, _>>()
            .map_err(unreadable(&chain_path))?
    } else {
        Vec::new()
    };
    let meta = fs::read(dir.join("meta.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    Ok(StoredIdentity {
        id,
        dir: dir.to_path_buf(),
        cert: facts,
        chain,
        meta,
    })
}

/// The prefix of a renewal's directory before the issuance ([`PendingRenewal`]).
const RENEWING: &str = ".renewing.";
/// The prefix of an identity being built by [`Store::add_identity`].
const NEW: &str = ".new.";
/// The prefix of a temporary identity that could not be completed.
const UNFINISHED: &str = ".unfinished.";

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
