//! The crash matrix (issue 14 §1, D7.3): the real `certrenew renew` is
//! killed with SIGKILL at every file system step it takes in the store,
//! one step per run, by strace's syscall fault injection
//! (`--inject=SYSCALL:signal=KILL:when=N`); the client has no test-only
//! code path. The steps are found by tracing one whole renewal first.
//! After each kill: the old identity is byte-identical; no temporary file
//! is left once the next command has opened the store; the new certificate
//! is in the store whenever the RA's ledger says it was issued, except
//! when the kill came before its bytes were written (the one window no
//! client can close), and then the next renewal ends in E550F with the
//! line saying the answer was not stored and a reissue is needed; when
//! nothing was issued the next renewal succeeds.
//!
//! The RA is the real mock, in-process.
//!
//! Needs `strace` on the PATH (CI installs it) and permission to trace.

// Test code: a panic is a failed test, which is what an unwrap means.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::support::*;
use harness::process::clean_env;
use mock_ra::{FaultKind, FaultSpec, Host as FaultHost};

/// The syscalls that change the store (and the one that syncs it).
const STEPS: &str = "mkdir,mkdirat,openat,write,fsync,fdatasync,link,linkat,rename,renameat,renameat2,unlink,unlinkat,rmdir,chmod,fchmod,fchmodat";

const E550F_JA: &str = "550:証明書ファイルは取得できませんでした。証明書が作成されていないか、もしくは既に証明書を取得済みです。";
const ANSWER_NOT_STORED: &str = "証明書を保存する前に終了しました";
const ADOPTED: &str = "保存が完了していなかった証明書";
const COMPLETED_EARLIER: &str = "前回発行された証明書のインポートを完了しました";

/// One store-changing syscall of the traced renewal: its name, which
/// invocation of that name it is on the main thread (strace's `when=`),
/// and the traced line with the store path and pids made neutral.
#[derive(Debug, Clone)]
struct Step {
    name: String,
    nth: usize,
    line: String,
}

/// The traced lines of the main thread (the process itself, whose pid
/// strace prints first), `(pid, rest)`.
fn main_thread_lines(trace: &str) -> Vec<String> {
    let mut lines = trace.lines();
    let Some(first) = lines.next() else {
        return Vec::new();
    };
    let pid = first
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    std::iter::once(first)
        .chain(lines)
        .filter_map(|l| l.strip_prefix(&pid))
        .map(|l| l.trim_start().to_owned())
        .collect()
}

