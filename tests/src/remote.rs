//! A remote target: an RA described by a target profile (docs/targets.md),
//! set up for each case through its state-change endpoint and observed
//! through its admin API, as far as its capabilities go.

use std::collections::BTreeMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::case::{Admin, Case};
use crate::hosts::{self, Connection, Host};
use crate::journal::Entry;
use crate::provisioned::ProvisionedIdentity;
use crate::target::{AccountState, Capabilities, IdentityPems, PkiPems, Target};

/// A target profile, as read from its TOML file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// A label for reports.
    #[serde(default)]
    pub name: Option<String>,
    /// Where each host is: `ADDRESS:PORT` or `NAME:PORT`.
    pub hosts: BTreeMap<String, String>,
    /// What the client trusts and pins.
    pub trust: Trust,
    /// An optional forward proxy.
    #[serde(default)]
    pub proxy: Option<ProxySection>,
    /// Timeouts.
    #[serde(default)]
    pub timeouts: Timeouts,
    /// What the target offers.
    #[serde(default)]
    pub capabilities: Capabilities,
    /// The admin API (journal, accounts, clock, faults, states).
    #[serde(default)]
    pub admin: Option<AdminSection>,
    /// Identities provisioned by hand, for a target without `states`.
    #[serde(default)]
    pub identity: Vec<ProvisionedIdentity>,
    /// Where the profile was read from (not a key of the file).
    #[serde(skip)]
    pub path: PathBuf,
}

/// `[trust]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trust {
    /// The web trust anchor, a PEM file (relative to the profile).
    pub web_root: PathBuf,
    /// The client-CA root's SHA-1, 40 hex digits.
    pub client_root_sha1: String,
}

/// `[proxy]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxySection {
    /// `http://HOST:PORT`.
    pub url: String,
}

/// `[timeouts]`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timeouts {
    /// Connecting to a host or the admin API, in milliseconds.
    #[serde(default = "default_connect_ms")]
    pub connect_ms: u64,
    /// One admin or state request, in milliseconds.
    #[serde(default = "default_request_ms")]
    pub request_ms: u64,
}

fn default_connect_ms() -> u64 {
    3_000
}

fn default_request_ms() -> u64 {
    30_000
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect_ms: default_connect_ms(),
            request_ms: default_request_ms(),
        }
    }
}

/// `[admin]`: the target's admin API.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminSection {
    /// `http://HOST:PORT`.
    pub url: String,
    /// A file holding the bearer token (never the token itself).
    #[serde(default)]
    pub token_file: Option<PathBuf>,
    /// An environment variable holding the bearer token.
    #[serde(default)]
    pub token_env: Option<String>,
}

