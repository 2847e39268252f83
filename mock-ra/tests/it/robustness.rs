//! Peer input never makes the RA panic, answer 5xx or change state: a
//! valid CSR damaged byte by byte, JSON bodies of every wrong shape, and
//! raw bytes on the HTTP hosts. The damage is drawn from a fixed seed, so
//! a failure replays exactly.

// Test support: a panic here is a failed test, which is what an unwrap means.
#![allow(clippy::unwrap_used)]

use crate::common::*;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use certs_gen::KeyType;
use mock_ra::{MockRa, OrderState, Role};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The seed of the mutations: Xoshiro256++ is portable, so a failure replays
/// exactly from it on any machine.
const SEED: u64 = 0x5eed_0002;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_csrs_and_odd_bodies_are_4xx_and_change_nothing() {
    let mock = MockRa::start(world(now(), vec![account("alice", "pw", "-10d")]))
        .await
        .unwrap();
    let alice = mock.identity("alice").unwrap();
    let c = client(&mock, Some(&alice));
    let (status, body) = login(&c, &mock, "pw").await;
    assert_eq!(status, 200, "{body}");
    let ticket = body["ticket"].as_str().unwrap().to_owned();
    let (_, good) = csr(body["subject_der"].as_str().unwrap(), KeyType::P256);
    let good = STANDARD.decode(good).unwrap();
    let before = mock.account("alice").unwrap();

    // A valid CSR with one to three bytes changed, or cut short.
    let mut draw = Xoshiro256PlusPlus::seed_from_u64(SEED);
    let mut statuses = std::collections::BTreeMap::new();
    for round in 0..150 {
        let mut bad = good.clone();
        if round % 10 == 9 {
            bad.truncate(draw.random_range(0..bad.len().max(1)));
        } else {
            for _ in 0..=draw.random_range(0..3) {
                let i = draw.random_range(0..bad.len().max(1));
                bad[i] ^= 1 << draw.random_range(0..8_u32);
            }
        }
        if bad == good {
            continue;
        }
        let (status, answer) = issue(&c, &mock, &ticket, &STANDARD.encode(&bad)).await;
        // Which bytes changed, to replay a failure by hand.
        let changed: Vec<(usize, u8, u8)> = good
            .iter()
            .zip(&bad)
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .map(|(i, (a, b))| (i, *a, *b))
            .collect();
        assert_eq!(
            status,
            400,
            "seed {SEED:#x}, round {round}: {} of {} bytes, changed {changed:?}: {answer}",
            bad.len(),
            good.len()
        );
        assert_eq!(
            answer["class"], "bad_request",
            "seed {SEED:#x}, round {round}: {answer}"
        );
        *statuses.entry(status.as_u16()).or_insert(0) += 1;
    }
    assert!(statuses[&400] > 100, "{statuses:?}");

    // JSON of every wrong shape, on both paths.
    let bodies = [
        json!(null),
        json!([]),
        json!("pw"),
        json!(1),
        json!({}),
        json!({"password": null}),
        json!({"password": 1}),
        json!({"password": ["pw"]}),
        json!({"ticket": ticket}),
        json!({"csr": STANDARD.encode(&good)}),
        json!({"ticket": 1, "csr": STANDARD.encode(&good)}),
        json!({"ticket": ticket, "csr": {"der": "x"}}),
        json!({"ticket": "x".repeat(10_000), "csr": STANDARD.encode(&good)}),
        json!({"ticket": ticket, "csr": "\u{0}\u{7f}é"}),
    ];
    for path in [LOGIN, CERTIFICATE] {
        for body in &bodies {
            let resp = c.post(webra2(&mock, path)).json(body).send().await.unwrap();
            let (status, answer) = json_of(resp).await;
            assert!(status.is_client_error(), "{path} {body}: {status} {answer}");
        }
        // Not JSON at all, and no content type.
        for raw in [&b"password=pw"[..], b"{\"password\":", b"\xff\xfe\x00", b""] {
            let resp = c
                .post(webra2(&mock, path))
                .body(raw.to_vec())
                .send()
                .await
                .unwrap();
            assert!(
                resp.status().is_client_error(),
                "{path} {raw:?}: {}",
                resp.status()
            );
        }
    }

    // Nothing changed: no failure counted for shapes that were not a
    // password, the order ready, the ticket still good for one issuance.
    assert_eq!(mock.account("alice").unwrap(), before);
    let (status, answer) = issue(&c, &mock, &ticket, &STANDARD.encode(&good)).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(mock.account("alice").unwrap().order, OrderState::Fetched);
    // No request was journaled as a server failure.
    assert!(
        mock.journal()
            .iter()
            .all(|e| e.status.is_none_or(|s| s < 500)),
        "{:?}",
        mock.journal()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_bytes_on_the_http_hosts_get_an_answer_or_a_close_never_a_crash() {
    let mock = MockRa::start(world(now(), vec![account("alice", "pw", "-10d")]))
        .await
        .unwrap();
    let garbage: [&[u8]; 8] = [
        b"\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: \xff\xfe\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
        b"GET /sppca/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
    ];
    for role in [Role::Repo1, Role::Repository] {
        for bytes in garbage {
            let mut tcp = tokio::net::TcpStream::connect(mock.addr(role).unwrap())
                .await
                .unwrap();
            tcp.write_all(bytes).await.unwrap();
            // End of input: a server waiting for more must give up now.
            tcp.shutdown().await.unwrap();
            let mut answer = Vec::new();
            let read = tokio::time::timeout(
                std::time::Duration::from_secs(5),
                tcp.read_to_end(&mut answer),
            )
            .await;
            // Either an HTTP answer that is not a server error, or the
            // connection closed (or reset) by the server.
            if let Ok(Ok(_)) = read {
                let text = String::from_utf8_lossy(&answer);
                assert!(
                    answer.is_empty()
                        || (text.starts_with("HTTP/1.1 4") || text.starts_with("HTTP/1.1 2")),
                    "{role:?} {bytes:?}: {text}"
                );
                assert!(!text.contains("root:"), "{role:?} {bytes:?}: {text}");
            }
        }
        // And it still serves.
        let url = match role {
            Role::Repo1 => repo1(&mock, "/"),
            _ => repository(&mock, "/"),
        };
        let status = client(&mock, None).get(url).send().await.unwrap().status();
        assert_eq!(status, 200, "{role:?}");
    }
}
