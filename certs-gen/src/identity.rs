//! A key with its certificate and chain: a customer's identity or a server's.

use p12_keystore::{KeyStore, KeyStoreEntry, PrivateKeyChain};
use rustls_pki_types::{CertificateDer, PrivatePkcs8KeyDer};

use crate::error::Error;
use crate::info::{CertInfo, sha1_hex};
use crate::key::KeyType;

/// A private key (PKCS#8), its certificate and the chain above it (issuing CA
/// first, root last).
pub struct Identity {
    /// The key's type.
    pub key_type: KeyType,
    /// The private key, PKCS#8 DER.
    pub key: PrivatePkcs8KeyDer<'static>,
    /// The end-entity certificate.
    pub cert: CertificateDer<'static>,
    /// Issuing CA first, root last.
    pub chain: Vec<CertificateDer<'static>>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("key_type", &self.key_type)
            .field("cert", &self.info().map(|i| i.subject).unwrap_or_default())
            .finish_non_exhaustive()
    }
}

impl Clone for Identity {
    fn clone(&self) -> Self {
        Self {
            key_type: self.key_type,
            key: self.key.clone_key(),
            cert: self.cert.clone(),
            chain: self.chain.clone(),
        }
    }
}

impl Identity {
    /// What x509-cert reads from the end-entity certificate.
    pub fn info(&self) -> Result<CertInfo, Error> {
        Ok(CertInfo::from_der(&self.cert)?)
    }

    /// The private key as PKCS#8 PEM.
    pub fn key_pem(&self) -> String {
        crate::pem::private_key(self.key.secret_pkcs8_der())
    }

    /// The end-entity certificate as PEM.
    pub fn cert_pem(&self) -> String {
        crate::pem::certificate(&self.cert)
    }

    /// The chain (without the end-entity certificate) as concatenated PEM.
    pub fn chain_pem(&self) -> String {
        self.chain
            .iter()
            .map(|c| crate::pem::certificate(c))
            .collect()
    }

    /// A PKCS#12 bundle of key, certificate and chain, protected by
    /// `passphrase` (PBES2 with AES-256-CBC, SHA-256 MAC).
    pub fn to_pkcs12(&self, passphrase: &str, alias: &str) -> Result<Vec<u8>, Error> {
        let key = p12_keystore::PrivateKey::from_der(self.key.secret_pkcs8_der())?;
        let certs = std::iter::once(&self.cert)
            .chain(self.chain.iter())
            .map(|c| p12_keystore::Certificate::from_der(c))
            .collect::<Result<Vec<_>, _>>()?;
        let local_key_id = hex::decode(sha1_hex(&self.cert)).unwrap_or_default();
        let chain = PrivateKeyChain::new(local_key_id, key, certs);
        let mut store = KeyStore::new();
        store.add_entry(alias, KeyStoreEntry::PrivateKeyChain(chain));
        Ok(store.writer(passphrase).write()?)
    }
}
