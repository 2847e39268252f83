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
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use rustls_pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::cert::{self, CertError, CertFacts};

const IDENTITIES: &str = "identities";
const TRUST: &str = "trust";
const LOCK: &str = ".lock";
/// How long a command waits for another one to release the store.
const LOCK_WAIT: Duration = Duration::from_secs(30);

/// What went wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file system refused.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
    /// Another certrenew holds the store.
    #[error("{}: the store is in use by another certrenew (waited {}s)", path.display(), waited.as_secs())]
    Busy {
        /// The lock file.
        path: PathBuf,
        /// How long we waited.
        waited: Duration,
    },
    /// A file in the store or given to import that is not what it should be.
    #[error("{}: {source}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: CertError,
    },
    /// The identity is already there (create-new semantics).
    #[error("identity {0} is already in the store")]
    Exists(String),
    /// The key is not the certificate's.
    #[error("the private key does not belong to the certificate {0}")]
    KeyMismatch(String),
    /// A command that only reads (or renews what is there) was pointed at
    /// a store that does not exist; only `import` and `roots add` create one.
    #[error("{}: no certificate store here", .0.display())]
    Missing(PathBuf),
    /// An identity an earlier run left half-written that could not be
    /// completed; it is kept, set aside under this hidden name.
    #[error("{}: an unfinished identity that cannot be completed: {why}", dir.display())]
    Unfinished {
        /// The set-aside directory.
        dir: PathBuf,
        /// Why it cannot be completed.
        why: String,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

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

/// What opening the store found left by an earlier run that ended early
/// (killed, power lost) and put right. Each is said once, by the run that
/// did it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovered {
    /// A complete identity (certificate and matching key) left in a
    /// temporary directory was added to the store under its name.
    Adopted {
        /// The certificate's serial.
        serial: String,
        /// Where it is now.
        dir: PathBuf,
        /// Whether it was a renewal (its chain is completed by `renew`).
        renewal: bool,
    },
    /// A renewal that saved its new key and then ended before the RA's
    /// answer was stored: removed (a key without its certificate is of no
    /// use). The RA may have issued the certificate (D7.3).
    AnswerNotStored {
        /// The identity it renewed, if recorded.
        renewed_from: Option<String>,
    },
    /// A temporary identity that cannot be completed, kept under this name.
    SetAside {
        /// The hidden directory it is kept in.
        dir: PathBuf,
    },
    /// Temporary files and directories of runs that ended early, removed.
    TemporariesRemoved {
        /// How many.
        count: usize,
    },
    /// A store directory others could read or enter was made 0700.
    Tightened {
        /// The directory.
        dir: PathBuf,
        /// Its mode before.
        mode: u32,
    },
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

    /// Puts right what runs that ended early left: store directories made
    /// private; temporary files removed; temporary identity directories
    /// completed and added when they hold a certificate and its key, kept
    /// aside when they hold a certificate that cannot be completed, removed
    /// otherwise. Only called with the exclusive lock held. Best effort: a
    /// step the file system refuses is left for a later run.
    fn recover(&self) -> Vec<Recovered> {
        let mut out = Vec::new();
        for dir in [
            self.root.clone(),
            self.root.join(IDENTITIES),
            self.root.join(TRUST),
        ] {
            if let Some(mode) = tighten(&dir) {
                out.push(Recovered::Tightened { dir, mode });
            }
        }
        let mut removed = 0;
        let ids = self.root.join(IDENTITIES);
        let mut entries: Vec<PathBuf> = fs::read_dir(&ids)
            .map(|l| l.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        entries.sort();
        for path in entries {
            let name = file_name(&path);
            let is_dir = fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
            if !is_dir {
                if is_temporary_file(&name) && fs::remove_file(&path).is_ok() {
                    removed += 1;
                }
                continue;
            }
            let renewal = name.starts_with(RENEWING);
            if renewal || name.starts_with(NEW) {
                match self.complete_temporary(&path, renewal) {
                    Some(r) => out.push(r),
                    None => removed += 1,
                }
            } else if !name.starts_with('.') {
                removed += remove_temporary_files(&path);
            }
        }
        removed += remove_temporary_files(&self.root.join(TRUST));
        if removed > 0 {
            out.push(Recovered::TemporariesRemoved { count: removed });
        }
        sync_dir(&ids);
        out
    }

    /// One temporary identity directory (`.renewing.*` or `.new.*`): added
    /// when complete, kept aside when it has a certificate that cannot be
    /// completed, removed otherwise (`None`: nothing worth a line but the
    /// count of temporaries removed).
    fn complete_temporary(&self, tmp: &Path, renewal: bool) -> Option<Recovered> {
        let parent = self.root.join(IDENTITIES);
        let cert = find_written(tmp, "cert.pem", |b| {
            let der = cert::pem_certificates(b).ok()?.into_iter().next()?;
            CertFacts::parse(&der).ok().map(|f| (der, f))
        });
        let key = find_written(tmp, "key.pem", |b| cert::pem_private_key(b).ok());
        let meta: Option<Meta> = fs::read(tmp.join("meta.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        let set_aside = |label: &str| {
            let aside = parent.join(format!(".unfinished.{label}"));
            fs::rename(tmp, &aside)
                .ok()
                .map(|()| Recovered::SetAside { dir: aside })
        };
        let Some((cert_file, (der, facts))) = cert else {
            if tmp.join("cert.pem").exists() {
                // A certificate file that cannot be read: kept.
                return set_aside(&file_name(tmp));
            }
            // No certificate was ever written: nothing issued reached this
            // store. A renewal's saved key is removed with it.
            let had_key = key.is_some();
            fs::remove_dir_all(tmp).ok()?;
            return (renewal && had_key).then(|| Recovered::AnswerNotStored {
                renewed_from: meta.and_then(|m| m.renewed_from),
            });
        };
        let id = identity_id(&facts);
        let matches = key
            .as_ref()
            .and_then(|(_, k)| cert::key_spki(k).ok())
            .is_some_and(|spki| spki == facts.spki_der);
        if !matches {
            return set_aside(&id);
        }
        // Put the files under their names (a temporary file that was
        // written whole but not yet linked), then the meta, then rename.
        let placed = [("cert.pem", Some(cert_file)), ("key.pem", key.map(|k| k.0))]
            .into_iter()
            .all(|(name, from)| match from {
                Some(from) if from.file_name().is_some_and(|n| n != name) => {
                    fs::rename(&from, tmp.join(name)).is_ok()
                }
                _ => true,
            });
        if !placed {
            return None;
        }
        if meta.is_none() {
            let meta = Meta {
                origin: if renewal { "renewed" } else { "imported" }.into(),
                stored_at: OffsetDateTime::now_utc(),
                renewed_from: None,
            };
            let bytes = serde_json::to_vec_pretty(&meta).unwrap_or_default();
            let _ = fs::remove_file(tmp.join("meta.json"));
            if write_new(&tmp.join("meta.json"), &bytes, false).is_err() {
                return None;
            }
        }
        remove_temporary_files(tmp);
        sync_dir(tmp);
        let dir = parent.join(&id);
        if fs::symlink_metadata(&dir).is_ok() {
            let same = read_identity(&dir).is_ok_and(|i| i.cert.der == der);
            if same {
                // Already stored (the rename happened, or it was imported
                // again): the copy is not needed.
                fs::remove_dir_all(tmp).ok()?;
                return None;
            }
            return set_aside(&format!("{id}.{}", file_name(tmp)));
        }
        fs::rename(tmp, &dir).ok()?;
        sync_dir(&parent);
        Some(Recovered::Adopted {
            serial: facts.serial,
            dir,
            renewal,
        })
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
        let facts = CertFacts::parse(cert).map_err(|source| StoreError::Unreadable {
            path: PathBuf::from("(certificate)"),
            source,
        })?;
        let spki = cert::key_spki(key).map_err(|source| StoreError::Unreadable {
            path: PathBuf::from("(private key)"),
            source,
        })?;
        if spki != facts.spki_der {
            self.abandon_renewal(pending);
            return Err(StoreError::KeyMismatch(facts.serial));
        }
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

    /// The roots in the trust list.
    pub fn trusted_roots(&self) -> Result<Vec<CertFacts>, StoreError> {
        let dir = self.root.join(TRUST);
        let listing = match fs::read_dir(&dir) {
            Ok(l) => l,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err(&dir)(e)),
        };
        let mut paths: Vec<PathBuf> = listing
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "pem"))
            .collect();
        paths.sort();
        let mut out = Vec::new();
        for path in paths {
            let text = fs::read(&path).map_err(io_err(&path))?;
            let der = cert::pem_certificates(&text)
                .map_err(|source| StoreError::Unreadable {
                    path: path.clone(),
                    source,
                })?
                .into_iter()
                .next()
                .ok_or_else(|| StoreError::Unreadable {
                    path: path.clone(),
                    source: CertError::NoPem("CERTIFICATE"),
                })?;
            out.push(
                CertFacts::parse(&der).map_err(|source| StoreError::Unreadable {
                    path: path.clone(),
                    source,
                })?,
            );
        }
        Ok(out)
    }

    /// Whether exactly this root certificate is in the trust list.
    pub fn is_trusted(&self, root: &CertificateDer<'_>) -> Result<bool, StoreError> {
        Ok(self
            .trusted_roots()?
            .iter()
            .any(|r| r.der.as_ref() == root.as_ref()))
    }

    /// Adds a root to the trust list (no-op when it is already there).
    pub fn trust_root(&self, root: &CertificateDer<'_>) -> Result<(), StoreError> {
        let name = format!("{}.pem", cert::sha1_hex(root).to_uppercase());
        match write_new(
            &self.root.join(TRUST).join(name),
            cert::pem_encode("CERTIFICATE", root).as_bytes(),
            false,
        ) {
            Err(StoreError::Io { source, .. }) if source.kind() == io::ErrorKind::AlreadyExists => {
                Ok(())
            }
            other => other,
        }
    }
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

/// A temporary file of [`write_new`] (`.NAME.PID.N.tmp`) or of the
/// preflight (`.preflight.PID.tmp`).
fn is_temporary_file(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".tmp")
}

