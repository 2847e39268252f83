//! The client's plain-HTTP layer against servers we did not write
//! (wiremock): the repositories repo1 and repository, reached through
//! `--connect-to` mappings with their real names, answer with every status
//! and body shape a network can produce: the chain and CRLs, chunked or
//! kept alive; a redirect, a 404, a 5xx (with and without a Retry-After),
//! garbage, a slow answer, an oversized one. Each server states how many
//! requests it must receive (`expect`, checked when it is dropped), and
//! each test asserts the library's typed result and, for a failure, the
//! customer's lines. The confirmation page is HTTPS, which wiremock does
//! not serve: its client is built the same way (`Net::client`, no
//! redirects), and that is tested here on plain HTTP.

use std::time::{Duration, Instant};

use certrenew::cert::CertFacts;
use certrenew::chain::{self, ChainError};
use certrenew::messages::{Class, Lang};
use certrenew::net::{
    self, BodyProblem, Limit, Net, NetConfig, NetError, NetErrorKind, RetryPolicy,
};
use certs_gen::{ClientSpec, KeyType, Pki};
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Attempts of a retried GET in these tests (the client's default is 3).
const ATTEMPTS: u32 = 3;

/// A test PKI, a client certificate of it, and the two repositories as
/// wiremock servers.
struct Repos {
    pki: Pki,
    leaf: CertFacts,
    repo1: MockServer,
    repository: MockServer,
}

async fn repos() -> Repos {
    let now = OffsetDateTime::now_utc();
    let pki = Pki::generate(KeyType::P256, now).unwrap();
    let id = pki
        .issue_client(&ClientSpec::ending(
            "wiremock",
            now,
            time::Duration::days(300),
        ))
        .unwrap();
    Repos {
        leaf: CertFacts::parse(&id.cert).unwrap(),
        pki,
        repo1: MockServer::start().await,
        repository: MockServer::start().await,
    }
}

impl Repos {
    /// The client's network layer, both repositories mapped to their
    /// servers (the URLs keep the real names), `timeout` per request.
    fn net(&self, timeout: Duration) -> Net {
        let map = |host: &str, server: &MockServer| {
            format!("{host}:80:127.0.0.1:{}", server.address().port())
                .parse()
                .unwrap()
        };
        Net::new(NetConfig {
            mappings: vec![
                map(net::REPO1_HOST, &self.repo1),
                map(net::REPOSITORY_HOST, &self.repository),
            ],
            server_roots: Some(vec![self.pki.web_root.der().clone()]),
            connect_timeout: Duration::from_secs(2),
            timeout,
            retry: RetryPolicy {
                attempts: ATTEMPTS,
                backoff: Duration::from_millis(10),
            },
            ..Default::default()
        })
        .unwrap()
    }

    /// repo1's URL of the issuing CA (the client certificate's AIA).
    fn issuing_ca_url(&self) -> reqwest::Url {
        net::parse_url(&self.pki.names.issuing_ca_cert_url()).unwrap()
    }

    /// Serves the whole chain and both CRLs, each asked for once, as
    /// `shape` makes the answer.
    async fn serve_all(&self, shape: impl Fn(ResponseTemplate) -> ResponseTemplate) {
        let now = OffsetDateTime::now_utc();
        let names = &self.pki.names;
        let issuing_crl = self.pki.issuing_crl(&[], now, 1).unwrap();
        let root_crl = self.pki.root_crl(&[], now, 1).unwrap();
        for (server, host, at, body) in [
            (
                &self.repo1,
                net::REPO1_HOST,
                names.issuing_ca_cert_path(),
                self.pki.issuing_ca.der().to_vec(),
            ),
            (
                &self.repo1,
                net::REPO1_HOST,
                names.issuing_ca_crl_path(),
                issuing_crl.to_vec(),
            ),
            (
                &self.repository,
                net::REPOSITORY_HOST,
                names.root_cert_path(),
                self.pki.client_root.der().to_vec(),
            ),
            (
                &self.repository,
                net::REPOSITORY_HOST,
                names.root_crl_path(),
                root_crl.to_vec(),
            ),
        ] {
            Mock::given(method("GET"))
                .and(path(at))
                // --connect-to keeps the URL's host.
                .and(header("host", host))
                .respond_with(shape(ResponseTemplate::new(200).set_body_bytes(body)))
                .expect(1)
                .mount(server)
                .await;
        }
    }

    /// repo1 answers the issuing CA's path with `answer`, `times` times.
    async fn issuing_ca_answers(&self, answer: ResponseTemplate, times: u64) {
        Mock::given(method("GET"))
            .and(path(self.pki.names.issuing_ca_cert_path()))
            .respond_with(answer)
            .expect(times)
            .mount(&self.repo1)
            .await;
    }

    /// Fetches the chain; the failure it must be.
    async fn fetch_fails(&self, timeout: Duration) -> NetError {
        match chain::fetch(&self.net(timeout), &self.leaf).await {
            Err(ChainError::Net(e)) => e,
            other => panic!("expected a network failure, got {other:?}"),
        }
    }
}

/// The customer's outcome for a repository that failed while the chain
/// was fetched (`import` and `renew` say it so): E115, the host that
/// failed, and `details.failure`.
fn assert_customer_sees(e: &NetError, failure: &str, answered: bool) {
    let err = certrenew::Error::Net(e.clone());
    assert_eq!(err.class(), Class::E115);
    let o = err.to_outcome(Lang::Ja);
    assert_eq!(o.details["failure"], failure, "{:?}", o.details);
    assert_eq!(o.details["host"], net::REPO1_HOST);
    let host_line = if answered {
        "正しい応答が得られなかった接続先: repo1.secomtrust.net"
    } else {
        "接続できなかった接続先: repo1.secomtrust.net"
    };
    assert!(o.lines.iter().any(|l| l == host_line), "{:#?}", o.lines);
}

#[tokio::test]
async fn the_chain_and_both_crls_are_fetched_once_each_and_validate() {
    let r = repos().await;
    r.serve_all(|t| t.insert_header("content-type", "application/pkix-cert"))
        .await;
    let chain = chain::fetch(&r.net(Duration::from_secs(5)), &r.leaf)
        .await
        .unwrap();
    assert_eq!(chain.cas.len(), 2);
    assert_eq!(chain.crls.len(), 2);
    assert!(chain.root().is_some());
    chain::validate(&r.leaf, &chain, OffsetDateTime::now_utc()).unwrap();
}

#[tokio::test]
async fn answers_kept_alive_are_read_whole_and_each_request_is_one() {
    let r = repos().await;
    r.serve_all(|t| t.insert_header("connection", "keep-alive"))
        .await;
    let chain = chain::fetch(&r.net(Duration::from_secs(5)), &r.leaf)
        .await
        .unwrap();
    chain::validate(&r.leaf, &chain, OffsetDateTime::now_utc()).unwrap();
}

#[tokio::test]
async fn a_chunked_answer_is_read_whole() {
    let r = repos().await;
    r.serve_all(|t| t.insert_header("transfer-encoding", "chunked"))
        .await;
    // The server really answers chunked (no Content-Length): one request of
    // our own, outside the expectations' paths.
    Mock::given(path("/probe"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("transfer-encoding", "chunked")
                .set_body_bytes(vec![b'x'; 10]),
        )
        .expect(1)
        .mount(&r.repo1)
        .await;
    let head = raw_head(&r.repo1, "/probe").await.to_ascii_lowercase();
    assert!(head.contains("transfer-encoding: chunked"), "{head}");
    assert!(!head.contains("content-length"), "{head}");
    let chain = chain::fetch(&r.net(Duration::from_secs(5)), &r.leaf)
        .await
        .unwrap();
    chain::validate(&r.leaf, &chain, OffsetDateTime::now_utc()).unwrap();
}

/// The status line and headers of a plain `GET at` sent by hand.
async fn raw_head(server: &MockServer, at: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(server.address())
        .await
        .unwrap();
    s.write_all(format!("GET {at} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).await.unwrap();
    let text = String::from_utf8_lossy(&all).into_owned();
    text.split("\r\n\r\n").next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_not_retried() {
    let r = repos().await;
    r.issuing_ca_answers(
        ResponseTemplate::new(302).insert_header("location", "/elsewhere.cer"),
        1,
    )
    .await;
    Mock::given(path("/elsewhere.cer"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&r.repo1)
        .await;
    let e = r.fetch_fails(Duration::from_secs(5)).await;
    assert!(matches!(e.kind, NetErrorKind::Status(302)), "{e:?}");
    assert_eq!(e.url, r.pki.names.issuing_ca_cert_url());
    assert_customer_sees(&e, "status", true);
}

#[tokio::test]
async fn the_confirmation_pages_client_does_not_follow_redirects_either() {
    // The confirmation page's client is Net::client with webra1's TLS
    // configuration; on plain HTTP the redirect policy is the same.
    let r = repos().await;
    Mock::given(path("/scira/doc/ymfg/"))
        .respond_with(ResponseTemplate::new(301).insert_header("location", "/scira/doc/ymfg/ok"))
        .expect(1)
        .mount(&r.repo1)
        .await;
    Mock::given(path("/scira/doc/ymfg/ok"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&r.repo1)
        .await;
    let net = r.net(Duration::from_secs(5));
    let url = net::parse_url("http://repo1.secomtrust.net/scira/doc/ymfg/").unwrap();
    let client = net.client(&url, net.tls(None).unwrap()).unwrap();
    let resp = client.get(url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 301);
}

#[tokio::test]
async fn a_404_is_not_retried() {
    let r = repos().await;
    r.issuing_ca_answers(ResponseTemplate::new(404), 1).await;
    let e = r.fetch_fails(Duration::from_secs(5)).await;
    assert!(matches!(e.kind, NetErrorKind::Status(404)), "{e:?}");
    assert_customer_sees(&e, "status", true);
}

#[tokio::test]
async fn a_5xx_is_retried_up_to_the_policy() {
    let r = repos().await;
    r.issuing_ca_answers(ResponseTemplate::new(500), ATTEMPTS.into())
        .await;
    let e = r.fetch_fails(Duration::from_secs(5)).await;
    assert!(matches!(e.kind, NetErrorKind::Status(500)), "{e:?}");
    assert_customer_sees(&e, "status", true);
}

#[tokio::test]
async fn a_5xx_then_the_certificate_succeeds_on_the_retry() {
    let r = repos().await;
    // Mounted first, so it answers first; then the chain as usual.
    Mock::given(path(r.pki.names.issuing_ca_cert_path()))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .expect(1)
        .mount(&r.repo1)
        .await;
    r.serve_all(|t| t).await;
    let chain = chain::fetch(&r.net(Duration::from_secs(5)), &r.leaf)
        .await
        .unwrap();
    assert_eq!(chain.cas.len(), 2);
}

#[tokio::test]
async fn a_503_asking_longer_than_the_timeout_is_not_waited_for() {
    let r = repos().await;
    r.issuing_ca_answers(
        ResponseTemplate::new(503).insert_header("retry-after", "3600"),
        1,
    )
    .await;
    let started = Instant::now();
    let e = r.fetch_fails(Duration::from_secs(2)).await;
    assert!(matches!(e.kind, NetErrorKind::Status(503)), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn garbage_instead_of_a_certificate_is_retried_then_e115() {
    let r = repos().await;
    r.issuing_ca_answers(
        ResponseTemplate::new(200)
            .insert_header("content-type", "text/html")
            .set_body_string("<html><body>This site is blocked</body></html>"),
        ATTEMPTS.into(),
    )
    .await;
    let e = r.fetch_fails(Duration::from_secs(5)).await;
    assert!(
        matches!(e.kind, NetErrorKind::Body(BodyProblem::NotProtocol(_))),
        "{e:?}"
    );
    assert_customer_sees(&e, "body", true);
}

#[tokio::test]
async fn a_slow_answer_times_out_on_every_attempt_in_bounded_time() {
    let r = repos().await;
    r.issuing_ca_answers(
        ResponseTemplate::new(200)
            .set_body_bytes(r.pki.issuing_ca.der().to_vec())
            .set_delay(Duration::from_secs(5)),
        ATTEMPTS.into(),
    )
    .await;
    let timeout = Duration::from_millis(300);
    let started = Instant::now();
    let e = r.fetch_fails(timeout).await;
    assert!(matches!(e.kind, NetErrorKind::Timeout(_)), "{e:?}");
    // Three attempts of 0.3 s, 10 + 20 ms of backoff, and slack.
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_customer_sees(&e, "timeout", false);
}

#[tokio::test]
async fn an_oversized_answer_is_refused_once_and_not_retried() {
    let r = repos().await;
    let too_big = usize::try_from(Limit::Certificate.bytes()).unwrap() + 1;
    r.issuing_ca_answers(
        ResponseTemplate::new(200).set_body_bytes(vec![0x30; too_big]),
        1,
    )
    .await;
    let e = r.fetch_fails(Duration::from_secs(5)).await;
    assert!(
        matches!(e.kind, NetErrorKind::TooLarge(Limit::Certificate)),
        "{e:?}"
    );
    assert_customer_sees(&e, "body", true);
}

#[tokio::test]
async fn an_oversized_chunked_answer_is_cut_at_the_limit() {
    let r = repos().await;
    let too_big = usize::try_from(Limit::Certificate.bytes()).unwrap() * 4;
    r.issuing_ca_answers(
        ResponseTemplate::new(200)
            .insert_header("transfer-encoding", "chunked")
            .set_body_bytes(vec![0x30; too_big]),
        1,
    )
    .await;
    let e = r.fetch_fails(Duration::from_secs(5)).await;
    assert!(
        matches!(e.kind, NetErrorKind::TooLarge(Limit::Certificate)),
        "{e:?}"
    );
}

#[tokio::test]
async fn the_issuing_ca_url_is_the_certificates_aia() {
    // What the other tests break is what the client asks first.
    let r = repos().await;
    assert_eq!(
        r.leaf.ca_issuers.first().map(String::as_str),
        Some(r.issuing_ca_url().as_str())
    );
}
