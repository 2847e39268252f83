//! Every body the client reads is capped (issue 14 §3, `net::Limit`): a
//! repository answering 400 MiB makes `check` stop reading at the page
//! limit with E115, whether the length is announced or not, instead of
//! holding the whole answer in memory.
//!
//! The 400 MiB answer comes from a bare socket of this test: mock-ra has
//! no fault that makes an answer larger than it is (its faults cut, delay
//! or replace answers), and the client's limit is what is under test.

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

/// A plain HTTP server on 127.0.0.1 answering every request with `HUGE`
/// bytes; counts what it managed to send.
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

#[test]
fn a_huge_answer_is_e115_and_is_not_read_whole() {
    for announce in [true, false] {
        let (port, sent) = huge_server(announce);
        let dead = closed_port();
        let start = Instant::now();
        let certrenew = locate_binary("certrenew", "client", "CERTRENEW_BIN").unwrap();
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
        let elapsed = start.elapsed();
        let json = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(3), "announce {announce}: {json}");
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
