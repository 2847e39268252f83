//! Running selected cases: the runner for a target, cases on `jobs`
//! threads with progress, pending cases reported, and the one checked
//! write of every result (`emit`).

use std::path::Path;

use anyhow::Context as _;

use harness::report::CaseReport;
use harness::runner::Runner;

use crate::cli::select::Selected;

/// The runner: against the profile's target when one is given (checked
/// reachable first, so a dead host is named at once), else in-process.
pub(crate) fn runner_for(target: Option<&Path>) -> anyhow::Result<Runner> {
    let runner = Runner::locate()?;
    let Some(path) = target else {
        return Ok(runner);
    };
    let profile = harness::remote::Profile::from_file(path).map_err(anyhow::Error::msg)?;
    profile.check_reachable().map_err(anyhow::Error::msg)?;
    Ok(runner.with_target(profile))
}

/// Writes the command's result on stdout. A reader that went away (`| head`)
/// wanted no more of it, which is not an error; any other failure to write
/// (a full disk) is.
pub(crate) fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("cannot write the output"),
    }
}

/// Runs cases on `jobs` threads; reports come back in catalogue order.
/// `--jobs`, or `per_cpu` x the CPUs (waiting on timeouts is most of a
/// case's time), at least one.
pub(crate) fn jobs_or(jobs: Option<usize>, per_cpu: usize) -> usize {
    jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()) * per_cpu)
        .max(1)
}

/// Runs the cases `jobs` at a time. On a terminal, a progress line on
/// stderr says how many are done and which finished last (nothing is added
/// to logs that are not a terminal).
pub(crate) fn run_all(runner: &Runner, selected: Vec<Selected>, jobs: usize) -> Vec<CaseReport> {
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
