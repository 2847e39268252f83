//! The forward proxy of a corporate network, the cause behind many E115
//! reports: `CONNECT host:443` opens a tunnel to webra2 or webra1,
//! an absolute-form request (`GET http://repo1.secomtrust.net/...`) is
//! forwarded to repo1 or repository. The real hostnames lead to this mock's
//! hosts; any other target gets 502. By default it allows everything; the
//! `proxy_block` (403 with a block page) and `proxy_auth` (407) faults
//! make it refuse a host. Every request is journaled under role `proxy`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::faults::FaultKind;
use crate::ra::state::Shared;
use crate::wire::head::{self, Ending, Head};
use crate::wire::journal::{Cause, Class, Outcome, Record, Role};
use crate::wire::protocol::Host;

/// The longest request head the proxy reads.
use crate::wire::protocol::HEAD_LIMIT;
/// How long a client may take to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long connecting to a host may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The realm of the 407 answer.
pub const REALM: &str = "corporate-proxy";

/// A request head and the bytes that came after it.
#[derive(Debug)]
struct Request {
    head: Head,
    rest: Vec<u8>,
}

impl std::ops::Deref for Request {
    type Target = Head;
    fn deref(&self) -> &Head {
        &self.head
    }
}

/// Serves one client connection.
pub(crate) async fn connection(
    mut client: TcpStream,
    targets: Arc<Vec<(Host, SocketAddr)>>,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let _ = client.set_nodelay(true);
    let head = tokio::select! {
        head = tokio::time::timeout(HEAD_TIMEOUT, head::read(&mut client, HEAD_LIMIT)) => head,
        _ = shutdown.changed() => return,
    };
    let Ok(Ok(read)) = head else {
        // The client went away, or never finished.
        return;
    };
    let why = match read.ending {
        Ending::Complete { head, len } => Ok(Request {
            head,
            rest: read.bytes[len..].to_vec(),
        }),
        // Nothing asked at all.
        Ending::Eof if read.bytes.is_empty() => return,
        Ending::Eof => Err("incomplete request head"),
        Ending::TooLong => Err("request head too long"),
        Ending::Malformed => Err("malformed request line"),
    };
    let head = match why {
        Ok(head) => head,
        Err(why) => {
            reject(&shared, &mut client, "-", "-", 400, why).await;
            return;
        }
    };
    let connect = head.method.eq_ignore_ascii_case("CONNECT");
    let (authority, path): (String, Option<String>) = if connect {
        (head.target.clone(), None)
    } else {
        match split_absolute(&head.target) {
            Some((authority, path)) => (authority, Some(path)),
            None => {
                let why = "expected CONNECT or an absolute http:// URL";
                reject(&shared, &mut client, &head.method, &head.target, 400, why).await;
                return;
            }
        }
    };
    let Some((host, addr)) = route(&authority, connect, &targets) else {
        let why = format!("unknown host {authority}");
        reject(&shared, &mut client, &head.method, &head.target, 502, &why).await;
        return;
    };
    if let Some(fault) = shared.faults.on_proxy(host, path.as_deref()) {
        let name = Some(fault.name);
        match fault.spec.kind {
            FaultKind::ProxyAuth => {
                record(
                    &shared,
                    &head.method,
                    &head.target,
                    Some(407),
                    Cause::Fault,
                    name,
                );
                let challenge = format!("Basic realm=\"{REALM}\"");
                let body = plain_page(407, "proxy authentication required");
                let _ = answer(
                    &mut client,
                    407,
                    "Proxy Authentication Required",
                    &[("Proxy-Authenticate", challenge.as_str())],
                    &body,
                )
                .await;
                return;
            }
            _ => {
                record(
                    &shared,
                    &head.method,
                    &head.target,
                    Some(403),
                    Cause::Fault,
                    name,
                );
                let body = crate::net::faults::http::block_page(host);
                let _ = answer(&mut client, 403, "Forbidden", &[], &body).await;
                return;
            }
        }
    }
    let upstream = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        _ => {
            let why = format!("{authority} did not answer");
            reject(&shared, &mut client, &head.method, &head.target, 502, &why).await;
            return;
        }
    };
    let _ = upstream.set_nodelay(true);
    let mut upstream = upstream;
    if connect {
        record(
            &shared,
            &head.method,
            &head.target,
            Some(200),
            Cause::Proxied,
            None,
        );
        if client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await
            .is_err()
        {
            return;
        }
    } else {
        record(
            &shared,
            &head.method,
            &head.target,
            None,
            Cause::Proxied,
            None,
        );
        let forwarded = forwarded_head(&head, &authority, path.as_deref().unwrap_or("/"));
        if upstream.write_all(forwarded.as_bytes()).await.is_err() {
            return;
        }
    }
    if !head.rest.is_empty() && upstream.write_all(&head.rest).await.is_err() {
        return;
    }
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut upstream) => {}
        _ = shutdown.changed() => {}
    }
}

