//! A virtual clock far from real time (`serve --now 2028-06-01T00:00:00Z`):
//! the servers' certificates must still verify for a client checking them
//! at real time, as the ready line's own arguments make certrenew do, and
//! at the virtual time, as `--danger-now` makes it do.

// Test support: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use crate::common::*;
use mock_ra::{MockRa, Role, World};
use rustls::client::danger::ServerCertVerifier;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use time::{Duration, OffsetDateTime};

/// Connects to `role` with a rustls client that trusts the web root and
/// verifies at real time, and returns the server's certificate.
async fn handshake(mock: &MockRa, role: Role, name: &'static str) -> CertificateDer<'static> {
    let config = Arc::new(tls_config(mock, None, None));
    let tcp = tokio::net::TcpStream::connect(mock.addr(role).unwrap())
        .await
        .unwrap();
    let tls = tokio_rustls::TlsConnector::from(config)
        .connect(ServerName::try_from(name).unwrap(), tcp)
        .await
        .unwrap_or_else(|e| panic!("{name} at real time: {e}"));
    tls.get_ref().1.peer_certificates().unwrap()[0]
        .clone()
        .into_owned()
}

/// The server certificate verifies with webpki at `at` for `name`.
fn verifies_at(mock: &MockRa, cert: &CertificateDer<'static>, name: &str, at: OffsetDateTime) {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(mock.pki().web_root.der().clone()).unwrap();
    let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
        Arc::new(roots),
        Arc::new(rustls::crypto::aws_lc_rs::default_provider()),
    )
    .build()
    .unwrap();
    let when = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        at.unix_timestamp().try_into().unwrap(),
    ));
    verifier
        .verify_server_cert(
            cert,
            &[],
            &ServerName::try_from(name.to_owned()).unwrap(),
            &[],
            when,
        )
        .unwrap_or_else(|e| panic!("{name} at {at}: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn far_clocks_serve_certificates_valid_at_real_and_virtual_time() {
    // 18 months ahead (as `--now 2028-06-01T00:00:00Z` was from late 2026)
    // and five years back: both beyond the 400/800 days the PKI's own
    // server certificates span around the virtual now.
    for offset in [Duration::days(550), -Duration::days(5 * 365)] {
        let virtual_now = now() + offset;
        let mut world = World::default().frozen_at(virtual_now);
        world.accounts = vec![account("alice", "pw", "-10d")];
        let mock = MockRa::start(world).await.unwrap();
        for (role, name) in [
            (Role::Webra2, "webra2.secomtrust.net"),
            (Role::Webra1, "webra1.secomtrust.net"),
        ] {
            if role == Role::Webra1 {
                // webra1 requires a client certificate: a handshake with
                // one, through the ordinary client, at real time.
                let alice = mock.identity("alice").unwrap();
                let c = client(&mock, Some(&alice));
                let resp = c.get(webra1(&mock, "/")).send().await.unwrap();
                assert_eq!(resp.status(), 200, "webra1, clock {offset}");
                continue;
            }
            let cert = handshake(&mock, role, name).await;
            verifies_at(&mock, &cert, name, now());
            verifies_at(&mock, &cert, name, virtual_now);
        }
        // The ordinary client logs in, at real time, with the clock far away.
        let alice = mock.identity("alice").unwrap();
        let (status, body) = login(&client(&mock, Some(&alice)), &mock, "pw").await;
        assert_eq!(status, 200, "clock {offset}: {body}");
        mock.shutdown().await;
    }
}
