//! The real `certrenew` binary against the real mock, for what the case
//! model does not express: openssl reading what the client stored and
//! exported, the JSON details of a refusal, a store damaged by hand, and a
//! store that refuses the new identity at the last step (strace holds the
//! rename back while the test occupies its name). What a case file can
//! say is in `scenarios/`.

// Test code: a panic is a failed test, which is what an unwrap means.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::*;
use mock_ra::OrderState;

const RENEWED_JA: &str = "証明書の更新とインポートが完了しました。";
const E550F_JA: &str = "550:証明書ファイルは取得できませんでした。証明書が作成されていないか、もしくは既に証明書を取得済みです。";
const E550A_JA: &str = "550:証明書ファイルは取得できませんでした。認証に失敗しました。";

fn new_identity_dir(store: &Path, old_serial: &str) -> PathBuf {
    identity_dirs(store)
        .into_iter()
        .find(|d| !d.display().to_string().ends_with(old_serial))
        .expect("a new identity directory")
}

fn openssl(args: &[&str]) -> std::process::Output {
    Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl runs")
}

/// The renewal as a second implementation sees it: openssl verifies the
/// new certificate and reads its subject and the exported PKCS#12; `list`
/// makes it the default; a second renewal of the old one is E550F.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewed_identity_is_what_openssl_accepts_and_exports() {
    let ra = Ra::start().await;
    let (work, store) = store_with_old(&ra).await;
    let old_serial = ra.old_serial();

    let out = renew(&ra, &store).await;
    assert_eq!(out.exit, Some(0), "renew: {}", out.stderr);
    assert_eq!(
        out.stdout.lines().next(),
        Some(RENEWED_JA),
        "{}",
        out.stdout
    );

    // The store holds old and new; the new one is complete, its key 0600.
    let dirs = identity_dirs(&store);
    assert_eq!(dirs.len(), 2, "{dirs:?}");
    let new_dir = new_identity_dir(&store, &old_serial);
    for f in ["cert.pem", "key.pem", "chain.pem", "meta.json"] {
        assert!(new_dir.join(f).is_file(), "{f} missing in {new_dir:?}");
    }
    let old_dir = dirs.iter().find(|d| **d != new_dir).unwrap();
    assert!(old_dir.join("key.pem").is_file());
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(new_dir.join("key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // What the RA signed is what was stored.
    let issued = ra.issued_pems();
    assert_eq!(issued.len(), 1);
    let stored = std::fs::read_to_string(new_dir.join("cert.pem")).unwrap();
    assert_eq!(stored, issued[0]);
    assert_eq!((ra.logins(), ra.issued()), (1, 1));

    // openssl accepts the new certificate for TLS client use.
    let root = ra.path("client-root.pem").display().to_string();
    let cert = new_dir.join("cert.pem").display().to_string();
    let chain = new_dir.join("chain.pem").display().to_string();
    let v = openssl(&[
        "verify",
        "-CAfile",
        &root,
        "-untrusted",
        &chain,
        "-purpose",
        "sslclient",
        &cert,
    ]);
    assert!(
        v.status.success(),
        "openssl verify: {}{}",
        String::from_utf8_lossy(&v.stdout),
        String::from_utf8_lossy(&v.stderr)
    );
    assert!(String::from_utf8_lossy(&v.stdout).contains(": OK"));

    // The subject is the old one, byte for byte (openssl's view).
    let subj = |p: &str| {
        openssl(&[
            "x509", "-noout", "-subject", "-nameopt", "RFC2253", "-in", p,
        ])
        .stdout
    };
    let old_cert = old_dir.join("cert.pem").display().to_string();
    assert_eq!(subj(&cert), subj(&old_cert));

    // list shows the new one as the default.
    let out = certrenew(
        &cmd(&ra, &store, &["--output", "json", "list", "--all"]),
        "",
    )
    .await;
    assert_eq!(out.exit, Some(0), "{}", out.stderr);
    let v = json(&out);
    let cands = v["details"]["candidates"].as_array().unwrap();
    assert_eq!(cands.len(), 2);
    assert_eq!(cands[0]["default"], true);
    let new_serial = cands[0]["serial"].as_str().unwrap().to_owned();
    assert_ne!(new_serial, old_serial);

    // export: a PKCS#12 that openssl reads, with the chain, and only with
    // its passphrase.
    let p12 = work.path().join("new.p12");
    let p12s = p12.display().to_string();
    let out = certrenew(
        &cmd(
            &ra,
            &store,
            &[
                "export",
                "--select",
                &new_serial,
                "--out",
                &p12s,
                "--passphrase-stdin",
            ],
        ),
        "export-pass\n",
    )
    .await;
    assert_eq!(out.exit, Some(0), "export: {}", out.stderr);
    let info = openssl(&[
        "pkcs12",
        "-info",
        "-in",
        &p12s,
        "-passin",
        "pass:export-pass",
        "-nokeys",
    ]);
    assert!(
        info.status.success(),
        "openssl pkcs12: {}",
        String::from_utf8_lossy(&info.stderr)
    );
    let certs_out = String::from_utf8_lossy(&info.stdout);
    assert_eq!(
        certs_out.matches("BEGIN CERTIFICATE").count(),
        3,
        "{certs_out}"
    );
    let bad = openssl(&[
        "pkcs12",
        "-info",
        "-in",
        &p12s,
        "-passin",
        "pass:wrong",
        "-nokeys",
    ]);
    assert!(!bad.status.success());

    // Running again (D6.9): the new certificate is the default, and it and
    // the old one selected both get E550F, the order being fetched; nothing
    // in the store changes.
    let out = renew(&ra, &store).await;
    assert_eq!(out.exit, Some(6), "{}", out.stderr);
    assert_eq!(failure_message(&out).as_deref(), Some(E550F_JA));
    let presenting = out.stderr.lines().find(|l| is_presenting(l)).unwrap();
    assert!(
        presenting.contains(&format!("シリアル番号 {new_serial}")),
        "{}",
        out.stderr
    );
    let out = certrenew(
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
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert_eq!(out.exit, Some(6), "{}", out.stderr);
    assert_eq!(failure_message(&out).as_deref(), Some(E550F_JA));
    assert!(out.stdout.is_empty());
    assert_eq!(identity_dirs(&store).len(), 2);
}

/// The JSON of a refusal: class, exit code and message, and never the
/// password typed (the text form is case `e550a-wrong-password`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_in_json_is_e550a() {
    let ra = Ra::start().await;
    let (_work, store) = store_with_old(&ra).await;
    let out = certrenew(
        &cmd(
            &ra,
            &store,
            &["--output", "json", "renew", "--password-stdin", "--yes"],
        ),
        "not-the-password\n",
    )
    .await;
    assert_eq!(out.exit, Some(5));
    assert!(!out.stdout.contains("not-the-password"));
    assert!(!out.stderr.contains("not-the-password"));
    let v = json(&out);
    assert_eq!(v["class"], "E550A");
    assert_eq!(v["exit_code"], 5);
    assert_eq!(v["message"], E550A_JA);
    assert_eq!(ra.order(), OrderState::Ready);
    assert_eq!(identity_dirs(&store).len(), 1);
}

/// A repo1 that answers 503 to everything: the idempotent GET of the
/// access check is tried three times, then E115 with the manual's host
/// table, before any login, so the order is still there (with refused
/// connections instead, case `e115-repo1`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_repository_is_asked_a_bounded_number_of_times_before_the_login() {
    let ra = Ra::start().await;
    let (_work, store) = store_with_old(&ra).await;
    ra.fault("host = \"repo1\"\nkind = \"status\"\nstatus = 503\n");
    let out = renew(&ra, &store).await;
    assert_eq!(out.exit, Some(3), "{}", out.stderr);
    assert_eq!(
        failure_message(&out).as_deref(),
        Some("115:データの問合せに失敗しました。")
    );
    assert!(
        out.stderr.contains("repo1.secomtrust.net"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("61.114.186.157"),
        "the D6.1 host table: {}",
        out.stderr
    );
    assert_eq!(ra.logins(), 0, "no login before the preflight passed");
    assert_eq!(ra.order(), OrderState::Ready);
    assert_eq!(ra.requests(mock_ra::Role::Repo1, "/"), 3);
    assert_eq!(ra.requests(mock_ra::Role::Repository, "/"), 1);
}

/// Refused before the login (case `root-not-asked-without-terminal`), the
/// JSON does not claim anything was issued; refused after an issuance that
/// was stored without its chain, it says the certificate is issued and
/// stored, in text and in JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_root_refusal_says_whether_the_certificate_is_issued_and_stored() {
    let ra = Ra::start().await;
    let (_work, store) = store_with_old(&ra).await;
    let out = certrenew(
        &cmd(
            &ra,
            &store,
            &["--output", "json", "renew", "--password-stdin"],
        ),
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert_eq!(out.exit, Some(7), "{}", out.stderr);
    let v = json(&out);
    assert_eq!(v["class"], "EROOT");
    assert!(v["details"].get("issued_and_stored").is_none(), "{v}");
    assert_eq!((ra.logins(), ra.issuance_requests()), (0, 0));
    assert_eq!(ra.order(), OrderState::Ready);
    assert_eq!(identity_dirs(&store).len(), 1);

    // repo1 serves the access check and the preflight (3 requests), then
    // fails: the new certificate is stored without its chain.
    ra.fault("host = \"repo1\"\nkind = \"status\"\nstatus = 503\nfrom = 4\n");
    let out = renew(&ra, &store).await;
    assert_eq!(out.exit, Some(3), "{}", out.stderr);
    assert_eq!(identity_dirs(&store).len(), 2);
    ra.mock.clear_faults();
    // Completing it without --yes and without a terminal: the root can only
    // be decided now, after the issuance, and the refusal says so.
    let out = certrenew(
        &cmd(&ra, &store, &["renew", "--password-stdin"]),
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert_eq!(out.exit, Some(7), "{}", out.stderr);
    let issued = ra.mock.account(ACCOUNT).unwrap().certificates;
    let issued = &issued.last().unwrap().serial;
    assert!(
        out.stderr.contains(&format!(
            "新しい証明書 (シリアル番号 {issued}) は発行済みで"
        )),
        "{}",
        out.stderr
    );
    let out = certrenew(
        &cmd(
            &ra,
            &store,
            &["--output", "json", "renew", "--password-stdin"],
        ),
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert_eq!(out.exit, Some(7), "{}", out.stderr);
    let v = json(&out);
    assert_eq!(v["details"]["issued_and_stored"], true, "{v}");
    assert_eq!(v["details"]["serial"], issued.as_str(), "{v}");
    assert_eq!((ra.logins(), ra.issued()), (1, 1));
}

/// What a run killed before its rename left (an older version's `.new.*`,
/// issue 14), a stray temporary file and a directory that cannot be
/// completed: any command that reads the store says so, and the next
/// renewal completes the identity without a login or a second issuance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complete_identity_left_in_a_temporary_directory_is_adopted() {
    let ra = Ra::start().await;
    let (_work, store) = store_with_old(&ra).await;
    let old_serial = ra.old_serial();
    let out = renew(&ra, &store).await;
    assert_eq!(out.exit, Some(0), "{}", out.stderr);
    // Key, certificate and meta, no chain, hidden.
    let new_dir = new_identity_dir(&store, &old_serial);
    std::fs::remove_file(new_dir.join("chain.pem")).unwrap();
    let hidden = new_dir.with_file_name(format!(
        ".new.{}.4242.0",
        new_dir.file_name().unwrap().to_string_lossy()
    ));
    std::fs::rename(&new_dir, &hidden).unwrap();
    std::fs::write(store.join("identities").join(".preflight.4242.tmp"), b"x").unwrap();
    // And one that cannot be completed: the new certificate with the old
    // key.
    let odd = store.join("identities").join(".renewing.4242.1");
    std::fs::create_dir(&odd).unwrap();
    std::fs::copy(hidden.join("cert.pem"), odd.join("cert.pem")).unwrap();
    let old_dir = identity_dirs(&store).pop().unwrap();
    std::fs::copy(old_dir.join("key.pem"), odd.join("key.pem")).unwrap();
    // Any command that reads the store finds it and says so.
    let list = certrenew(&cmd(&ra, &store, &["list", "--offline", "--all"]), "").await;
    assert_eq!(list.exit, Some(0), "{}", list.stderr);
    let text = &list.stdout;
    assert!(text.contains("保存が完了していなかった証明書"), "{text}");
    assert!(text.contains("一時ファイル 1 個を削除しました"), "{text}");
    assert!(text.contains("完成できないため"), "{text}");
    assert!(new_dir.join("cert.pem").is_file() && !hidden.exists());
    // Kept, and named by list --excluded (and its JSON).
    let excluded = certrenew(&cmd(&ra, &store, &["list", "--offline", "--excluded"]), "").await;
    assert!(
        excluded.stdout.contains(".unfinished."),
        "{}",
        excluded.stdout
    );
    let out = certrenew(
        &cmd(
            &ra,
            &store,
            &["--output", "json", "list", "--offline", "--excluded"],
        ),
        "",
    )
    .await;
    assert!(out.stdout.contains(".unfinished."), "{}", out.stdout);
    // The next renewal completes it: no login, no second issuance.
    let out = renew(&ra, &store).await;
    assert_eq!(out.exit, Some(0), "{}", out.stderr);
    assert!(
        out.stdout
            .contains("前回発行された証明書のインポートを完了しました"),
        "{}",
        out.stdout
    );
    assert!(new_dir.join("chain.pem").is_file());
    assert_eq!((ra.logins(), ra.issued()), (1, 1));
}

/// D7.3: issued but not storable is EIMPORT, and the certificate and key
/// are in a recovery file whose path the message gives. The store is made
/// to refuse for real: strace holds every rename back, and while the
/// finished renewal waits to be renamed into place, the test puts a file
/// where the new identity would go.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_the_store_cannot_take_is_saved_beside_it() {
    require_strace();
    let ra = Ra::start().await;
    let (work, store) = store_with_old(&ra).await;
    let args = cmd(&ra, &store, &["renew", "--password-stdin", "--yes"]);
    let identities = store.join("identities");
    let issuer = certrenew::cert::CertFacts::parse(ra.mock.pki().issuing_ca.der())
        .unwrap()
        .subject_der;
    let occupy = identities.clone();
    let out = tokio::task::spawn_blocking(move || {
        let mut strace = Command::new("strace");
        strace
            .args(["-f", "-qq", "-o", "/dev/null", "-e"])
            .arg("trace=rename,renameat,renameat2")
            .arg("-e")
            .arg("inject=rename,renameat,renameat2:delay_enter=3000000")
            .arg(certrenew_bin())
            .args(&args);
        harness::process::clean_env(&mut strace);
        let mut child = strace
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        {
            use std::io::Write;
            let mut i = child.stdin.take().unwrap();
            let _ = i.write_all(format!("{PASSWORD}\n").as_bytes());
        }
        // The renewal's directory with its certificate: the rename is next.
        let start = std::time::Instant::now();
        let serial = loop {
            let written = std::fs::read_dir(&occupy).ok().and_then(|r| {
                r.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.to_string_lossy().contains(".renewing."))
                    .find_map(|p| std::fs::read(p.join("cert.pem")).ok())
            });
            if let Some(pem) = written
                && let Ok(certs) = certrenew::cert::pem_certificates(&pem)
                && let Some(cert) = certs.first()
            {
                break certrenew::cert::CertFacts::parse(cert).unwrap().serial;
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(60),
                "no renewal directory appeared"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        };
        let id = format!("{}-{serial}", &certrenew::cert::sha256_hex(&issuer)[..16]);
        std::fs::write(occupy.join(id), b"not an identity").unwrap();
        (child.wait_with_output().unwrap(), serial)
    })
    .await
    .unwrap();
    let (out, serial) = out;
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(8), "{err}");
    let first = err
        .lines()
        .find(|l| !is_progress(l) && !is_presenting(l))
        .map(str::to_owned);
    assert_eq!(
        first.as_deref(),
        Some("証明書をインポートできませんでした。")
    );
    let recovery = work.path().join(format!("certrenew-recovery-{serial}.pem"));
    assert!(err.contains(&recovery.display().to_string()), "{err}");
    let text = std::fs::read(&recovery).unwrap();
    let issued = ra.issued_pems();
    assert_eq!(issued.len(), 1);
    assert_eq!(
        certrenew::cert::pem_certificates(&text).unwrap(),
        certrenew::cert::pem_certificates(issued[0].as_bytes()).unwrap()
    );
    assert!(certrenew::cert::pem_private_key(&text).is_ok());
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&recovery).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
