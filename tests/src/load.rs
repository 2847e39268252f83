//! `harness load`: virtual customers, each with its own expired identity,
//! through full renewals against the RA, in-process, with the client's own
//! protocol code (`certrenew`'s TLS configuration, CSR, wire types, chain
//! fetch and validation) over real rustls.
//!
//! One renewal: a new TCP + mutual-TLS connection to webra2 with the
//! customer's expired certificate (a fresh `ClientConfig`, so no session
//! resumption), the login, a new P-256 key and CSR, the issuance on the
//! same connection, then (unless `--no-chain`) the chain and CRL fetches
//! from repo1 and repository and the chain's validation, as `certrenew
//! renew` does after the issuance. Phases are timed separately.
//!
//! Two models: closed (`--concurrency C` customers in flight, each starting
//! the next when done) and open (`--rate R` arrivals per second, each
//! renewal's latency measured from its *intended* start, so a stalled
//! server is not hidden by coordinated omission). Afterwards the RA's
//! orders are checked: every successful customer's order `fetched`, exactly
//! one renewal in the ledger for it, none for anybody else.
//!
//! The report's JSON schema is `docs/load.md`.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use certrenew::cert::{CertFacts, KeyType};
use certrenew::net::{ConnectTo, FixedClientCert, Net, NetConfig};
use certrenew::renewal::{CERTIFICATE_PATH, CertificateResponse, LOGIN_PATH, LoginResponse};
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use mock_ra::{MockRa, OrderState, World};
use rustls_pki_types::{CertificateDer, ServerName};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The phases of one renewal, in order.
pub const PHASES: [&str; 4] = ["handshake", "login", "issuance", "chain"];

/// How customers arrive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Model {
    /// `C` customers in flight at any time.
    Closed { concurrency: usize },
    /// `R` arrivals per second, whatever the RA's pace.
    Open { rate: f64 },
}

/// When the run stops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stop {
    /// After this many customers started.
    Customers(usize),
    /// After this long (no new customer starts after it).
    Duration(Duration),
}

/// A served mock-ra: its ready line, and the world file it was started
/// with (for the customers' ids and passwords).
#[derive(Debug, Clone)]
pub struct Served {
    /// The ready line (JSON) `mock-ra serve` printed.
    pub ready: PathBuf,
}

/// What `harness load` is asked to do.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Closed or open.
    pub model: Model,
    /// Customers or duration.
    pub stop: Stop,
    /// The world: its `[[customers]]` are the virtual customers (and its
    /// faults apply). Default: a season generated for the run.
    pub world: Option<PathBuf>,
    /// Against a served mock instead of one in-process.
    pub served: Option<Served>,
    /// Skip the chain and CRL fetches.
    pub no_chain: bool,
    /// Print progress on stderr (a terminal).
    pub progress: bool,
}

/// One renewal's outcome.
#[derive(Debug, Clone)]
struct Sample {
    /// The customer (index into the customer list).
    customer: usize,
    /// Intended start, from the run's start.
    intended: Duration,
    /// From the intended start to the end.
    latency: Duration,
    /// Each phase's time (zero when not reached).
    phases: [Duration; 4],
    /// The error class, if it failed.
    error: Option<String>,
}

/// A virtual customer: id, password, identity.
struct Customer {
    id: String,
    password: String,
    certified: Arc<rustls::sign::CertifiedKey>,
}

/// The RA as the load sees it.
struct Ra {
    webra2: SocketAddr,
    net: Net,
    /// The RA's now, for the chain's validation (its clock may be virtual).
    now: Box<dyn Fn() -> OffsetDateTime + Send + Sync>,
    orders: Box<dyn Fn() -> anyhow::Result<Vec<mock_ra::OrderSummary>> + Send + Sync>,
}

/// Latency statistics in milliseconds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Percentiles {
    /// Samples.
    pub count: u64,
    /// Mean.
    pub mean: f64,
    /// p50.
    pub p50: f64,
    /// p90.
    pub p90: f64,
    /// p99.
    pub p99: f64,
    /// p99.9.
    pub p999: f64,
    /// Maximum.
    pub max: f64,
}

/// The check after the run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExactlyOnce {
    /// Whether it holds.
    pub ok: bool,
    /// Successful customers whose order is `fetched` with one renewal.
    pub fetched_once: usize,
    /// Renewals in the ledger, over every account.
    pub ledger_renewals: u64,
    /// What is wrong, at most 20 lines.
    pub problems: Vec<String>,
}

/// What `openssl speed ecdsap256` says this machine can do, and the
/// renewals per second that allows when client and server share its cores.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CryptoBound {
    /// P-256 signatures per second, one core.
    pub sign_per_s: f64,
    /// P-256 verifications per second, one core.
    pub verify_per_s: f64,
    /// Cores shared by both sides.
    pub cores: usize,
    /// Signatures (and key generations, which cost about one) per renewal.
    pub signs: u32,
    /// Verifications per renewal.
    pub verifies: u32,
    /// `cores / (signs / sign_per_s + verifies / verify_per_s)`.
    pub renewals_per_s: f64,
}

/// P-256 operations of one renewal, both sides. Server: the handshake's
/// CertificateVerify (sign), the client's CertificateVerify and its chain
/// of two (3 verifies), the CSR's self-signature (verify), the new
/// certificate (sign); with the chain, the two CRLs signed per request.
/// Client: its CertificateVerify (sign), the server's CertificateVerify and
/// certificate (2 verifies), the new key (a key generation, about one
/// signature), the CSR (sign); with the chain, the new certificate, the
/// issuing CA and the two CRLs (4 verifies).
pub fn operations(chain: bool) -> (u32, u32) {
    if chain { (7, 10) } else { (5, 6) }
}

