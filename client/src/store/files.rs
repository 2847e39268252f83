//! Durable writes: every file through a temporary file in its directory,
//! fsynced, linked into place without replacing anything; private
//! directories.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use rustls_pki_types::{CertificateDer, PrivatePkcs8KeyDer};

use super::error::{StoreError, io_err};
use crate::cert;

pub(super) fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut b = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

pub(super) fn create_private_dir_all(dir: &Path) -> Result<(), StoreError> {
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
pub(super) fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

pub(super) static TMP_COUNTER: AtomicU32 = AtomicU32::new(0);

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
