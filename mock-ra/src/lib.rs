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
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use mock_ra::{Cause, Host, MockRa, World};
//! let mock = MockRa::builder(World::demo()).start().await?;
//! mock.expect(Cause::Issued).times(0);
//! let client = mock.client_for("demo")?;
//! let page = client.get(mock.url(Host::Webra2, "/")).send().await?;
//! println!("webra2 at {} answered {}", mock.urls().webra2, page.status());
//! mock.shutdown().await; // and the expectations are checked
//! # Ok(()) }
//! ```
//!
//! A world is a TOML file (the README's "The world file"), or a case file's
//! world tables:
//!
//! ```
//! use mock_ra::World;
//! let world = World::from_toml(
//!     "shop.toml",
//!     r#"
//! [[account]]
//! id = "acme"
//! password = "pw"
//!
//! [[account.certificate]]
//! expires = "-10d"
//! "#,
//! )?;
//! assert_eq!(world.accounts[0].id, "acme");
//! # Ok::<(), mock_ra::WorldError>(())
//! ```
//!
//! The modules are private; everything a user names is re-exported below.
//! The tree reads top-down: `control` (the in-process API, the admin API,
//! the console, the ready line, provider states), `hosts` (webra2, webra1,
//! repository), `net` (listeners, TLS, virtual hosts, the proxy and the
//! faults applied to connections and requests), `ra` (accounts, ledger,
//! tickets, the decision, issuance, the clock, the shared state), `faults`
//! (what a fault is), `world` (the world file) and `wire` (paths, problem
//! bodies, readers, the journal's types, limits).

mod control;
mod error;
mod faults;
mod hosts;
mod net;
mod ra;
mod wire;
mod world;

pub use control::builder::{MockRaBuilder, Ports};
pub use control::expect::Expect;
pub use control::expectations::Unmet;
pub use control::mock::{MockRa, Urls, unresolvable_name};
pub use error::MockError;
pub use faults::{
    FaultError, FaultKind, FaultSettings, FaultSpec, Layer, MAX_MS, SpecError, SpecField,
};
pub use net::connection::PeerCertificate;
pub use net::faults::registry::{FaultView, FaultsView};
pub use net::faults::schedule::fires;
pub use ra::accounts::{
    AccountView, CertStatus, CertificateView, OrderState, Password, UnknownOrderState,
};
pub use ra::identities::IdentityError;
pub use ra::issuance::{CheckedCsr, CsrError, check_csr};
pub use ra::state::{AccountPatch, OrderSummary};
pub use wire::journal::{Cause, Class, JournalEntry, JournalStats, PresentedCertificate, Role};
pub use wire::limits::{JOURNAL_CAPACITY, Limits};
pub use wire::protocol::{Host, KEY_TYPES, UnknownHost, rfc3339};
pub use world::{
    AccountSpec, CertificateSpec, ClockSection, Customer, CustomersSpec, DEMO_ACCOUNT,
    DEMO_PASSWORD, PasswordChangeSpec, PatternError, PkiSection, Policy, World, WorldError,
};

pub use certs_gen;
/// The types of the test PKI that appear in this API ([`MockRa::pki`],
/// [`MockRa::identity`], the world's offsets and key types, the PKI's
/// error in [`MockError::Pki`]); the whole crate is [`certs_gen`].
pub use certs_gen::{Ca, CertInfo, Error as PkiError, Identity, KeyType, Pki, PkiNames};
/// How the world file writes a time relative to now (`-10d`, `+89d23h59m`).
pub use fileformat::Offset;

/// The wire contract (`docs/protocol.md`): the paths webra2 and webra1 serve.
pub mod protocol {
    pub use crate::hosts::webra1::CONFIRM_PATH;
    pub use crate::wire::protocol::{CERTIFICATE_PATH, DOWNLOAD_PATH, HEAD_LIMIT, LOGIN_PATH};
}

/// The wire's error bodies: the manual's messages and each class's status.
pub mod problem {
    pub use crate::wire::problem::{
        BODY_LIMIT, E550A_MESSAGE, E550F_MESSAGE, ENOCERT_MESSAGE, status_and_title,
    };
}

/// What `mock-ra serve` is made of, for a program that serves a mock the
/// same way: the state directory, the ready line, the QA console's
/// policy, provider states.
pub mod served {
    pub use crate::control::console::CONTENT_SECURITY_POLICY;
    pub use crate::control::ready::{
        DemoInfo, ReadyLine, StateFiles, hint, shell_quote, write_state_dir,
    };
    pub use crate::control::states::{ProviderStates, write_target};
    pub use crate::ra::tickets::random_token;
}

#[cfg(test)]
mod model_tests;
