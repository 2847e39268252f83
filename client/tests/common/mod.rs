//! A minimal RA for the client's own end-to-end tests: real rustls
//! listeners on 127.0.0.1:0 for webra2 and webra1, one plain-HTTP listener
//! for repo1 and repository, implementing docs/protocol.md with certs-gen.
//! It is deliberately small (the real mock is `mock-ra`, which the client
//! must not depend on); it makes the server-side decisions only as far as
//! these tests need them.

// Test support: a panic here is a failed test, which is what an unwrap means.
#![allow(dead_code, clippy::unwrap_used)]

pub mod no_proxy;
pub use no_proxy::NoProxy;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use certs_gen::{ClientSpec, Identity, KeyType, Pki};
use rustls::DistinguishedName;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use time::OffsetDateTime;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use x509_cert::der::{Decode, Encode};

pub const PASSWORD: &str = "pass-as-of-28-days-before";
pub const P12_PASS: &str = "p12-secret";

/// Order state of the one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Ready,
    Fetched,
}

#[derive(Debug)]
pub struct State {
    pub order: Order,
    pub account_serial: String,
    pub ticket: Option<String>,
    pub issued: Vec<CertificateDer<'static>>,
    pub logins: u32,
    pub issuances: u32,
    /// Requests to the repositories, `host` + `path`.
    pub repo_requests: Vec<String>,
    /// When true, repo1 answers 503 to everything.
    pub repo1_down: bool,
    /// repo1 answers 503 once it has served this many requests.
    pub repo1_down_from: Option<usize>,
    /// Serial of the next issued certificate (random when `None`).
    pub next_serial: Option<Vec<u8>>,
    /// How long webra2 waits before sending the answer to an issuance
    /// (after it is decided and in the ledger).
    pub issuance_delay: Option<Duration>,
}

pub struct MiniRa {
    pub pki: Arc<Pki>,
    pub old: Identity,
    pub webra2: SocketAddr,
    pub webra1: SocketAddr,
    pub repo: SocketAddr,
    pub state: Arc<Mutex<State>>,
    pub dir: tempfile::TempDir,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for MiniRa {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Accepts a client chain to the client-CA root whatever its validity
/// dates (docs/protocol.md 1, "TLS"): an expired one is checked again at
/// its own notAfter.
#[derive(Debug)]
struct AnyValidity(Arc<dyn ClientCertVerifier>);

impl ClientCertVerifier for AnyValidity {
    fn offer_client_auth(&self) -> bool {
        self.0.offer_client_auth()
    }
    fn client_auth_mandatory(&self) -> bool {
        self.0.client_auth_mandatory()
    }
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.0.root_hint_subjects()
    }
    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        match self.0.verify_client_cert(end_entity, intermediates, now) {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::ExpiredContext {
                not_after,
                ..
            })) => self
                .0
                .verify_client_cert(end_entity, intermediates, not_after),
            other => other,
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

fn server_config(pki: &Pki, id: &Identity, mandatory: bool) -> Arc<rustls::ServerConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.client_root.der().clone()).unwrap();
    let b = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider());
    let b = if mandatory {
        b
    } else {
        b.allow_unauthenticated()
    };
    let verifier = Arc::new(AnyValidity(b.build().unwrap()));
    let chain = vec![id.cert.clone(), pki.web_root.der().clone()];
    let key = PrivateKeyDer::Pkcs8(id.key.clone_key());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .unwrap();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(cfg)
}

/// One HTTP/1.1 request: method, path, body.
struct Request {
    method: String,
    path: String,
    host: String,
    body: Vec<u8>,
}

async fn read_request<S: AsyncRead + Unpin>(s: &mut S) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 65536 {
            return None;
        }
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.lines();
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let len: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let host = header("host").unwrap_or_default();
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Request {
        method,
        path,
        host,
        body,
    })
}

async fn respond<S: AsyncWrite + Unpin>(s: &mut S, status: u16, ctype: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = s.write_all(head.as_bytes()).await;
    let _ = s.write_all(body).await;
    let _ = s.flush().await;
    let _ = s.shutdown().await;
}

