//! `certrenew`: renews an expired bank client certificate the way the
//! vendor's Windows tool does (`docs/protocol.md`, `shared/DOMAIN.md`), on
//! any platform.
//!
//! Modules are named by the manual's words: [`store`] (the certificate
//! store), [`selection`] (the dialog, D4.2), [`renewal`] (D4), [`trust`]
//! (the root question, D4.5), [`confirm`] (the confirmation page, D5.1),
//! [`access`] (the access check, D3.1), [`messages`] (the catalogue and exit
//! codes). [`net`] holds all HTTP/TLS plumbing, [`clock`] the one clock.
//!
//! The modules form layers, no module importing one that imports it back:
//! the domain ([`selection`], [`trust`], [`confirm`], [`chain`], [`store`])
//! returns data and asks its questions as data ([`prompt::Dialog`]); the
//! [`error`] type is data too; [`messages`] is the one presentation layer
//! that turns errors and outcomes into the catalogue's lines; [`renewal`],
//! [`access`] and [`commands`] run on top, and [`cli`] composes the
//! commands' arguments.

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
