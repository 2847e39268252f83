//! `harness bench`: the figures the README quotes, measured rather than
//! asserted (speed is a feature, not a timed test).
//!
//! - mock-ra start-up in-process (`MockRa::start`, P-256 world);
//! - `mock-ra serve` as a process: start to ready line, and resident memory
//!   once idle;
//! - the RA's renewal path in-process: login and issuance over a new
//!   mutual-TLS connection, with the client's key and CSR;
//! - a complete renewal by the real certrenew binary, process start to exit,
//!   one fresh account and store per run.

use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mock_ra::{MockRa, World};

use crate::process::{Run, RunnerError, clean_env, locate_binary, run_with_timeout};
use crate::runner::STEP_TIMEOUT;

/// Why a measurement could not be made.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A binary to measure could not be found or built.
    #[error(transparent)]
    Locate(#[from] RunnerError),
    /// The async runtime could not be started.
    #[error("tokio runtime: {error}")]
    Runtime { error: std::io::Error },
    /// The in-process mock of the start-up figure could not start.
    #[error("mock-ra did not start: {error}")]
    MockStart { error: mock_ra::MockError },
    /// `mock-ra serve` could not be started.
    #[error("cannot start {}: {error}", bin.display())]
    Spawn {
        bin: std::path::PathBuf,
        error: std::io::Error,
    },
    /// `mock-ra serve`'s first line is not its ready line.
    #[error("mock-ra serve printed no ready line: {line:?}")]
    NoReadyLine { line: String },
    /// A login + issuance of the RA's renewal path failed.
    #[error("login + issuance: {0}")]
    Exchange(ExchangeError),
    /// The world of the renewals is not a world.
    #[error("{0}")]
    World(mock_ra::WorldError),
    /// The mock of the renewals could not start, or lacks an identity.
    #[error("{0}")]
    Mock(mock_ra::MockError),
    /// A work file or folder could not be made.
    #[error("{0}")]
    Io(std::io::Error),
    /// `certrenew import` failed for a bench account.
    #[error("import for {name} failed: {exit}")]
    Import { name: String, exit: String },
    /// `certrenew renew` failed for a bench account.
    #[error("renewal of {name} failed: {exit}")]
    Renewal { name: String, exit: String },
}

/// Summary of repeated measurements.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    /// Number of samples.
    pub n: usize,
    /// Fastest.
    pub min: Duration,
    /// Median.
    pub median: Duration,
    /// 95th percentile (nearest rank).
    pub p95: Duration,
}

impl Stats {
    /// Summarises `samples` (at least one).
    pub fn of(mut samples: Vec<Duration>) -> Option<Self> {
        if samples.is_empty() {
            return None;
        }
        samples.sort();
        let n = samples.len();
        let rank = |q: f64| samples[((q * n as f64).ceil() as usize).clamp(1, n) - 1];
        Some(Self {
            n,
            min: samples[0],
            median: rank(0.5),
            p95: rank(0.95),
        })
    }
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        write!(
            f,
            "median {:7.1} ms   min {:7.1} ms   p95 {:7.1} ms   (n={})",
            ms(self.median),
            ms(self.min),
            ms(self.p95),
            self.n
        )
    }
}

/// Runs every measurement `runs` times and prints a table.
pub fn run(runs: usize) -> Result<String, BenchError> {
    let runs = runs.max(1);
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let mut out = format!("harness bench ({profile} build, {runs} runs each)\n");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| BenchError::Runtime { error })?;
    let mut starts = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let mock = rt
            .block_on(MockRa::start(World::demo()))
            .map_err(|error| BenchError::MockStart { error })?;
        starts.push(t.elapsed());
        rt.block_on(mock.shutdown());
    }
    push(
        &mut out,
        "mock-ra start, in-process (P-256 demo world)",
        Stats::of(starts),
    );

    let mock_ra = locate_binary("mock-ra", "mock-ra", "MOCK_RA_BIN")?;
    let mut ready = Vec::new();
    let mut rss = Vec::new();
    for _ in 0..runs {
        let (elapsed, kib) = serve_once(&mock_ra)?;
        ready.push(elapsed);
        if let Some(k) = kib {
            rss.push(k);
        }
    }
    push(
        &mut out,
        "mock-ra serve: process start to ready line",
        Stats::of(ready),
    );
    if let Some(max) = rss.iter().max() {
        out.push_str(&format!(
            "  {:<46} max {:.1} MiB (VmRSS, 300 ms after the ready line)\n",
            "mock-ra serve: resident memory when idle",
            *max as f64 / 1024.0
        ));
    }

    push(
        &mut out,
        "login + issuance on a new mTLS connection",
        Stats::of(exchanges(&rt, runs)?),
    );

    let certrenew = locate_binary("certrenew", "client", "CERTRENEW_BIN")?;
    let renewals = renewals(&rt, &certrenew, runs)?;
    push(
        &mut out,
        "certrenew renew: process start to exit (P-256)",
        Stats::of(renewals),
    );
    Ok(out)
}

