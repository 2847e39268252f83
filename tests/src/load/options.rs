//! What a load is asked to do: the models, the stop, the RA to drive,
//! `harness load`'s flags and its entry point, the report files.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::load::error::LoadError;
use crate::load::html::html;
use crate::load::run::run;
use crate::load::stats::{LoadReport, crypto_bound, deltas, failing, parse_fail_if, summary};
use crate::load::types::{LoadOptions, Model, Served, Stop};
use crate::load::world::{season_size, season_text};

/// Writes `text` to `path`, saying which file failed.
pub fn write(path: &Path, text: &str) -> Result<(), LoadError> {
    std::fs::write(path, text).map_err(|source| LoadError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads a report written by `--json`.
pub fn read_report(path: &Path) -> Result<LoadReport, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|error| LoadError::NotAReport {
        path: path.to_path_buf(),
        error,
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
pub(super) fn parse_duration(text: &str) -> Result<Duration, LoadError> {
    let t = text.trim();
    let (number, unit) = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map(|i| t.split_at(i))
        .unwrap_or((t, "s"));
    let n: f64 = number.parse().map_err(|_| LoadError::DurationNumber {
        text: text.to_owned(),
    })?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => {
            return Err(LoadError::DurationUnit {
                text: text.to_owned(),
                unit: unit.to_owned(),
            });
        }
    };
    if !(secs > 0.0 && secs < 86_400.0) {
        return Err(LoadError::DurationRange {
            text: text.to_owned(),
        });
    }
    Ok(Duration::from_secs_f64(secs))
}

/// `harness load`: runs, prints, writes, compares; exit 1 on a `--fail-if`
/// or a broken exactly-once check.
pub fn main(args: LoadArgs) -> Result<std::process::ExitCode, LoadError> {
    let conditions = match &args.fail_if {
        Some(text) => parse_fail_if(text)?,
        None => Vec::new(),
    };
    let stop = match (&args.duration, args.customers) {
        (Some(d), _) => Stop::Duration(parse_duration(d)?),
        (None, Some(n)) if n > 0 => Stop::Customers(n),
        (None, Some(_)) => return Err(LoadError::NoCustomers),
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
        .map_err(LoadError::Runtime)?;
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