/// Runs `openssl speed ecdsap256` (2 s per operation) and works out the
/// bound.
pub fn crypto_bound(chain: bool) -> anyhow::Result<CryptoBound> {
    let out = std::process::Command::new("openssl")
        .args(["speed", "-seconds", "2", "ecdsap256"])
        .output()
        .context("cannot run `openssl speed` (is openssl installed?)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("ecdsa (nistp256)"))
        .with_context(|| format!("`openssl speed ecdsap256` printed no nistp256 line: {text}"))?;
    let numbers: Vec<f64> = line
        .split_whitespace()
        .filter_map(|w| w.parse::<f64>().ok())
        .collect();
    let [.., sign, verify] = numbers[..] else {
        bail!("`openssl speed ecdsap256`: cannot read `{line}`");
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (signs, verifies) = operations(chain);
    let per = f64::from(signs) / sign + f64::from(verifies) / verify;
    Ok(CryptoBound {
        sign_per_s: sign,
        verify_per_s: verify,
        cores,
        signs,
        verifies,
        renewals_per_s: cores as f64 / per,
    })
}

/// The report: printed, written as JSON, compared with a baseline.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoadReport {
    /// `harness-load/1`.
    pub schema: String,
    /// `closed` or `open`.
    pub model: String,
    /// Closed model's concurrency.
    pub concurrency: Option<usize>,
    /// Open model's arrival rate per second.
    pub rate: Option<f64>,
    /// `in-process` or the ready line's path.
    pub target: String,
    /// Whether the chain and CRLs were fetched.
    pub chain: bool,
    /// Customers started.
    pub customers: usize,
    /// Successful renewals.
    pub renewals: usize,
    /// Failed renewals by class.
    pub errors: BTreeMap<String, usize>,
    /// Wall time of the run, seconds.
    pub elapsed_s: f64,
    /// Successful renewals per second of wall time.
    pub renewals_per_s: f64,
    /// Latency of successful renewals (open model: from the intended
    /// start), milliseconds.
    pub latency_ms: Percentiles,
    /// Per phase, successful renewals only.
    pub phases_ms: BTreeMap<String, Percentiles>,
    /// HdrHistogram V2 (deflate) serialisations, base64, microseconds:
    /// `overall` and one per phase. Merge runs by adding them.
    pub hdr: BTreeMap<String, String>,
    /// The orders and ledger checked after the run.
    pub exactly_once: ExactlyOnce,
    /// The machine's P-256 bound, when asked for (`--crypto-bound`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crypto_bound: Option<CryptoBound>,
    /// Latency over time: `[seconds since start, latency ms, ok]`, at most
    /// 4,000 points (evenly thinned).
    pub timeline: Vec<(f64, f64, bool)>,
}

impl LoadReport {
    /// Errors in all.
    pub fn error_count(&self) -> usize {
        self.errors.values().sum()
    }
}

/// Runs the load and reports.
pub async fn run(opts: &LoadOptions) -> anyhow::Result<LoadReport> {
    let world = match &opts.world {
        Some(path) => World::from_file(path)?,
        None => season(season_size(opts.model, opts.stop))?,
    };
    let listed = customers_of(&world)?;
    let wanted = match opts.stop {
        Stop::Customers(n) => n,
        Stop::Duration(_) => listed.len(),
    };
    if wanted > listed.len() {
        bail!(
            "{wanted} customers asked for, the world has {} generated customers ([[customers]])",
            listed.len()
        );
    }
    let listed: Vec<(String, String)> = listed.into_iter().take(wanted).collect();
    // The RA, in-process or served.
    let (ra, mock, target) = match &opts.served {
        None => {
            let mock = Arc::new(MockRa::start(world.clone()).await?);
            (in_process(&mock)?, Some(mock), "in-process".to_owned())
        }
        Some(s) => (served(&s.ready)?, None, s.ready.display().to_string()),
    };
    let ra = Arc::new(ra);
    // Every customer's identity, made (or fetched) before the clock starts.
    let customers = Arc::new(identities(&listed, mock.as_deref(), opts.served.as_ref()).await?);
    let started = Instant::now();
    let samples = Arc::new(Mutex::new(Vec::with_capacity(customers.len())));
    let done = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let deadline = match opts.stop {
        Stop::Duration(d) => Some(started + d),
        Stop::Customers(_) => None,
    };
    let ticker = opts.progress.then(|| {
        let (done, failed) = (done.clone(), failed.clone());
        let total = match opts.stop {
            Stop::Customers(n) => Some(n),
            Stop::Duration(_) => None,
        };
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
                let n = done.load(Ordering::Relaxed);
                let secs = started.elapsed().as_secs_f64();
                let rate = n as f64 / secs.max(1e-9);
                let of = total.map(|t| format!("/{t}")).unwrap_or_default();
                eprint!(
                    "\r  {n}{of} renewals  {} errors  {rate:.0}/s  {secs:.1}s   ",
                    failed.load(Ordering::Relaxed)
                );
            }
        })
    });
    let no_chain = opts.no_chain;
    let record = {
        let (samples, done, failed) = (samples.clone(), done.clone(), failed.clone());
        move |s: Sample| {
            if s.error.is_some() {
                failed.fetch_add(1, Ordering::Relaxed);
            }
            done.fetch_add(1, Ordering::Relaxed);
            samples
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(s);
        }
    };
    match opts.model {
        Model::Closed { concurrency } => {
            let next = Arc::new(AtomicUsize::new(0));
            let mut workers = Vec::new();
            for _ in 0..concurrency.max(1) {
                let (next, customers, ra, record) =
                    (next.clone(), customers.clone(), ra.clone(), record.clone());
                workers.push(tokio::spawn(async move {
                    loop {
                        if deadline.is_some_and(|d| Instant::now() >= d) {
                            break;
                        }
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(c) = customers.get(i) else { break };
                        let intended = started.elapsed();
                        let at = Instant::now();
                        let (phases, error) = renew(&ra, c, no_chain).await;
                        record(Sample {
                            customer: i,
                            intended,
                            latency: at.elapsed(),
                            phases,
                            error,
                        });
                    }
                }));
            }
            for w in workers {
                w.await.context("a load worker failed")?;
            }
        }
        Model::Open { rate } => {
            if rate <= 0.0 || !rate.is_finite() {
                bail!("--rate {rate}: expected a positive number of renewals per second");
            }
            let mut tasks = Vec::new();
            for i in 0..customers.len() {
                let intended = Duration::from_secs_f64(i as f64 / rate);
                let when = started + intended;
                if deadline.is_some_and(|d| when >= d) {
                    break;
                }
                tokio::time::sleep_until(when.into()).await;
                let (customers, ra, record) = (customers.clone(), ra.clone(), record.clone());
                tasks.push(tokio::spawn(async move {
                    let (phases, error) = renew(&ra, &customers[i], no_chain).await;
                    record(Sample {
                        customer: i,
                        intended,
                        // From the intended start: a late start is latency.
                        latency: started.elapsed().saturating_sub(intended),
                        phases,
                        error,
                    });
                }));
            }
            for t in tasks {
                t.await.context("a load task failed")?;
            }
        }
    }
    let elapsed = started.elapsed();
    if let Some(t) = ticker {
        t.abort();
        eprintln!();
    }
    let samples = std::mem::take(&mut *samples.lock().unwrap_or_else(PoisonError::into_inner));
    let check = exactly_once(&ra, &customers, &samples)?;
    if let Some(mock) = mock
        && let Ok(mock) = Arc::try_unwrap(mock)
    {
        mock.shutdown().await;
    }
    report(opts, target, &samples, elapsed, check)
}