impl Profile {
    /// Reads a profile; errors are `file:line:column` with the line quoted.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::from_toml(path, &text)
    }

    /// Parses a profile's text.
    pub fn from_toml(path: &Path, text: &str) -> Result<Self, String> {
        let shown = path.display().to_string();
        let mut profile: Profile =
            toml::from_str(text).map_err(|e| certs_gen::spec::toml_error(&shown, text, &e))?;
        for name in profile.hosts.keys() {
            if hosts::parse(name).is_none() {
                let at = certs_gen::spec::offset_of(
                    text,
                    &[
                        certs_gen::spec::Seg::key("hosts"),
                        certs_gen::spec::Seg::key(name),
                    ],
                )
                .unwrap_or(0);
                return Err(certs_gen::spec::error_at(
                    &shown,
                    text,
                    at,
                    &format!("unknown host `{name}`, expected webra2, webra1, repo1 or repository"),
                ));
            }
        }
        for host in hosts::ALL {
            if !profile.hosts.contains_key(hosts::short_name(host)) {
                return Err(format!(
                    "{shown}: [hosts] names no `{}`",
                    hosts::short_name(host)
                ));
            }
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        if profile.trust.web_root.is_relative() {
            profile.trust.web_root = dir.join(&profile.trust.web_root);
        }
        if let Some(admin) = &mut profile.admin
            && let Some(f) = &mut admin.token_file
            && f.is_relative()
        {
            *f = dir.join(&*f);
        }
        for (i, id) in profile.identity.iter_mut().enumerate() {
            id.resolve_paths(dir);
            if let Err(e) = id.check() {
                return Err(certs_gen::spec::error_at_path(
                    &shown,
                    text,
                    &[
                        certs_gen::spec::Seg::key("identity"),
                        certs_gen::spec::Seg::Index(i),
                    ],
                    &e,
                ));
            }
        }
        let caps = profile.capabilities;
        if (caps.journal || caps.accounts || caps.clock || caps.faults || caps.states)
            && profile.admin.is_none()
        {
            return Err(format!(
                "{shown}: the capabilities need an [admin] table (url, token_file or token_env)"
            ));
        }
        profile.path = path.to_path_buf();
        Ok(profile)
    }

    fn token(&self) -> Result<String, String> {
        let Some(admin) = &self.admin else {
            return Ok(String::new());
        };
        if let Some(var) = &admin.token_env {
            return std::env::var(var).map_err(|_| format!("${var} (the admin token) is not set"));
        }
        if let Some(file) = &admin.token_file {
            return std::fs::read_to_string(file)
                .map(|t| t.trim().to_owned())
                .map_err(|e| format!("{}: {e}", file.display()));
        }
        Ok(String::new())
    }

    /// Checks that every host accepts a connection within the connect
    /// timeout; the error names the first host that does not.
    pub fn check_reachable(&self) -> Result<(), String> {
        let timeout = Duration::from_millis(self.timeouts.connect_ms);
        for host in hosts::ALL {
            let name = hosts::short_name(host);
            let to = self.hosts.get(name).cloned().unwrap_or_default();
            let addr = resolve(&to).map_err(|e| format!("target host {name} ({to}): {e}"))?;
            std::net::TcpStream::connect_timeout(&addr, timeout).map_err(|e| {
                format!(
                    "target host {name} ({to}) does not answer: {e} (within {} ms)",
                    timeout.as_millis()
                )
            })?;
        }
        Ok(())
    }
}

fn resolve(to: &str) -> Result<SocketAddr, String> {
    to.to_socket_addrs()
        .map_err(|e| format!("cannot resolve: {e}"))?
        .next()
        .ok_or_else(|| "resolves to no address".to_owned())
}

/// The capability an admin step needs.
pub fn admin_needs(admin: &Admin) -> &'static str {
    match admin {
        Admin::AddFault { .. } | Admin::RemoveFault { .. } | Admin::ClearFaults => "faults",
        Admin::Reissue { .. } | Admin::SetOrder { .. } | Admin::ChangePassword { .. } => "states",
    }
}

/// Why a case could not be set up on the target.
#[derive(Debug)]
pub enum SetUpError {
    /// The target cannot provide the case's world: `(what, needs)`.
    Skip(Vec<(String, String)>),
    /// The target failed.
    Failed(String),
}

/// `POST {admin}/states` with `body`; the answer, or what went wrong.
async fn post_state(
    http: &reqwest::Client,
    states_url: &str,
    token: &str,
    body: &serde_json::Value,
) -> Result<StateAnswer, String> {
    let url = format!("{states_url}/states");
    let resp = http
        .post(&url)
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .map_err(|e| format!("POST {url}: {e}"))?;
    let status = resp.status();
    let text = resp.text().await.map_err(|e| format!("POST {url}: {e}"))?;
    if !status.is_success() {
        return Err(format!("POST {url}: {status}: {text}"));
    }
    serde_json::from_str(&text).map_err(|e| format!("POST {url}: the answer: {e}"))
}

/// A provider state set up for a whole run rather than one case (`harness
/// load`): where its hosts and admin API are.
#[derive(Debug)]
pub struct WorldState {
    /// The state's id, for [`Profile::delete_state`].
    pub id: String,
    /// Where each host of the state is.
    pub hosts: BTreeMap<Host, String>,
    /// The state's admin API and its token.
    pub admin: String,
    /// Its bearer token. Never printed.
    pub admin_token: String,
    /// The web root, PEM.
    pub web_root_pem: String,
    /// The client-CA root's SHA-1.
    pub client_root_sha1: String,
    /// The state's virtual time, when not the real one.
    pub now: Option<String>,
}

