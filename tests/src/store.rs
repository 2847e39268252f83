//! The store probe: the only reader of the layout `certrenew`'s store
//! documents (`identities/<dir>/{cert,key}.pem`, `trust/*.pem`).

use std::path::{Path, PathBuf};

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::process::{OpensslError, openssl};

/// Why a store could not answer a question about its contents.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// No stored identity has the serial.
    #[error("no identity with serial {serial} in the store")]
    NoIdentity {
        /// The serial asked for.
        serial: String,
    },
    /// openssl could not read the key.
    #[error(transparent)]
    Openssl(#[from] OpensslError),
}

/// One client store.
#[derive(Debug, Clone)]
pub struct StoreProbe {
    dir: PathBuf,
}

impl StoreProbe {
    /// The store at `dir` (it need not exist yet).
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
        }
    }

    /// Its directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Serials (hex) of every identity in the store, oldest first.
    pub fn identities(&self) -> Vec<String> {
        let mut found: Vec<_> = self
            .entries()
            .into_iter()
            .map(|(_, info)| (info.not_before, info.serial))
            .collect();
        found.sort();
        found.into_iter().map(|(_, s)| s).collect()
    }

    fn entries(&self) -> Vec<(PathBuf, certs_gen::CertInfo)> {
        let Ok(dir) = std::fs::read_dir(self.dir.join("identities")) else {
            return Vec::new();
        };
        dir.flatten()
            .filter_map(|entry| {
                let pem = std::fs::read(entry.path().join("cert.pem")).ok()?;
                let der = CertificateDer::from_pem_slice(&pem).ok()?;
                let info = certs_gen::CertInfo::from_der(&der).ok()?;
                Some((entry.path(), info))
            })
            .collect()
    }

    /// The key type of the stored identity with this serial (`p256`,
    /// `rsa2048`, ...), as openssl reads its key file.
    pub fn key_type(&self, serial: &str) -> Result<String, ProbeError> {
        let Some((dir, _)) = self.entries().into_iter().find(|(_, i)| i.serial == serial) else {
            return Err(ProbeError::NoIdentity {
                serial: serial.to_owned(),
            });
        };
        let key = dir.join("key.pem").display().to_string();
        let text = openssl(&["pkey", "-in", &key, "-noout", "-text"])?;
        Ok(key_type_of(&text))
    }

    /// Whether a certificate with this DER is among the trusted roots.
    pub fn trusts(&self, root_der: &[u8]) -> bool {
        let Ok(dir) = std::fs::read_dir(self.dir.join("trust")) else {
            return false;
        };
        dir.flatten().any(|e| {
            std::fs::read(e.path())
                .ok()
                .and_then(|pem| CertificateDer::from_pem_slice(&pem).ok())
                .is_some_and(|der| der.as_ref() == root_der)
        })
    }
}

/// The key type in `openssl pkey -text` output.
fn key_type_of(text: &str) -> String {
    if text.contains("ASN1 OID: prime256v1") {
        "p256".to_owned()
    } else if let Some(bits) = text
        .split_once("Private-Key: (")
        .and_then(|(_, rest)| rest.split_once(" bit, 2 primes)"))
        .map(|(bits, _)| bits.to_owned())
    {
        format!("rsa{bits}")
    } else {
        format!("unknown: {}", text.lines().next().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn openssl_key_texts_name_their_type() {
        assert_eq!(
            key_type_of("Private-Key: (256 bit)\npriv:\nASN1 OID: prime256v1\n"),
            "p256"
        );
        assert_eq!(
            key_type_of("Private-Key: (2048 bit, 2 primes)\n"),
            "rsa2048"
        );
        assert_eq!(
            key_type_of("ED25519 Private-Key:\n"),
            "unknown: ED25519 Private-Key:"
        );
    }

    #[test]
    fn a_store_lists_identities_oldest_first_and_its_trusted_roots() {
        let now = time::OffsetDateTime::now_utc();
        let pki = certs_gen::Pki::generate(
            certs_gen::KeyType::P256,
            certs_gen::truncate_to_seconds(now),
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let probe = StoreProbe::new(dir.path());
        assert!(probe.identities().is_empty());
        assert!(!probe.trusts(pki.client_root.der()));
        std::fs::create_dir_all(dir.path().join("trust")).unwrap();
        std::fs::write(dir.path().join("trust/root.pem"), pki.client_root.pem()).unwrap();
        assert!(probe.trusts(pki.client_root.der()));
        assert!(!probe.trusts(pki.web_root.der()));
    }
}
