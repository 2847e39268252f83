//! Every body the client reads is capped (issue 14 §3, `net::Limit`): a
//! repository answering 400 MiB makes `check` stop reading at the page
//! limit with E115, whether the length is announced or not, instead of
//! holding the whole answer in memory.
//!
//! mock-ra has no fault that makes an answer larger than it is (its faults
//! cut, delay or replace answers), and the client's limit is what is under
//! test, so the answers come from elsewhere: the announced one from
//! wiremock, an HTTP server the project did not write; the one whose
//! length only the closed connection tells from a bare socket of this
//! test (wiremock always announces the length), which also counts what it
//! managed to send, for both kinds.

// Test code: a panic is a failed test, which is what an unwrap means.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use harness::process::{clean_env, locate_binary};

const HUGE: u64 = 400 * 1024 * 1024;

/// wiremock on 127.0.0.1 answering every request with `HUGE` bytes and
/// their Content-Length.
fn wiremock_huge(rt: &tokio::runtime::Runtime) -> wiremock::MockServer {
    use wiremock::{Mock, ResponseTemplate, matchers::any};
    rt.block_on(async {
        let server = wiremock::MockServer::builder()
            .body_print_limit(wiremock::BodyPrintLimit::Limited(256))
            .start()
            .await;
        Mock::given(any())
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(vec![b'a'; HUGE as usize], "text/html"),
            )
            .mount(&server)
            .await;
        server
    })
}

/// A plain HTTP server on 127.0.0.1 answering every request with `HUGE`
/// bytes, announced or told only by closing the connection; counts what
/// it managed to send.
fn huge_server(announce_length: bool) -> (u16, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let sent = Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let counter = counter.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
                let _ = conn.read(&mut buf);
                let head = if announce_length {
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {HUGE}\r\n\r\n"
                    )
                } else {
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n".into()
                };
                if conn.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let chunk = vec![b'a'; 64 * 1024];
                let mut n = 0;
                while n < HUGE {
                    if conn.write_all(&chunk).is_err() {
                        return;
                    }
                    n += chunk.len() as u64;
                    counter.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                }
            });
        }
    });
    (port, sent)
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// certrenew's `check` with the repository at `port` and the other two
/// hosts unreachable: its exit code, JSON output and run time.
fn check_against(port: u16) -> (Option<i32>, String, Duration) {
    let dead = closed_port();
    // Found (and built if need be) before the clock starts.
    let certrenew = locate_binary("certrenew", "client", "CERTRENEW_BIN").unwrap();
    let start = Instant::now();
    let mut cmd = Command::new(certrenew);
    let out = clean_env(&mut cmd)
        .args([
            "--output",
            "json",
            "--retries",
            "0",
            "--timeout",
            "20",
            "--connect-to",
            &format!("webra2.secomtrust.net:443:127.0.0.1:{dead}"),
            "--connect-to",
            &format!("repo1.secomtrust.net:80:127.0.0.1:{dead}"),
            "--connect-to",
            &format!("repository.secomtrust.net:80:127.0.0.1:{port}"),
            "check",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        start.elapsed(),
    )
}

#[test]
fn a_huge_announced_answer_from_wiremock_is_e115() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = wiremock_huge(&rt);
    let (exit, json, elapsed) = check_against(server.address().port());
    assert_eq!(exit, Some(3), "{json}");
    assert!(json.contains("\"class\":\"E115\""), "{json}");
    assert!(
        json.contains("larger than the page limit of 1048576 bytes"),
        "{json}"
    );
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
    // The answer reached certrenew: wiremock saw its request.
    let seen = rt.block_on(server.received_requests()).unwrap_or_default();
    assert!(!seen.is_empty(), "certrenew never asked the repository");
}

#[test]
fn a_huge_answer_is_e115_and_is_not_read_whole() {
    for announce in [true, false] {
        let (port, sent) = huge_server(announce);
        let (exit, json, elapsed) = check_against(port);
        assert_eq!(exit, Some(3), "announce {announce}: {json}");
        assert!(json.contains("\"class\":\"E115\""), "{json}");
        assert!(
            json.contains("larger than the page limit of 1048576 bytes"),
            "announce {announce}: {json}"
        );
        // Read no further than the limit (plus what the sockets buffer),
        // far from the 400 MiB on offer.
        let served = sent.load(Ordering::Relaxed);
        assert!(
            served < 64 * 1024 * 1024,
            "announce {announce}: {served} bytes served"
        );
        assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
    }
}