/// The default world: `n` customers whose certificates expired 1 to 60
/// days ago, orders ready.
pub fn season(n: usize) -> anyhow::Result<World> {
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
fn customers_of(world: &World) -> anyhow::Result<Vec<(String, String)>> {
    world
        .generated_customers()
        .map(|(spec, n)| {
            let c = spec.customer(n).map_err(anyhow::Error::msg)?;
            Ok((c.id, c.password.expose().to_owned()))
        })
        .collect()
}

fn connect_to(args: &[String]) -> anyhow::Result<Vec<ConnectTo>> {
    args.windows(2)
        .filter(|w| w[0] == "--connect-to")
        .map(|w| {
            w[1].parse::<ConnectTo>()
                .map_err(|e| anyhow::anyhow!("--connect-to {}: {e}", w[1]))
        })
        .collect()
}

fn client_net(web_root: CertificateDer<'static>, args: &[String]) -> anyhow::Result<Net> {
    Ok(Net::new(NetConfig {
        mappings: connect_to(args)?,
        server_roots: Some(vec![web_root]),
        ..NetConfig::default()
    })?)
}

fn in_process(mock: &Arc<MockRa>) -> anyhow::Result<Ra> {
    let args = mock.certrenew_args(Path::new("unused.pem"));
    let net = client_net(mock.pki().web_root.der().clone(), &args)?;
    let (a, b) = (mock.clone(), mock.clone());
    Ok(Ra {
        webra2: mock.addr(mock_ra::Role::Webra2),
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

fn read_ready(path: &Path) -> anyhow::Result<ReadyLine> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the ready line {}", path.display()))?;
    let line = text.lines().next().unwrap_or_default();
    serde_json::from_str(line)
        .with_context(|| format!("{}:1: not a mock-ra ready line", path.display()))
}

fn addr_of(url: &str) -> anyhow::Result<SocketAddr> {
    url.rsplit("://")
        .next()
        .unwrap_or_default()
        .trim_end_matches('/')
        .parse()
        .with_context(|| format!("`{url}`: expected scheme://ADDR:PORT"))
}

/// A blocking admin GET (the served mock's identities and orders).
fn admin_get(admin: &str, token: &str, path: &str) -> anyhow::Result<Vec<u8>> {
    let url = format!("{admin}{path}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let resp = reqwest::Client::new()
            .get(&url)
            .bearer_auth(token)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .with_context(|| format!("GET {url}"))?;
        let status = resp.status();
        let body = resp.bytes().await?;
        if !status.is_success() {
            bail!("GET {url}: status {status}");
        }
        Ok(body.to_vec())
    })
}

fn served(ready: &Path) -> anyhow::Result<Ra> {
    let line = read_ready(ready)?;
    let pem = std::fs::read(&line.web_root_pem)
        .with_context(|| format!("cannot read {}", line.web_root_pem))?;
    let root = certrenew::cert::pem_certificates(&pem)
        .ok()
        .and_then(|v| v.into_iter().next())
        .with_context(|| format!("{}: no certificate", line.web_root_pem))?;
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
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("the admin request panicked")))
            })?;
            #[derive(Deserialize)]
            struct Order {
                account: String,
                order: OrderState,
                renewals: u32,
            }
            let orders: Vec<Order> =
                serde_json::from_slice(&body).context("GET /orders: not the expected JSON")?;
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
async fn identities(
    listed: &[(String, String)],
    mock: Option<&MockRa>,
    served: Option<&Served>,
) -> anyhow::Result<Vec<Customer>> {
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
            let made: Vec<anyhow::Result<Vec<Customer>>> = std::thread::scope(|s| {
                let handles: Vec<_> = listed
                    .chunks(listed.len().div_ceil(2).max(1))
                    .map(|chunk| s.spawn(move || chunk.iter().map(|c| made(mock, c)).collect()))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join()
                            .unwrap_or_else(|_| Err(anyhow::anyhow!("making identities panicked")))
                    })
                    .collect()
            });
            for part in made {
                out.extend(part?);
            }
        }
        None => {
            let (admin, token) = admin.context("a served target without an admin URL")?;
            let listed = listed.to_vec();
            let got = tokio::task::spawn_blocking(move || {
                listed
                    .iter()
                    .map(|(id, pw)| fetched(&admin, &token, id, pw))
                    .collect::<anyhow::Result<Vec<_>>>()
            })
            .await
            .context("fetching identities failed")??;
            out.extend(got);
        }
    }
    Ok(out)
}

fn made(mock: &MockRa, (id, password): &(String, String)) -> anyhow::Result<Customer> {
    let identity = mock
        .identity(id)
        .with_context(|| format!("no identity `{id}` in the world"))?;
    customer(id, password, identity.cert, &identity.chain, &identity.key)
}

