//! TLS for webra2 and webra1 (protocol 1, "TLS"): rustls with the aws-lc-rs
//! provider, server certificates from the web root, and a client verifier
//! that accepts a chain to the client-CA root whatever its validity dates,
//! so that the application, not the handshake, decides about an expired
//! certificate (D7.1).

use std::sync::Arc;

use certs_gen::names::{WEBRA1_HOST, WEBRA2_HOST};
use certs_gen::{KeyType, Pki, PkiNames};
use rcgen::{CertificateParams, Issuer, KeyPair};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{NoServerSessionStorage, ServerSessionMemoryCache, WebPkiClientVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, Error, RootCertStore, ServerConfig,
    SignatureScheme,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use time::{Duration, OffsetDateTime};
use tokio_rustls::TlsAcceptor;

use crate::error::MockError;
use crate::faults::FaultKind;
use crate::wire::journal::Role;

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
    let (cert, key) = serving_cert(pki, Role::Webra2)?;
    config_for(pki, Role::Webra2, &cert, &key, None)
}

/// webra1: client certificate required; session resumption on (tickets and
/// a cache). On a resumed session rustls reports the certificate the
/// session was first authenticated with: that is D6.11.
pub fn webra1_config(pki: &Pki) -> Result<Arc<ServerConfig>, MockError> {
    let (cert, key) = serving_cert(pki, Role::Webra1)?;
    config_for(pki, Role::Webra1, &cert, &key, None)
}

/// How far before the earlier of the real and the virtual now a server
/// certificate made for a far clock starts, and how far after the later
/// one it ends (as the PKI's own server certificates do around its now).
const FAR_CLOCK_BACKDATE: Duration = Duration::days(400);
const FAR_CLOCK_AHEAD: Duration = Duration::days(800);

/// The certificate a role serves. The PKI's server certificates are made
/// around the virtual now (`pki.now`), but a client checks them at its own
/// (real) time: with a clock far from real time (`serve --now 2028-...`)
/// they would be "not valid yet" or "expired" for the ready line's own
/// arguments. Then the role serves a certificate from the same web root
/// valid over a span covering both instants (from 400 days before the
/// earlier to 800 days after the later), so a client at real time and one
/// at the virtual time (`--danger-now`) both accept it. The web root
/// itself is valid from 10 years before to 20 years after the virtual now:
/// a clock further than that from real time still fails, as it should.
pub fn serving_cert(
    pki: &Pki,
    role: Role,
) -> Result<(CertificateDer<'static>, PrivatePkcs8KeyDer<'static>), MockError> {
    let (own, host) = match role {
        Role::Webra1 => (&pki.webra1_server, WEBRA1_HOST),
        _ => (&pki.webra2_server, WEBRA2_HOST),
    };
    let real_now = certs_gen::truncate_to_seconds(OffsetDateTime::now_utc());
    let covers_real = own
        .info()
        .map(|i| crate::wire::protocol::within_validity(real_now, i.not_before, i.not_after))
        .is_ok_and(|v| v == crate::wire::protocol::Validity::Valid);
    if covers_real {
        return Ok((own.cert.clone(), own.key.clone_key()));
    }
    let (early, late) = (real_now.min(pki.now), real_now.max(pki.now));
    server_cert(
        pki,
        &[host, "localhost", "127.0.0.1"],
        early - FAR_CLOCK_BACKDATE,
        late + FAR_CLOCK_AHEAD,
    )
    .map_err(|e| MockError::Tls {
        role: role.as_str(),
        source: e.into(),
    })
}

/// A role's configuration with a given server certificate and, when
/// given, other CA names in its CertificateRequest.
fn config_for(
    pki: &Pki,
    role: Role,
    cert: &CertificateDer<'static>,
    key: &PrivatePkcs8KeyDer<'static>,
    hints: Option<Vec<DistinguishedName>>,
) -> Result<Arc<ServerConfig>, MockError> {
    let err = |e: Error| MockError::Tls {
        role: role.as_str(),
        source: Box::new(e),
    };
    let mandatory = role == Role::Webra1;
    let verifier = AnyValidityVerifier::new(
        pki.client_root.der(),
        vec![pki.issuing_ca.der().clone()],
        mandatory,
    )
    .map_err(err)?;
    let verifier: Arc<dyn ClientCertVerifier> = match hints {
        Some(hints) => Arc::new(OtherHints {
            inner: Arc::new(verifier),
            hints,
        }),
        None => Arc::new(verifier),
    };
    let mut config = base(cert, key, verifier).map_err(err)?;
    if mandatory {
        config.session_storage = ServerSessionMemoryCache::new(1024);
        config.ticketer = rustls::crypto::aws_lc_rs::Ticketer::new().map_err(err)?;
    } else {
        config.session_storage = Arc::new(NoServerSessionStorage {});
        config.send_tls13_tickets = 0;
    }
    Ok(Arc::new(config))
}