impl Profile {
    fn http(&self) -> Result<reqwest::Client, String> {
        reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(Duration::from_millis(self.timeouts.connect_ms))
            .timeout(Duration::from_millis(self.timeouts.request_ms))
            .build()
            .map_err(|e| e.to_string())
    }

    fn states_url(&self) -> Result<String, String> {
        match (&self.admin, self.capabilities.states) {
            (Some(a), true) => Ok(a.url.trim_end_matches('/').to_owned()),
            _ => Err(format!(
                "{}: the target offers no provider states (capabilities.states)",
                self.path.display()
            )),
        }
    }

    /// A runtime of its own and an HTTP client on it, for the blocking
    /// state calls.
    fn blocking_http(&self) -> Result<(tokio::runtime::Runtime, reqwest::Client), String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let http = {
            let _entered = rt.enter();
            self.http()?
        };
        Ok((rt, http))
    }

    /// Sets `world` (a world file's tables as JSON) up on the target, for a
    /// run labelled `label`. Blocking; not from inside an async runtime.
    pub fn post_state(&self, label: &str, world: serde_json::Value) -> Result<WorldState, String> {
        let url = self.states_url()?;
        let token = self.token()?;
        let (rt, http) = self.blocking_http()?;
        let body = serde_json::json!({ "case": label, "world": world });
        let answer = rt.block_on(post_state(&http, &url, &token, &body))?;
        let hosts = hosts::ALL
            .into_iter()
            .map(|h| {
                let name = hosts::short_name(h);
                let to = answer.hosts.get(name).or_else(|| self.hosts.get(name));
                (h, to.cloned().unwrap_or_default())
            })
            .collect();
        Ok(WorldState {
            id: answer.id,
            hosts,
            admin: answer
                .admin
                .map(|a| a.trim_end_matches('/').to_owned())
                .unwrap_or_else(|| url.clone()),
            admin_token: answer.admin_token.unwrap_or(token),
            web_root_pem: answer.pki.web_root_pem,
            client_root_sha1: answer.pki.client_root_sha1_hex,
            now: answer.now,
        })
    }

    /// Tears the state `id` down. Blocking.
    pub fn delete_state(&self, id: &str) -> Result<(), String> {
        let url = format!("{}/states/{id}", self.states_url()?);
        let token = self.token()?;
        let (rt, http) = self.blocking_http()?;
        let status = rt
            .block_on(async { http.delete(&url).bearer_auth(&token).send().await })
            .map_err(|e| format!("DELETE {url}: {e}"))?
            .status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("DELETE {url}: {status}"))
        }
    }
}

/// The state-change endpoint's answer (docs/protocol.md).
#[derive(Debug, Deserialize)]
struct StateAnswer {
    id: String,
    applied: BTreeMap<String, bool>,
    #[serde(default)]
    hosts: BTreeMap<String, String>,
    #[serde(default)]
    admin: Option<String>,
    #[serde(default)]
    admin_token: Option<String>,
    #[serde(default)]
    proxy: Option<String>,
    #[serde(default)]
    fault_seed: u64,
    #[serde(default)]
    faults: Vec<String>,
    #[serde(default)]
    now: Option<String>,
    pki: PkiAnswer,
    identities: BTreeMap<String, IdentityAnswer>,
}

#[derive(Debug, Deserialize)]
struct PkiAnswer {
    web_root_pem: String,
    client_root_pem: String,
    issuing_ca_pem: String,
    client_root_sha1_hex: String,
    issuing_ca_crl_path: String,
    root_crl_path: String,
}

#[derive(Debug, Deserialize)]
struct IdentityAnswer {
    cert_pem: String,
    key_pem: String,
    chain_pem: String,
    serial: String,
}

