//! Faults on the wire, seen from a plain client: each kind does what its
//! doc line says over real sockets and TLS on 127.0.0.1, schedules pick
//! the events they name, the same seed replays the same faults, the admin
//! API changes them at run time, and the journal names them.

// Test code: a failed unwrap in a helper is a failed test.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::common::*;
use mock_ra::{Cause, FaultKind, FaultSpec, Host, MockRa, OrderState, Role};

fn status_fault(host: Host, status: u16) -> FaultSpec {
    let mut f = FaultSpec::new(host, FaultKind::Status);
    f.status = Some(status);
    f
}

async fn start(world_text: &str) -> MockRa {
    MockRa::start(world_toml(world_text)).await.unwrap()
}

const ACME: &str = r#"
[clock]
frozen = true

[[account]]
id = "acme"
password = "Acme-2026-pass"
[[account.certificate]]
expires = "-10d"
"#;

/// Statuses of `n` GETs of repo1's index, one connection each.
async fn repo1_statuses(mock: &MockRa, n: usize) -> Vec<u16> {
    let c = client(mock, None);
    let mut out = Vec::new();
    for _ in 0..n {
        let s = c.get(repo1(mock, "/")).send().await.unwrap().status();
        out.push(s.as_u16());
    }
    out
}

#[tokio::test]
async fn the_same_seed_replays_the_same_faults_and_another_seed_does_not() {
    let world = |seed: u64| {
        format!(
            "{ACME}\n[faults]\nseed = {seed}\n\n[[fault]]\nhost = \"repo1\"\npath = \"/\"\nkind = \"status\"\nstatus = 503\nprobability = 0.5\n"
        )
    };
    let run = |seed: u64| {
        let text = world(seed);
        async move {
            let mock = start(&text).await;
            assert_eq!(mock.fault_seed(), seed);
            let statuses = repo1_statuses(&mock, 40).await;
            // The journal names the fault on exactly the faulted requests.
            let journaled: Vec<bool> = requests(&mock, Role::Repo1)
                .iter()
                .map(|e| e.fault.as_deref() == Some("repo1-status"))
                .collect();
            let faulted: Vec<bool> = statuses.iter().map(|s| *s == 503).collect();
            assert_eq!(journaled, faulted);
            let view = mock.faults();
            assert_eq!(view.seed, seed);
            assert_eq!(view.faults[0].seen, 40);
            assert_eq!(
                view.faults[0].applied,
                faulted.iter().filter(|f| **f).count() as u64
            );
            mock.shutdown().await;
            statuses
        }
    };
    let first = run(42).await;
    let again = run(42).await;
    let other = run(43).await;
    assert_eq!(first, again, "seed 42 twice");
    assert_ne!(first, other, "seeds 42 and 43");
    let hits = first.iter().filter(|s| **s == 503).count();
    assert!((8..=32).contains(&hits), "{hits} of 40 at p = 0.5");
    assert!(first.iter().all(|s| *s == 503 || *s == 200));
    // The builder's seed wins over the world's.
    let mock = MockRa::builder(world_toml(&world(42)))
        .fault_seed(43)
        .start()
        .await
        .unwrap();
    assert_eq!(repo1_statuses(&mock, 40).await, other);
}

#[tokio::test]
async fn a_world_without_a_seed_draws_a_new_one_each_start() {
    let mut seeds = std::collections::BTreeSet::new();
    for _ in 0..3 {
        let mock = start(ACME).await;
        seeds.insert(mock.fault_seed());
        assert_eq!(mock.faults().seed, mock.fault_seed());
        mock.shutdown().await;
    }
    assert_eq!(seeds.len(), 3, "{seeds:?}");
}

