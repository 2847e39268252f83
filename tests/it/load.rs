//! `harness load` as CI calls it: a season of customers renews through the
//! in-process mock with the client's protocol code; the JSON report says
//! how many renewed, the per-phase percentiles, and that every order was
//! issued exactly once. Faults of the world apply under load.

use std::path::Path;
use std::process::{Command, Output};

fn harness(args: &[&str]) -> Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(args)
        .current_dir(root)
        .output()
        .expect("the harness binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("the report is written"))
        .expect("the report is JSON")
}

#[test]
fn a_season_renews_every_customer_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let out_json = dir.path().join("out.json");
    let out_html = dir.path().join("out.html");
    let out = harness(&[
        "load",
        "--customers",
        "300",
        "--concurrency",
        "16",
        "--json",
        out_json.to_str().unwrap(),
        "--html",
        out_html.to_str().unwrap(),
        "--fail-if",
        "errors>0",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("300 renewals in"), "{stdout}");
    assert!(
        stdout.contains("exactly once: ok (300 orders fetched once, 300 renewals in the ledger)"),
        "{stdout}"
    );
    let r = json(&out_json);
    assert_eq!(r["schema"], "harness-load/1");
    assert_eq!(r["renewals"], 300);
    assert_eq!(r["errors"], serde_json::json!({}));
    assert_eq!(r["exactly_once"]["ok"], true);
    assert_eq!(r["exactly_once"]["ledger_renewals"], 300);
    for phase in ["handshake", "login", "issuance", "chain"] {
        let p = &r["phases_ms"][phase];
        assert_eq!(p["count"], 300, "{phase}");
        let (p50, p99, max) = (
            p["p50"].as_f64().unwrap(),
            p["p99"].as_f64().unwrap(),
            p["max"].as_f64().unwrap(),
        );
        assert!(0.0 < p50 && p50 <= p99 && p99 <= max, "{phase}: {p}");
        assert!(!r["hdr"][phase].as_str().unwrap().is_empty(), "{phase}");
    }
    let html = std::fs::read_to_string(&out_html).unwrap();
    assert!(
        html.contains("aria-label='latency over time'")
            && html.contains("aria-label='latency histogram'")
    );
    assert!(
        !html.contains("<script"),
        "no script, no CDN: inline SVG only"
    );
    // The same season again, compared with the first run.
    let again = harness(&[
        "load",
        "--customers",
        "50",
        "--concurrency",
        "4",
        "--no-chain",
        "--baseline",
        out_json.to_str().unwrap(),
        "--fail-if",
        "p50>1ms",
    ]);
    let stdout = text(&again.stdout);
    assert!(stdout.contains("against the baseline:"), "{stdout}");
    assert!(stdout.contains("renewals/s"), "{stdout}");
    // No renewal takes under a millisecond here: the condition holds, exit 1.
    assert_eq!(again.status.code(), Some(1), "{stdout}");
    assert!(
        text(&again.stderr).contains("harness load: fail: p50 is"),
        "{}",
        text(&again.stderr)
    );
}

#[test]
fn faults_of_the_world_apply_under_load() {
    let dir = tempfile::tempdir().unwrap();
    let world = dir.path().join("season.toml");
    std::fs::write(
        &world,
        "[[customers]]\ncount = 20\nid = \"c{n:03}\"\npassword = \"pw-{n}\"\n\
         expires_from = \"-30d\"\n\n\
         [[fault]]\nhost = \"webra2\"\nkind = \"status\"\nstatus = 503\ntimes = 3\n",
    )
    .unwrap();
    let out_json = dir.path().join("out.json");
    let out = harness(&[
        "load",
        "--world",
        world.to_str().unwrap(),
        "--customers",
        "20",
        "--concurrency",
        "1",
        "--json",
        out_json.to_str().unwrap(),
        "--fail-if",
        "errors>0",
    ]);
    let stdout = text(&out.stdout);
    // The first three logins meet the fault; the other customers renew.
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let r = json(&out_json);
    assert_eq!(r["renewals"], 17, "{stdout}");
    assert_eq!(
        r["errors"],
        serde_json::json!({"status 503": 3}),
        "{stdout}"
    );
    // Those three orders stay ready: exactly once still holds.
    assert_eq!(r["exactly_once"]["ok"], true, "{stdout}");
    assert_eq!(r["exactly_once"]["ledger_renewals"], 17);
    let bad = harness(&["load", "--customers", "10", "--fail-if", "p99>>3"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad.stderr).contains("--fail-if `p99>>3`"),
        "{}",
        text(&bad.stderr)
    );
}

/// A target profile with provider states (a served mock here) takes the
/// season through its state-change endpoint; the load runs against that
/// state and checks exactly-once there, and the state is torn down after.
#[test]
fn a_season_runs_against_a_target_profile_with_states() {
    use std::io::BufRead;
    let bin = harness::process::locate_binary("mock-ra", "mock-ra", "MOCK_RA_BIN")
        .expect("mock-ra is built");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let profile = dir.path().join("target.toml");
    let mut child = std::process::Command::new(bin)
        .arg("serve")
        .arg("--state-dir")
        .arg(dir.path().join("ra"))
        .arg("--write-target")
        .arg(&profile)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("mock-ra serve starts");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the ready line");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !std::fs::read_to_string(&profile).is_ok_and(|t| t.contains("[admin]")) {
        assert!(std::time::Instant::now() < deadline, "no profile written");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out_json = dir.path().join("load.json");
    let out = harness(&[
        "load",
        "--target",
        profile.to_str().expect("UTF-8"),
        "--customers",
        "40",
        "--concurrency",
        "4",
        "--json",
        out_json.to_str().expect("UTF-8"),
    ]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    let r = json(&out_json);
    assert_eq!(r["renewals"], 40, "{stdout}");
    assert_eq!(r["exactly_once"]["ok"], true, "{stdout}");
    assert_eq!(r["exactly_once"]["ledger_renewals"], 40);
    assert!(!stderr.contains("not torn down"), "{stderr}");

    // A profile without states is refused with what to do.
    let bare = dir.path().join("bare.toml");
    std::fs::write(
        &bare,
        std::fs::read_to_string(&profile)
            .expect("the profile")
            .replace("states = true", "states = false"),
    )
    .expect("bare.toml");
    let out = harness(&[
        "load",
        "--target",
        bare.to_str().expect("UTF-8"),
        "--customers",
        "5",
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("offers no provider states"), "{stderr}");
}
