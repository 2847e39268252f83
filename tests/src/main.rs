//! `harness`: runs the scenario catalogue against mock-ra and the real
//! certrenew binary, and reports.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use harness::case::Case;
use harness::catalogue::Catalogue;
use harness::report::{self, CaseReport, Outcome};
use harness::runner::Runner;

/// Run the scenario catalogue: each case starts its own mock-ra on
/// ephemeral loopback ports, runs the real certrenew binary for each client
/// step and checks exit codes, exact messages, the server's journal causes and
/// what the store holds.
///
/// Exit status: 0 when every case that ran passed, 1 when one failed or a
/// case file is invalid, 2 on a usage error.
#[derive(Debug, Parser)]
#[command(version, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Run cases: files, or directories of case files [default: scenarios/]
    Run {
        /// Case files, scenario directories, or case names (`NAME` is
        /// `scenarios/NAME.toml`)
        #[arg(value_name = "CASES")]
        cases: Vec<PathBuf>,
        /// Also write JUnit XML here (for CI systems)
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Also write a self-contained HTML report here (for QA)
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// Cases run at the same time; some wait on a fault's timeouts, so more
        /// than the CPUs [default: 2 x the number of CPUs]
        #[arg(long, value_name = "N")]
        jobs: Option<usize>,
        /// Print each case's transcript, not only the failures
        #[arg(long, short)]
        verbose: bool,
        /// Run against the RA a target profile describes (docs/targets.md)
        /// instead of mock-ra in-process
        #[arg(long, value_name = "FILE")]
        target: Option<PathBuf>,
    },
    /// Run the fault matrix: every fault kind on every host it applies to,
    /// each cell a real certrenew run against a fresh mock with that fault,
    /// checked for its class, its time bound and the renewal order
    Matrix {
        /// Only cells whose name (`<fault>@<host>`) contains this
        #[arg(long, value_name = "TEXT")]
        only: Option<String>,
        /// Print the cells and what each expects, without running them
        #[arg(long)]
        list: bool,
        /// Also write JUnit XML here (for CI systems)
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Also write a self-contained HTML report here (for QA)
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// Cells run at the same time; most of a cell is waiting for a
        /// timeout, so more than the CPUs [default: 4 x the number of CPUs]
        #[arg(long, value_name = "N")]
        jobs: Option<usize>,
    },
    /// Measure what the README quotes: mock-ra start-up (in-process and
    /// as a process, with its idle memory) and a complete renewal by the real
    /// certrenew binary. Use a release build for release figures:
    /// `cargo run --release -p harness -- bench`
    Bench {
        /// Repetitions of each measurement
        #[arg(long, value_name = "N", default_value_t = 20)]
        runs: usize,
    },
    /// Renewal season: virtual customers, each with its own expired
    /// identity, through full renewals in-process (docs/load.md)
    Load(Box<harness::load::LoadArgs>),
    /// Show the catalogue: every case with the ids it reproduces, and every
    /// documented behaviour with the cases that cover it
    List {
        /// The scenarios directory
        #[arg(value_name = "DIR", default_value = "scenarios")]
        dir: PathBuf,
    },
}

