//! The plain-HTTP repository paths (repo1, repository) through certrenew's
//! library against the real mock's repositories, each broken by one of its
//! faults: the chain is fetched by AIA and CRL distribution points; a 404,
//! a 500, garbage bytes or a slow answer each end in E115 after a bounded
//! number of attempts, in bounded time. Library calls, because the
//! attempts, the error's kind and host, and the time are what is checked.
//! A refused repository is the fault matrix's `refuse@repo1` and
//! `refuse@repository` cells (E115, detail `net:connect`).

// Test code: a panic in a helper is a failed test.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use crate::support::Ra;
use certrenew::cert::CertFacts;
use certrenew::chain::{self, ChainError};
use certrenew::messages::Class;
use certrenew::net::{Net, NetConfig, NetErrorKind, RetryPolicy};
use mock_ra::{FaultKind, FaultSpec, Host as FaultHost, Role};

/// An identity valid now, so its chain validates at the mock's now.
const CURRENT: &str = r#"
[[identity]]
name = "current"
expires = "+300d"
"#;

struct World {
    ra: Ra,
    leaf: CertFacts,
}

async fn world() -> World {
    let ra = Ra::with_world(CURRENT).await;
    let leaf = CertFacts::parse(&ra.mock.identity("current").unwrap().cert).unwrap();
    World { ra, leaf }
}

impl World {
    /// `repo1.secomtrust.net:80:TARGET:PORT` and the same for repository,
    /// `target` the address (or a name) the mock's port is reached at.
    fn mappings(&self, target: &str) -> Vec<certrenew::net::ConnectTo> {
        [(Role::Repo1, "repo1"), (Role::Repository, "repository")]
            .into_iter()
            .map(|(role, host)| {
                let port = self.ra.mock.addr(role).unwrap().port();
                format!("{host}.secomtrust.net:80:{target}:{port}")
                    .parse()
                    .unwrap()
            })
            .collect()
    }