#[tokio::test]
async fn schedules_pick_events_by_number() {
    let mock = start(ACME).await;
    let mut f = status_fault(Host::Repo1, 500);
    f.from = Some(2);
    f.to = Some(3);
    mock.add_fault(f).unwrap();
    assert_eq!(repo1_statuses(&mock, 5).await, [200, 500, 500, 200, 200]);
    mock.clear_faults();
    mock.add_fault(status_fault(Host::Repo1, 404).times(2))
        .unwrap();
    assert_eq!(repo1_statuses(&mock, 3).await, [404, 404, 200]);
    // A path narrows it; other paths and hosts are untouched.
    mock.add_fault(status_fault(Host::Repo1, 503).on_path("/sppca/*"))
        .unwrap();
    let c = client(&mock, None);
    let names = &mock.pki().names;
    let s = |url: String| {
        let c = c.clone();
        async move { c.get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(s(repo1(&mock, &names.issuing_ca_crl_path())).await, 503);
    assert_eq!(s(repo1(&mock, "/")).await, 200);
    assert_eq!(s(repository(&mock, &names.root_crl_path())).await, 200);
}

#[tokio::test]
async fn refuse_closes_the_port_until_lifted_and_is_in_force_before_the_first_connection() {
    let mock = start(&format!(
        "{ACME}\n[[fault]]\nname = \"firewall\"\nhost = \"repository\"\nkind = \"refuse\"\n"
    ))
    .await;
    let addr = mock.addr(Role::Repository).unwrap();
    let err = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused, "{err}");
    // Other hosts listen.
    TcpStream::connect_timeout(&mock.addr(Role::Repo1).unwrap(), Duration::from_secs(2)).unwrap();
    mock.remove_fault("firewall").unwrap();
    let mut ok = false;
    for _ in 0..50 {
        if TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok() {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(ok, "repository listens again on the same port");
    let c = client(&mock, None);
    let s = c.get(repository(&mock, "/")).send().await.unwrap().status();
    assert_eq!(s, 200);
    // And at run time, through the admin API's library twin.
    mock.add_fault(FaultSpec::new(Host::Repository, FaultKind::Refuse))
        .unwrap();
    let mut refused = false;
    for _ in 0..50 {
        if TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused);
    assert!(mock.remove_fault("firewall").is_err());
}

#[tokio::test]
async fn hang_reset_and_byte_limits_act_on_the_connection() {
    let mock = start(ACME).await;
    let addr = mock.addr(Role::Repo1).unwrap();
    let request = b"GET / HTTP/1.1\r\nHost: repo1.secomtrust.net\r\nConnection: close\r\n\r\n";
    let exchange = move |timeout: Duration| {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(timeout)).unwrap();
        let mut got = Vec::new();
        // A reset can arrive before the request is written: then the write,
        // not the read, reports it (and the read after it sees a plain end).
        if let Err(e) = s.write_all(request) {
            return (Err(e), got);
        }
        let r = s.read_to_end(&mut got);
        (r, got)
    };
    // hang: accepted, nothing comes back.
    mock.add_fault(FaultSpec::new(Host::Repo1, FaultKind::Hang).times(1))
        .unwrap();
    let (r, got) = tokio::task::spawn_blocking(move || exchange(Duration::from_millis(500)))
        .await
        .unwrap();
    let e = r.unwrap_err();
    assert!(
        matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "{e}"
    );
    assert!(got.is_empty());
    // reset: RST at once.
    mock.add_fault(FaultSpec::new(Host::Repo1, FaultKind::Reset).times(1))
        .unwrap();
    let (r, _) = tokio::task::spawn_blocking(move || exchange(Duration::from_secs(2)))
        .await
        .unwrap();
    let kind = r.unwrap_err().kind();
    assert!(
        matches!(
            kind,
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
        ),
        "{kind:?}"
    );
    // close_after: exactly that many bytes, then a clean end.
    let mut f = FaultSpec::new(Host::Repo1, FaultKind::CloseAfter).times(1);
    f.bytes = Some(20);
    mock.add_fault(f).unwrap();
    let (r, got) = tokio::task::spawn_blocking(move || exchange(Duration::from_secs(2)))
        .await
        .unwrap();
    r.unwrap();
    assert_eq!(got, b"HTTP/1.1 200 OK\r\ncon");
    // reset_after: that many bytes, then RST.
    let mut f = FaultSpec::new(Host::Repo1, FaultKind::ResetAfter).times(1);
    f.bytes = Some(12);
    mock.add_fault(f).unwrap();
    let (r, got) = tokio::task::spawn_blocking(move || exchange(Duration::from_secs(2)))
        .await
        .unwrap();
    assert_eq!(r.unwrap_err().kind(), std::io::ErrorKind::ConnectionReset);
    assert!(got.len() <= 12, "{got:?}");
    // Every one of them is journaled when accepted, by name.
    let faults: Vec<String> = mock
        .journal()
        .iter()
        .filter(|e| e.cause == Cause::Fault)
        .filter_map(|e| e.fault.clone())
        .collect();
    assert_eq!(
        faults,
        [
            "repo1-hang",
            "repo1-reset",
            "repo1-close_after",
            "repo1-reset_after"
        ]
    );
    // With the schedules spent, the host answers again.
    assert_eq!(repo1_statuses(&mock, 1).await, [200]);
}

#[tokio::test]
async fn latency_and_bandwidth_slow_the_answer_down() {
    let mock = start(ACME).await;
    let mut f = FaultSpec::new(Host::Repository, FaultKind::Latency).times(1);
    f.ms = Some(300);
    mock.add_fault(f).unwrap();
    let c = client(&mock, None);
    let started = Instant::now();
    let s = c.get(repository(&mock, "/")).send().await.unwrap().status();
    assert_eq!(s, 200);
    assert!(started.elapsed() >= Duration::from_millis(290));
    let mut f = FaultSpec::new(Host::Repository, FaultKind::Bandwidth).times(1);
    f.bytes_per_sec = Some(1000);
    mock.add_fault(f).unwrap();
    let started = Instant::now();
    let body = c
        .get(repository(&mock, "/"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    // The index page and its headers, at 1000 bytes a second.
    let expected = Duration::from_millis(body.len() as u64 * 1000 / 1000);
    assert!(
        started.elapsed() >= expected.mul_f64(0.8),
        "{} bytes in {:?}",
        body.len(),
        started.elapsed()
    );
}

#[tokio::test]
async fn http_faults_answer_instead_of_or_damage_the_servers_answer() {
    let mock = start(ACME).await;
    let c = client(&mock, None);
    let mut f = status_fault(Host::Repo1, 503).times(1);
    f.retry_after = Some(7);
    mock.add_fault(f).unwrap();
    let r = c.get(repo1(&mock, "/")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "7");
    let e = last(&mock, Role::Repo1);
    assert_eq!(
        (e.cause, e.fault.as_deref()),
        (Cause::Fault, Some("repo1-status"))
    );

    mock.add_fault(FaultSpec::new(Host::Repo1, FaultKind::Empty).times(1))
        .unwrap();
    let r = c.get(repo1(&mock, "/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().is_empty());

    mock.add_fault(FaultSpec::new(Host::Repo1, FaultKind::BlockPage).times(1))
        .unwrap();
    let r = c.get(repo1(&mock, "/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("ブロック") && text.contains("repo1.secomtrust.net"),
        "{text}"
    );

    let crl = mock.pki().names.issuing_ca_crl_path();
    mock.add_fault(FaultSpec::new(Host::Repo1, FaultKind::Truncate).times(1))
        .unwrap();
    let r = c.get(repo1(&mock, &crl)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let declared: usize = r.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(declared > 0);
    assert!(r.bytes().await.is_err(), "a body cut short is an error");
    let e = last(&mock, Role::Repo1);
    assert_eq!(
        (e.cause, e.fault.as_deref()),
        (Cause::Served, Some("repo1-truncate")),
        "the server did its work; the answer was damaged"
    );

    mock.add_fault(FaultSpec::new(Host::Webra2, FaultKind::MalformedJson).times(1))
        .unwrap();
    let id = mock.identity("acme").unwrap();
    let (status, body) = login(&client(&mock, Some(&id)), &mock, "Acme-2026-pass").await;
    assert_eq!(status, 200);
    assert!(body.is_string(), "not JSON: {body}");
    assert_eq!(last(&mock, Role::Webra2).cause, Cause::TicketIssued);
}

#[tokio::test]
async fn commit_then_lose_commits_the_issuance_and_drops_the_answer() {
    let mock = start(&format!(
        "{ACME}\n[[fault]]\nhost = \"webra2\"\nkind = \"commit_then_lose\"\n"
    ))
    .await;
    let id = mock.identity("acme").unwrap();
    let c = client(&mock, Some(&id));
    let (status, body) = login(&c, &mock, "Acme-2026-pass").await;
    assert_eq!(status, 200, "the login is untouched: {body}");
    let (_, csr_b64) = csr(body["subject_der"].as_str().unwrap(), id.key_type);
    let err = c
        .post(webra2(&mock, CERTIFICATE))
        .json(&serde_json::json!({ "ticket": body["ticket"], "csr": csr_b64 }))
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_connect(), "connected, then lost: {err:?}");
    let account = mock.account("acme").unwrap();
    assert_eq!(account.order, OrderState::Fetched);
    assert_eq!(
        account
            .certificates
            .iter()
            .filter(|c| c.origin == "renewal")
            .count(),
        1
    );
    let e = last(&mock, Role::Webra2);
    assert_eq!(e.cause, Cause::Issued);
    assert_eq!(e.status, None, "no answer was sent");
    assert_eq!(e.fault.as_deref(), Some("webra2-commit_then_lose"));
    // The next login gets 550 already fetched.
    let again = login(&c, &mock, "Acme-2026-pass").await;
    assert_refused(
        &mock,
        &again,
        409,
        "E550F",
        Cause::AlreadyFetched,
        Some("acme"),
    );
}

#[tokio::test]
async fn tls_faults_change_the_handshake() {
    let mock = start(ACME).await;
    // One connection per request, so each meets the fault schedule afresh.
    let c = mock
        .client_builder(None)
        .unwrap()
        .pool_max_idle_per_host(0)
        .no_proxy()
        .build()
        .unwrap();
    for kind in [
        FaultKind::TlsUnknownCa,
        FaultKind::TlsExpired,
        FaultKind::TlsWrongHost,
    ] {
        mock.add_fault(FaultSpec::new(Host::Webra2, kind).times(1))
            .unwrap();
        let err = c.get(webra2(&mock, "/")).send().await.unwrap_err();
        let text = format!("{err:?}");
        let want = match kind {
            FaultKind::TlsUnknownCa => "UnknownIssuer",
            FaultKind::TlsExpired => "Expired",
            _ => "NotValidForName",
        };
        assert!(text.contains(want), "{kind}: {text}");
        // The same client is fine once the fault is spent.
        assert_eq!(
            c.get(webra2(&mock, "/")).send().await.unwrap().status(),
            200
        );
    }
    // A stalled handshake: the client's own timeout ends it.
    mock.add_fault(FaultSpec::new(Host::Webra1, FaultKind::TlsStall).times(1))
        .unwrap();
    let quick = mock
        .client_builder(None)
        .unwrap()
        .connect_timeout(Duration::from_millis(500))
        .no_proxy()
        .build()
        .unwrap();
    let started = Instant::now();
    let err = quick.get(webra1(&mock, "/")).send().await.unwrap_err();
    // A stall, not a refusal or a reset: the client waited its whole
    // connect timeout, and no longer than that.
    let waited = started.elapsed();
    assert!(err.is_timeout(), "{err:?}");
    assert!(waited >= Duration::from_millis(450), "{waited:?}");
    assert!(waited < Duration::from_secs(3), "{waited:?}");
}

#[tokio::test]
async fn a_foreign_ca_request_names_another_client_ca() {
    use std::sync::{Arc, Mutex};
    #[derive(Debug, Default)]
    struct Names(Mutex<Vec<Vec<u8>>>);
    impl rustls::client::ResolvesClientCert for Names {
        fn resolve(
            &self,
            hints: &[&[u8]],
            _: &[rustls::SignatureScheme],
        ) -> Option<Arc<rustls::sign::CertifiedKey>> {
            *self.0.lock().unwrap() = hints.iter().map(|h| h.to_vec()).collect();
            None
        }
        fn has_certs(&self) -> bool {
            true
        }
    }
    let mock = start(&format!(
        "{ACME}\n[[fault]]\nhost = \"webra2\"\nkind = \"tls_foreign_ca_request\"\n"
    ))
    .await;
    let names = Arc::new(Names::default());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(mock.pki().web_root.der().clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_client_cert_resolver(names.clone());
    let c = mock
        .client_builder(None)
        .unwrap()
        .tls_backend_preconfigured(config)
        .no_proxy()
        .build()
        .unwrap();
    assert_eq!(
        c.get(webra2(&mock, "/")).send().await.unwrap().status(),
        200
    );
    let hints = names.0.lock().unwrap().clone();
    assert_eq!(hints.len(), 1);
    let (_, ours) = x509_parser::parse_x509_certificate(mock.pki().client_root.der()).unwrap();
    assert_ne!(hints[0], ours.subject().as_raw(), "not the client-CA root");
    let text = String::from_utf8_lossy(&hints[0]);
    assert!(text.contains("Other Test Client Root CA"), "{text}");
}

/// Talks to the proxy by hand: a request head, the whole answer.
async fn via_proxy(mock: &MockRa, head: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(mock.addr(Role::Proxy).unwrap())
        .await
        .unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    let mut all = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut all))
        .await
        .unwrap()
        .unwrap();
    String::from_utf8_lossy(&all).into_owned()
}

#[tokio::test]
async fn the_proxy_tunnels_forwards_blocks_and_demands_authentication() {
    let mock = start(ACME).await;
    assert!(mock.urls().proxy.starts_with("http://127.0.0.1:"));
    let head = via_proxy(
        &mock,
        "GET http://repo1.secomtrust.net/ HTTP/1.1\r\nHost: repo1.secomtrust.net\r\nProxy-Connection: keep-alive\r\n\r\n",
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("repo1"), "{head}");
    // The real client path: reqwest through the proxy, CONNECT for HTTPS.
    let proxied = reqwest::Client::builder()
        .tls_backend_preconfigured(tls_config(&mock, None, None))
        .proxy(reqwest::Proxy::all(&mock.urls().proxy).unwrap())
        .build()
        .unwrap();
    let r = proxied
        .get("https://webra2.secomtrust.net/")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let proxy_lines: Vec<(String, String, Option<u16>, Cause)> = mock
        .journal()
        .iter()
        .filter(|e| e.role == Role::Proxy)
        .map(|e| (e.method.clone(), e.path.clone(), e.status, e.cause))
        .collect();
    assert_eq!(
        proxy_lines,
        [
            (
                "GET".into(),
                "http://repo1.secomtrust.net/".into(),
                None,
                Cause::Proxied
            ),
            (
                "CONNECT".into(),
                "webra2.secomtrust.net:443".into(),
                Some(200),
                Cause::Proxied
            ),
        ]
    );
    mock.add_fault(FaultSpec::new(Host::Webra2, FaultKind::ProxyBlock))
        .unwrap();
    mock.add_fault(FaultSpec::new(Host::Repository, FaultKind::ProxyAuth))
        .unwrap();
    let m = &mock;
    let blocked = via_proxy(m, "CONNECT webra2.secomtrust.net:443 HTTP/1.1\r\n\r\n").await;
    assert!(blocked.starts_with("HTTP/1.1 403"), "{blocked}");
    assert!(blocked.contains("ブロック"), "{blocked}");
    let auth = via_proxy(
        m,
        "GET http://repository.secomtrust.net/ HTTP/1.1\r\nHost: repository.secomtrust.net\r\n\r\n",
    )
    .await;
    assert!(auth.starts_with("HTTP/1.1 407"), "{auth}");
    assert!(auth.contains("Proxy-Authenticate: Basic realm="), "{auth}");
    let unknown = via_proxy(m, "CONNECT example.com:443 HTTP/1.1\r\n\r\n").await;
    assert!(unknown.starts_with("HTTP/1.1 502"), "{unknown}");
    let garbage = via_proxy(m, "\x16\x03\x01 nonsense\r\n\r\n").await;
    assert!(garbage.starts_with("HTTP/1.1 400"), "{garbage}");
    // Proxy faults never touch direct traffic.
    let direct = client(&mock, None);
    assert_eq!(
        direct
            .get(webra2(&mock, "/"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn unresolvable_maps_the_host_to_an_invalid_name_in_certrenew_args() {
    let mock = start(&format!(
        "{ACME}\n[[fault]]\nhost = \"repo1\"\nkind = \"unresolvable\"\n"
    ))
    .await;
    let args = mock.certrenew_args(std::path::Path::new("/w.pem"));
    let port = mock.addr(Role::Repo1).unwrap().port();
    assert!(
        args.contains(&format!(
            "repo1.secomtrust.net:80:repo1.unresolvable.invalid:{port}"
        )),
        "{args:?}"
    );
    mock.clear_faults();
    let args = mock.certrenew_args(std::path::Path::new("/w.pem"));
    assert!(args.contains(&format!("repo1.secomtrust.net:80:127.0.0.1:{port}")));
}

#[tokio::test]
async fn the_admin_api_lists_adds_and_removes_faults() {
    let mock = start(&format!(
        "{ACME}\n[faults]\nseed = 5\n[[fault]]\nname = \"slow\"\nhost = \"repo1\"\nkind = \"latency\"\nms = 1\n"
    ))
    .await;
    let admin = reqwest::Client::new();
    let url = |p: &str| format!("{}{p}", mock.urls().admin);
    let auth = format!("Bearer {}", mock.admin_token());
    let (status, body) = json_of(
        admin
            .get(url("/faults"))
            .header("Authorization", &auth)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["seed"], 5);
    assert_eq!(body["faults"][0]["name"], "slow");
    assert_eq!(body["faults"][0]["spec"]["kind"], "latency");
    // Without the token nothing changes.
    let r = admin
        .post(url("/faults"))
        .json(&serde_json::json!({"host": "repo1", "kind": "hang"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(mock.faults().faults.len(), 1);
    // A fault that does not fit its kind: 400, nothing added.
    let (status, body) = json_of(
        admin
            .post(url("/faults"))
            .header("Authorization", &auth)
            .json(&serde_json::json!({"host": "repo1", "kind": "hang", "ms": 5}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("hang does not take `ms`")
    );
    let (status, body) = json_of(
        admin
            .post(url("/faults"))
            .header("Authorization", &auth)
            .json(
                &serde_json::json!({"host": "repo1", "kind": "status", "status": 503, "times": 1}),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["name"], "repo1-status");
    assert_eq!(repo1_statuses(&mock, 2).await, [503, 200]);
    let r = admin
        .delete(url("/faults/slow"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = admin
        .delete(url("/faults/slow"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let (_, body) = json_of(
        admin
            .delete(url("/faults"))
            .header("Authorization", &auth)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body["cleared"], 1);
    assert!(mock.faults().faults.is_empty());
    // A reset brings the world's faults back, counters at zero.
    let r = admin
        .post(url("/reset"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let view = mock.faults();
    assert_eq!(view.faults.len(), 1);
    assert_eq!(
        (view.faults[0].name.as_str(), view.faults[0].seen),
        ("slow", 0)
    );
}
