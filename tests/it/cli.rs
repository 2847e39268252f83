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