/// A remote target set up with one case's world.
pub struct Remote {
    profile: Arc<Profile>,
    rt: Arc<tokio::runtime::Runtime>,
    http: reqwest::Client,
    /// The profile's admin API, where states are set up and torn down.
    states_url: String,
    states_token: String,
    /// The admin API of this case's state (the answer's, else the profile's).
    admin_url: String,
    token: String,
    state_id: String,
    hosts: BTreeMap<Host, String>,
    proxy: Option<String>,
    pki: PkiPems,
    identities: BTreeMap<String, IdentityPems>,
    fault_seed: u64,
    faults: Vec<String>,
    /// Provisioned identities: the case's password -> the real one.
    passwords: BTreeMap<String, String>,
    /// World parts the target did not apply.
    pub not_applied: Vec<String>,
}

/// The world tables of a case file (everything but `[case]`, `[client]`
/// and `[[step]]`), as JSON.
pub fn world_json(case: &Case) -> Result<serde_json::Value, String> {
    let mut table: toml::Table = toml::from_str(&case.text).map_err(|e| e.to_string())?;
    for key in ["case", "client", "step"] {
        table.remove(key);
    }
    serde_json::to_value(table).map_err(|e| e.to_string())
}

impl std::fmt::Debug for Remote {
    // The tokens stay out of every log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("admin_url", &self.admin_url)
            .field("state_id", &self.state_id)
            .finish_non_exhaustive()
    }
}

impl Remote {
    /// Asks the target to take the case's world.
    pub fn set_up(
        profile: Arc<Profile>,
        rt: Arc<tokio::runtime::Runtime>,
        case: &Case,
        world: &mock_ra::World,
    ) -> Result<Self, SetUpError> {
        let caps = profile.capabilities;
        let mut skips = Vec::new();
        if !caps.states && !profile.identity.is_empty() {
            return Self::provisioned(profile, rt, case);
        }
        if !caps.states {
            skips.push(("the case's world".to_owned(), "states".to_owned()));
        }
        if !world.faults.is_empty() && !caps.faults {
            skips.push(("the world's faults".to_owned(), "faults".to_owned()));
        }
        if (world.clock.now.is_some() || world.clock.frozen) && !caps.clock {
            skips.push(("the world's clock".to_owned(), "clock".to_owned()));
        }
        if !skips.is_empty() {
            return Err(SetUpError::Skip(skips));
        }
        let failed = SetUpError::Failed;
        let token = profile.token().map_err(failed)?;
        let states_url = profile
            .admin
            .as_ref()
            .map(|a| a.url.trim_end_matches('/').to_owned())
            .unwrap_or_default();
        let _entered = rt.enter();
        let http = profile.http().map_err(SetUpError::Failed)?;
        let body = serde_json::json!({
            "case": case.name(),
            "world": world_json(case).map_err(SetUpError::Failed)?,
        });
        let answer = rt
            .block_on(post_state(&http, &states_url, &token, &body))
            .map_err(SetUpError::Failed)?;
        let mut hosts_map = BTreeMap::new();
        for host in hosts::ALL {
            let name = hosts::short_name(host);
            let to = answer
                .hosts
                .get(name)
                .or_else(|| profile.hosts.get(name))
                .cloned()
                .unwrap_or_default();
            hosts_map.insert(host, to);
        }
        let not_applied = answer
            .applied
            .iter()
            .filter(|(_, done)| !**done)
            .map(|(part, _)| part.clone())
            .collect();
        let identities = answer
            .identities
            .into_iter()
            .map(|(name, id)| {
                (
                    name,
                    IdentityPems {
                        cert_pem: id.cert_pem,
                        key_pem: id.key_pem,
                        chain_pem: id.chain_pem,
                        serial: id.serial,
                    },
                )
            })
            .collect();
        let p = answer.pki;
        Ok(Self {
            admin_url: answer
                .admin
                .map(|a| a.trim_end_matches('/').to_owned())
                .unwrap_or_else(|| states_url.clone()),
            token: answer.admin_token.unwrap_or_else(|| token.clone()),
            states_url,
            states_token: token,
            state_id: answer.id,
            hosts: hosts_map,
            proxy: answer
                .proxy
                .or_else(|| profile.proxy.as_ref().map(|p| p.url.clone())),
            pki: PkiPems {
                web_root_pem: p.web_root_pem,
                client_root_pem: p.client_root_pem,
                issuing_ca_pem: p.issuing_ca_pem,
                client_root_sha1: p.client_root_sha1_hex,
                issuing_ca_crl_path: p.issuing_ca_crl_path,
                root_crl_path: p.root_crl_path,
            },
            identities,
            passwords: BTreeMap::new(),
            fault_seed: answer.fault_seed,
            faults: answer.faults,
            not_applied,
            profile,
            rt,
            http,
        })
    }

