//! The world file: mock-ra's own configuration, and the world part of the
//! harness's case files (DESIGN "Scenarios").
//!
//! Every time is relative to the clock's "now" at start-up, so nothing rots.
//!
//! ```toml
//! [pki]
//! key_type = "p256"                    # or "rsa2048"
//!
//! [clock]
//! now = "2026-11-25T00:00:00Z"         # default: the real time
//! frozen = true                        # default: false (the clock runs)
//!
//! [policy]                             # all optional, these are the defaults
//! renewal_window = "90d"               # D1.2: now - notAfter < 90 days
//! password_reference = "28d"           # D2.1: the password at notAfter - 28 days
//! lock_threshold = 5                   # lock when the failure counter reaches it
//! ticket_ttl = "5m"
//! issued_lifetime = "365d"
//!
//! [[account]]
//! id = "alice"
//! cn = "ACME Trading user01"           # default: the id
//! password = "old-secret"              # the initial password
//! failures = 0
//! locked = false
//! password_expires = "+30d"            # optional
//! order = "ready"                      # default: ready once now >= notAfter - 28d
//! [[account.password_change]]
//! at = "-20d"
//! password = "new-secret"
//! [[account.certificate]]              # oldest first; the last is current
//! expires = "-10d"
//!
//! [[customers]]                        # N generated customers in one table
//! count = 100000                       # (see `world::customers`)
//! id = "cust{n:06}"
//! password = "pw-{n}"
//! expires_from = "-80d"
//! expires_to = "-1d"
//!
//! [[identity]]                         # a certificate no account owns
//! name = "stranger"
//! expires = "+100d"
//! ca = "foreign"                       # or "test" (default)
//!
//! [faults]                             # optional
//! seed = 42                            # of every random draw; random when absent
//!
//! [[fault]]                            # any number; see the `faults` module
//! host = "repo1"
//! kind = "status"
//! status = 503
//! times = 2
//! ```
//!
//! A case file puts these keys at top level next to the harness's own,
//! [`World::HARNESS_KEYS`] (`[case]`, `[client]`, `[[step]]`). That list is
//! the one place that says which top-level keys are the harness's: the
//! harness takes exactly those off a parsed case file and hands the rest to
//! [`World::from_document`], and every file mock-ra reads (`serve --world`,
//! `serve --scenario`, `check`) goes through the same two functions. So
//! every world key is valid in a case file by construction, a case file
//! starts under `mock-ra serve --scenario` exactly when its world is one the
//! harness accepts, and every unknown key is an error naming
//! `file:line:column` of the file as written. (mock-ra sets the harness's
//! keys aside unread; the harness checks them.)

use std::collections::{BTreeSet, HashSet};

use certs_gen::KeyType;
use certs_gen::spec::ClientEntry;
use fileformat::{Offset, Seg};
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use crate::faults::{FaultSettings, FaultSpec};
use crate::ra::accounts::{CertStatus, OrderState, Password};

mod account;
pub mod customers;
mod invalid;

pub use customers::{Customer, CustomersSpec, PatternError};
pub(crate) use invalid::Invalid;

/// A world file that does not describe a world.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct WorldError {
    message: String,
}

impl WorldError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// The whole world: PKI, clock, policy, accounts and stray identities.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct World {
    /// How the PKI is made.
    #[serde(default)]
    pub pki: PkiSection,
    /// Where the virtual clock starts.
    #[serde(default)]
    pub clock: ClockSection,
    /// The server's settings.
    #[serde(default)]
    pub policy: Policy,
    /// The customers' accounts.
    #[serde(default, rename = "account")]
    pub accounts: Vec<AccountSpec>,
    /// Generated customers, many per table (`world::customers`).
    #[serde(default)]
    pub customers: Vec<CustomersSpec>,
    /// Client identities that belong to no account.
    #[serde(default, rename = "identity")]
    pub identities: Vec<ClientEntry>,
    /// `[[fault]]`: the faults in force from the start (the `faults` module).
    #[serde(default, rename = "fault")]
    pub faults: Vec<FaultSpec>,
    /// `[faults]`: the seed of every random draw.
    #[serde(default, rename = "faults")]
    pub fault_settings: FaultSettings,
}

