//! The case-file model: metadata, the client's setup, and the steps with what
//! must follow each, next to the case's world. A case file is parsed once,
//! spans kept: the harness's keys (`mock_ra::World::HARNESS_KEYS`: `[case]`,
//! `[client]`, `[[step]]`) are taken off and checked here; everything else
//! is the world, mock-ra's own configuration, parsed by `mock_ra::World`. So
//! every world key is valid in a case file, and an error in either part
//! names `file:line:column` of the case file.
//!
//! The format is documented for people in `scenarios/README.md`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fileformat::{Offset, Seg, error_at_path, line_column, toml_error};
use mock_ra::World;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use toml::Spanned;

mod check;

pub use check::check_placeholders;

/// A case file that parsed and passed every check.
#[derive(Debug, Clone)]
pub struct Case {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its full text (for the lines of the spans the steps keep).
    pub text: String,
    /// The world: every key but the harness's, as mock-ra reads it.
    pub world: World,
    /// The world's tables as written (for a target that takes a world as
    /// data).
    pub world_tables: toml::Table,
    /// `[case]`.
    pub meta: Meta,
    /// `[client]`.
    pub client: ClientSetup,
    /// `[[step]]`, in order, each with the line it starts on.
    pub steps: Vec<(usize, Step)>,
}

/// `[case]`: what the case is and what it reproduces.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// Must equal the file name without `.toml`.
    pub name: String,
    /// One line a QA engineer reads first.
    pub story: String,
    /// DOMAIN ids this case reproduces (`D6.4`, `E550A`, ...).
    pub reproduces: Vec<String>,
    /// The manual's section, e.g. `3.3`.
    #[serde(default)]
    pub manual: Option<String>,
    /// Run the in-process mock with virtual hosting: webra2 and webra1 on
    /// one HTTPS port (by SNI), repo1 and repository on one HTTP port (by
    /// `Host`).
    #[serde(default)]
    pub vhost: bool,
}

/// `[client]`: the customer's machine before the first step.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSetup {
    /// World identities installed in the client's store (by name).
    #[serde(default)]
    pub identities: Vec<String>,
    /// The client-CA root is already in the store's trust list.
    #[serde(default)]
    pub root_trusted: bool,
    /// Extra certrenew arguments for every certrenew step.
    #[serde(default)]
    pub args: Vec<String>,
}

/// One of the four hosts, as case files name them (`webra2`, `webra1`,
/// `repo1`, `repository`): mock-ra's own host type.
pub use mock_ra::Host;

/// `[[step]]`: exactly one of `certrenew`, `clock`, `admin`, `request`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// A label for reports.
    #[serde(default)]
    pub name: Option<String>,
    /// Run the real certrenew binary with these arguments (after the
    /// harness's own `--store` and connection arguments).
    #[serde(default)]
    pub certrenew: Option<Vec<String>>,
    /// The password, given on stdin with `--password-stdin` (added for you).
    #[serde(default)]
    pub password: Option<String>,
    /// Raw standard input instead.
    #[serde(default)]
    pub stdin: Option<String>,
    /// Hosts the customer's network blocks during this step: the client's
    /// mapping for them points at a port where nothing listens.
    #[serde(default)]
    pub unreachable: Vec<Host>,
    /// The disk is full during this step: writes of any byte fail.
    #[serde(default)]
    pub disk_full: bool,
    /// Move the mock's clock by this offset.
    #[serde(default)]
    pub clock: Option<Offset>,
    /// An administrative change to the mock's state.
    #[serde(default)]
    pub admin: Option<Admin>,
    /// A request straight to a host, past the client's own checks.
    #[serde(default)]
    pub request: Option<Request>,
    /// What must follow.
    #[serde(default)]
    pub expect: Expect,
}

/// What kind of step it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// Runs certrenew.
    Certrenew,
    /// Moves the clock.
    Clock,
    /// Changes state through the admin functions.
    Admin,
    /// Sends one request straight to a host.
    Request,
}

impl Step {
    /// The step's kind (checked at parse time to be exactly one).
    pub fn kind(&self) -> StepKind {
        if self.certrenew.is_some() {
            StepKind::Certrenew
        } else if self.clock.is_some() {
            StepKind::Clock
        } else if self.admin.is_some() {
            StepKind::Admin
        } else {
            StepKind::Request
        }
    }

