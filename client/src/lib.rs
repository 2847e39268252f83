//! `certrenew`: renews an expired bank client certificate the way the
//! vendor's Windows tool does (`docs/protocol.md`, `shared/DOMAIN.md`), on
//! any platform.
//!
//! Modules are named by the manual's words: [`store`] (the certificate
//! store), [`selection`] (the dialog, D4.2), [`renewal`] (D4), [`trust`]
//! (the root question, D4.5), [`confirm`] (the confirmation page, D5.1),
//! [`access`] (the access check, D3.1), [`messages`] (the catalogue and exit
//! codes). [`net`] holds all HTTP/TLS plumbing, [`clock`] the one clock.

pub mod access;
pub mod cert;
pub mod chain;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod confirm;
pub mod csr;
pub mod env;
pub mod error;
pub mod messages;
pub mod net;
pub mod pkcs12;
pub mod prompt;
pub mod renewal;
pub mod selection;
pub mod signals;
pub mod store;
pub mod trust;

pub use error::Error;
pub use messages::{Class, Outcome};
