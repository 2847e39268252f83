//! The RA and its customers: the default season, the in-process mock or a
//! served one (its ready line and admin API), each customer's identity.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use certrenew::net::{ConnectTo, Net, NetConfig};
use mock_ra::{MockRa, OrderState, World};
use rustls_pki_types::CertificateDer;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::load::error::LoadError;
use crate::load::types::{Customer, Model, Ra, Served, Stop};

/// The default world: `n` customers whose certificates expired 1 to 60
/// days ago, orders ready.
pub fn season(n: usize) -> Result<World, LoadError> {
    Ok(World::from_toml("(generated season)", &season_text(n))?)
}

/// The default world's text: `n` generated customers.
pub fn season_text(n: usize) -> String {
    format!(
        "[[customers]]\ncount = {}\nid = \"load{{n:06}}\"\npassword = \"load-pw-{{n}}\"\n\
         expires_from = \"-60d\"\nexpires_to = \"-1d\"\n",
        n.max(1)
    )
}

/// How many customers the default world has for a run: the number asked
/// for, or enough for the duration at a generous pace.
pub fn season_size(model: Model, stop: Stop) -> usize {
    match stop {
        Stop::Customers(n) => n,
        Stop::Duration(d) => {
            let secs = d.as_secs_f64().ceil() as usize;
            match model {
                Model::Open { rate } => (rate * d.as_secs_f64()).ceil() as usize + 16,
                Model::Closed { .. } => (secs * 3_000).max(1_000),
            }
        }
    }
}

/// Every generated customer's id and password, in order.
pub(super) fn customers_of(world: &World) -> Result<Vec<(String, String)>, LoadError> {
    world
        .generated_customers()
        .map(|(spec, n)| {
            let c = spec.customer(n).map_err(LoadError::Pattern)?;
            Ok((c.id, c.password.expose().to_owned()))
        })
        .collect()
}

fn connect_to(args: &[String]) -> Result<Vec<ConnectTo>, LoadError> {
    args.windows(2)
        .filter(|w| w[0] == "--connect-to")
        .map(|w| {
            w[1].parse::<ConnectTo>()
                .map_err(|error| LoadError::ConnectTo {
                    arg: w[1].clone(),
                    error,
                })
        })
        .collect()
}

fn client_net(web_root: CertificateDer<'static>, args: &[String]) -> Result<Net, LoadError> {
    Ok(Net::new(NetConfig {
        mappings: connect_to(args)?,
        server_roots: Some(vec![web_root]),
        ..NetConfig::default()
    })?)
}

pub(super) fn in_process(mock: &Arc<MockRa>) -> Result<Ra, LoadError> {
    let args = mock.certrenew_args(Path::new("unused.pem"));
    let net = client_net(mock.pki().web_root.der().clone(), &args)?;
    let (a, b) = (mock.clone(), mock.clone());
    Ok(Ra {
        webra2: mock
            .addr(mock_ra::Role::Webra2)
            .ok_or(LoadError::NoWebra2)?,
        net,
        now: Box::new(move || a.now()),
        orders: Box::new(move || Ok(b.orders())),
    })
}

/// What the load reads of a served mock's ready line.
#[derive(Debug, Deserialize)]
struct ReadyLine {
    webra2: String,
    admin: String,
    admin_token: String,
    web_root_pem: String,
    certrenew_args: Vec<String>,
}

fn read_ready(path: &Path) -> Result<ReadyLine, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::ReadReady {
        path: path.to_path_buf(),
        source,
    })?;
    let line = text.lines().next().unwrap_or_default();
    serde_json::from_str(line).map_err(|source| LoadError::NotReady {
        path: path.to_path_buf(),
        source,
    })
}

fn addr_of(url: &str) -> Result<SocketAddr, LoadError> {
    url.rsplit("://")
        .next()
        .unwrap_or_default()
        .trim_end_matches('/')
        .parse()
        .map_err(|source| LoadError::Addr {
            url: url.to_owned(),
            source,
        })
}