/// Removes the temporary files directly in `dir`; how many.
fn remove_temporary_files(dir: &Path) -> usize {
    let Ok(listing) = fs::read_dir(dir) else {
        return 0;
    };
    listing
        .filter_map(|e| e.ok())
        .filter(|e| is_temporary_file(&e.file_name().to_string_lossy()))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| fs::remove_file(e.path()).is_ok())
        .count()
}

/// `dir/NAME` when it reads as `parse` wants, else a temporary file of it
/// (`.NAME.*.tmp`) that was written whole before its run ended.
fn find_written<T>(
    dir: &Path,
    name: &str,
    parse: impl Fn(&[u8]) -> Option<T>,
) -> Option<(PathBuf, T)> {
    let read = |p: PathBuf| {
        let bytes = zeroize::Zeroizing::new(fs::read(&p).ok()?);
        parse(&bytes).map(|v| (p, v))
    };
    if dir.join(name).is_file() {
        return read(dir.join(name));
    }
    let prefix = format!(".{name}.");
    let mut tmps: Vec<PathBuf> = fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with(&prefix) && n.ends_with(".tmp")
        })
        .map(|e| e.path())
        .collect();
    tmps.sort();
    tmps.into_iter().find_map(read)
}

/// Makes a store directory 0700 when others could read or enter it;
/// returns its mode before.
#[cfg(unix)]
fn tighten(dir: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let meta = fs::symlink_metadata(dir).ok()?;
    let mode = meta.permissions().mode() & 0o777;
    if !meta.is_dir() || mode & 0o077 == 0 {
        return None;
    }
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).ok()?;
    Some(mode)
}

