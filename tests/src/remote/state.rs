//! The state-change endpoint (docs/protocol.md section 7): a case's world
//! posted, the answer read, the state deleted afterwards.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use crate::hosts::{self, Host};

use crate::remote::error::RemoteError;
use crate::remote::profile::Profile;

/// Why a case could not be set up on the target.
#[derive(Debug)]
pub enum SetUpError {
    /// The target cannot provide the case's world: `(what, needs)`.
    Skip(Vec<(String, String)>),
    /// The target failed.
    Failed(RemoteError),
}

/// `POST {admin}/states` with `body`; the answer, or what went wrong.
pub(super) async fn post_state(
    http: &reqwest::Client,
    states_url: &str,
    token: &str,
    body: &serde_json::Value,
) -> Result<StateAnswer, RemoteError> {
    let url = format!("{states_url}/states");
    let failed = |source| RemoteError::Request {
        method: "POST",
        url: url.clone(),
        source,
    };
    let resp = http
        .post(&url)
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .map_err(failed)?;
    let status = resp.status();
    let text = resp.text().await.map_err(failed)?;
    if !status.is_success() {
        return Err(RemoteError::PostRefused { url, status, text });
    }
    serde_json::from_str(&text).map_err(|source| RemoteError::Answer { url, source })
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
    pub(super) fn http(&self) -> Result<reqwest::Client, RemoteError> {
        reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(Duration::from_millis(self.timeouts.connect_ms))
            .timeout(Duration::from_millis(self.timeouts.request_ms))
            .build()
            .map_err(RemoteError::Client)
    }

    fn states_url(&self) -> Result<String, RemoteError> {
        match (&self.admin, self.capabilities.states) {
            (Some(a), true) => Ok(a.url.trim_end_matches('/').to_owned()),
            _ => Err(RemoteError::NoStates {
                path: self.path.clone(),
            }),
        }
    }

    /// A runtime of its own and an HTTP client on it, for the blocking
    /// state calls.
    fn blocking_http(&self) -> Result<(tokio::runtime::Runtime, reqwest::Client), RemoteError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(RemoteError::Runtime)?;
        let http = {
            let _entered = rt.enter();
            self.http()?
        };
        Ok((rt, http))
    }

    /// Sets `world` (a world file's tables as JSON) up on the target, for a
    /// run labelled `label`. Blocking; not from inside an async runtime.
    pub fn post_state(
        &self,
        label: &str,
        world: serde_json::Value,
    ) -> Result<WorldState, RemoteError> {
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
    pub fn delete_state(&self, id: &str) -> Result<(), RemoteError> {
        let url = format!("{}/states/{id}", self.states_url()?);
        let token = self.token()?;
        let (rt, http) = self.blocking_http()?;
        let status = rt
            .block_on(async { http.delete(&url).bearer_auth(&token).send().await })
            .map_err(|source| RemoteError::Request {
                method: "DELETE",
                url: url.clone(),
                source,
            })?
            .status();
        if status.is_success() {
            Ok(())
        } else {
            Err(RemoteError::DeleteRefused { url, status })
        }
    }
}

/// The state-change endpoint's answer (docs/protocol.md).
#[derive(Debug, Deserialize)]
pub(super) struct StateAnswer {
    pub(super) id: String,
    pub(super) applied: BTreeMap<String, bool>,
    #[serde(default)]
    pub(super) hosts: BTreeMap<String, String>,
    #[serde(default)]
    pub(super) admin: Option<String>,
    #[serde(default)]
    pub(super) admin_token: Option<String>,
    #[serde(default)]
    pub(super) proxy: Option<String>,
    #[serde(default)]
    pub(super) fault_seed: u64,
    #[serde(default)]
    pub(super) faults: Vec<String>,
    #[serde(default)]
    pub(super) now: Option<String>,
    pub(super) pki: PkiAnswer,
    pub(super) identities: BTreeMap<String, IdentityAnswer>,
}

#[derive(Debug, Deserialize)]
pub(super) struct PkiAnswer {
    pub(super) web_root_pem: String,
    pub(super) client_root_pem: String,
    pub(super) issuing_ca_pem: String,
    pub(super) client_root_sha1_hex: String,
    pub(super) issuing_ca_crl_path: String,
    pub(super) root_crl_path: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct IdentityAnswer {
    pub(super) cert_pem: String,
    pub(super) key_pem: String,
    pub(super) chain_pem: String,
    pub(super) serial: String,
}
