//! [`MockRa`], a running mock: the in-process API the harness uses (URLs
//! and addresses, the PKI and identities, accounts, orders, the journal,
//! the clock, faults) and the `certrenew` arguments that point a client
//! at it.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use certs_gen::{Identity, Pki};
use serde::Serialize;
use time::{Duration, OffsetDateTime};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::control::expectations::Expectations;
use crate::error::MockError;
use crate::faults::FaultSpec;
use crate::net::faults::registry::{FaultView, FaultsView};
use crate::ra::accounts::{AccountView, CertificateView, OrderState, Password};
use crate::ra::state::{self, AccountPatch, OrderSummary};
use crate::wire::journal::{JournalEntry, Role};
use crate::wire::protocol::Host;
use crate::wire::protocol::rfc3339;
use crate::world::AccountSpec;

/// The base URL of every role. With virtual hosting webra2 and webra1
/// share one URL, repo1 and repository another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Urls {
    /// `https://127.0.0.1:P`
    pub webra2: String,
    /// `https://127.0.0.1:P`
    pub webra1: String,
    /// `http://127.0.0.1:P`
    pub repo1: String,
    /// `http://127.0.0.1:P`
    pub repository: String,
    /// `http://127.0.0.1:P`
    pub admin: String,
    /// `http://127.0.0.1:P`: the forward proxy (`certrenew --proxy`).
    pub proxy: String,
}

/// A running mock: one per test, no globals. Dropping it stops the servers
/// and checks its expectations ([`MockRa::expect`]).
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use mock_ra::{Cause, Host, MockRa, Role, World};
/// let mock = MockRa::builder(World::demo()).start().await?;
/// mock.expect(Cause::Page).on(Role::Webra2);
/// let client = mock.client_for("demo")?;
/// client.get(mock.url(Host::Webra2, "/")).send().await?;
/// let webra2 = mock.addr(Role::Webra2).ok_or("no webra2 listener")?;
/// println!("webra2 at {webra2}");
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct MockRa {
    pub(crate) shared: Arc<state::Shared>,
    pub(crate) urls: Urls,
    pub(crate) addrs: Vec<(Role, SocketAddr)>,
    pub(crate) vhost: Option<(SocketAddr, SocketAddr)>,
    pub(crate) shutdown: watch::Sender<bool>,
    pub(crate) tasks: Vec<JoinHandle<()>>,
    pub(crate) expectations: Expectations,
}

impl MockRa {
    /// The base URL of every role.
    pub fn urls(&self) -> &Urls {
        &self.urls
    }

    /// With virtual hosting, the shared HTTPS port's address (webra2 and
    /// webra1) and the shared HTTP port's (repo1 and repository).
    pub fn vhost(&self) -> Option<(SocketAddr, SocketAddr)> {
        self.vhost
    }

    /// The address a role is reached at (with virtual hosting, a host's is
    /// its shared port's; `Role::Https` and `Role::Http` are the shared
    /// ports). A listener bound to every address (`0.0.0.0`, `::`) is
    /// reached on loopback. `None` for a role this mock has no listener
    /// for (`Role::Https` without virtual hosting, for one).
    pub fn addr(&self, role: Role) -> Option<SocketAddr> {
        self.addrs.iter().find(|(r, _)| *r == role).map(|(_, a)| *a)
    }

    /// The test PKI: both roots, the issuing CA, the servers' identities.
    pub fn pki(&self) -> &Pki {
        &self.shared.pki
    }

    /// An identity (key, certificate, chain) by name: every world
    /// certificate of an account, every `[[identity]]`, every reissue, and
    /// every generated customer's (`[[customers]]`, made now on first use).
    pub fn identity(&self, name: &str) -> Result<Identity, MockError> {
        match self.shared.identity(name) {
            Some(Ok(identity)) => Ok(identity),
            Some(Err(source)) => Err(MockError::Identity {
                name: name.to_owned(),
                source,
            }),
            None => Err(MockError::UnknownIdentity(name.to_owned())),
        }
    }

    /// Every identity by name, except the generated customers' (made on
    /// first use through [`Self::identity`]; a season's worth would take
    /// minutes to make and write).
    pub fn identities(&self) -> BTreeMap<String, Identity> {
        self.shared.lock().identities.clone()
    }

    /// How many generated customers (`[[customers]]`) the world has.
    pub fn generated_customers(&self) -> usize {
        self.shared.lock().customers.len()
    }

    /// Every account's renewal order and how many renewals the RA signed
    /// for it, by id; no certificate is made for this.
    pub fn orders(&self) -> Vec<OrderSummary> {
        self.shared.orders()
    }

    /// The account a certificate serial (lowercase hex) stands for: the
    /// lookups a login makes (the ledger by serial, the account by id),
    /// without a login.
    pub fn owner_of(&self, serial: &str) -> Option<String> {
        let state = self.shared.lock();
        let owner = state.ledger.get(serial)?.account.as_deref()?;
        state.accounts.get(owner).map(|a| a.id.clone())
    }

    /// The serial of an account's current certificate (nothing is made).
    pub fn current_serial(&self, id: &str) -> Option<String> {
        let state = self.shared.lock();
        state.accounts.get(id)?.current_serial().map(str::to_owned)
    }

    /// How many certificates the issuing CA's ledger holds.
    pub fn ledger_len(&self) -> usize {
        self.shared.lock().ledger.len()
    }

