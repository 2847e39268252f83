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
pub mod clock;
pub mod console;
mod decision;
mod error;
pub mod faults;
mod identities;
pub mod issuance;
pub mod journal;
mod ledger;
pub mod limits;
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

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

use certs_gen::{Identity, Pki};
use serde::Serialize;
use time::{Duration, OffsetDateTime};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

pub use accounts::{AccountView, CertStatus, CertificateView, OrderState, Password};
pub use error::MockError;
pub use faults::{FaultHost, FaultKind, FaultSettings, FaultSpec, FaultView, FaultsView};
pub use journal::{Cause, Class, JournalEntry, JournalStats, PresentedCertificate, Role};
pub use limits::Limits;
pub use protocol::{Host, UnknownHost, rfc3339};
pub use serve::PeerCertificate;
pub use state::{AccountPatch, OrderSummary};
pub use world::{AccountSpec, CertificateSpec, Policy, World, WorldError};

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

/// Ports to listen on; `0` (the default) picks a free one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ports {
    /// webra2 (HTTPS).
    pub webra2: u16,
    /// webra1 (HTTPS).
    pub webra1: u16,
    /// repo1 (HTTP).
    pub repo1: u16,
    /// repository (HTTP).
    pub repository: u16,
    /// The admin API (HTTP).
    pub admin: u16,
    /// The forward proxy (HTTP, CONNECT).
    pub proxy: u16,
}

/// Options for [`MockRa::builder`].
#[derive(Debug)]
pub struct MockRaBuilder {
    world: World,
    ports: Ports,
    bind: IpAddr,
    admin_bind: IpAddr,
    vhost: Option<(u16, u16)>,
    admin_token: Option<String>,
    fault_seed: Option<u64>,
    limits: Limits,
    journal_capacity: usize,
}

impl MockRaBuilder {
    /// Fixed ports instead of ephemeral ones. With [`Self::vhost`] only
    /// `admin` and `proxy` are used.
    pub fn ports(mut self, ports: Ports) -> Self {
        self.ports = ports;
        self
    }

    /// The address the hosts and the proxy bind (default 127.0.0.1).
    /// Anything but loopback exposes them to that network. The admin API
    /// stays on [`Self::admin_bind`].
    pub fn bind(mut self, addr: impl Into<IpAddr>) -> Self {
        self.bind = addr.into();
        self
    }

    /// The address the admin API binds (default 127.0.0.1, whatever
    /// [`Self::bind`] is). It changes everything with one bearer token:
    /// anything but loopback only on a network you trust (a compose
    /// network, a lab), with its port unpublished.
    pub fn admin_bind(mut self, addr: impl Into<IpAddr>) -> Self {
        self.admin_bind = addr.into();
        self
    }

    /// Virtual hosting: webra2 and webra1 on one HTTPS port, picked by
    /// SNI, each with its own TLS policy; repo1 and repository on one HTTP
    /// port, picked by `Host` (0: a free port). As the vendor's four names
    /// resolving to one address need (containers, a hosts file). Faults
    /// stay per host; see the README's "Virtual hosting".
    pub fn vhost(mut self, https_port: u16, http_port: u16) -> Self {
        self.vhost = Some((https_port, http_port));
        self
    }