/// `[pki]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PkiSection {
    /// Key type of the CAs, the servers and (by default) the clients.
    #[serde(default)]
    pub key_type: KeyType,
}

/// `[clock]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockSection {
    /// The virtual "now" at start-up: an RFC 3339 string, or a TOML
    /// offset date-time written without quotes; the real time when absent.
    #[serde(default, deserialize_with = "clock_now")]
    pub now: Option<OffsetDateTime>,
    /// Whether the clock stands still until moved.
    #[serde(default)]
    pub frozen: bool,
}

/// `[clock] now`: `"2026-11-25T00:00:00Z"` (a string, RFC 3339) or
/// `2026-11-25T00:00:00Z` (a TOML offset date-time). A local date-time or a
/// date alone has no offset to place it in time: refused, saying so.
fn clock_now<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<OffsetDateTime>, D::Error> {
    use serde::de::{Error, MapAccess, Visitor};
    use time::format_description::well_known::Rfc3339;

    struct Now;

    fn parse<E: Error>(text: &str) -> Result<OffsetDateTime, E> {
        let now = OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
            E::custom(format!(
                "clock.now `{text}`: expected an RFC 3339 date-time with an offset, \
                 e.g. 2026-11-25T00:00:00Z or 2026-11-25T09:00:00+09:00"
            ))
        })?;
        certs_gen::check_now(now).map_err(|e| E::custom(format!("clock.now: {e}")))?;
        Ok(now)
    }

    impl<'de> Visitor<'de> for Now {
        type Value = OffsetDateTime;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a date-time with an offset, e.g. 2026-11-25T00:00:00Z")
        }

        fn visit_str<E: Error>(self, v: &str) -> Result<Self::Value, E> {
            parse(v)
        }

        // A TOML date-time reaches serde as a one-entry map (toml's
        // private encoding); toml's own type reads it back.
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            let datetime = toml::value::Datetime::deserialize(
                serde::de::value::MapAccessDeserializer::new(map),
            )?;
            if datetime.offset.is_none() {
                let example = match (datetime.date, datetime.time) {
                    (Some(d), Some(t)) => format!("{d}T{t}Z"),
                    (Some(d), None) => format!("{d}T00:00:00Z"),
                    (None, Some(t)) => format!("2026-11-25T{t}Z"),
                    (None, None) => "2026-11-25T00:00:00Z".to_owned(),
                };
                return Err(A::Error::custom(format!(
                    "clock.now `{datetime}` has no UTC offset, so it is no instant: \
                     write e.g. {example}"
                )));
            }
            parse(&datetime.to_string())
        }
    }

    d.deserialize_any(Now).map(Some)
}

/// `[policy]`: the server's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Renewal is possible while `now - notAfter` is less than this (D1.2).
    #[serde(default = "defaults::renewal_window")]
    pub renewal_window: Offset,
    /// The password that counts is the one in force this long before the
    /// presented certificate's notAfter (D2.1).
    #[serde(default = "defaults::password_reference")]
    pub password_reference: Offset,
    /// The account locks when its failure counter reaches this.
    #[serde(default = "defaults::lock_threshold")]
    pub lock_threshold: u32,
    /// How long a login ticket is good for.
    #[serde(default = "defaults::ticket_ttl")]
    pub ticket_ttl: Offset,
    /// Validity of a renewed certificate.
    #[serde(default = "defaults::issued_lifetime")]
    pub issued_lifetime: Offset,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            renewal_window: defaults::renewal_window(),
            password_reference: defaults::password_reference(),
            lock_threshold: defaults::lock_threshold(),
            ticket_ttl: defaults::ticket_ttl(),
            issued_lifetime: defaults::issued_lifetime(),
        }
    }
}

mod defaults {
    use fileformat::Offset;
    use time::Duration;

