//! The interactive paths through a real pseudo-terminal, against the real
//! mock: the password typed without echo (D4.1), the その他 list answered
//! by number (D4.2) and the root question answered y (D4.5). rexpect runs
//! the built binary as the session leader of a new terminal, waits for
//! each prompt and types the answer; everything the binary writes comes
//! back through the terminal. A run that stops
//! answering is killed at a deadline, so a prompt that never returns fails
//! the test instead of hanging it.

// Test code: a panic is a failed test, which is what an unwrap means.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::*;
use harness::process::clean_env;
use mock_ra::OrderState;

/// The end of the password prompt: typed only once the terminal's echo is
/// off.
const SECRET_MARKER: &str = "パスワード: ";

#[derive(Debug)]
struct PtyRun {
    exit: Option<i32>,
    output: String,
    answered: usize,
    timed_out: bool,
}

/// Runs `argv` on a new pseudo-terminal (rexpect; the binary the session
/// leader of its own terminal); for each `(prompt, answer)` in order,
/// waits until `prompt` has been written and then types `answer`. An
/// answer to a prompt ending in [`SECRET_MARKER`] is typed only once the
/// terminal's echo is off (as a person would see no echo), so an echoed
/// password would show in the output. Everything written to the terminal
/// comes back in `output`; a run still waiting at `limit` is killed.
fn drive(argv: Vec<String>, steps: Vec<(String, String)>, limit: Duration) -> PtyRun {
    // rexpect reads the terminal a byte at a time and gives each byte as
    // one char (U+0000-U+00FF): the prompts are looked for in that form,
    // and the output is made UTF-8 again at the end.
    let bytewise = |s: &str| s.bytes().map(char::from).collect::<String>();
    let mut cmd = Command::new(&argv[0]);
    clean_env(&mut cmd).args(&argv[1..]);
    let deadline = Instant::now() + limit;
    let mut p = rexpect::session::spawn_command(cmd, Some(limit.as_millis() as u64)).unwrap();
    let mut output = String::new();
    let mut answered = 0;
    let mut timed_out = false;
    for (prompt, answer) in &steps {
        let wanted = bytewise(prompt);
        match p.exp_string(&wanted) {
            Ok(before) => {
                output.push_str(&before);
                output.push_str(&wanted);
            }
            Err(rexpect::error::Error::Timeout { got, .. }) => {
                output.push_str(&got);
                timed_out = true;
                break;
            }
            Err(rexpect::error::Error::EOF { got, .. }) => {
                output.push_str(&got);
                break;
            }
            Err(e) => panic!("the terminal: {e}"),
        }
        if prompt.ends_with(SECRET_MARKER) {
            let pty = p.process().get_file_handle().unwrap();
            while rustix::termios::tcgetattr(&pty)
                .map(|t| t.local_modes.contains(rustix::termios::LocalModes::ECHO))
                .unwrap_or(false)
            {
                if Instant::now() > deadline {
                    timed_out = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            if timed_out {
                break;
            }
        }
        p.send(answer).unwrap();
        p.flush().unwrap();
        answered += 1;
    }
    if !timed_out {
        match p.exp_eof() {
            Ok(rest) => output.push_str(&rest),
            Err(rexpect::error::Error::Timeout { got, .. }) => {
                output.push_str(&got);
                timed_out = true;
            }
            Err(e) => panic!("the terminal: {e}"),
        }
    }
    let exit = if timed_out {
        let _ = p.process_mut().kill(rexpect::process::Signal::SIGKILL);
        None
    } else {
        match p.process().wait() {
            Ok(rexpect::process::WaitStatus::Exited(_, code)) => Some(code),
            _ => None,
        }
    };
    let bytes: Vec<u8> = output.chars().map(|c| c as u32 as u8).collect();
    PtyRun {
        exit,
        output: String::from_utf8_lossy(&bytes).into_owned(),
        answered,
        timed_out,
    }
}

async fn on_a_terminal(args: Vec<String>, steps: &[(&str, &str)], limit: Duration) -> PtyRun {
    let mut argv = vec![certrenew_bin().display().to_string()];
    argv.extend(args);
    let steps = steps
        .iter()
        .map(|(p, a)| (p.to_string(), a.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || drive(argv, steps, limit))
        .await
        .unwrap()
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
