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

#[test]
fn a_session_keeps_the_world_up_prints_the_steps_to_paste_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut child = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["repro", "e550a-wrong-password"])
        .current_dir(&root)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pasted = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while out.read_line(&mut line).unwrap_or(0) > 0 {
        let end = line.trim_end() == repro::SESSION_END;
        pasted.push_str(&line);
        line.clear();
        if end {
            break;
        }
    }
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut pids = String::new();
    while err.read_line(&mut pids).unwrap_or(0) > 0 && !pids.contains("this session: PID") {}
    let session_pid: String = pids
        .split("this session: PID ")
        .nth(1)
        .unwrap_or_default()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert!(!session_pid.is_empty(), "{pids}\n{pasted}");
    // The printed commands, pasted into a shell, end as harness run's step.
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &pasted).unwrap();
    let mut cmd = Command::new("bash");
    cmd.arg(file.path());
    let run = run_with_timeout(cmd, None, Duration::from_secs(60));
    assert_eq!(
        repro::step_results(&run.stdout),
        [(1, "exit 5".to_owned())],
        "{pasted}"
    );
    let admin = pasted
        .lines()
        .find_map(|l| l.strip_prefix("ADMIN='http://"))
        .map(|a| a.trim_end_matches('\'').to_owned())
        .unwrap();
    assert!(
        std::net::TcpStream::connect(&admin).is_ok(),
        "the world is up"
    );
    // SIGTERM to the session (a process this test started, by its PID).
    let killed = Command::new("kill")
        .args(["-TERM", &session_pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        std::net::TcpStream::connect(&admin).is_err(),
        "the mock still answers on {admin}"
    );
}
