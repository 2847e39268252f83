//! HTTP and TLS plumbing in one place: host mappings (`--connect-to`), the
//! servers' trust (`--server-ca` or the platform verifier), timeouts,
//! proxies, bounded retries of idempotent GETs, and the classification of
//! every transport failure (all of which the customer sees as E115).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use rustls::ClientConfig;
use rustls::client::ResolvesClientCert;
use rustls::client::danger::ServerCertVerifier;
use rustls::crypto::CryptoProvider;
use rustls_pki_types::CertificateDer;

mod body;
mod classify;
mod connect_to;
mod failure;
mod limits;
mod sources;

pub use body::{BodyError, read_body};
pub use classify::classify;
pub use connect_to::ConnectTo;
pub use failure::{BodyProblem, NetError, NetErrorKind, ResolveError, SetupProblem, Transport};
pub use limits::Limit;
pub use sources::{error_chain, find_rustls_error};

/// The RA (D3).
pub const WEBRA2_HOST: &str = "webra2.secomtrust.net";
/// The confirmation page (D3.3).
pub const WEBRA1_HOST: &str = "webra1.secomtrust.net";
/// Repository 1: CA certificates (D3).
pub const REPO1_HOST: &str = "repo1.secomtrust.net";
/// The repository: roots and CRLs (D3).
pub const REPOSITORY_HOST: &str = "repository.secomtrust.net";

/// Proxy settings: `--proxy`, or the environment's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxySettings {
    /// `--proxy URL`: every request goes through it.
    pub all: Option<String>,
    /// `HTTPS_PROXY`.
    pub https: Option<String>,
    /// `HTTP_PROXY`.
    pub http: Option<String>,
    /// `NO_PROXY`.
    pub no_proxy: Option<String>,
}

/// Bounded retries for idempotent GETs: a failing host ends a GET within
/// `attempts x --timeout` plus the waits between attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all (1: no retry).
    pub attempts: u32,
    /// Wait before the second attempt; doubles each time. A 503 or 429
    /// with `Retry-After: SECS` waits that long instead, when it is no
    /// longer than `--timeout`; a longer one is not waited for (the GET
    /// fails at once).
    pub backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            backoff: Duration::from_millis(250),
        }
    }
}

/// Everything the network layer is configured with.
#[derive(Debug, Clone)]
pub struct NetConfig {
    /// `--connect-to` mappings, first match wins.
    pub mappings: Vec<ConnectTo>,
    /// `--server-ca`: trust only these roots for the servers (else the platform's).
    pub server_roots: Option<Vec<CertificateDer<'static>>>,
    /// `--connect-timeout`: TCP connect and TLS handshake.
    pub connect_timeout: Duration,
    /// `--timeout`: the whole request.
    pub timeout: Duration,
    /// Proxies.
    pub proxy: ProxySettings,
    /// Retries of idempotent GETs.
    pub retry: RetryPolicy,
}

impl Default for NetConfig {
    fn default() -> Self {
        Self {
            mappings: Vec::new(),
            server_roots: None,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            proxy: ProxySettings::default(),
            retry: RetryPolicy::default(),
        }
    }
}

/// The network layer: builds TLS configurations and HTTP clients.
pub struct Net {
    config: NetConfig,
    provider: Arc<CryptoProvider>,
    verifier: Arc<dyn ServerCertVerifier>,
}

impl std::fmt::Debug for Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Net")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The one crypto provider: aws-lc-rs.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