fn fetched(admin: &str, token: &str, id: &str, password: &str) -> anyhow::Result<Customer> {
    #[derive(Deserialize)]
    struct Files {
        cert_pem: String,
        key_pem: String,
        chain_pem: String,
    }
    let body = admin_get(admin, token, &format!("/identities/{id}"))?;
    let f: Files = serde_json::from_slice(&body)
        .with_context(|| format!("GET /identities/{id}: not the expected JSON"))?;
    let pem = |t: &str| certrenew::cert::pem_certificates(t.as_bytes()).unwrap_or_default();
    let cert = pem(&f.cert_pem)
        .into_iter()
        .next()
        .with_context(|| format!("identity {id}: no certificate"))?;
    let key = certrenew::cert::pem_private_key(f.key_pem.as_bytes())
        .map_err(|e| anyhow::anyhow!("identity {id}: {e}"))?;
    customer(id, password, cert, &pem(&f.chain_pem), &key)
}

fn customer(
    id: &str,
    password: &str,
    cert: CertificateDer<'static>,
    chain: &[CertificateDer<'static>],
    key: &rustls_pki_types::PrivatePkcs8KeyDer<'_>,
) -> anyhow::Result<Customer> {
    let certified = certrenew::net::certified_key(&cert, chain, key)
        .map_err(|e| anyhow::anyhow!("identity {id}: {e}"))?;
    Ok(Customer {
        id: id.to_owned(),
        password: password.to_owned(),
        certified,
    })
}

/// One full renewal; returns each phase's time and the error class.
async fn renew(ra: &Ra, c: &Customer, no_chain: bool) -> ([Duration; 4], Option<String>) {
    let mut phases = [Duration::ZERO; 4];
    let result = renew_phases(ra, c, no_chain, &mut phases).await;
    (phases, result.err())
}

async fn renew_phases(
    ra: &Ra,
    c: &Customer,
    no_chain: bool,
    phases: &mut [Duration; 4],
) -> Result<(), String> {
    let bound = ra.net.config().timeout;
    // Handshake: TCP, then mutual TLS with the expired certificate; a new
    // ClientConfig per customer keeps no session to resume.
    let t = Instant::now();
    let tls = ra
        .net
        .tls(Some(Arc::new(FixedClientCert(c.certified.clone()))))
        .map_err(|_| "setup".to_owned())?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(tls));
    let name = ServerName::try_from(certrenew::net::WEBRA2_HOST).map_err(|_| "setup".to_owned())?;
    let stream = tokio::time::timeout(bound, async {
        let tcp = tokio::net::TcpStream::connect(ra.webra2)
            .await
            .map_err(|_| "connect".to_owned())?;
        let _ = tcp.set_nodelay(true);
        connector
            .connect(name, tcp)
            .await
            .map_err(|_| "tls".to_owned())
    })
    .await
    .map_err(|_| "timeout".to_owned())??;
    phases[0] = t.elapsed();
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|_| "http".to_owned())?;
    let conn = tokio::spawn(conn);
    // Login.
    let t = Instant::now();
    let body = serde_json::json!({ "password": c.password }).to_string();
    let (status, bytes) = post(&mut sender, LOGIN_PATH, body, bound).await?;
    let login: LoginResponse = answer(status, &bytes, 200)?;
    phases[1] = t.elapsed();
    // Issuance: the new key and CSR are part of it, as in the client.
    let t = Instant::now();
    let subject_der = STANDARD
        .decode(login.subject_der.as_bytes())
        .map_err(|_| "body".to_owned())?;
    let key = KeyType::P256.generate().map_err(|_| "keygen".to_owned())?;
    let csr = certrenew::csr::build(&key, &subject_der).map_err(|_| "csr".to_owned())?;
    let body =
        serde_json::json!({ "ticket": login.ticket, "csr": STANDARD.encode(&csr) }).to_string();
    let (status, bytes) = post(&mut sender, CERTIFICATE_PATH, body, bound).await?;
    let issued: CertificateResponse = answer(status, &bytes, 201)?;
    phases[2] = t.elapsed();
    drop(sender);
    conn.abort();
    let new = certrenew::cert::pem_certificates(issued.certificate.as_bytes())
        .ok()
        .and_then(|v| v.into_iter().next())
        .ok_or_else(|| "body".to_owned())?;
    if no_chain {
        return Ok(());
    }
    // The chain and CRLs from repo1 and repository, then validation.
    let t = Instant::now();
    let facts = CertFacts::parse(&new).map_err(|_| "body".to_owned())?;
    let chain = certrenew::chain::fetch(&ra.net, &facts)
        .await
        .map_err(|e| match e {
            certrenew::chain::ChainError::Net(_) => "chain:E115".to_owned(),
            _ => "chain:unusable".to_owned(),
        })?;
    let at = (ra.now)().max(facts.not_before);
    certrenew::chain::validate(&facts, &chain, at).map_err(|_| "chain:invalid".to_owned())?;
    phases[3] = t.elapsed();
    Ok(())
}

async fn post(
    sender: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    path: &str,
    body: String,
    bound: Duration,
) -> Result<(u16, Bytes), String> {
    let request = hyper::Request::post(path)
        .header(hyper::header::HOST, certrenew::net::WEBRA2_HOST)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header(hyper::header::ACCEPT, "application/json")
        .body(Full::new(Bytes::from(body)))
        .map_err(|_| "setup".to_owned())?;
    tokio::time::timeout(bound, async {
        let resp = sender
            .send_request(request)
            .await
            .map_err(|_| "http".to_owned())?;
        let status = resp.status().as_u16();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map_err(|_| "http".to_owned())?
            .to_bytes();
        Ok((status, bytes))
    })
    .await
    .map_err(|_| "timeout".to_owned())?
}

/// The expected answer, or the class of the problem (as the client reads
/// it: a customer class, else `status NNN`).
fn answer<T: serde::de::DeserializeOwned>(
    status: u16,
    bytes: &[u8],
    expected: u16,
) -> Result<T, String> {
    if status == expected {
        return serde_json::from_slice(bytes).map_err(|_| "body".to_owned());
    }
    #[derive(Deserialize)]
    struct Problem {
        class: String,
    }
    match serde_json::from_slice::<Problem>(bytes) {
        Ok(p) if certrenew::Class::from_wire(&p.class).is_some() => Err(p.class),
        _ => Err(format!("status {status}")),
    }
}

