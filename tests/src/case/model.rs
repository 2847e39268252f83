//! The case file's parts as serde reads them: `[case]`, `[client]`,
//! `[[step]]` with its admin action, request and expectations. A leaf: the
//! case module and its checks both read these types.

use fileformat::Offset;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use toml::Spanned;

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
    pub fn request(
        &self,
    ) -> Result<(&'static str, String, Option<serde_json::Value>), serde_json::Error> {
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
                Some(serde_json::to_value(fault)?),
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
