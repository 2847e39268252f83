//! Where the RA's time goes (`cargo bench -p mock-ra --bench hot_paths`):
//! the CSR checks and the signature of an issuance, a CRL with 100,000
//! revoked serials, the login's lookups in a world of 100,000 customers,
//! and starting such a world.

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use certs_gen::{KeyType, Pki, Revocation, RevocationReason};
use divan::Bencher;
use mock_ra::{MockRa, World};
use time::{Duration, OffsetDateTime};

fn main() {
    divan::main();
}

fn now() -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + Duration::days(20_780)
}

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| Pki::generate(KeyType::P256, now()).expect("a P-256 PKI"))
}

/// A P-256 CSR (DER) and its subject exactly as encoded in it.
fn csr() -> (Vec<u8>, Vec<u8>) {
    use x509_parser::prelude::FromDer;
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("a key");
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = pki().client_subject("cust000001", None);
    let der = params
        .serialize_request(&key)
        .expect("a CSR")
        .der()
        .to_vec();
    let subject = x509_parser::certification_request::X509CertificationRequest::from_der(&der)
        .map(|(_, r)| r.certification_request_info.subject.as_raw().to_vec())
        .expect("our own CSR parses");
    (der, subject)
}

fn season(count: u32) -> World {
    let text = format!(
        "[[customers]]\ncount = {count}\nid = \"cust{{n:06}}\"\npassword = \"pw-{{n}}\"\n\
         expires_from = \"-80d\"\nexpires_to = \"-1d\"\n"
    );
    World::from_toml("bench.toml", &text).expect("a season")
}

#[divan::bench]
fn csr_check(b: Bencher) {
    let (der, subject) = csr();
    let b64 = STANDARD.encode(&der);
    b.bench(|| mock_ra::check_csr(&b64, &subject).expect("a good CSR"));
}

#[divan::bench]
fn csr_sign(b: Bencher) {
    let (der, _) = csr();
    let pki = pki();
    b.bench(|| {
        pki.sign_client_csr(
            &der,
            pki.client_subject("cust000001", None),
            now(),
            now() + Duration::days(365),
            None,
        )
        .expect("signed")
    });
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn crl_with_100k_revoked(b: Bencher) {
    let pki = pki();
    let revoked: Vec<Revocation> = (0..100_000u32)
        .map(|i| Revocation {
            serial: [&[0x11u8][..], &i.to_be_bytes()[..], &[0u8; 11][..]].concat(),
            revoked_at: now() - Duration::days(1),
            reason: RevocationReason::KeyCompromise,
        })
        .collect();
    b.bench(|| pki.issuing_crl(&revoked, now(), 1).expect("a CRL"));
}

#[divan::bench(sample_count = 20)]
fn lookup_in_100k(b: Bencher) {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let mock = rt
        .block_on(MockRa::start(season(100_000)))
        .expect("a season");
    let serials: Vec<String> = (1..=100_000u32)
        .step_by(97)
        .filter_map(|n| mock.current_serial(&format!("cust{n:06}")))
        .collect();
    let mut i = 0;
    b.bench_local(|| {
        i = (i + 1) % serials.len();
        mock.owner_of(&serials[i])
    });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn start_100k_world(b: Bencher) {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    b.bench_local(|| {
        rt.block_on(async {
            let mock = MockRa::start(season(100_000)).await.expect("a season");
            mock.shutdown().await;
        })
    });
}
