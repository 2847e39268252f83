//! Bounded resources on every listener (README "Bounded resources"): slow
//! heads, slow bodies, idle keep-alive connections (HTTP/1.1 and h2) and
//! too many connections end in bounded time, over real TLS where the host
//! speaks it, and are journaled; the journal itself is bounded. Every
//! client here stops by itself: each read has its own deadline.

// Test support: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::*;
use mock_ra::{Cause, Limits, MockRa, Role};
use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

const LIMITS: Limits = Limits {
    header_read: Duration::from_secs(1),
    body: Duration::from_secs(1),
    idle: Duration::from_secs(2),
    connections: 3,
};

/// Longest any one wait here may take: far beyond the limits above, far
/// below "forever".
const BOUND: Duration = Duration::from_secs(10);

async fn mock() -> MockRa {
    MockRa::builder(world(now(), vec![account("alice", "pw", "-10d")]))
        .limits(LIMITS)
        .start()
        .await
        .unwrap()
}

/// A TLS connection to webra2 (no client certificate), offering `alpn`.
async fn tls(mock: &MockRa, alpn: &[u8]) -> tokio_rustls::client::TlsStream<TcpStream> {
    let mut config = tls_config(mock, None, None);
    config.alpn_protocols = vec![alpn.to_vec()];
    let tcp = TcpStream::connect(mock.addr(Role::Webra2).unwrap())
        .await
        .unwrap();
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("webra2.secomtrust.net").unwrap(), tcp)
        .await
        .unwrap()
}

/// Reads until the peer closes (EOF or an error), within [`BOUND`];
/// returns what came and how long it took. Writes `trickle` one byte every
/// 200 ms meanwhile, as a slow-loris client does.
async fn until_closed<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut S,
    trickle: &[u8],
) -> (Vec<u8>, Duration) {
    let start = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let mut trickle = trickle.iter();
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    loop {
        assert!(
            start.elapsed() < BOUND,
            "still open after {BOUND:?}: {}",
            String::from_utf8_lossy(&got)
        );
        tokio::select! {
            read = s.read(&mut buf) => match read {
                Ok(0) | Err(_) => return (got, start.elapsed()),
                Ok(n) => got.extend_from_slice(&buf[..n]),
            },
            _ = tick.tick() => {
                if let Some(b) = trickle.next() {
                    if s.write_all(&[*b]).await.is_err() {
                        return (got, start.elapsed());
                    }
                    let _ = s.flush().await;
                }
            }
        }
    }
}

