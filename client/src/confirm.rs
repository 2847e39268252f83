//! The confirmation page (D5.1, D6.11): `GET https://webra1/scira/doc/ymfg/`
//! with a client certificate; success is a 200 page carrying the marker
//! `<meta name="certrenew-confirm" content="ok">`.
//!
//! Like a browser, the identity is chosen during the handshake from the CA
//! names of webra1's CertificateRequest (D4.2 rules), unless `--select`
//! names one. With `--ssl-state DIR` the client behaves like a browser that
//! remembers, per site, which certificate it presented: a later visit
//! presents that one again even when a newer one exists (D6.11), until the
//! state is cleared (`--clear-ssl-state`, the manual's remedy). Within one
//! process a [`Browser`] reuses one TLS configuration, so visits resume the
//! TLS session.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rustls::ClientConfig;
use rustls::client::ResolvesClientCert;
use rustls::sign::CertifiedKey;
use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::net::{self, Net, NetError, NetErrorKind};
use crate::selection::{self, CaNames, NoCertificate};
use crate::store::StoredIdentity;

/// The confirmation page's path (D3.3).
pub const CONFIRM_PATH: &str = "/scira/doc/ymfg/";
/// The success marker (docs/protocol.md 3.1).
pub const MARKER_OK: &str = r#"<meta name="certrenew-confirm" content="ok">"#;

/// Why the page did not confirm.
#[derive(Debug, Clone, thiserror::Error)]
pub enum NotConfirmed {
    /// No certificate could be presented.
    NoIdentity {
        /// The site.
        host: String,
        /// Why (the selection rules of D4.2).
        why: NoCertificate,
    },
    /// The page could not be fetched (connection, handshake refused, ...).
    Unreachable(NetError),
    /// The page was fetched but does not show success.
    Page {
        /// The URL.
        url: String,
        /// The HTTP status.
        status: u16,
    },
}

/// The remembered choice for one site
/// (`--ssl-state DIR/certrenew-ssl-state.<host>.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remembered {
    /// The site.
    pub host: String,
    /// The store id of the identity presented.
    pub identity: String,
    /// Its serial, for people.
    pub serial: String,
}

/// The prefix of every file certrenew writes in an SSL-state directory:
/// clearing removes these and nothing else (the directory is the user's).
const STATE_PREFIX: &str = "certrenew-ssl-state.";

/// A browser's SSL state: the identity remembered per site.
#[derive(Debug, Clone)]
pub struct SslState {
    dir: PathBuf,
}

impl SslState {
    /// Opens (creating it) the state directory; `clear` first removes the
    /// state files certrenew wrote there, and only those.
    pub fn open(dir: &Path, clear: bool) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        if clear {
            for e in std::fs::read_dir(dir)?.flatten() {
                let name = e.file_name();
                let name = name.to_string_lossy();
                let ours = name.starts_with(STATE_PREFIX) && name.ends_with(".json");
                if ours && e.file_type().is_ok_and(|t| t.is_file()) {
                    std::fs::remove_file(e.path())?;
                }
            }
        }
        Ok(Self {
            dir: dir.to_path_buf(),
        })
    }

    fn path(&self, host: &str) -> PathBuf {
        self.dir.join(format!("{STATE_PREFIX}{host}.json"))
    }

    /// What is remembered for `host`.
    pub fn remembered(&self, host: &str) -> Option<Remembered> {
        let bytes = std::fs::read(self.path(host)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Remembers the identity presented to `host` (replacing what was there).
    pub fn remember(&self, r: &Remembered) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(r).map_err(std::io::Error::other)?;
        let path = self.path(&r.host);
        let tmp = self.dir.join(format!(
            ".{STATE_PREFIX}{}.{}.tmp",
            r.host,
            std::process::id()
        ));
        std::fs::write(&tmp, json)?;
        std::fs::rename(&tmp, &path)
    }
}

