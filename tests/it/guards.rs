//! CI guards and pipes: a run that selects nothing fails and says so; a
//! case directory outside `scenarios/` runs from any working directory;
//! no binary of the workspace panics when its reader goes away (`| head`)
//! or its output cannot be written (`> /dev/full`).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use harness::process::locate_binary;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn bin(name: &str, folder: &str, var: &str) -> PathBuf {
    locate_binary(name, folder, var).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn harness_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_harness"))
}

/// Runs `cmd` with its stdout a pipe whose reader has gone away before the
/// first write (what `| head -1` is by the time a long output comes);
/// returns the exit code and stderr.
fn reader_gone(mut cmd: Command) -> (Option<i32>, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    drop(child.stdout.take());
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    let status = child.wait().expect("the binary ends");
    (status.code(), err)
}

/// Runs `cmd` with stdout on /dev/full: every write fails with ENOSPC.
fn into_full_disk(mut cmd: Command) -> (Option<i32>, String) {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full exists on Linux");
    let out = cmd
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .expect("the binary runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn run_and_matrix_that_select_nothing_exit_1_and_say_so() {
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(harness_bin())
        .arg("run")
        .arg(empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no case selected"), "{err}");
    let out = Command::new(harness_bin())
        .args(["matrix", "--only", "no-such-cell"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no matrix cell matches --only no-such-cell"),
        "{err}"
    );
    let out = Command::new(harness_bin())
        .args(["matrix", "--list", "--only", "no-such-cell"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_case_directory_outside_scenarios_runs_from_any_working_directory() {
    let cases = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("scenarios/e550a-wrong-password.toml"),
        cases.path().join("e550a-wrong-password.toml"),
    )
    .unwrap();
    // No behaviours.toml: the ids are checked against the built-in list.
    let out = Command::new(harness_bin())
        .arg("run")
        .arg(cases.path())
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1 cases: 1 passed"), "{stdout}");
    // An unknown id is still an error with the file's line.
    std::fs::write(
        cases.path().join("bad-id.toml"),
        "[case]\nname = \"bad-id\"\nstory = \"s\"\nreproduces = [\"D99.9\"]\n[[step]]\nclock = \"+1d\"\n",
    )
    .unwrap();
    let out = Command::new(harness_bin())
        .arg("run")
        .arg(cases.path().join("bad-id.toml"))
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("bad-id.toml:4:"), "{all}");
}

/// Builds one command afresh (a `Command` runs once).
type MakeCommand = Box<dyn Fn() -> Command>;

#[test]
fn no_binary_panics_when_its_reader_goes_away_or_the_disk_is_full() {
    let certrenew = bin("certrenew", "client", "CERTRENEW_BIN");
    let mock_ra = bin("mock-ra", "mock-ra", "MOCK_RA_BIN");
    let certs_gen = bin("certs-gen", "certs-gen", "CERTS_GEN_BIN");
    let out_dir = tempfile::tempdir().unwrap();
    let commands: Vec<(&str, MakeCommand)> = vec![
        (
            "harness matrix --list",
            Box::new(|| {
                let mut c = Command::new(harness_bin());
                c.args(["matrix", "--list"]);
                c
            }),
        ),
        (
            "harness list",
            Box::new(|| {
                let mut c = Command::new(harness_bin());
                c.arg("list").arg(root().join("scenarios"));
                c
            }),
        ),
        (
            "harness diagnose",
            Box::new(|| {
                let mut c = Command::new(harness_bin());
                c.args(["diagnose", "E550A", "--dir"])
                    .arg(root().join("scenarios"));
                c
            }),
        ),
        (
            "certrenew --help",
            Box::new(move || {
                let mut c = Command::new(&certrenew);
                c.arg("--help");
                c
            }),
        ),
        (
            "mock-ra faults",
            Box::new(move || {
                let mut c = Command::new(&mock_ra);
                c.arg("faults");
                c
            }),
        ),
        (
            "certs-gen",
            Box::new({
                let dir = out_dir.path().to_path_buf();
                move || {
                    let mut c = Command::new(&certs_gen);
                    c.arg("--out").arg(dir.join("pki")).arg("--force");
                    c
                }
            }),
        ),
    ];
    for (name, make) in &commands {
        let (code, err) = reader_gone(make());
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert_eq!(code, Some(0), "{name} | head -1: {err}");
        let (code, err) = into_full_disk(make());
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert_eq!(code, Some(1), "{name} > /dev/full: {err}");
        assert!(
            err.contains("No space left") || err.contains("空き容量"),
            "{name} > /dev/full says why: {err}"
        );
    }
}
