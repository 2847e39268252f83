//! `harness repro`: the script written for every case of the catalogue,
//! run with bash, ends each step as `harness run` does (the same exit
//! code for certrenew steps, the same status for requests, admin and clock
//! calls carried out), and leaves no mock running.

use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use harness::case::{Case, StepKind};
use harness::catalogue::Catalogue;
use harness::process::{locate_binary, run_with_timeout};
use harness::repro::{self, Binaries};
use harness::runner::Runner;

fn expected(case: &Case, runner: &Runner) -> Vec<(usize, String)> {
    let report = runner.run(case);
    report
        .steps
        .iter()
        .zip(&case.steps)
        .enumerate()
        .map(|(i, (record, (_, step)))| {
            let what = match step.kind() {
                StepKind::Certrenew => format!(
                    "exit {}",
                    record.exit.map_or("none".to_owned(), |e| e.to_string())
                ),
                StepKind::Request => format!(
                    "status {}",
                    record.status.map_or("none".to_owned(), |s| s.to_string())
                ),
                StepKind::Clock | StepKind::Admin => "ok".to_owned(),
            };
            (i + 1, what)
        })
        .collect()
}

#[test]
fn the_script_of_every_case_ends_each_step_as_harness_run_does() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let cat = Catalogue::load(&dir).expect("the catalogue loads");
    let runner = Runner::locate().expect("certrenew is built");
    let bins = Binaries {
        mock_ra: locate_binary("mock-ra", "mock-ra", "MOCK_RA_BIN").expect("mock-ra is built"),
        certrenew: runner.certrenew.clone(),
    };
    let only = std::env::var("REPRO_ONLY").ok();
    let cases: Vec<&Case> = cat
        .cases
        .iter()
        .flatten()
        .filter(|c| !cat.pending.contains_key(c.name()))
        .filter(|c| only.as_deref().is_none_or(|o| c.name().contains(o)))
        .collect();
    assert!(!cases.is_empty());
    let work = tempfile::tempdir().unwrap();
    let queue = Mutex::new(cases.clone());
    let mismatches = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                loop {
                    let Some(case) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    let want = expected(case, &runner);
                    let text = match repro::script(case, &bins) {
                        Ok(t) => t,
                        Err(e) => {
                            mismatches
                                .lock()
                                .unwrap()
                                .push(format!("{}: {e}", case.name()));
                            continue;
                        }
                    };
                    let path = work.path().join(format!("{}.sh", case.name()));
                    repro::write_script(&path, &text).unwrap();
                    let mut cmd = Command::new("bash");
                    cmd.arg(&path);
                    let run = run_with_timeout(cmd, None, Duration::from_secs(180));
                    let got = repro::step_results(&run.stdout);
                    if got != want || run.timed_out {
                        mismatches.lock().unwrap().push(format!(
                            "{}: harness run {want:?}, script {got:?}{}\n{}",
                            case.name(),
                            if run.timed_out { " (timed out)" } else { "" },
                            run.stderr
                                .lines()
                                .rev()
                                .take(8)
                                .collect::<Vec<_>>()
                                .join("\n")
                        ));
                    }
                    // The mock the script started is gone: its admin port refuses.
                    let admin = text
                        .lines()
                        .find_map(|l| l.strip_prefix("ADMIN=http://"))
                        .unwrap_or_default()
                        .to_owned();
                    if std::net::TcpStream::connect(&admin).is_ok() {
                        mismatches.lock().unwrap().push(format!(
                            "{}: the mock still answers on {admin}",
                            case.name()
                        ));
                    }
                }
            });
        }
    });
    let mismatches = mismatches.into_inner().unwrap();
    assert!(
        mismatches.is_empty(),
        "{} of {} cases differ:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches.join("\n\n")
    );
}
