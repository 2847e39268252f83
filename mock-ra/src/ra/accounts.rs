//! Customers' accounts: certificates, password history, lock counter,
//! password expiry and the renewal order (DESIGN "Server-side state").

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A password. Its `Debug` never shows it, it is not `Serialize`, it
/// appears in no journal entry, log line or error body, and its bytes are
/// wiped when it is dropped (secrecy's `SecretString`, as in the client
/// and the harness).
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Password(SecretString);

impl Password {
    /// Wraps a password.
    pub fn new(p: impl Into<String>) -> Self {
        Self(SecretString::from(p.into()))
    }

    /// Compares with what a customer typed, in time independent of where
    /// they differ.
    pub fn matches(&self, typed: &str) -> bool {
        let (a, b) = (self.0.expose_secret().as_bytes(), typed.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    /// The password itself, for the one place that must show it: the demo
    /// world's ready line.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl PartialEq for Password {
    fn eq(&self, other: &Self) -> bool {
        self.matches(other.expose())
    }
}

impl Eq for Password {}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// The renewal order of an account: `not_created -> ready -> fetched`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// No renewal certificate has been prepared yet (D6.10).
    NotCreated,
    /// A renewal certificate can be fetched once.
    Ready,
    /// It has been fetched (D6.9, D7.3).
    Fetched,
}

impl OrderState {
    /// `not_created`, `ready` or `fetched`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotCreated => "not_created",
            Self::Ready => "ready",
            Self::Fetched => "fetched",
        }
    }
}

/// A name that is none of the order states.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown order state `{0}`: expected not_created, ready or fetched")]
pub struct UnknownOrderState(pub String);

impl std::str::FromStr for OrderState {
    type Err = UnknownOrderState;
    fn from_str(s: &str) -> Result<Self, UnknownOrderState> {
        match s {
            "not_created" => Ok(Self::NotCreated),
            "ready" => Ok(Self::Ready),
            "fetched" => Ok(Self::Fetched),
            other => Err(UnknownOrderState(other.to_owned())),
        }
    }
}

/// What a certificate is to its account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertStatus {
    /// The account's certificate now.
    Current,
    /// Replaced by a renewal (not revoked: it simply expires).
    Renewed,
    /// Replaced by a reissue (revoked as superseded, D6.8).
    Reissued,
}

/// One certificate of an account (its details are in the issuance ledger).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountCertificate {
    /// Serial, lowercase hex.
    pub serial: String,
    /// Status within the account.
    pub status: CertStatus,
    /// Identity name when the mock holds its key (world and reissued
    /// certificates; a renewal's key stays with the customer).
    pub identity: Option<String>,
    /// Its notAfter (the renewal order of the current one opens
    /// `password_reference` before it).
    pub not_after: OffsetDateTime,
}

/// Passwords with the time each came into force.
#[derive(Debug, Clone)]
pub struct PasswordHistory {
    initial: Password,
    /// Sorted by time.
    changes: Vec<(OffsetDateTime, Password)>,
}

impl PasswordHistory {
    /// A history that starts with `initial`.
    pub fn new(initial: Password) -> Self {
        Self {
            initial,
            changes: Vec::new(),
        }
    }

    /// Records a change at `at`.
    pub fn change(&mut self, at: OffsetDateTime, password: Password) {
        let pos = self.changes.partition_point(|(t, _)| *t <= at);
        self.changes.insert(pos, (at, password));
    }

    /// The password in force at `at`: the last change at or before it, or
    /// the initial one (D2.1).
    pub fn at(&self, at: OffsetDateTime) -> &Password {
        self.changes
            .iter()
            .rev()
            .find(|(t, _)| *t <= at)
            .map(|(_, p)| p)
            .unwrap_or(&self.initial)
    }

    /// When each change happened (no passwords).
    pub fn change_times(&self) -> Vec<OffsetDateTime> {
        self.changes.iter().map(|(t, _)| *t).collect()
    }
}

/// A customer's account.
#[derive(Debug, Clone)]
pub struct Account {
    /// The account id.
    pub id: String,
    /// Common name of its certificates.
    pub cn: String,
    /// Password history.
    pub passwords: PasswordHistory,
    /// Consecutive wrong passwords.
    pub failures: u32,
    /// The account locks when `failures` reaches this.
    pub lock_threshold: u32,
    /// Locked: every login fails with E550A whatever the password (D6.6).
    pub locked: bool,
    /// When the password expires (D6.7).
    pub password_expires: Option<OffsetDateTime>,
    /// The renewal order as set (by the world, the admin API, the library
    /// or an issuance); `None`: decided by the clock, see [`Account::order_at`].
    pub order: Option<OrderState>,
    /// How long before the current certificate's notAfter its renewal
    /// order opens by itself (the policy's `password_reference`, D8.1).
    pub order_opens_before: time::Duration,
    /// Key type of its certificates (reissues keep it).
    pub key_type: certs_gen::KeyType,
    /// Certificates, oldest first.
    pub certificates: Vec<AccountCertificate>,
}

