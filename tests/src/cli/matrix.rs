//! `harness matrix`: the fault matrix's cells selected, run and reported.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use harness::report::{self, CaseReport};

use crate::cli::run::{emit, jobs_or, run_all, runner_for};
use crate::cli::select::Selected;

pub(crate) fn matrix(
    only: Option<String>,
    list: bool,
    junit: Option<PathBuf>,
    html: Option<PathBuf>,
    jobs: Option<usize>,
    target: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    use harness::matrix;
    let cells: Vec<matrix::Cell> = matrix::cells()
        .into_iter()
        .filter(|c| only.as_deref().is_none_or(|o| c.name().contains(o)))
        .collect();
    if cells.is_empty() {
        eprintln!(
            "harness: no matrix cell matches --only {} (harness matrix --list shows them)",
            only.as_deref().unwrap_or_default()
        );
        return Ok(ExitCode::FAILURE);
    }
    if list {
        let mut text = String::new();
        for c in &cells {
            use std::fmt::Write as _;
            let _ = writeln!(
                text,
                "{:<40} {:<8} exit {}  order {}  {}",
                c.name(),
                c.expected.as_str(),
                c.expected.exit(),
                if c.order_consumed { "consumed" } else { "kept" },
                c.why
            );
        }
        {
            use std::fmt::Write as _;
            let _ = writeln!(text, "{} cells", cells.len());
        }
        emit(&text)?;
        return Ok(ExitCode::SUCCESS);
    }
    let started = Instant::now();
    let runner = runner_for(target)?;
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
        eprint!("{}", report::steps_text(r));
    }
    emit(&matrix::grid(&cells, &reports, total))?;
    if let Some(path) = junit {
        std::fs::write(&path, report::junit_suite("matrix", &reports, total)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = html {
        std::fs::write(
            &path,
            report::html_with(
                "certrenew fault matrix",
                &matrix::grid_html(&cells, &reports),
                &reports,
                total,
            ),
        )
        .with_context(|| format!("cannot write {}", path.display()))?;
    }
    // Against a target, a run that checked nothing proves nothing.
    let none_checked = target.is_some() && !reports.iter().any(CaseReport::passed);
    if none_checked {
        eprintln!(
            "harness: no cell could be checked against this target (see the skipped reasons)"
        );
    }
    Ok(if reports.iter().any(CaseReport::failed) || none_checked {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
