//! The first milestone end to end: the built `certrenew` binary against a
//! real rustls RA on 127.0.0.1 renews an identity that expired 10 days ago.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

const RENEWED_JA: &str = "証明書の更新とインポートが完了しました。";
const E550F_JA: &str = "550:証明書ファイルは取得できませんでした。証明書が作成されていないか、もしくは既に証明書を取得済みです。";
const E550A_JA: &str = "550:証明書ファイルは取得できませんでした。認証に失敗しました。";
const E115_JA: &str = "115:データの問合せに失敗しました。";
const ENOCERT_JA: &str = "証明書がありません。";

async fn import_old(ra: &MiniRa, store: &Path) {
    let p12 = ra.path("old.p12").display().to_string();
    let out = certrenew(
        &cmd(ra, store, &["import", "--p12", &p12, "--passphrase-stdin"]),
        &format!("{P12_PASS}\n"),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "import: {}", stderr(&out));
    assert_eq!(identity_dirs(store).len(), 1);
}

fn new_identity_dir(store: &Path, old_serial: &str) -> std::path::PathBuf {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renews_an_identity_that_expired_ten_days_ago() {
    let ra = MiniRa::start(10).await;
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    import_old(&ra, &store).await;
    let old_serial = ra.old.info().unwrap().serial;

    let out = certrenew(
        &cmd(&ra, &store, &["renew", "--password-stdin", "--yes"]),
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "renew: {}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().next(), Some(RENEWED_JA), "{text}");
    assert!(text.contains("所要時間"), "{text}");
    // No 550 class line (a serial on the presented-certificate line may
    // hold the digits 550).
    assert!(
        !stderr(&out).lines().any(|l| l.starts_with("550:")),
        "{}",
        stderr(&out)
    );

    // The store holds old and new; the new one is complete.
    let dirs = identity_dirs(&store);
    assert_eq!(dirs.len(), 2, "{dirs:?}");
    let new_dir = new_identity_dir(&store, &old_serial);
    for f in ["cert.pem", "key.pem", "chain.pem", "meta.json"] {
        assert!(new_dir.join(f).is_file(), "{f} missing in {new_dir:?}");
    }
    let old_dir = dirs.iter().find(|d| **d != new_dir).unwrap();
    assert!(old_dir.join("key.pem").is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(new_dir.join("key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The root is in the trust list.
    assert_eq!(std::fs::read_dir(store.join("trust")).unwrap().count(), 1);
    // Server side: one login, one issuance, the order is fetched.
    {
        let s = ra.state.lock().unwrap();
        assert_eq!((s.logins, s.issuances), (1, 1));
        assert_eq!(s.order, Order::Fetched);
        let issued = &s.issued[0];
        let stored = std::fs::read_to_string(new_dir.join("cert.pem")).unwrap();
        assert_eq!(stored, certs_gen::pem::certificate(issued));
    }

    // openssl, a second implementation, accepts the new certificate.
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
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let cands = v["details"]["candidates"].as_array().unwrap();
    assert_eq!(cands.len(), 2);
    assert_eq!(cands[0]["default"], true);
    let new_serial = cands[0]["serial"].as_str().unwrap().to_owned();
    assert_ne!(new_serial, old_serial);

    // export: a PKCS#12 that openssl reads.
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
    assert_eq!(out.status.code(), Some(0), "export: {}", stderr(&out));
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

    // D6.9: running again gets E550F, and nothing in the store changes.
    let out = certrenew(
        &cmd(&ra, &store, &["renew", "--password-stdin", "--yes"]),
        &format!("{PASSWORD}\n"),
    )
    .await;
    // The new certificate is now the default; the server does not know it.
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
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
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert_eq!(failure_message(&out).as_deref(), Some(E550F_JA));
    assert!(stdout(&out).is_empty());
    assert_eq!(identity_dirs(&store).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_e550a_and_json_says_so() {
    let ra = MiniRa::start(10).await;
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    import_old(&ra, &store).await;
    let out = certrenew(
        &cmd(&ra, &store, &["renew", "--password-stdin", "--yes"]),
        "not-the-password\n",
    )
    .await;
    assert_eq!(out.status.code(), Some(5));
    let err = stderr(&out);
    assert_eq!(failure_message(&out).as_deref(), Some(E550A_JA), "{err}");
    assert!(!err.contains("not-the-password"));
    let out = certrenew(
        &cmd(
            &ra,
            &store,
            &["--output", "json", "renew", "--password-stdin", "--yes"],
        ),
        "not-the-password\n",
    )
    .await;
    assert_eq!(out.status.code(), Some(5));
    let text = stdout(&out);
    assert!(!text.contains("not-the-password"));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["class"], "E550A");
    assert_eq!(v["exit_code"], 5);
    assert_eq!(v["message"], E550A_JA);
    assert_eq!(ra.order(), Order::Ready);
    assert_eq!(identity_dirs(&store).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_repository_fails_before_the_order_is_consumed() {
    let ra = MiniRa::start(10).await;
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    import_old(&ra, &store).await;
    ra.state.lock().unwrap().repo1_down = true;
    let out = certrenew(
        &cmd(&ra, &store, &["renew", "--password-stdin", "--yes"]),
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(failure_message(&out).as_deref(), Some(E115_JA));
    assert!(err.contains("repo1.secomtrust.net"), "{err}");
    assert!(err.contains("61.114.186.157"), "the D6.1 host table: {err}");
    let s = ra.state.lock().unwrap();
    assert_eq!(s.logins, 0, "no login before the preflight passed");
    assert_eq!(s.order, Order::Ready);
    // Bounded retries of the idempotent GET: 3 attempts at "/".
    let asked = |url: &str| s.repo_requests.iter().filter(|p| *p == url).count();
    assert_eq!(asked("repo1.secomtrust.net/"), 3);
    assert_eq!(asked("repository.secomtrust.net/"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reports_each_host() {
    let ra = MiniRa::start(10).await;
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    let out = certrenew(&cmd(&ra, &store, &["--lang", "en", "check"]), "").await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).lines().next(),
        Some("all three hosts answered")
    );
    ra.state.lock().unwrap().repo1_down = true;
    let out = certrenew(&cmd(&ra, &store, &["check"]), "").await;
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(failure_message(&out).as_deref(), Some(E115_JA));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_ninety_days_ago_is_no_certificate() {
    let ra = MiniRa::start(90).await;
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    import_old(&ra, &store).await;
    let out = certrenew(
        &cmd(&ra, &store, &["renew", "--password-stdin", "--yes"]),
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert_eq!(failure_message(&out).as_deref(), Some(ENOCERT_JA));
    assert_eq!(ra.state.lock().unwrap().logins, 0);
    // --danger-now an instant earlier: still inside the window, the login happens.
    let earlier = (time::OffsetDateTime::now_utc() - time::Duration::days(2))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let out = certrenew(
        &cmd(
            &ra,
            &store,
            &["--danger-now", &earlier, "--output", "json", "list"],
        ),
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_root_with_another_thumbprint_is_refused_before_the_login() {
    let ra = MiniRa::start(10).await;
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    import_old(&ra, &store).await;
    // The manual's thumbprint (the default pin) is not the test root's.
    let mut args = cmd(&ra, &store, &["renew", "--password-stdin", "--yes"]);
    let i = args.iter().position(|a| a == "--root-sha1").unwrap();
    args[i + 1] = "40A6C237 3D05322D 64087065 04F141D0 0775CD57".into();
    let out = certrenew(&args, &format!("{PASSWORD}\n")).await;
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("40A6C237 3D05322D 64087065 04F141D0 0775CD57"),
        "{err}"
    );
    // The root came from the repository preflight: refused before the
    // login, so the order is unused and nothing was issued or trusted.
    {
        let s = ra.state.lock().unwrap();
        assert_eq!((s.logins, s.issuances), (0, 0));
        assert_eq!(s.order, Order::Ready);
    }
    assert_eq!(identity_dirs(&store).len(), 1);
    assert_eq!(std::fs::read_dir(store.join("trust")).unwrap().count(), 0);
    // With the right pin the renewal goes through.
    let out = certrenew(
        &cmd(&ra, &store, &["renew", "--password-stdin", "--yes"]),
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().next(), Some(RENEWED_JA));
    let s = ra.state.lock().unwrap();
    assert_eq!((s.logins, s.issuances), (1, 1));
    drop(s);
    assert_eq!(identity_dirs(&store).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_root_is_still_checked_against_the_pin() {
    let ra = MiniRa::start(10).await;
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    import_old(&ra, &store).await;
    let root = ra.path("client-root.pem").display().to_string();
    let out = certrenew(&cmd(&ra, &store, &["roots", "add", &root, "--yes"]), "").await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Installed already, but --root-sha1 names another root: refused
    // (exit 7) before the login, as for a root not installed yet.
    let mut args = cmd(&ra, &store, &["renew", "--password-stdin", "--yes"]);
    let i = args.iter().position(|a| a == "--root-sha1").unwrap();
    args[i + 1] = "40A6C237 3D05322D 64087065 04F141D0 0775CD57".into();
    let out = certrenew(&args, &format!("{PASSWORD}\n")).await;
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert!(stderr(&out).contains("40A6C237 3D05322D 64087065 04F141D0 0775CD57"));
    assert_eq!(ra.state.lock().unwrap().logins, 0);
    // The matching pin: no question (no terminal, no --yes), renewed.
    let out = certrenew(
        &cmd(&ra, &store, &["renew", "--password-stdin"]),
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(ra.state.lock().unwrap().issuances, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_terminal_or_yes_the_root_is_refused_before_the_login() {
    let ra = MiniRa::start(10).await;
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    import_old(&ra, &store).await;
    let out = certrenew(
        &cmd(
            &ra,
            &store,
            &["--output", "json", "renew", "--password-stdin"],
        ),
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["class"], "EROOT");
    assert!(v["details"].get("issued_and_stored").is_none(), "{v}");
    let s = ra.state.lock().unwrap();
    assert_eq!((s.logins, s.issuances), (0, 0));
    assert_eq!(s.order, Order::Ready);
    drop(s);
    assert_eq!(identity_dirs(&store).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_after_the_issuance_says_the_certificate_is_issued_and_stored() {
    let ra = MiniRa::start(10).await;
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    import_old(&ra, &store).await;
    // repo1 serves the access check and the preflight (3 requests), then
    // fails: the new certificate is stored without its chain.
    ra.state.lock().unwrap().repo1_down_from = Some(3);
    let out = certrenew(
        &cmd(&ra, &store, &["renew", "--password-stdin", "--yes"]),
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(identity_dirs(&store).len(), 2);
    ra.state.lock().unwrap().repo1_down_from = None;
    // Completing it without --yes and without a terminal: the root can only
    // be decided now, after the issuance, and the refusal says so.
    let out = certrenew(
        &cmd(&ra, &store, &["renew", "--password-stdin"]),
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let issued = certrenew::cert::CertFacts::parse(&ra.state.lock().unwrap().issued[0])
        .unwrap()
        .serial;
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "新しい証明書 (シリアル番号 {issued}) は発行済みで"
        )),
        "{err}"
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
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["details"]["issued_and_stored"], true, "{v}");
    assert_eq!(v["details"]["serial"], issued.as_str(), "{v}");
    let s = ra.state.lock().unwrap();
    assert_eq!((s.logins, s.issuances), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_ssl_state_reproduces_d6_11_and_clearing_it_fixes_it() {
    let ra = MiniRa::start(10).await;
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    let ssl = work.path().join("ssl").display().to_string();
    import_old(&ra, &store).await;
    // Before the renewal the browser presents the expired certificate.
    let out = certrenew(&cmd(&ra, &store, &["verify", "--ssl-state", &ssl]), "").await;
    assert_eq!(out.status.code(), Some(9), "{}", stderr(&out));
    let out = certrenew(
        &cmd(&ra, &store, &["renew", "--password-stdin", "--yes"]),
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The remembered (old) certificate is presented again: D6.11.
    let out = certrenew(&cmd(&ra, &store, &["verify", "--ssl-state", &ssl]), "").await;
    assert_eq!(out.status.code(), Some(9), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("SSL 状態のクリア"),
        "{}",
        stderr(&out)
    );
    // The manual's remedy.
    let out = certrenew(
        &cmd(
            &ra,
            &store,
            &["verify", "--ssl-state", &ssl, "--clear-ssl-state"],
        ),
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // And without any state, selection picks the new one.
    let out = certrenew(&cmd(&ra, &store, &["verify"]), "").await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_terminal_the_password_must_come_from_stdin() {
    let ra = MiniRa::start(10).await;
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    let out = certrenew(&cmd(&ra, &store, &["renew", "--yes"]), "").await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--password-stdin"),
        "{}",
        stderr(&out)
    );
    assert_eq!(ra.state.lock().unwrap().logins, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_ra_is_e115_in_bounded_time() {
    let ra = MiniRa::start(10).await;
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    import_old(&ra, &store).await;
    // Accepts connections and never says anything.
    let hang = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = hang.local_addr().unwrap().port();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = hang.accept().await {
            held.push(s);
        }
    });
    let mut args = cmd(
        &ra,
        &store,
        &[
            "--connect-timeout",
            "0.5",
            "--timeout",
            "1",
            "renew",
            "--password-stdin",
            "--yes",
        ],
    );
    let i = args
        .iter()
        .position(|a| a.starts_with("webra2.secomtrust.net:443:"))
        .unwrap();
    args[i] = format!("webra2.secomtrust.net:443:127.0.0.1:{port}");
    let start = std::time::Instant::now();
    let out = certrenew(&args, &format!("{PASSWORD}\n")).await;
    let took = start.elapsed();
    holder.abort();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(failure_message(&out).as_deref(), Some(E115_JA));
    assert!(stderr(&out).contains("webra2.secomtrust.net"));
    assert!(took < std::time::Duration::from_secs(10), "took {took:?}");
    assert_eq!(ra.order(), Order::Ready);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_certificate_from_an_unknown_ca_is_e115() {
    // Antivirus-style interception: the client trusts another web root.
    let ra = MiniRa::start(10).await;
    let other = certs_gen::Pki::generate_named(
        certs_gen::PkiNames::foreign(),
        certs_gen::KeyType::P256,
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
    let work = tempfile::tempdir().unwrap();
    let other_root = work.path().join("other-root.pem");
    std::fs::write(&other_root, other.web_root.pem()).unwrap();
    let store = work.path().join("store");
    let mut args = cmd(&ra, &store, &["--lang", "en", "check"]);
    let i = args.iter().position(|a| a == "--server-ca").unwrap();
    args[i + 1] = other_root.display().to_string();
    let out = certrenew(&args, "").await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(
        failure_message(&out).as_deref(),
        Some("115: the data query failed")
    );
    assert!(err.contains("webra2.secomtrust.net"), "{err}");
    assert!(err.contains("165.100.2.114"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_the_store_cannot_take_is_saved_beside_it() {
    // D7.3: issued but not storable -> EIMPORT, and the certificate and key
    // are in a recovery file whose path the message gives.
    let ra = MiniRa::start(10).await;
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    import_old(&ra, &store).await;
    let serial = vec![0x42; 16];
    ra.state.lock().unwrap().next_serial = Some(serial.clone());
    // Something that is not an identity occupies the new identity's name.
    let issuer = certrenew::cert::CertFacts::parse(ra.pki.issuing_ca.der())
        .unwrap()
        .subject_der;
    let id = format!(
        "{}-{}",
        &certrenew::cert::sha256_hex(&issuer)[..16],
        hex::encode(&serial)
    );
    std::fs::write(store.join("identities").join(&id), b"not an identity").unwrap();
    let out = certrenew(
        &cmd(&ra, &store, &["renew", "--password-stdin", "--yes"]),
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert_eq!(out.status.code(), Some(8), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(
        failure_message(&out).as_deref(),
        Some("証明書をインポートできませんでした。")
    );
    let recovery = work
        .path()
        .join(format!("certrenew-recovery-{}.pem", hex::encode(&serial)));
    assert!(err.contains(&recovery.display().to_string()), "{err}");
    let text = std::fs::read(&recovery).unwrap();
    let issued = ra.state.lock().unwrap().issued[0].clone();
    assert_eq!(
        certrenew::cert::pem_certificates(&text).unwrap(),
        vec![issued]
    );
    assert!(certrenew::cert::pem_private_key(&text).is_ok());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&recovery).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complete_identity_left_in_a_temporary_directory_is_adopted() {
    let ra = MiniRa::start(10).await;
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    import_old(&ra, &store).await;
    let old_serial = ra.old.info().unwrap().serial;
    let out = certrenew(
        &cmd(&ra, &store, &["renew", "--password-stdin", "--yes"]),
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // What a run killed before its rename left (an older version's
    // `.new.*`, issue 14): key, certificate and meta, no chain, hidden.
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
    assert_eq!(list.status.code(), Some(0), "{}", stderr(&list));
    let text = stdout(&list);
    assert!(text.contains("保存が完了していなかった証明書"), "{text}");
    assert!(text.contains("一時ファイル 1 個を削除しました"), "{text}");
    assert!(text.contains("完成できないため"), "{text}");
    assert!(new_dir.join("cert.pem").is_file() && !hidden.exists());
    // Kept, and named by list --excluded (and its JSON).
    let excluded = certrenew(&cmd(&ra, &store, &["list", "--offline", "--excluded"]), "").await;
    let text = stdout(&excluded);
    assert!(text.contains(".unfinished."), "{text}");
    let json = certrenew(
        &cmd(
            &ra,
            &store,
            &["--output", "json", "list", "--offline", "--excluded"],
        ),
        "",
    )
    .await;
    assert!(stdout(&json).contains(".unfinished."), "{}", stdout(&json));
    // The next renewal completes it: no login, no second issuance.
    let out = certrenew(
        &cmd(&ra, &store, &["renew", "--password-stdin", "--yes"]),
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("前回発行された証明書のインポートを完了しました"),
        "{}",
        stdout(&out)
    );
    assert!(new_dir.join("chain.pem").is_file());
    let s = ra.state.lock().unwrap();
    assert_eq!((s.logins, s.issuances), (1, 1));
}