fn exactly_once(
    ra: &Ra,
    customers: &[Customer],
    samples: &[Sample],
) -> anyhow::Result<ExactlyOnce> {
    let orders = (ra.orders)()?;
    let by_id: BTreeMap<&str, &mock_ra::OrderSummary> =
        orders.iter().map(|o| (o.account.as_str(), o)).collect();
    let mut problems = Vec::new();
    let mut fetched_once = 0;
    let ok_customers: std::collections::HashSet<usize> = samples
        .iter()
        .filter(|s| s.error.is_none())
        .map(|s| s.customer)
        .collect();
    for (i, c) in customers.iter().enumerate() {
        let o = by_id.get(c.id.as_str());
        let (order, renewals) = o
            .map(|o| (o.order, o.renewals))
            .unwrap_or((OrderState::NotCreated, 0));
        let succeeded = ok_customers.contains(&i);
        let fine = if succeeded {
            order == OrderState::Fetched && renewals == 1
        } else {
            // A failed renewal may have been issued (an answer lost), but
            // never twice.
            renewals <= 1
        };
        if succeeded && fine {
            fetched_once += 1;
        }
        if !fine && problems.len() < 20 {
            problems.push(format!(
                "{}: renewal {}, order {}, {renewals} renewals in the ledger",
                c.id,
                if succeeded { "succeeded" } else { "failed" },
                order.as_str()
            ));
        }
    }
    let ledger_renewals: u64 = orders.iter().map(|o| u64::from(o.renewals)).sum();
    let driven: std::collections::HashSet<&str> = customers.iter().map(|c| c.id.as_str()).collect();
    for o in &orders {
        if o.renewals > 0 && !driven.contains(o.account.as_str()) && problems.len() < 20 {
            problems.push(format!(
                "{}: not a customer of this run, {} renewals",
                o.account, o.renewals
            ));
        }
    }
    let ok = problems.is_empty() && fetched_once == ok_customers.len();
    Ok(ExactlyOnce {
        ok,
        fetched_once,
        ledger_renewals,
        problems,
    })
}

fn histogram() -> Histogram<u64> {
    // Invariant: constant bounds that hdrhistogram accepts (1 us to 10 min,
    // 3 significant digits); only other constants could fail here.
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("constant histogram bounds")
}

fn micros(d: Duration) -> u64 {
    (d.as_micros() as u64).clamp(1, 600_000_000)
}

fn percentiles(h: &Histogram<u64>) -> Percentiles {
    let ms = |v: u64| v as f64 / 1000.0;
    Percentiles {
        count: h.len(),
        mean: if h.is_empty() { 0.0 } else { h.mean() / 1000.0 },
        p50: ms(h.value_at_quantile(0.50)),
        p90: ms(h.value_at_quantile(0.90)),
        p99: ms(h.value_at_quantile(0.99)),
        p999: ms(h.value_at_quantile(0.999)),
        max: ms(h.max()),
    }
}

fn encode(h: &Histogram<u64>) -> String {
    use hdrhistogram::serialization::{Serializer, V2DeflateSerializer};
    let mut out = Vec::new();
    match V2DeflateSerializer::new().serialize(h, &mut out) {
        Ok(_) => STANDARD.encode(out),
        Err(_) => String::new(),
    }
}

/// Reads one of the report's `hdr` values back (for merging runs).
pub fn decode(b64: &str) -> anyhow::Result<Histogram<u64>> {
    use hdrhistogram::serialization::Deserializer;
    let bytes = STANDARD.decode(b64.as_bytes())?;
    Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| anyhow::anyhow!("not an HdrHistogram V2 serialisation: {e:?}"))
}

fn report(
    opts: &LoadOptions,
    target: String,
    samples: &[Sample],
    elapsed: Duration,
    exactly_once: ExactlyOnce,
) -> anyhow::Result<LoadReport> {
    let mut overall = histogram();
    let mut phases: Vec<Histogram<u64>> = PHASES.iter().map(|_| histogram()).collect();
    let mut errors = BTreeMap::new();
    for s in samples {
        match &s.error {
            Some(class) => *errors.entry(class.clone()).or_insert(0) += 1,
            None => {
                let _ = overall.record(micros(s.latency));
                for (h, d) in phases.iter_mut().zip(s.phases) {
                    if !d.is_zero() {
                        let _ = h.record(micros(d));
                    }
                }
            }
        }
    }
    let renewals = samples.iter().filter(|s| s.error.is_none()).count();
    let mut sorted: Vec<&Sample> = samples.iter().collect();
    sorted.sort_by_key(|s| s.intended);
    let step = sorted.len().div_ceil(4_000).max(1);
    let timeline = sorted
        .iter()
        .step_by(step)
        .map(|s| {
            (
                (s.intended + s.latency).as_secs_f64(),
                s.latency.as_secs_f64() * 1000.0,
                s.error.is_none(),
            )
        })
        .collect();
    let mut hdr = BTreeMap::new();
    hdr.insert("overall".to_owned(), encode(&overall));
    let mut phases_ms = BTreeMap::new();
    for (name, h) in PHASES.iter().zip(&phases) {
        if !h.is_empty() {
            hdr.insert((*name).to_owned(), encode(h));
            phases_ms.insert((*name).to_owned(), percentiles(h));
        }
    }
    let (model, concurrency, rate) = match opts.model {
        Model::Closed { concurrency } => ("closed", Some(concurrency), None),
        Model::Open { rate } => ("open", None, Some(rate)),
    };
    Ok(LoadReport {
        schema: "harness-load/1".to_owned(),
        model: model.to_owned(),
        concurrency,
        rate,
        target,
        chain: !opts.no_chain,
        customers: samples.len(),
        renewals,
        errors,
        elapsed_s: elapsed.as_secs_f64(),
        renewals_per_s: renewals as f64 / elapsed.as_secs_f64().max(1e-9),
        latency_ms: percentiles(&overall),
        phases_ms,
        hdr,
        exactly_once,
        crypto_bound: None,
        timeline,
    })
}