/// One identity a browser can present.
#[derive(Debug, Clone)]
pub struct Presentable {
    /// As stored.
    pub identity: StoredIdentity,
    /// Ready for rustls.
    pub key: Arc<CertifiedKey>,
}

/// Chooses the certificate during the handshake, as a browser does.
#[derive(Debug)]
struct BrowserResolver {
    ids: Vec<Presentable>,
    clock: Clock,
    select: Option<String>,
    remembered: Mutex<Option<String>>,
    presented: Mutex<Option<StoredIdentity>>,
    failure: Mutex<Option<NoCertificate>>,
}

impl BrowserResolver {
    fn choose(&self, hints: &[&[u8]]) -> Result<&Presentable, NoCertificate> {
        if let Some(id) = self.remembered.lock().ok().and_then(|g| g.clone())
            && let Some(p) = self.ids.iter().find(|p| p.identity.id == id)
        {
            return Ok(p);
        }
        let names = CaNames::from_hints(hints);
        let now = self.clock.now();
        if let Some(serial) = &self.select {
            let want = crate::cert::normalize_serial(serial);
            let p = self
                .ids
                .iter()
                .find(|p| crate::cert::normalize_serial(&p.identity.cert.serial) == want)
                .ok_or_else(|| NoCertificate::SerialNotFound(serial.clone()))?;
            selection::check(&p.identity, &names, now).map_err(|why| {
                NoCertificate::Ineligible {
                    serial: p.identity.cert.serial.clone(),
                    why,
                }
            })?;
            return Ok(p);
        }
        let stored: Vec<StoredIdentity> = self.ids.iter().map(|p| p.identity.clone()).collect();
        let chosen = selection::select(
            &stored,
            &names,
            now,
            &selection::Choice::Default,
            &mut crate::prompt::NoQuestions,
        )?;
        self.ids
            .iter()
            .find(|p| p.identity.id == chosen.id)
            .ok_or(NoCertificate::EmptyStore)
    }
}

impl ResolvesClientCert for BrowserResolver {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        _sigschemes: &[rustls::SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        match self.choose(root_hint_subjects) {
            Ok(p) => {
                if let Ok(mut g) = self.presented.lock() {
                    *g = Some(p.identity.clone());
                }
                Some(p.key.clone())
            }
            Err(why) => {
                if let Ok(mut g) = self.failure.lock() {
                    *g = Some(why);
                }
                None
            }
        }
    }

    fn has_certs(&self) -> bool {
        !self.ids.is_empty()
    }
}

/// One visit's result.
#[derive(Debug, Clone)]
pub struct Visit {
    /// The identity presented in this visit's handshake (`None` when the
    /// session was resumed and no certificate was asked for).
    pub presented: Option<StoredIdentity>,
    /// The outcome.
    pub result: Result<u16, NotConfirmed>,
}

/// A browser-like client of the confirmation page.
pub struct Browser {
    config: ClientConfig,
    resolver: Arc<BrowserResolver>,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser")
            .field("resolver", &self.resolver)
            .finish_non_exhaustive()
    }
}

impl Browser {
    /// A browser holding `ids`; `select` forces a serial; `remembered` is
    /// the identity id the SSL state holds for the site.
    pub fn new(
        net: &Net,
        ids: Vec<Presentable>,
        clock: Clock,
        select: Option<String>,
        remembered: Option<String>,
    ) -> Result<Self, NetError> {
        let resolver = Arc::new(BrowserResolver {
            ids,
            clock,
            select,
            remembered: Mutex::new(remembered),
            presented: Mutex::new(None),
            failure: Mutex::new(None),
        });
        let config = net.tls(Some(resolver.clone() as Arc<dyn ResolvesClientCert>))?;
        Ok(Self { config, resolver })
    }