    /// A one-line description for reports.
    pub fn describe(&self) -> String {
        if let Some(name) = &self.name {
            return name.clone();
        }
        match self.kind() {
            StepKind::Certrenew => {
                format!(
                    "certrenew {}",
                    self.certrenew.as_deref().unwrap_or_default().join(" ")
                )
            }
            StepKind::Clock => format!(
                "clock {}",
                self.clock.map(|c| c.to_string()).unwrap_or_default()
            ),
            StepKind::Admin => match &self.admin {
                Some(a) => format!("admin {a}"),
                None => "admin".into(),
            },
            StepKind::Request => match &self.request {
                Some(r) => format!("request {} {:?} {}", r.method(), r.host, r.path),
                None => "request".into(),
            },
        }
    }
}

/// `admin = { action = "...", ... }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Admin {
    /// Issue a new current certificate for the account; the old one becomes
    /// `reissued` and is revoked.
    Reissue {
        /// Account id.
        account: String,
    },
    /// Set the renewal order's state.
    SetOrder {
        /// Account id.
        account: String,
        /// `not_created`, `ready` or `fetched`.
        order: mock_ra::OrderState,
    },
    /// The customer changes the internet-banking password now.
    ChangePassword {
        /// Account id.
        account: String,
        /// The new password (its `Debug` never shows it, so no report,
        /// transcript or error message can).
        password: SecretString,
    },
    /// Put a fault in force from now on (a `[[fault]]` table inline).
    AddFault {
        /// The fault.
        fault: mock_ra::FaultSpec,
    },
    /// Lift one fault by its name (`<host>-<kind>` unless it was named).
    RemoveFault {
        /// The fault's name.
        name: String,
    },
    /// Lift every fault.
    ClearFaults,
}

impl std::fmt::Display for Admin {
    /// How reports name the step: the action and its target, never a
    /// password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Admin::Reissue { account } => write!(f, "reissue {account}"),
            Admin::SetOrder { account, order } => {
                write!(f, "set_order {account} {}", order.as_str())
            }
            Admin::ChangePassword { account, .. } => write!(f, "change_password {account}"),
            Admin::AddFault { fault } => match &fault.name {
                Some(name) => write!(f, "add_fault {name}"),
                None => write!(f, "add_fault {} {}", fault.host, fault.kind),
            },
            Admin::RemoveFault { name } => write!(f, "remove_fault {name}"),
            Admin::ClearFaults => f.write_str("clear_faults"),
        }
    }
}

impl Admin {
    /// An admin step as the admin API's method, path and body
    /// (mock-ra/README.md, "Admin API").
    pub fn request(&self) -> Result<(&'static str, String, Option<serde_json::Value>), String> {
        Ok(match self {
            Admin::Reissue { account } => ("POST", format!("/accounts/{account}/reissue"), None),
            Admin::SetOrder { account, order } => (
                "PATCH",
                format!("/accounts/{account}"),
                Some(serde_json::json!({ "order": order })),
            ),
            Admin::ChangePassword { account, password } => (
                "PATCH",
                format!("/accounts/{account}"),
                Some(serde_json::json!({ "password": password.expose_secret() })),
            ),
            Admin::AddFault { fault } => (
                "POST",
                "/faults".to_owned(),
                Some(serde_json::to_value(fault).map_err(|e| e.to_string())?),
            ),
            Admin::RemoveFault { name } => ("DELETE", format!("/faults/{name}"), None),
            Admin::ClearFaults => ("DELETE", "/faults".to_owned(), None),
        })
    }
}

/// `request = { host = "webra2", path = "...", ... }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Which host.
    pub host: Host,
    /// `GET` (default without a body) or `POST` (default with one).
    #[serde(default)]
    pub method: Option<String>,
    /// The path.
    pub path: String,
    /// A world identity to present as the TLS client certificate.
    #[serde(default)]
    pub identity: Option<String>,
    /// A JSON body, written as a TOML table.
    #[serde(default)]
    pub json: Option<toml::Value>,
}

impl Request {
    /// The method, defaulted by whether there is a body.
    pub fn method(&self) -> String {
        match (&self.method, &self.json) {
            (Some(m), _) => m.to_ascii_uppercase(),
            (None, Some(_)) => "POST".into(),
            (None, None) => "GET".into(),
        }
    }
}

