//! What the customer reads, end to end with the built binary against the
//! real mock: every line of a Japanese run is Japanese (the manual's
//! messages, the catalogue's details; host names, serials, paths and status
//! numbers as they are), the progress lines of D4.4 and none in JSON,
//! English and JSON keeping the technical detail, and the classes and
//! remedies of `verify`, `import`, `list`, `export` and `roots`. (Usage
//! errors, help and what needs no server are the client's own
//! `client/tests/customer_texts.rs`.)

// Test support: a panic here is a failed test, which is what an unwrap means.
#![allow(clippy::unwrap_used)]

use crate::support::*;
use harness::process::Run;
use mock_ra::OrderState;

const E115_JA: &str = "115:データの問合せに失敗しました。";
const ENOCERT_JA: &str = "証明書がありません。";
const EIMPORT_JA: &str = "証明書をインポートできませんでした。";

fn stdout(o: &Run) -> String {
    o.stdout.clone()
}

fn stderr(o: &Run) -> String {
    o.stderr.clone()
}

/// A character of Japanese text (kana, kanji, full-width punctuation).
fn is_japanese(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{303f}' | '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
}

/// A row of the manual's host table: host, IP, protocol, nothing else.
fn is_host_row(line: &str) -> bool {
    let f: Vec<&str> = line.split_whitespace().collect();
    f.len() == 3 && f[0].ends_with(".secomtrust.net") && matches!(f[2], "HTTP" | "HTTPS")
}