fn problem(class: &str, status: u16) -> (u16, &'static str, Vec<u8>) {
    let body = serde_json::json!({
        "type": format!("urn:certrenew:problem:{class}"),
        "class": class,
        "status": status,
        "title": class,
    });
    (
        status,
        "application/problem+json",
        body.to_string().into_bytes(),
    )
}

impl MiniRa {
    /// A PKI, an account whose certificate expired `expired_days` ago, and
    /// the four hosts.
    pub async fn start(expired_days: i64) -> Self {
        let now = OffsetDateTime::now_utc();
        let pki = Arc::new(Pki::generate(KeyType::P256, now).unwrap());
        let old = pki
            .issue_client(&ClientSpec::ending(
                "user01",
                now,
                -time::Duration::days(expired_days),
            ))
            .unwrap();
        let state = Arc::new(Mutex::new(State {
            order: Order::Ready,
            account_serial: old.info().unwrap().serial,
            ticket: None,
            issued: Vec::new(),
            logins: 0,
            issuances: 0,
            repo_requests: Vec::new(),
            repo1_down: false,
            repo1_down_from: None,
            next_serial: None,
            issuance_delay: None,
        }));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("web-root.pem"), pki.web_root.pem()).unwrap();
        std::fs::write(dir.path().join("client-root.pem"), pki.client_root.pem()).unwrap();
        std::fs::write(dir.path().join("issuing.pem"), pki.issuing_ca.pem()).unwrap();
        std::fs::write(
            dir.path().join("old.p12"),
            old.to_pkcs12(P12_PASS, "user01").unwrap(),
        )
        .unwrap();

        let l2 = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let l1 = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let lr = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (webra2, webra1, repo) = (
            l2.local_addr().unwrap(),
            l1.local_addr().unwrap(),
            lr.local_addr().unwrap(),
        );
        let mut tasks = Vec::new();

        let acceptor2 =
            tokio_rustls::TlsAcceptor::from(server_config(&pki, &pki.webra2_server, false));
        let (p, st) = (pki.clone(), state.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = l2.accept().await else {
                    return;
                };
                let (acceptor, p, st) = (acceptor2.clone(), p.clone(), st.clone());
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let peer = tls
                        .get_ref()
                        .1
                        .peer_certificates()
                        .and_then(|c| c.first().cloned());
                    let Some(req) = read_request(&mut tls).await else {
                        return;
                    };
                    let issuance = req.path == "/scira/api/v1/renewal/certificate";
                    let (status, ctype, body) = webra2_handle(&p, &st, peer, req);
                    let delay = st.lock().unwrap().issuance_delay.filter(|_| issuance);
                    if let Some(d) = delay {
                        tokio::time::sleep(d).await;
                    }
                    respond(&mut tls, status, ctype, &body).await;
                });
            }
        }));

        let acceptor1 =
            tokio_rustls::TlsAcceptor::from(server_config(&pki, &pki.webra1_server, true));
        tasks.push(tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = l1.accept().await else { return };
                let acceptor = acceptor1.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                    let peer = tls
                        .get_ref()
                        .1
                        .peer_certificates()
                        .and_then(|c| c.first().cloned());
                    let Some(_req) = read_request(&mut tls).await else { return };
                    let now = OffsetDateTime::now_utc();
                    let valid = peer
                        .and_then(|c| certs_gen::CertInfo::from_der(&c).ok())
                        .is_some_and(|i| i.not_before <= now && now < i.not_after);
                    let (status, marker) = if valid { (200, "ok") } else { (403, "ng") };
                    let body = format!(
                        "<html><head><meta name=\"certrenew-confirm\" content=\"{marker}\"></head></html>"
                    );
                    respond(&mut tls, status, "text/html", body.as_bytes()).await;
                });
            }
        }));

        let (p, st) = (pki.clone(), state.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let Ok((mut tcp, _)) = lr.accept().await else {
                    return;
                };
                let (p, st) = (p.clone(), st.clone());
                tokio::spawn(async move {
                    let Some(req) = read_request(&mut tcp).await else {
                        return;
                    };
                    let (status, ctype, body) = repo_handle(&p, &st, &req.host, &req.path);
                    respond(&mut tcp, status, ctype, &body).await;
                });
            }
        }));

        Self {
            pki,
            old,
            webra2,
            webra1,
            repo,
            state,
            dir,
            tasks,
        }
    }

    /// The ready-line arguments: server CA, host mappings, pinned root.
    pub fn args(&self) -> Vec<String> {
        let mut a = vec![
            "--server-ca".to_owned(),
            self.path("web-root.pem").display().to_string(),
        ];
        for (host, port, addr) in [
            ("webra2.secomtrust.net", 443, self.webra2),
            ("webra1.secomtrust.net", 443, self.webra1),
            ("repo1.secomtrust.net", 80, self.repo),
            ("repository.secomtrust.net", 80, self.repo),
        ] {
            a.push("--connect-to".into());
            a.push(format!("{host}:{port}:127.0.0.1:{}", addr.port()));
        }
        a.push("--root-sha1".into());
        a.push(certs_gen::info::sha1_hex(self.pki.client_root.der()));
        a
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn order(&self) -> Order {
        self.state.lock().unwrap().order
    }
}

