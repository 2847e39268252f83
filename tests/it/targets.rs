//! Vendor mode end to end: a `mock-ra serve` started as a separate process
//! is a complete target, `harness run --target` runs the catalogue against
//! it with the same outcome at every step as in-process, `harness drift`
//! names what a target that keeps its own policy does differently, a
//! target without capabilities skips (never passes) what it cannot show,
//! and a dead target is named at once.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn harness(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("the harness binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A `mock-ra serve` process; killed when dropped.
struct Served {
    child: Child,
    profile: PathBuf,
    /// The ready line (JSON).
    ready: Value,
    _dir: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `mock-ra serve --write-target` with `extra` arguments and waits
/// for its ready line and its profile.
fn serve(extra: &[&str], world: Option<&str>) -> Served {
    let bin = harness::process::locate_binary("mock-ra", "mock-ra", "MOCK_RA_BIN")
        .expect("mock-ra is built");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let profile = dir.path().join("target.toml");
    let mut cmd = Command::new(bin);
    cmd.arg("serve")
        .arg("--state-dir")
        .arg(dir.path().join("ra"))
        .arg("--write-target")
        .arg(&profile)
        .args(extra);
    if let Some(world) = world {
        let path = dir.path().join("world.toml");
        std::fs::write(&path, world).expect("the world file is written");
        cmd.arg("--world").arg(path);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("mock-ra serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout is piped"))
        .read_line(&mut line)
        .expect("the ready line is read");
    assert!(line.contains("\"admin\""), "not a ready line: {line}");
    let ready: Value = serde_json::from_str(&line).expect("the ready line is JSON");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(&profile).is_ok_and(|t| t.contains("[admin]")) {
        assert!(Instant::now() < deadline, "no target profile written");
        std::thread::sleep(Duration::from_millis(20));
    }
    Served {
        child,
        profile,
        ready,
        _dir: dir,
    }
}

/// `harness run --json` with `args`, its reports by case name.
fn run_json(args: &[&str], dir: &Path, tag: &str) -> (Output, Vec<Value>) {
    let json = dir.join(format!("{tag}.json"));
    let json_arg = json.to_str().expect("a UTF-8 path");
    let mut all = vec!["run", "--json", json_arg];
    all.extend_from_slice(args);
    let out = harness(&all);
    let report: Value = std::fs::read_to_string(&json)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| panic!("{tag}: no JSON report\n{}", text(&out.stderr)));
    assert_eq!(report["schema"], "harness-run/1");
    let cases = report["cases"].as_array().cloned().unwrap_or_default();
    (out, cases)
}

