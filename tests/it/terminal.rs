//! The interactive paths through a real pseudo-terminal, against the real
//! mock: the password typed without echo (D4.1), the その他 list answered
//! by number (D4.2) and the root question answered y (D4.5). python3's
//! `pty` module runs the built binary as the session leader of a new
//! terminal, waits for each prompt and types the answer; everything the
//! binary writes comes back through the terminal. A run that stops
//! answering is killed at a deadline, so a prompt that never returns fails
//! the test instead of hanging it.

// Test code: a panic is a failed test, which is what an unwrap means.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::*;
use harness::process::clean_env;
use mock_ra::OrderState;

/// Runs `argv` on a new pseudo-terminal; for each `(prompt, answer)` in
/// order, waits until `prompt` has been written and then types `answer`.
/// An answer to a prompt ending in a password marker is typed only once
/// the terminal's echo is off (as a person would see no echo), so an
/// echoed password would show in the output.
/// Prints one JSON object: the exit code (or `null`), everything written
/// to the terminal, how many prompts were answered, and whether the
/// deadline killed the run.
const PTY_DRIVER: &str = r#"
import json, os, pty, select, signal, sys, termios, time
cfg = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execv(cfg["argv"][0], cfg["argv"])
out = b""
seen = 0
answered = 0
timed_out = False
deadline = time.time() + cfg["timeout"]
while True:
    if answered < len(cfg["steps"]):
        prompt, answer = cfg["steps"][answered]
        at = out.find(prompt.encode(), seen)
        quiet = not prompt.endswith(cfg["secret_marker"]) or not (termios.tcgetattr(fd)[3] & termios.ECHO)
        if at >= 0 and quiet:
            seen = at + len(prompt.encode())
            os.write(fd, answer.encode())
            answered += 1
            continue
    left = deadline - time.time()
    if left <= 0:
        timed_out = True
        os.kill(pid, signal.SIGKILL)
        break
    ready, _, _ = select.select([fd], [], [], min(left, 0.2))
    if ready:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
_, status = os.waitpid(pid, 0)
code = None if timed_out else os.waitstatus_to_exitcode(status)
print(json.dumps({"exit": code, "output": out.decode("utf-8", "replace"),
                  "answered": answered, "timed_out": timed_out}))
"#;

struct PtyRun {
    exit: Option<i32>,
    output: String,
    answered: usize,
    timed_out: bool,
}

async fn on_a_terminal(args: Vec<String>, steps: &[(&str, &str)], limit: Duration) -> PtyRun {
    let mut argv = vec![certrenew_bin().display().to_string()];
    argv.extend(args);
    let cfg = serde_json::json!({
        "argv": argv,
        "steps": steps,
        "timeout": limit.as_secs_f64(),
        "secret_marker": "パスワード: ",
    })
    .to_string();
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new("python3");
        clean_env(&mut cmd)
            .arg("-c")
            .arg(PTY_DRIVER)
            .arg(cfg)
            .stdin(Stdio::null())
            .output()
            .expect("python3 runs")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "the pty driver failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    PtyRun {
        exit: v["exit"].as_i64().map(|c| c as i32),
        output: v["output"].as_str().unwrap_or_default().to_owned(),
        answered: v["answered"].as_u64().unwrap_or(0) as usize,
        timed_out: v["timed_out"].as_bool().unwrap_or(true),
    }
}

/// A second identity of the same PKI that expired 5 days ago: the newer
/// notBefore, so the dialog's default; it belongs to no account.
const COLLEAGUE: &str = r#"
[[identity]]
name = "colleague"
expires = "-5d"
"#;

