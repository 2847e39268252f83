//! webra1 (the confirmation page and D6.11), repo1/repository (certificates
//! and CRLs checked with openssl), and the admin API.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use crate::common::*;
use mock_ra::{Cause, Class, MockRa, OrderState, Role};
use rustls::client::{ClientSessionMemoryCache, ClientSessionStore};
use serde_json::{Value, json};
use time::Duration;

const OK_MARKER: &str = r#"<meta name="certrenew-confirm" content="ok">"#;
const NG_MARKER: &str = r#"<meta name="certrenew-confirm" content="ng">"#;

async fn confirm(c: &reqwest::Client, mock: &MockRa) -> (u16, String) {
    let r = c.get(webra1(mock, CONFIRM)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn last_webra1(mock: &MockRa) -> mock_ra::JournalEntry {
    last(mock, Role::Webra1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_confirmation_page_judges_the_sessions_certificate() {
    let t0 = now();
    let w = world_toml(&format!(
        r#"
[clock]
now = "{now}"
frozen = true

[[account]]
id = "valid"
password = "pw"
[[account.certificate]]
expires = "+100d"

[[account]]
id = "expired"
password = "pw"
[[account.certificate]]
expires = "-10d"

[[identity]]
name = "future"
not_before = "+1d"
expires = "+366d"

[[identity]]
name = "foreign"
expires = "+100d"
ca = "foreign"
"#,
        now = mock_ra::rfc3339(t0)
    ));
    let mock = MockRa::start(w).await.unwrap();
    let valid = mock.identity("valid").unwrap();

    let (status, body) = confirm(&client(&mock, Some(&valid)), &mock).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(OK_MARKER), "{body}");
    let e = last_webra1(&mock);
    assert_eq!(
        (e.cause, e.class, e.account.as_deref()),
        (Cause::ConfirmOk, None, Some("valid"))
    );

    for (name, cause) in [
        ("expired", Cause::ConfirmExpired),
        ("future", Cause::ConfirmNotYetValid),
    ] {
        let (status, body) =
            confirm(&client(&mock, Some(&mock.identity(name).unwrap())), &mock).await;
        assert_eq!(status, 403, "{name}: {body}");
        assert!(
            body.contains(NG_MARKER) && !body.contains(OK_MARKER),
            "{body}"
        );
        let e = last_webra1(&mock);
        assert_eq!((e.cause, e.class), (cause, Some(Class::ECONFIRM)), "{name}");
    }

    // Reissued: the old certificate is revoked (superseded); the new works.
    let new = mock.reissue("valid").unwrap();
    let (status, body) = confirm(&client(&mock, Some(&valid)), &mock).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(last_webra1(&mock).cause, Cause::ConfirmRevoked);
    let reissued = mock.identity(new.identity.as_deref().unwrap()).unwrap();
    let (status, _) = confirm(&client(&mock, Some(&reissued)), &mock).await;
    assert_eq!(status, 200);

    // The clock decides validity: a day later the future one is valid.
    mock.advance_clock(Duration::days(1)).unwrap();
    let (status, _) = confirm(
        &client(&mock, Some(&mock.identity("future").unwrap())),
        &mock,
    )
    .await;
    assert_eq!(status, 200);

    // Without a certificate, or with another root's, the handshake fails.
    assert!(
        client(&mock, None)
            .get(webra1(&mock, CONFIRM))
            .send()
            .await
            .is_err()
    );
    let foreign = mock.identity("foreign").unwrap();
    assert!(
        client(&mock, Some(&foreign))
            .get(webra1(&mock, CONFIRM))
            .send()
            .await
            .is_err()
    );
    // Each failed handshake is journaled when the server's side of it ends,
    // which can be just after the client has seen the alert.
    let mut handshakes: Vec<Cause> = Vec::new();
    for _ in 0..200 {
        handshakes = mock
            .journal()
            .into_iter()
            .filter(|e| e.role == Role::Webra1 && e.method.is_empty())
            .map(|e| e.cause)
            .collect();
        if handshakes.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(
        handshakes,
        vec![
            Cause::TlsNoClientCertificate,
            Cause::TlsBadClientCertificate
        ]
    );
}

/// A browser's certificate choice: one resolver for the whole browser whose
/// selection the user changes. rustls resumes a session only under the same
/// resolver, as a browser does under the same profile.
#[derive(Debug)]
struct BrowserChoice(std::sync::Mutex<Arc<rustls::sign::CertifiedKey>>);

impl BrowserChoice {
    fn key(identity: &certs_gen::Identity) -> Arc<rustls::sign::CertifiedKey> {
        let mut chain = vec![identity.cert.clone()];
        chain.extend(identity.chain.iter().cloned());
        Arc::new(
            rustls::sign::CertifiedKey::from_der(
                chain,
                rustls_pki_types::PrivateKeyDer::Pkcs8(identity.key.clone_key()),
                &rustls::crypto::aws_lc_rs::default_provider(),
            )
            .unwrap(),
        )
    }

    fn choose(&self, identity: &certs_gen::Identity) {
        *self.0.lock().unwrap() = Self::key(identity);
    }
}

impl rustls::client::ResolvesClientCert for BrowserChoice {
    fn resolve(
        &self,
        _hints: &[&[u8]],
        _schemes: &[rustls::SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        Some(self.0.lock().unwrap().clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumed_session_keeps_the_old_certificate_until_cleared() {
    // D6.11: a browser that visited with the old certificate resumes that
    // session after the renewal and is judged on the old certificate.
    let mock = MockRa::start(world(now(), vec![account("acme", "pw", "-10d")]))
        .await
        .unwrap();
    let old = mock.identity("acme").unwrap();
    let old_serial = old.info().unwrap().serial;

    let choice = Arc::new(BrowserChoice(std::sync::Mutex::new(BrowserChoice::key(
        &old,
    ))));
    let ssl_state: Arc<dyn ClientSessionStore> = Arc::new(ClientSessionMemoryCache::new(16));
    let mut roots = rustls::RootCertStore::empty();
    roots.add(mock.pki().web_root.der().clone()).unwrap();
    let mut browser = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_client_cert_resolver(choice.clone());
    browser.resumption = rustls::client::Resumption::store(ssl_state);
    let http = |config: rustls::ClientConfig| {
        mock.client_builder(None)
            .unwrap()
            .tls_backend_preconfigured(config)
            .no_proxy()
            .build()
            .unwrap()
    };

    let (status, _) = confirm(&http(browser.clone()), &mock).await;
    assert_eq!(status, 403);
    assert_eq!(last_webra1(&mock).cause, Cause::ConfirmExpired);

    // Renewed (here: reissued); the user picks the new certificate.
    let new = mock.reissue("acme").unwrap();
    let new_identity = mock.identity(new.identity.as_deref().unwrap()).unwrap();
    choice.choose(&new_identity);

    // Same browser, same SSL state: the session resumes, the old
    // certificate is what the server sees.
    let (status, body) = confirm(&http(browser.clone()), &mock).await;
    assert_eq!(
        status, 403,
        "the resumed session must still show the old certificate"
    );
    assert!(body.contains(NG_MARKER));
    let e = last_webra1(&mock);
    assert_eq!(e.certificate.unwrap().serial, old_serial);
    assert_eq!(
        e.cause,
        Cause::ConfirmExpired,
        "judged on the old, expired certificate"
    );

    // SSL state cleared: a full handshake with the chosen certificate.
    let mut cleared = browser.clone();
    cleared.resumption =
        rustls::client::Resumption::store(Arc::new(ClientSessionMemoryCache::new(16)));
    let (status, body) = confirm(&http(cleared), &mock).await;
    assert_eq!(status, 200, "{body}");
    let e = last_webra1(&mock);
    assert_eq!(e.certificate.unwrap().serial, new.serial);
    assert_eq!(e.cause, Cause::ConfirmOk);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repositories_serve_der_and_the_crl_revokes_a_reissued_certificate() {
    let t0 = now();
    let mock = MockRa::start(world(t0, vec![account("acme", "pw", "+100d")]))
        .await
        .unwrap();
    let names = mock.pki().names.clone();
    let plain = client(&mock, None);
    let get = |url: String| {
        let plain = plain.clone();
        async move {
            let r = plain.get(url).send().await.unwrap();
            let ct = r
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            (r.status().as_u16(), ct, r.bytes().await.unwrap().to_vec())
        }
    };
    let (s, ct, der) = get(repo1(&mock, &names.issuing_ca_cert_path())).await;
    assert_eq!((s, ct.as_str()), (200, "application/pkix-cert"));
    assert_eq!(der, mock.pki().issuing_ca.der().to_vec());
    let (s, ct, der) = get(repository(&mock, &names.root_cert_path())).await;
    assert_eq!((s, ct.as_str()), (200, "application/pkix-cert"));
    assert_eq!(der, mock.pki().client_root.der().to_vec());
    let (s, ct, _) = get(repository(&mock, &names.root_crl_path())).await;
    assert_eq!((s, ct.as_str()), (200, "application/pkix-crl"));
    for url in [repo1(&mock, "/"), repository(&mock, "/")] {
        let (s, ct, _) = get(url).await;
        assert_eq!((s, ct.as_str()), (200, "text/html; charset=utf-8"));
    }
    // Each role serves only its own files.
    let (s, _, _) = get(repo1(&mock, &names.root_cert_path())).await;
    assert_eq!(s, 404);
    // HEAD answers like GET, without a body.
    let head = plain
        .head(repo1(&mock, &names.issuing_ca_crl_path()))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert!(head.bytes().await.unwrap().is_empty());

    // Reissue: the old certificate is on the next CRL as superseded.
    let old = mock.identity("acme").unwrap();
    let old_serial = old.info().unwrap().serial;
    let new = mock.reissue("acme").unwrap();
    let new_identity = mock.identity(new.identity.as_deref().unwrap()).unwrap();
    let (_, _, crl1) = get(repo1(&mock, &names.issuing_ca_crl_path())).await;
    let (_, _, crl2) = get(repo1(&mock, &names.issuing_ca_crl_path())).await;
    let (_, _, root_crl) = get(repository(&mock, &names.root_crl_path())).await;

    let number = |der: &[u8]| {
        use x509_parser::prelude::FromDer;
        let (_, crl) =
            x509_parser::revocation_list::CertificateRevocationList::from_der(der).unwrap();
        let n = crl.crl_number().unwrap().clone();
        let listed: Vec<String> = crl
            .iter_revoked_certificates()
            .map(|r| hex::encode(r.raw_serial()))
            .collect();
        (n, listed)
    };
    let (n1, listed) = number(&crl1);
    let (n2, _) = number(&crl2);
    assert!(n2 > n1, "CRL numbers increase: {n1} then {n2}");
    assert_eq!(listed, vec![old_serial.clone()]);

    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    write(p, "root.pem", &mock.pki().client_root.pem());
    write(p, "issuing.pem", &mock.pki().issuing_ca.pem());
    write(p, "crl.pem", &certs_gen::pem::crl(&crl1));
    write(p, "root-crl.pem", &certs_gen::pem::crl(&root_crl));
    write(p, "old.pem", &old.cert_pem());
    write(p, "new.pem", &new_identity.cert_pem());
    let attime = (t0.unix_timestamp() + 60).to_string();
    let verify = |cert: &str| {
        openssl(
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
                "crl.pem",
                "-CRLfile",
                "root-crl.pem",
                cert,
            ],
            p,
        )
    };
    let (ok, out) = verify("old.pem");
    assert!(!ok && out.contains("certificate revoked"), "{out}");
    let (ok, out) = verify("new.pem");
    assert!(ok && out.contains("new.pem: OK"), "{out}");
    let (ok, out) = openssl(&["crl", "-in", "crl.pem", "-noout", "-text"], p);
    assert!(ok && out.contains("Superseded"), "{out}");

    // Every request was journaled on its role as served.
    assert!(
        requests(&mock, Role::Repo1)
            .iter()
            .any(|e| e.cause == Cause::Served)
    );
    assert!(
        requests(&mock, Role::Repository)
            .iter()
            .any(|e| e.cause == Cause::Served)
    );
}

async fn admin(
    c: &reqwest::Client,
    mock: &MockRa,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = c.request(method, format!("{}{path}", mock.urls().admin));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let (s, v) = json_of(req.send().await.unwrap()).await;
    (s.as_u16(), v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_api_needs_its_token_and_changes_nothing_without_it() {
    use reqwest::Method;
    let mock = MockRa::start(world(now(), vec![account("acme", "pw", "-10d")]))
        .await
        .unwrap();
    let c = reqwest::Client::new();
    // State that a reset or a fault change would visibly undo.
    mock.advance_clock(Duration::days(1)).unwrap();
    let fault = mock
        .add_fault(mock_ra::FaultSpec::new(
            mock_ra::Host::Repo1,
            mock_ra::FaultKind::Refuse,
        ))
        .unwrap();
    let before_account = mock.account("acme").unwrap();
    let before_clock = mock.now();
    let before_faults = mock.faults().faults.len();
    let one_fault = format!("/faults/{}", fault.name);
    for (method, path, body) in [
        (
            Method::POST,
            "/faults",
            Some(json!({"host": "webra2", "kind": "status", "status": 500})),
        ),
        (Method::DELETE, "/faults", None),
        (Method::DELETE, one_fault.as_str(), None),
        (Method::GET, "/accounts", None),
        (
            Method::PATCH,
            "/accounts/acme",
            Some(json!({"order": "fetched", "locked": true})),
        ),
        (Method::POST, "/accounts/acme/reissue", None),
        (Method::POST, "/clock", Some(json!({"advance": "+30d"}))),
        (Method::POST, "/reset", None),
        (Method::GET, "/journal", None),
        (Method::GET, "/nothing-here", None),
    ] {
        for token in [None, Some("wrong-token")] {
            let (s, v) = admin(&c, &mock, method.clone(), path, token, body.clone()).await;
            assert_eq!(s, 401, "{method} {path} with {token:?}: {v}");
            assert_eq!(v["class"], "unauthorized");
        }
    }
    assert_eq!(mock.account("acme").unwrap(), before_account);
    assert_eq!(mock.now(), before_clock);
    assert_eq!(mock.faults().faults.len(), before_faults);
    assert_eq!(before_faults, 1);
    assert!(
        requests(&mock, Role::Admin)
            .iter()
            .all(|e| e.cause == Cause::Unauthorized && e.status == Some(401))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_api_drives_the_same_state_as_the_library() {
    use reqwest::Method;
    let t0 = now();
    let mock = MockRa::start(world(t0, vec![account("acme", "pw", "-10d")]))
        .await
        .unwrap();
    let c = reqwest::Client::new();
    let token = mock.admin_token().to_owned();
    let t = Some(token.as_str());

    let (s, v) = admin(&c, &mock, Method::GET, "/accounts", t, None).await;
    assert_eq!(s, 200);
    assert_eq!(v[0]["id"], "acme");
    assert_eq!(v[0]["order"], "ready");
    assert!(
        !v.to_string().contains("\"pw\""),
        "no password in views: {v}"
    );

    let (s, v) = admin(
        &c,
        &mock,
        Method::PATCH,
        "/accounts/acme",
        t,
        Some(json!({"order": "not_created", "failures": 2})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(mock.account("acme").unwrap().order, OrderState::NotCreated);
    assert_eq!(mock.account("acme").unwrap().failures, 2);
    let (s, v) = admin(
        &c,
        &mock,
        Method::PATCH,
        "/accounts/acme",
        t,
        Some(json!({"order": "done"})),
    )
    .await;
    assert_eq!((s, v["class"].as_str()), (400, Some("bad_request")), "{v}");
    let (s, _) = admin(&c, &mock, Method::GET, "/accounts/nobody", t, None).await;
    assert_eq!(s, 404);
    let (s, v) = admin(
        &c,
        &mock,
        Method::PATCH,
        "/accounts/acme",
        t,
        Some(json!({"password": 98765})),
    )
    .await;
    assert_eq!(s, 400, "{v}");
    assert!(
        !v.to_string().contains("98765"),
        "no password in error bodies: {v}"
    );

    // Password change over the API counts from the virtual now.
    let (s, v) = admin(
        &c,
        &mock,
        Method::PATCH,
        "/accounts/acme",
        t,
        Some(json!({"password": "later"})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["password_changes"][0], mock_ra::rfc3339(t0));

    let (s, v) = admin(&c, &mock, Method::POST, "/accounts/acme/reissue", t, None).await;
    assert_eq!(s, 201, "{v}");
    let serial = v["serial"].as_str().unwrap().to_owned();
    let (s, v) = admin(
        &c,
        &mock,
        Method::GET,
        &format!("/certificates/{serial}"),
        t,
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        (v["status"].as_str(), v["origin"].as_str()),
        (Some("current"), Some("reissue"))
    );
    let old = mock.identity("acme").unwrap().info().unwrap().serial;
    let (_, v) = admin(
        &c,
        &mock,
        Method::GET,
        &format!("/certificates/{old}"),
        t,
        None,
    )
    .await;
    assert_eq!(
        (v["status"].as_str(), v["revoked"].as_bool()),
        (Some("reissued"), Some(true))
    );

    let (s, v) = admin(
        &c,
        &mock,
        Method::POST,
        "/clock",
        t,
        Some(json!({"advance": "+2d"})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["now"], mock_ra::rfc3339(t0 + Duration::days(2)));
    assert_eq!(mock.now(), t0 + Duration::days(2));
    let (s, v) = admin(
        &c,
        &mock,
        Method::POST,
        "/clock",
        t,
        Some(json!({"set": "2030-01-01T00:00:00Z"})),
    )
    .await;
    assert_eq!((s, v["now"].as_str()), (200, Some("2030-01-01T00:00:00Z")));
    // A change that would leave the years a PKI can be made around is
    // refused as a whole: the `set` before the bad `advance` is not applied.
    for body in [
        json!({"set": "2999-12-01T00:00:00Z", "advance": "+7305d"}),
        json!({"set": "9999-01-01T00:00:00Z"}),
        json!({"advance": "+3000000d"}),
    ] {
        let (s, v) = admin(&c, &mock, Method::POST, "/clock", t, Some(body.clone())).await;
        assert_eq!(
            (s, v["class"].as_str()),
            (400, Some("bad_request")),
            "{body}: {v}"
        );
        assert_eq!(
            mock_ra::rfc3339(mock.now()),
            "2030-01-01T00:00:00Z",
            "{body}"
        );
    }

    let (s, v) = admin(&c, &mock, Method::GET, "/pki", t, None).await;
    assert_eq!(s, 200);
    assert_eq!(v["client_root_sha1"], mock.client_root_sha1());
    assert_eq!(v["client_root_pem"], mock.pki().client_root.pem());

    let (s, v) = admin(
        &c,
        &mock,
        Method::POST,
        "/accounts",
        t,
        Some(json!({"id": "newco", "password": "x", "certificate": [{"expires": "-3d"}]})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert!(mock.identity("newco").is_ok());
    let (s, _) = admin(
        &c,
        &mock,
        Method::POST,
        "/accounts",
        t,
        Some(json!({"id": "newco", "password": "x", "certificate": [{"expires": "-3d"}]})),
    )
    .await;
    assert_eq!(s, 400, "duplicate id");

    let (s, v) = admin(&c, &mock, Method::GET, "/identities/newco", t, None).await;
    assert_eq!(s, 200);
    assert!(v["key_pem"].as_str().unwrap().contains("PRIVATE KEY"));

    let (s, v) = admin(&c, &mock, Method::GET, "/journal", t, None).await;
    assert_eq!(s, 200);
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|e| e["cause"] == "admin_ok")
    );

    // Reset: the world as it started.
    let (s, _) = admin(&c, &mock, Method::POST, "/reset", t, None).await;
    assert_eq!(s, 200);
    let a = mock.account("acme").unwrap();
    assert_eq!(
        (a.order, a.failures, a.certificates.len()),
        (OrderState::Ready, 0, 1)
    );
    assert!(a.password_changes.is_empty());
    assert!(mock.account("newco").is_none());
    assert_eq!(mock.now(), t0);
    let (s, body) = renew(&mock, &mock.identity("acme").unwrap(), "pw").await;
    assert_eq!(s, 201, "{body}");
}
