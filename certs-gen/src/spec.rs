//! The TOML spec the `certs-gen` CLI reads: key type, "now", and the client
//! identities to make, each with a validity window relative to "now".
//!
//! ```toml
//! key_type = "p256"                  # or "rsa2048"
//! now = "2026-11-25T00:00:00Z"       # default: the current time
//! p12_passphrase = "changeit"
//!
//! [[client]]
//! name = "expired-10d"               # directory under clients/
//! cn = "ACME Trading user01"         # default: the name
//! expires = "-10d"                   # notAfter = now - 10 days
//! lifetime = "365d"                  # notBefore = notAfter - lifetime (default 365d)
//! # not_before = "+1d"               # or an explicit start, relative to now
//! # key_type = "rsa2048"             # default: the PKI's
//! # revoked = true                   # list it on the issuing CA's CRL
//! # ca = "foreign"                   # issue from an unrelated CA (default "test")
//! ```

use serde::Deserialize;
use time::OffsetDateTime;

use fileformat::{Offset, Seg, error_at_path, toml_error};

use crate::error::Error;
use crate::key::KeyType;
use crate::pki::ClientSpec;

/// Passphrase of the PKCS#12 bundles unless the spec says otherwise.
pub const DEFAULT_P12_PASSPHRASE: &str = "changeit";

/// A whole spec file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Key type of the CAs, the servers and (by default) the clients.
    #[serde(default)]
    pub key_type: KeyType,
    /// The time everything is relative to; the current time when absent.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub now: Option<OffsetDateTime>,
    /// Passphrase protecting every PKCS#12 bundle.
    #[serde(default = "default_passphrase")]
    pub p12_passphrase: String,
    /// Client identities to make.
    #[serde(default, rename = "client")]
    pub clients: Vec<ClientEntry>,
}

fn default_passphrase() -> String {
    DEFAULT_P12_PASSPHRASE.to_owned()
}

/// Which CA issues a client identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Issuer {
    /// The test PKI's issuing CA (the one the RA accepts).
    #[default]
    Test,
    /// An unrelated CA: its identities are never offered to the RA (D4.2).
    Foreign,
}

/// One client identity of a spec.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientEntry {
    /// File-system name: letters, digits, `-`, `_` and `.`.
    pub name: String,
    /// Common name; the name when absent.
    pub cn: Option<String>,
    /// notAfter relative to now.
    pub expires: Offset,
    /// notBefore = notAfter - lifetime (default 365 days).
    pub lifetime: Option<Offset>,
    /// notBefore relative to now; overrides `lifetime`.
    pub not_before: Option<Offset>,
    /// Key type; the PKI's when absent.
    pub key_type: Option<KeyType>,
    /// Put it on the issuing CA's CRL.
    #[serde(default)]
    pub revoked: bool,
    /// The CA that issues it.
    #[serde(default)]
    pub ca: Issuer,
}

impl ClientEntry {
    /// A client entry with just a name and an end of validity.
    pub fn new(name: &str, expires: Offset) -> Self {
        Self {
            name: name.to_owned(),
            cn: None,
            expires,
            lifetime: None,
            not_before: None,
            key_type: None,
            revoked: false,
            ca: Issuer::Test,
        }
    }

    /// The certificate this entry describes, at `now`.
    pub fn to_client_spec(&self, now: OffsetDateTime) -> Result<ClientSpec, Error> {
        let not_after = now + self.expires.duration();
        let not_before = match (self.not_before, self.lifetime) {
            (Some(nb), _) => now + nb.duration(),
            (None, Some(l)) => not_after - l.duration(),
            (None, None) => not_after - crate::DEFAULT_CLIENT_LIFETIME,
        };
        if not_after <= not_before {
            return Err(Error::Spec(format!(
                "client `{}`: validity ends before it starts (expires {}, starts {})",
                self.name,
                self.expires,
                Offset(not_before - now)
            )));
        }
        Ok(ClientSpec {
            common_name: self.cn.clone().unwrap_or_else(|| self.name.clone()),
            organization: None,
            not_before,
            not_after,
            key_type: self.key_type,
            serial: None,
        })
    }
}

