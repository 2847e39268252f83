//! The trust list: the client-CA roots installed in the store (D4.5,
//! D8.4), one `trust/<SHA1>.pem` each.

use super::*;

impl Store {
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