    /// Every request so far with its cause.
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.shared.journal.entries()
    }

    /// The admin API's bearer token.
    pub fn admin_token(&self) -> &str {
        &self.shared.admin_token
    }

    /// The virtual now.
    pub fn now(&self) -> OffsetDateTime {
        self.shared.now()
    }

    /// Whether the virtual clock is the real clock.
    pub fn clock_is_real(&self) -> bool {
        self.shared.clock.is_real()
    }

    /// Moves the virtual clock by `by`; refused, the clock unmoved, when that
    /// leaves the years a PKI can be made around ([`certs_gen::check_now`]).
    pub fn advance_clock(&self, by: Duration) -> Result<(), MockError> {
        Ok(self.shared.clock.advance(by)?)
    }

    /// Sets the virtual clock to `at`; refused like [`Self::advance_clock`].
    pub fn set_clock(&self, at: OffsetDateTime) -> Result<(), MockError> {
        Ok(self.shared.clock.set(at)?)
    }

    /// Freezes or releases the virtual clock.
    pub fn freeze_clock(&self, frozen: bool) {
        self.shared.clock.set_frozen(frozen);
    }

    /// An account's state.
    pub fn account(&self, id: &str) -> Option<AccountView> {
        self.shared.account(id)
    }

    /// Every account's state.
    pub fn accounts(&self) -> Vec<AccountView> {
        self.shared.accounts()
    }

    /// A certificate the issuing CA knows, by serial (hex).
    pub fn certificate(&self, serial: &str) -> Option<CertificateView> {
        self.shared.certificate(serial)
    }

    /// Adds an account; its certificates are made relative to the virtual now.
    pub fn create_account(&self, spec: &AccountSpec) -> Result<AccountView, MockError> {
        self.shared.create_account(spec)
    }

    /// Sets an account's renewal order.
    pub fn set_order(&self, id: &str, order: OrderState) -> Result<(), MockError> {
        self.patch_account(
            id,
            AccountPatch {
                order: Some(order),
                ..AccountPatch::default()
            },
        )
        .map(drop)
    }

    /// Records a password change at the virtual now.
    pub fn change_password(&self, id: &str, new: &str) -> Result<(), MockError> {
        self.patch_account(
            id,
            AccountPatch {
                password: Some(Password::new(new)),
                ..AccountPatch::default()
            },
        )
        .map(drop)
    }

    /// Changes an account (order, failures, lock, password, expiry).
    pub fn patch_account(&self, id: &str, patch: AccountPatch) -> Result<AccountView, MockError> {
        self.shared.patch_account(id, patch)
    }

    /// A new current certificate for the account; the old one becomes
    /// `reissued` and is revoked (superseded). Its identity is named
    /// `<id>-<n>` (see [`CertificateView::identity`]).
    pub fn reissue(&self, id: &str) -> Result<CertificateView, MockError> {
        self.shared.reissue(id)
    }

    /// Every fault in force, with how many events each saw and acted on,
    /// and the seed.
    pub fn faults(&self) -> FaultsView {
        self.shared.faults.view()
    }

    /// The seed of every fault's random draw (printed in the ready line).
    pub fn fault_seed(&self) -> u64 {
        self.shared.faults.seed()
    }

    /// Puts a fault in force from now on (its events count from now).
    pub fn add_fault(&self, spec: FaultSpec) -> Result<FaultView, MockError> {
        Ok(self.shared.faults.add(spec)?)
    }

    /// Lifts the fault named `name`.
    pub fn remove_fault(&self, name: &str) -> Result<(), MockError> {
        if self.shared.faults.remove(name) {
            Ok(())
        } else {
            Err(MockError::UnknownFault(name.to_owned()))
        }
    }

    /// Lifts every fault; returns how many there were.
    pub fn clear_faults(&self) -> usize {
        self.shared.faults.clear()
    }

    /// Back to the world as it started (accounts, ledger, tickets, clock,
    /// faults and their counters); the journal is emptied.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// The client-CA root's SHA-1 as the manual shows it (D4.5).
    pub fn client_root_sha1(&self) -> String {
        certs_gen::info::sha1_display(self.shared.pki.client_root.der())
    }

    /// The `certrenew` arguments that point a client at this mock: the web
    /// root to trust, one `--connect-to` per host keeping the real names,
    /// the pinned root thumbprint, and `--danger-now` when the clock is not real.
    /// A host with an `unresolvable` fault in force is mapped to
    /// `<host>.unresolvable.invalid`, a name that never resolves (RFC 6761).
    pub fn certrenew_args(&self, web_root_pem: &Path) -> Vec<String> {
        let mut args = vec!["--server-ca".to_owned(), web_root_pem.display().to_string()];
        for host in Host::ALL {
            let Some(addr) = self.addr(host.role()) else {
                continue; // every host has a listener, its own or a shared one
            };
            let target = if self.shared.faults.unresolvable(host) {
                unresolvable_name(host)
            } else {
                addr.ip().to_string()
            };
            args.push("--connect-to".to_owned());
            args.push(format!(
                "{}:{}:{target}:{}",
                host.hostname(),
                host.port(),
                addr.port()
            ));
        }
        args.push("--root-sha1".to_owned());
        args.push(certs_gen::info::sha1_hex(self.shared.pki.client_root.der()));
        if !self.clock_is_real() {
            args.push("--danger-now".to_owned());
            args.push(rfc3339(self.now()));
        }
        args
    }

    /// Stops accepting, lets open connections finish briefly, and waits.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }
}

/// The name an `unresolvable` fault maps `host` to: under `.invalid`,
/// which never resolves (RFC 6761 section 6.4), without touching any resolver.
pub fn unresolvable_name(host: Host) -> String {
    format!("{}.unresolvable.invalid", host.as_str())
}
