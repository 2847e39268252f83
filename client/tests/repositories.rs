//! The plain-HTTP repository paths (repo1, repository) against wiremock on
//! 127.0.0.1: the chain is fetched by AIA and CRL distribution points; a
//! 404, a 500, garbage bytes or a slow answer each end in E115 after a
//! bounded number of attempts, in bounded time.

// Test code: a panic in a helper is a failed test.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use certrenew::cert::CertFacts;
use certrenew::chain::{self, ChainError};
use certrenew::messages::Class;
use certrenew::net::{Net, NetConfig, NetErrorKind, RetryPolicy};
use certs_gen::{ClientSpec, KeyType, Pki};
use time::OffsetDateTime;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

struct World {
    pki: Pki,
    leaf: CertFacts,
    server: MockServer,
}

async fn world() -> World {
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let pki = Pki::generate(KeyType::P256, now).unwrap();
    let id = pki
        .issue_client(&ClientSpec::ending(
            "user01",
            now,
            time::Duration::days(365),
        ))
        .unwrap();
    let leaf = CertFacts::parse(&id.cert).unwrap();
    World {
        pki,
        leaf,
        server: MockServer::start().await,
    }
}

impl World {
    fn net(&self, timeout: Duration) -> Net {
        let port = self.server.address().port();
        Net::new(NetConfig {
            mappings: vec![
                format!("repo1.secomtrust.net:80:127.0.0.1:{port}")
                    .parse()
                    .unwrap(),
                format!("repository.secomtrust.net:80:127.0.0.1:{port}")
                    .parse()
                    .unwrap(),
            ],
            server_roots: Some(vec![self.pki.web_root.der().clone()]),
            connect_timeout: Duration::from_secs(2),
            timeout,
            retry: RetryPolicy {
                attempts: 3,
                backoff: Duration::from_millis(10),
            },
            ..Default::default()
        })
        .unwrap()
    }

    /// Mounts every good answer except for `broken`.
    async fn mount_good_except(&self, broken: &str) {
        let n = &self.pki.names;
        let now = OffsetDateTime::now_utc();
        let bodies = [
            (n.issuing_ca_cert_path(), self.pki.issuing_ca.der().to_vec()),
            (n.root_cert_path(), self.pki.client_root.der().to_vec()),
            (
                n.issuing_ca_crl_path(),
                self.pki.issuing_crl(&[], now, 1).unwrap().to_vec(),
            ),
            (
                n.root_crl_path(),
                self.pki.root_crl(&[], now, 1).unwrap().to_vec(),
            ),
        ];
        for (p, body) in bodies {
            if p != broken {
                Mock::given(method("GET"))
                    .and(path(p))
                    .respond_with(ResponseTemplate::new(200).set_body_bytes(body))
                    .mount(&self.server)
                    .await;
            }
        }
    }

    async fn requests_to(&self, p: &str) -> usize {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|r| r.url.path() == p)
            .count()
    }
}

fn class_of(e: ChainError) -> Class {
    certrenew::Error::Chain {
        serial: "01".into(),
        source: e,
    }
    .class()
}

#[tokio::test]
async fn the_chain_is_built_from_aia_and_validates() {
    let w = world().await;
    w.mount_good_except("").await;
    let chain = chain::fetch(&w.net(Duration::from_secs(5)), &w.leaf)
        .await
        .unwrap();
    assert_eq!(chain.cas.len(), 2);
    assert_eq!(chain.cas[0].der, *w.pki.issuing_ca.der());
    assert_eq!(chain.cas[1].der, *w.pki.client_root.der());
    assert_eq!(chain.crls.len(), 2);
    chain::validate(&w.leaf, &chain, OffsetDateTime::now_utc()).unwrap();
}