/// What a step shows that must be the same wherever the RA runs: the exit
/// code, a request's status, and the journal's status, class and cause.
fn outcomes(report: &Value) -> Vec<String> {
    report["steps"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .map(|s| {
                    let journal: Vec<String> = s["journal"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|l| l.as_str())
                        .filter(|l| !l.starts_with("admin "))
                        .map(|l| l.split(" -> ").nth(1).unwrap_or(l).to_owned())
                        .map(|l| l.split(" cert ").next().unwrap_or(&l).to_owned())
                        .collect();
                    format!(
                        "exit {} status {} journal {journal:?}",
                        s["exit"], s["status"]
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_served_mock_is_a_target_with_the_same_outcome_at_every_step() {
    let served = serve(&[], None);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let profile = served.profile.to_str().expect("a UTF-8 path");
    let (local_out, local) = run_json(&[], dir.path(), "in-process");
    let (remote_out, remote) = run_json(&["--target", profile], dir.path(), "target");
    assert_eq!(
        remote_out.status.code(),
        Some(0),
        "{}{}",
        text(&remote_out.stdout),
        text(&remote_out.stderr)
    );
    assert_eq!(
        local_out.status.code(),
        Some(0),
        "{}",
        text(&local_out.stdout)
    );
    let cases = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios/")
        .filter_map(Result::ok)
        .filter(|e| {
            let p = e.path();
            p.extension().is_some_and(|x| x == "toml")
                && !["behaviours", "pending"]
                    .contains(&p.file_stem().and_then(|s| s.to_str()).unwrap_or(""))
        })
        .count();
    assert_eq!(remote.len(), cases, "every case ran against the target");
    assert_eq!(local.len(), remote.len());
    for (l, r) in local.iter().zip(&remote) {
        assert_eq!(l["name"], r["name"]);
        assert_eq!(r["outcome"]["result"], "passed", "{}: {r}", r["name"]);
        assert_eq!(
            outcomes(l),
            outcomes(r),
            "{}: the steps differ between in-process and the target",
            l["name"]
        );
        assert!(!outcomes(r).is_empty(), "{}: no step recorded", r["name"]);
    }
}

#[test]
fn drift_names_the_case_a_target_with_its_own_lock_threshold_answers_differently() {
    let served = serve(&["--keep-policy"], Some("[policy]\nlock_threshold = 5\n"));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let json = dir.path().join("drift.json");
    let html = dir.path().join("drift.html");
    let out = harness(&[
        "drift",
        "--target",
        served.profile.to_str().expect("a UTF-8 path"),
        "--json",
        json.to_str().expect("a UTF-8 path"),
        "--html",
        html.to_str().expect("a UTF-8 path"),
        "e550a-password-locked",
        "renew-expired-basic",
        "password-lock-threshold-minus-one",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("drift.json")).expect("JSON");
    assert_eq!(report["schema"], "harness-drift/1");
    assert_eq!(report["summary"]["drifted"], 1, "{report:#}");
    let cases = report["cases"].as_array().expect("cases");
    let locked = cases
        .iter()
        .find(|c| c["case"] == "e550a-password-locked")
        .expect("the locked case is in the report");
    let fields: Vec<(u64, &str)> = locked["differences"]
        .as_array()
        .expect("differences")
        .iter()
        .map(|d| {
            (
                d["step"].as_u64().unwrap_or(99),
                d["field"].as_str().unwrap_or(""),
            )
        })
        .collect();
    // The fourth attempt, with the right password, is not locked out.
    assert!(fields.contains(&(4, "exit")), "{fields:?}");
    assert!(fields.contains(&(4, "journal")), "{fields:?}");
    let exit = locked["differences"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["field"] == "exit"))
        .expect("the exit difference");
    assert_eq!(
        (exit["reference"].as_str(), exit["target"].as_str()),
        (Some("5"), Some("0"))
    );
    for same in ["renew-expired-basic", "password-lock-threshold-minus-one"] {
        let c = cases
            .iter()
            .find(|c| c["case"] == same)
            .expect("in the report");
        assert_eq!(
            c["differences"],
            serde_json::json!([]),
            "{same} drifted: {c}"
        );
    }
    assert!(
        stdout.contains("e550a-password-locked") && stdout.contains("DRIFT"),
        "{stdout}"
    );
    let page = std::fs::read_to_string(&html).expect("drift.html");
    assert!(
        page.contains("id=\"e550a-password-locked\"")
            && !page.contains("id=\"renew-expired-basic\"")
    );

    // Accepted, the same deviation stays in the report and the run passes.
    let accept = dir.path().join("accepted.toml");
    std::fs::write(
        &accept,
        "[[accept]]\ncase = \"e550a-password-locked\"\nreason = \"this RA locks after 5 failures\"\n",
    )
    .expect("accepted.toml");
    let out = harness(&[
        "drift",
        "--target",
        served.profile.to_str().expect("a UTF-8 path"),
        "--accept",
        accept.to_str().expect("a UTF-8 path"),
        "e550a-password-locked",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("(accepted: this RA locks after 5 failures)"),
        "{stdout}"
    );
}

#[test]
fn a_target_without_capabilities_skips_what_it_cannot_show_and_never_passes_it() {
    let served = serve(&[], None);
    // The same server, offering only provider states.
    let full = std::fs::read_to_string(&served.profile).expect("the profile");
    let bare = full
        .lines()
        .map(|l| match l.split_once(" = ") {
            Some((k @ ("journal" | "accounts" | "clock" | "faults"), _)) => format!("{k} = false"),
            _ => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(bare, full);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let profile = dir.path().join("bare.toml");
    std::fs::write(&profile, bare).expect("bare.toml");
    let junit = dir.path().join("junit.xml");
    let (out, reports) = run_json(
        &[
            "--target",
            profile.to_str().expect("a UTF-8 path"),
            "--junit",
            junit.to_str().expect("a UTF-8 path"),
        ],
        dir.path(),
        "bare",
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let by = |result: &str| {
        reports
            .iter()
            .filter(|r| r["outcome"]["result"] == result)
            .count()
    };
    assert_eq!(by("failed") + by("invalid"), 0, "{stdout}");
    assert!(by("passed") > 0, "{stdout}");
    // A case whose every step waits on a fault or the clock is skipped.
    assert!(by("skipped") > 0, "{stdout}");
    let mut needs = std::collections::BTreeSet::new();
    for r in &reports {
        for s in r["skipped"].as_array().into_iter().flatten() {
            needs.insert(s["needs"].as_str().unwrap_or("").to_owned());
        }
    }
    for cap in ["journal", "accounts", "faults", "clock"] {
        assert!(
            needs.iter().any(|n| n.contains(cap)),
            "no skip needs {cap}: {needs:?}"
        );
    }
    // Skipped expectations are never counted as passed.
    let basic = reports
        .iter()
        .find(|r| r["name"] == "e550a-wrong-password")
        .expect("e550a-wrong-password ran");
    assert!(
        basic["skipped"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s["needs"] == "journal")),
        "{basic}"
    );
    let xml = std::fs::read_to_string(&junit).expect("junit.xml");
    assert!(xml.contains("<skipped message="), "{xml}");
}

#[test]
fn a_target_that_does_not_answer_is_named_in_bounded_time() {
    // A port that was just free: nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("web-root.pem"), "").expect("web-root.pem");
    let profile = dir.path().join("dead.toml");
    std::fs::write(
        &profile,
        format!(
            "name = \"dead\"\n[hosts]\nwebra2 = \"127.0.0.1:{port}\"\nwebra1 = \"127.0.0.1:{port}\"\n\
             repo1 = \"127.0.0.1:{port}\"\nrepository = \"127.0.0.1:{port}\"\n\
             [trust]\nweb_root = \"web-root.pem\"\nclient_root_sha1 = \"{}\"\n\
             [timeouts]\nconnect_ms = 500\n",
            "0".repeat(40)
        ),
    )
    .expect("dead.toml");
    let started = Instant::now();
    let out = harness(&["run", "--target", profile.to_str().expect("a UTF-8 path")]);
    let took = started.elapsed();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "target host webra2 (127.0.0.1:{port}) does not answer"
        )),
        "{stderr}"
    );
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert!(out.stdout.is_empty(), "ran cases: {}", text(&out.stdout));
}

#[test]
fn a_target_without_states_runs_the_cases_its_provisioned_identities_fit_and_never_shows_their_password()
 {
    const SECRET: &str = "Vendor-secret-7Qx";
    let served = serve(
        &[],
        Some(&format!(
            "[[account]]\nid = \"acme\"\ncn = \"ACME Trading acme\"\npassword = \"{SECRET}\"\n\
             [[account.certificate]]\nexpires = \"-10d\"\n"
        )),
    );
    let ra = served
        .profile
        .parent()
        .expect("the state dir's parent")
        .join("ra");
    let id = ra.join("identities/acme");
    let full = std::fs::read_to_string(&served.profile).expect("the profile");
    // The same hosts, no capabilities, no admin API: a vendor's server as
    // the customer sees it, with one account provisioned by hand.
    let hosts_and_trust: String = full
        .split("\n[proxy]")
        .next()
        .expect("the profile's head")
        .to_owned();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let profile = dir.path().join("provisioned.toml");
    std::fs::write(
        &profile,
        format!(
            "{hosts_and_trust}\n\n[[identity]]\nname = \"acme\"\ncert = \"{}\"\nkey = \"{}\"\n\
             chain = \"{}\"\npassword_env = \"VENDOR_ACME_PASSWORD\"\n",
            id.join("cert.pem").display(),
            id.join("key.pem").display(),
            id.join("chain.pem").display()
        ),
    )
    .expect("provisioned.toml");
    let json = dir.path().join("run.json");
    let out = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["run", "--jobs", "1", "--target"])
        .arg(&profile)
        .arg("--json")
        .arg(&json)
        .args([
            "e550a-wrong-password",
            "renew-expired-basic",
            "e550a-password-locked",
            "renew-boundary-89d23h59m",
        ])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env("VENDOR_ACME_PASSWORD", SECRET)
        .output()
        .expect("the harness runs");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    let written = std::fs::read_to_string(&json).expect("run.json");
    for shown in [&stdout, &stderr, &written] {
        assert!(!shown.contains(SECRET), "the password was shown:\n{shown}");
    }
    let report: Value = serde_json::from_str(&written).expect("JSON");
    let result = |name: &str| {
        report["cases"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["name"] == name))
            .map(|c| {
                (
                    c["outcome"]["result"].clone(),
                    c["outcome"]["reason"].clone(),
                )
            })
            .unwrap_or_else(|| panic!("{name} not in the report"))
    };
    // The real password was typed where the case types the account's.
    assert_eq!(result("renew-expired-basic").0, "passed", "{stdout}");
    assert_eq!(result("e550a-wrong-password").0, "passed", "{stdout}");
    // Worlds it cannot give are skipped with the reason, never run.
    let (locked, why) = result("e550a-password-locked");
    assert_eq!(locked, "skipped");
    assert!(why.as_str().is_some_and(|w| w.contains("states")), "{why}");
    let boundary = report["cases"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == "renew-boundary-89d23h59m"))
        .expect("the boundary case");
    assert_eq!(boundary["outcome"]["result"], "skipped");
    assert!(
        boundary["skipped"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s["what"]
                .as_str()
                .is_some_and(|w| w.contains("a certificate ending at now -89d23h59m")))),
        "{boundary}"
    );
}

#[test]
fn the_matrix_runs_against_a_target_with_faults_and_skips_where_it_has_none() {
    let served = serve(&[], None);
    let full = served.profile.to_str().expect("a UTF-8 path");
    let out = harness(&["matrix", "--target", full, "--only", "reset@"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("4 cells: 4 passed, 0 failed"), "{stdout}");

    let bare = std::fs::read_to_string(&served.profile)
        .expect("the profile")
        .replace("faults = true", "faults = false");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let profile = dir.path().join("no-faults.toml");
    std::fs::write(&profile, bare).expect("no-faults.toml");
    let out = harness(&[
        "matrix",
        "--target",
        profile.to_str().expect("a UTF-8 path"),
        "--only",
        "reset@",
    ]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    // Nothing could be checked: that is not a pass.
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("4 cells: 0 passed, 0 failed, 4 skipped"),
        "{stdout}"
    );
    assert!(
        stderr.contains("no cell could be checked against this target"),
        "{stderr}"
    );
}

/// QA's far-clock worlds: with the ready line's own arguments, the real
/// client reaches a mock whose clock is years away from the real one, in
/// either direction (the HTTPS hosts' certificates cover both times).
#[test]
fn the_ready_line_s_arguments_reach_a_mock_with_a_far_clock() {
    let certrenew = harness::runner::Runner::locate()
        .expect("certrenew is built")
        .certrenew;
    for now in ["2031-06-01T00:00:00Z", "2021-06-01T00:00:00Z"] {
        let served = serve(&["--now", now, "--frozen"], None);
        let args: Vec<String> = served.ready["certrenew_args"]
            .as_array()
            .expect("certrenew_args")
            .iter()
            .filter_map(|a| a.as_str().map(str::to_owned))
            .collect();
        assert!(args.iter().any(|a| a == now), "{args:?}");
        let store = tempfile::tempdir().expect("a store directory");
        let out = Command::new(&certrenew)
            .args(&args)
            .arg("--store")
            .arg(store.path())
            .arg("check")
            .env("NO_PROXY", "*")
            .output()
            .expect("certrenew runs");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{now}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
    }
}
