//! Identities provisioned by hand on a target that has no state-change
//! endpoint: the profile maps a case's account names to certificate and key
//! files, with the password read from an environment variable or a file
//! (never from the profile). A case runs on them only when its world asks
//! for nothing else than such accounts, each with one certificate whose
//! expiry and common name the provisioned one matches; every other case is
//! skipped with the reason, never run against a world it did not get.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use time::OffsetDateTime;

use crate::target::IdentityPems;

/// Why a provisioned identity cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    /// The entry names both password sources, or neither.
    #[error("identity `{name}`: give exactly one of password_env and password_file")]
    PasswordSources {
        /// The identity.
        name: String,
    },
    /// The password's variable is not set.
    #[error("identity `{name}`: ${var} (its password) is not set")]
    PasswordEnv {
        /// The identity.
        name: String,
        /// The variable.
        var: String,
        /// What the environment said.
        #[source]
        source: std::env::VarError,
    },
    /// No password source at all.
    #[error("identity `{name}`: no password source")]
    NoPassword {
        /// The identity.
        name: String,
    },
    /// A file of the identity could not be read.
    #[error("identity `{name}`: {}: {source}", path.display())]
    Read {
        /// The identity.
        name: String,
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The certificate file holds no certificate that parses.
    #[error("identity `{name}`: {}: {source}", path.display())]
    Cert {
        /// The identity.
        name: String,
        /// The certificate file.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        source: CertError,
    },
}

/// Why a PEM text gave no certificate.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    /// No certificate in it.
    #[error("no certificate in it")]
    Missing,
    /// The first one is not PEM.
    #[error("{0}")]
    Pem(#[source] rustls_pki_types::pem::Error),
    /// The first one does not parse as a certificate.
    #[error("{0}")]
    Parse(#[source] certs_gen::info::ParseError),
}

/// How far a provisioned certificate's notAfter may be from the one the
/// case's world asks for (`expires`, relative to now). Boundary cases ask
/// for a precise one and are skipped unless it is provisioned to match.
pub const EXPIRY_TOLERANCE: time::Duration = time::Duration::DAY;

/// `[[identity]]` of a target profile.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvisionedIdentity {
    /// The account (or identity) name the case files use: `acme`.
    pub name: String,
    /// Its certificate, PEM.
    pub cert: PathBuf,
    /// Its private key, PEM (PKCS#8).
    pub key: PathBuf,
    /// The CA certificates above it, PEM; the issuing CA first, the root
    /// last.
    #[serde(default)]
    pub chain: Option<PathBuf>,
    /// An environment variable holding the account's password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// A file holding the account's password (its first line).
    #[serde(default)]
    pub password_file: Option<PathBuf>,
}

impl ProvisionedIdentity {
    /// Makes the paths relative to the profile's directory absolute.
    pub fn resolve_paths(&mut self, dir: &Path) {
        for p in [
            Some(&mut self.cert),
            Some(&mut self.key),
            self.chain.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        }
        if let Some(p) = &mut self.password_file
            && p.is_relative()
        {
            *p = dir.join(&*p);
        }
    }

    /// What is wrong with the entry itself, for the profile's error.
    pub fn check(&self) -> Result<(), ProvisionError> {
        match (&self.password_env, &self.password_file) {
            (Some(_), None) | (None, Some(_)) => Ok(()),
            _ => Err(ProvisionError::PasswordSources {
                name: self.name.clone(),
            }),
        }
    }

    fn password(&self) -> Result<String, ProvisionError> {
        if let Some(var) = &self.password_env {
            return std::env::var(var).map_err(|source| ProvisionError::PasswordEnv {
                name: self.name.clone(),
                var: var.clone(),
                source,
            });
        }
        if let Some(file) = &self.password_file {
            let text = std::fs::read_to_string(file).map_err(|source| ProvisionError::Read {
                name: self.name.clone(),
                path: file.clone(),
                source,
            })?;
            return Ok(text.lines().next().unwrap_or_default().to_owned());
        }
        Err(ProvisionError::NoPassword {
            name: self.name.clone(),
        })
    }

