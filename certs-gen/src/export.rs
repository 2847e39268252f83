//! Writing a generated PKI to a directory, with a JSON manifest of every file.
//!
//! ```text
//! DIR/manifest.json
//! DIR/web/root.{pem,der}                the web root (trust it for the servers)
//! DIR/web/{webra2,webra1}.{pem,der}     server certificates
//! DIR/web/{webra2,webra1}.key.pem       their keys (0600)
//! DIR/client-ca/root.{pem,der}          the client-CA root (D4.5 thumbprint)
//! DIR/client-ca/root-crl.{pem,der}      its CRL
//! DIR/client-ca/issuing.{pem,der}       the issuing CA
//! DIR/client-ca/issuing-crl.{pem,der}   its CRL
//! DIR/clients/NAME/cert.{pem,der}       a client certificate
//! DIR/clients/NAME/key.pem              its key, PKCS#8 (0600)
//! DIR/clients/NAME/chain.pem            issuing CA + root
//! DIR/clients/NAME/identity.p12         key + certificate + chain (0600)
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};

/// Everything [`Generated::write`] writes at the top of its directory
/// (`certs-gen --force` removes these, and only these, first).
pub const WRITTEN: [&str; 5] = ["manifest.json", "web", "client-ca", "foreign-ca", "clients"];

use serde::Serialize;
use time::OffsetDateTime;

use crate::error::Error;
use crate::identity::Identity;
use crate::info::CertInfo;
use crate::key::KeyType;
use crate::names::PkiNames;
use crate::pki::{Pki, Revocation, RevocationReason};
use crate::spec::{Issuer, Spec};

/// A PKI generated from a spec, not yet written.
#[derive(Debug)]
pub struct Generated {
    /// The test PKI.
    pub pki: Pki,
    /// The unrelated CA, when a client asked for it.
    pub foreign: Option<Pki>,
    /// The client identities, in spec order.
    pub clients: Vec<GeneratedClient>,
    /// Revocations on the issuing CA's CRL.
    pub revocations: Vec<Revocation>,
    /// Passphrase of the PKCS#12 bundles.
    pub p12_passphrase: String,
}

/// One generated client identity.
#[derive(Debug)]
pub struct GeneratedClient {
    /// Its directory name.
    pub name: String,
    /// Key, certificate and chain.
    pub identity: Identity,
    /// Whether it is on the CRL.
    pub revoked: bool,
    /// Which CA issued it.
    pub ca: Issuer,
}

/// The manifest written as `manifest.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// The "now" of the generation.
    #[serde(with = "time::serde::rfc3339")]
    pub now: OffsetDateTime,
    /// Key type of the PKI.
    pub key_type: KeyType,
    /// The client-CA root's SHA-1 in the manual's display form (D4.5).
    pub client_root_sha1: String,
    /// Passphrase of every `identity.p12`.
    pub p12_passphrase: String,
    /// Every file written, relative to the output directory.
    pub files: Vec<ManifestFile>,
}

/// One file of the manifest.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestFile {
    /// Path relative to the output directory, `/`-separated.
    pub path: String,
    /// `certificate`, `key`, `crl` or `pkcs12`.
    pub kind: &'static str,
    /// What it is for: `web-root`, `server:webra2`, `client-root`, `client:NAME`, ...
    pub role: String,
    /// For certificates (PEM and DER both): what x509-cert reads from it.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertInfo>,
}

impl Generated {
    /// Generates everything `spec` describes.
    pub fn from_spec(spec: &Spec) -> Result<Self, Error> {
        spec.check()?;
        let now = crate::truncate_to_seconds(spec.now.unwrap_or_else(OffsetDateTime::now_utc));
        let pki = Pki::generate(spec.key_type, now)?;
        let foreign = if spec.clients.iter().any(|c| c.ca == Issuer::Foreign) {
            Some(Pki::generate_named(
                PkiNames::foreign(),
                spec.key_type,
                now,
            )?)
        } else {
            None
        };
        let mut clients = Vec::new();
        let mut revocations = Vec::new();
        for entry in &spec.clients {
            let issuer = match (entry.ca, &foreign) {
                (Issuer::Foreign, Some(f)) => f,
                _ => &pki,
            };
            let identity = issuer.issue_client(&entry.to_client_spec(now)?)?;
            if entry.revoked && entry.ca == Issuer::Test {
                let info = identity.info()?;
                revocations.push(Revocation {
                    serial: hex::decode(&info.serial).unwrap_or_default(),
                    revoked_at: now,
                    reason: RevocationReason::KeyCompromise,
                });
            }
            clients.push(GeneratedClient {
                name: entry.name.clone(),
                identity,
                revoked: entry.revoked,
                ca: entry.ca,
            });
        }
        Ok(Self {
            pki,
            foreign,
            clients,
            revocations,
            p12_passphrase: spec.p12_passphrase.clone(),
        })
    }