/// The report as the terminal shows it.
pub fn summary(r: &LoadReport) -> String {
    let mut out = String::new();
    let how = match (r.concurrency, r.rate) {
        (Some(c), _) => format!("closed, concurrency {c}"),
        (_, Some(rate)) => format!("open, {rate}/s (latency from the intended start)"),
        _ => r.model.clone(),
    };
    out.push_str(&format!(
        "load: {} customers against {} ({how}{})\n",
        r.customers,
        r.target,
        if r.chain { "" } else { ", no chain" }
    ));
    out.push_str(&format!(
        "  {} renewals in {:.2} s: {:.1} renewals/s; {} errors{}\n",
        r.renewals,
        r.elapsed_s,
        r.renewals_per_s,
        r.error_count(),
        if r.errors.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                r.errors
                    .iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    ));
    out.push_str("  latency ms      p50      p90      p99    p99.9      max\n");
    let row = |name: &str, p: &Percentiles| {
        format!(
            "  {name:<10} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2}\n",
            p.p50, p.p90, p.p99, p.p999, p.max
        )
    };
    out.push_str(&row("renewal", &r.latency_ms));
    for name in PHASES {
        if let Some(p) = r.phases_ms.get(name) {
            out.push_str(&row(name, p));
        }
    }
    let e = &r.exactly_once;
    out.push_str(&format!(
        "  exactly once: {} ({} orders fetched once, {} renewals in the ledger)\n",
        if e.ok { "ok" } else { "VIOLATED" },
        e.fetched_once,
        e.ledger_renewals
    ));
    for p in &e.problems {
        out.push_str(&format!("    {p}\n"));
    }
    if let Some(b) = &r.crypto_bound {
        out.push_str(&format!(
            "  crypto bound: {:.0} renewals/s, this run {:.0}% of it\n    ({} cores; {} signs + {} verifies \
             per renewal at {:.0} signs/s, {:.0} verifies/s per core, openssl speed ecdsap256)\n",
            b.renewals_per_s,
            r.renewals_per_s / b.renewals_per_s * 100.0,
            b.cores,
            b.signs,
            b.verifies,
            b.sign_per_s,
            b.verify_per_s,
        ));
    }
    out
}

/// The deltas against an earlier report.
pub fn deltas(now: &LoadReport, base: &LoadReport) -> String {
    let pct = |a: f64, b: f64| {
        if b == 0.0 {
            String::from("   n/a")
        } else {
            format!("{:+6.1}%", (a - b) / b * 100.0)
        }
    };
    let mut out = String::from("against the baseline:\n");
    out.push_str(&format!(
        "  renewals/s {:>9.1} -> {:>9.1} {}\n",
        base.renewals_per_s,
        now.renewals_per_s,
        pct(now.renewals_per_s, base.renewals_per_s)
    ));
    out.push_str(&format!(
        "  errors     {:>9} -> {:>9}\n",
        base.error_count(),
        now.error_count()
    ));
    let mut rows = vec![("renewal", &now.latency_ms, Some(&base.latency_ms))];
    for name in PHASES {
        if let Some(p) = now.phases_ms.get(name) {
            rows.push((name, p, base.phases_ms.get(name)));
        }
    }
    for (name, p, b) in rows {
        let Some(b) = b else { continue };
        for (q, x, y) in [
            ("p50", p.p50, b.p50),
            ("p99", p.p99, b.p99),
            ("max", p.max, b.max),
        ] {
            out.push_str(&format!(
                "  {name:<10} {q:<4} {y:>8.2} -> {x:>8.2} ms {}\n",
                pct(x, y)
            ));
        }
    }
    out
}

/// One `--fail-if` condition: `p99>200ms`, `errors>0`, `rate<1000`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    what: String,
    greater: bool,
    limit: f64,
}

/// Parses `--fail-if 'p99>200ms,errors>0'`: `p50`, `p90`, `p99`, `p999`,
/// `max` (ms, `ms` or `s` suffix allowed), `errors` (count), `rate`
/// (renewals/s), each with `>` or `<`.
pub fn parse_fail_if(text: &str) -> anyhow::Result<Vec<Condition>> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|c| {
            let (at, greater) = match (c.find('>'), c.find('<')) {
                (Some(i), None) => (i, true),
                (None, Some(i)) => (i, false),
                _ => bail!("--fail-if `{c}`: expected NAME>VALUE or NAME<VALUE"),
            };
            let what = c[..at].trim().to_ascii_lowercase();
            let value = c[at + 1..].trim();
            let known = ["p50", "p90", "p99", "p999", "max", "errors", "rate"];
            if !known.contains(&what.as_str()) {
                bail!(
                    "--fail-if `{c}`: unknown `{what}`: expected one of {}",
                    known.join(", ")
                );
            }
            let (number, scale) = if let Some(v) = value.strip_suffix("ms") {
                (v, 1.0)
            } else if let Some(v) = value.strip_suffix('s') {
                (v, 1000.0)
            } else {
                (value, 1.0)
            };
            let limit: f64 = number
                .trim()
                .parse()
                .map_err(|_| anyhow::anyhow!("--fail-if `{c}`: `{value}` is not a number"))?;
            Ok(Condition {
                what,
                greater,
                limit: limit * scale,
            })
        })
        .collect()
}

/// The conditions that hold (each one a reason to fail), as text.
pub fn failing(conditions: &[Condition], r: &LoadReport) -> Vec<String> {
    conditions
        .iter()
        .filter_map(|c| {
            let value = match c.what.as_str() {
                "p50" => r.latency_ms.p50,
                "p90" => r.latency_ms.p90,
                "p99" => r.latency_ms.p99,
                "p999" => r.latency_ms.p999,
                "max" => r.latency_ms.max,
                "errors" => r.error_count() as f64,
                _ => r.renewals_per_s,
            };
            let hit = if c.greater {
                value > c.limit
            } else {
                value < c.limit
            };
            hit.then(|| {
                format!(
                    "{} is {value:.2}, {} {}",
                    c.what,
                    if c.greater { "above" } else { "below" },
                    c.limit
                )
            })
        })
        .collect()
}

