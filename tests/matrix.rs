//! The fault matrix as cargo tests: one test per cell (`<fault>@<host>`),
//! each a real certrenew run against a fresh mock-ra holding that fault,
//! checked by the harness's runner for its class, its time bound, the
//! renewal order and the store (see `harness::matrix`).
//!
//! Most of a cell is waiting for a timeout, so cells run several to a
//! core unless `--test-threads` says otherwise.

use std::sync::{Arc, OnceLock};

use harness::matrix;
use harness::runner::Runner;
use libtest_mimic::{Arguments, Failed, Trial};

fn main() -> std::process::ExitCode {
    let mut args = Arguments::from_args();
    if args.test_threads.is_none() {
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        args.test_threads = Some(cpus * 4);
    }
    let runner: Arc<OnceLock<Result<Runner, String>>> = Arc::new(OnceLock::new());
    let trials = matrix::cells()
        .into_iter()
        .map(|cell| {
            let runner = runner.clone();
            Trial::test(cell.name(), move || {
                let case = matrix::case(&cell).map_err(|e| Failed::from(e.to_string()))?;
                let runner = runner
                    .get_or_init(|| Runner::locate().map_err(|e| e.to_string()))
                    .as_ref()
                    .map_err(|e| Failed::from(e.clone()))?;
                let report = runner.run(&case);
                if report.passed() {
                    Ok(())
                } else {
                    let mut text = format!(
                        "{}: expected {} (exit {}) within {:.2} s; {}\n{}",
                        cell.name(),
                        cell.expected.as_str(),
                        cell.expected.exit(),
                        matrix::cell_bound().as_secs_f64(),
                        cell.why,
                        report.failure_text()
                    );
                    for s in &report.steps {
                        for line in s.stdout.lines().chain(s.stderr.lines()) {
                            text.push_str(&format!("    | {line}\n"));
                        }
                        for j in &s.journal {
                            text.push_str(&format!("    journal: {j}\n"));
                        }
                    }
                    Err(Failed::from(text))
                }
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit_code()
}