/// Every line of `text` is Japanese (or a row of the host table), and no
/// English phrase or Rust Debug value slipped into one.
fn assert_all_japanese(what: &str, text: &str) {
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            line.chars().any(is_japanese) || is_host_row(line),
            "{what}: a line without Japanese: {line:?}\n{text}"
        );
        for english in [
            "could not",
            "unexpected",
            "expected",
            "error",
            "timed out",
            " the ",
            "not a ",
            "failed",
            "answered",
            "UnixTime",
            "Some(",
            " { ",
        ] {
            assert!(
                !line.contains(english),
                "{what}: English or Debug text {english:?} in {line:?}\n{text}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_line_a_japanese_customer_sees_is_japanese() {
    let ra = Ra::start().await;
    let (work, store) = store_with_old(&ra).await;
    let pass = format!("{PASSWORD}\n");
    let mut runs: Vec<(&str, Vec<String>, String)> = vec![
        (
            "wrong password",
            cmd(&ra, &store, &["renew", "--password-stdin", "--yes"]),
            "wrong\n".into(),
        ),
        (
            "repo1 unreachable",
            unreachable(
                cmd(
                    &ra,
                    &store,
                    &["--retries", "0", "renew", "--password-stdin", "--yes"],
                ),
                "repo1.secomtrust.net",
            ),
            pass.clone(),
        ),
        (
            "no terminal, no --yes",
            cmd(&ra, &store, &["renew", "--password-stdin"]),
            pass.clone(),
        ),
        (
            "no password",
            cmd(&ra, &store, &["renew", "--yes"]),
            String::new(),
        ),
        (
            "--all without a terminal",
            cmd(&ra, &store, &["renew", "--password-stdin", "--all"]),
            pass.clone(),
        ),
        (
            "unknown serial",
            cmd(
                &ra,
                &store,
                &["renew", "--password-stdin", "--select", "ffff"],
            ),
            pass.clone(),
        ),
        (
            "no store",
            cmd(&ra, &work.path().join("typo"), &["list"]),
            String::new(),
        ),
        (
            "wrong PKCS#12 passphrase",
            cmd(
                &ra,
                &store,
                &[
                    "import",
                    "--p12",
                    &ra.path("old.p12").display().to_string(),
                    "--passphrase-stdin",
                ],
            ),
            "wrong\n".into(),
        ),
        (
            "export over a file",
            cmd(
                &ra,
                &store,
                &[
                    "export",
                    "--select",
                    &ra.old_serial(),
                    "--out",
                    &ra.path("old.p12").display().to_string(),
                    "--passphrase-stdin",
                ],
            ),
            "x\n".into(),
        ),
        (
            "verify, webra1 unreachable",
            unreachable(cmd(&ra, &store, &["verify"]), "webra1.secomtrust.net"),
            String::new(),
        ),
        (
            "verify, expired certificate",
            cmd(&ra, &store, &["verify"]),
            String::new(),
        ),
        (
            "check, repository unreachable",
            unreachable(
                cmd(&ra, &store, &["--retries", "0", "check"]),
                "repository.secomtrust.net",
            ),
            String::new(),
        ),
        (
            "an unknown flag",
            cmd(&ra, &store, &["renew", "--bogus"]),
            String::new(),
        ),
        (
            "a malformed proxy",
            cmd(&ra, &store, &["--proxy", "::::", "check"]),
            String::new(),
        ),
        (
            "two options that exclude each other",
            cmd(&ra, &store, &["renew", "--select", "01", "--all"]),
            String::new(),
        ),
    ];
    // The pin of the manual, which the test root does not have.
    let mut mismatch = cmd(&ra, &store, &["renew", "--password-stdin", "--yes"]);
    let i = mismatch.iter().position(|a| a == "--root-sha1").unwrap();
    mismatch[i + 1] = "40A6C237 3D05322D 64087065 04F141D0 0775CD57".into();
    runs.push(("thumbprint mismatch", mismatch, pass.clone()));
    for (what, args, stdin) in runs {
        let out = certrenew(&args, &stdin).await;
        assert_ne!(out.exit, Some(0), "{what} succeeded");
        assert_all_japanese(what, &stderr(&out));
        assert_all_japanese(what, &stdout(&out));
        assert!(!stderr(&out).contains(PASSWORD), "{what}");
    }
    // The nothing-was-used runs consumed nothing.
    assert_eq!(ra.order(), OrderState::Ready);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn english_and_json_keep_the_technical_detail() {
    let ra = Ra::start().await;
    let (_work, store) = store_with_old(&ra).await;
    let out = certrenew(&cmd(&ra, &store, &["--lang", "en", "check"]), "").await;
    assert_eq!(out.exit, Some(0), "{}", out.stderr);
    assert_eq!(out.stdout.lines().next(), Some("all three hosts answered"));
    let args = unreachable(
        cmd(&ra, &store, &["--retries", "0", "--lang", "en", "check"]),
        "repository.secomtrust.net",
    );
    let out = certrenew(&args, "").await;
    assert_eq!(out.exit, Some(3));
    assert_eq!(
        failure_message(&out).as_deref(),
        Some("115: the data query failed")
    );
    assert!(
        stderr(&out).contains("no answer: could not connect"),
        "{}",
        stderr(&out)
    );
    let args = unreachable(
        cmd(
            &ra,
            &store,
            &["--retries", "0", "--output", "json", "check"],
        ),
        "repository.secomtrust.net",
    );
    let v = json(&certrenew(&args, "").await);
    assert_eq!(v["message"], E115_JA);
    let hosts = v["details"]["hosts"].as_array().unwrap();
    assert!(
        hosts[2]["error"]
            .as_str()
            .unwrap()
            .contains("could not connect"),
        "{v}"
    );
    assert_eq!(hosts[2]["failure"], "connect");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_lines_in_text_mode_and_none_in_json() {
    let ra = Ra::start().await;
    let (_work, store) = store_with_old(&ra).await;
    let out = certrenew(
        &cmd(
            &ra,
            &store,
            &["--output", "json", "renew", "--password-stdin", "--yes"],
        ),
        "wrong\n",
    )
    .await;
    assert_eq!(out.exit, Some(5));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    assert_eq!(json(&out)["class"], "E550A");
    let out = renew(&ra, &store).await;
    assert_eq!(out.exit, Some(0), "{}", stderr(&out));
    let progress: Vec<String> = stderr(&out).lines().map(str::to_owned).collect();
    let old = ra.old.info().unwrap();
    let presenting = format!(
        "使用する証明書: {} (シリアル番号 {}、有効期間の終了 {})",
        old.subject,
        old.serial,
        old.not_after
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    );
    assert_eq!(
        progress,
        [
            "処理中: アクセスを確認しています",
            presenting.as_str(),
            "処理中: ログインしています",
            "処理中: 証明書を発行しています",
            "処理中: 証明書チェーンを確認しています",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_classes_and_the_remedy_command_that_runs() {
    let ra = Ra::start().await;
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    let ssl = work.path().join("ssl state");
    import_old(&ra, &store).await;
    // Unreachable confirmation page: E115 with D6.1's advice, not D6.11's.
    let out = certrenew(
        &unreachable(cmd(&ra, &store, &["verify"]), "webra1.secomtrust.net"),
        "",
    )
    .await;
    assert_eq!(out.exit, Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(failure_message(&out).as_deref(), Some(E115_JA));
    assert!(err.contains("webra1.secomtrust.net"), "{err}");
    assert!(err.contains("ウイルス対策ソフト"), "{err}");
    assert!(!err.contains("SSL 状態のクリア"), "{err}");
    // An unknown serial: ENOCERT.
    let out = certrenew(&cmd(&ra, &store, &["verify", "--select", "ffff"]), "").await;
    assert_eq!(out.exit, Some(4), "{}", stderr(&out));
    assert_eq!(failure_message(&out).as_deref(), Some(ENOCERT_JA));
    // The page says no (the certificate expired): ECONFIRM, and the remedy
    // is a command that runs, with the actual directory.
    let ssl_s = ssl.display().to_string();
    let out = certrenew(&cmd(&ra, &store, &["verify", "--ssl-state", &ssl_s]), "").await;
    assert_eq!(out.exit, Some(9), "{}", stderr(&out));
    let remedy = format!("certrenew verify --ssl-state {ssl_s} --clear-ssl-state");
    assert!(stderr(&out).contains(&remedy), "{}", stderr(&out));
    let out = certrenew(
        &cmd(
            &ra,
            &store,
            &["verify", "--ssl-state", &ssl_s, "--clear-ssl-state"],
        ),
        "",
    )
    .await;
    // It runs (the page still says no for an expired certificate: 9, not 2).
    assert_eq!(out.exit, Some(9), "{}", stderr(&out));
    // Without --ssl-state the command still names the flag it needs.
    let out = certrenew(&cmd(&ra, &store, &["verify"]), "").await;
    assert!(
        stderr(&out).contains("certrenew verify --ssl-state DIR --clear-ssl-state"),
        "{}",
        stderr(&out)
    );
}

/// The account's certificate as PEM files, without its chain.
fn write_pem_without_chain(ra: &Ra) -> (String, String) {
    let (cert, key) = (ra.path("old-cert.pem"), ra.path("old-key.pem"));
    std::fs::write(&cert, certs_gen::pem::certificate(&ra.old.cert)).unwrap();
    std::fs::write(&key, ra.old.key_pem()).unwrap();
    (cert.display().to_string(), key.display().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_without_chain_fetches_it_and_the_identity_can_be_selected() {
    let ra = Ra::start().await;
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    let (cert, key) = write_pem_without_chain(&ra);
    let out = certrenew(
        &cmd(&ra, &store, &["import", "--cert", &cert, "--key", &key]),
        "",
    )
    .await;
    assert_eq!(out.exit, Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(
            "証明書チェーン (発行元の認証局とルート証明書) をリポジトリから取得しました。"
        ),
        "{}",
        stdout(&out)
    );
    let dir = &identity_dirs(&store)[0];
    assert!(dir.join("chain.pem").is_file());
    // webra2 names the root: the identity is offered.
    let out = certrenew(&cmd(&ra, &store, &["list"]), "").await;
    assert_eq!(out.exit, Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains(&ra.old_serial()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_whose_chain_stays_unknown_says_so_and_how_to_fix_it() {
    let ra = Ra::start().await;
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    let (cert, key) = write_pem_without_chain(&ra);
    let args = unreachable(
        cmd(
            &ra,
            &store,
            &["--retries", "0", "import", "--cert", &cert, "--key", &key],
        ),
        "repo1.secomtrust.net",
    );
    let out = certrenew(&args, "").await;
    // Imported anyway.
    assert_eq!(out.exit, Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("この証明書は選択できません"), "{text}");
    assert!(
        text.contains(&format!(
            "certrenew import --cert {cert} --key FILE --chain FILE"
        )),
        "{text}"
    );
    assert_all_japanese("import without chain", &text);
    // list --all --excluded shows it, with why, although nothing can be chosen.
    let out = certrenew(&cmd(&ra, &store, &["list", "--all", "--excluded"]), "").await;
    assert_eq!(out.exit, Some(4), "{}", stderr(&out));
    let err = stderr(&out);
    let serial = ra.old_serial();
    assert!(
        err.contains(&format!("(対象外) シリアル番号 {serial}")),
        "{err}"
    );
    assert!(err.contains("--chain"), "{err}");
    // The 90-day advice is not the one given: the certificate expired 10 days ago.
    assert!(!err.contains("90 日以上経過している場合"), "{err}");
    let out = certrenew(
        &cmd(
            &ra,
            &store,
            &["--output", "json", "list", "--all", "--excluded"],
        ),
        "",
    )
    .await;
    let v = json(&out);
    assert_eq!(v["details"]["excluded"][0]["serial"], serial.as_str());
    // Importing again with the chain fixes it.
    std::fs::write(ra.path("chain.pem"), ra.old.chain_pem()).unwrap();
    let chain = ra.path("chain.pem").display().to_string();
    let out = certrenew(
        &cmd(
            &ra,
            &store,
            &["import", "--cert", &cert, "--key", &key, "--chain", &chain],
        ),
        "",
    )
    .await;
    assert_eq!(out.exit, Some(0), "{}", stderr(&out));
    let out = certrenew(&cmd(&ra, &store, &["list"]), "").await;
    assert_eq!(out.exit, Some(0), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_block_that_is_not_a_certificate_is_named() {
    let ra = Ra::start().await;
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    let (cert, key) = write_pem_without_chain(&ra);
    let broken = ra.path("chain-broken.pem");
    std::fs::write(
        &broken,
        format!(
            "{}-----BEGIN CERTIFICATE-----\nAAECAwQF\n-----END CERTIFICATE-----\n",
            ra.old.chain_pem()
        ),
    )
    .unwrap();
    let broken_s = broken.display().to_string();
    let out = certrenew(
        &cmd(
            &ra,
            &store,
            &[
                "import", "--cert", &cert, "--key", &key, "--chain", &broken_s,
            ],
        ),
        "",
    )
    .await;
    assert_eq!(out.exit, Some(8), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&broken_s), "{err}");
    assert!(err.contains("3 番目の証明書ブロック"), "{err}");
    assert!(identity_dirs(&store).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roots_add_takes_only_a_ca() {
    let ra = Ra::start().await;
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    // Self-issued, but an end-entity certificate.
    let key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["not-a-ca.example".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let path = ra.path("leaf.pem");
    std::fs::write(&path, leaf.pem()).unwrap();
    let path_s = path.display().to_string();
    let out = certrenew(&cmd(&ra, &store, &["roots", "add", &path_s, "--yes"]), "").await;
    assert_eq!(out.exit, Some(8), "{}", stderr(&out));
    assert_eq!(failure_message(&out).as_deref(), Some(EIMPORT_JA));
    assert!(stderr(&out).contains("認証局の証明書ではありません"));
    assert!(
        !store.join("trust").exists()
            || std::fs::read_dir(store.join("trust")).unwrap().count() == 0
    );
    // The client-CA root is one.
    let root = ra.path("client-root.pem").display().to_string();
    let out = certrenew(&cmd(&ra, &store, &["roots", "add", &root, "--yes"]), "").await;
    assert_eq!(out.exit, Some(0), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_refuses_an_empty_passphrase() {
    let ra = Ra::start().await;
    let (work, store) = store_with_old(&ra).await;
    let out_file = work.path().join("out.p12");
    let out = certrenew(
        &cmd(
            &ra,
            &store,
            &[
                "export",
                "--select",
                &ra.old_serial(),
                "--out",
                &out_file.display().to_string(),
                "--passphrase-stdin",
            ],
        ),
        "\n",
    )
    .await;
    assert_eq!(out.exit, Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("パスフレーズが空です"),
        "{}",
        stderr(&out)
    );
    assert!(!out_file.exists());
}

/// An identity whose files were damaged is not silently dropped: nothing
/// can be chosen (ENOCERT), the damaged one is named with why, the remedy
/// is to import it again, and importing it again works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_identity_is_named_and_importing_it_again_repairs_it() {
    let ra = Ra::start().await;
    let (work, store) = store_with_old(&ra).await;
    let dir = std::fs::read_dir(store.join("identities"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .unwrap();
    let serial = dir
        .file_name()
        .unwrap()
        .to_string_lossy()
        .rsplit('-')
        .next()
        .unwrap()
        .to_owned();
    std::fs::write(dir.join("cert.pem"), b"damaged\n").unwrap();

    let out = certrenew(&cmd(&ra, &store, &["list", "--offline"]), "").await;
    assert_eq!(out.exit, Some(4), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(text.starts_with("証明書がありません。\n"), "{text}");
    assert!(
        text.contains(&format!(
            "(対象外) シリアル番号 {serial}: ストアにあるファイル cert.pem を読み取れません ("
        )),
        "{text}"
    );
    assert!(
        text.contains("取り込み直してください (certrenew import)"),
        "{text}"
    );
    assert!(!text.contains("まだ取り込んでいない"), "{text}");
    assert_all_japanese("damaged store", &text);

    let out = certrenew(
        &cmd(&ra, &store, &["--output", "json", "list", "--offline"]),
        "",
    )
    .await;
    let j = json(&out);
    assert_eq!(j["class"], "ENOCERT", "{j}");
    assert_eq!(
        j["details"]["excluded"][0]["serial"],
        serial.as_str(),
        "{j}"
    );
    assert_eq!(j["details"]["excluded"][0]["unreadable"], true, "{j}");
    // Exporting it names the damage too, not "not in the store".
    let out_file = work.path().join("out.p12");
    let out = certrenew(
        &cmd(
            &ra,
            &store,
            &[
                "export",
                "--select",
                &serial,
                "--out",
                out_file.to_str().unwrap(),
                "--passphrase-stdin",
            ],
        ),
        "x-pass\n",
    )
    .await;
    assert_eq!(out.exit, Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("シリアル番号 {serial} の証明書は使用できません (ストアにあるファイル cert.pem を読み取れません")),
        "{}",
        stderr(&out)
    );
    assert!(!out_file.exists());

    // Importing it again moves the damaged copy aside and restores it.
    import_old(&ra, &store).await;
    let out = certrenew(&cmd(&ra, &store, &["list", "--offline"]), "").await;
    assert_eq!(out.exit, Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains(&serial), "{}", stdout(&out));
}