    /// A case on the profile's provisioned identities: nothing is set up
    /// on the target; a case whose world asks for more is skipped.
    fn provisioned(
        profile: Arc<Profile>,
        rt: Arc<tokio::runtime::Runtime>,
        case: &Case,
    ) -> Result<Self, SetUpError> {
        let world = world_json(case).map_err(SetUpError::Failed)?;
        let plan = crate::provisioned::plan(
            &profile.identity,
            &world,
            &case.client.identities,
            time::OffsetDateTime::now_utc(),
        )
        .map_err(SetUpError::Skip)?;
        let web_root_pem = std::fs::read_to_string(&profile.trust.web_root).map_err(|e| {
            SetUpError::Failed(format!("{}: {e}", profile.trust.web_root.display()))
        })?;
        let token = profile.token().map_err(SetUpError::Failed)?;
        let admin_url = profile
            .admin
            .as_ref()
            .map(|a| a.url.trim_end_matches('/').to_owned())
            .unwrap_or_default();
        let _entered = rt.enter();
        let http = profile.http().map_err(SetUpError::Failed)?;
        let hosts_map = hosts::ALL
            .into_iter()
            .map(|h| {
                let to = profile.hosts.get(hosts::short_name(h)).cloned();
                (h, to.unwrap_or_default())
            })
            .collect();
        Ok(Self {
            states_url: String::new(),
            states_token: String::new(),
            admin_url,
            token,
            state_id: String::new(),
            hosts: hosts_map,
            proxy: profile.proxy.as_ref().map(|p| p.url.clone()),
            pki: PkiPems {
                web_root_pem,
                client_root_pem: plan.client_root_pem,
                issuing_ca_pem: plan.issuing_ca_pem,
                client_root_sha1: profile.trust.client_root_sha1.to_lowercase(),
                issuing_ca_crl_path: plan.issuing_ca_crl_path,
                root_crl_path: plan.root_crl_path,
            },
            identities: plan.identities,
            passwords: plan.passwords,
            fault_seed: 0,
            faults: Vec::new(),
            not_applied: Vec::new(),
            profile,
            rt,
            http,
        })
    }

    fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<(u16, serde_json::Value), String> {
        let url = format!("{}{path}", self.admin_url);
        self.rt.block_on(async {
            let mut req = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(&self.token);
            if let Some(b) = body {
                req = req.json(&b);
            }
            let resp = req
                .send()
                .await
                .map_err(|e| format!("{method} {url}: {e}"))?;
            let status = resp.status().as_u16();
            let text = resp
                .text()
                .await
                .map_err(|e| format!("{method} {url}: {e}"))?;
            let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
            Ok((status, value))
        })
    }

    fn ok(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<serde_json::Value, String> {
        let (status, value) = self.call(method.clone(), path, body)?;
        if (200..300).contains(&status) {
            Ok(value)
        } else {
            Err(format!(
                "{method} {path}: {status} {}",
                value["detail"].as_str().unwrap_or_default()
            ))
        }
    }
}

impl Target for Remote {
    fn capabilities(&self) -> Capabilities {
        self.profile.capabilities
    }

