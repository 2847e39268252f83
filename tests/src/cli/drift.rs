//! `harness drift`: the same cases on the reference and on a target,
//! compared after redaction.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use harness::report::CaseReport;
use harness::runner::Runner;

use crate::cli::run::{emit, jobs_or, run_all, runner_for};
use crate::cli::select::select;

/// `harness drift`: every selected case on the reference and on the
/// target, compared.
pub(crate) fn drift(
    cases: &[PathBuf],
    target: &Path,
    accept: Option<&Path>,
    json: Option<PathBuf>,
    html: Option<PathBuf>,
    jobs: Option<usize>,
) -> anyhow::Result<ExitCode> {
    use harness::drift::{Accepted, Drift};
    let accepted = match accept {
        Some(path) => Accepted::from_file(path).map_err(anyhow::Error::msg)?,
        None => Accepted::default(),
    };
    let on_target = runner_for(Some(target))?;
    let profile = on_target
        .target
        .clone()
        .context("a target runner has its profile")?;
    let reference = Runner::locate()?;
    let jobs = jobs_or(jobs, 2);
    let started = Instant::now();
    eprintln!(
        "harness: drift, {} against the reference, {jobs} cases at a time",
        profile.name.as_deref().unwrap_or("the target")
    );
    let reference_reports = run_all(&reference, select(cases)?, jobs);
    let target_reports = run_all(&on_target, select(cases)?, jobs);
    let pairs: Vec<(CaseReport, CaseReport)> =
        reference_reports.into_iter().zip(target_reports).collect();
    let report = Drift::new(
        profile.name.as_deref().unwrap_or("the target"),
        profile.capabilities.journal,
        &pairs,
        &accepted,
    );
    emit(&harness::drift::table(&report))?;
    eprintln!(
        "harness: drift done in {:.2}s",
        started.elapsed().as_secs_f64()
    );
    if let Some(path) = json {
        let text = serde_json::to_string_pretty(&report)?;
        std::fs::write(&path, text + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = html {
        std::fs::write(&path, harness::drift::html(&report))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(if report.drifted() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