/// `http://host[:port]/path?query` -> (`host[:port]`, `/path?query`).
fn split_absolute(target: &str) -> Option<(String, String)> {
    let rest = target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("HTTP://"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    (!authority.is_empty()).then(|| (authority.to_owned(), path.to_owned()))
}

/// The host a target names: a real hostname on its real port (443 for
/// CONNECT, 80 for plain HTTP, the default when none is given), or a
/// host's loopback address.
fn route(
    authority: &str,
    connect: bool,
    targets: &[(Host, SocketAddr)],
) -> Option<(Host, SocketAddr)> {
    let (name, port) = match authority.rsplit_once(':') {
        Some((n, p)) => (n, p.parse::<u16>().ok()?),
        None if connect => return None,
        None => (authority, 80),
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    targets.iter().copied().find(|(host, addr)| {
        (name.eq_ignore_ascii_case(host.hostname()) && port == host.port())
            || (name == addr.ip().to_string() && port == addr.port())
    })
}

/// The request as the host gets it: origin-form, `Host` from the target
/// (RFC 9112 3.2.2; virtual hosting routes by it), no proxy headers, and
/// `Connection: close` (one request per tunnel keeps the journal plain).
fn forwarded_head(head: &Head, authority: &str, path: &str) -> String {
    let mut out = format!("{} {path} HTTP/1.1\r\nHost: {authority}\r\n", head.method);
    for (k, v) in &head.headers {
        let lower = k.to_ascii_lowercase();
        if lower.starts_with("proxy-")
            || lower == "connection"
            || lower == "keep-alive"
            || lower == "host"
        {
            continue;
        }
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("Connection: close\r\n\r\n");
    out
}

async fn answer(
    client: &mut TcpStream,
    status: u16,
    reason: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(body);
    client.write_all(out.as_bytes()).await?;
    client.shutdown().await
}

/// A request the proxy cannot carry: 400 (not a proxy request) or 502 (no
/// such host, or it did not answer), journaled and answered with a plain
/// page.
async fn reject(
    shared: &Shared,
    client: &mut TcpStream,
    method: &str,
    target: &str,
    status: u16,
    why: &str,
) {
    let (reason, cause) = if status == 400 {
        ("Bad Request", Cause::BadRequest)
    } else {
        ("Bad Gateway", Cause::ProxyBadGateway)
    };
    record(shared, method, target, Some(status), cause, None);
    let _ = answer(client, status, reason, &[], &plain_page(status, why)).await;
}

fn plain_page(status: u16, text: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><title>{status}</title></head><body><h1>{status}</h1><p>{}</p></body></html>\n",
        crate::wire::problem::escape(text)
    )
}

fn record(
    shared: &Shared,
    method: &str,
    target: &str,
    status: Option<u16>,
    cause: Cause,
    fault: Option<String>,
) {
    let class = match cause {
        Cause::BadRequest => Some(Class::BadRequest),
        _ => None,
    };
    shared.journal.record(Record {
        time: shared.now(),
        role: Role::Proxy,
        method: method.to_owned(),
        path: target.to_owned(),
        certificate: None,
        status,
        outcome: Outcome {
            class,
            cause,
            account: None,
        },
        fault,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_route_by_real_name_and_port_or_by_address() {
        let targets = vec![
            (Host::Webra2, "127.0.0.1:4000".parse().unwrap()),
            (Host::Repo1, "127.0.0.1:4001".parse().unwrap()),
        ];
        let host = |a: &str, c: bool| route(a, c, &targets).map(|(h, _)| h);
        assert_eq!(host("webra2.secomtrust.net:443", true), Some(Host::Webra2));
        assert_eq!(host("WEBRA2.secomtrust.net:443", true), Some(Host::Webra2));
        assert_eq!(host("webra2.secomtrust.net:8443", true), None);
        assert_eq!(host("repo1.secomtrust.net", false), Some(Host::Repo1));
        assert_eq!(host("127.0.0.1:4001", false), Some(Host::Repo1));
        assert_eq!(host("example.com:443", true), None);
        assert_eq!(host("webra2.secomtrust.net", true), None);
        assert_eq!(
            split_absolute("http://repo1.secomtrust.net/a/b?c"),
            Some(("repo1.secomtrust.net".into(), "/a/b?c".into()))
        );
        assert_eq!(split_absolute("/relative"), None);
    }

    #[test]
    fn a_forwarded_request_names_its_host_from_the_target() {
        let head = Head {
            method: "GET".into(),
            target: "http://repo1.secomtrust.net/x".into(),
            headers: vec![
                ("Host".into(), "elsewhere.invalid".into()),
                ("Proxy-Authorization".into(), "Basic x".into()),
                ("Accept".into(), "*/*".into()),
            ],
        };
        let out = forwarded_head(&head, "repo1.secomtrust.net", "/x");
        assert_eq!(
            out,
            "GET /x HTTP/1.1\r\nHost: repo1.secomtrust.net\r\nAccept: */*\r\nConnection: close\r\n\r\n"
        );
    }
}
