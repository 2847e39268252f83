//! The `harness` binary as QA and CI call it: what it prints and how it
//! exits when given a case name, a path that does not exist, or `list`.

use std::path::Path;
use std::process::{Command, Output};

/// Runs the built `harness` from the workspace root, as the README does.
fn harness(args: &[&str]) -> Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(args)
        .current_dir(root)
        .env("NO_COLOR", "1")
        .output()
        .expect("the harness binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_missing_case_is_named_with_what_to_give_instead() {
    for arg in ["nosuch", "scenarios/nosuch.toml"] {
        let out = harness(&["run", arg]);
        assert_eq!(out.status.code(), Some(1), "{arg}");
        let stderr = text(&out.stderr);
        assert_eq!(
            stderr.trim_end(),
            format!(
                "harness: {arg}: no such case file or directory (give a case file, \
                 a directory of them, or a case name from `harness list`)"
            ),
        );
        assert!(
            out.stdout.is_empty(),
            "{arg}: ran something: {}",
            text(&out.stdout)
        );
    }
}

#[test]
fn a_bare_case_name_runs_that_case_from_scenarios() {
    let out = harness(&["run", "e550a-wrong-password"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let row = stdout
        .lines()
        .find(|l| l.starts_with("e550a-wrong-password "))
        .unwrap_or_else(|| panic!("no row for the case:\n{stdout}"));
    assert!(row.contains(" passed "), "{row}");
    assert!(
        stdout.contains("1 cases: 1 passed, 0 failed, 0 pending"),
        "{stdout}"
    );
}

#[test]
fn list_names_every_case_file_and_exits_zero_when_all_is_covered() {
    let out = harness(&["list"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut files = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        if path.extension().is_some_and(|e| e == "toml")
            && !["behaviours", "pending"].contains(&name.as_str())
        {
            files += 1;
            assert!(
                stdout
                    .lines()
                    .any(|l| l.split_whitespace().next() == Some(name.as_str())),
                "{name} not listed:\n{stdout}"
            );
        }
    }
    assert!(files >= 40, "only {files} case files found");
}

#[test]
fn list_shows_each_case_story_and_every_matrix_cell() {
    let out = harness(&["list"]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("A mistyped password: 550 authentication failed"),
        "{stdout}"
    );
    assert!(stdout.contains("matrix cells (100"), "{stdout}");
    assert!(
        stdout
            .lines()
            .any(|l| l.trim_start().starts_with("hang@repo1 ") && l.contains("E115")),
        "{stdout}"
    );
}

#[test]
fn diagnose_answers_in_json_and_exits_1_when_it_can_only_guess() {
    let out = harness(&[
        "diagnose",
        "--output",
        "json",
        "550：証明書ファイルは取得できませんでした. 認証に失敗しました.",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(v["matches"][0]["class"]["id"], "E550A");
    assert_eq!(v["matches"][0]["class"]["exit"], 5);
    assert_eq!(v["matches"][0]["class"]["manual"], "3.3");
    let causes: Vec<&str> = v["matches"][0]["causes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(
        causes.contains(&"password_locked") && causes.contains(&"revoked"),
        "{causes:?}"
    );
    let out = harness(&["diagnose", "証明書が取得できない"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("% sure"),
        "{}",
        text(&out.stdout)
    );
}

/// A case file that holds every key of a world file (`[[customers]]` among
/// them) is valid to `harness list`, passes under `harness run`, and starts
/// under `mock-ra serve --scenario`: the harness and mock-ra read its world
/// with one parser.
#[test]
fn a_case_with_every_world_key_lists_runs_and_starts_under_mock_ra() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("every-world-key.toml");
    std::fs::write(&case, include_str!("../src/case/every-world-key.toml")).unwrap();
    let case_arg = case.to_str().unwrap();

    let out = harness(&["list", dir.path().to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("every-world-key  D1.2") && !stdout.contains("INVALID"),
        "{stdout}{}",
        text(&out.stderr)
    );

    let out = harness(&["run", case_arg]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("1 cases: 1 passed, 0 failed, 0 pending"),
        "{stdout}"
    );

    let mock_ra = harness::process::locate_binary("mock-ra", "mock-ra", "MOCK_RA_BIN").unwrap();
    let state = dir.path().join("state");
    let mut child = Command::new(mock_ra)
        .args(["serve", "--scenario", case_arg, "--state-dir"])
        .arg(&state)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(std::time::Duration::from_secs(60));
    let _ = child.kill();
    let _ = child.wait();
    let line = line.expect("mock-ra printed its ready line");
    let ready: serde_json::Value = serde_json::from_str(&line).expect("the ready line is JSON");
    assert_eq!(ready["event"], "ready", "{line}");
    assert_eq!(ready["clock"], "2026-11-25T00:00:00Z", "{line}");
    assert_eq!(ready["fault_seed"], 42, "{line}");
    assert_eq!(
        ready["faults"],
        serde_json::json!(["repository-status"]),
        "{line}"
    );
}
