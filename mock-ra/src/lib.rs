//! A mock of the vendor's four hosts for renewing an expired bank client
//! certificate: webra2 (the RA), webra1 (the confirmation page), repo1 and
//! repository (certificates and CRLs), plus an admin API and a journal of
//! every request with its server-side cause.
//!
//! The wire contract is `docs/protocol.md`; the behaviours it reproduces are
//! numbered in `DOMAIN.md` (D*, E*). Everything it serves is generated at
//! start-up by `certs-gen`, relative to a virtual clock.
//!
//! ```no_run
//! # async fn demo() -> Result<(), mock_ra::MockError> {
//! use mock_ra::{MockRa, World};
//! let mock = MockRa::start(World::demo()).await?;
//! println!("RA at {}", mock.urls().webra2);
//! let alice = mock.identity("demo").expect("the demo world has it");
//! mock.shutdown().await;
//! # Ok(()) }
//! ```

pub mod accounts;
pub mod admin;
mod admin_hooks;
mod admin_reply;
mod body;
mod builder;
pub mod clock;
pub mod console;
mod decision;
mod error;
pub mod faults;
mod head;
mod identities;
pub mod issuance;
pub mod journal;
mod ledger;
pub mod limits;
mod mock;
pub mod problem;
pub mod protocol;
mod proxy;
pub mod ready;
pub mod repository;
mod serve;
mod state;
pub mod states;
mod tickets;
pub mod tls;
mod vhost;
pub mod webra1;
pub mod webra2;
pub mod world;

pub use accounts::{AccountView, CertStatus, CertificateView, OrderState, Password};
pub use builder::{MockRaBuilder, Ports};
pub use error::MockError;
pub use faults::{FaultHost, FaultKind, FaultSettings, FaultSpec, FaultView, FaultsView};
pub use journal::{Cause, Class, JournalEntry, JournalStats, PresentedCertificate, Role};
pub use limits::Limits;
pub use mock::{MockRa, Urls, unresolvable_name};
pub use protocol::{Host, UnknownHost, rfc3339};
pub use serve::PeerCertificate;
pub use state::{AccountPatch, OrderSummary};
pub use world::{AccountSpec, CertificateSpec, Policy, World, WorldError};

#[cfg(test)]
mod model_tests;
