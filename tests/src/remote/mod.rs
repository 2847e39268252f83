//! A remote target: an RA described by a target profile (docs/targets.md),
//! set up for each case through its state-change endpoint and observed
//! through its admin API, as far as its capabilities go.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::case::{Admin, Case};
use crate::hosts::{self, Connection, Host};
use crate::journal::Entry;
use crate::target::{AccountState, Capabilities, IdentityPems, PkiPems, Target, TargetError};

mod error;
mod profile;
mod state;

pub use error::RemoteError;

pub use profile::{AdminSection, Profile, ProxySection, Timeouts, Trust, admin_needs};
pub use state::{SetUpError, WorldState};

use profile::resolve;
use state::post_state;

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

/// The world tables of a case file (everything but the harness's keys,
/// `mock_ra::World::HARNESS_KEYS`), as JSON.
pub fn world_json(case: &Case) -> Result<serde_json::Value, RemoteError> {
    serde_json::to_value(&case.world_tables).map_err(RemoteError::WorldJson)
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
        let web_root_pem = std::fs::read_to_string(&profile.trust.web_root).map_err(|source| {
            SetUpError::Failed(RemoteError::Read {
                path: profile.trust.web_root.clone(),
                source,
            })
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
    ) -> Result<(u16, serde_json::Value), TargetError> {
        let url = format!("{}{path}", self.admin_url);
        self.rt.block_on(async {
            let mut req = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(&self.token);
            if let Some(b) = body {
                req = req.json(&b);
            }
            let failed = |source| TargetError::Request {
                method: method.clone(),
                url: url.clone(),
                source,
            };
            let resp = req.send().await.map_err(failed)?;
            let status = resp.status().as_u16();
            let text = resp.text().await.map_err(failed)?;
            let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
            Ok((status, value))
        })
    }

    fn ok(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<serde_json::Value, TargetError> {
        let (status, value) = self.call(method.clone(), path, body)?;
        if (200..300).contains(&status) {
            Ok(value)
        } else {
            Err(TargetError::Refused {
                method,
                path: path.to_owned(),
                status,
                detail: value["detail"].as_str().unwrap_or_default().to_owned(),
            })
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

    fn addr(&self, host: Host) -> Result<SocketAddr, TargetError> {
        let to = self.hosts.get(&host).cloned().unwrap_or_default();
        resolve(&to).map_err(|source| TargetError::Resolve {
            host: hosts::short_name(host),
            to,
            source,
        })
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

    fn journal_mark(&self) -> Result<u64, TargetError> {
        let entries = self.journal_since(0)?;
        Ok(entries.last().map_or(0, |e| e.seq))
    }

    fn journal_since(&self, mark: u64) -> Result<Vec<Entry>, TargetError> {
        let value = self.ok(
            reqwest::Method::GET,
            &format!("/journal?since={mark}"),
            None,
        )?;
        serde_json::from_value(value).map_err(|source| TargetError::Answer {
            what: "the journal".to_owned(),
            source,
        })
    }

    fn account(&self, id: &str) -> Result<Option<AccountState>, TargetError> {
        let (status, value) = self.call(reqwest::Method::GET, &format!("/accounts/{id}"), None)?;
        match status {
            404 => Ok(None),
            200..=299 => {
                serde_json::from_value(value)
                    .map(Some)
                    .map_err(|source| TargetError::Answer {
                        what: format!("account {id}"),
                        source,
                    })
            }
            status => Err(TargetError::AccountStatus {
                id: id.to_owned(),
                status,
            }),
        }
    }

    fn advance_clock(&self, by: fileformat::Offset) -> Result<(), TargetError> {
        self.ok(
            reqwest::Method::POST,
            "/clock",
            Some(serde_json::json!({ "advance": by.to_string() })),
        )
        .map(drop)
    }

    fn admin(&self, admin: &Admin) -> Result<(), TargetError> {
        let (method, path, body) = admin.request().map_err(TargetError::Step)?;
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|source| TargetError::StepMethod { method, source })?;
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
mod tests;
