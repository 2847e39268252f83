//! Reports a QA engineer reads without help: a failing run's terminal
//! transcript and HTML mark the failing step and its journal line, show
//! the whole command line as it ran and what admin and clock steps did,
//! and say `expected 6, got 5`; the matrix HTML is a fault-kind x host grid
//! whose cells link to their details, and links to no file.

use std::path::Path;
use std::process::Command;

const FAILING: &str = r#"[case]
name = "wrong-expectation"
story = "A case whose expectation is wrong on purpose: the report must show where."
reproduces = ["E550A"]

[client]
identities = ["acme"]

[[account]]
id = "acme"
cn = "ACME Trading acme"
password = "Acme-2026-pass"

[[account.certificate]]
expires = "-10d"

[[step]]
clock = "+1h"

[[step]]
admin = { action = "set_order", account = "acme", order = "ready" }

[[step]]
certrenew = ["renew", "--yes"]
password = "acme-2026-pass"
[step.expect]
exit = 6
"#;

#[test]
fn a_failing_case_marks_its_step_and_journal_line_and_reads_expected_got() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("wrong-expectation.toml"), FAILING).unwrap();
    let html = dir.path().join("report.html");
    let out = Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("run")
        .arg(dir.path())
        .arg("--html")
        .arg(&html)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("exit: expected 6, got 5"), "{err}");
    assert!(!err.contains("Some("), "{err}");
    assert!(err.contains("[step 3] certrenew renew --yes"), "{err}");
    assert!(err.contains("<-- FAILED"), "{err}");
    assert!(
        err.contains(
            ">>journal: webra2 POST /scira/api/v1/renewal/login -> 403 E550A wrong_password"
        ),
        "{err}"
    );
    // The whole command line, copy-pasteable, the password never in it.
    let line = err
        .lines()
        .find(|l| {
            l.trim_start()
                .starts_with("$ printf '%s\\n' \"$PASSWORD\" | ")
        })
        .unwrap_or_else(|| panic!("no full command line: {err}"));
    for part in [
        "--server-ca",
        "--connect-to",
        "--store",
        "renew --yes --password-stdin",
    ] {
        assert!(line.contains(part), "{line}");
    }
    assert!(!err.contains("acme-2026-pass"), "{err}");
    assert!(
        err.contains("did: POST /clock {\"advance\":\"+1h\"}"),
        "{err}"
    );
    assert!(
        err.contains("did: admin set_order acme ready: done"),
        "{err}"
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("FAILED here"), "{page}");
    assert!(page.contains("<mark>&#x25B6; webra2 POST"), "{page}");
    assert!(page.contains("expected 6, got 5"));
    assert!(!page.contains("acme-2026-pass"));
}

#[test]
fn the_matrix_html_is_a_grid_whose_cells_link_to_their_details() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("matrix.html");
    let out = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["matrix", "--only", "@webra1", "--html"])
        .arg(&html)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<table class=\"grid\">"), "{page}");
    assert!(page.contains("<th>webra1</th>"));
    let links: Vec<&str> = page
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    assert!(links.len() >= 2 * 25, "{}", links.len());
    for link in &links {
        let anchor = link
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("a link to a file: {link}"));
        assert!(
            page.contains(&format!("id=\"{anchor}\"")),
            "no details for {link}"
        );
    }
    assert!(page.contains("href=\"#hang@webra1\""));
}