fn base(
    cert: &CertificateDer<'static>,
    key: &PrivatePkcs8KeyDer<'static>,
    verifier: Arc<dyn ClientCertVerifier>,
) -> Result<ServerConfig, Error> {
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![cert.clone()], PrivateKeyDer::Pkcs8(key.clone_key()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// A verifier that checks like its inner one but names other CAs in the
/// CertificateRequest (`tls_foreign_ca_request`).
#[derive(Debug)]
struct OtherHints {
    inner: Arc<dyn ClientCertVerifier>,
    hints: Vec<DistinguishedName>,
}

impl ClientCertVerifier for OtherHints {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        self.inner
            .verify_client_cert(end_entity, intermediates, now)
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

/// The name `tls_wrong_host`'s certificate is for.
pub const WRONG_HOST: &str = "other-host.invalid";

/// The TLS faults' configurations for webra2 and webra1: made once, on
/// first use, from the world's PKI (the web root signs the expired and
/// wrong-host certificates) and an unrelated PKI (the interceptor's CA and
/// the foreign client CA).
pub(crate) struct FaultTls {
    acceptors: Vec<((Role, FaultKind), TlsAcceptor)>,
}

impl std::fmt::Debug for FaultTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultTls")
            .field(
                "faults",
                &self.acceptors.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl FaultTls {
    /// Builds every configuration.
    pub fn new(pki: &Pki) -> Result<Self, MockError> {
        let pki_err = |role: Role| {
            move |e: rcgen::Error| MockError::Tls {
                role: role.as_str(),
                source: e.into(),
            }
        };
        let foreign = Pki::generate_named(PkiNames::foreign(), KeyType::P256, pki.now)?;
        let foreign_hint = x509_parser::parse_x509_certificate(foreign.client_root.der())
            .map(|(_, c)| DistinguishedName::from(c.subject().as_raw().to_vec()))
            .map_err(|e| MockError::Tls {
                role: Role::Webra2.as_str(),
                source: format!("foreign client root: {e}").into(),
            })?;
        let real_now = certs_gen::truncate_to_seconds(OffsetDateTime::now_utc());
        let (early, late) = (real_now.min(pki.now), real_now.max(pki.now));
        let mut acceptors = Vec::new();
        for (role, theirs) in [
            (Role::Webra2, &foreign.webra2_server),
            (Role::Webra1, &foreign.webra1_server),
        ] {
            let own = serving_cert(pki, role)?;
            let host = match role {
                Role::Webra2 => WEBRA2_HOST,
                _ => WEBRA1_HOST,
            };
            let expired = server_cert(
                pki,
                &[host, "localhost", "127.0.0.1"],
                early - Duration::days(366),
                early - Duration::days(1),
            )
            .map_err(pki_err(role))?;
            let wrong = server_cert(
                pki,
                &[WRONG_HOST],
                early - Duration::days(400),
                late + Duration::days(800),
            )
            .map_err(pki_err(role))?;
            let configs = [
                (
                    FaultKind::TlsUnknownCa,
                    config_for(pki, role, &theirs.cert, &theirs.key, None)?,
                ),
                (
                    FaultKind::TlsExpired,
                    config_for(pki, role, &expired.0, &expired.1, None)?,
                ),
                (
                    FaultKind::TlsWrongHost,
                    config_for(pki, role, &wrong.0, &wrong.1, None)?,
                ),
                (
                    FaultKind::TlsForeignCaRequest,
                    config_for(pki, role, &own.0, &own.1, Some(vec![foreign_hint.clone()]))?,
                ),
            ];
            for (kind, config) in configs {
                acceptors.push(((role, kind), TlsAcceptor::from(config)));
            }
        }
        Ok(Self { acceptors })
    }

    /// The acceptor for a TLS fault on a role, if it changes the handshake.
    pub fn acceptor(&self, role: Role, kind: FaultKind) -> Option<TlsAcceptor> {
        self.acceptors
            .iter()
            .find(|(k, _)| *k == (role, kind))
            .map(|(_, a)| a.clone())
    }
}

/// A server certificate signed by the web root for `names`, valid between
/// the given instants.
fn server_cert(
    pki: &Pki,
    names: &[&str],
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<(CertificateDer<'static>, PrivatePkcs8KeyDer<'static>), rcgen::Error> {
    let key = KeyPair::generate()?;
    let mut params =
        CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())?;
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(
        rcgen::DnType::OrganizationName,
        pki.names.organization.as_str(),
    );
    dn.push(rcgen::DnType::CommonName, names[0]);
    params.distinguished_name = dn;
    params.not_before = not_before;
    params.not_after = not_after;
    params.serial_number = Some(rcgen::SerialNumber::from_slice(&certs_gen::random_serial()));
    params.is_ca = rcgen::IsCa::ExplicitNoCa;
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let issuer = Issuer::from_ca_cert_der(pki.web_root.der(), pki.web_root.key())?;
    let cert = params.signed_by(&key, &issuer)?;
    Ok((
        cert.der().clone(),
        PrivatePkcs8KeyDer::from(key.serialize_der()),
    ))
}