fn causes(mock: &MockRa, role: Role) -> Vec<Cause> {
    mock.journal()
        .into_iter()
        .filter(|e| e.role == role)
        .map(|e| e.cause)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_request_head_is_closed_and_journaled() {
    let mock = mock().await;
    let mut s = tls(&mock, b"http/1.1").await;
    // A head that never ends: one byte every 200 ms, 10 s worth.
    let head = b"GET / HTTP/1.1\r\nHost: webra2.secomtrust.net\r\nX-Slow: ".to_vec();
    let trickle: Vec<u8> = head
        .iter()
        .copied()
        .chain(std::iter::repeat_n(b'a', 50))
        .collect();
    let (got, took) = until_closed(&mut s, &trickle).await;
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    assert!(took < Duration::from_secs(4), "closed after {took:?}");
    assert!(took >= Duration::from_millis(900), "closed after {took:?}");
    assert_eq!(causes(&mock, Role::Webra2), [Cause::HeaderTimeout]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_request_body_gets_408_and_is_journaled() {
    let mock = mock().await;
    let mut s = tls(&mock, b"http/1.1").await;
    s.write_all(
        b"POST /scira/api/v1/renewal/login HTTP/1.1\r\nHost: webra2.secomtrust.net\r\n\
          Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"pass",
    )
    .await
    .unwrap();
    let (got, took) = until_closed(&mut s, b"word\": ").await;
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 408 "), "{text}");
    assert!(text.contains("\"class\":\"request_timeout\""), "{text}");
    assert!(took < Duration::from_secs(4), "closed after {took:?}");
    assert_eq!(causes(&mock, Role::Webra2), [Cause::BodyTimeout]);
    // Nothing was counted against the account.
    assert_eq!(mock.account("alice").unwrap().failures, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_keep_alive_connections_are_closed_http1_and_h2() {
    // hyper's header timeout also runs between HTTP/1.1 requests (from the
    // end of an answer): a longer one here, so the idle timeout shows.
    let limits = Limits {
        header_read: Duration::from_secs(5),
        ..LIMITS
    };
    let mock = MockRa::builder(world(now(), vec![]))
        .limits(limits)
        .start()
        .await
        .unwrap();
    // HTTP/1.1: one complete request, then silence.
    let mut s = tls(&mock, b"http/1.1").await;
    s.write_all(b"GET / HTTP/1.1\r\nHost: webra2.secomtrust.net\r\n\r\n")
        .await
        .unwrap();
    let (got, took) = until_closed(&mut s, b"").await;
    assert!(String::from_utf8_lossy(&got).starts_with("HTTP/1.1 200 "));
    assert!(took >= Duration::from_millis(1900), "closed after {took:?}");
    assert!(took < Duration::from_secs(6), "closed after {took:?}");
    // h2: the preface and SETTINGS, then silence; GOAWAY, then the end.
    let mut s = tls(&mock, b"h2").await;
    assert_eq!(s.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    s.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .await
        .unwrap();
    let (got, took) = until_closed(&mut s, b"").await;
    assert!(took < Duration::from_secs(6), "closed after {took:?}");
    // Frames: type at byte 3 of each 9-byte header; 0x07 is GOAWAY.
    let mut at = 0;
    let mut types = Vec::new();
    while at + 9 <= got.len() {
        let len =
            usize::from(got[at]) << 16 | usize::from(got[at + 1]) << 8 | usize::from(got[at + 2]);
        types.push(got[at + 3]);
        at += 9 + len;
    }
    assert!(types.contains(&0x07), "frames {types:?}");
    assert_eq!(causes(&mock, Role::Webra2), [Cause::Page]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_limit_are_closed_at_once_and_journaled() {
    let mock = mock().await;
    let addr = mock.addr(Role::Repo1).unwrap();
    // Three idle connections hold the three places (plain HTTP: repo1).
    let mut held = Vec::new();
    for _ in 0..LIMITS.connections {
        held.push(TcpStream::connect(addr).await.unwrap());
    }
    // Let the listener accept them.
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The reset may come before connect() returns, or on the first read.
    let start = Instant::now();
    if let Ok(mut fourth) = TcpStream::connect(addr).await {
        let _ = fourth
            .write_all(b"GET / HTTP/1.1\r\nHost: repo1.secomtrust.net\r\n\r\n")
            .await;
        let (got, _) = until_closed(&mut fourth, b"").await;
        assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    }
    let took = start.elapsed();
    assert!(took < Duration::from_secs(1), "closed after {took:?}");
    assert_eq!(causes(&mock, Role::Repo1), [Cause::ConnectionLimit]);
    // A place frees when a connection ends.
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let c = client(&mock, None);
    let resp = c.get(repo1(&mock, "/")).send().await;
    assert_eq!(
        resp.as_ref().map(|r| r.status().as_u16()).ok(),
        Some(200),
        "{resp:?} {:#?}",
        mock.journal()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heads_hyper_refuses_are_journaled_with_their_status() {
    let mock = mock().await;
    let addr = mock.addr(Role::Repo1).unwrap();
    let send = |bytes: Vec<u8>| async move {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(&bytes).await.unwrap();
        let (got, _) = until_closed(&mut s, b"").await;
        String::from_utf8_lossy(&got).into_owned()
    };
    let got = send(b"NOT AN HTTP REQUEST\r\n\r\n".to_vec()).await;
    assert!(got.starts_with("HTTP/1.1 400 "), "{got}");
    let mut big = b"GET / HTTP/1.1\r\nHost: repo1.secomtrust.net\r\n".to_vec();
    for i in 0..400 {
        big.extend_from_slice(format!("X-Filler-{i}: {}\r\n", "x".repeat(60)).as_bytes());
    }
    big.extend_from_slice(b"\r\n");
    let got = send(big).await;
    assert!(got.starts_with("HTTP/1.1 431 "), "{got}");
    // A long URI is part of the head: 431 as well, never 414.
    let long = format!(
        "GET /{} HTTP/1.1\r\nHost: repo1.secomtrust.net\r\n\r\n",
        "a".repeat(70_000)
    );
    let got = send(long.into_bytes()).await;
    assert!(got.starts_with("HTTP/1.1 431 "), "{got}");
    let entries: Vec<(Option<u16>, Cause)> = mock
        .journal()
        .into_iter()
        .filter(|e| e.role == Role::Repo1)
        .map(|e| (e.status, e.cause))
        .collect();
    assert_eq!(
        entries,
        [
            (Some(400), Cause::MalformedRequest),
            (Some(431), Cause::HeadTooLarge),
            (Some(431), Cause::HeadTooLarge)
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journal_is_bounded_and_counts_what_it_dropped() {
    let mock = MockRa::builder(world(now(), vec![]))
        .journal_capacity(5)
        .start()
        .await
        .unwrap();
    let c = client(&mock, None);
    for _ in 0..12 {
        assert_eq!(c.get(repo1(&mock, "/")).send().await.unwrap().status(), 200);
    }
    let admin = reqwest::Client::new();
    let get = |path: &str| {
        admin
            .get(format!("{}{path}", mock.urls().admin))
            .bearer_auth(mock.admin_token())
            .send()
    };
    // The 12 pages; the admin request itself is journaled after the
    // answer is made, so it is not in its own answer.
    let resp = get("/journal").await.unwrap();
    assert_eq!(resp.headers()["journal-dropped"], "7");
    let entries: Vec<serde_json::Value> = resp.json().await.unwrap();
    let seqs: Vec<u64> = entries.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [8, 9, 10, 11, 12]);
    let stats: serde_json::Value = get("/journal/stats").await.unwrap().json().await.unwrap();
    assert_eq!(
        stats,
        serde_json::json!({"capacity": 5, "kept": 5, "dropped": 8, "last_seq": 13})
    );
}