    pub(super) fn renewal_window() -> Offset {
        Offset(Duration::days(90))
    }
    pub(super) fn password_reference() -> Offset {
        Offset(Duration::days(28))
    }
    pub(super) fn lock_threshold() -> u32 {
        5
    }
    pub(super) fn ticket_ttl() -> Offset {
        Offset(Duration::minutes(5))
    }
    pub(super) fn issued_lifetime() -> Offset {
        Offset(Duration::days(365))
    }
}

/// `[[account]]`: one customer. Also the body of the admin API's
/// `POST /accounts` (as JSON).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSpec {
    /// The account's id: letters, digits, `-`, `_`, `.`.
    pub id: String,
    /// Common name of its certificates; the id when absent.
    pub cn: Option<String>,
    /// The initial password (in force before every change).
    pub password: Password,
    /// Later password changes, each at a time relative to now.
    #[serde(default)]
    pub password_change: Vec<PasswordChangeSpec>,
    /// Failure counter at start.
    #[serde(default)]
    pub failures: u32,
    /// Locked at start.
    #[serde(default)]
    pub locked: bool,
    /// When the password expires, relative to now.
    pub password_expires: Option<Offset>,
    /// The renewal order; by default `ready` once now >= notAfter - 28 days
    /// of the current certificate, `not_created` before.
    pub order: Option<OrderState>,
    /// Key type of its certificates; the PKI's when absent.
    pub key_type: Option<KeyType>,
    /// Its certificates, oldest first.
    #[serde(default)]
    pub certificate: Vec<CertificateSpec>,
}

/// `[[account.password_change]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeSpec {
    /// When the password was changed, relative to now (`-20d`).
    pub at: Offset,
    /// The new password.
    pub password: Password,
}

/// `[[account.certificate]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateSpec {
    /// Identity name; the account id for the current one, `<id>-<n>` (n its
    /// 1-based position) for the others.
    pub name: Option<String>,
    /// notAfter relative to now.
    pub expires: Offset,
    /// notBefore = notAfter - lifetime (default 365 days).
    pub lifetime: Option<Offset>,
    /// notBefore relative to now; overrides `lifetime`.
    pub not_before: Option<Offset>,
    /// Status; the last certificate is current, earlier ones reissued.
    pub status: Option<CertStatus>,
    /// Also list it on the issuing CA's CRL.
    #[serde(default)]
    pub revoked: bool,
}

impl CertificateSpec {
    /// A certificate ending at `now + expires`.
    pub fn expiring(expires: Offset) -> Self {
        Self {
            name: None,
            expires,
            lifetime: None,
            not_before: None,
            status: None,
            revoked: false,
        }
    }

    /// `(not_before, not_after)` at `now`.
    pub fn window(&self, now: OffsetDateTime) -> (OffsetDateTime, OffsetDateTime) {
        let not_after = now + self.expires.duration();
        let not_before = match (self.not_before, self.lifetime) {
            (Some(nb), _) => now + nb.duration(),
            (None, Some(l)) => not_after - l.duration(),
            (None, None) => not_after - certs_gen::DEFAULT_CLIENT_LIFETIME,
        };
        (not_before, not_after)
    }
}

/// A TOML document parsed once, every key and value with its span in the
/// text it was parsed from.
pub type Document<'i> = toml::Spanned<toml::de::DeTable<'i>>;