/// A self-contained HTML page: latency over time and the latency
/// histogram as inline SVG, the summary as text.
pub fn html(r: &LoadReport) -> String {
    let (w, h) = (1100.0_f64, 320.0_f64);
    let (left, bottom, top, right) = (60.0, 40.0, 20.0, 20.0);
    let pw = w - left - right;
    let ph = h - top - bottom;
    // Latency over time.
    let tmax = r.timeline.iter().map(|p| p.0).fold(0.0, f64::max).max(1e-3);
    let lmax = r.timeline.iter().map(|p| p.1).fold(0.0, f64::max).max(1e-3);
    let mut over_time = format!(
        "<svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h}' role='img' aria-label='latency over time'>\
         <rect x='{left}' y='{top}' width='{pw}' height='{ph}' fill='#fafafa' stroke='#999'/>"
    );
    for i in 0..=4 {
        let f = f64::from(i) / 4.0;
        let y = top + ph - f * ph;
        let x = left + f * pw;
        over_time.push_str(&format!(
            "<line x1='{left}' x2='{}' y1='{y}' y2='{y}' stroke='#ddd'/>\
             <text x='{}' y='{}' font-size='11' text-anchor='end'>{:.1} ms</text>\
             <text x='{x}' y='{}' font-size='11' text-anchor='middle'>{:.1} s</text>",
            left + pw,
            left - 4.0,
            y + 4.0,
            f * lmax,
            top + ph + 16.0,
            f * tmax
        ));
    }
    for (t, l, ok) in &r.timeline {
        let x = left + t / tmax * pw;
        let y = top + ph - l / lmax * ph;
        let colour = if *ok { "#1f77b4" } else { "#d62728" };
        over_time.push_str(&format!(
            "<circle cx='{x:.1}' cy='{y:.1}' r='1.6' fill='{colour}' fill-opacity='0.6'/>"
        ));
    }
    over_time.push_str(&format!(
        "<text x='{}' y='{}' font-size='12' text-anchor='middle'>time since start (completion); red: failed</text></svg>",
        left + pw / 2.0,
        h - 4.0
    ));
    // Histogram: 40 bins over [0, p99.9 * 1.2].
    let lats: Vec<f64> = r.timeline.iter().filter(|p| p.2).map(|p| p.1).collect();
    let hi = (r.latency_ms.p999 * 1.2).max(1e-3);
    let bins = 40usize;
    let mut counts = vec![0usize; bins];
    for l in &lats {
        let b = ((l / hi) * bins as f64) as usize;
        counts[b.min(bins - 1)] += 1;
    }
    let cmax = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let mut hist = format!(
        "<svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h}' role='img' aria-label='latency histogram'>\
         <rect x='{left}' y='{top}' width='{pw}' height='{ph}' fill='#fafafa' stroke='#999'/>"
    );
    let bw = pw / bins as f64;
    for (i, c) in counts.iter().enumerate() {
        let bh = *c as f64 / cmax * ph;
        hist.push_str(&format!(
            "<rect x='{:.1}' y='{:.1}' width='{:.1}' height='{bh:.1}' fill='#2ca02c'><title>{:.2}-{:.2} ms: {c}</title></rect>",
            left + i as f64 * bw + 1.0,
            top + ph - bh,
            (bw - 2.0).max(1.0),
            i as f64 * hi / bins as f64,
            (i + 1) as f64 * hi / bins as f64
        ));
    }
    for i in 0..=4 {
        let f = f64::from(i) / 4.0;
        hist.push_str(&format!(
            "<text x='{:.1}' y='{}' font-size='11' text-anchor='middle'>{:.1} ms</text>\
             <text x='{}' y='{:.1}' font-size='11' text-anchor='end'>{:.0}</text>",
            left + f * pw,
            top + ph + 16.0,
            f * hi,
            left - 4.0,
            top + ph - f * ph + 4.0,
            f * cmax
        ));
    }
    for (q, v) in [("p50", r.latency_ms.p50), ("p99", r.latency_ms.p99)] {
        let x = left + (v / hi).min(1.0) * pw;
        hist.push_str(&format!(
            "<line x1='{x:.1}' x2='{x:.1}' y1='{top}' y2='{}' stroke='#000' stroke-dasharray='4 3'/>\
             <text x='{:.1}' y='{}' font-size='11'>{q} {v:.2} ms</text>",
            top + ph,
            x + 3.0,
            top + 12.0
        ));
    }
    hist.push_str(&format!(
        "<text x='{}' y='{}' font-size='12' text-anchor='middle'>renewal latency, successful renewals of the plotted sample (the last bar holds everything above)</text></svg>",
        left + pw / 2.0,
        h - 4.0
    ));
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    format!(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>harness load</title>\
         <style>body{{font-family:sans-serif;margin:20px}}pre{{background:#f4f4f4;padding:10px;white-space:pre-wrap}}</style></head>\
         <body><h1>harness load</h1><pre>{}</pre><h2>Latency over time</h2>{over_time}\
         <h2>Latency histogram</h2>{hist}</body></html>\n",
        escape(&summary(r))
    )
}

/// Writes `text` to `path`, saying which file failed.
pub fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// Reads a report written by `--json`.
pub fn read_report(path: &Path) -> anyhow::Result<LoadReport> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}:{}:{}: not a harness load report ({e})",
            path.display(),
            e.line(),
            e.column()
        )
    })
}

