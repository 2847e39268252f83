//! The `mock-ra` binary: the ready line, the state directory, curl against
//! the running hosts, clean shutdown on SIGTERM, and world-file errors.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::common::serve;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_mock-ra");

fn curl(args: &[&str]) -> (String, String) {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "20", "-w", "\n%{http_code}"])
        .args(args)
        .output()
        .expect("curl must be installed");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
    assert!(
        out.status.success(),
        "curl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (code.to_owned(), body.to_owned())
}

fn port(url: &Value) -> String {
    url.as_str().unwrap().rsplit(':').next().unwrap().to_owned()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn serve_prints_a_ready_line_and_answers_curl_then_stops_on_sigterm() {
    let state = tempfile::tempdir().unwrap();
    let mut served = serve(&["--state-dir", state.path().to_str().unwrap()]);
    let l = served.line.clone();

    assert_eq!(l["event"], "ready");
    for (role, scheme) in [
        ("webra2", "https"),
        ("webra1", "https"),
        ("repo1", "http"),
        ("repository", "http"),
        ("admin", "http"),
        ("proxy", "http"),
    ] {
        let url = l[role].as_str().unwrap();
        assert!(
            url.starts_with(&format!("{scheme}://127.0.0.1:")),
            "{role}: {url}"
        );
    }
    let sha1 = l["client_root_sha1"].as_str().unwrap();
    let groups: Vec<&str> = sha1.split(' ').collect();
    assert!(
        groups.len() == 5
            && groups.iter().all(|g| g.len() == 8
                && g.chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase())),
        "{sha1}"
    );
    assert_eq!(l["state_dir"], state.path().to_str().unwrap());
    let web_root = PathBuf::from(l["web_root_pem"].as_str().unwrap());
    assert!(
        std::fs::read_to_string(&web_root)
            .unwrap()
            .contains("BEGIN CERTIFICATE")
    );
    assert!(
        l["startup_ms"].as_u64().unwrap() < 5_000,
        "{}",
        l["startup_ms"]
    );
    assert!(l["clock"].as_str().unwrap().ends_with('Z'));

    // The demo world: its login and identity directory.
    assert_eq!(l["demo"]["account"], "demo");
    let password = l["demo"]["password"].as_str().unwrap().to_owned();
    let dir = PathBuf::from(l["demo"]["identity"].as_str().unwrap());
    assert_eq!(l["identities"]["demo"], dir.to_str().unwrap());
    for f in ["cert.pem", "key.pem", "chain.pem", "identity.p12"] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    #[cfg(unix)]
    {
        assert_eq!(mode(&dir.join("key.pem")), 0o600);
        assert_eq!(mode(&dir.join("identity.p12")), 0o600);
    }
    let p12 = Command::new("openssl")
        .args(["pkcs12", "-in"])
        .arg(dir.join("identity.p12"))
        .args(["-passin", "pass:changeit", "-nokeys"])
        .output()
        .unwrap();
    assert!(
        p12.status.success(),
        "{}",
        String::from_utf8_lossy(&p12.stderr)
    );

    // certrenew_args: --server-ca, one --connect-to per host, --root-sha1,
    // and no --danger-now on the real clock.
    let args: Vec<&str> = l["certrenew_args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let expected = vec![
        "--server-ca".to_owned(),
        web_root.display().to_string(),
        "--connect-to".into(),
        format!("webra2.secomtrust.net:443:127.0.0.1:{}", port(&l["webra2"])),
        "--connect-to".into(),
        format!("webra1.secomtrust.net:443:127.0.0.1:{}", port(&l["webra1"])),
        "--connect-to".into(),
        format!("repo1.secomtrust.net:80:127.0.0.1:{}", port(&l["repo1"])),
        "--connect-to".into(),
        format!(
            "repository.secomtrust.net:80:127.0.0.1:{}",
            port(&l["repository"])
        ),
        "--root-sha1".into(),
        sha1.replace(' ', "").to_ascii_lowercase(),
    ];
    assert_eq!(args, expected);

    // curl with the demo identity: the confirmation page (expired: ng) and
    // the login (a ticket), under the real hostnames.
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let tls = |host: &str, role: &str| {
        vec![
            "--cacert".to_owned(),
            web_root.display().to_string(),
            "--cert".into(),
            cert.display().to_string(),
            "--key".into(),
            key.display().to_string(),
            "--connect-to".into(),
            format!("{host}:443:127.0.0.1:{}", port(&l[role])),
        ]
    };
    let mut a = tls("webra1.secomtrust.net", "webra1");
    a.push("https://webra1.secomtrust.net/scira/doc/ymfg/".into());
    let (code, body) = curl(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, "403", "{body}");
    assert!(
        body.contains(r#"<meta name="certrenew-confirm" content="ng">"#),
        "{body}"
    );

    let mut a = tls("webra2.secomtrust.net", "webra2");
    let json = format!(r#"{{"password":"{password}"}}"#);
    a.extend([
        "-H".into(),
        "content-type: application/json".into(),
        "--data".into(),
        json,
        "https://webra2.secomtrust.net/scira/api/v1/renewal/login".into(),
    ]);
    let (code, body) = curl(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, "200", "{body}");
    let login: Value = serde_json::from_str(&body).unwrap();
    assert!(login["ticket"].as_str().unwrap().len() >= 32);

    // The admin API shows both requests with their causes.
    let auth = format!(
        "Authorization: Bearer {}",
        l["admin_token"].as_str().unwrap()
    );
    let journal_url = format!("{}/journal", l["admin"].as_str().unwrap());
    let (code, body) = curl(&["-H", &auth, &journal_url]);
    assert_eq!(code, "200", "{body}");
    let causes: Vec<String> = serde_json::from_str::<Value>(&body)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["cause"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(causes, ["confirm_expired", "ticket_issued"]);
    let (code, _) = curl(&[&journal_url]);
    assert_eq!(code, "401");

    // SIGTERM: a clean exit with status 0.
    let kill = Command::new("kill")
        .args(["-TERM", &served.child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = served.child.try_wait().unwrap() {
            break s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "mock-ra did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    // An explicit state directory is kept.
    assert!(dir.join("cert.pem").is_file());
}

#[test]
fn serve_takes_a_case_file_and_its_clock() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("case.toml");
    std::fs::write(
        &case,
        r#"
[case]
name = "case"
story = "x"
reproduces = ["E550A"]

[client]
identities = ["acme"]

[clock]
now = "2026-01-15T09:00:00Z"
frozen = true

[[account]]
id = "acme"
password = "pw"
[[account.certificate]]
expires = "-10d"

[[identity]]
name = "colleague"
expires = "-5d"

[[fault]]
host = "webra2"
kind = "refuse"

[[step]]
certrenew = ["renew", "--yes"]
"#,
    )
    .unwrap();
    let served = serve(&[
        "--scenario",
        case.to_str().unwrap(),
        "--state-dir",
        dir.path().join("state").to_str().unwrap(),
        "--fault-seed",
        "7",
    ]);
    let l = &served.line;
    assert_eq!(l["clock"], "2026-01-15T09:00:00Z");
    // The case's fault is in force before the first connection.
    assert_eq!(l["faults"], serde_json::json!(["webra2-refuse"]));
    assert_eq!(l["fault_seed"], 7);
    assert!(
        l["proxy"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    let webra2 = l["webra2"].as_str().unwrap().trim_start_matches("https://");
    let refused = std::net::TcpStream::connect(webra2).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    assert!(l.get("demo").is_none());
    let args: Vec<&str> = l["certrenew_args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(
        &args[args.len() - 2..],
        ["--danger-now", "2026-01-15T09:00:00Z"]
    );
    let names: Vec<&String> = l["identities"].as_object().unwrap().keys().collect();
    assert_eq!(names, ["acme", "colleague"]);
}

#[test]
fn a_bad_world_file_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[account]]\nid = \"a\"\npasword = \"typo\"\n[[account.certificate]]\nexpires = \"-1d\"\n",
    )
    .unwrap();
    for args in [
        vec!["check".to_owned(), bad.display().to_string()],
        vec![
            "serve".to_owned(),
            "--world".to_owned(),
            bad.display().to_string(),
        ],
    ] {
        let out = Command::new(BIN).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("{}:3:1: unknown field `pasword`", bad.display())),
            "{err}"
        );
        // The line is quoted, but never a password-like value on it.
        assert!(err.contains("  3 | pasword = ***\n"), "{err}");
        assert!(!err.contains("typo"), "{err}");
        assert!(out.stdout.is_empty(), "no ready line on error");
    }
    let out = Command::new(BIN)
        .args(["serve", "--webra2-port", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "usage errors exit 2");
}
