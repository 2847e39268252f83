//! `harness`: runs the scenario catalogue against mock-ra and the real
//! certrenew binary, and reports.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use harness::catalogue::Catalogue;
use harness::report::{self, CaseReport};
use harness::runner::Runner;

mod cli;

use cli::{drift, emit, jobs_or, load_one, matrix, run_all, runner_for, select};

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
        /// Also write every case's report as JSON here (outcome, skipped
        /// expectations, each step's command, exit, output and journal)
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
    },
    /// Compare a target with the reference: every case runs on mock-ra
    /// in-process and on the target, and what the customer sees (exit code,
    /// class and detail lines, request statuses, the journal when the target
    /// has one) is compared step by step, after redacting what differs by
    /// nature (serials, times, ports, tickets, paths).
    ///
    /// Exit status: 0 without drift (or only accepted deviations), 1 with
    /// drift, 2 on a usage error.
    Drift {
        /// Case files, scenario directories, or case names [default: scenarios/]
        #[arg(value_name = "CASES")]
        cases: Vec<PathBuf>,
        /// The target profile (docs/targets.md)
        #[arg(long, value_name = "FILE")]
        target: PathBuf,
        /// Accepted deviations (TOML `[[accept]]` entries: case, step, field,
        /// reason): kept in the report, marked, not counted as drift
        #[arg(long, value_name = "FILE")]
        accept: Option<PathBuf>,
        /// Also write the comparison as JSON here (schema `harness-drift/1`,
        /// docs/targets.md)
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Also write a self-contained HTML page with the two sides next to
        /// each other
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// Cases run at the same time on each side [default: 2 x the number of CPUs]
        #[arg(long, value_name = "N")]
        jobs: Option<usize>,
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
        /// Run the cells against the RA a target profile describes; a
        /// target without the `faults` capability skips them all
        #[arg(long, value_name = "FILE")]
        target: Option<PathBuf>,
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
    /// Map what a customer reported (a class line in Japanese or English,
    /// a `詳細:` detail line, an exit code, a class id, a journal cause) to
    /// its class, the manual's section and remedy, every documented cause
    /// and the cases and matrix cells reproducing each
    ///
    /// Exit status: 0 when the text was recognised, 1 when only the
    /// closest classes could be given, 2 on a usage error.
    Diagnose {
        /// What the customer reported; several lines (class line, then
        /// detail line) may be given as one argument or several
        #[arg(value_name = "TEXT", required = true)]
        text: Vec<String>,
        /// `text` for people, `json` for tools
        #[arg(long, value_name = "FORMAT", default_value = "text")]
        output: DiagnoseOutput,
        /// The scenarios directory
        #[arg(long, value_name = "DIR", default_value = "scenarios")]
        dir: PathBuf,
    },
    /// Reproduce a case by hand: bring its world up as a `mock-ra serve
    /// --scenario` process (clock frozen) with a store holding its
    /// identities, and print every step as the exact command `harness run`
    /// runs, to paste into a shell; Ctrl-C stops the mock. `--script FILE`
    /// writes the whole case as a runnable script instead
    Repro {
        /// A case file or a case name (`NAME` is `scenarios/NAME.toml`)
        #[arg(value_name = "CASE")]
        case: PathBuf,
        /// Write the whole case as a script here (executable): it brings
        /// the world up, runs every step and stops the mock when it ends
        #[arg(long, value_name = "FILE")]
        script: Option<PathBuf>,
        /// Print that script instead of writing it
        #[arg(long, conflicts_with = "script")]
        print: bool,
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

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum DiagnoseOutput {
    Text,
    Json,
}

const EXAMPLES: &str = "\
Examples:
  harness run                                   # the whole catalogue in scenarios/
  harness run scenarios/e550a-password-locked.toml
  harness run e550a-password-locked             # the same, by name
  harness run --junit report.xml --html report.html
  harness list
  harness diagnose '550:証明書ファイルは取得できませんでした。認証に失敗しました。'
  harness diagnose 'error 115' --output json
  harness repro e550a-password-locked --script repro.sh && bash repro.sh
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
            target,
        } => matrix(only, list, junit, html, jobs, target.as_deref()),
        Cmd::Drift {
            cases,
            target,
            accept,
            json,
            html,
            jobs,
        } => drift(&cases, &target, accept.as_deref(), json, html, jobs),
        Cmd::Bench { runs } => {
            emit(&harness::bench::run(runs)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Diagnose { text, output, dir } => {
            let cat = Catalogue::load(&dir)?;
            let desk = harness::diagnose::Desk::new(&cat, &harness::diagnose::default_snapshots());
            let d = desk.diagnose(&text.join("\n"));
            match output {
                DiagnoseOutput::Text => emit(&d.text())?,
                DiagnoseOutput::Json => emit(&format!("{}\n", serde_json::to_string_pretty(&d)?))?,
            }
            Ok(if d.sure() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Cmd::Repro {
            case,
            script,
            print,
        } => {
            let case = load_one(&case)?;
            let bins = harness::repro::Binaries {
                mock_ra: harness::process::locate_binary("mock-ra", "mock-ra", "MOCK_RA_BIN")?,
                certrenew: Runner::locate()?.certrenew,
            };
            let text = harness::repro::script(&case, &bins).map_err(anyhow::Error::msg)?;
            match script {
                Some(path) => {
                    harness::repro::write_script(&path, &text).map_err(anyhow::Error::msg)?;
                    eprintln!(
                        "harness: wrote {} (run it: bash {})",
                        path.display(),
                        path.display()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                None if print => {
                    emit(&text)?;
                    Ok(ExitCode::SUCCESS)
                }
                None => {
                    // The world stays up in a bash session until Ctrl-C.
                    let session =
                        harness::repro::session(&case, &bins).map_err(anyhow::Error::msg)?;
                    let file = tempfile::Builder::new()
                        .prefix("repro-session-")
                        .suffix(".sh")
                        .tempfile()
                        .context("cannot write the session script")?;
                    std::fs::write(file.path(), session)
                        .context("cannot write the session script")?;
                    let status = std::process::Command::new("bash")
                        .arg(file.path())
                        .status()
                        .context("cannot run bash")?;
                    Ok(match status.code() {
                        Some(0 | 130 | 143) | None => ExitCode::SUCCESS,
                        Some(_) => ExitCode::FAILURE,
                    })
                }
            }
        }
        Cmd::Load(args) => Ok(harness::load::main(*args)?),
        Cmd::List { dir } => {
            let cat = Catalogue::load(&dir)?;
            let mut text = cat.listing();
            {
                use std::fmt::Write as _;
                let cells = harness::matrix::cells();
                let _ = writeln!(
                    text,
                    "\nmatrix cells ({}; harness matrix --only NAME runs one):",
                    cells.len()
                );
                for c in &cells {
                    let _ = writeln!(
                        text,
                        "  {:<36} {:<8} {}",
                        c.name(),
                        c.expected.as_str(),
                        c.why
                    );
                }
                let _ = writeln!(
                    text,
                    "\nharness diagnose TEXT maps a customer's message to these cases and cells."
                );
            }
            emit(&text)?;
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
            json,
        } => {
            let started = Instant::now();
            let selected = select(&cases)?;
            if selected.is_empty() {
                eprintln!(
                    "harness: no case selected: {} holds no case file (harness list DIR shows a catalogue)",
                    if cases.is_empty() {
                        "scenarios".to_owned()
                    } else {
                        cases
                            .iter()
                            .map(|c| c.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                );
                return Ok(ExitCode::FAILURE);
            }
            let runner = runner_for(target.as_deref())?;
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
                        eprint!("{}", report::steps_text(r));
                    }
                }
            }
            emit(&report::table(&reports, total))?;
            if let Some(path) = junit {
                std::fs::write(&path, report::junit(&reports, total)?)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            if let Some(path) = html {
                std::fs::write(&path, report::html(&reports, total))
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            if let Some(path) = json {
                let text = serde_json::to_string_pretty(&serde_json::json!({
                    "schema": "harness-run/1",
                    "target": runner.target.as_ref().map(|p| p.name.clone().unwrap_or_default()),
                    "cases": reports,
                }))?;
                std::fs::write(&path, text + "\n")
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