impl Account {
    /// The current certificate's serial.
    pub fn current_serial(&self) -> Option<&str> {
        self.current().map(|c| c.serial.as_str())
    }

    /// The current certificate.
    pub fn current(&self) -> Option<&AccountCertificate> {
        self.certificates
            .iter()
            .rev()
            .find(|c| c.status == CertStatus::Current)
    }

    /// The renewal order at `now`: as set when it was set; otherwise
    /// `ready` once `now >= notAfter - order_opens_before` of the current
    /// certificate, `not_created` before (D8.1, D6.10). Worked out at each
    /// decision, so an order opens as the (virtual) clock moves.
    pub fn order_at(&self, now: OffsetDateTime) -> OrderState {
        if let Some(set) = self.order {
            return set;
        }
        match self.current() {
            Some(c) if now >= c.not_after - self.order_opens_before => OrderState::Ready,
            _ => OrderState::NotCreated,
        }
    }

    /// The status of the certificate with `serial`.
    pub fn status_of(&self, serial: &str) -> Option<CertStatus> {
        self.certificates
            .iter()
            .find(|c| c.serial == serial)
            .map(|c| c.status)
    }

    /// Counts a wrong password; locks at the threshold.
    pub fn record_failure(&mut self) {
        self.failures = self.failures.saturating_add(1);
        if self.failures >= self.lock_threshold {
            self.locked = true;
        }
    }
}

/// What the library and the admin API show of an account (no passwords).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountView {
    /// The account id.
    pub id: String,
    /// Common name of its certificates.
    pub cn: String,
    /// Consecutive wrong passwords.
    pub failures: u32,
    /// Lock threshold.
    pub lock_threshold: u32,
    /// Whether it is locked.
    pub locked: bool,
    /// When the password expires.
    #[serde(with = "time::serde::rfc3339::option")]
    pub password_expires: Option<OffsetDateTime>,
    /// When the password was changed (times only).
    pub password_changes: Vec<String>,
    /// The renewal order as it stands at the virtual now (set, or worked
    /// out from the clock: [`Account::order_at`]).
    pub order: OrderState,
    /// Its certificates, oldest first.
    pub certificates: Vec<CertificateView>,
}

/// One certificate as the ledger knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateView {
    /// Serial, lowercase hex.
    pub serial: String,
    /// Subject, RFC 4514 (x509-cert's order).
    pub subject: String,
    /// Start of validity.
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    /// End of validity.
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// Owning account, if any.
    pub account: Option<String>,
    /// Status within the account, if it has one.
    pub status: Option<CertStatus>,
    /// Identity name when the mock holds the key.
    pub identity: Option<String>,
    /// How it came to be: `world`, `renewal` or `reissue`.
    pub origin: &'static str,
    /// Whether it is on the CRL at the current virtual time.
    pub revoked: bool,
    /// When it was revoked.
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    /// The certificate, PEM.
    pub pem: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    #[test]
    fn order_states_read_back_and_an_unknown_one_is_named() {
        for state in [
            OrderState::NotCreated,
            OrderState::Ready,
            OrderState::Fetched,
        ] {
            assert_eq!(state.as_str().parse::<OrderState>(), Ok(state));
        }
        let e = "none".parse::<OrderState>().unwrap_err();
        assert_eq!(e, UnknownOrderState("none".into()));
        assert_eq!(
            e.to_string(),
            "unknown order state `none`: expected not_created, ready or fetched"
        );
    }

    #[test]
    fn the_password_in_force_is_the_last_change_at_or_before() {
        let t0 = OffsetDateTime::UNIX_EPOCH + Duration::days(10_000);
        let mut h = PasswordHistory::new(Password::new("a"));
        h.change(t0, Password::new("b"));
        h.change(t0 + Duration::days(5), Password::new("c"));
        assert!(h.at(t0 - Duration::seconds(1)).matches("a"));
        assert!(h.at(t0).matches("b"));
        assert!(
            h.at(t0 + Duration::days(5) - Duration::seconds(1))
                .matches("b")
        );
        assert!(h.at(t0 + Duration::days(6)).matches("c"));
    }

    #[test]
    fn password_debug_is_redacted_and_compare_is_exact() {
        let p = Password::new("s3cret");
        assert_eq!(format!("{p:?}"), "Password(<redacted>)");
        assert!(p.matches("s3cret"));
        assert!(!p.matches("s3cre") && !p.matches("s3cret ") && !p.matches(""));
    }
}
