//! What making or writing a PKI fails with.

use crate::info;

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
    /// A "now" no PKI can be made around (see [`check_now`](crate::check_now)).
    #[error(
        "{} is outside the years a test PKI can be made around \
         (2010-01-01T00:00:00Z to 2999-12-31T23:59:59Z)",
        .0.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| .0.to_string())
    )]
    NowOutOfRange(time::OffsetDateTime),
}