impl Spec {
    /// The spec `certs-gen --out DIR` uses without `--spec`: identities in the
    /// states the catalogue needs most.
    pub fn default_set() -> Self {
        let o = |s: &str| Offset::parse(s).unwrap_or(Offset(time::Duration::ZERO));
        let mut not_yet = ClientEntry::new("not-yet-valid", o("+366d"));
        not_yet.not_before = Some(o("+1d"));
        let mut revoked = ClientEntry::new("revoked", o("+200d"));
        revoked.revoked = true;
        let mut foreign = ClientEntry::new("foreign-ca", o("+200d"));
        foreign.ca = Issuer::Foreign;
        Self {
            key_type: KeyType::P256,
            now: None,
            p12_passphrase: default_passphrase(),
            clients: vec![
                ClientEntry::new("valid", o("+300d")),
                ClientEntry::new("expired-10d", o("-10d")),
                ClientEntry::new("expired-89d23h", o("-89d23h")),
                ClientEntry::new("expired-90d", o("-90d")),
                ClientEntry::new("expired-400d", o("-400d")),
                not_yet,
                revoked,
                foreign,
            ],
        }
    }

    /// Parses a spec file; every error, serde's or [`Self::check`]'s, names
    /// `path:line:column` and quotes the line.
    pub fn from_toml(path: &str, text: &str) -> Result<Self, Error> {
        let spec: Spec =
            toml::from_str(text).map_err(|e| Error::Spec(toml_error(path, text, &e)))?;
        spec.problem()
            .map_err(|(at, message)| Error::Spec(error_at_path(path, text, &at, &message)))?;
        Ok(spec)
    }

    /// Checks what serde cannot: "now" in the range a PKI can be made
    /// around, names usable as directories and used once, validity windows
    /// that end after they start.
    pub fn check(&self) -> Result<(), Error> {
        self.problem().map_err(|(_, message)| Error::Spec(message))
    }

    /// The first problem [`Self::check`] finds, with the path of the key at
    /// fault in the document.
    fn problem(&self) -> Result<(), (Vec<Seg>, String)> {
        if let Some(now) = self.now {
            crate::now::check_now(now).map_err(|e| (vec![Seg::key("now")], format!("now: {e}")))?;
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, c) in self.clients.iter().enumerate() {
            let at = |key: &str| vec![Seg::key("client"), Seg::Index(i), Seg::key(key)];
            let ok = !c.name.is_empty()
                && c.name != "."
                && c.name != ".."
                && c.name
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch));
            if !ok {
                return Err((
                    at("name"),
                    format!(
                        "client name `{}`: use letters, digits, `-`, `_` and `.` only",
                        c.name
                    ),
                ));
            }
            if !seen.insert(c.name.as_str()) {
                return Err((
                    at("name"),
                    format!("client name `{}` is used twice", c.name),
                ));
            }
            // The window, as offsets from any "now".
            let end = c.expires.duration();
            let (start, key) = match (c.not_before, c.lifetime) {
                (Some(nb), _) => (nb.duration(), "not_before"),
                (None, Some(l)) => (end - l.duration(), "lifetime"),
                (None, None) => (end - crate::DEFAULT_CLIENT_LIFETIME, "expires"),
            };
            if end <= start {
                return Err((
                    at(key),
                    format!(
                        "client `{}`: validity ends before it starts (expires {}, starts {})",
                        c.name,
                        c.expires,
                        Offset(start)
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_name_file_line_and_column() {
        let text =
            "key_type = \"p256\"\n[[client]]\nname = \"a\"\nexpires = \"-10d\"\nexpirez = 1\n";
        let err = Spec::from_toml("spec.toml", text).unwrap_err().to_string();
        assert!(
            err.starts_with("spec.toml:5:1: unknown field `expirez`"),
            "{err}"
        );
    }

    #[test]
    fn bad_offsets_point_at_the_value() {
        let text = "[[client]]\nname = \"a\"\nexpires = \"10 days\"\n";
        let err = Spec::from_toml("s.toml", text).unwrap_err().to_string();
        assert!(
            err.starts_with("s.toml:3:11: invalid time offset `10 days`"),
            "{err}"
        );
    }

    #[test]
    fn bad_names_and_duplicates_are_refused() {
        let text = "[[client]]\nname = \"../x\"\nexpires = \"-1d\"\n";
        assert!(Spec::from_toml("s", text).is_err());
        let text = "[[client]]\nname = \"a\"\nexpires = \"-1d\"\n[[client]]\nname = \"a\"\nexpires = \"-2d\"\n";
        let err = Spec::from_toml("s", text).unwrap_err().to_string();
        assert!(err.contains("used twice"), "{err}");
    }

    #[test]
    fn a_window_that_ends_before_it_starts_is_refused() {
        let mut c = ClientEntry::new("x", Offset::parse("+1d").unwrap());
        c.not_before = Some(Offset::parse("+2d").unwrap());
        assert!(c.to_client_spec(OffsetDateTime::now_utc()).is_err());
    }
}