/// Whether stderr is a terminal (progress is drawn there).
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// `harness load`'s flags.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadArgs {
    /// Customers to renew (each once) [default: 1000 unless --duration]
    #[arg(long, value_name = "N", conflicts_with = "duration")]
    pub customers: Option<usize>,
    /// Run this long instead (`30s`, `2m`); no customer starts after it
    #[arg(long, value_name = "TIME")]
    pub duration: Option<String>,
    /// Closed model: this many customers in flight [default: 16]
    #[arg(long, value_name = "C", conflicts_with = "rate")]
    pub concurrency: Option<usize>,
    /// Open model: this many arrivals per second, latency from the intended start
    #[arg(long, value_name = "R")]
    pub rate: Option<f64>,
    /// A world file whose [[customers]] are the virtual customers (its faults apply)
    #[arg(long, value_name = "FILE")]
    pub world: Option<PathBuf>,
    /// Against a served mock: its ready line (JSON, first line of the
    /// file); give the --world it was started with
    #[arg(
        long,
        value_name = "FILE",
        requires = "world",
        conflicts_with = "target"
    )]
    pub ready: Option<PathBuf>,
    /// Against a target profile (docs/targets.md) with the `states`
    /// capability: the world (--world, or the generated season) is handed to
    /// it through its state-change endpoint, and torn down afterwards
    #[arg(long, value_name = "FILE")]
    pub target: Option<PathBuf>,
    /// Skip the chain and CRL fetches after the issuance
    #[arg(long)]
    pub no_chain: bool,
    /// Write the report as JSON (schema: docs/load.md)
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a self-contained HTML report (latency over time, histogram)
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Print the deltas against an earlier --json report
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Also measure the machine's P-256 bound (`openssl speed ecdsap256`,
    /// after the run) and set the run against it
    #[arg(long)]
    pub crypto_bound: bool,
    /// Exit 1 when any holds: `p99>200ms,errors>0,rate<1000`
    /// (p50 p90 p99 p999 max in ms or s, errors, rate per second)
    #[arg(long, value_name = "CONDITIONS")]
    pub fail_if: Option<String>,
}

/// `30s`, `2m`, `500ms`, `1h`.
fn parse_duration(text: &str) -> anyhow::Result<Duration> {
    let t = text.trim();
    let (number, unit) = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map(|i| t.split_at(i))
        .unwrap_or((t, "s"));
    let n: f64 = number
        .parse()
        .map_err(|_| anyhow::anyhow!("--duration `{text}`: expected e.g. 30s, 2m, 500ms"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => bail!("--duration `{text}`: unknown unit `{unit}`: expected ms, s, m or h"),
    };
    if !(secs > 0.0 && secs < 86_400.0) {
        bail!("--duration `{text}`: expected more than 0 and less than a day");
    }
    Ok(Duration::from_secs_f64(secs))
}

/// `harness load`: runs, prints, writes, compares; exit 1 on a `--fail-if`
/// or a broken exactly-once check.
pub fn main(args: LoadArgs) -> anyhow::Result<std::process::ExitCode> {
    let conditions = match &args.fail_if {
        Some(text) => parse_fail_if(text)?,
        None => Vec::new(),
    };
    let stop = match (&args.duration, args.customers) {
        (Some(d), _) => Stop::Duration(parse_duration(d)?),
        (None, Some(n)) if n > 0 => Stop::Customers(n),
        (None, Some(_)) => bail!("--customers 0: expected 1 or more"),
        (None, None) => Stop::Customers(1000),
    };
    let model = match (args.rate, args.concurrency) {
        (Some(rate), _) => Model::Open { rate },
        (None, c) => Model::Closed {
            concurrency: c.unwrap_or(16).max(1),
        },
    };
    let baseline = args.baseline.as_deref().map(read_report).transpose()?;
    // A target takes the world through its state-change endpoint; the load
    // then runs against it as against a served mock.
    let state = match &args.target {
        Some(profile) => Some(crate::load_target::TargetState::set_up(
            profile,
            args.world.as_deref(),
            &season_text(season_size(model, stop)),
        )?),
        None => None,
    };
    let opts = LoadOptions {
        model,
        stop,
        world: state
            .as_ref()
            .map(|s| s.world.clone())
            .or_else(|| args.world.clone()),
        served: state
            .as_ref()
            .map(|s| Served {
                ready: s.ready.clone(),
            })
            .or_else(|| args.ready.clone().map(|ready| Served { ready })),
        no_chain: args.no_chain,
        progress: stderr_is_terminal(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let mut report = runtime.block_on(run(&opts))?;
    if args.crypto_bound {
        report.crypto_bound = Some(crypto_bound(!args.no_chain)?);
    }
    print!("{}", summary(&report));
    if let Some(base) = &baseline {
        print!("{}", deltas(&report, base));
    }
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report)?;
        write(path, &format!("{text}\n"))?;
    }
    if let Some(path) = &args.html {
        write(path, &html(&report))?;
    }
    let mut failed = failing(&conditions, &report);
    if !report.exactly_once.ok {
        failed.push("the exactly-once check failed".to_owned());
    }
    for f in &failed {
        eprintln!("harness load: fail: {f}");
    }
    Ok(if failed.is_empty() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_if_conditions_parse_and_refuse_what_they_do_not_know() {
        let c = parse_fail_if("p99>200ms, errors>0,rate<1000,max>1.5s").unwrap();
        assert_eq!(c.len(), 4);
        assert_eq!(c[3].limit, 1500.0);
        assert!(c[2].what == "rate" && !c[2].greater);
        for bad in ["p98>1", "p99=3", "p99>abc", "p99><3"] {
            assert!(parse_fail_if(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn histograms_of_two_runs_merge_by_adding_their_serialisations() {
        let (mut a, mut b) = (histogram(), histogram());
        for v in 1..=1000u64 {
            a.record(v).unwrap();
            b.record(v + 1000).unwrap();
        }
        let mut merged = decode(&encode(&a)).unwrap();
        merged.add(decode(&encode(&b)).unwrap()).unwrap();
        assert_eq!(merged.len(), 2000);
        let p50 = merged.value_at_quantile(0.5);
        assert!((999..=1001).contains(&p50), "{p50}");
        assert!(merged.max() >= 2000);
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert!(parse_duration("3 weeks").is_err());
        assert!(parse_duration("0s").is_err());
    }
}
