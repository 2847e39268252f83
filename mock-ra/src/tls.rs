//! TLS for webra2 and webra1 (protocol 1, "TLS"): rustls with the aws-lc-rs
//! provider, server certificates from the web root, and a client verifier
//! that accepts a chain to the client-CA root whatever its validity dates,
//! so that the application, not the handshake, decides about an expired
//! certificate (D7.1).

use std::sync::Arc;

use certs_gen::{Identity, Pki};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{NoServerSessionStorage, ServerSessionMemoryCache, WebPkiClientVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, Error, RootCertStore, ServerConfig,
    SignatureScheme,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, UnixTime};

use crate::error::MockError;

/// The one crypto provider of the mock.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Wraps rustls' WebPKI verifier: a chain that fails only because the end
/// entity (or a CA) is expired is verified again at its notAfter, one that
/// is not yet valid again at its notBefore. Issuer, signatures and EKU are
/// checked as usual; no CRL is consulted here (the RA decides revocation).
/// The issuing CA is known to the server, so a client that sends only its
/// own certificate (curl `--cert cert.pem`) is accepted too.
#[derive(Debug)]
pub struct AnyValidityVerifier {
    inner: Arc<dyn ClientCertVerifier>,
    known_intermediates: Vec<CertificateDer<'static>>,
}

impl AnyValidityVerifier {
    /// A verifier trusting only `client_root`, completing chains with
    /// `known_intermediates`; `mandatory` decides whether a connection
    /// without a client certificate completes.
    pub fn new(
        client_root: &CertificateDer<'static>,
        known_intermediates: Vec<CertificateDer<'static>>,
        mandatory: bool,
    ) -> Result<Self, Error> {
        let mut roots = RootCertStore::empty();
        roots.add(client_root.clone())?;
        let builder = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider());
        let builder = if mandatory {
            builder
        } else {
            builder.allow_unauthenticated()
        };
        let inner = builder
            .build()
            .map_err(|e| Error::General(format!("client verifier: {e}")))?;
        Ok(Self {
            inner,
            known_intermediates,
        })
    }
}

impl ClientCertVerifier for AnyValidityVerifier {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        let mut all = intermediates.to_vec();
        all.extend(self.known_intermediates.iter().cloned());
        let intermediates = all.as_slice();
        match self
            .inner
            .verify_client_cert(end_entity, intermediates, now)
        {
            Err(Error::InvalidCertificate(CertificateError::ExpiredContext {
                not_after, ..
            })) => self
                .inner
                .verify_client_cert(end_entity, intermediates, not_after),
            Err(Error::InvalidCertificate(CertificateError::NotValidYetContext {
                not_before,
                ..
            })) => self
                .inner
                .verify_client_cert(end_entity, intermediates, not_before),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// webra2: client certificate requested (the CertificateRequest names the
/// client-CA root, D4.2) but optional; no session resumption, so that every
/// login decides on the certificate of its own handshake.
pub fn webra2_config(pki: &Pki) -> Result<Arc<ServerConfig>, MockError> {
    let err = |e: Error| MockError::Tls {
        role: "webra2",
        message: e.to_string(),
    };
    let verifier = AnyValidityVerifier::new(
        pki.client_root.der(),
        vec![pki.issuing_ca.der().clone()],
        false,
    )
    .map_err(err)?;
    let mut config = base(&pki.webra2_server, Arc::new(verifier)).map_err(err)?;
    config.session_storage = Arc::new(NoServerSessionStorage {});
    config.send_tls13_tickets = 0;
    Ok(Arc::new(config))
}

/// webra1: client certificate required; session resumption on (tickets and
/// a cache). On a resumed session rustls reports the certificate the
/// session was first authenticated with: that is D6.11.
pub fn webra1_config(pki: &Pki) -> Result<Arc<ServerConfig>, MockError> {
    let err = |e: Error| MockError::Tls {
        role: "webra1",
        message: e.to_string(),
    };
    let verifier = AnyValidityVerifier::new(
        pki.client_root.der(),
        vec![pki.issuing_ca.der().clone()],
        true,
    )
    .map_err(err)?;
    let mut config = base(&pki.webra1_server, Arc::new(verifier)).map_err(err)?;
    config.session_storage = ServerSessionMemoryCache::new(1024);
    config.ticketer = rustls::crypto::aws_lc_rs::Ticketer::new().map_err(err)?;
    Ok(Arc::new(config))
}

fn base(server: &Identity, verifier: Arc<dyn ClientCertVerifier>) -> Result<ServerConfig, Error> {
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![server.cert.clone()],
            PrivateKeyDer::Pkcs8(server.key.clone_key()),
        )?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