fn webra2_handle(
    pki: &Pki,
    st: &Mutex<State>,
    peer: Option<CertificateDer<'static>>,
    req: Request,
) -> (u16, &'static str, Vec<u8>) {
    let now = OffsetDateTime::now_utc();
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/") => (200, "text/html", b"<html>webra2</html>".to_vec()),
        ("POST", "/scira/api/v1/renewal/login") => {
            let mut s = st.lock().unwrap();
            s.logins += 1;
            let Some(peer) = peer else {
                return problem("ENOCERT", 403);
            };
            let info = certs_gen::CertInfo::from_der(&peer).unwrap();
            if now - info.not_after >= time::Duration::days(90) {
                return problem("ENOCERT", 403);
            }
            if info.serial != s.account_serial {
                return problem("E550A", 403);
            }
            let v: serde_json::Value = match serde_json::from_slice(&req.body) {
                Ok(v) => v,
                Err(_) => return problem("bad_request", 400),
            };
            if v["password"] != PASSWORD {
                return problem("E550A", 403);
            }
            if s.order == Order::Fetched {
                return problem("E550F", 409);
            }
            let cert = x509_cert::Certificate::from_der(&peer).unwrap();
            let subject_der = cert.tbs_certificate().subject().to_der().unwrap();
            let ticket = hex::encode(certs_gen::random_serial()) + "t";
            s.ticket = Some(ticket.clone());
            let body = serde_json::json!({
                "ticket": ticket,
                "expires_at": "2099-01-01T00:00:00Z",
                "subject": info.subject,
                "subject_der": STANDARD.encode(subject_der),
                "key_types": ["p256", "rsa2048"],
            });
            (200, "application/json", body.to_string().into_bytes())
        }
        ("POST", "/scira/api/v1/renewal/certificate") => {
            let mut s = st.lock().unwrap();
            let v: serde_json::Value = match serde_json::from_slice(&req.body) {
                Ok(v) => v,
                Err(_) => return problem("bad_request", 400),
            };
            if s.ticket.is_none() || v["ticket"].as_str() != s.ticket.as_deref() {
                return problem("bad_ticket", 400);
            }
            s.ticket = None;
            if s.order == Order::Fetched {
                return problem("E550F", 409);
            }
            let Some(csr) = v["csr"].as_str().and_then(|c| STANDARD.decode(c).ok()) else {
                return problem("bad_request", 400);
            };
            let subject = pki.client_subject("user01", None);
            let not_before = certs_gen::truncate_to_seconds(now - time::Duration::minutes(1));
            let Ok(cert) = pki.sign_client_csr(
                &csr,
                subject,
                not_before,
                not_before + time::Duration::days(365),
                s.next_serial.clone(),
            ) else {
                return problem("bad_request", 400);
            };
            s.order = Order::Fetched;
            s.issuances += 1;
            s.issued.push(cert.clone());
            let info = certs_gen::CertInfo::from_der(&cert).unwrap();
            let body = serde_json::json!({
                "certificate": certs_gen::pem::certificate(&cert),
                "serial": info.serial,
                "not_before": info.not_before.format(&time::format_description::well_known::Rfc3339).unwrap(),
                "not_after": info.not_after.format(&time::format_description::well_known::Rfc3339).unwrap(),
            });
            (201, "application/json", body.to_string().into_bytes())
        }
        _ => problem("not_found", 404),
    }
}