/// `[step.expect]`: every field is optional; what is given must hold.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// certrenew's exit code.
    #[serde(default)]
    pub exit: Option<Spanned<i32>>,
    /// A line of certrenew's output (stdout or stderr), exactly.
    #[serde(default)]
    pub message: Option<Spanned<String>>,
    /// Substrings that must appear in the output (or a request's body).
    #[serde(default)]
    pub output: Vec<Spanned<String>>,
    /// Substrings that must not appear.
    #[serde(default)]
    pub no_output: Vec<Spanned<String>>,
    /// The server-side causes the journal recorded during the step, in order.
    #[serde(default)]
    pub causes: Option<Spanned<Vec<String>>>,
    /// Substrings that must each appear in some journal line of the step
    /// (`role METHOD path -> status class cause (account) [fault NAME] cert
    /// SERIAL`); placeholders as in `certrenew` arguments (`{serial:NAME}`).
    #[serde(default)]
    pub journal: Vec<Spanned<String>>,
    /// A request step's HTTP status.
    #[serde(default)]
    pub status: Option<Spanned<u16>>,
    /// A request step's problem class (`E550A`, ...).
    #[serde(default)]
    pub class: Option<Spanned<String>>,
    /// certrenew must finish within this time (`"5s"`): a fault must end in
    /// a bounded time, never a hang.
    #[serde(default)]
    pub within: Option<Spanned<Offset>>,
    /// The client's store afterwards.
    #[serde(default)]
    pub store: Option<Spanned<StoreExpect>>,
    /// An account's state afterwards.
    #[serde(default)]
    pub account: Option<Spanned<AccountExpect>>,
}

/// What the client's store holds.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreExpect {
    /// Number of identities in the store.
    #[serde(default)]
    pub identities: Option<usize>,
    /// Number of identities that were not there before the case began.
    #[serde(default)]
    pub new: Option<usize>,
    /// Whether the client-CA root is trusted.
    #[serde(default)]
    pub root_trusted: Option<bool>,
    /// The newest new identity: its key matches its certificate and openssl
    /// verifies its chain to the client-CA root with both CRLs.
    #[serde(default)]
    pub new_verifies: Option<bool>,
    /// The newest new identity's key type as openssl reads it: `p256` or
    /// `rsa2048`.
    #[serde(default)]
    pub new_key: Option<certs_gen::KeyType>,
    /// World identities (by name) that must still be in the store.
    #[serde(default)]
    pub kept: Vec<String>,
}

/// An account's state in the mock.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountExpect {
    /// Account id.
    pub id: String,
    /// `not_created`, `ready` or `fetched`.
    #[serde(default)]
    pub order: Option<mock_ra::OrderState>,
    /// The failure counter.
    #[serde(default)]
    pub failures: Option<u32>,
    /// Whether it is locked.
    #[serde(default)]
    pub locked: Option<bool>,
    /// Number of certificates issued to it by renewal.
    #[serde(default)]
    pub issued: Option<usize>,
}

/// The harness's part of a case file as serde sees it: exactly the keys of
/// `mock_ra::World::HARNESS_KEYS` (a test holds the two together).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    case: Meta,
    #[serde(default)]
    client: ClientSetup,
    #[serde(default)]
    step: Vec<Spanned<Step>>,
}

/// A case file (or a catalogue's `behaviours.toml` or `pending.toml`) that
/// is not valid: which file, and what is wrong. It reads as every file
/// error of the workspace: `file:line:column: message` with the line
/// quoted, wherever the place is known.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CaseError {
    /// The file cannot be read.
    #[error("{}: cannot read: {error}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why (part of the message, not a source: the message is whole).
        error: Arc<std::io::Error>,
    },
    /// A directory of case files cannot be listed.
    #[error("{}: cannot list: {error}", path.display())]
    Unlisted {
        /// The directory.
        path: PathBuf,
        /// Why (part of the message, not a source: the message is whole).
        error: Arc<std::io::Error>,
    },
    /// The text is not valid: `shown` is the whole message, starting with
    /// the file's name (and `:line:column` where the place is known).
    #[error("{shown}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, as shown.
        shown: String,
    },
}

impl CaseError {
    /// The file (or directory) at fault.
    pub fn path(&self) -> &Path {
        match self {
            CaseError::Unreadable { path, .. }
            | CaseError::Unlisted { path, .. }
            | CaseError::Invalid { path, .. } => path,
        }
    }