impl World {
    /// The top-level keys of a case file that are the harness's, not the
    /// world's: `[case]`, `[client]` and `[[step]]` (see the module's
    /// documentation).
    pub const HARNESS_KEYS: [&'static str; 3] = ["case", "client", "step"];

    /// Parses a world (or case) file; errors read `path:line:column: message`
    /// with the offending line quoted. The harness's keys
    /// ([`Self::HARNESS_KEYS`]) are set aside unread.
    pub fn from_toml(path: &str, text: &str) -> Result<Self, WorldError> {
        let mut document = toml::de::DeTable::parse(text)
            .map_err(|e| WorldError::new(fileformat::toml_error(path, text, &e)))?;
        let _harness = Self::take_harness_keys(&mut document);
        Self::from_document(path, text, document)
    }

    /// Takes the harness's keys ([`Self::HARNESS_KEYS`]) off a parsed case
    /// file and returns them as a document of their own, spans kept; what
    /// stays in `document` is the world.
    pub fn take_harness_keys<'i>(document: &mut Document<'i>) -> Document<'i> {
        let mut harness = toml::de::DeTable::new();
        for key in Self::HARNESS_KEYS {
            if let Some((k, v)) = document.get_mut().remove_entry(key) {
                harness.insert(k, v);
            }
        }
        toml::Spanned::new(document.span(), harness)
    }

    /// The world of a parsed document (`text`, read from `path`) whose
    /// harness keys are off: parsed once, so every error, serde's or the
    /// world's own checks', points at `path:line:column` of the file as
    /// written.
    pub fn from_document(
        path: &str,
        text: &str,
        document: Document<'_>,
    ) -> Result<Self, WorldError> {
        let world = World::deserialize(toml::de::Deserializer::from(document))
            .map_err(|e| WorldError::new(fileformat::toml_error(path, text, &e)))?;
        world
            .check()
            .map_err(|e| WorldError::new(fileformat::error_at_path(path, text, &e.at, &e.why)))?;
        Ok(world)
    }

    /// Reads and parses a world file.
    pub fn from_file(path: &std::path::Path) -> Result<Self, WorldError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| WorldError::new(format!("{}: {e}", path.display())))?;
        Self::from_toml(&path.display().to_string(), &text)
    }

    /// The demo world of `mock-ra serve` without a file: one account `demo`
    /// whose certificate expired 10 days ago, order ready.
    pub fn demo() -> Self {
        let mut demo = AccountSpec::new(DEMO_ACCOUNT, DEMO_PASSWORD, Offset(Duration::days(-10)));
        demo.cn = Some("DEMO TRADING user01".to_owned());
        Self {
            accounts: vec![demo],
            ..Self::default()
        }
    }

    /// Adds an account (builder style).
    pub fn with_account(mut self, account: AccountSpec) -> Self {
        self.accounts.push(account);
        self
    }

    /// Adds an identity that belongs to no account (builder style).
    pub fn with_identity(mut self, identity: ClientEntry) -> Self {
        self.identities.push(identity);
        self
    }

    /// Freezes the clock at `now` (builder style).
    pub fn frozen_at(mut self, now: OffsetDateTime) -> Self {
        self.clock = ClockSection {
            now: Some(now),
            frozen: true,
        };
        self
    }

    /// Checks what serde cannot: names, duplicates, windows, policy values.
    pub fn validate(&self) -> Result<(), WorldError> {
        self.check().map_err(|e| WorldError::new(e.why))
    }

    fn check(&self) -> Result<(), Invalid> {
        let p = &self.policy;
        for (key, value, min) in [
            ("renewal_window", p.renewal_window, 1),
            ("password_reference", p.password_reference, 0),
            ("ticket_ttl", p.ticket_ttl, 1),
            ("issued_lifetime", p.issued_lifetime, 1),
        ] {
            if value.duration().whole_seconds() < min {
                return Err(Invalid::new(
                    vec![Seg::key("policy"), Seg::key(key)],
                    format!("policy.{key} = `{value}`: expected a positive duration"),
                ));
            }
        }
        if p.lock_threshold == 0 {
            return Err(Invalid::new(
                vec![Seg::key("policy"), Seg::key("lock_threshold")],
                "policy.lock_threshold = 0: expected 1 or more".to_owned(),
            ));
        }
        let mut ids = BTreeSet::new();
        let mut names = BTreeSet::new();
        for (i, a) in self.accounts.iter().enumerate() {
            let at = |mut rest: Vec<Seg>| {
                let mut path = vec![Seg::key("account"), Seg::Index(i)];
                path.append(&mut rest);
                path
            };
            a.check().map_err(|e| e.under(at(Vec::new())))?;
            if !ids.insert(a.id.as_str()) {
                return Err(Invalid::new(
                    at(vec![Seg::key("id")]),
                    format!("account id `{}` is used twice", a.id),
                ));
            }
            for (j, n) in a.certificate_names().into_iter().enumerate() {
                if !names.insert(n.clone()) {
                    let mut rest = vec![Seg::key("certificate"), Seg::Index(j)];
                    if a.certificate[j].name.is_some() {
                        rest.push(Seg::key("name"));
                    }
                    return Err(Invalid::new(
                        at(rest),
                        format!("identity name `{n}` is used twice"),
                    ));
                }
            }
        }
        let generated = self.check_customers(&ids, &names)?;
        for (i, c) in self.identities.iter().enumerate() {
            let at = |k: &str| vec![Seg::key("identity"), Seg::Index(i), Seg::key(k)];
            if !crate::wire::protocol::valid_name(&c.name) {
                return Err(Invalid::new(
                    at("name"),
                    format!(
                        "identity name `{}`: use letters, digits, `-`, `_` and `.` only",
                        c.name
                    ),
                ));
            }
            if generated.contains(&c.name) || !names.insert(c.name.clone()) {
                return Err(Invalid::new(
                    at("name"),
                    format!("identity name `{}` is used twice", c.name),
                ));
            }
            c.to_client_spec(OffsetDateTime::UNIX_EPOCH + Duration::days(20_000))
                .map_err(|e| Invalid::new(at("expires"), e.to_string()))?;
        }
        let mut fault_names = BTreeSet::new();
        for (i, f) in self.faults.iter().enumerate() {
            let at = |k: &str| vec![Seg::key("fault"), Seg::Index(i), Seg::key(k)];
            f.check()
                .map_err(|e| Invalid::new(at(e.field.as_str()), e.why))?;
            if let Some(n) = &f.name
                && !fault_names.insert(n.clone())
            {
                return Err(Invalid::new(
                    at("name"),
                    format!("fault name `{n}` is used twice"),
                ));
            }
        }
        Ok(())
    }
}