fn repo_handle(
    pki: &Pki,
    st: &Mutex<State>,
    host: &str,
    path: &str,
) -> (u16, &'static str, Vec<u8>) {
    let mut s = st.lock().unwrap();
    let host = host.split(':').next().unwrap_or_default();
    s.repo_requests.push(format!("{host}{path}"));
    let names = &pki.names;
    let now = OffsetDateTime::now_utc();
    let repo1_served = s
        .repo_requests
        .iter()
        .filter(|r| r.starts_with("repo1.secomtrust.net/"))
        .count();
    if host == "repo1.secomtrust.net"
        && (s.repo1_down || s.repo1_down_from.is_some_and(|n| repo1_served > n))
    {
        return (503, "text/plain", b"down".to_vec());
    }
    if path == "/" {
        (200, "text/html", b"<html>repository</html>".to_vec())
    } else if path == names.issuing_ca_cert_path() {
        (200, "application/pkix-cert", pki.issuing_ca.der().to_vec())
    } else if path == names.issuing_ca_crl_path() {
        let crl = pki.issuing_crl(&[], now, 1).unwrap();
        (200, "application/pkix-crl", crl.to_vec())
    } else if path == names.root_cert_path() {
        (200, "application/pkix-cert", pki.client_root.der().to_vec())
    } else if path == names.root_crl_path() {
        let crl = pki.root_crl(&[], now, 1).unwrap();
        (200, "application/pkix-crl", crl.to_vec())
    } else {
        (404, "text/plain", b"not found".to_vec())
    }
}

/// Runs the built `certrenew` with `args`, writing `stdin` to it.
pub async fn certrenew(args: &[String], stdin: &str) -> Output {
    let args = args.to_vec();
    let stdin = stdin.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_certrenew"))
            .args(&args)
            .no_proxy()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        {
            use std::io::Write;
            let mut i = child.stdin.take().unwrap();
            let _ = i.write_all(stdin.as_bytes());
        }
        wait_bounded(child, Duration::from_secs(120))
    })
    .await
    .unwrap()
}

fn wait_bounded(mut child: std::process::Child, limit: Duration) -> Output {
    let start = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("certrenew did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `args` of the RA, the store, then the command and its flags.
pub fn cmd(ra: &MiniRa, store: &Path, rest: &[&str]) -> Vec<String> {
    let mut a = vec!["--store".to_owned(), store.display().to_string()];
    a.extend(ra.args());
    a.extend(rest.iter().map(|s| (*s).to_owned()));
    a
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Whether `line` is one of D4.4's progress lines (stderr, text mode).
pub fn is_progress(line: &str) -> bool {
    line.starts_with("処理中: ") || line.starts_with("working: ")
}

/// Whether `line` is `renew`'s line naming the certificate it presents,
/// shown among the progress lines before the login (D4.2).
pub fn is_presenting(line: &str) -> bool {
    line.starts_with("使用する証明書: ") || line.starts_with("certificate presented: ")
}

/// The class message of a failure: the first stderr line that is neither
/// a progress line nor the presented certificate.
pub fn failure_message(o: &Output) -> Option<String> {
    stderr(o)
        .lines()
        .find(|l| !is_progress(l) && !is_presenting(l))
        .map(str::to_owned)
}

/// The identity directories of a store.
pub fn identity_dirs(store: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(store.join("identities"))
        .map(|r| {
            r.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}