    /// A fixed admin token instead of a random one.
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.admin_token = Some(token.into());
        self
    }

    /// The seed of every fault's random draw, instead of the world's
    /// `[faults] seed` (or a random one).
    pub fn fault_seed(mut self, seed: u64) -> Self {
        self.fault_seed = Some(seed);
        self
    }

    /// Bounds on every listener (timeouts, connections); default
    /// [`Limits::DEFAULT`].
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// How many entries the journal keeps (at least 1; default
    /// [`limits::JOURNAL_CAPACITY`]); older ones are dropped and counted.
    pub fn journal_capacity(mut self, entries: usize) -> Self {
        self.journal_capacity = entries;
        self
    }

    /// Generates the world, binds every listener on 127.0.0.1 and starts
    /// serving on the current tokio runtime. The world's faults are in
    /// force before this returns: a `refuse`d host's port is bound but
    /// does not listen.
    pub async fn start(self) -> Result<MockRa, MockError> {
        let token = self.admin_token.unwrap_or_else(issuance::random_token);
        let seed = self
            .fault_seed
            .or(self.world.fault_settings.seed)
            .unwrap_or_else(faults::random_seed);
        let mut shared = state::Shared::new(&self.world, token, seed)?;
        shared.limits = self.limits;
        shared.journal.set_capacity(self.journal_capacity);
        let shared = Arc::new(shared);
        // The TLS faults' certificates are made now when the world has any
        // (otherwise on the first one the admin API adds).
        if self
            .world
            .faults
            .iter()
            .any(|f| f.kind.layer() == faults::Layer::Tls)
        {
            shared.fault_tls().map_err(|e| MockError::Tls {
                role: "faults",
                message: e.to_owned(),
            })?;
        }
        let webra2_tls = TlsAcceptor::from(tls::webra2_config(&shared.pki)?);
        let webra1_tls = TlsAcceptor::from(tls::webra1_config(&shared.pki)?);
        let plan = match self.vhost {
            None => vec![
                (Role::Webra2, self.ports.webra2),
                (Role::Webra1, self.ports.webra1),
                (Role::Repo1, self.ports.repo1),
                (Role::Repository, self.ports.repository),
                (Role::Admin, self.ports.admin),
                (Role::Proxy, self.ports.proxy),
            ],
            Some((https, http)) => vec![
                (Role::Https, https),
                (Role::Http, http),
                (Role::Admin, self.ports.admin),
                (Role::Proxy, self.ports.proxy),
            ],
        };
        // The hosts each listener serves.
        let hosts_of = |role: Role| match role {
            Role::Https => vec![FaultHost::Webra2, FaultHost::Webra1],
            Role::Http => vec![FaultHost::Repo1, FaultHost::Repository],
            other => FaultHost::of_role(other).into_iter().collect(),
        };
        let mut bound = Vec::new();
        // Where each role (and each host of a shared port) is reached.
        let mut addrs = BTreeMap::new();
        for (role, port) in plan {
            let ip = if role == Role::Admin {
                self.admin_bind
            } else {
                self.bind
            };
            let wanted = SocketAddr::new(ip, port);
            let (socket, addr) = serve::bind(wanted).map_err(|source| MockError::Bind {
                role: role.as_str(),
                addr: wanted,
                source,
            })?;
            addrs.insert(role.as_str(), reachable(addr));
            for host in hosts_of(role) {
                addrs.insert(host.as_str(), reachable(addr));
            }
            bound.push((role, wanted, socket, addr));
        }
        let targets: Arc<Vec<(FaultHost, SocketAddr)>> = Arc::new(
            FaultHost::ALL
                .iter()
                .filter_map(|h| addrs.get(h.as_str()).map(|a| (*h, *a)))
                .collect(),
        );
        let mut listeners = Vec::new();
        for (role, wanted, socket, addr) in bound {
            let hosts = hosts_of(role);
            let refused = !hosts.is_empty() && hosts.iter().all(|h| shared.faults.refused(*h));
            let socket = if refused {
                serve::Socket::Reserved(socket)
            } else {
                serve::Socket::Listening(serve::listen(socket).map_err(|source| {
                    MockError::Bind {
                        role: role.as_str(),
                        addr: wanted,
                        source,
                    }
                })?)
            };
            let http = |tls: Option<&TlsAcceptor>, app| serve::Serves::Http {
                tls: tls.cloned(),
                app,
            };
            let serves = match role {
                Role::Webra2 => http(Some(&webra2_tls), webra2::app(shared.clone())),
                Role::Webra1 => http(Some(&webra1_tls), webra1::app(shared.clone())),
                Role::Repo1 => http(None, repository::repo1_app(shared.clone())),
                Role::Repository => http(None, repository::repository_app(shared.clone())),
                Role::Admin => http(None, admin::app(shared.clone())),
                Role::Proxy => serve::Serves::Proxy {
                    targets: targets.clone(),
                },
                Role::Https => serve::Serves::VhostTls {
                    sites: Arc::new(vec![
                        vhost::TlsSite {
                            host: FaultHost::Webra2,
                            tls: webra2_tls.clone(),
                            app: webra2::app(shared.clone()),
                        },
                        vhost::TlsSite {
                            host: FaultHost::Webra1,
                            tls: webra1_tls.clone(),
                            app: webra1::app(shared.clone()),
                        },
                    ]),
                },
                Role::Http => serve::Serves::VhostHttp {
                    hosts: Arc::new(hosts.clone()),
                    app: vhost::app(
                        shared.clone(),
                        vec![
                            (FaultHost::Repo1, repository::repo1_app(shared.clone())),
                            (
                                FaultHost::Repository,
                                repository::repository_app(shared.clone()),
                            ),
                        ],
                    ),
                },
            };
            listeners.push(serve::Listener {
                role,
                hosts,
                addr,
                socket,
                serves,
            });
        }
        let (shutdown, receiver) = watch::channel(false);
        let tasks = listeners
            .into_iter()
            .map(|l| tokio::spawn(serve::run(l, shared.clone(), receiver.clone())))
            .collect();
        let addr = |role: Role| addrs.get(role.as_str()).copied();
        let url = |scheme: &str, role: Role| {
            addr(role)
                .map(|a| format!("{scheme}://{a}"))
                .unwrap_or_default()
        };
        let vhost = self
            .vhost
            .and_then(|_| Some((addr(Role::Https)?, addr(Role::Http)?)));
        Ok(MockRa {
            vhost,
            urls: Urls {
                webra2: url("https", Role::Webra2),
                webra1: url("https", Role::Webra1),
                repo1: url("http", Role::Repo1),
                repository: url("http", Role::Repository),
                admin: url("http", Role::Admin),
                proxy: url("http", Role::Proxy),
            },
            addrs: Role::ALL
                .iter()
                .filter_map(|r| addr(*r).map(|a| (*r, a)))
                .collect(),
            shared,
            shutdown,
            tasks,
        })
    }
}

