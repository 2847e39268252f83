//! Provider states: the state-change endpoint of the admin API
//! (`POST /states`, `DELETE /states/{id}`), with which a separately started
//! `mock-ra serve` is a complete target for the scenario harness.
//!
//! Each state is one world (a case file's world tables as JSON). The served
//! process starts a mock instance of its own for it, on fresh loopback
//! ports, and answers where its hosts are, the PKI's public parts, the
//! world's identities and which parts of the world it applied. With
//! `--keep-policy` the instance keeps the served world's `[policy]`, as a
//! production RA keeps its own. Teardown stops the instance. The endpoint
//! exists only on a mock whose builder was given [`ProviderStates::routes`]
//! (`mock-ra serve --write-target` or `--keep-policy`); elsewhere it answers
//! 404 like any unknown admin route. No process-wide state: two mocks in
//! one process each serve what their own builder was given.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::control::admin_reply::AdminError;
use crate::control::mock::MockRa;
use crate::wire::body::{BodyError, Shape, read_json};
use crate::wire::journal::Role;
use crate::wire::protocol::rfc3339;
use crate::world::{Policy, World};

/// Provider states for a served mock: give [`Self::routes`] to
/// [`crate::MockRaBuilder::admin_routes`] and that mock's admin API serves
/// `POST /states` and `DELETE /states/{id}` behind its token.
///
/// ```no_run
/// # async fn demo() -> Result<(), mock_ra::MockError> {
/// use mock_ra::served::ProviderStates;
/// use mock_ra::{MockRa, World};
/// let states = ProviderStates::new(None, [127, 0, 0, 1].into());
/// let mock = MockRa::builder(World::demo())
///     .admin_routes(states.routes())
///     .start()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ProviderStates {
    states: Arc<States>,
}

/// What a served mock keeps for provider states.
#[derive(Debug)]
struct States {
    /// The policy to keep, with `--keep-policy`.
    keep_policy: Option<Policy>,
    /// The address the instances' hosts bind.
    bind: std::net::IpAddr,
    /// The instances, by state id.
    running: Mutex<BTreeMap<String, Arc<MockRa>>>,
}

impl ProviderStates {
    /// No state yet. `keep_policy`: the served world's policy, kept by
    /// every state; `bind`: the address the states' hosts bind.
    pub fn new(keep_policy: Option<Policy>, bind: std::net::IpAddr) -> Self {
        Self {
            states: Arc::new(States {
                keep_policy,
                bind,
                running: Mutex::new(BTreeMap::new()),
            }),
        }
    }

    /// The endpoint's routes, for [`crate::MockRaBuilder::admin_routes`].
    pub fn routes(&self) -> axum::Router {
        axum::Router::new()
            .route("/states", axum::routing::post(set_up))
            .route("/states/{id}", axum::routing::delete(tear_down))
            .with_state(self.states.clone())
    }

