//! The seam: the RA under test, as the runner sees it. Two implementations:
//! [`InProcess`] (mock-ra started in this process for one case, the
//! default) and [`crate::remote::Remote`] (a server described by a target
//! profile). Nothing else in the harness knows which one it has.

use std::net::SocketAddr;
use std::sync::Arc;

use mock_ra::MockRa;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde::Deserialize;

use crate::case::Admin;
use crate::hosts::{self, Connection, Host, ResolveError};
use crate::journal::{Entry, EntryError};

/// Why the target could not answer the runner.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The in-process mock refused (an unknown account, a bad fault) or
    /// did not start.
    #[error(transparent)]
    Mock(#[from] mock_ra::MockError),
    /// A host of the target does not resolve.
    #[error("{host} ({to}): {source}")]
    Resolve {
        /// The host's short name (`webra2`).
        host: &'static str,
        /// Where the target says it is.
        to: String,
        /// Why it does not resolve.
        #[source]
        source: ResolveError,
    },
    /// A request to the target's admin API got no answer.
    #[error("{method} {url}: {source}")]
    Request {
        /// The request's method.
        method: reqwest::Method,
        /// Its URL.
        url: String,
        /// What the HTTP client said.
        #[source]
        source: reqwest::Error,
    },
    /// The admin API answered with an error status.
    #[error("{method} {path}: {status} {detail}")]
    Refused {
        /// The request's method.
        method: reqwest::Method,
        /// Its path under the admin API.
        path: String,
        /// The status.
        status: u16,
        /// The problem body's `detail`, if any.
        detail: String,
    },
    /// `GET /accounts/{id}` answered neither the account nor 404.
    #[error("GET /accounts/{id}: {status}")]
    AccountStatus {
        /// The account.
        id: String,
        /// The status.
        status: u16,
    },
    /// An answer is not what the harness reads (`account user01`, `the
    /// journal`).
    #[error("{what}: {source}")]
    Answer {
        /// What was read.
        what: String,
        /// Why it does not fit.
        #[source]
        source: serde_json::Error,
    },
    /// A journal entry of the mock does not fit the harness's form.
    #[error(transparent)]
    Entry(#[from] EntryError),
    /// An admin step the target cannot be asked: its fault could not be
    /// made JSON.
    #[error("{0}")]
    Step(#[source] serde_json::Error),
    /// An admin step's method is not an HTTP method.
    #[error("{method}: {source}")]
    StepMethod {
        /// The method as the case model gave it.
        method: &'static str,
        /// Why it is not one.
        #[source]
        source: <reqwest::Method as std::str::FromStr>::Err,
    },
    /// The in-process mock has no listener for a host the case needs.
    #[error("the mock has no listener for {0}")]
    NoListener(Host),
}

/// Why a TLS client configuration for a target could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsConfigError {
    /// The web root is not PEM.
    #[error("web root: {0}")]
    WebRootPem(#[source] rustls_pki_types::pem::Error),
    /// rustls refused the web root, or the protocol versions.
    #[error("web root: {0}")]
    WebRoot(#[source] rustls::Error),
    /// The protocol versions.
    #[error("{0}")]
    Versions(#[source] rustls::Error),
    /// The identity's certificates are not PEM.
    #[error("identity {serial}: {source}")]
    IdentityPem {
        /// The identity's serial.
        serial: String,
        /// The PEM error.
        #[source]
        source: rustls_pki_types::pem::Error,
    },
    /// The identity's key is not PEM.
    #[error("identity {serial}: its key is not PEM")]
    KeyNotPem {
        /// The identity's serial.
        serial: String,
        /// The PEM error.
        #[source]
        source: rustls_pki_types::pem::Error,
    },
    /// rustls refused the identity.
    #[error("identity {serial}: {source}")]
    Identity {
        /// The identity's serial.
        serial: String,
        /// What rustls said.
        #[source]
        source: rustls::Error,
    },
}

/// What a target offers beyond what the customer sees. Client-visible
/// expectations (exit code, class line, output, store) need none of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capabilities {
    /// It has a journal of server-side causes (`causes`, `journal`).
    #[serde(default)]
    pub journal: bool,
    /// It shows account state (`account`).
    #[serde(default)]
    pub accounts: bool,
    /// Its clock can be moved (`clock` steps, a case's `[clock]`).
    #[serde(default)]
    pub clock: bool,
    /// It can inject faults (`[[fault]]`, fault admin steps).
    #[serde(default)]
    pub faults: bool,
    /// It takes a case's world through the state-change endpoint.
    #[serde(default)]
    pub states: bool,
}

impl Capabilities {
    /// Everything: the in-process mock.
    pub const ALL: Capabilities = Capabilities {
        journal: true,
        accounts: true,
        clock: true,
        faults: true,
        states: true,
    };

    /// Whether the named capability is offered.
    pub fn has(&self, name: &str) -> bool {
        match name {
            "journal" => self.journal,
            "accounts" => self.accounts,
            "clock" => self.clock,
            "faults" => self.faults,
            "states" => self.states,
            _ => false,
        }
    }
}

/// A client identity the target issued for a case (PEM).
#[derive(Debug, Clone)]
pub struct IdentityPems {
    /// The certificate.
    pub cert_pem: String,
    /// Its PKCS#8 key. Never printed.
    pub key_pem: String,
    /// The CA certificates above it.
    pub chain_pem: String,
    /// The certificate's serial, lowercase hex.
    pub serial: String,
}

/// An account as expectations check it (mock-ra's `GET /accounts/{id}`).
#[derive(Debug, Clone, Deserialize)]
pub struct AccountState {
    /// Consecutive wrong passwords.
    pub failures: u32,
    /// Whether it is locked.
    pub locked: bool,
    /// The renewal order state (`none`, `ready`, ...).
    pub order: String,
    /// Its certificates, oldest first.
    pub certificates: Vec<AccountCertificate>,
}

/// One certificate of an account.
#[derive(Debug, Clone, Deserialize)]
pub struct AccountCertificate {
    /// `world`, `renewal` or `reissue`.
    pub origin: String,
}

/// The public parts of the target's PKI.
#[derive(Debug, Clone)]
pub struct PkiPems {
    /// The web trust anchor.
    pub web_root_pem: String,
    /// The client-CA root.
    pub client_root_pem: String,
    /// The issuing CA under it.
    pub issuing_ca_pem: String,
    /// The client-CA root's SHA-1, 40 hex digits.
    pub client_root_sha1: String,
    /// Repo1's path of the issuing CA's CRL.
    pub issuing_ca_crl_path: String,
    /// The repository's path of the root's CRL.
    pub root_crl_path: String,
}

/// The RA under test, set up with one case's world.
pub trait Target {
    /// What it offers.
    fn capabilities(&self) -> Capabilities;
    /// Where its hosts are and how certrenew checks them (asked afresh
    /// before each run, so a fault lifted since is gone).
    fn connection(&self, server_ca: &str) -> Connection;
    /// Its PKI's public parts.
    fn pki(&self) -> &PkiPems;
    /// The socket address of a host, for the harness's own requests.
    fn addr(&self, host: Host) -> Result<SocketAddr, TargetError>;
    /// The proxy the case may use, as a URL.
    fn proxy(&self) -> Option<String>;
    /// A world identity by name.
    fn identity(&self, name: &str) -> Option<IdentityPems>;
    /// Every world identity's name.
    fn identity_names(&self) -> Vec<String>;
    /// Where the journal stands now.
    fn journal_mark(&self) -> Result<u64, TargetError>;
    /// Journal entries after `mark`.
    fn journal_since(&self, mark: u64) -> Result<Vec<Entry>, TargetError>;
    /// An account's state; `None` when there is no such account.
    fn account(&self, id: &str) -> Result<Option<AccountState>, TargetError>;
    /// Moves the clock.
    fn advance_clock(&self, by: fileformat::Offset) -> Result<(), TargetError>;
    /// An admin step.
    fn admin(&self, admin: &Admin) -> Result<(), TargetError>;
    /// The fault seed and names in force, for reports.
    fn faults(&self) -> (u64, Vec<String>);
    /// The password to type where the case file writes `written` (a
    /// target with provisioned identities has its own passwords).
    fn password(&self, written: &str) -> String {
        written.to_owned()
    }
    /// Secrets of the target (provisioned passwords) that no report may
    /// show.
    fn secrets(&self) -> Vec<String> {
        Vec::new()
    }
    /// Ends the case: stops the mock, or tears the state down.
    fn finish(self: Box<Self>);
}

/// mock-ra started in this process for one case.
#[derive(Debug)]
pub struct InProcess {
    rt: Arc<tokio::runtime::Runtime>,
    mock: Option<MockRa>,
    pki: PkiPems,
}

impl InProcess {
    /// Starts the mock with `world` on ephemeral loopback ports (with
    /// virtual hosting when `vhost`).
    pub fn start(
        rt: Arc<tokio::runtime::Runtime>,
        world: mock_ra::World,
        vhost: bool,
    ) -> Result<Self, TargetError> {
        let mut builder = MockRa::builder(world);
        if vhost {
            builder = builder.vhost(0, 0);
        }
        let mock = rt.block_on(builder.start())?;
        let p = mock.pki();
        let pki = PkiPems {
            web_root_pem: p.web_root.pem(),
            client_root_pem: p.client_root.pem(),
            issuing_ca_pem: p.issuing_ca.pem(),
            client_root_sha1: certs_gen::info::sha1_hex(p.client_root.der()),
            issuing_ca_crl_path: p.names.issuing_ca_crl_path(),
            root_crl_path: p.names.root_crl_path(),
        };
        Ok(Self {
            rt,
            mock: Some(mock),
            pki,
        })
    }

    fn mock(&self) -> &MockRa {
        // Present from start until `finish`, which consumes self.
        #[allow(clippy::expect_used)]
        self.mock.as_ref().expect("the mock runs until finish")
    }
}

impl Target for InProcess {
    fn capabilities(&self) -> Capabilities {
        Capabilities::ALL
    }

    fn connection(&self, server_ca: &str) -> Connection {
        let mock = self.mock();
        let unresolvable: Vec<mock_ra::Host> = mock
            .faults()
            .faults
            .iter()
            .filter(|f| f.spec.kind == mock_ra::FaultKind::Unresolvable)
            .map(|f| f.spec.host)
            .collect();
        let mut c = Connection {
            server_ca: server_ca.to_owned(),
            root_sha1: self.pki.client_root_sha1.clone(),
            now: (!mock.clock_is_real()).then(|| mock_ra::rfc3339(mock.now())),
            ..Default::default()
        };
        for host in hosts::ALL {
            let Some(addr) = mock.addr(hosts::role_of(host)) else {
                continue;
            };
            let fh = hosts::fault_host_of(host);
            let to = if unresolvable.contains(&fh) {
                mock_ra::unresolvable_name(fh)
            } else {
                addr.ip().to_string()
            };
            c.hosts.insert(host, format!("{to}:{}", addr.port()));
        }
        c
    }

    fn pki(&self) -> &PkiPems {
        &self.pki
    }

    fn addr(&self, host: Host) -> Result<SocketAddr, TargetError> {
        self.mock()
            .addr(hosts::role_of(host))
            .ok_or(TargetError::NoListener(host))
    }

    fn proxy(&self) -> Option<String> {
        Some(self.mock().urls().proxy.clone())
    }

    fn identity(&self, name: &str) -> Option<IdentityPems> {
        let id = self.mock().identity(name).ok()?;
        let serial = id.info().ok()?.serial;
        Some(IdentityPems {
            cert_pem: id.cert_pem(),
            key_pem: id.key_pem(),
            chain_pem: id.chain_pem(),
            serial,
        })
    }

    fn identity_names(&self) -> Vec<String> {
        self.mock().identities().into_keys().collect()
    }

    fn journal_mark(&self) -> Result<u64, TargetError> {
        Ok(self.mock().journal().last().map_or(0, |e| e.seq))
    }

    fn journal_since(&self, mark: u64) -> Result<Vec<Entry>, TargetError> {
        Ok(self
            .mock()
            .journal()
            .iter()
            .filter(|e| e.seq > mark)
            .map(Entry::from_mock)
            .collect::<Result<_, _>>()?)
    }

    fn account(&self, id: &str) -> Result<Option<AccountState>, TargetError> {
        self.mock()
            .account(id)
            .map(|view| {
                serde_json::to_value(&view)
                    .and_then(serde_json::from_value)
                    .map_err(|source| TargetError::Answer {
                        what: format!("account {id}"),
                        source,
                    })
            })
            .transpose()
    }

    fn advance_clock(&self, by: fileformat::Offset) -> Result<(), TargetError> {
        Ok(self.mock().advance_clock(by.duration())?)
    }

    fn admin(&self, admin: &Admin) -> Result<(), TargetError> {
        let mock = self.mock();
        match admin {
            Admin::Reissue { account } => mock.reissue(account).map(drop),
            Admin::SetOrder { account, order } => mock.set_order(account, *order),
            Admin::ChangePassword { account, password } => {
                mock.change_password(account, secrecy::ExposeSecret::expose_secret(password))
            }
            Admin::AddFault { fault } => mock.add_fault(fault.clone()).map(drop),
            Admin::RemoveFault { name } => mock.remove_fault(name),
            Admin::ClearFaults => {
                mock.clear_faults();
                Ok(())
            }
        }
        .map_err(TargetError::from)
    }

    fn faults(&self) -> (u64, Vec<String>) {
        let mock = self.mock();
        (
            mock.fault_seed(),
            mock.faults().faults.into_iter().map(|f| f.name).collect(),
        )
    }

    fn finish(mut self: Box<Self>) {
        if let Some(mock) = self.mock.take() {
            self.rt.block_on(mock.shutdown());
        }
    }
}

/// A TLS client configuration for a target's HTTPS hosts: its web root
/// trusted, and `identity` presented when given.
pub fn tls_config(
    web_root_pem: &str,
    identity: Option<&IdentityPems>,
) -> Result<rustls::ClientConfig, TlsConfigError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for der in CertificateDer::pem_slice_iter(web_root_pem.as_bytes()) {
        let der = der.map_err(TlsConfigError::WebRootPem)?;
        roots.add(der).map_err(TlsConfigError::WebRoot)?;
    }
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsConfigError::Versions)?
        .with_root_certificates(roots);
    match identity {
        None => Ok(builder.with_no_client_auth()),
        Some(id) => {
            let mut chain = Vec::new();
            for pem in [&id.cert_pem, &id.chain_pem] {
                for der in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                    chain.push(der.map_err(|source| TlsConfigError::IdentityPem {
                        serial: id.serial.clone(),
                        source,
                    })?);
                }
            }
            let key = PrivateKeyDer::from_pem_slice(id.key_pem.as_bytes()).map_err(|source| {
                TlsConfigError::KeyNotPem {
                    serial: id.serial.clone(),
                    source,
                }
            })?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|source| TlsConfigError::Identity {
                    serial: id.serial.clone(),
                    source,
                })
        }
    }
}