/// A running mock: one per test, no globals. Dropping it stops the servers.
#[derive(Debug)]
pub struct MockRa {
    shared: Arc<state::Shared>,
    urls: Urls,
    addrs: Vec<(Role, SocketAddr)>,
    vhost: Option<(SocketAddr, SocketAddr)>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl MockRa {
    /// Starts a mock of `world` on ephemeral loopback ports.
    pub async fn start(world: World) -> Result<MockRa, MockError> {
        Self::builder(world).start().await
    }

    /// Options before starting: fixed ports, a fixed admin token.
    pub fn builder(world: World) -> MockRaBuilder {
        MockRaBuilder {
            world,
            ports: Ports::default(),
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            admin_bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            vhost: None,
            admin_token: None,
            fault_seed: None,
            limits: Limits::DEFAULT,
            journal_capacity: limits::JOURNAL_CAPACITY,
        }
    }

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
    /// reached on loopback.
    pub fn addr(&self, role: Role) -> SocketAddr {
        self.addrs
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, a)| *a)
            .unwrap_or_else(|| SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
    }

    /// The test PKI: both roots, the issuing CA, the servers' identities.
    pub fn pki(&self) -> &Pki {
        &self.shared.pki
    }

    /// An identity (key, certificate, chain) by name: every world
    /// certificate of an account, every `[[identity]]`, every reissue, and
    /// every generated customer's (`[[customers]]`, made now on first use).
    /// `None` also when a generated customer's identity cannot be made.
    pub fn identity(&self, name: &str) -> Option<Identity> {
        self.shared.identity(name).and_then(Result::ok)
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
        self.shared.faults.add(spec).map_err(MockError::Invalid)
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
        for host in FaultHost::ALL {
            let addr = self.addr(host.role());
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

impl Drop for MockRa {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// The address a client on this machine reaches a listener bound to
/// `addr` at: loopback for an unspecified address (`0.0.0.0`, `::`).
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::from((Ipv4Addr::LOCALHOST, addr.port()))
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::from((Ipv6Addr::LOCALHOST, addr.port()))
        }
        _ => addr,
    }
}

/// The name an `unresolvable` fault maps `host` to: under `.invalid`,
/// which never resolves (RFC 6761 section 6.4), without touching any resolver.
pub fn unresolvable_name(host: FaultHost) -> String {
    format!("{}.unresolvable.invalid", host.as_str())
}

#[cfg(test)]
mod model_tests;
