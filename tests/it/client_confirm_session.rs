//! The confirmation page within one process (D6.11), through certrenew's
//! library against the real mock's webra1: a `Browser` reuses one TLS
//! configuration, so a second visit resumes the first visit's TLS session
//! and the server decides on the certificate that session was
//! authenticated with, even after a newer identity exists. (Across runs
//! the same is case `confirm-stale-ssl-state`.)

// Test code: a panic in a helper is a failed test.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use crate::support::Ra;
use certrenew::clock::Clock;
use certrenew::confirm::{Browser, NotConfirmed, Presentable};
use certrenew::net::{self, Net, NetConfig};
use certrenew::store::{Access, Meta, Store};
use mock_ra::Role;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_visit_resumes_the_session_of_the_first() {
    let ra = Ra::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Access::Write).unwrap();
    let meta = Meta {
        origin: "imported".into(),
        stored_at: time::OffsetDateTime::now_utc(),
        renewed_from: None,
    };
    let stored = store
        .add_identity(&ra.old.cert, &ra.old.key, &meta)
        .unwrap();
    store.add_chain(&stored, &ra.old.chain).unwrap();
    let webra1 = ra.mock.addr(Role::Webra1).unwrap();
    let net = Net::new(NetConfig {
        mappings: vec![
            format!("webra1.secomtrust.net:443:127.0.0.1:{}", webra1.port())
                .parse()
                .unwrap(),
        ],
        server_roots: Some(vec![ra.mock.pki().web_root.der().clone()]),
        connect_timeout: Duration::from_secs(5),
        ..Default::default()
    })
    .unwrap();
    let (ids, _) = store.identities().unwrap();
    let presentable: Vec<Presentable> = ids
        .into_iter()
        .map(|id| {
            let key = store.load_key(&id).unwrap();
            let ck = net::certified_key(&id.cert.der, &id.chain_der(), &key).unwrap();
            Presentable {
                identity: id,
                key: ck,
            }
        })
        .collect();
    let browser = Browser::new(&net, presentable, Clock::System, None, None).unwrap();

    // First visit: full handshake, the expired certificate is presented.
    let first = browser.visit(&net).await;
    assert_eq!(
        first.presented.as_ref().map(|p| p.cert.serial.clone()),
        Some(ra.old_serial())
    );
    assert!(
        matches!(first.result, Err(NotConfirmed::Page { status: 403, .. })),
        "{:?}",
        first.result
    );

    // Second visit: resumed, no certificate asked for, same verdict.
    let second = browser.visit(&net).await;
    assert!(second.presented.is_none(), "the session was not resumed");
    assert!(
        matches!(second.result, Err(NotConfirmed::Page { status: 403, .. })),
        "{:?}",
        second.result
    );
}
