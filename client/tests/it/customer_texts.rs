//! What the customer reads when no server is involved, with the built
//! binary: JSON for every usage error, the password that must come from
//! stdin without a terminal, read-only commands that never create a store,
//! the help text, and a result that cannot be written. Every line a
//! Japanese customer sees during a renewal, English and JSON details,
//! progress lines, and the classes and remedies of `verify`, `import`,
//! `list`, `export` and `roots` are the harness's end-to-end tests against
//! the real mock (`tests/it/client_texts.rs` in the harness crate).

use std::path::Path;
use std::process::{Command, Output, Stdio};

const USAGE_JA: &str = "コマンドの指定が正しくありません。";

/// A port nothing listens on: every host is mapped there, so a run that
/// went on to the network by mistake fails on loopback, not on the
/// vendor's real hosts.
fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// `--store`, every host mapped to a dead port, then the command.
fn cmd(store: &Path, rest: &[&str]) -> Vec<String> {
    let mut a = vec!["--store".to_owned(), store.display().to_string()];
    let port = dead_port();
    for (host, p) in [
        ("webra2.secomtrust.net", 443),
        ("webra1.secomtrust.net", 443),
        ("repo1.secomtrust.net", 80),
        ("repository.secomtrust.net", 80),
    ] {
        a.push("--connect-to".to_owned());
        a.push(format!("{host}:{p}:127.0.0.1:{port}"));
    }
    a.extend(rest.iter().map(|s| (*s).to_owned()));
    a
}

/// Runs the built `certrenew` with `args`, writing `stdin` to it.
fn certrenew(args: &[String], stdin: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_certrenew"));
    for var in [
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "https_proxy",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env_remove(var);
    }
    let mut child = cmd
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut i = child.stdin.take().unwrap();
        let _ = i.write_all(stdin.as_bytes());
    }
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

/// The class message of a failure: the first stderr line.
fn failure_message(o: &Output) -> Option<String> {
    stderr(o).lines().next().map(str::to_owned)
}

#[test]
fn usage_errors_are_json_with_output_json() {
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    for (args, arg) in [
        (vec!["--output", "json", "renew", "--bogus"], "--bogus"),
        (
            vec!["--output=json", "--timeout", "0", "check"],
            "--timeout",
        ),
        (
            vec!["renew", "--select", "x", "--all", "--output", "json"],
            "--select",
        ),
        (
            vec!["--output", "json", "--proxy", "not a url", "check"],
            "--proxy",
        ),
        (
            vec!["--output", "json", "--proxy", "ftp://proxy:21", "check"],
            "--proxy",
        ),
    ] {
        let out = certrenew(&cmd(&store, &args), "");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let v = json(&out);
        assert_eq!(v["class"], "EUSAGE", "{args:?}");
        assert_eq!(v["exit_code"], 2);
        assert_eq!(v["message"], USAGE_JA);
        assert!(
            v["details"]["argument"].as_str().unwrap().contains(arg),
            "{v}"
        );
        assert!(!v["details"]["error"].as_str().unwrap().is_empty());
    }
    // Text: the class message and a Japanese detail; English with --lang en.
    let out = certrenew(&cmd(&store, &["renew", "--bogus"]), "");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(failure_message(&out).as_deref(), Some(USAGE_JA));
    assert!(stderr(&out).contains("--bogus"), "{}", stderr(&out));
    let out = certrenew(&cmd(&store, &["--lang", "en", "renew", "--bogus"]), "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unexpected argument '--bogus'"));
    // A malformed proxy is a usage error, not E115 with antivirus advice.
    let out = certrenew(&cmd(&store, &["--proxy", "not a url", "check"]), "");
    assert_eq!(out.status.code(), Some(2));
    assert!(!stderr(&out).contains("ウイルス対策"), "{}", stderr(&out));
    // --help still prints help, exit 0.
    let out = certrenew(&["--output".into(), "json".into(), "--help".into()], "");
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("Usage: certrenew"));
}

