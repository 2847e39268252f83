//! Recovery: what a run that ended early (killed, power lost) left in
//! the store, completed or removed by the next command that takes the
//! exclusive lock ([`Store::open`]).

use super::*;

impl Store {
    /// Puts right what runs that ended early left: store directories made
    /// private; temporary files removed; temporary identity directories
    /// completed and added when they hold a certificate and its key, kept
    /// aside when they hold a certificate that cannot be completed, removed
    /// otherwise. Only called with the exclusive lock held. Best effort: a
    /// step the file system refuses is left for a later run.
    pub(super) fn recover(&self) -> Vec<Recovered> {
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
}

/// A temporary file of [`write_new`] (`.NAME.PID.N.tmp`) or of the
/// preflight (`.preflight.PID.tmp`).
pub(super) fn is_temporary_file(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".tmp")
}

/// Removes the temporary files directly in `dir`; how many.
pub(super) fn remove_temporary_files(dir: &Path) -> usize {
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
pub(super) fn find_written<T>(
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
pub(super) fn tighten(dir: &Path) -> Option<u32> {
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
pub(super) fn tighten(_dir: &Path) -> Option<u32> {
    None
}