    /// Visits the confirmation page once (a new connection; the TLS session
    /// of an earlier visit in this process is resumed when the server allows).
    pub async fn visit(&self, net: &Net) -> Visit {
        if let Ok(mut g) = self.resolver.presented.lock() {
            *g = None;
        }
        if let Ok(mut g) = self.resolver.failure.lock() {
            *g = None;
        }
        let result = self.fetch(net).await;
        let presented = self.resolver.presented.lock().ok().and_then(|g| g.clone());
        let failure = self.resolver.failure.lock().ok().and_then(|g| g.clone());
        let result = match (result, failure) {
            (Err(NotConfirmed::Unreachable(e)), Some(why))
                if matches!(
                    e.kind,
                    NetErrorKind::Tls { .. } | NetErrorKind::Connect(_) | NetErrorKind::Dropped(_)
                ) =>
            {
                Err(NotConfirmed::NoIdentity {
                    host: net::WEBRA1_HOST.into(),
                    why,
                })
            }
            (r, _) => r,
        };
        if let Some(p) = &presented
            && let Ok(mut g) = self.resolver.remembered.lock()
        {
            *g = Some(p.id.clone());
        }
        Visit { presented, result }
    }

    async fn fetch(&self, net: &Net) -> Result<u16, NotConfirmed> {
        let url = net::parse_url(&format!("https://{}{CONFIRM_PATH}", net::WEBRA1_HOST))
            .map_err(NotConfirmed::Unreachable)?;
        let client = net
            .client(&url, self.config.clone())
            .map_err(NotConfirmed::Unreachable)?;
        let resp = client
            .get(url.clone())
            .send()
            .await
            .map_err(|e| NotConfirmed::Unreachable(net.classify(&url, &e)))?;
        let status = resp.status().as_u16();
        let body = net::read_body(resp, net::Limit::ConfirmationPage)
            .await
            .map_err(|e| NotConfirmed::Unreachable(net.err(&url, e.kind())))?;
        let body = String::from_utf8_lossy(&body);
        if status == 200 && body.contains(MARKER_OK) {
            Ok(status)
        } else {
            Err(NotConfirmed::Page {
                url: url.to_string(),
                status,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssl_state_remembers_and_clears() {
        let dir = tempfile::tempdir().unwrap();
        let s = SslState::open(dir.path(), false).unwrap();
        assert_eq!(s.remembered("webra1.secomtrust.net"), None);
        let r = Remembered {
            host: "webra1.secomtrust.net".into(),
            identity: "abc-01".into(),
            serial: "01".into(),
        };
        s.remember(&r).unwrap();
        assert_eq!(s.remembered("webra1.secomtrust.net"), Some(r.clone()));
        let again = SslState::open(dir.path(), false).unwrap();
        assert_eq!(again.remembered("webra1.secomtrust.net"), Some(r));
        let cleared = SslState::open(dir.path(), true).unwrap();
        assert_eq!(cleared.remembered("webra1.secomtrust.net"), None);
    }

    #[test]
    fn clearing_removes_only_what_certrenew_wrote() {
        let dir = tempfile::tempdir().unwrap();
        // The user's own files in the directory they named.
        std::fs::write(dir.path().join("settings.json"), b"{}").unwrap();
        std::fs::write(dir.path().join("webra1.secomtrust.net.json"), b"{}").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"x").unwrap();
        std::fs::create_dir(dir.path().join("certrenew-ssl-state.sub.json")).unwrap();
        let s = SslState::open(dir.path(), false).unwrap();
        s.remember(&Remembered {
            host: "webra1.secomtrust.net".into(),
            identity: "abc-01".into(),
            serial: "01".into(),
        })
        .unwrap();
        let cleared = SslState::open(dir.path(), true).unwrap();
        assert_eq!(cleared.remembered("webra1.secomtrust.net"), None);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "certrenew-ssl-state.sub.json",
                "notes.txt",
                "settings.json",
                "webra1.secomtrust.net.json"
            ]
        );
    }
}