    fn read(&self) -> Result<(IdentityPems, certs_gen::info::CertInfo), ProvisionError> {
        let read = |p: &Path| {
            std::fs::read_to_string(p).map_err(|source| ProvisionError::Read {
                name: self.name.clone(),
                path: p.to_path_buf(),
                source,
            })
        };
        let cert_pem = read(&self.cert)?;
        let key_pem = read(&self.key)?;
        let chain_pem = match &self.chain {
            Some(p) => read(p)?,
            None => String::new(),
        };
        let info = first_cert(&cert_pem)
            .and_then(|der| certs_gen::info::CertInfo::from_der(&der).map_err(CertError::Parse))
            .map_err(|source| ProvisionError::Cert {
                name: self.name.clone(),
                path: self.cert.clone(),
                source,
            })?;
        Ok((
            IdentityPems {
                cert_pem,
                key_pem,
                chain_pem,
                serial: info.serial.clone(),
            },
            info,
        ))
    }
}

fn first_cert(pem: &str) -> Result<Vec<u8>, CertError> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .next()
        .ok_or(CertError::Missing)?
        .map(|d| d.to_vec())
        .map_err(CertError::Pem)
}

/// The identities and passwords a case gets from the profile.
#[derive(Debug, Default)]
pub struct Provision {
    /// By the case's names.
    pub identities: BTreeMap<String, IdentityPems>,
    /// The case's password of each account -> the provisioned one.
    pub passwords: BTreeMap<String, String>,
    /// The issuing CA and the root, from the first identity's chain.
    pub issuing_ca_pem: String,
    /// The client-CA root.
    pub client_root_pem: String,
    /// Repo1's path of the issuing CA's CRL (the identity's distribution
    /// point).
    pub issuing_ca_crl_path: String,
    /// The repository's path of the root's CRL (the issuing CA's
    /// distribution point).
    pub root_crl_path: String,
}

/// `/path` of an `http://host/path` URL.
fn url_path(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/')
        .map_or_else(|| "/".to_owned(), |i| rest[i..].to_owned())
}

/// The first CRL distribution point of the first certificate in `pem`, as
/// a path.
fn crl_path(pem: &str) -> String {
    first_cert(pem)
        .ok()
        .and_then(|der| certs_gen::info::crl_urls(&der).into_iter().next())
        .map(|u| url_path(&u))
        .unwrap_or_default()
}

/// An account's common name, password and certificate expiry, as the
/// world asks for them.
type Wanted = (Option<String>, Option<String>, Option<String>);

/// What of the world the provisioned identities cannot give: `(what,
/// needs)` for each part; empty when the case can run on them.
pub type Missing = Vec<(String, String)>;

