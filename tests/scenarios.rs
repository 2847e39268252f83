//! One test per case file in `scenarios/`: adding a file adds a test.
//!
//! Each test runs its case through the harness (mock-ra in-process, the real
//! certrenew binary) and then compares the redacted transcript with its
//! snapshot in `tests/snapshots/`. Pending cases are listed as ignored with
//! their reason in the test's name; none is skipped silently.

use std::path::Path;
use std::sync::Arc;

use harness::catalogue::Catalogue;
use harness::report::snapshot_text;
use harness::runner::Runner;
use libtest_mimic::{Arguments, Failed, Trial};

fn main() -> std::process::ExitCode {
    let mut args = Arguments::from_args();
    // Some cases wait on a fault's timeouts: run two to a core unless told.
    if args.test_threads.is_none() {
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        args.test_threads = Some(cpus * 2);
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let catalogue = match Catalogue::load(&dir) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // Built once, shared by every trial; only when something will run.
    let runner: Arc<std::sync::OnceLock<Result<Runner, String>>> =
        Arc::new(std::sync::OnceLock::new());
    let mut trials = Vec::new();
    for entry in catalogue.cases {
        match entry {
            Err((path, e)) => {
                let name = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or("?")
                    .to_owned();
                trials.push(Trial::test(name, move || Err(Failed::from(e.to_string()))));
            }
            Ok(case) => {
                if let Some(reason) = catalogue.pending.get(case.name()) {
                    trials.push(
                        Trial::test(format!("{} (pending: {reason})", case.name()), || Ok(()))
                            .with_ignored_flag(true),
                    );
                    continue;
                }
                let runner = runner.clone();
                trials.push(Trial::test(case.name().to_owned(), move || {
                    let runner = runner
                        .get_or_init(|| Runner::locate().map_err(|e| e.to_string()))
                        .as_ref()
                        .map_err(|e| Failed::from(e.clone()))?;
                    let report = runner.run(&case);
                    if !report.passed() {
                        return Err(Failed::from(format!(
                            "{}\n{}",
                            report.failure_text(),
                            snapshot_text(&report, &report.redactions)
                        )));
                    }
                    let mut settings = insta::Settings::clone_current();
                    settings
                        .set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"));
                    settings.set_prepend_module_to_snapshot(false);
                    settings.set_description(report.story.clone());
                    settings.set_omit_expression(true);
                    settings.bind(|| {
                        insta::assert_snapshot!(
                            report.name.clone(),
                            snapshot_text(&report, &report.redactions)
                        );
                    });
                    Ok(())
                }));
            }
        }
    }
    libtest_mimic::run(&args, trials).exit_code()
}
