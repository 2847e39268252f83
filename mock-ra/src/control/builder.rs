//! Starting a mock: [`MockRaBuilder`] (ports, bind addresses, virtual
//! hosting, token, seed, limits) binds every listener and spawns its
//! accept loop; what it returns is a [`MockRa`].

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::control::admin;
use crate::control::expectations::Expectations;
use crate::control::mock::{MockRa, Urls};
use crate::error::MockError;
use crate::faults::Layer;
use crate::hosts::{repository, webra1, webra2};
use crate::net::faults::schedule::random_seed;
use crate::net::{self as serve, tls, vhost};
use crate::ra::{state, tickets};
use crate::wire::journal::Role;
use crate::wire::limits::{self, Limits};
use crate::wire::protocol::Host;
use crate::world::World;

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

/// Options for [`MockRa::builder`], then [`Self::start`].
///
/// ```no_run
/// # async fn demo() -> Result<(), mock_ra::MockError> {
/// use mock_ra::{MockRa, World};
/// let mock = MockRa::builder(World::demo())
///     .admin_token("secret")
///     .fault_seed(7)
///     .vhost(0, 0)
///     .start()
///     .await?;
/// assert_eq!(mock.admin_token(), "secret");
/// # Ok(()) }
/// ```
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
    admin_routes: Option<axum::Router>,
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

    /// Routes the admin API serves besides its own, behind the same token
    /// (a second call adds to the first). `mock-ra serve` gives provider
    /// states this way ([`crate::served::ProviderStates::routes`]); a mock
    /// that was given none serves none: nothing is shared between mocks.
    pub fn admin_routes(mut self, routes: axum::Router) -> Self {
        self.admin_routes = Some(match self.admin_routes.take() {
            Some(before) => before.merge(routes),
            None => routes,
        });
        self
    }

    /// Generates the world, binds every listener on 127.0.0.1 and starts
    /// serving on the current tokio runtime. The world's faults are in
    /// force before this returns: a `refuse`d host's port is bound but
    /// does not listen.
    pub async fn start(mut self) -> Result<MockRa, MockError> {
        let token = self.admin_token.unwrap_or_else(tickets::random_token);
        let seed = self
            .fault_seed
            .or(self.world.fault_settings.seed)
            .unwrap_or_else(random_seed);
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
            .any(|f| f.kind.layer() == Layer::Tls)
        {
            shared.fault_tls().map_err(|e| MockError::Tls {
                role: "faults",
                source: Box::new(e.clone()),
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
            Role::Https => vec![Host::Webra2, Host::Webra1],
            Role::Http => vec![Host::Repo1, Host::Repository],
            other => Host::of_role(other).into_iter().collect(),
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
        let targets: Arc<Vec<(Host, SocketAddr)>> = Arc::new(
            Host::ALL
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
                Role::Admin => http(None, admin::app(shared.clone(), self.admin_routes.take())),
                Role::Proxy => serve::Serves::Proxy {
                    targets: targets.clone(),
                },
                Role::Https => serve::Serves::VhostTls {
                    sites: Arc::new(vec![
                        vhost::TlsSite {
                            host: Host::Webra2,
                            tls: webra2_tls.clone(),
                            app: webra2::app(shared.clone()),
                        },
                        vhost::TlsSite {
                            host: Host::Webra1,
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
                            (Host::Repo1, repository::repo1_app(shared.clone())),
                            (Host::Repository, repository::repository_app(shared.clone())),
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
            expectations: Expectations::default(),
        })
    }
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
            admin_routes: None,
        }
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