    fn net(&self, timeout: Duration) -> Net {
        Net::new(NetConfig {
            mappings: self.mappings("127.0.0.1"),
            server_roots: Some(vec![self.ra.mock.pki().web_root.der().clone()]),
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

    fn names(&self) -> &certs_gen::PkiNames {
        &self.ra.mock.pki().names
    }

    /// Puts `kind` in force on `host` for `path` (with the given settings).
    fn break_path(
        &self,
        host: FaultHost,
        path: &str,
        kind: FaultKind,
        set: impl Fn(&mut FaultSpec),
    ) {
        let mut spec = FaultSpec::new(host, kind).on_path(path);
        set(&mut spec);
        self.ra.mock.add_fault(spec).unwrap();
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
    let chain = chain::fetch(&w.net(Duration::from_secs(5)), &w.leaf)
        .await
        .unwrap();
    assert_eq!(chain.cas.len(), 2);
    assert_eq!(chain.cas[0].der, *w.ra.mock.pki().issuing_ca.der());
    assert_eq!(chain.cas[1].der, *w.ra.mock.pki().client_root.der());
    assert_eq!(chain.crls.len(), 2);
    chain::validate(&w.leaf, &chain, w.ra.mock.now()).unwrap();
}

#[tokio::test]
async fn a_404_is_e115_without_retry() {
    let w = world().await;
    let broken = w.names().issuing_ca_cert_path();
    w.break_path(FaultHost::Repo1, &broken, FaultKind::Status, |f| {
        f.status = Some(404)
    });
    let e = chain::fetch(&w.net(Duration::from_secs(5)), &w.leaf)
        .await
        .unwrap_err();
    let ChainError::Net(ref n) = e else {
        panic!("{e:?}")
    };
    assert_eq!(n.kind, NetErrorKind::Status(404));
    assert_eq!(n.host, "repo1.secomtrust.net");
    assert_eq!(w.ra.requests_to(&broken), 1);
    assert_eq!(class_of(e), Class::E115);
}

#[tokio::test]
async fn a_500_is_e115_after_three_attempts() {
    let w = world().await;
    let broken = w.names().root_crl_path();
    w.break_path(FaultHost::Repository, &broken, FaultKind::Status, |f| {
        f.status = Some(500)
    });
    let e = chain::fetch(&w.net(Duration::from_secs(5)), &w.leaf)
        .await
        .unwrap_err();
    let ChainError::Net(ref n) = e else {
        panic!("{e:?}")
    };
    assert_eq!(n.kind, NetErrorKind::Status(500));
    assert_eq!(n.host, "repository.secomtrust.net");
    assert_eq!(w.ra.requests_to(&broken), 3);
    assert_eq!(class_of(e), Class::E115);
}

/// A filtering proxy's HTML page where the root certificate should be.
#[tokio::test]
async fn garbage_bytes_are_e115_after_three_attempts() {
    let w = world().await;
    let broken = w.names().root_cert_path();
    w.break_path(FaultHost::Repository, &broken, FaultKind::BlockPage, |_| {});
    let e = chain::fetch(&w.net(Duration::from_secs(5)), &w.leaf)
        .await
        .unwrap_err();
    let ChainError::Net(ref n) = e else {
        panic!("{e:?}")
    };
    assert!(matches!(n.kind, NetErrorKind::Body(_)), "{n:?}");
    assert_eq!(w.ra.requests_to(&broken), 3);
    assert_eq!(class_of(e), Class::E115);
}

/// A 200 whose body is no CRL (here: none at all).
#[tokio::test]
async fn a_crl_that_is_not_a_crl_is_e115() {
    let w = world().await;
    let broken = w.names().issuing_ca_crl_path();
    w.break_path(FaultHost::Repo1, &broken, FaultKind::Empty, |_| {});
    let e = chain::fetch(&w.net(Duration::from_secs(5)), &w.leaf)
        .await
        .unwrap_err();
    assert_eq!(w.ra.requests_to(&broken), 3);
    assert_eq!(class_of(e), Class::E115);
}

#[tokio::test]
async fn a_slow_repository_times_out_in_bounded_time() {
    let w = world().await;
    // repo1 is asked first (the issuing CA's certificate, by AIA): every
    // answer of it waits 5 s.
    let mut slow = FaultSpec::new(FaultHost::Repo1, FaultKind::Latency);
    slow.ms = Some(5000);
    w.ra.mock.add_fault(slow).unwrap();
    let start = Instant::now();
    let e = chain::fetch(&w.net(Duration::from_millis(300)), &w.leaf)
        .await
        .unwrap_err();
    let elapsed = start.elapsed();
    let ChainError::Net(ref n) = e else {
        panic!("{e:?}")
    };
    assert!(matches!(n.kind, NetErrorKind::Timeout(_)), "{n:?}");
    assert_eq!(n.host, "repo1.secomtrust.net");
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    let faults = w.ra.mock.faults();
    assert_eq!(faults.faults[0].applied, 3, "{faults:?}");
    assert_eq!(class_of(e), Class::E115);
}

#[tokio::test]
async fn a_503_with_retry_after_is_waited_for_then_retried() {
    let w = world().await;
    let flaky = w.names().issuing_ca_crl_path();
    w.break_path(FaultHost::Repo1, &flaky, FaultKind::Status, |f| {
        f.status = Some(503);
        f.retry_after = Some(1);
        f.times = Some(1);
    });
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
    assert_eq!(w.ra.requests_to(&flaky), 2);
}

#[tokio::test]
async fn a_retry_after_longer_than_the_timeout_is_not_waited_for() {
    let w = world().await;
    let broken = w.names().issuing_ca_cert_path();
    w.break_path(FaultHost::Repo1, &broken, FaultKind::Status, |f| {
        f.status = Some(503);
        f.retry_after = Some(3600);
    });
    let started = Instant::now();
    let e = chain::fetch(&w.net(Duration::from_secs(2)), &w.leaf)
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    let ChainError::Net(ref n) = e else {
        panic!("{e:?}")
    };
    assert_eq!(n.kind, NetErrorKind::Status(503));
    assert_eq!(w.ra.requests_to(&broken), 1);
    assert_eq!(class_of(e), Class::E115);
}

/// A `--connect-to` target may be a name; it is resolved when connecting.
#[tokio::test]
async fn a_mapping_to_a_name_is_resolved_when_connecting() {
    let w = world().await;
    let net = Net::new(NetConfig {
        mappings: w.mappings("localhost"),
        server_roots: Some(vec![w.ra.mock.pki().web_root.der().clone()]),
        ..Default::default()
    })
    .unwrap();
    let chain = chain::fetch(&net, &w.leaf).await.unwrap();
    assert_eq!(chain.cas.len(), 2);
}

/// A name under `.invalid` never resolves (RFC 6761): E115 at once, after
/// the bounded retries, without asking any resolver. The mapping is the
/// one the mock's `unresolvable` fault gives.
#[tokio::test]
async fn an_unresolvable_target_is_e115_quickly() {
    let w = world().await;
    let name = mock_ra::unresolvable_name(FaultHost::Repo1);
    let net = Net::new(NetConfig {
        mappings: vec![
            format!("repo1.secomtrust.net:80:{name}:80")
                .parse()
                .unwrap(),
        ],
        server_roots: Some(vec![w.ra.mock.pki().web_root.der().clone()]),
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
