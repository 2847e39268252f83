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

mod error;
pub mod export;
mod identity;
pub mod info;
mod key;
pub mod names;
mod now;
pub mod pem;
mod pki;
pub mod spec;

pub use error::Error;
pub use identity::Identity;
pub use info::CertInfo;
pub use key::KeyType;
pub use names::PkiNames;
pub use now::{EARLIEST_NOW, LATEST_NOW, check_now};
pub use pki::{
    Ca, ClientSpec, DEFAULT_CLIENT_LIFETIME, Pki, Revocation, RevocationReason, der_tlv,
    random_serial, truncate_to_seconds,
};
