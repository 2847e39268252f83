//! The report: HDR histograms per phase, percentiles, the crypto bound,
//! the terminal summary, deltas against a baseline, `--fail-if`.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::load::error::LoadError;
use crate::load::types::{LoadOptions, Model, PHASES, Sample};

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
pub fn crypto_bound(chain: bool) -> Result<CryptoBound, LoadError> {
    let out = std::process::Command::new("openssl")
        .args(["speed", "-seconds", "2", "ecdsap256"])
        .output()
        .map_err(LoadError::NoOpenssl)?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("ecdsa (nistp256)"))
        .ok_or_else(|| LoadError::NoNistp256Line {
            output: text.to_string(),
        })?;
    let numbers: Vec<f64> = line
        .split_whitespace()
        .filter_map(|w| w.parse::<f64>().ok())
        .collect();
    let [.., sign, verify] = numbers[..] else {
        return Err(LoadError::OpensslLine {
            line: line.to_owned(),
        });
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

pub(super) fn histogram() -> Histogram<u64> {
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

pub(super) fn encode(h: &Histogram<u64>) -> String {
    use hdrhistogram::serialization::{Serializer, V2DeflateSerializer};
    let mut out = Vec::new();
    match V2DeflateSerializer::new().serialize(h, &mut out) {
        Ok(_) => STANDARD.encode(out),
        Err(_) => String::new(),
    }
}

/// Reads one of the report's `hdr` values back (for merging runs).
pub fn decode(b64: &str) -> Result<Histogram<u64>, LoadError> {
    use hdrhistogram::serialization::Deserializer;
    let bytes = STANDARD.decode(b64.as_bytes())?;
    Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|error| LoadError::Histogram { error })
}

pub(super) fn report(
    opts: &LoadOptions,
    target: String,
    samples: &[Sample],
    elapsed: Duration,
    exactly_once: ExactlyOnce,
) -> LoadReport {
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
    LoadReport {
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
    }
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
    pub(super) what: String,
    pub(super) greater: bool,
    pub(super) limit: f64,
}

/// Parses `--fail-if 'p99>200ms,errors>0'`: `p50`, `p90`, `p99`, `p999`,
/// `max` (ms, `ms` or `s` suffix allowed), `errors` (count), `rate`
/// (renewals/s), each with `>` or `<`.
pub fn parse_fail_if(text: &str) -> Result<Vec<Condition>, LoadError> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|c| {
            let (at, greater) = match (c.find('>'), c.find('<')) {
                (Some(i), None) => (i, true),
                (None, Some(i)) => (i, false),
                _ => {
                    return Err(LoadError::FailIfForm {
                        condition: c.to_owned(),
                    });
                }
            };
            let what = c[..at].trim().to_ascii_lowercase();
            let value = c[at + 1..].trim();
            let known = ["p50", "p90", "p99", "p999", "max", "errors", "rate"];
            if !known.contains(&what.as_str()) {
                return Err(LoadError::FailIfName {
                    condition: c.to_owned(),
                    what,
                    known: known.join(", "),
                });
            }
            let (number, scale) = if let Some(v) = value.strip_suffix("ms") {
                (v, 1.0)
            } else if let Some(v) = value.strip_suffix('s') {
                (v, 1000.0)
            } else {
                (value, 1.0)
            };
            let limit: f64 = number.trim().parse().map_err(|_| LoadError::FailIfNumber {
                condition: c.to_owned(),
                value: value.to_owned(),
            })?;
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