fn push(out: &mut String, what: &str, stats: Option<Stats>) {
    if let Some(s) = stats {
        out.push_str(&format!("  {what:<46} {s}\n"));
    }
}

/// Starts `mock-ra serve`, times the ready line, reads its resident memory
/// a moment later, and stops it.
fn serve_once(bin: &Path) -> Result<(Duration, Option<u64>), BenchError> {
    let state = tempfile::tempdir().map_err(BenchError::Io)?;
    let t = Instant::now();
    let mut child = Command::new(bin)
        .args(["serve", "--state-dir"])
        .arg(state.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|error| BenchError::Spawn {
            bin: bin.to_path_buf(),
            error,
        })?;
    let mut line = String::new();
    if let Some(stdout) = child.stdout.take() {
        let _ = std::io::BufReader::new(stdout).read_line(&mut line);
    }
    let elapsed = t.elapsed();
    std::thread::sleep(Duration::from_millis(300));
    let rss = std::fs::read_to_string(format!("/proc/{}/status", child.id()))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        });
    let _ = child.kill();
    let _ = child.wait();
    if !line.contains("\"event\":\"ready\"") {
        return Err(BenchError::NoReadyLine { line });
    }
    Ok((elapsed, rss))
}

/// Why one login + issuance of the bench failed.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// The bench's world is not a world.
    #[error("{0}")]
    World(mock_ra::WorldError),
    /// The in-process mock could not start.
    #[error("{0}")]
    Mock(mock_ra::MockError),
    /// The mock has no webra2 listener.
    #[error("the mock has no webra2 listener")]
    NoWebra2,
    /// The mock has no identity for a bench account.
    #[error("no identity {0}")]
    NoIdentity(String),
    /// The identity's TLS configuration could not be made.
    #[error("{0}")]
    Tls(crate::target::TlsConfigError),
    /// The HTTP client failed, or an answer is not JSON.
    #[error("{0}")]
    Http(#[from] reqwest::Error),
    /// The login's answer has no ticket.
    #[error("no ticket")]
    NoTicket,
    /// No new key.
    #[error("{0}")]
    Key(#[from] certs_gen::Error),
    /// No CSR.
    #[error("{0}")]
    Csr(#[from] rcgen::Error),
    /// The issuance was refused.
    #[error("issuance answered {0}")]
    Issuance(reqwest::StatusCode),
}

/// The RA's renewal path as a client meets it, without certrenew's
/// process, access check or repositories: a new mutual-TLS connection with
/// the expired identity, the login, a new P-256 key and CSR, the issuance.
/// One account per run, so every issuance is a real one.
fn exchanges(rt: &tokio::runtime::Runtime, runs: usize) -> Result<Vec<Duration>, BenchError> {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    let mut world = String::new();
    for i in 0..runs {
        world.push_str(&format!(
            "[[account]]\nid = \"x{i}\"\ncn = \"Bench {i}\"\npassword = \"bench-pass\"\n[[account.certificate]]\nexpires = \"-10d\"\n"
        ));
    }
    let world = World::from_toml("bench world", &world)
        .map_err(|e| BenchError::Exchange(ExchangeError::World(e)))?;
    let mock = rt
        .block_on(MockRa::start(world))
        .map_err(|e| BenchError::Exchange(ExchangeError::Mock(e)))?;
    let host = certs_gen::names::WEBRA2_HOST;
    let webra2 = mock
        .addr(mock_ra::Role::Webra2)
        .ok_or(BenchError::Exchange(ExchangeError::NoWebra2))?;
    let base = format!("https://{host}:{}", webra2.port());
    let mut times = Vec::new();
    for i in 0..runs {
        let identity = mock
            .identity(&format!("x{i}"))
            .ok()
            .and_then(|id| {
                Some(crate::target::IdentityPems {
                    serial: id.info().ok()?.serial,
                    cert_pem: id.cert_pem(),
                    key_pem: id.key_pem(),
                    chain_pem: id.chain_pem(),
                })
            })
            .ok_or_else(|| BenchError::Exchange(ExchangeError::NoIdentity(format!("x{i}"))))?;
        let tls = crate::target::tls_config(&mock.pki().web_root.pem(), Some(&identity))
            .map_err(|e| BenchError::Exchange(ExchangeError::Tls(e)))?;
        let subject = mock.pki().client_subject(&format!("Bench {i}"), None);
        let t = Instant::now();
        let result: Result<(), ExchangeError> = rt.block_on(async {
            let client = reqwest::Client::builder()
                .tls_backend_preconfigured(tls)
                .resolve(host, webra2)
                .no_proxy()
                .build()?;
            let login: serde_json::Value = client
                .post(format!("{base}/scira/api/v1/renewal/login"))
                .json(&serde_json::json!({ "password": "bench-pass" }))
                .send()
                .await?
                .json()
                .await?;
            let ticket = login["ticket"]
                .as_str()
                .ok_or(ExchangeError::NoTicket)?
                .to_owned();
            let key = certs_gen::KeyType::P256.generate()?;
            let mut params = rcgen::CertificateParams::default();
            params.distinguished_name = subject;
            let csr = params.serialize_request(&key)?;
            let status = client
                .post(format!("{base}/scira/api/v1/renewal/certificate"))
                .json(&serde_json::json!({ "ticket": ticket, "csr": STANDARD.encode(csr.der()) }))
                .send()
                .await?
                .status();
            if status.as_u16() == 201 {
                Ok(())
            } else {
                Err(ExchangeError::Issuance(status))
            }
        });
        times.push(t.elapsed());
        result.map_err(BenchError::Exchange)?;
    }
    rt.block_on(mock.shutdown());
    Ok(times)
}

/// `runs` renewals, each with its own account, store and process.
fn renewals(
    rt: &tokio::runtime::Runtime,
    certrenew: &Path,
    runs: usize,
) -> Result<Vec<Duration>, BenchError> {
    let mut world = String::new();
    for i in 0..runs {
        world.push_str(&format!(
            "[[account]]\nid = \"bench{i}\"\npassword = \"bench-pass\"\n[[account.certificate]]\nexpires = \"-10d\"\n"
        ));
    }
    let world = World::from_toml("bench world", &world).map_err(BenchError::World)?;
    let mock = rt
        .block_on(MockRa::start(world))
        .map_err(BenchError::Mock)?;
    let work = tempfile::tempdir().map_err(BenchError::Io)?;
    let web_root = work.path().join("web-root.pem");
    std::fs::write(&web_root, mock.pki().web_root.pem()).map_err(BenchError::Io)?;
    let args = mock.certrenew_args(&web_root);
    let mut times = Vec::new();
    for i in 0..runs {
        let name = format!("bench{i}");
        let id = mock.identity(&name).map_err(BenchError::Mock)?;
        let dir = work.path().join(&name);
        std::fs::create_dir_all(&dir).map_err(BenchError::Io)?;
        for (file, text) in [
            ("cert.pem", id.cert_pem()),
            ("key.pem", id.key_pem()),
            ("chain.pem", id.chain_pem()),
        ] {
            std::fs::write(dir.join(file), text).map_err(BenchError::Io)?;
        }
        let store = dir.join("store");
        let mut import = Command::new(certrenew);
        import
            .args(&args)
            .arg("--store")
            .arg(&store)
            .arg("import")
            .arg("--cert")
            .arg(dir.join("cert.pem"))
            .arg("--key")
            .arg(dir.join("key.pem"))
            .arg("--chain")
            .arg(dir.join("chain.pem"));
        clean_env(&mut import);
        let run = run_with_timeout(import, None, STEP_TIMEOUT);
        if run.exit != Some(0) {
            return Err(BenchError::Import {
                name,
                exit: exit_text(&run),
            });
        }
        let mut renew = Command::new(certrenew);
        renew
            .args(&args)
            .arg("--store")
            .arg(&store)
            .args(["renew", "--password-stdin", "--yes"]);
        clean_env(&mut renew);
        let t = Instant::now();
        let run = run_with_timeout(renew, Some("bench-pass\n"), STEP_TIMEOUT);
        times.push(t.elapsed());
        if run.exit != Some(0) {
            return Err(BenchError::Renewal {
                name,
                exit: exit_text(&run),
            });
        }
    }
    rt.block_on(mock.shutdown());
    Ok(times)
}

/// How a child run ended, for an error message: its exit code, or why it
/// has none.
fn exit_text(run: &Run) -> String {
    match (run.exit, run.timed_out) {
        (_, true) => format!("killed after {}s", STEP_TIMEOUT.as_secs()),
        (Some(code), false) => format!("exit status: {code}"),
        (None, false) => format!("no exit code: {}", run.stderr.trim()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_use_nearest_rank() {
        let ms = |v: u64| Duration::from_millis(v);
        let s = Stats::of((1..=20).map(ms).collect()).unwrap();
        assert_eq!((s.min, s.median, s.p95, s.n), (ms(1), ms(10), ms(19), 20));
        let s = Stats::of(vec![ms(7)]).unwrap();
        assert_eq!((s.min, s.median, s.p95), (ms(7), ms(7), ms(7)));
        assert!(Stats::of(Vec::new()).is_none());
    }
}
