//! A target profile (docs/targets.md): its hosts, trust, proxy, timeouts,
//! capabilities, admin API and provisioned identities, read from TOML.

use std::collections::BTreeMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::case::Admin;
use crate::hosts::{self};
use crate::provisioned::ProvisionedIdentity;
use crate::target::Capabilities;

use crate::hosts::ResolveError;
use crate::remote::error::RemoteError;

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
    pub fn from_file(path: &Path) -> Result<Self, RemoteError> {
        let text = std::fs::read_to_string(path).map_err(|source| RemoteError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(path, &text)
    }

    /// Parses a profile's text.
    pub fn from_toml(path: &Path, text: &str) -> Result<Self, RemoteError> {
        let shown = path.display().to_string();
        let mut profile: Profile = toml::from_str(text)
            .map_err(|e| RemoteError::Profile(fileformat::toml_error(&shown, text, &e)))?;
        for name in profile.hosts.keys() {
            if hosts::parse(name).is_none() {
                let at = fileformat::offset_of(
                    text,
                    &[fileformat::Seg::key("hosts"), fileformat::Seg::key(name)],
                )
                .unwrap_or(0);
                return Err(RemoteError::Profile(fileformat::error_at(
                    &shown,
                    text,
                    at,
                    &format!("unknown host `{name}`, expected webra2, webra1, repo1 or repository"),
                )));
            }
        }
        for host in hosts::ALL {
            if !profile.hosts.contains_key(hosts::short_name(host)) {
                return Err(RemoteError::Profile(format!(
                    "{shown}: [hosts] names no `{}`",
                    hosts::short_name(host)
                )));
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
                return Err(RemoteError::Profile(fileformat::error_at_path(
                    &shown,
                    text,
                    &[fileformat::Seg::key("identity"), fileformat::Seg::Index(i)],
                    &e.to_string(),
                )));
            }
        }
        let caps = profile.capabilities;
        if (caps.journal || caps.accounts || caps.clock || caps.faults || caps.states)
            && profile.admin.is_none()
        {
            return Err(RemoteError::Profile(format!(
                "{shown}: the capabilities need an [admin] table (url, token_file or token_env)"
            )));
        }
        profile.path = path.to_path_buf();
        Ok(profile)
    }

    pub(super) fn token(&self) -> Result<String, RemoteError> {
        let Some(admin) = &self.admin else {
            return Ok(String::new());
        };
        if let Some(var) = &admin.token_env {
            return std::env::var(var).map_err(|_| RemoteError::TokenEnv { var: var.clone() });
        }
        if let Some(file) = &admin.token_file {
            return std::fs::read_to_string(file)
                .map(|t| t.trim().to_owned())
                .map_err(|source| RemoteError::Read {
                    path: file.clone(),
                    source,
                });
        }
        Ok(String::new())
    }

    /// Checks that every host accepts a connection within the connect
    /// timeout; the error names the first host that does not.
    pub fn check_reachable(&self) -> Result<(), RemoteError> {
        let timeout = Duration::from_millis(self.timeouts.connect_ms);
        for host in hosts::ALL {
            let name = hosts::short_name(host);
            let to = self.hosts.get(name).cloned().unwrap_or_default();
            let addr = resolve(&to).map_err(|source| RemoteError::Resolve {
                host: name,
                to: to.clone(),
                source,
            })?;
            std::net::TcpStream::connect_timeout(&addr, timeout).map_err(|source| {
                RemoteError::Unreachable {
                    host: name,
                    to: to.clone(),
                    ms: timeout.as_millis(),
                    source,
                }
            })?;
        }
        Ok(())
    }
}

pub(super) fn resolve(to: &str) -> Result<SocketAddr, ResolveError> {
    to.to_socket_addrs()
        .map_err(ResolveError::Lookup)?
        .next()
        .ok_or(ResolveError::NoAddress)
}

/// The capability an admin step needs.
pub fn admin_needs(admin: &Admin) -> &'static str {
    match admin {
        Admin::AddFault { .. } | Admin::RemoveFault { .. } | Admin::ClearFaults => "faults",
        Admin::Reissue { .. } | Admin::SetOrder { .. } | Admin::ChangePassword { .. } => "states",
    }
}