#[cfg(not(unix))]
fn tighten(_dir: &Path) -> Option<u32> {
    None
}

/// A name starting with a dot: temporary or set aside, not an identity.
fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

/// Why a set-aside temporary identity cannot be completed.
fn unfinished_why(dir: &Path) -> String {
    let cert = dir.join("cert.pem");
    match fs::read(&cert) {
        Err(_) => "no readable certificate".into(),
        Ok(b) if cert::pem_certificates(&b).map_or(true, |v| v.is_empty()) => {
            "the certificate cannot be read".into()
        }
        Ok(_) if !dir.join("key.pem").is_file() => "no private key".into(),
        Ok(_) => "the private key does not belong to the certificate, or the identity exists with another certificate".into(),
    }
}

/// Whether an identity directory has its certificate and its key.
fn is_complete(dir: &Path) -> bool {
    dir.join("cert.pem").is_file() && dir.join("key.pem").is_file()
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut b = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

fn create_private_dir_all(dir: &Path) -> Result<(), StoreError> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(io_err(dir))
}

/// Makes a directory's entries durable (Unix; a no-op elsewhere).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

static TMP_COUNTER: AtomicU32 = AtomicU32::new(0);

/// Writes a new file atomically and never over an existing one: a temporary
/// file in the same directory, written and fsynced, is hard-linked to `path`
/// (which fails if `path` exists), or renamed where links are unsupported;
/// then the directory is fsynced. `secret` files are 0600 on Unix.
pub fn write_new(path: &Path, bytes: &[u8], secret: bool) -> Result<(), StoreError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if secret { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = secret;
    let written = (|| {
        let mut f = options.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(io_err(&tmp)(e));
    }
    let placed = match fs::hard_link(&tmp, path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(e),
        // File systems without hard links: the store lock keeps others out,
        // so checking first and renaming cannot race with another certrenew.
        Err(_) if !path.exists() => fs::rename(&tmp, path),
        Err(e) => Err(e),
    };
    let _ = fs::remove_file(&tmp);
    placed.map_err(io_err(path))?;
    sync_dir(dir);
    Ok(())
}

/// Saves a newly issued certificate and its key outside the store when the
/// store cannot take them (D7.3: never lose it silently): next to the store
/// first, the temporary directory second. Returns where it went.
pub fn write_recovery(
    store_root: &Path,
    cert: &CertificateDer<'_>,
    key: &PrivatePkcs8KeyDer<'_>,
    serial: &str,
) -> Option<PathBuf> {
    let text = zeroize::Zeroizing::new(format!(
        "{}{}",
        cert::pem_encode("CERTIFICATE", cert),
        cert::pem_encode("PRIVATE KEY", key.secret_pkcs8_der())
    ));
    let file = format!("certrenew-recovery-{serial}.pem");
    let beside = store_root.parent().map(|p| p.join(&file));
    let candidates = beside
        .into_iter()
        .chain(std::iter::once(std::env::temp_dir().join(&file)));
    candidates
        .into_iter()
        .find(|path| write_new(path, text.as_bytes(), true).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use certs_gen::{ClientSpec, KeyType, Pki};
    use time::Duration as TimeDuration;

    fn meta() -> Meta {
        Meta {
            origin: "imported".into(),
            stored_at: OffsetDateTime::UNIX_EPOCH,
            renewed_from: None,
        }
    }

    fn identity(pki: &Pki, cn: &str) -> certs_gen::Identity {
        pki.issue_client(&ClientSpec::ending(
            cn,
            OffsetDateTime::now_utc(),
            -TimeDuration::days(10),
        ))
        .unwrap()
    }

    #[test]
    fn write_new_never_replaces_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.pem");
        write_new(&p, b"first", false).unwrap();
        let e = write_new(&p, b"second", false).unwrap_err();
        assert!(
            matches!(e, StoreError::Io { ref source, .. } if source.kind() == io::ErrorKind::AlreadyExists)
        );
        assert_eq!(fs::read(&p).unwrap(), b"first");
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn keys_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let pki = Pki::generate(KeyType::P256, OffsetDateTime::now_utc()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Access::Write).unwrap();
        let id = identity(&pki, "user01");
        let stored = store.add_identity(&id.cert, &id.key, &meta()).unwrap();
        let mode = fs::metadata(stored.dir.join("key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn identities_are_added_once_and_keep_their_chain() {
        let pki = Pki::generate(KeyType::P256, OffsetDateTime::now_utc()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Access::Write).unwrap();
        store.check_writable().unwrap();
        let id = identity(&pki, "user01");
        let stored = store.add_identity(&id.cert, &id.key, &meta()).unwrap();
        assert!(!stored.has_chain());
        let again = store.add_identity(&id.cert, &id.key, &meta()).unwrap_err();
        assert!(matches!(again, StoreError::Exists(ref i) if *i == stored.id));
        let with_chain = store.add_chain(&stored, &id.chain).unwrap();
        assert_eq!(with_chain.chain_der(), id.chain);
        assert!(store.add_chain(&stored, &id.chain).is_err());
        let other = identity(&pki, "user02");
        store
            .add_identity(&other.cert, &other.key, &meta())
            .unwrap();
        let (all, bad) = store.identities().unwrap();
        assert!(bad.is_empty());
        assert_eq!(all.len(), 2);
        let key = store.load_key(&with_chain).unwrap();
        assert_eq!(key.secret_pkcs8_der(), id.key.secret_pkcs8_der());
        assert_eq!(with_chain.meta, Some(meta()));
    }

    #[test]
    fn a_damaged_identity_is_reported_and_importing_it_again_repairs_the_store() {
        let pki = Pki::generate(KeyType::P256, OffsetDateTime::now_utc()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Access::Write).unwrap();
        let id = identity(&pki, "user01");
        let stored = store.add_identity(&id.cert, &id.key, &meta()).unwrap();
        let damaged = b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n";
        fs::write(stored.dir.join("cert.pem"), damaged).unwrap();
        let (good, bad) = store.identities().unwrap();
        assert!(good.is_empty());
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert!(
            matches!(&bad[0], StoreError::Unreadable { path, .. } if path.ends_with("cert.pem")),
            "{bad:?}"
        );
        // Adding it again moves the damaged copy aside (kept, hidden) and
        // stores a good one under the same name.
        let again = store.add_identity(&id.cert, &id.key, &meta()).unwrap();
        assert_eq!(again.dir, stored.dir);
        let (good, bad) = store.identities().unwrap();
        assert_eq!((good.len(), bad.len()), (1, 0));
        let aside: Vec<PathBuf> = fs::read_dir(dir.path().join(IDENTITIES))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(".unreadable.")
            })
            .collect();
        assert_eq!(aside.len(), 1, "{aside:?}");
        assert_eq!(fs::read(aside[0].join("cert.pem")).unwrap(), damaged);
    }

    #[test]
    fn a_crash_while_adding_never_blocks_a_later_add() {
        let pki = Pki::generate(KeyType::P256, OffsetDateTime::now_utc()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Access::Write).unwrap();
        let id = identity(&pki, "user01");
        let name = identity_id(&CertFacts::parse(&id.cert).unwrap());
        let ids_dir = dir.path().join(IDENTITIES);
        // What a crash mid-add leaves now: a hidden temporary directory with
        // the key in it. It is not an identity.
        let leftover = ids_dir.join(format!(".new.{name}.1.0"));
        fs::create_dir(&leftover).unwrap();
        fs::write(leftover.join("key.pem"), b"partial").unwrap();
        // What a crash left with the old non-atomic code: the identity's own
        // directory with the key only.
        let half = ids_dir.join(&name);
        fs::create_dir(&half).unwrap();
        fs::write(half.join("key.pem"), b"partial").unwrap();
        assert!(store.identities().unwrap().0.is_empty());
        // Adding works, and is complete.
        let stored = store.add_identity(&id.cert, &id.key, &meta()).unwrap();
        assert_eq!(stored.dir, half);
        assert_eq!(store.identities().unwrap().0.len(), 1);
        // Nothing was deleted: the half one is set aside, the temporary
        // one is left alone.
        let hidden: Vec<String> = fs::read_dir(&ids_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(
            hidden.iter().any(|n| n.starts_with(".incomplete.")),
            "{hidden:?}"
        );
        assert!(leftover.join("key.pem").is_file());
        // Still create-new: a complete identity is never replaced, and a
        // file in the way is not an identity to replace either.
        assert!(matches!(
            store.add_identity(&id.cert, &id.key, &meta()),
            Err(StoreError::Exists(_))
        ));
        let other = identity(&pki, "user02");
        let other_name = identity_id(&CertFacts::parse(&other.cert).unwrap());
        fs::write(ids_dir.join(&other_name), b"in the way").unwrap();
        assert!(
            store
                .add_identity(&other.cert, &other.key, &meta())
                .is_err()
        );
        assert_eq!(fs::read(ids_dir.join(&other_name)).unwrap(), b"in the way");
        // No temporary directory of the failed add is left behind.
        let news = fs::read_dir(&ids_dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(&format!(".new.{other_name}"))
            })
            .count();
        assert_eq!(news, 0);
    }

    fn hidden_entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn opening_the_store_completes_or_removes_what_an_ended_run_left() {
        let pki = Pki::generate(KeyType::P256, OffsetDateTime::now_utc()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("store");
        let ids = root.as_path().join(IDENTITIES);
        let a = identity(&pki, "a");
        let b = identity(&pki, "b");
        let c = identity(&pki, "c");
        let key_pem =
            |id: &certs_gen::Identity| cert::pem_encode("PRIVATE KEY", id.key.secret_pkcs8_der());
        let cert_pem = |id: &certs_gen::Identity| cert::pem_encode("CERTIFICATE", &id.cert);
        {
            let store = Store::open(root.as_path(), Access::Create).unwrap();
            assert!(store.recovered().is_empty(), "{:?}", store.recovered());
            // An import that ended after cert.pem: complete, no meta.
            let new = ids.join(".new.x.1.0");
            fs::create_dir(&new).unwrap();
            fs::write(new.join("key.pem"), key_pem(&a)).unwrap();
            fs::write(new.join("cert.pem"), cert_pem(&a)).unwrap();
            // A renewal that ended after writing its certificate's
            // temporary file whole, before linking it.
            let renewing = ids.join(".renewing.1.0");
            fs::create_dir(&renewing).unwrap();
            let meta = Meta {
                origin: "renewed".into(),
                stored_at: OffsetDateTime::UNIX_EPOCH,
                renewed_from: Some("old-01".into()),
            };
            fs::write(
                renewing.join("meta.json"),
                serde_json::to_vec(&meta).unwrap(),
            )
            .unwrap();
            fs::write(renewing.join("key.pem"), key_pem(&b)).unwrap();
            fs::write(renewing.join(".cert.pem.1.3.tmp"), cert_pem(&b)).unwrap();
            // A renewal that ended before the answer was stored.
            let lost = ids.join(".renewing.1.1");
            fs::create_dir(&lost).unwrap();
            fs::write(lost.join("key.pem"), key_pem(&c)).unwrap();
            fs::write(lost.join(".cert.pem.1.4.tmp"), b"-----BEGIN CERT").unwrap();
            // A certificate with another's key: kept aside, named.
            let odd = ids.join(".renewing.1.2");
            fs::create_dir(&odd).unwrap();
            fs::write(odd.join("key.pem"), key_pem(&a)).unwrap();
            fs::write(odd.join("cert.pem"), cert_pem(&c)).unwrap();
            // Temporary files.
            fs::write(ids.join(".preflight.1.tmp"), b"x").unwrap();
            fs::write(root.as_path().join(TRUST).join(".AB.pem.1.0.tmp"), b"x").unwrap();
        }
        let store = Store::open(root.as_path(), Access::Read).unwrap();
        let r = store.recovered();
        let adopted: Vec<(&str, bool)> = r
            .iter()
            .filter_map(|r| match r {
                Recovered::Adopted {
                    serial, renewal, ..
                } => Some((serial.as_str(), *renewal)),
                _ => None,
            })
            .collect();
        let serial = |id: &certs_gen::Identity| CertFacts::parse(&id.cert).unwrap().serial;
        let (sa, sb) = (serial(&a), serial(&b));
        assert_eq!(
            adopted,
            vec![(sa.as_str(), false), (sb.as_str(), true)],
            "{r:?}"
        );
        assert!(r.contains(&Recovered::AnswerNotStored { renewed_from: None }));
        assert!(
            r.iter().any(|r| matches!(r, Recovered::SetAside { .. })),
            "{r:?}"
        );
        assert!(
            r.contains(&Recovered::TemporariesRemoved { count: 2 }),
            "{r:?}"
        );
        let (good, bad) = store.identities().unwrap();
        assert_eq!(good.len(), 2);
        let renewed = good.iter().find(|i| i.cert.serial == sb).unwrap();
        assert_eq!(
            renewed
                .meta
                .as_ref()
                .and_then(|m| m.renewed_from.as_deref()),
            Some("old-01")
        );
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert!(matches!(bad[0], StoreError::Unfinished { .. }));
        let hidden = hidden_entries(&ids);
        assert_eq!(hidden.len(), 1, "{hidden:?}");
        assert!(hidden[0].starts_with(UNFINISHED), "{hidden:?}");
        assert!(hidden_entries(&root.as_path().join(TRUST)).is_empty());
        drop(store);
        // Said once: the next open has nothing to put right.
        let again = Store::open(root.as_path(), Access::Write).unwrap();
        assert!(again.recovered().is_empty(), "{:?}", again.recovered());
    }

    #[test]
    fn a_reader_beside_another_reader_leaves_the_repair_for_later() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("store");
        drop(Store::open(root.as_path(), Access::Create).unwrap());
        let first = Store::open(root.as_path(), Access::Read).unwrap();
        fs::write(
            root.as_path().join(IDENTITIES).join(".preflight.1.tmp"),
            b"x",
        )
        .unwrap();
        let second = Store::open(root.as_path(), Access::Read).unwrap();
        assert!(second.recovered().is_empty());
        drop((first, second));
        let third = Store::open(root.as_path(), Access::Read).unwrap();
        assert_eq!(
            third.recovered(),
            &[Recovered::TemporariesRemoved { count: 1 }]
        );
    }

    #[cfg(unix)]
    #[test]
    fn store_directories_are_made_private_and_it_is_said_once() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("store");
        fs::create_dir(&root).unwrap();
        fs::set_permissions(&root, fs::Permissions::from_mode(0o755)).unwrap();
        let store = Store::open(&root, Access::Create).unwrap();
        assert_eq!(
            store.recovered(),
            &[Recovered::Tightened {
                dir: root.clone(),
                mode: 0o755
            }]
        );
        let mode = fs::metadata(&root).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        drop(store);
        assert!(
            Store::open(&root, Access::Read)
                .unwrap()
                .recovered()
                .is_empty()
        );
    }

    #[test]
    fn a_read_only_open_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("typo");
        for access in [Access::Read, Access::Write] {
            assert!(matches!(
                Store::open(&missing, access),
                Err(StoreError::Missing(_))
            ));
            assert!(!missing.exists());
        }
        Store::open(&missing, Access::Create).unwrap();
        assert!(missing.join(IDENTITIES).is_dir());
    }

    #[test]
    fn a_key_of_another_certificate_is_refused() {
        let pki = Pki::generate(KeyType::P256, OffsetDateTime::now_utc()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Access::Write).unwrap();
        let a = identity(&pki, "a");
        let b = identity(&pki, "b");
        let e = store.add_identity(&a.cert, &b.key, &meta()).unwrap_err();
        assert!(matches!(e, StoreError::KeyMismatch(_)));
        assert!(store.identities().unwrap().0.is_empty());
    }

    #[test]
    fn the_trust_list_holds_each_root_once() {
        let pki = Pki::generate(KeyType::P256, OffsetDateTime::now_utc()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Access::Write).unwrap();
        assert!(!store.is_trusted(pki.client_root.der()).unwrap());
        store.trust_root(pki.client_root.der()).unwrap();
        store.trust_root(pki.client_root.der()).unwrap();
        assert!(store.is_trusted(pki.client_root.der()).unwrap());
        assert_eq!(store.trusted_roots().unwrap().len(), 1);
    }

    #[test]
    fn a_second_writer_waits_for_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let _first = Store::open(dir.path(), Access::Write).unwrap();
        let lock = File::open(dir.path().join(LOCK)).unwrap();
        assert!(matches!(lock.try_lock(), Err(fs::TryLockError::WouldBlock)));
    }

    #[cfg(unix)]
    #[test]
    fn an_unwritable_store_fails_the_preflight() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Access::Write).unwrap();
        let ids = dir.path().join(IDENTITIES);
        fs::set_permissions(&ids, fs::Permissions::from_mode(0o500)).unwrap();
        // root ignores permissions; only assert when they are enforced.
        let probe = ids.join("probe");
        let enforced = fs::write(&probe, b"x").is_err();
        let _ = fs::remove_file(&probe);
        if enforced {
            assert!(store.check_writable().is_err());
        }
        fs::set_permissions(&ids, fs::Permissions::from_mode(0o700)).unwrap();
        assert!(store.check_writable().is_ok());
    }

    #[test]
    fn recovery_files_land_beside_the_store() {
        let pki = Pki::generate(KeyType::P256, OffsetDateTime::now_utc()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let id = identity(&pki, "user01");
        let path = write_recovery(&dir.path().join("store"), &id.cert, &id.key, "abcd").unwrap();
        assert_eq!(path, dir.path().join("certrenew-recovery-abcd.pem"));
        let text = fs::read(&path).unwrap();
        assert_eq!(
            cert::pem_certificates(&text).unwrap(),
            vec![id.cert.clone()]
        );
        assert_eq!(
            cert::pem_private_key(&text).unwrap().secret_pkcs8_der(),
            id.key.secret_pkcs8_der()
        );
    }
}