#[tokio::test]
async fn a_404_is_e115_without_retry() {
    let w = world().await;
    let broken = w.pki.names.issuing_ca_cert_path();
    w.mount_good_except(&broken).await;
    Mock::given(path(broken.clone()))
        .respond_with(ResponseTemplate::new(404))
        .mount(&w.server)
        .await;
    let e = chain::fetch(&w.net(Duration::from_secs(5)), &w.leaf)
        .await
        .unwrap_err();
    let ChainError::Net(ref n) = e else {
        panic!("{e:?}")
    };
    assert_eq!(n.kind, NetErrorKind::Status(404));
    assert_eq!(n.host, "repo1.secomtrust.net");
    assert_eq!(w.requests_to(&broken).await, 1);
    assert_eq!(class_of(e), Class::E115);
}

#[tokio::test]
async fn a_500_is_e115_after_three_attempts() {
    let w = world().await;
    let broken = w.pki.names.root_crl_path();
    w.mount_good_except(&broken).await;
    Mock::given(path(broken.clone()))
        .respond_with(ResponseTemplate::new(500))
        .mount(&w.server)
        .await;
    let e = chain::fetch(&w.net(Duration::from_secs(5)), &w.leaf)
        .await
        .unwrap_err();
    let ChainError::Net(ref n) = e else {
        panic!("{e:?}")
    };
    assert_eq!(n.kind, NetErrorKind::Status(500));
    assert_eq!(n.host, "repository.secomtrust.net");
    assert_eq!(w.requests_to(&broken).await, 3);
    assert_eq!(class_of(e), Class::E115);
}

#[tokio::test]
async fn garbage_bytes_are_e115_after_three_attempts() {
    let w = world().await;
    let broken = w.pki.names.root_cert_path();
    w.mount_good_except(&broken).await;
    Mock::given(path(broken.clone()))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("<html>blocked by your proxy</html>"),
        )
        .mount(&w.server)
        .await;
    let e = chain::fetch(&w.net(Duration::from_secs(5)), &w.leaf)
        .await
        .unwrap_err();
    let ChainError::Net(ref n) = e else {
        panic!("{e:?}")
    };
    assert!(matches!(n.kind, NetErrorKind::Body(_)), "{n:?}");
    assert_eq!(w.requests_to(&broken).await, 3);
    assert_eq!(class_of(e), Class::E115);
}

#[tokio::test]
async fn a_crl_that_is_not_a_crl_is_e115() {
    let w = world().await;
    let broken = w.pki.names.issuing_ca_crl_path();
    w.mount_good_except(&broken).await;
    Mock::given(path(broken.clone()))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![0x30, 0x03, 1, 2, 3]))
        .mount(&w.server)
        .await;
    let e = chain::fetch(&w.net(Duration::from_secs(5)), &w.leaf)
        .await
        .unwrap_err();
    assert_eq!(w.requests_to(&broken).await, 3);
    assert_eq!(class_of(e), Class::E115);
}

#[tokio::test]
async fn a_slow_repository_times_out_in_bounded_time() {
    let w = world().await;
    let broken = w.pki.names.issuing_ca_cert_path();
    w.mount_good_except(&broken).await;
    Mock::given(path(broken.clone()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_bytes(w.pki.issuing_ca.der().to_vec())
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&w.server)
        .await;
    let start = Instant::now();
    let e = chain::fetch(&w.net(Duration::from_millis(300)), &w.leaf)
        .await
        .unwrap_err();
    let elapsed = start.elapsed();
    let ChainError::Net(ref n) = e else {
        panic!("{e:?}")
    };
    assert!(matches!(n.kind, NetErrorKind::Timeout(_)), "{n:?}");
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    assert_eq!(w.requests_to(&broken).await, 3);
    assert_eq!(class_of(e), Class::E115);
}

#[tokio::test]
async fn a_refused_connection_is_e115() {
    let w = world().await;
    // A port nothing listens on: bind, note it, close.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let net = Net::new(NetConfig {
        mappings: vec![
            format!("repo1.secomtrust.net:80:127.0.0.1:{port}")
                .parse()
                .unwrap(),
        ],
        server_roots: Some(vec![w.pki.web_root.der().clone()]),
        retry: RetryPolicy {
            attempts: 2,
            backoff: Duration::from_millis(10),
        },
        ..Default::default()
    })
    .unwrap();
    let e = chain::fetch(&net, &w.leaf).await.unwrap_err();
    let ChainError::Net(ref n) = e else {
        panic!("{e:?}")
    };
    assert!(matches!(n.kind, NetErrorKind::Connect(_)), "{n:?}");
    assert_eq!(class_of(e), Class::E115);
}

