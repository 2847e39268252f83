//! The key types the PKI makes and the RA signs.

use rcgen::{KeyPair, KeyUsagePurpose, SignatureAlgorithm};
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The key types the PKI makes and the RA signs.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum KeyType {
    /// ECDSA on P-256 with SHA-256: fast, the default for tests.
    #[default]
    P256,
    /// RSA 2048 bits with SHA-256 (PKCS#1 v1.5): what banks most likely use.
    Rsa2048,
}

impl KeyType {
    /// The name used in case files and on the wire: `p256`, `rsa2048`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::P256 => "p256",
            KeyType::Rsa2048 => "rsa2048",
        }
    }

    /// Generates a new key of this type.
    pub fn generate(self) -> Result<KeyPair, Error> {
        Ok(match self {
            KeyType::P256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?,
            KeyType::Rsa2048 => {
                KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)?
            }
        })
    }

    /// The type of a key that rcgen read from a CSR, if it is one we sign.
    pub fn of_algorithm(alg: &SignatureAlgorithm) -> Option<Self> {
        if alg == &rcgen::PKCS_ECDSA_P256_SHA256 {
            Some(KeyType::P256)
        } else if alg == &rcgen::PKCS_RSA_SHA256 {
            Some(KeyType::Rsa2048)
        } else {
            None
        }
    }

    pub(crate) fn end_entity_key_usages(self) -> Vec<KeyUsagePurpose> {
        match self {
            KeyType::P256 => vec![KeyUsagePurpose::DigitalSignature],
            KeyType::Rsa2048 => vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::KeyEncipherment,
            ],
        }
    }
}

impl std::fmt::Display for KeyType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
