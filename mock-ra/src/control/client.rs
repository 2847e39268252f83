//! Ready-made clients for a running mock: a rustls configuration that
//! trusts the web root and presents a world identity, and a reqwest client
//! that reaches every host under its real name (SNI and `Host` as the
//! vendor's) on this mock's ports.

use std::sync::Arc;
use std::time::Duration;

use certs_gen::Identity;
use rustls_pki_types::PrivateKeyDer;

use crate::control::mock::MockRa;
use crate::error::MockError;
use crate::wire::protocol::Host;

/// How long a ready-made client waits for an answer.
const TIMEOUT: Duration = Duration::from_secs(20);

impl MockRa {
    /// A rustls client configuration that trusts this mock's web root
    /// only and, when given, presents `identity` (its certificate and
    /// chain) to webra2 and webra1.
    pub fn client_tls(
        &self,
        identity: Option<&Identity>,
    ) -> Result<rustls::ClientConfig, MockError> {
        let tls = |source: rustls::Error| MockError::Tls {
            role: "client",
            source: Box::new(source),
        };
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.pki().web_root.der().clone()).map_err(tls)?;
        let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(tls)?
        .with_root_certificates(roots);
        match identity {
            Some(id) => {
                let mut chain = vec![id.cert.clone()];
                chain.extend(id.chain.iter().cloned());
                builder
                    .with_client_auth_cert(chain, PrivateKeyDer::Pkcs8(id.key.clone_key()))
                    .map_err(tls)
            }
            None => Ok(builder.with_no_client_auth()),
        }
    }

    /// A reqwest client builder with [`Self::client_tls`] and every host's
    /// real name mapped to this mock's address for it, no proxy and a
    /// 20-second timeout; add what a test needs and build it.
    pub fn client_builder(
        &self,
        identity: Option<&Identity>,
    ) -> Result<reqwest::ClientBuilder, MockError> {
        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(self.client_tls(identity)?)
            .no_proxy()
            .timeout(TIMEOUT);
        for host in Host::ALL {
            if let Some(addr) = self.addr(host.role()) {
                builder = builder.resolve(host.hostname(), addr);
            }
        }
        Ok(builder)
    }

    /// A client for every host that presents no certificate.
    pub fn client(&self) -> Result<reqwest::Client, MockError> {
        self.client_builder(None)?
            .build()
            .map_err(MockError::Client)
    }

    /// A client for every host that presents the world identity `name`
    /// (an account's certificate, an `[[identity]]`, a reissue, a
    /// generated customer's), as a customer's browser or `certrenew` would.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use mock_ra::{Host, MockRa, World};
    /// let mock = MockRa::start(World::demo()).await?;
    /// let client = mock.client_for("demo")?;
    /// let page = client.get(mock.url(Host::Webra2, "/")).send().await?;
    /// assert!(page.status().is_success());
    /// # Ok(()) }
    /// ```
    pub fn client_for(&self, name: &str) -> Result<reqwest::Client, MockError> {
        let identity = self.identity(name)?;
        self.client_builder(Some(&identity))?
            .build()
            .map_err(MockError::Client)
    }

    /// The URL of `path` on `host` under its real name and this mock's
    /// port (`https://webra2.secomtrust.net:PORT/path`), for the clients
    /// above: the name is what the servers' certificates carry.
    pub fn url(&self, host: Host, path: &str) -> String {
        let scheme = match host {
            Host::Webra2 | Host::Webra1 => "https",
            Host::Repo1 | Host::Repository => "http",
        };
        let port = self.addr(host.role()).map_or(host.port(), |a| a.port());
        format!("{scheme}://{}:{port}{path}", host.hostname())
    }
}