/// Imports the world's `colleague` identity; returns its serial.
async fn import_colleague(ra: &Ra, store: &Path) -> String {
    let other = ra.mock.identity("colleague").unwrap();
    let (cert, key, chain) = (
        ra.path("colleague-cert.pem"),
        ra.path("colleague-key.pem"),
        ra.path("colleague-chain.pem"),
    );
    std::fs::write(&cert, other.cert_pem()).unwrap();
    std::fs::write(&key, other.key_pem()).unwrap();
    std::fs::write(&chain, other.chain_pem()).unwrap();
    let out = certrenew(
        &cmd(
            ra,
            store,
            &[
                "import",
                "--cert",
                &cert.display().to_string(),
                "--key",
                &key.display().to_string(),
                "--chain",
                &chain.display().to_string(),
            ],
        ),
        "",
    )
    .await;
    assert_eq!(out.exit, Some(0), "import: {}", out.stderr);
    other.info().unwrap().serial
}

/// How many logins reached webra2.
fn logins(ra: &Ra) -> usize {
    ra.requests_to(mock_ra::protocol::LOGIN_PATH)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_other_choice_and_root_question_are_answered_on_a_terminal() {
    let ra = Ra::with_world(COLLEAGUE).await;
    let (_work, store) = store_with_old(&ra).await;
    let newer = import_colleague(&ra, &store).await;
    let old = ra.old_serial();

    // No --password-stdin, no --yes, no --select: every question is asked.
    let password_line = format!("{PASSWORD}\n");
    let run = on_a_terminal(
        cmd(&ra, &store, &["renew", "--all"]),
        &[
            (
                "ログインパスワード (電子証明書有効期限 28 日前時点のもの): ",
                &password_line,
            ),
            ("(1-2): ", "2\n"),
            ("(y/N): ", "y\n"),
        ],
        Duration::from_secs(60),
    )
    .await;
    assert!(
        !run.timed_out,
        "certrenew stopped answering after {} of 3 prompts:\n{}",
        run.answered, run.output
    );
    assert_eq!(run.answered, 3, "{}", run.output);
    assert_eq!(run.exit, Some(0), "{}", run.output);
    // The list showed both, the newer one first (the default).
    let first = run.output.find(&format!("[1] シリアル番号 {newer}"));
    let second = run.output.find(&format!("[2] シリアル番号 {old}"));
    assert!(first.is_some() && second.is_some(), "{}", run.output);
    // The thumbprint was shown in the manual's groups.
    let grouped = certrenew::cert::group_thumbprint(&certs_gen::info::sha1_hex(
        ra.mock.pki().client_root.der(),
    ))
    .unwrap();
    assert!(
        run.output.contains(&format!("拇印 (sha1): {grouped}")),
        "{}",
        run.output
    );
    assert!(
        run.output
            .contains("証明書の更新とインポートが完了しました。"),
        "{}",
        run.output
    );
    // Typed without echo: the password never shows on the terminal.
    assert!(!run.output.contains(PASSWORD), "{}", run.output);
    // The one chosen (number 2, the account's) logged in and was renewed.
    assert_eq!((logins(&ra), ra.issued_ders().len()), (1, 1));
    assert_eq!(ra.order(), OrderState::Fetched);
    assert_eq!(identity_dirs(&store).len(), 3);
    assert_eq!(std::fs::read_dir(store.join("trust")).unwrap().count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answering_no_on_a_terminal_trusts_nothing() {
    let ra = Ra::start().await;
    let (_work, store) = store_with_old(&ra).await;
    let password_line = format!("{PASSWORD}\n");
    let run = on_a_terminal(
        cmd(&ra, &store, &["renew"]),
        &[
            (
                "ログインパスワード (電子証明書有効期限 28 日前時点のもの): ",
                &password_line,
            ),
            ("(y/N): ", "n\n"),
        ],
        Duration::from_secs(60),
    )
    .await;
    assert!(!run.timed_out, "stopped answering:\n{}", run.output);
    assert_eq!(run.exit, Some(7), "{}", run.output);
    assert!(
        run.output
            .contains("ルート証明書を信頼できないため、処理を中止しました。"),
        "{}",
        run.output
    );
    assert_eq!(std::fs::read_dir(store.join("trust")).unwrap().count(), 0);
    // Asked before the login: declining leaves the order unused.
    assert_eq!((logins(&ra), ra.issued_ders().len()), (0, 0));
    assert_eq!(ra.order(), OrderState::Ready);
}
