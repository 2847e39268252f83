//! PKCS#12 read and written in one place: `import --p12` reads a file the
//! vendor's tool or a browser exported; `export` writes one (PBES2/AES-256,
//! SHA-256 MAC, p12-keystore's defaults) that `openssl pkcs12 -info` and
//! browsers read.

use rustls_pki_types::PrivatePkcs8KeyDer;
use zeroize::Zeroizing;

/// What a PKCS#12 file holds: the first private key and every certificate,
/// in the file's order (the key's chain first).
pub struct Contents {
    pub key: Option<PrivatePkcs8KeyDer<'static>>,
    pub certs: Vec<Vec<u8>>,
}

// The key never reaches a log: Debug says only whether there is one.
impl std::fmt::Debug for Contents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contents")
            .field("key", &self.key.as_ref().map(|_| "<private key>"))
            .field("certs", &self.certs.len())
            .finish()
    }
}

/// Reads `data` with `passphrase`; the error is p12-keystore's (a wrong
/// passphrase and a file that is not PKCS#12 both end here).
pub fn read(data: &[u8], passphrase: &str) -> Result<Contents, p12_keystore::error::Error> {
    let ks = p12_keystore::KeyStore::from_pkcs12(
        data,
        passphrase,
        p12_keystore::Pkcs12ImportPolicy::Relaxed,
    )?;
    let mut key = None;
    let mut certs = Vec::new();
    for (_, entry) in ks.entries() {
        match entry {
            p12_keystore::KeyStoreEntry::PrivateKeyChain(c) => {
                if key.is_none() {
                    key = Some(PrivatePkcs8KeyDer::from(c.key().as_der().to_vec()));
                }
                certs.extend(c.certs().iter().map(|c| c.as_der().to_vec()));
            }
            p12_keystore::KeyStoreEntry::Certificate(c) => certs.push(c.as_der().to_vec()),
            p12_keystore::KeyStoreEntry::Secret(_) => {}
        }
    }
    Ok(Contents { key, certs })
}

/// One key with its certificate and chain (`certs`, leaf first) as a
/// PKCS#12 file protected by `passphrase`, under `alias`.
pub fn write<'a>(
    key_pkcs8: &[u8],
    certs: impl IntoIterator<Item = &'a [u8]>,
    local_key_id: Vec<u8>,
    alias: &str,
    passphrase: &str,
) -> Result<Zeroizing<Vec<u8>>, p12_keystore::error::Error> {
    let key = p12_keystore::PrivateKey::from_der(key_pkcs8)?;
    let certs = certs
        .into_iter()
        .map(p12_keystore::Certificate::from_der)
        .collect::<Result<Vec<_>, _>>()?;
    let chain = p12_keystore::PrivateKeyChain::new(local_key_id, key, certs);
    let mut ks = p12_keystore::KeyStore::new();
    ks.add_entry(alias, p12_keystore::KeyStoreEntry::PrivateKeyChain(chain));
    Ok(Zeroizing::new(ks.writer(passphrase).write()?))
}