    pub(crate) fn unreadable(path: &Path, e: std::io::Error) -> Self {
        CaseError::Unreadable {
            path: path.to_path_buf(),
            error: Arc::new(e),
        }
    }

    pub(crate) fn invalid(path: &Path, shown: impl Into<String>) -> Self {
        CaseError::Invalid {
            path: path.to_path_buf(),
            shown: shown.into(),
        }
    }
}

impl Case {
    /// Reads and checks a case file. `known_ids` are the DOMAIN ids a case
    /// may name in `reproduces`.
    pub fn load(path: &Path, known_ids: &BTreeSet<String>) -> Result<Self, CaseError> {
        let text = std::fs::read_to_string(path).map_err(|e| CaseError::unreadable(path, e))?;
        Self::parse(path, text, known_ids)
    }

    /// Checks a case file's text.
    pub fn parse(
        path: &Path,
        text: String,
        known_ids: &BTreeSet<String>,
    ) -> Result<Self, CaseError> {
        let shown = path.display().to_string();
        let invalid = |message: String| CaseError::invalid(path, message);
        // Parsed once: the harness's keys off, the rest is the world.
        let mut document =
            toml::de::DeTable::parse(&text).map_err(|e| invalid(toml_error(&shown, &text, &e)))?;
        let harness = World::take_harness_keys(&mut document);
        let raw = RawCase::deserialize(toml::de::Deserializer::from(harness))
            .map_err(|e| invalid(toml_error(&shown, &text, &e)))?;
        let at = |offset: usize| {
            let (line, column) = line_column(&text, offset);
            format!("{shown}:{line}:{column}")
        };
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let at_path =
            |path: &[Seg], message: String| invalid(error_at_path(&shown, &text, path, &message));
        if raw.case.name != stem {
            return Err(at_path(
                &[Seg::key("case"), Seg::key("name")],
                format!(
                    "[case] name is `{}` but the file is `{stem}.toml`; they must match",
                    raw.case.name
                ),
            ));
        }
        if raw.case.reproduces.is_empty() {
            return Err(at_path(
                &[Seg::key("case"), Seg::key("reproduces")],
                "[case] reproduces is empty; name at least one DOMAIN id".to_owned(),
            ));
        }
        let behaviours = path
            .parent()
            .map(|d| d.join("behaviours.toml"))
            .unwrap_or_else(|| "behaviours.toml".into());
        for (i, id) in raw.case.reproduces.iter().enumerate() {
            if !known_ids.contains(id) {
                return Err(at_path(
                    &[Seg::key("case"), Seg::key("reproduces"), Seg::Index(i)],
                    format!(
                        "[case] reproduces `{id}`, which {} does not list",
                        behaviours.display()
                    ),
                ));
            }
        }
        for (i, arg) in raw.client.args.iter().enumerate() {
            check_placeholders(arg).map_err(|e| {
                at_path(
                    &[Seg::key("client"), Seg::key("args"), Seg::Index(i)],
                    format!("[client] args: {e}"),
                )
            })?;
        }
        if raw.step.is_empty() {
            return Err(invalid(format!(
                "{shown}: a case needs at least one [[step]]"
            )));
        }
        // The world part is mock-ra's, checked at load time, so a bad
        // account or fault table shows in `harness list`, not only when run.
        let world_tables = toml::Table::deserialize(toml::de::Deserializer::from(document.clone()))
            .map_err(|e| invalid(toml_error(&shown, &text, &e)))?;
        let world =
            World::from_document(&shown, &text, document).map_err(|e| invalid(e.to_string()))?;
        let mut steps = Vec::new();
        for (i, spanned) in raw.step.into_iter().enumerate() {
            let where_ = at(spanned.span().start);
            let (line, _) = line_column(&text, spanned.span().start);
            let step = spanned.into_inner();
            check::step(&step, i + 1, &where_, &at).map_err(invalid)?;
            steps.push((line, step));
        }
        Ok(Self {
            path: path.to_path_buf(),
            meta: raw.case,
            client: raw.client,
            steps,
            world,
            world_tables,
            text,
        })
    }

    /// The case's name.
    pub fn name(&self) -> &str {
        &self.meta.name
    }

    /// `path:line` of a byte span in the file.
    pub fn at(&self, span: std::ops::Range<usize>) -> String {
        let (line, _) = line_column(&self.text, span.start);
        format!("{}:{line}", self.path.display())
    }
}

#[cfg(test)]
mod tests;
