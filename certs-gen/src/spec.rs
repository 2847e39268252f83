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

use crate::{ClientSpec, Error, KeyType, Offset};

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
            crate::check_now(now).map_err(|e| (vec![Seg::key("now")], format!("now: {e}")))?;
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

/// Formats a TOML error as `path:line:column: message` with the line quoted.
pub fn toml_error(path: &str, text: &str, err: &toml::de::Error) -> String {
    let message = err.message().trim_end();
    match err.span() {
        Some(span) => error_at(path, text, span.start, message),
        None => format!("{path}: {message}"),
    }
}

/// `path:line:column: message`, then the line at `offset` quoted with a
/// caret under the column: how every file error of the workspace reads.
/// Values of password-like keys anywhere in the file are masked by the one
/// rule of [`crate::redact`], in the quote (a line inside a multi-line
/// password included) and in the message, so a typo in a file that holds a
/// password never prints it.
pub fn error_at(path: &str, text: &str, offset: usize, message: &str) -> String {
    let (line, column) = line_column(text, offset);
    let spans = crate::redact::secret_spans(text);
    let range = line_range(text, line);
    let quoted = crate::redact::mask_range(text, range, &spans);
    let message = crate::redact::mask_message(message, &crate::redact::secret_forms(text, &spans));
    format!(
        "{path}:{line}:{column}: {message}\n  |\n{line:>3} | {quoted}\n  | {caret:>width$}",
        caret = "^",
        width = column
    )
}

/// The byte range of 1-based line `line` of `text`, without its line break.
fn line_range(text: &str, line: usize) -> std::ops::Range<usize> {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len()..text.len(),
        }
    }
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let end = if text[start..end].ends_with('\r') {
        end - 1
    } else {
        end
    };
    start..end
}

/// One step of a path into a TOML document: a key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A table key.
    Key(String),
    /// An array element.
    Index(usize),
}

impl Seg {
    /// A key step.
    pub fn key(k: &str) -> Self {
        Seg::Key(k.to_owned())
    }
}

/// The byte offset of the value `path` leads to in `text` (as far as the
/// path exists; the document's start when nothing of it does), or `None`
/// when `text` is not TOML.
pub fn offset_of(text: &str, path: &[Seg]) -> Option<usize> {
    let root = toml::de::DeTable::parse(text).ok()?;
    let mut span = root.span();
    let mut table = root.get_ref();
    let mut value: Option<&toml::de::DeValue<'_>> = None;
    for seg in path {
        let next = match (seg, value) {
            (Seg::Key(k), None) => table.get(k.as_str()),
            (Seg::Key(k), Some(v)) => v.as_table().and_then(|t| t.get(k.as_str())),
            (Seg::Index(i), Some(v)) => v.as_array().and_then(|a| a.get(*i)),
            (Seg::Index(_), None) => None,
        };
        let Some(next) = next else { break };
        span = next.span();
        value = Some(next.get_ref());
        if let Some(t) = next.get_ref().as_table() {
            table = t;
        }
    }
    Some(span.start)
}

/// A semantic error at the value `path` points to, in the form of
/// [`error_at`] (`file: message` when the text is not TOML).
pub fn error_at_path(file: &str, text: &str, path: &[Seg], message: &str) -> String {
    match offset_of(text, path) {
        Some(offset) => error_at(file, text, offset, message),
        None => format!("{file}: {message}"),
    }
}

/// One TOML line with the value of every password-like key masked by
/// the rule of [`crate::redact`]; also the masked values' forms, longest
/// first.
pub fn mask_secrets(line: &str) -> (String, Vec<String>) {
    let spans = crate::redact::secret_spans(line);
    let masked = crate::redact::mask_range(line, 0..line.len(), &spans);
    let forms = crate::redact::secret_forms(line, &spans)
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    (masked, forms)
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = text
        .get(line_start..offset)
        .map(|s| s.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
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

    #[test]
    fn password_values_never_reach_an_error() {
        for (line, secret) in [
            ("password = 12345678", "12345678"),
            (r#"pasword = "Sup3r-secret""#, "Sup3r-secret"),
            (
                r#"password_change = [{ at = "soon", password = "N3w-secret" }]"#,
                "N3w-secret",
            ),
            ("passphrase = 'changeit'", "changeit"),
            (
                r#"admin = { action = "change_password", account = "acme", password = "Ne\"w" }"#,
                "Ne\\\"w",
            ),
            (r#"  pwd="x-1", other = 2"#, "x-1"),
        ] {
            let text = format!("[x]\n{line}\n");
            let message = format!("invalid type: integer `{secret}`, expected a string");
            let shown = error_at("f.toml", &text, 4 + line.len() / 2, &message);
            assert!(!shown.contains(secret), "{line}: {shown}");
            assert!(shown.starts_with("f.toml:2:"), "{shown}");
            assert!(shown.contains("***"), "{shown}");
        }
        // Other values stay as written.
        let (line, secrets) = mask_secrets(r#"message = "550:...", exit = 5"#);
        assert_eq!(line, r#"message = "550:...", exit = 5"#);
        assert!(secrets.is_empty());
        let (line, _) = mask_secrets(r#"password_change = [{ at = "-30d", password = "b" }]"#);
        assert_eq!(
            line,
            r#"password_change = [{ at = "-30d", password = *** }]"#
        );
    }

    #[test]
    fn line_column_counts_characters() {
        let text = "a\nパスワード = x\n";
        let offset = text.find('x').unwrap();
        assert_eq!(line_column(text, offset), (2, 9));
    }
}