/// A blocking admin GET (the served mock's identities and orders).
fn admin_get(admin: &str, token: &str, path: &str) -> Result<Vec<u8>, LoadError> {
    let url = format!("{admin}{path}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(LoadError::AdminRuntime)?;
    runtime.block_on(async {
        let resp = reqwest::Client::new()
            .get(&url)
            .bearer_auth(token)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .map_err(|source| LoadError::Get {
                url: url.clone(),
                source,
            })?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(LoadError::Body)?;
        if !status.is_success() {
            return Err(LoadError::Status {
                url: url.clone(),
                status,
            });
        }
        Ok(body.to_vec())
    })
}

pub(super) fn served(ready: &Path) -> Result<Ra, LoadError> {
    let line = read_ready(ready)?;
    let pem = std::fs::read(&line.web_root_pem).map_err(|source| LoadError::Read {
        path: line.web_root_pem.clone().into(),
        source,
    })?;
    let root = certrenew::cert::pem_certificates(&pem)
        .ok()
        .and_then(|v| v.into_iter().next())
        .ok_or_else(|| LoadError::NoRootCertificate {
            path: line.web_root_pem.clone(),
        })?;
    let net = client_net(root, &line.certrenew_args)?;
    let clock = line
        .certrenew_args
        .windows(2)
        .find(|w| w[0] == "--danger-now")
        .and_then(|w| {
            OffsetDateTime::parse(&w[1], &time::format_description::well_known::Rfc3339).ok()
        });
    let offset = clock.map(|c| c - OffsetDateTime::now_utc());
    let (admin, token) = (line.admin.clone(), line.admin_token.clone());
    Ok(Ra {
        webra2: addr_of(&line.webra2)?,
        net,
        now: Box::new(move || OffsetDateTime::now_utc() + offset.unwrap_or_default()),
        orders: Box::new(move || {
            let body = std::thread::scope(|s| {
                s.spawn(|| admin_get(&admin, &token, "/orders"))
                    .join()
                    .unwrap_or(Err(LoadError::AdminPanicked))
            })?;
            #[derive(Deserialize)]
            struct Order {
                account: String,
                order: OrderState,
                renewals: u32,
            }
            let orders: Vec<Order> =
                serde_json::from_slice(&body).map_err(|source| LoadError::NotJson {
                    path: "/orders".to_owned(),
                    source,
                })?;
            Ok(orders
                .into_iter()
                .map(|o| mock_ra::OrderSummary {
                    account: o.account,
                    order: o.order,
                    renewals: o.renewals,
                })
                .collect())
        }),
    })
}

/// Makes (in-process) or fetches (served: admin `GET /identities/{id}`)
/// every customer's identity, on the blocking pool, both cores.
pub(super) async fn identities(
    listed: &[(String, String)],
    mock: Option<&MockRa>,
    served: Option<&Served>,
) -> Result<Vec<Customer>, LoadError> {
    let admin = match served {
        Some(s) => {
            let line = read_ready(&s.ready)?;
            Some((line.admin, line.admin_token))
        }
        None => None,
    };
    let mut out = Vec::with_capacity(listed.len());
    match mock {
        Some(mock) => {
            // Two threads (the machine's cores), each making half.
            let made: Vec<Result<Vec<Customer>, LoadError>> = std::thread::scope(|s| {
                let handles: Vec<_> = listed
                    .chunks(listed.len().div_ceil(2).max(1))
                    .map(|chunk| s.spawn(move || chunk.iter().map(|c| made(mock, c)).collect()))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or(Err(LoadError::IdentitiesPanicked)))
                    .collect()
            });
            for part in made {
                out.extend(part?);
            }
        }
        None => {
            let (admin, token) = admin.ok_or(LoadError::NoAdmin)?;
            let listed = listed.to_vec();
            let got = tokio::task::spawn_blocking(move || {
                listed
                    .iter()
                    .map(|(id, pw)| fetched(&admin, &token, id, pw))
                    .collect::<Result<Vec<_>, LoadError>>()
            })
            .await
            .map_err(LoadError::Fetching)??;
            out.extend(got);
        }
    }
    Ok(out)
}

fn made(mock: &MockRa, (id, password): &(String, String)) -> Result<Customer, LoadError> {
    let identity = mock.identity(id).map_err(|source| LoadError::NoIdentity {
        id: id.clone(),
        source,
    })?;
    customer(id, password, identity.cert, &identity.chain, &identity.key)
}

fn fetched(admin: &str, token: &str, id: &str, password: &str) -> Result<Customer, LoadError> {
    #[derive(Deserialize)]
    struct Files {
        cert_pem: String,
        key_pem: String,
        chain_pem: String,
    }
    let body = admin_get(admin, token, &format!("/identities/{id}"))?;
    let f: Files = serde_json::from_slice(&body).map_err(|source| LoadError::NotJson {
        path: format!("/identities/{id}"),
        source,
    })?;
    let pem = |t: &str| certrenew::cert::pem_certificates(t.as_bytes()).unwrap_or_default();
    let cert = pem(&f.cert_pem)
        .into_iter()
        .next()
        .ok_or_else(|| LoadError::NoIdentityCertificate { id: id.to_owned() })?;
    let key = certrenew::cert::pem_private_key(f.key_pem.as_bytes()).map_err(|error| {
        LoadError::IdentityKey {
            id: id.to_owned(),
            error,
        }
    })?;
    customer(id, password, cert, &pem(&f.chain_pem), &key)
}

fn customer(
    id: &str,
    password: &str,
    cert: CertificateDer<'static>,
    chain: &[CertificateDer<'static>],
    key: &rustls_pki_types::PrivatePkcs8KeyDer<'_>,
) -> Result<Customer, LoadError> {
    let certified = certrenew::net::certified_key(&cert, chain, key).map_err(|reason| {
        LoadError::IdentityTls {
            id: id.to_owned(),
            reason,
        }
    })?;
    Ok(Customer {
        id: id.to_owned(),
        password: password.to_owned(),
        certified,
    })
}
