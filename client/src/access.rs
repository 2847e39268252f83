//! The access check (D3.1, D3.2, D6.1): can webra2 (HTTPS), repo1 (HTTP)
//! and repository (HTTP) be reached? The webra2 request also learns the CA
//! names of its CertificateRequest (D4.2) without presenting a certificate.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::messages::{Class, Lang, Outcome, Success, Text};
use crate::net::{self, Net, NetError};
use crate::selection::{CaNameRecorder, CaNames};

/// The outcome for one host.
#[derive(Debug, Clone)]
pub struct HostResult {
    /// The host.
    pub host: &'static str,
    /// The URL asked.
    pub url: String,
    /// `Ok` when it answered with a 2xx.
    pub result: Result<(), NetError>,
    /// How long it took, retries included.
    pub elapsed: Duration,
}

/// The three answers and what webra2 asked for.
#[derive(Debug, Clone)]
pub struct AccessReport {
    /// webra2, repo1, repository, in the manual's order.
    pub hosts: Vec<HostResult>,
    /// The CA names of webra2's CertificateRequest.
    pub ca_names: CaNames,
}

impl AccessReport {
    /// The first failure, in the manual's order.
    pub fn first_failure(&self) -> Option<&NetError> {
        self.hosts.iter().find_map(|h| h.result.as_ref().err())
    }
}

/// The URLs of D3.1.
pub fn urls() -> [(&'static str, String); 3] {
    [
        (net::WEBRA2_HOST, format!("https://{}/", net::WEBRA2_HOST)),
        (net::REPO1_HOST, format!("http://{}/", net::REPO1_HOST)),
        (
            net::REPOSITORY_HOST,
            format!("http://{}/", net::REPOSITORY_HOST),
        ),
    ]
}

/// Asks the three hosts at once.
pub async fn check(net: &Net) -> AccessReport {
    let recorder = CaNameRecorder::new();
    let [(h0, u0), (h1, u1), (h2, u2)] = urls();
    let one = |host: &'static str, url: String, record: bool| {
        let recorder = recorder.clone();
        async move {
            let start = Instant::now();
            let result = async {
                let parsed = net::parse_url(&url)?;
                let resolver: Option<Arc<dyn rustls::client::ResolvesClientCert>> =
                    record.then_some(recorder as Arc<dyn rustls::client::ResolvesClientCert>);
                let tls = net.tls(resolver)?;
                net.get_parsed_with(&parsed, tls, net::Limit::Page, |_| Ok(()))
                    .await
            }
            .await;
            HostResult {
                host,
                url,
                result,
                elapsed: start.elapsed(),
            }
        }
    };
    let (a, b, c) = tokio::join!(one(h0, u0, true), one(h1, u1, false), one(h2, u2, false));
    AccessReport {
        hosts: vec![a, b, c],
        ca_names: recorder.names(),
    }
}

/// Only the webra2 probe: the CA names its CertificateRequest lists (for
/// `list`, which needs nothing else from the network).
pub async fn probe_webra2(net: &Net) -> Result<CaNames, NetError> {
    let recorder = CaNameRecorder::new();
    let (_, url) = &urls()[0];
    let parsed = net::parse_url(url)?;
    let tls = net.tls(Some(
        recorder.clone() as Arc<dyn rustls::client::ResolvesClientCert>
    ))?;
    net.get_parsed_with(&parsed, tls, net::Limit::Page, |_| Ok(()))
        .await?;
    Ok(recorder.names())
}

/// The `check` command's outcome: success when all three answered, else
/// E115 with each host's result, the manual's advice and host table.
pub fn outcome(report: &AccessReport, lang: Lang) -> Outcome {
    let ok = report.first_failure().is_none();
    let mut o = if ok {
        Outcome::success(Success::Reachable)
    } else {
        Outcome::new(Class::E115)
    };
    let mut hosts = Vec::new();
    for h in &report.hosts {
        let ms = h.elapsed.as_millis();
        let line = match &h.result {
            Ok(()) => Text::AccessAnswered { url: &h.url, ms },
            Err(e) => Text::AccessFailed {
                url: &h.url,
                kind: &e.kind,
            },
        };
        o = o.line(line.render(lang));
        hosts.push(serde_json::json!({
            "host": h.host,
            "url": h.url,
            "answered": h.result.is_ok(),
            "error": h.result.as_ref().err().map(|e| e.kind.to_string()),
            "failure": h.result.as_ref().err().map(|e| crate::messages::failure_name(&e.kind)),
            "elapsed_ms": ms as u64,
        }));
    }
    o = o.field("hosts", hosts);
    if !ok {
        o = crate::messages::host_table(o, lang).with_remedy(lang);
    }
    o
}
