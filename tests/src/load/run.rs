//! The run: customers through full renewals, phase by phase, and the
//! exactly-once check of the RA's orders afterwards.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use certrenew::cert::{CertFacts, KeyType};
use certrenew::net::FixedClientCert;
use certrenew::renewal::{CERTIFICATE_PATH, CertificateResponse, LOGIN_PATH, LoginResponse};
use http_body_util::{BodyExt, Full};
use mock_ra::{MockRa, OrderState, World};
use rustls_pki_types::ServerName;
use serde::Deserialize;

use crate::load::error::LoadError;
use crate::load::stats::{ExactlyOnce, LoadReport, report};
use crate::load::types::{Customer, LoadOptions, Model, Ra, Sample, Stop};
use crate::load::world::{customers_of, identities, in_process, season, season_size, served};

/// Runs the load and reports.
pub async fn run(opts: &LoadOptions) -> Result<LoadReport, LoadError> {
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
        return Err(LoadError::TooFewCustomers {
            wanted,
            generated: listed.len(),
        });
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
                w.await.map_err(LoadError::Worker)?;
            }
        }
        Model::Open { rate } => {
            if rate <= 0.0 || !rate.is_finite() {
                return Err(LoadError::Rate { rate });
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
                t.await.map_err(LoadError::Task)?;
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
    Ok(report(opts, target, &samples, elapsed, check))
}

/// Why one renewal failed: its class, as the load report counts it.
#[derive(Debug, thiserror::Error)]
enum Failure {
    /// The TLS or HTTP request could not be made.
    #[error("setup")]
    Setup,
    /// No TCP connection.
    #[error("connect")]
    Connect,
    /// The TLS handshake failed.
    #[error("tls")]
    Tls,
    /// The bound passed.
    #[error("timeout")]
    Timeout,
    /// HTTP failed on the connection.
    #[error("http")]
    Http,
    /// An answer's body is not what the protocol says.
    #[error("body")]
    Body,
    /// No new key.
    #[error("keygen")]
    Keygen,
    /// No CSR.
    #[error("csr")]
    Csr,
    /// The chain's fetch failed on the network.
    #[error("chain:E115")]
    ChainNet,
    /// The chain fetched is unusable.
    #[error("chain:unusable")]
    ChainUnusable,
    /// The chain does not validate.
    #[error("chain:invalid")]
    ChainInvalid,
    /// The RA answered with a customer class.
    #[error("{0}")]
    Class(String),
    /// The RA answered with another status.
    #[error("status {0}")]
    Status(u16),
}

/// One full renewal; returns each phase's time and the error class.
async fn renew(ra: &Ra, c: &Customer, no_chain: bool) -> ([Duration; 4], Option<String>) {
    let mut phases = [Duration::ZERO; 4];
    let result = renew_phases(ra, c, no_chain, &mut phases).await;
    (phases, result.err().map(|e| e.to_string()))
}

async fn renew_phases(
    ra: &Ra,
    c: &Customer,
    no_chain: bool,
    phases: &mut [Duration; 4],
) -> Result<(), Failure> {
    let bound = ra.net.config().timeout;
    // Handshake: TCP, then mutual TLS with the expired certificate; a new
    // ClientConfig per customer keeps no session to resume.
    let t = Instant::now();
    let tls = ra
        .net
        .tls(Some(Arc::new(FixedClientCert(c.certified.clone()))))
        .map_err(|_| Failure::Setup)?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(tls));
    let name = ServerName::try_from(certrenew::net::WEBRA2_HOST).map_err(|_| Failure::Setup)?;
    let stream = tokio::time::timeout(bound, async {
        let tcp = tokio::net::TcpStream::connect(ra.webra2)
            .await
            .map_err(|_| Failure::Connect)?;
        let _ = tcp.set_nodelay(true);
        connector.connect(name, tcp).await.map_err(|_| Failure::Tls)
    })
    .await
    .map_err(|_| Failure::Timeout)??;
    phases[0] = t.elapsed();
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|_| Failure::Http)?;
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
        .map_err(|_| Failure::Body)?;
    let key = KeyType::P256.generate().map_err(|_| Failure::Keygen)?;
    let csr = certrenew::csr::build(&key, &subject_der).map_err(|_| Failure::Csr)?;
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
        .ok_or(Failure::Body)?;
    if no_chain {
        return Ok(());
    }
    // The chain and CRLs from repo1 and repository, then validation.
    let t = Instant::now();
    let facts = CertFacts::parse(&new).map_err(|_| Failure::Body)?;
    let chain = certrenew::chain::fetch(&ra.net, &facts)
        .await
        .map_err(|e| match e {
            certrenew::chain::ChainError::Net(_) => Failure::ChainNet,
            _ => Failure::ChainUnusable,
        })?;
    let at = (ra.now)().max(facts.not_before);
    certrenew::chain::validate(&facts, &chain, at).map_err(|_| Failure::ChainInvalid)?;
    phases[3] = t.elapsed();
    Ok(())
}

async fn post(
    sender: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    path: &str,
    body: String,
    bound: Duration,
) -> Result<(u16, Bytes), Failure> {
    let request = hyper::Request::post(path)
        .header(hyper::header::HOST, certrenew::net::WEBRA2_HOST)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header(hyper::header::ACCEPT, "application/json")
        .body(Full::new(Bytes::from(body)))
        .map_err(|_| Failure::Setup)?;
    tokio::time::timeout(bound, async {
        let resp = sender
            .send_request(request)
            .await
            .map_err(|_| Failure::Http)?;
        let status = resp.status().as_u16();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map_err(|_| Failure::Http)?
            .to_bytes();
        Ok((status, bytes))
    })
    .await
    .map_err(|_| Failure::Timeout)?
}

/// The expected answer, or the class of the problem (as the client reads
/// it: a customer class, else `status NNN`).
fn answer<T: serde::de::DeserializeOwned>(
    status: u16,
    bytes: &[u8],
    expected: u16,
) -> Result<T, Failure> {
    if status == expected {
        return serde_json::from_slice(bytes).map_err(|_| Failure::Body);
    }
    #[derive(Deserialize)]
    struct Problem {
        class: String,
    }
    match serde_json::from_slice::<Problem>(bytes) {
        Ok(p) if certrenew::Class::from_wire(&p.class).is_some() => Err(Failure::Class(p.class)),
        _ => Err(Failure::Status(status)),
    }
}

fn exactly_once(
    ra: &Ra,
    customers: &[Customer],
    samples: &[Sample],
) -> Result<ExactlyOnce, LoadError> {
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