const EXAMPLES: &str = "\
Examples:
  harness run                                   # the whole catalogue in scenarios/
  harness run scenarios/e550a-password-locked.toml
  harness run e550a-password-locked             # the same, by name
  harness run --junit report.xml --html report.html
  harness list
  harness matrix                                # every fault kind x every host
  harness matrix --only @repo1 --html matrix.html
  harness load --customers 2000 --concurrency 16 --json out.json   # a renewal season
  CERTRENEW_BIN=target/release/certrenew harness run   # test another build";

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("harness: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Cmd::Matrix {
            only,
            list,
            junit,
            html,
            jobs,
        } => matrix(only, list, junit, html, jobs),
        Cmd::Bench { runs } => {
            print!("{}", harness::bench::run(runs)?);
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Load(args) => harness::load::main(*args),
        Cmd::List { dir } => {
            let cat = Catalogue::load(&dir)?;
            print!("{}", cat.listing());
            let uncovered = cat.uncovered();
            if !uncovered.is_empty() {
                eprintln!("not covered by any case: {}", uncovered.join(" "));
                return Ok(ExitCode::FAILURE);
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Run {
            cases,
            junit,
            html,
            jobs,
            verbose,
            target,
        } => {
            let started = Instant::now();
            let selected = select(&cases)?;
            let mut runner = Runner::locate()?;
            if let Some(path) = &target {
                let profile =
                    harness::remote::Profile::from_file(path).map_err(anyhow::Error::msg)?;
                profile.check_reachable().map_err(anyhow::Error::msg)?;
                runner = runner.with_target(profile);
            }
            let jobs = jobs_or(jobs, 2);
            eprintln!(
                "harness: {} cases, {jobs} at a time, certrenew = {}",
                selected.len(),
                runner.certrenew.display()
            );
            let reports = run_all(&runner, selected, jobs);
            let total = started.elapsed();
            for r in &reports {
                if r.failed() || verbose {
                    eprintln!(
                        "\n== {} ({})\n{}",
                        r.name,
                        r.result_word(),
                        r.failure_text()
                    );
                    if verbose || r.failed() {
                        for (i, s) in r.steps.iter().enumerate() {
                            eprintln!(
                                "  [step {}] {}  ({} ms)",
                                i + 1,
                                s.step,
                                s.elapsed.as_millis()
                            );
                            if let Some(c) = &s.command {
                                eprintln!("    $ {c}");
                            }
                            for line in s.stdout.lines().chain(s.stderr.lines()) {
                                eprintln!("    | {line}");
                            }
                            for j in &s.journal {
                                eprintln!("    journal: {j}");
                            }
                        }
                    }
                }
            }
            print!("{}", report::table(&reports, total));
            if let Some(path) = junit {
                std::fs::write(&path, report::junit(&reports, total))
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            if let Some(path) = html {
                std::fs::write(&path, report::html(&reports, total))
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            // A run that checked nothing client-visible proves nothing.
            let none_checked = target.is_some() && !reports.iter().any(CaseReport::passed);
            Ok(if reports.iter().any(CaseReport::failed) || none_checked {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

fn matrix(
    only: Option<String>,
    list: bool,
    junit: Option<PathBuf>,
    html: Option<PathBuf>,
    jobs: Option<usize>,
) -> anyhow::Result<ExitCode> {
    use harness::matrix;
    let cells: Vec<matrix::Cell> = matrix::cells()
        .into_iter()
        .filter(|c| only.as_deref().is_none_or(|o| c.name().contains(o)))
        .collect();
    if list {
        for c in &cells {
            println!(
                "{:<40} {:<8} exit {}  order {}  {}",
                c.name(),
                c.expected.as_str(),
                c.expected.exit(),
                if c.order_consumed { "consumed" } else { "kept" },
                c.why
            );
        }
        println!("{} cells", cells.len());
        return Ok(ExitCode::SUCCESS);
    }
    let started = Instant::now();
    let runner = Runner::locate()?;
    let jobs = jobs_or(jobs, 4);
    eprintln!(
        "harness: fault matrix, {} cells, {jobs} at a time, certrenew = {}",
        cells.len(),
        runner.certrenew.display()
    );
    let mut selected = Vec::new();
    for c in &cells {
        selected.push(match matrix::case(c) {
            Ok(case) => Selected::Run(Box::new(case)),
            Err(e) => anyhow::bail!("{}: the generated case is invalid: {e}", c.name()),
        });
    }
    let mut reports = run_all(&runner, selected, jobs);
    for (r, c) in reports.iter_mut().zip(&cells) {
        r.name = c.name();
    }
    let total = started.elapsed();
    for r in reports.iter().filter(|r| r.failed()) {
        eprintln!("\n== {} (FAILED)\n{}", r.name, r.failure_text());
        for s in &r.steps {
            for line in s.stdout.lines().chain(s.stderr.lines()) {
                eprintln!("    | {line}");
            }
            for j in &s.journal {
                eprintln!("    journal: {j}");
            }
        }
    }
    print!("{}", matrix::grid(&cells, &reports, total));
    if let Some(path) = junit {
        std::fs::write(&path, report::junit_suite("matrix", &reports, total))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = html {
        std::fs::write(
            &path,
            report::html_titled("certrenew fault matrix", &reports, total),
        )
        .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(if reports.iter().any(CaseReport::failed) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// What to run: each argument a case file or a directory; pending cases
/// (from the directory's `pending.toml`) become pending reports.
enum Selected {
    Run(Box<Case>),
    Report(Box<CaseReport>),
}

fn select(args: &[PathBuf]) -> anyhow::Result<Vec<Selected>> {
    let args = if args.is_empty() {
        vec![PathBuf::from("scenarios")]
    } else {
        args.to_vec()
    };
    let mut out = Vec::new();
    for arg in args {
        let arg = existing(&arg)?;
        let (dir, only) = if arg.is_dir() {
            (arg.clone(), None)
        } else {
            let dir = arg
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf();
            (dir, Some(arg.clone()))
        };
        let cat = Catalogue::load(&dir)?;
        for case in cat.cases {
            let (path, case) = match case {
                Ok(c) => (c.path.clone(), Ok(c)),
                Err((p, e)) => (p, Err(e)),
            };
            if only.as_ref().is_some_and(|o| !same_file(o, &path)) {
                continue;
            }
            out.push(match case {
                Ok(c) => match cat.pending.get(c.name()) {
                    Some(reason) => Selected::Report(Box::new(pending_report(&c, reason))),
                    None => Selected::Run(Box::new(c)),
                },
                Err(e) => Selected::Report(Box::new(CaseReport {
                    name: path
                        .file_stem()
                        .and_then(|s| s.to_str())
                        .unwrap_or_default()
                        .to_owned(),
                    story: String::new(),
                    reproduces: Vec::new(),
                    manual: None,
                    outcome: Outcome::Invalid { error: e.0 },
                    steps: Vec::new(),
                    elapsed: std::time::Duration::ZERO,
                    redactions: Default::default(),
                    faults: Default::default(),
                    skipped: Vec::new(),
                })),
            });
        }
        if let Some(o) = &only
            && !out.iter().any(|s| match s {
                Selected::Run(c) => same_file(o, &c.path),
                Selected::Report(_) => true,
            })
        {
            anyhow::bail!("{}: no such case file", o.display());
        }
    }
    Ok(out)
}

/// A path as given when it exists; a bare case name (`e550a-wrong-password`)
/// as `scenarios/NAME.toml`; otherwise an error that says what to try.
fn existing(arg: &Path) -> anyhow::Result<PathBuf> {
    if arg.exists() {
        return Ok(arg.to_path_buf());
    }
    let bare = arg.components().count() == 1 && arg.extension().is_none();
    if bare {
        let named = Path::new("scenarios").join(arg).with_extension("toml");
        if named.is_file() {
            return Ok(named);
        }
    }
    anyhow::bail!(
        "{}: no such case file or directory (give a case file, a directory of them, \
         or a case name from `harness list`)",
        arg.display()
    )
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn pending_report(case: &Case, reason: &str) -> CaseReport {
    CaseReport {
        name: case.name().to_owned(),
        story: case.meta.story.clone(),
        reproduces: case.meta.reproduces.clone(),
        manual: case.meta.manual.clone(),
        outcome: Outcome::Pending {
            reason: reason.to_owned(),
        },
        steps: Vec::new(),
        elapsed: std::time::Duration::ZERO,
        redactions: Default::default(),
        faults: Default::default(),
        skipped: Vec::new(),
    }
}

/// Runs cases on `jobs` threads; reports come back in catalogue order.
/// `--jobs`, or `per_cpu` x the CPUs (waiting on timeouts is most of a
/// case's time), at least one.
fn jobs_or(jobs: Option<usize>, per_cpu: usize) -> usize {
    jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()) * per_cpu)
        .max(1)
}

/// Runs the cases `jobs` at a time. On a terminal, a progress line on
/// stderr says how many are done and which finished last (nothing is added
/// to logs that are not a terminal).
fn run_all(runner: &Runner, selected: Vec<Selected>, jobs: usize) -> Vec<CaseReport> {
    use std::io::{IsTerminal, Write};
    let progress = std::io::stderr().is_terminal();
    let total = selected.len();
    let queue = std::sync::Mutex::new(selected.into_iter().enumerate().collect::<Vec<_>>());
    let results = std::sync::Mutex::new(Vec::with_capacity(total));
    std::thread::scope(|s| {
        for _ in 0..jobs.min(total.max(1)) {
            s.spawn(|| {
                loop {
                    let next = queue.lock().map(|mut q| q.pop());
                    let Ok(Some((i, item))) = next else { break };
                    let report = match item {
                        Selected::Run(case) => runner.run(&case),
                        Selected::Report(r) => *r,
                    };
                    if let Ok(mut r) = results.lock() {
                        if progress {
                            let outcome = if report.failed() { "FAILED" } else { "ok" };
                            let mut err = std::io::stderr().lock();
                            let _ = write!(
                                err,
                                "\r\x1b[K  [{}/{total}] {} {outcome}",
                                r.len() + 1,
                                report.name
                            );
                            let _ = err.flush();
                        }
                        r.push((i, report));
                    }
                }
            });
        }
    });
    if progress {
        eprint!("\r\x1b[K");
    }
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}