    fn connection(&self, server_ca: &str) -> Connection {
        let mut c = Connection {
            server_ca: server_ca.to_owned(),
            root_sha1: self.pki.client_root_sha1.clone(),
            hosts: self.hosts.clone(),
            now: None,
        };
        if self.profile.capabilities.clock
            && let Ok(clock) = self.ok(reqwest::Method::GET, "/clock", None)
            && clock["real"] == false
        {
            c.now = clock["now"].as_str().map(str::to_owned);
        }
        if self.profile.capabilities.faults
            && let Ok(faults) = self.ok(reqwest::Method::GET, "/faults", None)
        {
            for f in faults["faults"].as_array().into_iter().flatten() {
                if f["spec"]["kind"] == "unresolvable"
                    && let Some(host) = f["spec"]["host"].as_str().and_then(hosts::parse)
                    && let Some(to) = c.hosts.get_mut(&host)
                {
                    let port = to.rsplit(':').next().unwrap_or_default().to_owned();
                    *to = format!(
                        "{}:{port}",
                        mock_ra::unresolvable_name(hosts::fault_host_of(host))
                    );
                }
            }
        }
        c
    }

    fn pki(&self) -> &PkiPems {
        &self.pki
    }

    fn addr(&self, host: Host) -> Result<SocketAddr, String> {
        let to = self.hosts.get(&host).cloned().unwrap_or_default();
        resolve(&to).map_err(|e| format!("{} ({to}): {e}", hosts::short_name(host)))
    }

    fn proxy(&self) -> Option<String> {
        self.proxy.clone()
    }

    fn identity(&self, name: &str) -> Option<IdentityPems> {
        self.identities.get(name).cloned()
    }

    fn identity_names(&self) -> Vec<String> {
        self.identities.keys().cloned().collect()
    }

    fn journal_mark(&self) -> Result<u64, String> {
        let entries = self.journal_since(0)?;
        Ok(entries.last().map_or(0, |e| e.seq))
    }

    fn journal_since(&self, mark: u64) -> Result<Vec<Entry>, String> {
        let value = self.ok(
            reqwest::Method::GET,
            &format!("/journal?since={mark}"),
            None,
        )?;
        serde_json::from_value(value).map_err(|e| format!("the journal: {e}"))
    }

    fn account(&self, id: &str) -> Result<Option<AccountState>, String> {
        let (status, value) = self.call(reqwest::Method::GET, &format!("/accounts/{id}"), None)?;
        match status {
            404 => Ok(None),
            200..=299 => serde_json::from_value(value)
                .map(Some)
                .map_err(|e| format!("account {id}: {e}")),
            other => Err(format!("GET /accounts/{id}: {other}")),
        }
    }

    fn advance_clock(&self, by: certs_gen::Offset) -> Result<(), String> {
        self.ok(
            reqwest::Method::POST,
            "/clock",
            Some(serde_json::json!({ "advance": by.to_string() })),
        )
        .map(drop)
    }

    fn admin(&self, admin: &Admin) -> Result<(), String> {
        let (method, path, body) = admin.request()?;
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
        self.ok(method, &path, body).map(drop)
    }

    fn faults(&self) -> (u64, Vec<String>) {
        (self.fault_seed, self.faults.clone())
    }

    fn password(&self, written: &str) -> String {
        self.passwords
            .get(written)
            .cloned()
            .unwrap_or_else(|| written.to_owned())
    }

    fn secrets(&self) -> Vec<String> {
        self.passwords.values().cloned().collect()
    }