#[test]
fn read_only_commands_never_create_a_store() {
    let work = tempfile::tempdir().unwrap();
    let typo = work.path().join("typo");
    let typo_s = typo.display().to_string();
    for args in [
        vec!["list", "--offline"],
        vec!["verify"],
        vec![
            "export",
            "--select",
            "01",
            "--out",
            "x.p12",
            "--passphrase-stdin",
        ],
    ] {
        let out = certrenew(&cmd(&typo, &args), "x\n");
        assert_eq!(out.status.code(), Some(4), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("証明書ストア {typo_s} がありません")),
            "{}",
            stderr(&out)
        );
        assert!(!typo.exists(), "{args:?} created the store");
    }
    let out = certrenew(&cmd(&typo, &["renew", "--password-stdin", "--yes"]), "p\n");
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(!typo.exists());
    let out = certrenew(&cmd(&typo, &["roots"]), "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!typo.exists());
    // The default store is named when --store points elsewhere.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_certrenew"))
        .args(["--store", &typo_s, "list", "--offline"])
        .env("HOME", work.path())
        .env_remove("XDG_DATA_HOME")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    if cfg!(all(unix, not(target_os = "macos"))) {
        assert!(
            stderr(&out).contains("既定のストア: ~/.local/share/certrenew"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn help_teaches_what_works() {
    let out = certrenew(&["--help".to_owned()], "");
    let help = stdout(&out);
    // No password in an environment variable.
    assert!(!help.contains("$PASSWORD"), "{help}");
    assert!(
        help.contains("--password-stdin --yes < ~/.certrenew-pass"),
        "{help}"
    );
    assert!(help.contains("install -m 600"), "{help}");
    // All four hosts, repo1 and repository each on its own port.
    for host in [
        "webra2.secomtrust.net:443:127.0.0.1:40123",
        "webra1.secomtrust.net:443:127.0.0.1:40124",
        "repo1.secomtrust.net:80:127.0.0.1:40125",
        "repository.secomtrust.net:80:127.0.0.1:40126",
    ] {
        assert!(help.contains(host), "{host} missing:\n{help}");
    }
    // --danger-now says it changes what is valid, and why that is dangerous.
    let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("also the validation of chains and CRLs"),
        "{help}"
    );
    // The range the parser enforces is the range it states.
    let out = certrenew(&["--timeout".into(), "0".into(), "check".into()], "");
    assert_eq!(out.status.code(), Some(2));
    let out = certrenew(
        &[
            "--lang".into(),
            "en".into(),
            "--timeout".into(),
            "0".into(),
            "check".into(),
        ],
        "",
    );
    assert!(
        stderr(&out).contains("more than 0 and less than 86400"),
        "{}",
        stderr(&out)
    );
    let out = certrenew(&["renew".to_owned(), "--help".to_owned()], "");
    assert!(!stdout(&out).contains("$PASSWORD"), "{}", stdout(&out));
}

/// Exit 1 (EINTERNAL): the result cannot be written, here because stdout is
/// a full disk. The reason is said in the customer's language, and nothing
/// is retried or half-written.
#[cfg(target_os = "linux")]
#[test]
fn a_result_that_cannot_be_written_exits_1_and_says_why() {
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    for (lang, expected) in [
        (
            "ja",
            "certrenew: 結果を出力できませんでした (ディスクの空き容量が不足しています)。",
        ),
        (
            "en",
            "certrenew: writing the result failed: No space left on device (os error 28)",
        ),
    ] {
        let full = std::fs::File::create("/dev/full").unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_certrenew"))
            .args(["--lang", lang, "--store"])
            .arg(&store)
            .args(["--output", "json", "list", "--offline"])
            .stdout(full)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
            .wait_with_output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{lang}: {}", stderr(&out));
        assert_eq!(stderr(&out).trim_end(), expected, "{lang}");
        assert!(!store.exists(), "{lang}: a read-only command made a store");
    }
}

#[test]
fn without_a_terminal_the_password_must_come_from_stdin() {
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    let out = certrenew(&cmd(&store, &["renew", "--yes"]), "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--password-stdin"),
        "{}",
        stderr(&out)
    );
    // Refused before anything: no store, so no login either.
    assert!(!store.exists());
}