    /// How many states are set up and not torn down.
    pub fn running(&self) -> usize {
        self.states
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// `POST /states`: the body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateRequest {
    /// A label for the journal and errors (the case's name).
    #[serde(default)]
    case: Option<String>,
    /// The world: `pki`, `clock`, `policy`, `account`, `identity`, `fault`,
    /// `faults`, as in a case file.
    world: serde_json::Value,
}

/// Which parts of the world the target applied.
#[derive(Debug, Serialize)]
pub struct Applied {
    /// Accounts with their certificates, password history, lock state, order.
    pub accounts: bool,
    /// Identities outside accounts.
    pub identities: bool,
    /// The `[policy]` table.
    pub policy: bool,
    /// The `[pki]` key type.
    pub pki: bool,
    /// The `[clock]`.
    pub clock: bool,
    /// The `[[fault]]` list.
    pub faults: bool,
}

/// One identity the client needs, as PEM.
#[derive(Debug, Serialize)]
struct IdentityAnswer {
    cert_pem: String,
    key_pem: String,
    chain_pem: String,
    serial: String,
}

/// The PKI's public parts.
#[derive(Debug, Serialize)]
struct PkiAnswer {
    web_root_pem: String,
    client_root_pem: String,
    issuing_ca_pem: String,
    client_root_sha1_hex: String,
    issuing_ca_crl_path: String,
    root_crl_path: String,
}

/// `POST /states`: the answer.
#[derive(Debug, Serialize)]
struct StateAnswer {
    id: String,
    applied: Applied,
    hosts: BTreeMap<&'static str, String>,
    admin: String,
    admin_token: String,
    proxy: String,
    now: Option<String>,
    fault_seed: u64,
    faults: Vec<String>,
    pki: PkiAnswer,
    identities: BTreeMap<String, IdentityAnswer>,
}

/// `POST /states`: sets a world up and answers what the client needs.
async fn set_up(
    State(states): State<Arc<States>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AdminError> {
    let request: StateRequest = read_json(body, Shape::Any).map_err(|e| {
        AdminError::BadRequest(match e {
            BodyError::Invalid(e) => format!("state: {e}"),
            other => other.to_string(),
        })
    })?;
    let label = request.case.unwrap_or_else(|| "state".to_owned());
    let text = toml::to_string(&request.world)
        .map_err(|e| AdminError::BadRequest(format!("{label}: the world is not a table: {e}")))?;
    let mut world = World::from_toml(&format!("{label} (world)"), &text)
        .map_err(|e| AdminError::BadRequest(e.to_string()))?;
    let mut applied = Applied {
        accounts: true,
        identities: true,
        policy: true,
        pki: true,
        clock: true,
        faults: true,
    };
    if let Some(kept) = &states.keep_policy {
        applied.policy = format!("{:?}", world.policy) == format!("{kept:?}");
        world.policy = kept.clone();
    }
    let mock = MockRa::builder(world)
        .bind(states.bind)
        .start()
        .await
        .map_err(|e| AdminError::BadRequest(format!("{label}: {e}")))?;
    let id = crate::ra::tickets::random_token()[..16].to_owned();
    let answer = answer(&id, &mock, applied);
    states
        .running
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(id, Arc::new(mock));
    Ok((StatusCode::CREATED, axum::Json(answer)).into_response())
}

fn answer(id: &str, mock: &MockRa, applied: Applied) -> StateAnswer {
    let mut hosts = BTreeMap::new();
    for (name, role) in [
        ("webra2", Role::Webra2),
        ("webra1", Role::Webra1),
        ("repo1", Role::Repo1),
        ("repository", Role::Repository),
    ] {
        if let Some(addr) = mock.addr(role) {
            hosts.insert(name, addr.to_string());
        }
    }
    let pki = mock.pki();
    let identities = mock
        .identities()
        .into_iter()
        .filter_map(|(name, id)| {
            let serial = id.info().ok()?.serial;
            Some((
                name,
                IdentityAnswer {
                    cert_pem: id.cert_pem(),
                    key_pem: id.key_pem(),
                    chain_pem: id.chain_pem(),
                    serial,
                },
            ))
        })
        .collect();
    StateAnswer {
        id: id.to_owned(),
        applied,
        hosts,
        admin: mock.urls().admin.clone(),
        admin_token: mock.admin_token().to_owned(),
        proxy: mock.urls().proxy.clone(),
        now: (!mock.clock_is_real()).then(|| rfc3339(mock.now())),
        fault_seed: mock.fault_seed(),
        faults: mock.faults().faults.into_iter().map(|f| f.name).collect(),
        pki: PkiAnswer {
            web_root_pem: pki.web_root.pem(),
            client_root_pem: pki.client_root.pem(),
            issuing_ca_pem: pki.issuing_ca.pem(),
            client_root_sha1_hex: certs_gen::info::sha1_hex(pki.client_root.der()),
            issuing_ca_crl_path: pki.names.issuing_ca_crl_path(),
            root_crl_path: pki.names.root_crl_path(),
        },
        identities,
    }
}

/// `DELETE /states/{id}`: stops the state's instance.
async fn tear_down(
    State(states): State<Arc<States>>,
    Path(id): Path<String>,
) -> Result<Response, AdminError> {
    let mock = states
        .running
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(&id)
        .ok_or_else(|| AdminError::NotFound(format!("no state `{id}`")))?;
    if let Ok(mock) = Arc::try_unwrap(mock) {
        mock.shutdown().await;
    }
    Ok((
        StatusCode::OK,
        axum::Json(serde_json::json!({ "torn_down": id })),
    )
        .into_response())
}

/// Writes a complete target profile for the running `mock` (see the
/// harness's docs/targets.md): its hosts, its web root (`files`), the
/// client-CA pin, every capability, the state-change endpoint. The admin
/// token goes to `admin-token` beside the profile (0600), never into it.
pub fn write_target(
    mock: &MockRa,
    files: &crate::control::ready::StateFiles,
    path: &std::path::Path,
) -> Result<(), crate::error::MockError> {
    let io = |p: &std::path::Path, source: std::io::Error| crate::error::MockError::Io {
        path: p.to_owned(),
        source,
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let token_file = dir.join("admin-token");
    {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(&token_file).map_err(|e| io(&token_file, e))?;
        f.write_all(mock.admin_token().as_bytes())
            .map_err(|e| io(&token_file, e))?;
    }
    let quote = |s: &str| toml::Value::String(s.to_owned()).to_string();
    let mut text = String::from(
        "# A target profile for this mock-ra (written by `mock-ra serve --write-target`).\n\
         name = \"mock-ra serve\"\n\n[hosts]\n",
    );
    for (name, role) in [
        ("webra2", Role::Webra2),
        ("webra1", Role::Webra1),
        ("repo1", Role::Repo1),
        ("repository", Role::Repository),
    ] {
        if let Some(addr) = mock.addr(role) {
            text.push_str(&format!("{name} = {}\n", quote(&addr.to_string())));
        }
    }
    text.push_str(&format!(
        "\n[trust]\nweb_root = {}\nclient_root_sha1 = {}\n\n[proxy]\nurl = {}\n\n\
         [capabilities]\njournal = true\naccounts = true\nclock = true\nfaults = true\nstates = true\n\n\
         [admin]\nurl = {}\ntoken_file = {}\n",
        quote(&files.web_root_pem.display().to_string()),
        quote(&certs_gen::info::sha1_hex(mock.pki().client_root.der())),
        quote(&mock.urls().proxy),
        quote(&mock.urls().admin),
        quote(&token_file.display().to_string()),
    ));
    // Written beside and renamed: a reader waiting for the file sees all
    // of it or nothing.
    let temp = dir.join(format!(
        ".{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ));
    std::fs::write(&temp, text).map_err(|e| io(&temp, e))?;
    std::fs::rename(&temp, path).map_err(|e| io(path, e))
}
