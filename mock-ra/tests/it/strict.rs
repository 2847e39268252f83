//! Strict input on the RA (docs/protocol.md 2.3-2.5): what a real RA
//! refuses, the mock refuses too, with a 4xx problem body that changes
//! nothing. Each case was accepted once.

// Test support: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use crate::common::*;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use certs_gen::KeyType;
use mock_ra::{Cause, MockRa, Role};
use serde_json::{Value, json};

/// A mock with one account `alice` (password `pw`, expired 10 days ago,
/// order ready), her client, and a ticket with its `subject_der`.
async fn logged_in() -> (MockRa, reqwest::Client, String, Vec<u8>, Value) {
    let mock = MockRa::start(world(now(), vec![account("alice", "pw", "-10d")]))
        .await
        .unwrap();
    let c = client(&mock, Some(&mock.identity("alice").unwrap()));
    let (status, body) = login(&c, &mock, "pw").await;
    assert_eq!(status, 200, "{body}");
    let ticket = body["ticket"].as_str().unwrap().to_owned();
    let subject_der = STANDARD
        .decode(body["subject_der"].as_str().unwrap())
        .unwrap();
    (mock, c, ticket, subject_der, body)
}

async fn post_raw(
    c: &reqwest::Client,
    mock: &MockRa,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (reqwest::StatusCode, Value) {
    let mut req = c.post(webra2(mock, path)).body(body);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    json_of(req.send().await.unwrap()).await
}

fn detail(got: &(reqwest::StatusCode, Value)) -> String {
    got.1["detail"].as_str().unwrap_or_default().to_owned()
}

/// The account as it was and its ticket still good: one issuance with a
/// good CSR succeeds.
async fn ticket_still_good(mock: &MockRa, c: &reqwest::Client, ticket: &str, subject_der: &[u8]) {
    let key = KeyType::P256.generate().unwrap();
    let (status, body) = issue(c, mock, ticket, &csr_with_key(subject_der, &key)).await;
    assert_eq!(
        status, 201,
        "the ticket was used up by a refused request: {body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_arrays_are_not_request_objects() {
    let (mock, c, ticket, subject_der, _) = logged_in().await;
    let before = mock.account("alice").unwrap();
    let key = KeyType::P256.generate().unwrap();
    let good = csr_with_key(&subject_der, &key);
    // serde reads a struct from a sequence too: ["pw"] logged in and
    // [ticket, csr] issued a certificate.
    let got = post_raw(
        &c,
        &mock,
        LOGIN,
        Some("application/json"),
        br#"["pw"]"#.to_vec(),
    )
    .await;
    assert_eq!(
        (got.0.as_u16(), &got.1["class"]),
        (400, &json!("bad_request")),
        "{}",
        got.1
    );
    assert!(detail(&got).contains("JSON object"), "{}", got.1);
    let array = serde_json::to_vec(&json!([ticket, good])).unwrap();
    let got = post_raw(&c, &mock, CERTIFICATE, Some("application/json"), array).await;
    assert_eq!(
        (got.0.as_u16(), &got.1["class"]),
        (400, &json!("bad_request")),
        "{}",
        got.1
    );
    assert!(detail(&got).contains("JSON object"), "{}", got.1);
    // Whitespace before the object is still JSON.
    let (status, body) = post_raw(
        &c,
        &mock,
        LOGIN,
        Some("application/json"),
        b" \r\n\t{\"password\": \"pw\"}".to_vec(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(mock.account("alice").unwrap().failures, before.failures);
    ticket_still_good(&mock, &c, &ticket, &subject_der).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_content_type_must_be_json() {
    let (mock, c, ticket, subject_der, _) = logged_in().await;
    let key = KeyType::P256.generate().unwrap();
    let issue_body =
        serde_json::to_vec(&json!({"ticket": ticket, "csr": csr_with_key(&subject_der, &key)}))
            .unwrap();
    let seq = mock.journal().last().unwrap().seq;
    for (path, body) in [
        (LOGIN, br#"{"password": "pw"}"#.to_vec()),
        (CERTIFICATE, issue_body.clone()),
    ] {
        for ct in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("application/json; charset=latin1"),
            Some("application/jsonx"),
        ] {
            let got = post_raw(&c, &mock, path, ct, body.clone()).await;
            assert_eq!(got.0.as_u16(), 415, "{path} {ct:?}: {}", got.1);
            assert_eq!(got.1["class"], "unsupported_media_type", "{}", got.1);
            assert!(
                detail(&got).contains("expected application/json"),
                "{}",
                got.1
            );
        }
    }
    let refused: Vec<Cause> = mock
        .journal()
        .into_iter()
        .filter(|e| e.seq > seq && e.role == Role::Webra2)
        .map(|e| e.cause)
        .collect();
    assert_eq!(refused, vec![Cause::UnsupportedMediaType; 10]);
    // Parameters and case are allowed.
    let (status, body) = post_raw(
        &c,
        &mock,
        CERTIFICATE,
        Some("Application/JSON; charset=\"UTF-8\""),
        issue_body,
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whitespace_inside_the_base64_csr_is_refused() {
    let (mock, c, ticket, subject_der, _) = logged_in().await;
    let key = KeyType::P256.generate().unwrap();
    let good = csr_with_key(&subject_der, &key);
    for spaced in [
        format!("{}\n{}", &good[..64], &good[64..]),
        format!("{}\r\n{}", &good[..64], &good[64..]),
        format!("{} {}", &good[..10], &good[10..]),
        format!("{good}\n"),
        format!(" {good}"),
    ] {
        let got = issue(&c, &mock, &ticket, &spaced).await;
        assert_eq!(got.0.as_u16(), 400, "{}", got.1);
        assert!(detail(&got).contains("whitespace at offset"), "{}", got.1);
    }
    ticket_still_good(&mock, &c, &ticket, &subject_der).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signature_bit_string_with_unused_bits_is_refused() {
    use x509_cert::der::Decode;
    let (mock, c, ticket, subject_der, _) = logged_in().await;
    // The one flip an exhaustive single-bit scan found accepted: the
    // signature BIT STRING's unused-bits octet 0x00 -> 0x01. DER also wants
    // the unused bit itself zero, so take a signature ending in an even octet.
    let der = loop {
        let key = KeyType::P256.generate().unwrap();
        let der = STANDARD.decode(csr_with_key(&subject_der, &key)).unwrap();
        if der.last().unwrap().is_multiple_of(2) {
            break der;
        }
    };
    let signature = x509_cert::request::CertReq::from_der(&der)
        .unwrap()
        .signature;
    let at = der.len() - signature.raw_bytes().len() - 1;
    assert_eq!(der[at], 0x00);
    let mut flipped = der.clone();
    flipped[at] = 0x01;
    // Still well-formed DER for both parsers, and its signature still reads.
    let reread = x509_cert::request::CertReq::from_der(&flipped).unwrap();
    assert_eq!(reread.signature.unused_bits(), 1);
    let got = issue(&c, &mock, &ticket, &STANDARD.encode(&flipped)).await;
    assert_eq!(got.0.as_u16(), 400, "{}", got.1);
    assert_eq!(got.1["class"], "bad_request");
    assert!(
        detail(&got).contains("signature BIT STRING declares 1 unused bits"),
        "{}",
        got.1
    );
    assert_eq!(last(&mock, Role::Webra2).cause, Cause::BadRequest);
    ticket_still_good(&mock, &c, &ticket, &subject_der).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rsa_keys_need_an_exponent_of_65537_or_more() {
    let (mock, c, ticket, subject_der, _) = logged_in().await;
    for exponent in [3, 17, 257] {
        let got = issue(
            &c,
            &mock,
            &ticket,
            &openssl_rsa_csr(&subject_der, 2048, exponent),
        )
        .await;
        assert_eq!(got.0.as_u16(), 400, "e={exponent}: {}", got.1);
        assert!(
            detail(&got).contains(&format!(
                "RSA public exponent {exponent}: expected an odd exponent of 65537 or more"
            )),
            "{}",
            got.1
        );
    }
    // 65537 from openssl is signed.
    let got = issue(
        &c,
        &mock,
        &ticket,
        &openssl_rsa_csr(&subject_der, 2048, 65537),
    )
    .await;
    assert_eq!(got.0.as_u16(), 201, "{}", got.1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_offered_key_types_are_the_accepted_ones() {
    let (mock, c, ticket, subject_der, body) = logged_in().await;
    // The client's --key-type rsa3072|rsa4096 must be usable: the login
    // lists every type the CSR check accepts, and only those.
    assert_eq!(
        body["key_types"],
        json!(["p256", "rsa2048", "rsa3072", "rsa4096"])
    );
    assert_eq!(body["key_types"], json!(mock_ra::KEY_TYPES), "one list");
    // An RSA size that is not listed is refused, naming the list.
    let got = issue(
        &c,
        &mock,
        &ticket,
        &openssl_rsa_csr(&subject_der, 2560, 65537),
    )
    .await;
    assert_eq!(got.0.as_u16(), 400, "{}", got.1);
    assert!(
        detail(&got)
            .contains("RSA key of 2560 bits: expected one of p256, rsa2048, rsa3072, rsa4096"),
        "{}",
        got.1
    );
    // RSA-3072 is signed, and the certificate holds that key.
    let key = rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_3072)
        .unwrap();
    let (status, issued) = issue(&c, &mock, &ticket, &csr_with_key(&subject_der, &key)).await;
    assert_eq!(status, 201, "{issued}");
    let pem = issued["certificate"].as_str().unwrap();
    let der = rustls_pki_types::pem::PemObject::from_pem_slice(pem.as_bytes())
        .map(|c: rustls_pki_types::CertificateDer<'static>| c.to_vec())
        .unwrap();
    let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
    assert_eq!(
        cert.public_key().subject_public_key.data.as_ref(),
        key.public_key_raw()
    );
}