/// The line with the store's path replaced and every word that holds a
/// digit (pids, counters, serials, ids, sizes) made `N`, so that the same
/// step of two runs compares equal.
fn neutral(line: &str, store: &Path) -> String {
    let line = line.replace(&store.display().to_string(), "STORE");
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.chars().any(|c| c.is_ascii_digit()) {
            out.push('N');
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in line.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Whether a traced call changes something in the store.
fn changes_store(name: &str, line: &str, store: &str) -> bool {
    if !line.contains(store) {
        return false;
    }
    match name {
        // Only a file opened to be written; reads change nothing.
        "openat" => {
            line.contains("O_CREAT") || line.contains("O_WRONLY") || line.contains("O_RDWR")
        }
        _ => true,
    }
}

fn syscall_name(line: &str) -> Option<&str> {
    let end = line.find('(')?;
    let name = &line[..end];
    name.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        .then_some(name)
}

/// Every store-changing step of a traced run, in order.
fn steps(trace: &str, store: &Path) -> Vec<Step> {
    let store_s = store.display().to_string();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for line in main_thread_lines(trace) {
        // A call another line resumes is counted where it starts.
        if line.starts_with("<...") {
            continue;
        }
        let Some(name) = syscall_name(&line) else {
            continue;
        };
        let n = counts.entry(name.to_owned()).or_default();
        *n += 1;
        if changes_store(name, &line, &store_s) {
            out.push(Step {
                name: name.to_owned(),
                nth: *n,
                line: neutral(&line, store),
            });
        }
    }
    out
}

/// `certrenew ARGS` under strace, bounded in time.
fn traced(args: &[String], stdin: &str, trace: &Path, inject: Option<&Step>) -> Output {
    let mut cmd = Command::new("strace");
    clean_env(&mut cmd)
        .args(["-f", "-qq", "-y", "-s", "0", "-e"])
        .arg(format!("trace={STEPS}"))
        .arg("-o")
        .arg(trace);
    if let Some(s) = inject {
        cmd.arg("-e")
            .arg(format!("inject={}:signal=KILL:when={}", s.name, s.nth));
    }
    cmd.arg(certrenew_bin())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    {
        use std::io::Write;
        let mut i = child.stdin.take().unwrap();
        let _ = i.write_all(stdin.as_bytes());
    }
    let start = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("strace certrenew did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every file under `dir`, relative path to bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Hidden entries of the store other than its lock: temporaries.
fn temporaries(store: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for (rel, _) in snapshot(store) {
        let hidden = rel
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
        if hidden && rel != Path::new(".lock") {
            out.push(rel);
        }
    }
    for sub in ["identities", "trust"] {
        if let Ok(l) = std::fs::read_dir(store.join(sub)) {
            for e in l.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') && e.path().is_dir() {
                    out.push(PathBuf::from(sub).join(name));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn cert_der_in(dir: &Path) -> Option<Vec<u8>> {
    let text = std::fs::read(dir.join("cert.pem")).ok()?;
    let block = x509_der_from_pem(&text)?;
    Some(block)
}

fn x509_der_from_pem(text: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine;
    let s = std::str::from_utf8(text).ok()?;
    let body: String = s
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN CERTIFICATE"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

/// A fresh RA and a store holding the old identity.
async fn world() -> (Ra, tempfile::TempDir, PathBuf) {
    let ra = Ra::start().await;
    let (work, store) = store_with_old(&ra).await;
    (ra, work, store)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn renew_args(ra: &Ra, store: &Path) -> Vec<String> {
    cmd(ra, store, &["renew", "--password-stdin", "--yes"])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_at_any_store_step_of_a_renewal_loses_nothing() {
    require_strace();
    // 1. One renewal traced whole: its store-changing steps.
    let (ra, work, store) = world().await;
    let trace = work.path().join("trace");
    let args = renew_args(&ra, &store);
    let pw = format!("{PASSWORD}\n");
    let (a, t) = (args.clone(), trace.clone());
    let p = pw.clone();
    let out = tokio::task::spawn_blocking(move || traced(&a, &p, &t, None))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "traced renew: {}", stderr(&out));
    let all = steps(&std::fs::read_to_string(&trace).unwrap(), &store);
    // The protocol's own steps must be among them, or the trace is not
    // seeing the store at all.
    for must in ["cert.pem", "key.pem", "chain.pem", "trust/"] {
        assert!(
            all.iter().any(|s| s.line.contains(must)),
            "no traced step touches {must}: {all:#?}"
        );
    }
    drop(ra);
    eprintln!("crash matrix: {} store steps", all.len());
    for (i, s) in all.iter().enumerate() {
        eprintln!("  {i:2} {}#{} {}", s.name, s.nth, s.line);
    }

    // 2. Each step: a fresh world, a kill there, the next runs.
    let mut lost_in_window = Vec::new();
    for (i, step) in all.iter().enumerate() {
        let (ra, work, store) = world().await;
        let old_serial = ra.old_serial();
        let old_dir = identity_dirs(&store).pop().unwrap();
        let old_files = snapshot(&old_dir);
        let trace = work.path().join("trace");
        let args = renew_args(&ra, &store);
        let (a, t, s, p) = (args.clone(), trace.clone(), step.clone(), pw.clone());
        let out = tokio::task::spawn_blocking(move || traced(&a, &p, &t, Some(&s)))
            .await
            .unwrap();
        let killed = std::fs::read_to_string(&trace).unwrap();
        let ctx = format!("step {i} {}#{}: {}", step.name, step.nth, step.line);
        assert!(
            killed.contains("+++ killed by SIGKILL"),
            "{ctx}: not killed; exit {:?}, stderr {}",
            out.status,
            stderr(&out)
        );
        // The kill hit the step it was meant for.
        let last = main_thread_lines(&killed)
            .into_iter()
            .rfind(|l| syscall_name(l) == Some(step.name.as_str()))
            .map(|l| neutral(&l, &store))
            .unwrap_or_default();
        let same_call = |l: &str| {
            l.split(") =")
                .next()
                .unwrap_or(l)
                .replace(" <unfinished ...>", "")
        };
        assert_eq!(
            same_call(&last),
            same_call(&step.line),
            "{ctx}: the kill hit another call"
        );
        assert_eq!(snapshot(&old_dir), old_files, "{ctx}: old identity changed");

        // Any command that opens the store puts it right.
        let list = certrenew(&cmd(&ra, &store, &["list", "--offline", "--all"]), "").await;
        assert_eq!(list.exit, Some(0), "{ctx}: list: {}", list.stderr);
        assert_eq!(
            temporaries(&store),
            Vec::<PathBuf>::new(),
            "{ctx}: after list"
        );
        assert_eq!(snapshot(&old_dir), old_files, "{ctx}: old identity changed");

        let issued = ra.issued_ders();
        let stored_new = || {
            identity_dirs(&store)
                .into_iter()
                .filter(|d| *d != old_dir)
                .collect::<Vec<_>>()
        };
        let complete = stored_new()
            .iter()
            .any(|d| d.join("chain.pem").is_file() && d.join("cert.pem").is_file());
        if issued.len() == 1 && stored_new().is_empty() {
            // Killed before the certificate's bytes reached the disk.
            lost_in_window.push(step.line.clone());
            assert!(
                list.stdout.contains(ANSWER_NOT_STORED),
                "{ctx}: no line saying the answer was not stored: {}",
                list.stdout
            );
        } else if issued.len() == 1 {
            let dirs = stored_new();
            assert_eq!(dirs.len(), 1, "{ctx}: {dirs:?}");
            assert_eq!(
                cert_der_in(&dirs[0]).as_deref(),
                Some(issued[0].as_slice()),
                "{ctx}: the stored certificate is not the one issued"
            );
        } else {
            assert!(issued.is_empty(), "{ctx}: {} issued", issued.len());
            assert!(
                stored_new().is_empty(),
                "{ctx}: a new identity without issuance"
            );
        }
        if complete {
            continue;
        }
        let next = certrenew(
            &cmd(
                &ra,
                &store,
                &[
                    "renew",
                    "--password-stdin",
                    "--yes",
                    "--select",
                    &old_serial,
                ],
            ),
            &pw,
        )
        .await;
        assert_eq!(
            temporaries(&store),
            Vec::<PathBuf>::new(),
            "{ctx}: after renew"
        );
        assert_eq!(snapshot(&old_dir), old_files, "{ctx}: old identity changed");
        let issued_now = ra.issued_ders().len();
        if issued.len() == 1 && lost_in_window.last() == Some(&step.line) {
            assert_eq!(next.exit, Some(6), "{ctx}: {}", next.stderr);
            assert_eq!(failure_message(&next).as_deref(), Some(E550F_JA), "{ctx}");
            assert_eq!(issued_now, 1, "{ctx}: issued twice");
        } else {
            assert_eq!(next.exit, Some(0), "{ctx}: next renew: {}", next.stderr);
            assert_eq!(issued_now, 1, "{ctx}: issued {issued_now} times");
            let dirs = stored_new();
            assert_eq!(dirs.len(), 1, "{ctx}: {dirs:?}");
            assert!(dirs[0].join("chain.pem").is_file(), "{ctx}: no chain");
            assert_eq!(
                cert_der_in(&dirs[0]).as_deref(),
                ra.issued_ders().first().map(Vec::as_slice),
                "{ctx}"
            );
            if !issued.is_empty() {
                let text = &next.stdout;
                assert!(
                    text.contains(COMPLETED_EARLIER) || text.contains(ADOPTED),
                    "{ctx}: {text}"
                );
            }
        }
    }
    // Only the certificate's own first write can lose it: opening its
    // temporary file and writing into it.
    assert!(
        lost_in_window.iter().all(|l| l.contains(".cert.pem.")),
        "lost outside the certificate's write: {lost_in_window:#?}"
    );
    assert!(lost_in_window.len() <= 2, "{lost_in_window:#?}");
    eprintln!(
        "crash matrix: {} steps, {} before the certificate's bytes were written",
        all.len(),
        lost_in_window.len()
    );
}

const INTERRUPTED: &str = "中断の指示を受けたため、新しい証明書";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signal_during_the_issuance_waits_until_the_certificate_is_stored() {
    for (signal, code) in [("TERM", 143), ("INT", 130), ("HUP", 129)] {
        let (ra, _work, store) = world().await;
        let old_serial = ra.old_serial();
        // Every answer of webra2 waits 1.5 s: the issuance's too, after it
        // is decided and in the ledger.
        let mut delay = FaultSpec::new(FaultHost::Webra2, FaultKind::Latency);
        delay.ms = Some(1500);
        ra.mock.add_fault(delay).unwrap();
        let mut cmd = Command::new(certrenew_bin());
        let mut child = clean_env(&mut cmd)
            .args(renew_args(&ra, &store))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        {
            use std::io::Write;
            let mut i = child.stdin.take().unwrap();
            i.write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
        }
        // The RA has issued (it is in the ledger) and holds the answer back.
        let start = std::time::Instant::now();
        while ra.issued_ders().is_empty() {
            assert!(start.elapsed() < Duration::from_secs(60), "no issuance");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let kill = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(kill.success());
        let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
            .await
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "SIG{signal}: {}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains(INTERRUPTED),
            "SIG{signal}: {}",
            stderr(&out)
        );
        // Stored, durable, not yet completed; nothing temporary left.
        let issued = ra.issued_ders().remove(0);
        let new: Vec<PathBuf> = identity_dirs(&store)
            .into_iter()
            .filter(|d| !d.display().to_string().ends_with(&old_serial))
            .collect();
        assert_eq!(new.len(), 1, "SIG{signal}: {new:?}");
        assert_eq!(cert_der_in(&new[0]), Some(issued.clone()), "SIG{signal}");
        assert_eq!(temporaries(&store), Vec::<PathBuf>::new(), "SIG{signal}");
        // The next renewal completes it without a new issuance.
        ra.mock.clear_faults();
        let next = certrenew(&renew_args(&ra, &store), &format!("{PASSWORD}\n")).await;
        assert_eq!(next.exit, Some(0), "SIG{signal}: {}", next.stderr);
        assert!(next.stdout.contains(COMPLETED_EARLIER), "{}", next.stdout);
        assert_eq!(ra.issued_ders().len(), 1);
        assert!(new[0].join("chain.pem").is_file());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_at_any_store_step_of_an_import_leaves_no_half_identity() {
    require_strace();
    let ra = Ra::start().await;
    let p12 = ra.old_p12().display().to_string();
    let import = |store: &Path| cmd(&ra, store, &["import", "--p12", &p12, "--passphrase-stdin"]);
    let pass = format!("{P12_PASS}\n");
    // The store exists (an earlier import of nothing would not make one).
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    std::fs::create_dir(&store).unwrap();
    let trace = work.path().join("trace");
    let (a, t, p) = (import(&store), trace.clone(), pass.clone());
    let out = tokio::task::spawn_blocking(move || traced(&a, &p, &t, None))
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "traced import: {}",
        stderr(&out)
    );
    let all = steps(&std::fs::read_to_string(&trace).unwrap(), &store);
    assert!(all.iter().any(|s| s.line.contains("key.pem")), "{all:#?}");
    for (i, step) in all.iter().enumerate() {
        let work = tempfile::tempdir().unwrap();
        let store = work.path().join("store");
        std::fs::create_dir(&store).unwrap();
        let trace = work.path().join("trace");
        let (a, t, s, p) = (import(&store), trace.clone(), step.clone(), pass.clone());
        tokio::task::spawn_blocking(move || traced(&a, &p, &t, Some(&s)))
            .await
            .unwrap();
        let ctx = format!("step {i} {}#{}: {}", step.name, step.nth, step.line);
        let killed = std::fs::read_to_string(&trace).unwrap();
        assert!(
            killed.contains("+++ killed by SIGKILL"),
            "{ctx}: not killed"
        );
        // The next command that reads the store leaves nothing temporary
        // and no identity without its certificate and key.
        let list = certrenew(&cmd(&ra, &store, &["list", "--offline", "--all"]), "").await;
        assert!(
            matches!(list.exit, Some(0 | 4)),
            "{ctx}: list: {}",
            list.stderr
        );
        assert_eq!(temporaries(&store), Vec::<PathBuf>::new(), "{ctx}");
        for d in identity_dirs(&store) {
            assert!(
                d.join("cert.pem").is_file() && d.join("key.pem").is_file(),
                "{ctx}: half identity {d:?}"
            );
        }
        // Importing again completes the store.
        let again = certrenew(&import(&store), &pass).await;
        assert_eq!(again.exit, Some(0), "{ctx}: {}", again.stderr);
        let dirs = identity_dirs(&store);
        assert_eq!(dirs.len(), 1, "{ctx}: {dirs:?}");
        assert!(dirs[0].join("chain.pem").is_file(), "{ctx}: no chain");
        assert_eq!(temporaries(&store), Vec::<PathBuf>::new(), "{ctx}");
    }
    eprintln!("import crash matrix: {} steps", all.len());
}