impl World {
    /// How many accounts the world has: its `[[account]]`s and its
    /// generated customers.
    pub fn account_count(&self) -> usize {
        self.accounts.len()
            + self
                .customers
                .iter()
                .map(|c| c.count as usize)
                .sum::<usize>()
    }

    /// Every generated customer, table by table, in order.
    pub fn generated_customers(&self) -> impl Iterator<Item = (&CustomersSpec, u32)> + '_ {
        self.customers
            .iter()
            .flat_map(|spec| (1..=spec.count).map(move |n| (spec, n)))
    }

    /// `[[customers]]`: each table's own checks, then every generated id
    /// against every other id and identity name.
    fn check_customers(
        &self,
        ids: &BTreeSet<&str>,
        names: &BTreeSet<String>,
    ) -> Result<HashSet<String>, Invalid> {
        let total = self.account_count() - self.accounts.len();
        if total > customers::MAX_CUSTOMERS as usize {
            return Err(Invalid::new(
                vec![Seg::key("customers")],
                format!(
                    "{total} generated customers in all: expected at most {}",
                    customers::MAX_CUSTOMERS
                ),
            ));
        }
        let mut seen: HashSet<String> = HashSet::with_capacity(total);
        for (i, spec) in self.customers.iter().enumerate() {
            let at = |k: &str| vec![Seg::key("customers"), Seg::Index(i), Seg::key(k)];
            spec.check()
                .map_err(|e| e.under(vec![Seg::key("customers"), Seg::Index(i)]))?;
            for n in 1..=spec.count {
                let id = customers::expand(&spec.id, n)
                    .map_err(|e| Invalid::new(at("id"), e.to_string()))?;
                if ids.contains(id.as_str()) || names.contains(&id) || seen.contains(&id) {
                    return Err(Invalid::new(
                        at("id"),
                        format!("customers.id makes `{id}` (customer {n}), which is used already"),
                    ));
                }
                seen.insert(id);
            }
        }
        Ok(seen)
    }
}

/// The demo world's account id.
pub const DEMO_ACCOUNT: &str = "demo";
/// The demo world's password (a test value, printed on the ready line).
pub const DEMO_PASSWORD: &str = "demo-pass-2024";

#[cfg(test)]
mod tests;
