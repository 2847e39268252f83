//! Test PKIs for the renewal harness.
//!
//! One place makes every certificate the project uses: the web root and the
//! servers' TLS certificates for webra1/webra2, the client-CA root and its
//! issuing CA, client certificates in any validity state relative to a given
//! "now", CRLs, PKCS#12 bundles, and a manifest of thumbprints. Nothing it
//! makes is ever committed: everything is generated when needed.
//!
//! ```
//! use certs_gen::{ClientSpec, KeyType, Pki};
//! let now = time::OffsetDateTime::now_utc();
//! let pki = Pki::generate(KeyType::P256, now).unwrap();
//! let expired = pki
//!     .issue_client(&ClientSpec::ending("ACME user01", now, -time::Duration::days(10)))
//!     .unwrap();
//! assert!(expired.info().unwrap().not_after < now);
//! ```

pub mod export;
mod identity;
pub mod info;
pub mod names;
pub mod pem;
mod pki;
pub mod spec;

pub use identity::Identity;
pub use info::CertInfo;
pub use names::PkiNames;
pub use pki::{
    Ca, ClientSpec, DEFAULT_CLIENT_LIFETIME, Pki, Revocation, RevocationReason, der_tlv,
    random_serial, truncate_to_seconds,
};

use rcgen::{KeyPair, KeyUsagePurpose, SignatureAlgorithm};
use serde::{Deserialize, Serialize};

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

    fn end_entity_key_usages(self) -> Vec<KeyUsagePurpose> {
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

/// Everything that can go wrong while making or writing a PKI.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// rcgen refused to generate, sign or parse.
    #[error("certificate generation failed: {0}")]
    Rcgen(#[from] rcgen::Error),
    /// A certificate we made did not read back.
    #[error(transparent)]
    Parse(#[from] info::ParseError),
    /// Building a PKCS#12 bundle failed.
    #[error("PKCS#12 export failed: {0}")]
    Pkcs12(#[from] p12_keystore::error::Error),
    /// A validity window that ends before it starts.
    #[error("validity ends ({not_after}) before it starts ({not_before})")]
    Validity {
        /// Requested start.
        not_before: time::OffsetDateTime,
        /// Requested end.
        not_after: time::OffsetDateTime,
    },
    /// A CSR whose key is neither P-256 nor RSA with SHA-256.
    #[error("unsupported key in CSR: expected ECDSA P-256 or RSA with SHA-256")]
    UnsupportedKey,
    /// Writing the output failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: std::path::PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A spec file or flag that does not describe a PKI.
    #[error("{0}")]
    Spec(String),
    /// An extension rcgen has no field for could not be encoded.
    #[error("DER encoding failed: {0}")]
    Der(#[from] x509_cert::der::Error),
    /// A "now" no PKI can be made around (see [`check_now`]).
    #[error(
        "{} is outside the years a test PKI can be made around \
         (2010-01-01T00:00:00Z to 2999-12-31T23:59:59Z)",
        .0.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| .0.to_string())
    )]
    NowOutOfRange(time::OffsetDateTime),
}

/// The earliest "now" a PKI can be made around.
pub const EARLIEST_NOW: time::OffsetDateTime = time::macros::datetime!(2010-01-01 0:00 UTC);
/// The latest "now" a PKI can be made around.
pub const LATEST_NOW: time::OffsetDateTime = time::macros::datetime!(2999-12-31 23:59:59 UTC);

/// Whether a PKI can be made around `now`. Its CAs start 10 years before
/// it, and a client window reaches at most 40 years back (an end up to 20
/// years away, [`fileformat::Offset::MAX_SECONDS`], and a life as long): every such
/// instant must be one that certificates parsed here can hold (from 1970 on).
/// Years 2010 to 2999 leave room for all of that; a clock outside them is
/// refused here rather than failing or overflowing later.
pub fn check_now(now: time::OffsetDateTime) -> Result<(), Error> {
    if (EARLIEST_NOW..=LATEST_NOW).contains(&now) {
        Ok(())
    } else {
        Err(Error::NowOutOfRange(now))
    }
}