    fn finish(self: Box<Self>) {
        if self.state_id.is_empty() {
            return;
        }
        let url = format!("{}/states/{}", self.states_url, self.state_id);
        let _ = self.rt.block_on(async {
            self.http
                .delete(&url)
                .bearer_auth(&self.states_token)
                .send()
                .await
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "lab RA"
[hosts]
webra2 = "127.0.0.1:8443"
webra1 = "127.0.0.1:8444"
repo1 = "127.0.0.1:8080"
repository = "127.0.0.1:8081"
[trust]
web_root = "web-root.pem"
client_root_sha1 = "0123456789abcdef0123456789abcdef01234567"
"#;

    #[test]
    fn a_profile_without_capabilities_reads_and_resolves_paths_beside_it() {
        let p = Profile::from_toml(Path::new("/etc/lab/target.toml"), GOOD);
        let p = p.map_err(|e| e.to_string());
        assert!(p.is_ok(), "{p:?}");
        if let Ok(p) = p {
            assert_eq!(p.capabilities, Capabilities::default());
            assert_eq!(p.trust.web_root, Path::new("/etc/lab/web-root.pem"));
            assert_eq!(p.timeouts.connect_ms, 3_000);
        }
    }

    #[test]
    fn unknown_keys_and_hosts_are_file_line_column_errors() {
        let text = format!("{GOOD}colour = \"red\"\n");
        let err = Profile::from_toml(Path::new("t.toml"), &text)
            .err()
            .unwrap_or_default();
        // GOOD ends inside `[trust]`: the unknown key is its line 11.
        assert!(err.starts_with("t.toml:11:1: "), "{err}");
        assert!(err.contains("colour"), "{err}");
        let text = GOOD.replace("repository =", "repositry =");
        let err = Profile::from_toml(Path::new("t.toml"), &text)
            .err()
            .unwrap_or_default();
        assert!(
            err.starts_with("t.toml:7:13: unknown host `repositry`"),
            "{err}"
        );
    }

    #[test]
    fn a_provisioned_identity_takes_its_password_from_exactly_one_place_never_the_profile() {
        let base =
            format!("{GOOD}\n[[identity]]\nname = \"acme\"\ncert = \"c.pem\"\nkey = \"k.pem\"\n");
        let both = format!("{base}password_env = \"P\"\npassword_file = \"p.txt\"\n");
        let err = Profile::from_toml(Path::new("t.toml"), &both)
            .err()
            .unwrap_or_default();
        assert!(
            err.starts_with(
                "t.toml:12:1: identity `acme`: give exactly one of password_env and password_file"
            ),
            "{err}"
        );
        let neither = Profile::from_toml(Path::new("t.toml"), &base)
            .err()
            .unwrap_or_default();
        assert!(neither.contains("give exactly one"), "{neither}");
        let inline = format!("{base}password = \"hunter22\"\n");
        let err = Profile::from_toml(Path::new("t.toml"), &inline)
            .err()
            .unwrap_or_default();
        assert!(
            err.starts_with("t.toml:16:") && err.contains("unknown field `password`"),
            "{err}"
        );
        let ok = Profile::from_toml(
            Path::new("/lab/t.toml"),
            &format!("{base}password_env = \"P\"\n"),
        );
        let ok = ok.map_err(|e| e.to_string());
        assert!(
            ok.as_ref()
                .is_ok_and(|p| p.identity[0].cert == Path::new("/lab/c.pem")),
            "{ok:?}"
        );
    }

    #[test]
    fn capabilities_need_an_admin_api() {
        let text = format!("{GOOD}[capabilities]\njournal = true\n");
        let err = Profile::from_toml(Path::new("t.toml"), &text)
            .err()
            .unwrap_or_default();
        assert!(err.contains("need an [admin] table"), "{err}");
    }

    #[test]
    fn a_host_that_does_not_answer_is_named_within_the_timeout() {
        // A port bound but not listening refuses at once.
        let socket = std::net::TcpListener::bind("127.0.0.1:0");
        let Ok(socket) = socket else { return };
        let port = socket.local_addr().map(|a| a.port()).unwrap_or(9);
        drop(socket);
        let text = GOOD.replace("127.0.0.1:8443", &format!("127.0.0.1:{port}"));
        let Ok(p) = Profile::from_toml(Path::new("t.toml"), &text) else {
            panic!("profile");
        };
        let started = std::time::Instant::now();
        let err = p.check_reachable().err().unwrap_or_default();
        assert!(err.starts_with("target host webra2 (127.0.0.1:"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