    /// Writes every file under `out` and returns the manifest (also written).
    pub fn write(&self, out: &Path) -> Result<Manifest, Error> {
        let mut w = Writer {
            root: out.to_path_buf(),
            files: Vec::new(),
        };
        let pki = &self.pki;
        w.cert("web/root", "web-root", pki.web_root.der())?;
        for (name, id) in [
            ("webra2", &pki.webra2_server),
            ("webra1", &pki.webra1_server),
        ] {
            w.cert(&format!("web/{name}"), &format!("server:{name}"), &id.cert)?;
            w.secret(
                &format!("web/{name}.key.pem"),
                "key",
                &format!("server:{name}"),
                id.key_pem().as_bytes(),
            )?;
        }
        w.cert("client-ca/root", "client-root", pki.client_root.der())?;
        w.cert("client-ca/issuing", "issuing-ca", pki.issuing_ca.der())?;
        let issuing_crl = pki.issuing_crl(&self.revocations, pki.now, 1)?;
        let root_crl = pki.root_crl(&[], pki.now, 1)?;
        w.crl("client-ca/issuing-crl", "issuing-ca-crl", &issuing_crl)?;
        w.crl("client-ca/root-crl", "client-root-crl", &root_crl)?;
        if let Some(foreign) = &self.foreign {
            w.cert("foreign-ca/root", "foreign-root", foreign.client_root.der())?;
            w.cert(
                "foreign-ca/issuing",
                "foreign-issuing-ca",
                foreign.issuing_ca.der(),
            )?;
        }
        for client in &self.clients {
            let role = format!("client:{}", client.name);
            let dir = format!("clients/{}", client.name);
            w.cert(&format!("{dir}/cert"), &role, &client.identity.cert)?;
            w.secret(
                &format!("{dir}/key.pem"),
                "key",
                &role,
                client.identity.key_pem().as_bytes(),
            )?;
            w.file(
                &format!("{dir}/chain.pem"),
                "certificate",
                &role,
                client.identity.chain_pem().as_bytes(),
                None,
            )?;
            let p12 = client
                .identity
                .to_pkcs12(&self.p12_passphrase, &client.name)?;
            w.secret(&format!("{dir}/identity.p12"), "pkcs12", &role, &p12)?;
        }
        let manifest = Manifest {
            now: pki.now,
            key_type: pki.key_type,
            client_root_sha1: crate::info::sha1_display(pki.client_root.der()),
            p12_passphrase: self.p12_passphrase.clone(),
            files: w.files,
        };
        let json = serde_json::to_vec_pretty(&manifest)
            .map_err(|e| Error::Spec(format!("manifest: {e}")))?;
        write_atomic(&out.join("manifest.json"), &json, false)?;
        Ok(manifest)
    }
}

struct Writer {
    root: PathBuf,
    files: Vec<ManifestFile>,
}

impl Writer {
    fn cert(&mut self, stem: &str, role: &str, der: &[u8]) -> Result<(), Error> {
        let info = CertInfo::from_der(der)?;
        self.file(
            &format!("{stem}.pem"),
            "certificate",
            role,
            crate::pem::certificate(der).as_bytes(),
            Some(info.clone()),
        )?;
        self.file(&format!("{stem}.der"), "certificate", role, der, Some(info))
    }

    fn crl(&mut self, stem: &str, role: &str, der: &[u8]) -> Result<(), Error> {
        self.file(
            &format!("{stem}.pem"),
            "crl",
            role,
            crate::pem::crl(der).as_bytes(),
            None,
        )?;
        self.file(&format!("{stem}.der"), "crl", role, der, None)
    }

    fn file(
        &mut self,
        rel: &str,
        kind: &'static str,
        role: &str,
        bytes: &[u8],
        certificate: Option<CertInfo>,
    ) -> Result<(), Error> {
        write_atomic(&self.root.join(rel), bytes, false)?;
        self.files.push(ManifestFile {
            path: rel.to_owned(),
            kind,
            role: role.to_owned(),
            certificate,
        });
        Ok(())
    }

    fn secret(
        &mut self,
        rel: &str,
        kind: &'static str,
        role: &str,
        bytes: &[u8],
    ) -> Result<(), Error> {
        write_atomic(&self.root.join(rel), bytes, true)?;
        self.files.push(ManifestFile {
            path: rel.to_owned(),
            kind,
            role: role.to_owned(),
            certificate: None,
        });
        Ok(())
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory,
/// fsynced and renamed into place; `secret` files are created 0600 on Unix.
pub fn write_atomic(path: &Path, bytes: &[u8], secret: bool) -> Result<(), Error> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io)?;
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{file_name}.tmp{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let result = (|| {
        let mut f = options.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}