impl Net {
    /// Sets up the servers' verifier: only `server_roots` when given, else
    /// the platform verifier.
    pub fn new(config: NetConfig) -> Result<Self, NetError> {
        let provider = provider();
        let setup = |e: SetupProblem| NetError {
            host: String::new(),
            url: String::new(),
            kind: NetErrorKind::Setup(e),
        };
        let verifier: Arc<dyn ServerCertVerifier> = match &config.server_roots {
            Some(roots) => {
                let mut store = rustls::RootCertStore::empty();
                for r in roots {
                    store
                        .add(r.clone())
                        .map_err(|e| setup(SetupProblem::ServerCa(Box::new(e))))?;
                }
                rustls::client::WebPkiServerVerifier::builder_with_provider(
                    Arc::new(store),
                    provider.clone(),
                )
                .build()
                .map_err(|e| setup(SetupProblem::ServerCaVerifier(Box::new(e))))?
            }
            None => Arc::new(
                rustls_platform_verifier::Verifier::new(provider.clone())
                    .map_err(|e| setup(SetupProblem::PlatformVerifier(Box::new(e))))?,
            ),
        };
        Ok(Self {
            config,
            provider,
            verifier,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &NetConfig {
        &self.config
    }

    /// A TLS client configuration with the servers' verifier and, when
    /// given, a client-certificate resolver. ALPN offers HTTP/1.1.
    pub fn tls(
        &self,
        client_auth: Option<Arc<dyn ResolvesClientCert>>,
    ) -> Result<ClientConfig, NetError> {
        let builder = ClientConfig::builder_with_provider(self.provider.clone())
            .with_protocol_versions(rustls::DEFAULT_VERSIONS)
            .map_err(|e| NetError {
                host: String::new(),
                url: String::new(),
                kind: NetErrorKind::Setup(SetupProblem::Versions(Box::new(e))),
            })?
            .dangerous()
            .with_custom_certificate_verifier(self.verifier.clone());
        let mut cfg = match client_auth {
            Some(r) => builder.with_client_cert_resolver(r),
            None => builder.with_no_client_auth(),
        };
        cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(cfg)
    }

    /// An HTTP client for requests to `url`'s origin: its host mapping, the
    /// given TLS configuration, timeouts and proxies; no redirects.
    pub fn client(&self, url: &Url, tls: ClientConfig) -> Result<reqwest::Client, NetError> {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let port = url.port_or_known_default().unwrap_or(0);
        let mut b = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(self.config.connect_timeout)
            .timeout(self.config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .http1_only()
            .pool_max_idle_per_host(0)
            .user_agent(concat!("certrenew/", env!("CARGO_PKG_VERSION")));
        b = b.dns_resolver(Arc::new(Resolver {
            host: host.clone(),
            target: self.target(&host, port),
            timeout: self.config.connect_timeout,
        }));
        b = self.with_proxies(b).map_err(|k| self.err(url, k))?;
        b.build().map_err(|e| {
            self.err(
                url,
                NetErrorKind::Setup(SetupProblem::Client(Transport::of(&e))),
            )
        })
    }

    /// Where a mapping sends `host:port` (a name or an address, and a
    /// port), if any. Nothing is resolved here.
    fn target(&self, host: &str, port: u16) -> Option<(String, u16)> {
        self.config
            .mappings
            .iter()
            .find(|m| m.matches(host, port))
            .map(|m| (m.to_host.clone(), m.to_port.unwrap_or(port)))
    }

    fn with_proxies(
        &self,
        mut b: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, NetErrorKind> {
        let p = &self.config.proxy;
        let no_proxy = || {
            p.no_proxy
                .as_deref()
                .and_then(reqwest::NoProxy::from_string)
        };
        let bad = |e: reqwest::Error| NetErrorKind::Setup(SetupProblem::Proxy(Transport::of(&e)));
        // Never let reqwest read the environment itself: it is read once, in
        // `env`, and passed in here.
        b = b.no_proxy();
        if let Some(all) = &p.all {
            b = b.proxy(reqwest::Proxy::all(all).map_err(bad)?.no_proxy(no_proxy()));
        } else {
            if let Some(https) = &p.https {
                b = b.proxy(
                    reqwest::Proxy::https(https)
                        .map_err(bad)?
                        .no_proxy(no_proxy()),
                );
            }
            if let Some(http) = &p.http {
                b = b.proxy(
                    reqwest::Proxy::http(http)
                        .map_err(bad)?
                        .no_proxy(no_proxy()),
                );
            }
        }
        Ok(b)
    }

    /// A `NetError` about `url`.
    pub fn err(&self, url: &Url, kind: NetErrorKind) -> NetError {
        NetError {
            host: url.host_str().unwrap_or_default().to_owned(),
            url: url.to_string(),
            kind,
        }
    }

    /// Classifies a reqwest error.
    pub fn classify(&self, url: &Url, e: &reqwest::Error) -> NetError {
        self.err(url, classify(e))
    }

    /// GETs `url` (no client certificate) and hands a 2xx body to `parse`;
    /// retries transport failures, 5xx answers and bodies `parse` rejects,
    /// up to the retry policy. Other statuses fail at once.
    pub async fn get_parsed<T>(
        &self,
        url: &Url,
        limit: Limit,
        parse: impl Fn(&[u8]) -> Result<T, String>,
    ) -> Result<T, NetError> {
        self.get_parsed_with(url, self.tls(None)?, limit, parse)
            .await
    }

    /// [`Net::get_parsed`] with a given TLS configuration (e.g. one that
    /// records the server's CertificateRequest).
    pub async fn get_parsed_with<T>(
        &self,
        url: &Url,
        tls: ClientConfig,
        limit: Limit,
        parse: impl Fn(&[u8]) -> Result<T, String>,
    ) -> Result<T, NetError> {
        let client = self.client(url, tls)?;
        let mut wait = self.config.retry.backoff;
        let attempts = self.config.retry.attempts.max(1);
        let mut attempt = 1;
        loop {
            // (what failed, whether to retry, the server's Retry-After)
            let result = async {
                let resp = client
                    .get(url.clone())
                    .send()
                    .await
                    .map_err(|e| (classify(&e), true, None))?;
                let status = resp.status();
                if !status.is_success() {
                    let retry = status.is_server_error() || status.as_u16() == 429;
                    return Err((
                        NetErrorKind::Status(status.as_u16()),
                        retry,
                        retry_after(resp.headers()),
                    ));
                }
                let body = read_body(resp, limit).await.map_err(|e| {
                    // A body too large is not retried: it would be again.
                    let retry = matches!(e, BodyError::Read(_));
                    (e.kind(), retry, None)
                })?;
                parse(&body)
                    .map_err(|e| (NetErrorKind::Body(BodyProblem::NotProtocol(e)), true, None))
            }
            .await;
            match result {
                Ok(v) => return Ok(v),
                Err((kind, true, asked)) if attempt < attempts => {
                    let pause = match asked {
                        None => wait,
                        // The server's wish, when it fits the time we allow a request.
                        Some(secs) if secs <= self.config.timeout => secs.max(wait),
                        Some(_) => return Err(self.err(url, kind)),
                    };
                    tokio::time::sleep(pause).await;
                    wait *= 2;
                    attempt += 1;
                }
                Err((kind, _, _)) => return Err(self.err(url, kind)),
            }
        }
    }
}

/// A `Retry-After` given in seconds (the HTTP-date form is not waited for).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// Name resolution for one client: the `--connect-to` target of its host
/// is looked up when a connection is made (so a name works as well as an
/// address), names under `.invalid` fail at once as RFC 6761 (6.4) asks of
/// resolver libraries, and every lookup is bounded by `--connect-timeout`.
#[derive(Debug)]
struct Resolver {
    /// The host the client's URL names.
    host: String,
    /// Its mapping's target, if any.
    target: Option<(String, u16)>,
    /// How long a lookup may take.
    timeout: Duration,
}

impl reqwest::dns::Resolve for Resolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let asked = name.as_str().to_ascii_lowercase();
        let (lookup, port, mapped) = match &self.target {
            Some((to, port)) if asked == self.host => (to.clone(), *port, true),
            _ => (asked, 0, false),
        };
        let timeout = self.timeout;
        Box::pin(async move {
            let addrs = resolve(&lookup, port, timeout).await.map_err(|mut e| {
                if mapped {
                    e.why = format!("--connect-to target {}", e.why);
                }
                Box::new(e) as Box<dyn std::error::Error + Send + Sync>
            })?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Resolves `name` (an address is taken as is) for `port`, within `timeout`.
pub async fn resolve(
    name: &str,
    port: u16,
    timeout: Duration,
) -> Result<Vec<SocketAddr>, ResolveError> {
    let bare = name.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let lower = bare.trim_end_matches('.').to_ascii_lowercase();
    let failed = |why: String| ResolveError {
        name: bare.to_owned(),
        why: format!("{bare}: name not resolved ({why})"),
    };
    if lower == "invalid" || lower.ends_with(".invalid") {
        return Err(failed(
            "names under .invalid never resolve, RFC 6761".into(),
        ));
    }
    match tokio::time::timeout(timeout, tokio::net::lookup_host((bare, port))).await {
        Ok(Ok(addrs)) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            if addrs.is_empty() {
                Err(failed("no address".into()))
            } else {
                Ok(addrs)
            }
        }
        Ok(Err(e)) => Err(failed(e.to_string())),
        Err(_) => Err(failed(format!(
            "no answer within {} s",
            timeout.as_secs_f64()
        ))),
    }
}

/// A client identity ready for rustls: the leaf, the CAs below the root
/// (a root is never sent), and the signing key.
pub fn certified_key(
    leaf: &CertificateDer<'static>,
    chain: &[CertificateDer<'static>],
    key: &rustls_pki_types::PrivatePkcs8KeyDer<'_>,
) -> Result<Arc<rustls::sign::CertifiedKey>, String> {
    let signer = provider()
        .key_provider
        .load_private_key(rustls_pki_types::PrivateKeyDer::Pkcs8(key.clone_key()))
        .map_err(|e| format!("private key: {e}"))?;
    let mut certs = vec![leaf.clone()];
    for c in chain {
        let self_issued = crate::cert::CertFacts::parse(c).is_ok_and(|f| f.is_self_issued());
        if !self_issued {
            certs.push(c.clone());
        }
    }
    Ok(Arc::new(rustls::sign::CertifiedKey::new(certs, signer)))
}

/// Presents one identity to any CertificateRequest.
#[derive(Debug)]
pub struct FixedClientCert(pub Arc<rustls::sign::CertifiedKey>);

impl ResolvesClientCert for FixedClientCert {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[rustls::SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        Some(self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

/// Parses a URL the protocol or a certificate gave.
pub fn parse_url(s: &str) -> Result<Url, NetError> {
    Url::parse(s).map_err(|e| NetError {
        host: String::new(),
        url: s.to_owned(),
        kind: NetErrorKind::Setup(SetupProblem::Url(e)),
    })
}

#[cfg(test)]
mod tests;
