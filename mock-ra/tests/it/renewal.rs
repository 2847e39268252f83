//! webra2 over real mutual TLS: the renewal end to end, every refusal with
//! its class and journal cause, both sides of each boundary, bad input, and
//! one issuance per order under concurrency.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use crate::common::*;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use certs_gen::KeyType;
use mock_ra::{Cause, CertStatus, MockRa, OrderState, Role};
use time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn happy_path_renews_once_and_the_chain_verifies_with_openssl() {
    let t0 = now();
    let mock = MockRa::start(world(t0, vec![account("alice", "pw-2024", "-10d")]))
        .await
        .unwrap();
    let old = mock.identity("alice").unwrap();
    let old_serial = old.info().unwrap().serial;
    let c = client(&mock, Some(&old));

    let (status, body) = login(&c, &mock, "pw-2024").await;
    assert_eq!(status, 200, "{body}");
    let ticket = body["ticket"].as_str().unwrap();
    assert!(ticket.len() >= 32);
    assert_eq!(
        body["key_types"],
        serde_json::json!(["p256", "rsa2048", "rsa3072", "rsa4096"])
    );
    assert_eq!(body["subject"], old.info().unwrap().subject);
    assert_eq!(
        body["expires_at"],
        mock_ra::rfc3339(t0 + Duration::minutes(5))
    );
    let e = last(&mock, Role::Webra2);
    assert_eq!(e.cause, Cause::TicketIssued);
    assert_eq!(e.account.as_deref(), Some("alice"));
    assert_eq!(e.certificate.as_ref().unwrap().serial, old_serial);

    let (new_key, csr_b64) = csr(body["subject_der"].as_str().unwrap(), KeyType::P256);
    let (status, issued) = issue(&c, &mock, ticket, &csr_b64).await;
    assert_eq!(status, 201, "{issued}");
    let e = last(&mock, Role::Webra2);
    assert_eq!((e.cause, e.class), (Cause::Issued, None));
    assert_eq!(e.account.as_deref(), Some("alice"));
    let pem = issued["certificate"].as_str().unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
    let serial = issued["serial"].as_str().unwrap();
    assert!(
        serial
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    assert_eq!(issued["not_before"], mock_ra::rfc3339(t0));
    assert_eq!(
        issued["not_after"],
        mock_ra::rfc3339(t0 + Duration::days(365))
    );

    // The account moved on: order fetched, old renewed, new current.
    let a = mock.account("alice").unwrap();
    assert_eq!(a.order, OrderState::Fetched);
    let statuses: Vec<_> = a
        .certificates
        .iter()
        .map(|c| (c.serial.clone(), c.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (old_serial.clone(), Some(CertStatus::Renewed)),
            (serial.to_owned(), Some(CertStatus::Current)),
        ]
    );

    // The ticket was single use, and the order one-shot (D6.9, D7.3).
    let (status, body) = issue(&c, &mock, ticket, &csr_b64).await;
    assert_eq!(
        (status.as_u16(), body["class"].as_str()),
        (400, Some("bad_ticket"))
    );
    let again = login(&c, &mock, "pw-2024").await;
    assert_refused(
        &mock,
        &again,
        409,
        "E550F",
        Cause::AlreadyFetched,
        Some("alice"),
    );

    // An independent verifier: openssl, with the issuing CA and root fetched
    // from repo1/repository (by the URLs in the certificates) and both CRLs.
    let dir = tempfile::tempdir().unwrap();
    let plain = client(&mock, None);
    let names = &mock.pki().names;
    let fetch = |url: String| {
        let plain = plain.clone();
        async move {
            let r = plain.get(url).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.bytes().await.unwrap().to_vec()
        }
    };
    let issuing = fetch(repo1(&mock, &names.issuing_ca_cert_path())).await;
    let root = fetch(repository(&mock, &names.root_cert_path())).await;
    let issuing_crl = fetch(repo1(&mock, &names.issuing_ca_crl_path())).await;
    let root_crl = fetch(repository(&mock, &names.root_crl_path())).await;
    write(dir.path(), "new.pem", pem);
    write(
        dir.path(),
        "issuing.pem",
        &certs_gen::pem::certificate(&issuing),
    );
    write(dir.path(), "root.pem", &certs_gen::pem::certificate(&root));
    write(
        dir.path(),
        "issuing-crl.pem",
        &certs_gen::pem::crl(&issuing_crl),
    );
    write(dir.path(), "root-crl.pem", &certs_gen::pem::crl(&root_crl));
    let attime = (t0.unix_timestamp() + 60).to_string();
    let (ok, out) = openssl(
        &[
            "verify",
            "-attime",
            &attime,
            "-crl_check_all",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "issuing.pem",
            "-CRLfile",
            "issuing-crl.pem",
            "-CRLfile",
            "root-crl.pem",
            "new.pem",
        ],
        dir.path(),
    );
    assert!(ok && out.contains("new.pem: OK"), "{out}");
    let (ok, out) = openssl(
        &[
            "x509",
            "-in",
            "new.pem",
            "-noout",
            "-subject",
            "-ext",
            "extendedKeyUsage",
        ],
        dir.path(),
    );
    assert!(
        ok && out.contains("CN = alice") && out.contains("TLS Web Client Authentication"),
        "{out}"
    );

    // The new certificate logs in too, and also gets E550F (D6.9).
    let new_identity = certs_gen::Identity {
        key_type: KeyType::P256,
        key: rustls_pki_types::PrivatePkcs8KeyDer::from(new_key.serialize_der()),
        cert: rustls_pki_types::CertificateDer::from(
            x509_parser::pem::parse_x509_pem(pem.as_bytes())
                .unwrap()
                .1
                .contents,
        ),
        chain: old.chain.clone(),
    };
    let c2 = client(&mock, Some(&new_identity));
    let got = login(&c2, &mock, "pw-2024").await;
    assert_refused(
        &mock,
        &got,
        409,
        "E550F",
        Cause::AlreadyFetched,
        Some("alice"),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rsa_keys_renew_too() {
    let t0 = now();
    let mut w = world(t0, vec![account("bob", "pw", "-1d")]);
    w.accounts[0].key_type = Some(KeyType::Rsa2048);
    let mock = MockRa::start(w).await.unwrap();
    let id = mock.identity("bob").unwrap();
    assert_eq!(id.key_type, KeyType::Rsa2048);
    let (status, body) = renew(&mock, &id, "pw").await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_login_refusal_has_its_class_and_journal_cause() {
    let t0 = now();
    let w = world_toml(&format!(
        r#"
[clock]
now = "{now}"
frozen = true

[[account]]
id = "wrong"
password = "right"
[[account.certificate]]
expires = "-10d"

[[account]]
id = "locked"
password = "right"
locked = true
[[account.certificate]]
expires = "-10d"

[[account]]
id = "expiredpw"
password = "right"
password_expires = "-1s"
[[account.certificate]]
expires = "-10d"

[[account]]
id = "reissued"
password = "right"
[[account.certificate]]
expires = "-10d"
[[account.certificate]]
expires = "+300d"

[[account]]
id = "notyet"
password = "right"
order = "not_created"
[[account.certificate]]
expires = "-10d"

[[account]]
id = "fetched"
password = "right"
order = "fetched"
[[account.certificate]]
expires = "-10d"

[[account]]
id = "toolong"
password = "right"
[[account.certificate]]
expires = "-120d"

[[identity]]
name = "stranger"
expires = "-5d"

[[identity]]
name = "foreign-ca"
expires = "-5d"
ca = "foreign"
"#,
        now = mock_ra::rfc3339(t0)
    ));
    let mock = MockRa::start(w).await.unwrap();
    let id = |n: &str| mock.identity(n).unwrap();

    // D6.3: no certificate at all.
    let got = login(&client(&mock, None), &mock, "right").await;
    assert_refused(
        &mock,
        &got,
        403,
        "ENOCERT",
        Cause::NoClientCertificate,
        None,
    );
    assert!(last(&mock, Role::Webra2).certificate.is_none());

    // D6.2/D7.1: expired 90 days ago or more.
    let got = login(&client(&mock, Some(&id("toolong"))), &mock, "right").await;
    assert_refused(
        &mock,
        &got,
        403,
        "ENOCERT",
        Cause::ExpiredTooLong,
        Some("toolong"),
    );

    // D6.5: a certificate of our CA that no account owns.
    let got = login(&client(&mock, Some(&id("stranger"))), &mock, "right").await;
    assert_refused(&mock, &got, 403, "E550A", Cause::ForeignCertificate, None);

    // D6.8: the older certificate of a reissued pair.
    let got = login(&client(&mock, Some(&id("reissued-1"))), &mock, "right").await;
    assert_refused(&mock, &got, 403, "E550A", Cause::Reissued, Some("reissued"));

    // D6.6: locked, even with the right password.
    let got = login(&client(&mock, Some(&id("locked"))), &mock, "right").await;
    assert_refused(
        &mock,
        &got,
        403,
        "E550A",
        Cause::PasswordLocked,
        Some("locked"),
    );

    // D6.4: wrong password; the counter goes up.
    let got = login(&client(&mock, Some(&id("wrong"))), &mock, "wrong!").await;
    assert_refused(
        &mock,
        &got,
        403,
        "E550A",
        Cause::WrongPassword,
        Some("wrong"),
    );
    assert_eq!(mock.account("wrong").unwrap().failures, 1);

    // D6.7: the right password, expired.
    let got = login(&client(&mock, Some(&id("expiredpw"))), &mock, "right").await;
    assert_refused(
        &mock,
        &got,
        403,
        "E550A",
        Cause::PasswordExpired,
        Some("expiredpw"),
    );

    // D6.10 and D6.9.
    let got = login(&client(&mock, Some(&id("notyet"))), &mock, "right").await;
    assert_refused(&mock, &got, 409, "E550F", Cause::NotCreated, Some("notyet"));
    let got = login(&client(&mock, Some(&id("fetched"))), &mock, "right").await;
    assert_refused(
        &mock,
        &got,
        409,
        "E550F",
        Cause::AlreadyFetched,
        Some("fetched"),
    );

    // A chain to another root does not pass the handshake (protocol 1).
    let err = client(&mock, Some(&id("foreign-ca")))
        .post(webra2(&mock, LOGIN))
        .json(&serde_json::json!({"password": "right"}))
        .send()
        .await;
    assert!(
        err.is_err(),
        "a foreign chain must be refused at the TLS layer"
    );
    // The server journals the failed handshake when its side of it ends,
    // which can be just after the client has seen the alert.
    let mut handshake = None;
    for _ in 0..200 {
        handshake = mock
            .journal()
            .into_iter()
            .rfind(|e| e.role == Role::Webra2 && e.method.is_empty());
        if handshake.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let handshake = handshake.expect("the refused handshake is journaled within 2 s");
    assert_eq!(handshake.cause, Cause::TlsBadClientCertificate);

    // Passwords appear nowhere in the journal.
    let journal = serde_json::to_string(&mock.journal()).unwrap();
    assert!(
        !journal.contains("right") && !journal.contains("wrong!"),
        "{journal}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ninety_day_boundary_is_exact() {
    let t0 = now();
    let mock = MockRa::start(world(
        t0,
        vec![
            account("inside", "pw", "-89d23h59m"),
            account("edge", "pw", "-90d"),
        ],
    ))
    .await
    .unwrap();
    let inside = mock.identity("inside").unwrap();
    let (status, body) = renew(&mock, &inside, "pw").await;
    assert_eq!(status, 201, "89d23h59m after expiry still renews: {body}");

    let edge = client(&mock, Some(&mock.identity("edge").unwrap()));
    let got = login(&edge, &mock, "pw").await;
    assert_refused(
        &mock,
        &got,
        403,
        "ENOCERT",
        Cause::ExpiredTooLong,
        Some("edge"),
    );

    // The same certificate, one second either side of the limit.
    mock.set_clock(t0 - Duration::seconds(1)).unwrap();
    let (status, body) = login(&edge, &mock, "pw").await;
    assert_eq!(status, 200, "89d23h59m59s: {body}");
    mock.advance_clock(Duration::seconds(1)).unwrap();
    let got = login(&edge, &mock, "pw").await;
    assert_refused(
        &mock,
        &got,
        403,
        "ENOCERT",
        Cause::ExpiredTooLong,
        Some("edge"),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lock_threshold_counts_to_exactly_n() {
    let t0 = now();
    let mock = MockRa::start(world(
        t0,
        vec![account("four", "pw", "-10d"), account("five", "pw", "-10d")],
    ))
    .await
    .unwrap();
    let four = client(&mock, Some(&mock.identity("four").unwrap()));
    for i in 1..=4 {
        let got = login(&four, &mock, "nope").await;
        assert_refused(
            &mock,
            &got,
            403,
            "E550A",
            Cause::WrongPassword,
            Some("four"),
        );
        assert_eq!(mock.account("four").unwrap().failures, i);
    }
    assert!(!mock.account("four").unwrap().locked);
    let (status, body) = login(&four, &mock, "pw").await;
    assert_eq!(status, 200, "4 failures, then the right password: {body}");
    assert_eq!(
        mock.account("four").unwrap().failures,
        0,
        "success resets the counter"
    );

    let five = client(&mock, Some(&mock.identity("five").unwrap()));
    for _ in 0..5 {
        let got = login(&five, &mock, "nope").await;
        assert_refused(
            &mock,
            &got,
            403,
            "E550A",
            Cause::WrongPassword,
            Some("five"),
        );
    }
    assert!(mock.account("five").unwrap().locked);
    let got = login(&five, &mock, "pw").await;
    assert_refused(
        &mock,
        &got,
        403,
        "E550A",
        Cause::PasswordLocked,
        Some("five"),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_that_counts_is_the_one_at_not_after_minus_28_days() {
    let t0 = now();
    // Certificates expired 10 days ago: the reference point is 38 days ago.
    let w = world_toml(&format!(
        r#"
[clock]
now = "{now}"
frozen = true

[[account]]
id = "before"
password = "old"
[[account.password_change]]
at = "-38d1s"
password = "new"
[[account.certificate]]
expires = "-10d"

[[account]]
id = "at"
password = "old"
[[account.password_change]]
at = "-38d"
password = "new"
[[account.certificate]]
expires = "-10d"

[[account]]
id = "after"
password = "old"
[[account.password_change]]
at = "-37d23h59m59s"
password = "new"
[[account.certificate]]
expires = "-10d"
"#,
        now = mock_ra::rfc3339(t0)
    ));
    let mock = MockRa::start(w).await.unwrap();
    for (id, counts, not) in [
        ("before", "new", "old"),
        ("at", "new", "old"),
        ("after", "old", "new"),
    ] {
        let c = client(&mock, Some(&mock.identity(id).unwrap()));
        let got = login(&c, &mock, not).await;
        assert_refused(&mock, &got, 403, "E550A", Cause::WrongPassword, Some(id));
        let (status, body) = login(&c, &mock, counts).await;
        assert_eq!(status, 200, "{id}: `{counts}` should count: {body}");
    }
    // A change today does not matter either (D2.1).
    mock.change_password("after", "today").unwrap();
    let c = client(&mock, Some(&mock.identity("after").unwrap()));
    let got = login(&c, &mock, "today").await;
    assert_refused(
        &mock,
        &got,
        403,
        "E550A",
        Cause::WrongPassword,
        Some("after"),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_a_clear_4xx_and_changes_nothing() {
    let t0 = now();
    let mock = MockRa::start(world(
        t0,
        vec![account("alice", "pw", "-10d"), account("bob", "pw", "-10d")],
    ))
    .await
    .unwrap();
    let alice = mock.identity("alice").unwrap();
    let c = client(&mock, Some(&alice));
    let (status, body) = login(&c, &mock, "pw").await;
    assert_eq!(status, 200);
    let ticket = body["ticket"].as_str().unwrap().to_owned();
    let subject_der = STANDARD
        .decode(body["subject_der"].as_str().unwrap())
        .unwrap();
    let before = mock.account("alice").unwrap();
    let journal_before = mock.journal().len();

    let post = |path: &'static str, body: Vec<u8>| {
        let c = c.clone();
        let url = webra2(&mock, path);
        async move {
            json_of(
                c.post(url)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let expect = |got: (reqwest::StatusCode, serde_json::Value), status: u16, class: &str| {
        assert_eq!(got.0.as_u16(), status, "{}", got.1);
        assert_eq!(got.1["class"], class, "{}", got.1);
        assert_eq!(got.1["status"], status);
    };

    // Login: malformed JSON, missing field, wrong type, oversize. None counts
    // as a failure.
    expect(post(LOGIN, b"{not json".to_vec()).await, 400, "bad_request");
    expect(post(LOGIN, b"{}".to_vec()).await, 400, "bad_request");
    expect(
        post(LOGIN, br#"{"password": 42}"#.to_vec()).await,
        400,
        "bad_request",
    );
    expect(post(LOGIN, vec![b' '; 70_000]).await, 413, "too_large");

    // Issuance: every CSR problem, then every ticket problem.
    let issue_body = |ticket: &str, csr: &str| {
        serde_json::to_vec(&serde_json::json!({"ticket": ticket, "csr": csr})).unwrap()
    };
    expect(post(CERTIFICATE, b"[]".to_vec()).await, 400, "bad_request");
    expect(
        post(CERTIFICATE, issue_body(&ticket, "%%%not base64")).await,
        400,
        "bad_request",
    );
    expect(
        post(CERTIFICATE, issue_body(&ticket, "AAECAwQ=")).await,
        400,
        "bad_request",
    );
    // Wrong subject.
    let mut other = rcgen::CertificateParams::default();
    other
        .distinguished_name
        .push(rcgen::DnType::CommonName, "someone else");
    let key = KeyType::P256.generate().unwrap();
    let wrong_subject = STANDARD.encode(other.serialize_request(&key).unwrap().der());
    let got = post(CERTIFICATE, issue_body(&ticket, &wrong_subject)).await;
    expect(got.clone(), 400, "bad_request");
    assert!(
        got.1["detail"].as_str().unwrap().contains("subject"),
        "{}",
        got.1
    );
    // A P-384 key.
    let p384 = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).unwrap();
    let got = post(
        CERTIFICATE,
        issue_body(&ticket, &csr_with_key(&subject_der, &p384)),
    )
    .await;
    expect(got.clone(), 400, "bad_request");
    assert!(
        got.1["detail"].as_str().unwrap().contains("P-256"),
        "{}",
        got.1
    );
    // A weak key: RSA-1024 (made and signed by openssl: aws-lc will not).
    let got = post(
        CERTIFICATE,
        issue_body(&ticket, &openssl_rsa_csr(&subject_der, 1024, 65537)),
    )
    .await;
    expect(got.clone(), 400, "bad_request");
    assert!(
        got.1["detail"]
            .as_str()
            .unwrap()
            .contains("RSA key of 1024 bits: expected 2048 bits or more"),
        "{}",
        got.1
    );
    // A broken self-signature.
    let good = STANDARD.decode(csr_with_key(&subject_der, &key)).unwrap();
    let mut broken = good.clone();
    let last = broken.len() - 1;
    broken[last] ^= 0x55;
    let got = post(CERTIFICATE, issue_body(&ticket, &STANDARD.encode(&broken))).await;
    expect(got, 400, "bad_request");
    // Unknown ticket; a ticket sent with another certificate; with none.
    let good_b64 = STANDARD.encode(&good);
    expect(
        post(CERTIFICATE, issue_body("no-such-ticket", &good_b64)).await,
        400,
        "bad_ticket",
    );
    let bob = client(&mock, Some(&mock.identity("bob").unwrap()));
    let got = issue(&bob, &mock, &ticket, &good_b64).await;
    expect(got, 400, "bad_ticket");
    let nobody = client(&mock, None);
    let got = issue(&nobody, &mock, &ticket, &good_b64).await;
    expect(got, 400, "bad_ticket");

    // Nothing changed, every request was journaled as what it was.
    assert_eq!(mock.account("alice").unwrap(), before);
    assert_eq!(mock.account("bob").unwrap().order, OrderState::Ready);
    let causes: Vec<Cause> = mock.journal()[journal_before..]
        .iter()
        .map(|e| e.cause)
        .collect();
    assert_eq!(
        causes,
        [
            vec![Cause::BadRequest; 3],
            vec![Cause::TooLarge],
            vec![Cause::BadRequest; 7],
            vec![Cause::BadTicket; 3]
        ]
        .concat()
    );

    // The ticket was not used up by any of that: it still issues, once.
    let (status, body) = issue(&c, &mock, &ticket, &good_b64).await;
    assert_eq!(status, 201, "{body}");

    // A ticket past its time is refused (5 minutes by default).
    let (status, body) = login(&bob, &mock, "pw").await;
    assert_eq!(status, 200, "{body}");
    mock.advance_clock(Duration::minutes(5)).unwrap();
    let (_, bob_csr) = csr(body["subject_der"].as_str().unwrap(), KeyType::P256);
    let got = issue(&bob, &mock, body["ticket"].as_str().unwrap(), &bob_csr).await;
    expect(got, 400, "bad_ticket");
    assert_eq!(mock.account("bob").unwrap().order, OrderState::Ready);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_parallel_renewals_of_one_order_issue_exactly_once() {
    const N: usize = 56;
    let mock = std::sync::Arc::new(
        MockRa::start(world(now(), vec![account("alice", "pw", "-10d")]))
            .await
            .unwrap(),
    );
    let alice = mock.identity("alice").unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..N {
        let mock = mock.clone();
        let alice = alice.clone();
        tasks.spawn(async move {
            // Each its own client: its own TLS handshake.
            let c = client(&mock, Some(&alice));
            let (status, body) = login(&c, &mock, "pw").await;
            if status != 200 {
                return (
                    status.as_u16(),
                    body["class"].as_str().unwrap_or("").to_owned(),
                );
            }
            let (_, csr_b64) = csr(body["subject_der"].as_str().unwrap(), KeyType::P256);
            let (status, body) = issue(&c, &mock, body["ticket"].as_str().unwrap(), &csr_b64).await;
            (
                status.as_u16(),
                body["class"].as_str().unwrap_or("").to_owned(),
            )
        });
    }
    let mut outcomes = Vec::new();
    while let Some(r) = tasks.join_next().await {
        outcomes.push(r.unwrap());
    }
    let issued = outcomes.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(issued, 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|(s, c)| *s == 201 || (*s == 409 && c == "E550F")),
        "{outcomes:?}"
    );
    let journal = mock.journal();
    assert_eq!(
        journal.iter().filter(|e| e.cause == Cause::Issued).count(),
        1
    );
    let a = mock.account("alice").unwrap();
    assert_eq!(a.order, OrderState::Fetched);
    assert_eq!(a.certificates.len(), 2);
}

/// Records the CA names of the CertificateRequest and presents one identity.
#[derive(Debug)]
struct RecordingResolver {
    key: std::sync::Arc<rustls::sign::CertifiedKey>,
    hints: std::sync::Mutex<Vec<Vec<Vec<u8>>>>,
}

impl rustls::client::ResolvesClientCert for RecordingResolver {
    fn resolve(
        &self,
        hints: &[&[u8]],
        _schemes: &[rustls::SignatureScheme],
    ) -> Option<std::sync::Arc<rustls::sign::CertifiedKey>> {
        self.hints
            .lock()
            .unwrap()
            .push(hints.iter().map(|h| h.to_vec()).collect());
        Some(self.key.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_certificate_request_names_the_client_root_over_tls13_and_tls12() {
    use std::sync::Arc;
    use x509_parser::prelude::FromDer;
    let mock = MockRa::start(world(now(), vec![account("alice", "pw", "-10d")]))
        .await
        .unwrap();
    let alice = mock.identity("alice").unwrap();
    let (_, root) =
        x509_parser::certificate::X509Certificate::from_der(mock.pki().client_root.der()).unwrap();
    let root_subject = root.subject().as_raw().to_vec();
    for version in [&rustls::version::TLS13, &rustls::version::TLS12] {
        let mut chain = vec![alice.cert.clone()];
        chain.extend(alice.chain.iter().cloned());
        let resolver = Arc::new(RecordingResolver {
            key: Arc::new(
                rustls::sign::CertifiedKey::from_der(
                    chain,
                    rustls_pki_types::PrivateKeyDer::Pkcs8(alice.key.clone_key()),
                    &rustls::crypto::aws_lc_rs::default_provider(),
                )
                .unwrap(),
            ),
            hints: Default::default(),
        });
        let mut roots = rustls::RootCertStore::empty();
        roots.add(mock.pki().web_root.der().clone()).unwrap();
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_protocol_versions(&[version])
        .unwrap()
        .with_root_certificates(roots)
        .with_client_cert_resolver(resolver.clone());
        let c = mock
            .client_builder(None)
            .unwrap()
            .tls_backend_preconfigured(config)
            .no_proxy()
            .build()
            .unwrap();
        let (status, body) = login(&c, &mock, "pw").await;
        assert_eq!(status, 200, "{version:?}: {body}");
        let hints = resolver.hints.lock().unwrap().clone();
        assert_eq!(hints, vec![vec![root_subject.clone()]], "{version:?}");
    }
}
