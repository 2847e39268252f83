//! Virtual hosting without containers: webra2 + webra1 on one HTTPS port
//! (by SNI), repo1 + repository on one HTTP port (by Host), on loopback.
//! A renewal with plain rustls/reqwest clients goes through the two shared
//! ports with the real hostnames; each host keeps its TLS policy and its
//! faults; unknown names are refused and journaled. (The renewal with the
//! real client through the shared ports is a harness case.)

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use crate::common::*;
use certs_gen::names::{REPO1_HOST, REPOSITORY_HOST, WEBRA1_HOST, WEBRA2_HOST};
use mock_ra::{Cause, Class, FaultKind, FaultSpec, Host, MockRa, Role, World};
use rustls::client::{ClientSessionMemoryCache, Resumption};
use rustls::{AlertDescription, HandshakeKind};
use rustls_pki_types::ServerName;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const MOCK_RA: &str = env!("CARGO_BIN_EXE_mock-ra");

fn port_of(url: &Value) -> u16 {
    url.as_str()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn the_served_mock_puts_the_four_hosts_on_two_shared_ports() {
    let state = tempfile::tempdir().unwrap();
    let served = serve(&["--vhost", "--state-dir", state.path().to_str().unwrap()]);
    let l = &served.line;

    // Two shared ports; the four roles' URLs are on them.
    let (https, http) = (port_of(&l["https"]), port_of(&l["http"]));
    assert_ne!(https, http);
    for (role, port) in [
        ("webra2", https),
        ("webra1", https),
        ("repo1", http),
        ("repository", http),
    ] {
        assert_eq!(port_of(&l[role]), port, "{role}: {}", l[role]);
    }
    // certrenew_args map all four real names onto the two ports.
    let args: Vec<String> = l["certrenew_args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    let mappings: Vec<&str> = args
        .windows(2)
        .filter(|w| w[0] == "--connect-to")
        .map(|w| w[1].as_str())
        .collect();
    assert_eq!(
        mappings,
        [
            format!("{WEBRA2_HOST}:443:127.0.0.1:{https}"),
            format!("{WEBRA1_HOST}:443:127.0.0.1:{https}"),
            format!("{REPO1_HOST}:80:127.0.0.1:{http}"),
            format!("{REPOSITORY_HOST}:80:127.0.0.1:{http}"),
        ]
    );

    // The demo identity the ready line names is there to renew with.
    let demo = PathBuf::from(l["demo"]["identity"].as_str().unwrap());
    for file in ["cert.pem", "key.pem", "chain.pem"] {
        assert!(demo.join(file).is_file(), "{}", demo.join(file).display());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewal_goes_through_the_shared_ports_and_the_journal_has_the_real_roles() {
    let mock = vhost_mock(world(now(), vec![account("acme", "pw-acme", "-10d")])).await;
    let id = mock.identity("acme").unwrap();
    // Login and issuance on webra2, by SNI on the shared HTTPS port.
    let (status, body) = renew(&mock, &id, "pw-acme").await;
    assert_eq!(status, 201, "{body}");
    let serial = body["serial"].as_str().unwrap();
    assert_eq!(
        mock.account("acme").unwrap().certificates.len(),
        2,
        "the renewal was recorded"
    );
    assert!(mock.certificate(serial).is_some());
    // The CRLs on repo1 and repository, by Host on the shared HTTP port.
    let c = client(&mock, None);
    let names = &mock.pki().names;
    for url in [
        repo1(&mock, &names.issuing_ca_crl_path()),
        repository(&mock, &names.root_crl_path()),
    ] {
        let resp = c.get(&url).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{url}");
    }
    // The confirmation page (webra1, by SNI) with the account's certificate.
    let c = client(&mock, Some(&id));
    c.get(webra1(&mock, "/scira/doc/ymfg/"))
        .send()
        .await
        .unwrap();

    // The journal names the real role of every request on the shared ports.
    let journal = mock.journal();
    let seen =
        |role: Role, cause: Cause| journal.iter().any(|e| e.role == role && e.cause == cause);
    for (role, cause) in [
        (Role::Webra2, Cause::TicketIssued),
        (Role::Webra2, Cause::Issued),
        (Role::Repo1, Cause::Served),
        (Role::Repository, Cause::Served),
    ] {
        assert!(seen(role, cause), "no {role:?} {cause:?} in {journal:#?}");
    }
    assert!(
        journal.iter().any(|e| e.role == Role::Webra1),
        "{journal:#?}"
    );
    assert!(
        !journal
            .iter()
            .any(|e| e.role == Role::Https || e.role == Role::Http),
        "nothing was left to the shared ports' own roles: {journal:#?}"
    );
}

async fn vhost_mock(world: World) -> MockRa {
    let mock = MockRa::builder(world).vhost(0, 0).start().await.unwrap();
    let (https, http) = mock.vhost().unwrap();
    assert_eq!(mock.addr(Role::Webra2), Some(https));
    assert_eq!(mock.addr(Role::Webra1), Some(https));
    assert_eq!(mock.addr(Role::Repo1), Some(http));
    assert_eq!(mock.addr(Role::Repository), Some(http));
    mock
}

/// A TLS handshake (and one `GET /`) to the shared HTTPS port with `sni`.
async fn handshake(
    addr: SocketAddr,
    sni: &str,
    config: rustls::ClientConfig,
) -> Result<(Option<HandshakeKind>, String), std::io::Error> {
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from(sni.to_owned()).unwrap();
    let mut tls = connector.connect(name, tcp).await?;
    let kind = tls.get_ref().1.handshake_kind();
    tls.write_all(format!("GET / HTTP/1.1\r\nHost: {sni}\r\nConnection: close\r\n\r\n").as_bytes())
        .await?;
    let mut answer = String::new();
    tls.read_to_string(&mut answer).await?;
    Ok((kind, answer))
}

fn alert(e: &std::io::Error) -> Option<AlertDescription> {
    match e.get_ref()?.downcast_ref::<rustls::Error>()? {
        rustls::Error::AlertReceived(a) => Some(*a),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_host_keeps_its_own_tls_policy_on_the_shared_port() {
    let mock = vhost_mock(world(now(), vec![account("acme", "pw", "+100d")])).await;
    let (https, _) = mock.vhost().unwrap();
    let id = mock.identity("acme").unwrap();
    let with_cache = |identity| {
        let mut c = tls_config(&mock, identity, None);
        c.resumption = Resumption::store(Arc::new(ClientSessionMemoryCache::new(8)));
        c
    };

    // webra2: no certificate needed; never resumes.
    let config = with_cache(None);
    for _ in 0..2 {
        let (kind, answer) = handshake(https, WEBRA2_HOST, config.clone()).await.unwrap();
        assert_eq!(kind, Some(HandshakeKind::Full));
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
    // webra1: a certificate is required ...
    let err = handshake(https, WEBRA1_HOST, with_cache(None))
        .await
        .unwrap_err();
    assert_eq!(
        alert(&err),
        Some(AlertDescription::CertificateRequired),
        "{err}"
    );
    // ... and sessions resume (D6.11 needs it).
    let config = with_cache(Some(&id));
    let (first, _) = handshake(https, WEBRA1_HOST, config.clone()).await.unwrap();
    let (second, answer) = handshake(https, WEBRA1_HOST, config).await.unwrap();
    assert_eq!(
        (first, second),
        (Some(HandshakeKind::Full), Some(HandshakeKind::Resumed))
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // The journal has the real roles.
    let roles: Vec<(Role, Cause)> = mock.journal().iter().map(|e| (e.role, e.cause)).collect();
    assert!(
        roles.contains(&(Role::Webra1, Cause::TlsNoClientCertificate)),
        "{roles:?}"
    );
    assert_eq!(
        roles
            .iter()
            .filter(|r| **r == (Role::Webra2, Cause::Page))
            .count(),
        2
    );
    assert_eq!(
        roles
            .iter()
            .filter(|r| **r == (Role::Webra1, Cause::Page))
            .count(),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_names_are_refused_and_journaled() {
    let mock = vhost_mock(World::demo()).await;
    let (https, http) = mock.vhost().unwrap();

    // An SNI for another host: a fatal unrecognized_name alert.
    let err = handshake(https, "www.example.com", tls_config(&mock, None, None))
        .await
        .unwrap_err();
    assert_eq!(
        alert(&err),
        Some(AlertDescription::UnrecognisedName),
        "{err}"
    );
    // No SNI at all (as when connecting by address): the same.
    let mut no_sni = tls_config(&mock, None, None);
    no_sni.enable_sni = false;
    let err = handshake(https, WEBRA2_HOST, no_sni).await.unwrap_err();
    assert_eq!(
        alert(&err),
        Some(AlertDescription::UnrecognisedName),
        "{err}"
    );
    let refused: Vec<_> = mock
        .journal()
        .into_iter()
        .filter(|e| e.role == Role::Https)
        .collect();
    assert_eq!(refused.len(), 2, "{refused:#?}");
    assert!(
        refused
            .iter()
            .all(|e| e.cause == Cause::UnknownHost && e.status.is_none())
    );

    // A Host for neither repository: 404 with a problem body.
    let c = reqwest::Client::builder().no_proxy().build().unwrap();
    let resp = c
        .get(format!("http://{http}/sppca/"))
        .header("Host", "www.example.com")
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(resp).await;
    assert_eq!(status, 404);
    assert_eq!(body["class"], "not_found", "{body}");
    assert!(!body.to_string().contains("www.example.com"), "{body}");
    // No Host at all (HTTP/1.0).
    let mut tcp = TcpStream::connect(http).await.unwrap();
    tcp.write_all(b"GET / HTTP/1.0\r\n\r\n").await.unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.0 404"), "{answer}");
    let unknown: Vec<_> = mock
        .journal()
        .into_iter()
        .filter(|e| e.role == Role::Http)
        .collect();
    assert_eq!(unknown.len(), 2, "{unknown:#?}");
    for e in &unknown {
        assert_eq!(
            (e.status, e.class, e.cause),
            (Some(404), Some(Class::NotFound), Cause::UnknownHost)
        );
    }
    assert_eq!(unknown[0].path, "/sppca/");
    // The right names still work on the same ports.
    let (status, _) = json_of(
        client(&mock, None)
            .get(repository(&mock, "/"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_stay_with_their_host_on_a_shared_port() {
    let mock = vhost_mock(world(now(), vec![account("acme", "pw", "-10d")])).await;
    // A new client (so a new connection) for every request: connection
    // faults act on connections.
    let get = |url: String| {
        let c = client(&mock, None);
        async move { c.get(url).send().await.map(|r| r.status().as_u16()) }
    };

    // An HTTP fault on repo1 leaves repository alone.
    let mut status = FaultSpec::new(Host::Repo1, FaultKind::Status);
    status.status = Some(503);
    mock.add_fault(status).unwrap();
    assert_eq!(get(repo1(&mock, "/")).await.unwrap(), 503);
    assert_eq!(get(repository(&mock, "/")).await.unwrap(), 200);
    mock.clear_faults();

    // So does a connection fault: the host is known from the request head.
    mock.add_fault(FaultSpec::new(Host::Repo1, FaultKind::Reset))
        .unwrap();
    assert!(get(repo1(&mock, "/")).await.is_err());
    assert_eq!(get(repository(&mock, "/")).await.unwrap(), 200);
    let faulted = mock
        .journal()
        .into_iter()
        .find(|e| e.cause == Cause::Fault && e.method.is_empty())
        .unwrap();
    assert_eq!(
        (faulted.role, faulted.fault.as_deref()),
        (Role::Repo1, Some("repo1-reset"))
    );
    assert_eq!(
        mock.faults().faults[0].seen,
        1,
        "one event: repo1's connection"
    );
    mock.clear_faults();

    // A TLS fault on webra1 leaves webra2 alone (the host is the SNI's).
    mock.add_fault(FaultSpec::new(Host::Webra1, FaultKind::TlsUnknownCa))
        .unwrap();
    assert!(get(webra1(&mock, "/")).await.is_err());
    assert_eq!(get(webra2(&mock, "/")).await.unwrap(), 200);
    mock.clear_faults();

    // `refuse` on one host of a shared port resets that host's
    // connections; on both, nothing listens.
    mock.add_fault(FaultSpec::new(Host::Repo1, FaultKind::Refuse))
        .unwrap();
    assert!(get(repo1(&mock, "/")).await.is_err());
    assert_eq!(get(repository(&mock, "/")).await.unwrap(), 200);
    mock.add_fault(FaultSpec::new(Host::Repository, FaultKind::Refuse))
        .unwrap();
    let (_, http) = mock.vhost().unwrap();
    let mut refused = false;
    for _ in 0..50 {
        // (A connection caught while the listener closes is reset.)
        if TcpStream::connect(http)
            .await
            .is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionRefused)
        {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "the shared HTTP port still listens");
    mock.clear_faults();
    let mut back = false;
    for _ in 0..50 {
        if get(repository(&mock, "/")).await.is_ok_and(|s| s == 200) {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(back, "the shared HTTP port did not come back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_reaches_the_virtual_hosts_by_name() {
    let mock = vhost_mock(World::demo()).await;
    let proxy = reqwest::Proxy::all(&mock.urls().proxy).unwrap();
    let c = reqwest::Client::builder()
        .tls_backend_preconfigured(tls_config(&mock, None, None))
        .proxy(proxy)
        .build()
        .unwrap();
    for (url, role) in [
        (format!("https://{WEBRA2_HOST}/"), Role::Webra2),
        (format!("http://{REPO1_HOST}/"), Role::Repo1),
        (format!("http://{REPOSITORY_HOST}/"), Role::Repository),
    ] {
        let resp = c.get(&url).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{url}");
        assert_eq!(last(&mock, role).cause, Cause::Page, "{url}");
    }
}

#[test]
fn bind_vhost_and_port_flags_are_checked_and_honoured() {
    // A port of one role and --vhost, or a shared port without --vhost:
    // usage errors.
    for args in [
        &["serve", "--vhost", "--webra2-port", "1"][..],
        &["serve", "--https-port", "1"][..],
        &["serve", "--http-port", "1"][..],
        &["serve", "--bind", "not-an-address"][..],
    ] {
        let out = Command::new(MOCK_RA).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    // Another loopback address than the default, with virtual hosting.
    if cfg!(target_os = "linux") {
        let state = tempfile::tempdir().unwrap();
        let served = serve(&[
            "--vhost",
            "--bind",
            "127.0.0.2",
            "--state-dir",
            state.path().to_str().unwrap(),
        ]);
        for role in [
            "webra2",
            "webra1",
            "repo1",
            "repository",
            "proxy",
            "https",
            "http",
        ] {
            let url = served.line[role].as_str().unwrap();
            assert!(url.contains("://127.0.0.2:"), "{role}: {url}");
        }
        // The admin API stays on loopback's default unless --admin-bind.
        let admin = served.line["admin"].as_str().unwrap();
        assert!(admin.starts_with("http://127.0.0.1:"), "admin: {admin}");
        let state2 = tempfile::tempdir().unwrap();
        let moved = serve(&[
            "--admin-bind",
            "127.0.0.2",
            "--state-dir",
            state2.path().to_str().unwrap(),
        ]);
        let admin = moved.line["admin"].as_str().unwrap();
        assert!(admin.starts_with("http://127.0.0.2:"), "admin: {admin}");
        let webra2 = moved.line["webra2"].as_str().unwrap();
        assert!(webra2.starts_with("https://127.0.0.1:"), "webra2: {webra2}");
        let args = served.line["certrenew_args"].to_string();
        assert!(args.contains(":127.0.0.2:"), "{args}");
        let http = served.line["http"]
            .as_str()
            .unwrap()
            .trim_start_matches("http://");
        let mut tcp = std::net::TcpStream::connect(http).unwrap();
        write!(
            tcp,
            "GET / HTTP/1.1\r\nHost: {REPO1_HOST}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        tcp.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
}