#[tokio::test]
async fn a_503_with_retry_after_is_waited_for_then_retried() {
    let w = world().await;
    let flaky = w.pki.names.issuing_ca_crl_path();
    w.mount_good_except(&flaky).await;
    Mock::given(path(flaky.clone()))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&w.server)
        .await;
    let now = OffsetDateTime::now_utc();
    Mock::given(path(flaky.clone()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_bytes(w.pki.issuing_crl(&[], now, 1).unwrap().to_vec()),
        )
        .with_priority(2)
        .mount(&w.server)
        .await;
    let started = Instant::now();
    chain::fetch(&w.net(Duration::from_secs(5)), &w.leaf)
        .await
        .unwrap();
    // The server asked for one second; the backoff alone is 10 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(w.requests_to(&flaky).await, 2);
}

#[tokio::test]
async fn a_retry_after_longer_than_the_timeout_is_not_waited_for() {
    let w = world().await;
    let broken = w.pki.names.issuing_ca_cert_path();
    w.mount_good_except(&broken).await;
    Mock::given(path(broken.clone()))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "3600"))
        .mount(&w.server)
        .await;
    let started = Instant::now();
    let e = chain::fetch(&w.net(Duration::from_secs(2)), &w.leaf)
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    let ChainError::Net(ref n) = e else {
        panic!("{e:?}")
    };
    assert_eq!(n.kind, NetErrorKind::Status(503));
    assert_eq!(w.requests_to(&broken).await, 1);
    assert_eq!(class_of(e), Class::E115);
}

/// A `--connect-to` target may be a name; it is resolved when connecting.
#[tokio::test]
async fn a_mapping_to_a_name_is_resolved_when_connecting() {
    let w = world().await;
    w.mount_good_except("").await;
    let port = w.server.address().port();
    let net = Net::new(NetConfig {
        mappings: vec![
            format!("repo1.secomtrust.net:80:localhost:{port}")
                .parse()
                .unwrap(),
            format!("repository.secomtrust.net:80:localhost:{port}")
                .parse()
                .unwrap(),
        ],
        server_roots: Some(vec![w.pki.web_root.der().clone()]),
        ..Default::default()
    })
    .unwrap();
    let chain = chain::fetch(&net, &w.leaf).await.unwrap();
    assert_eq!(chain.cas.len(), 2);
}

/// A name under `.invalid` never resolves (RFC 6761): E115 at once, after
/// the bounded retries, without asking any resolver.
#[tokio::test]
async fn an_unresolvable_target_is_e115_quickly() {
    let w = world().await;
    let net = Net::new(NetConfig {
        mappings: vec![
            "repo1.secomtrust.net:80:repo1.unresolvable.invalid:80"
                .parse()
                .unwrap(),
        ],
        server_roots: Some(vec![w.pki.web_root.der().clone()]),
        retry: RetryPolicy {
            attempts: 3,
            backoff: Duration::from_millis(10),
        },
        ..Default::default()
    })
    .unwrap();
    let started = Instant::now();
    let e = chain::fetch(&net, &w.leaf).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let ChainError::Net(ref n) = e else {
        panic!("{e:?}")
    };
    assert!(
        matches!(&n.kind, NetErrorKind::Unresolved { name, .. } if name.ends_with(".invalid")),
        "{n:?}"
    );
    assert!(n.to_string().contains("RFC 6761"), "{n}");
    assert_eq!(class_of(e), Class::E115);
}