/// Plans a case on provisioned identities: what it would get, or why it
/// cannot run. `world` is the case's world tables as JSON
/// ([`crate::remote::world_json`]), `names` the identities its `[client]`
/// installs, `now` the time its `expires` offsets count from.
pub fn plan(
    provisioned: &[ProvisionedIdentity],
    world: &serde_json::Value,
    names: &[String],
    now: OffsetDateTime,
) -> Result<Provision, Missing> {
    let needs = |what: String| (what, "states".to_owned());
    let mut missing = Missing::new();
    let empty = serde_json::Map::new();
    let tables = world.as_object().unwrap_or(&empty);
    for key in tables.keys() {
        match key.as_str() {
            "account" => {}
            "pki" if tables["pki"].get("key_type").is_none_or(|k| k == "p256") => {}
            other => missing.push(needs(format!("the world's `{other}`"))),
        }
    }
    // Each account's common name, password and certificate expiry.
    let mut wanted: BTreeMap<String, Wanted> = BTreeMap::new();
    for account in tables
        .get("account")
        .and_then(|a| a.as_array())
        .into_iter()
        .flatten()
    {
        let id = account["id"].as_str().unwrap_or_default().to_owned();
        for key in account.as_object().into_iter().flat_map(|a| a.keys()) {
            if !["id", "cn", "password", "certificate"].contains(&key.as_str()) {
                missing.push(needs(format!("account `{id}`: `{key}`")));
            }
        }
        let certs = account["certificate"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if certs.len() != 1 {
            missing.push(needs(format!(
                "account `{id}`: {} certificates (provisioned: one)",
                certs.len()
            )));
        }
        let expires = certs.first().and_then(|c| {
            for key in c.as_object().into_iter().flat_map(|c| c.keys()) {
                if key != "expires" {
                    missing.push(needs(format!("account `{id}`: certificate `{key}`")));
                }
            }
            c["expires"].as_str().map(str::to_owned)
        });
        wanted.insert(
            id,
            (
                account["cn"].as_str().map(str::to_owned),
                account["password"].as_str().map(str::to_owned),
                expires,
            ),
        );
    }
    for name in names {
        if !wanted.contains_key(name) {
            missing.push(needs(format!("identity `{name}` outside an account")));
        }
    }
    let mut out = Provision::default();
    for (id, (cn, password, expires)) in &wanted {
        let Some(p) = provisioned.iter().find(|p| &p.name == id) else {
            missing.push(needs(format!(
                "account `{id}` (no [[identity]] in the profile)"
            )));
            continue;
        };
        let (pems, info) = match p.read() {
            Ok(x) => x,
            Err(e) => {
                missing.push((e.to_string(), "a readable identity".to_owned()));
                continue;
            }
        };
        if let Some(cn) = cn
            && !info.subject.split(',').any(|rdn| rdn == format!("CN={cn}"))
        {
            missing.push(needs(format!(
                "account `{id}`: common name `{cn}` (provisioned: {})",
                info.subject
            )));
        }
        if let Some(expires) = expires {
            match fileformat::Offset::parse(expires) {
                Ok(offset) => {
                    let asked = now + offset.duration();
                    if (info.not_after - asked).abs() > EXPIRY_TOLERANCE {
                        missing.push(needs(format!(
                            "account `{id}`: a certificate ending at now {expires} \
                             (provisioned: ends {})",
                            mock_ra::rfc3339(info.not_after)
                        )));
                    }
                }
                Err(e) => missing.push(needs(format!("account `{id}`: expires: {e}"))),
            }
        }
        match p.password() {
            Ok(real) => {
                if let Some(written) = password {
                    out.passwords.insert(written.clone(), real);
                }
            }
            Err(e) => missing.push((e.to_string(), "its password".to_owned())),
        }
        if out.client_root_pem.is_empty() {
            let certs: Vec<&str> = pems
                .chain_pem
                .split_inclusive("-----END CERTIFICATE-----")
                .filter(|c| c.contains("BEGIN CERTIFICATE"))
                .collect();
            out.issuing_ca_pem = certs
                .first()
                .map(|c| c.trim().to_owned())
                .unwrap_or_default();
            out.client_root_pem = certs
                .last()
                .map(|c| c.trim().to_owned())
                .unwrap_or_default();
            out.issuing_ca_crl_path = crl_path(&pems.cert_pem);
            out.root_crl_path = crl_path(&out.issuing_ca_pem);
        }
        out.identities.insert(id.clone(), pems);
    }
    if missing.is_empty() {
        Ok(out)
    } else {
        Err(missing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_s_path_is_what_follows_its_host() {
        assert_eq!(
            url_path("http://repo1.secomtrust.net/sppca/testca1/testca1.crl"),
            "/sppca/testca1/testca1.crl"
        );
        assert_eq!(url_path("http://repository.secomtrust.net"), "/");
    }
}
