//! The journal: every request on every role with the server-side cause of
//! its answer. The customer only ever sees the class (D7.2); the cause is here.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;
use time::OffsetDateTime;

use crate::wire::protocol::Host;

/// The hosts the mock plays, plus its admin API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The RA (HTTPS, client certificate optional).
    Webra2,
    /// The confirmation page (HTTPS, client certificate required).
    Webra1,
    /// CA certificates and their CRLs (HTTP).
    Repo1,
    /// Roots and their CRLs (HTTP).
    Repository,
    /// The admin API (HTTP, loopback, bearer token).
    Admin,
    /// The forward proxy (HTTP; CONNECT for HTTPS), as on a corporate network.
    Proxy,
    /// Virtual hosting: the shared HTTPS port (webra2 and webra1 by SNI),
    /// for what happens before the host is known (an unknown or missing
    /// SNI, a handshake that never got that far).
    Https,
    /// Virtual hosting: the shared HTTP port (repo1 and repository by
    /// `Host`), for requests that name neither.
    Http,
}

impl Role {
    /// Every role, in the ready line's order.
    pub const ALL: [Role; 8] = [
        Role::Webra2,
        Role::Webra1,
        Role::Repo1,
        Role::Repository,
        Role::Admin,
        Role::Proxy,
        Role::Https,
        Role::Http,
    ];

    /// `webra2`, `webra1`, `repo1`, `repository`, `admin`, `proxy`,
    /// `https`, `http`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Webra2 => "webra2",
            Role::Webra1 => "webra1",
            Role::Repo1 => "repo1",
            Role::Repository => "repository",
            Role::Admin => "admin",
            Role::Proxy => "proxy",
            Role::Https => "https",
            Role::Http => "http",
        }
    }
}

impl Host {
    /// The role that serves this host.
    pub fn role(self) -> Role {
        match self {
            Host::Webra2 => Role::Webra2,
            Host::Webra1 => Role::Webra1,
            Host::Repo1 => Role::Repo1,
            Host::Repository => Role::Repository,
        }
    }

    /// The host a role serves, if it is one of the four.
    pub fn of_role(role: Role) -> Option<Self> {
        match role {
            Role::Webra2 => Some(Host::Webra2),
            Role::Webra1 => Some(Host::Webra1),
            Role::Repo1 => Some(Host::Repo1),
            Role::Repository => Some(Host::Repository),
            Role::Admin | Role::Proxy | Role::Https | Role::Http => None,
        }
    }
}

impl From<Host> for Role {
    fn from(host: Host) -> Role {
        host.role()
    }
}

impl TryFrom<Role> for Host {
    type Error = Role;

    /// The host of a host role; the role itself back for the others.
    fn try_from(role: Role) -> Result<Host, Role> {
        Host::of_role(role).ok_or(role)
    }
}

/// The class of an answer: what the customer (or a developer) can see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Class {
    /// Authentication failed (D6.4-D6.8).
    E550A,
    /// Not created yet, or already fetched (D6.9, D6.10).
    E550F,
    /// No usable certificate (D6.2, D6.3, D7.1).
    ENOCERT,
    /// The confirmation page does not show success (D5.1, D6.11).
    ECONFIRM,
    /// A request the protocol does not allow.
    #[serde(rename = "bad_request")]
    BadRequest,
    /// An unknown, expired, used or foreign ticket.
    #[serde(rename = "bad_ticket")]
    BadTicket,
    /// A body over the limit.
    #[serde(rename = "too_large")]
    TooLarge,
    /// A body without `Content-Type: application/json`.
    #[serde(rename = "unsupported_media_type")]
    UnsupportedMediaType,
    /// An unknown path.
    #[serde(rename = "not_found")]
    NotFound,
    /// A known path with the wrong method.
    #[serde(rename = "method_not_allowed")]
    MethodNotAllowed,
    /// The admin API without the right bearer token.
    #[serde(rename = "unauthorized")]
    Unauthorized,
    /// A request body that did not arrive in time.
    #[serde(rename = "request_timeout")]
    RequestTimeout,
    /// The mock failed itself.
    #[serde(rename = "internal")]
    Internal,
}

impl Class {
    /// The class as written on the wire and in the journal.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::E550A => "E550A",
            Class::E550F => "E550F",
            Class::ENOCERT => "ENOCERT",
            Class::ECONFIRM => "ECONFIRM",
            Class::BadRequest => "bad_request",
            Class::BadTicket => "bad_ticket",
            Class::TooLarge => "too_large",
            Class::UnsupportedMediaType => "unsupported_media_type",
            Class::NotFound => "not_found",
            Class::MethodNotAllowed => "method_not_allowed",
            Class::Unauthorized => "unauthorized",
            Class::RequestTimeout => "request_timeout",
            Class::Internal => "internal",
        }
    }
}

impl std::fmt::Display for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the server answered as it did. Only the journal knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// webra2 login without a client certificate (D6.3).
    NoClientCertificate,
    /// The certificate ended 90 days ago or more (D6.2, D7.1).
    ExpiredTooLong,
    /// The certificate belongs to no account (D6.5).
    ForeignCertificate,
    /// The certificate was superseded by a reissue (D6.8).
    Reissued,
    /// The certificate is revoked (the world's `revoked = true`; a
    /// reissued one is `reissued`).
    Revoked,
    /// The account is locked (D6.6).
    PasswordLocked,
    /// Not the password in force at notAfter - 28 days (D6.4, D2.1).
    WrongPassword,
    /// The password has expired (D6.7).
    PasswordExpired,
    /// The renewal order does not exist yet (D6.10).
    NotCreated,
    /// The renewal certificate was already fetched (D6.9).
    AlreadyFetched,
    /// Login succeeded: a ticket was issued.
    TicketIssued,
    /// A renewal certificate was issued and the order is fetched.
    Issued,
    /// Malformed request.
    BadRequest,
    /// Unknown, expired, used or foreign ticket.
    BadTicket,
    /// Body over the limit.
    TooLarge,
    /// A body without `Content-Type: application/json`.
    UnsupportedMediaType,
    /// Unknown path.
    NotFound,
    /// Wrong method.
    MethodNotAllowed,
    /// Confirmation page: the certificate is valid (D5.1).
    ConfirmOk,
    /// Confirmation page: the certificate has expired.
    ConfirmExpired,
    /// Confirmation page: the certificate is revoked.
    ConfirmRevoked,
    /// Confirmation page: the certificate is not valid yet.
    ConfirmNotYetValid,
    /// An HTML page was served.
    Page,
    /// A certificate or CRL was served.
    Served,
    /// An admin request was carried out.
    AdminOk,
    /// An admin request named something that does not exist.
    AdminNotFound,
    /// An admin request was refused as malformed.
    AdminBadRequest,
    /// An admin request without the right bearer token.
    Unauthorized,
    /// The TLS handshake failed because no client certificate was sent
    /// where one is required (webra1).
    TlsNoClientCertificate,
    /// The TLS handshake failed on the client certificate (not from the
    /// client-CA root, bad signature, ...).
    TlsBadClientCertificate,
    /// The TLS handshake failed for another reason, or timed out.
    TlsHandshakeFailed,
    /// A fault answered or acted instead of the server (the entry's
    /// `fault` names it): hang, reset, an injected status or page.
    Fault,
    /// The forward proxy opened a tunnel (CONNECT) or forwarded a request.
    Proxied,
    /// The forward proxy could not reach the host asked for (502).
    ProxyBadGateway,
    /// Virtual hosting: the SNI (HTTPS) or `Host` (HTTP) names none of the
    /// hosts of the shared port, or there is none.
    UnknownHost,
    /// A request head hyper could not parse (answered `400` by hyper,
    /// before any router).
    MalformedRequest,
    /// A request head over the head limit (answered `431` by hyper).
    HeadTooLarge,
    /// A request head that did not arrive within the header timeout: the
    /// connection was closed without an answer.
    HeaderTimeout,
    /// A request body that did not arrive within the body timeout (`408`).
    BodyTimeout,
    /// A connection over the listener's connection limit: accepted and
    /// closed at once, without a handshake.
    ConnectionLimit,
    /// The mock failed itself.
    Internal,
}

impl Cause {
    /// Every cause the journal can record, in declaration order (what tools
    /// such as `harness diagnose` enumerate; the unit test below keeps it
    /// complete).
    pub const ALL: [Cause; 41] = [
        Cause::NoClientCertificate,
        Cause::ExpiredTooLong,
        Cause::ForeignCertificate,
        Cause::Reissued,
        Cause::Revoked,
        Cause::PasswordLocked,
        Cause::WrongPassword,
        Cause::PasswordExpired,
        Cause::NotCreated,
        Cause::AlreadyFetched,
        Cause::TicketIssued,
        Cause::Issued,
        Cause::BadRequest,
        Cause::BadTicket,
        Cause::TooLarge,
        Cause::UnsupportedMediaType,
        Cause::NotFound,
        Cause::MethodNotAllowed,
        Cause::ConfirmOk,
        Cause::ConfirmExpired,
        Cause::ConfirmRevoked,
        Cause::ConfirmNotYetValid,
        Cause::Page,
        Cause::Served,
        Cause::AdminOk,
        Cause::AdminNotFound,
        Cause::AdminBadRequest,
        Cause::Unauthorized,
        Cause::TlsNoClientCertificate,
        Cause::TlsBadClientCertificate,
        Cause::TlsHandshakeFailed,
        Cause::Fault,
        Cause::Proxied,
        Cause::ProxyBadGateway,
        Cause::UnknownHost,
        Cause::MalformedRequest,
        Cause::HeadTooLarge,
        Cause::HeaderTimeout,
        Cause::BodyTimeout,
        Cause::ConnectionLimit,
        Cause::Internal,
    ];

    /// The cause as written in the journal.
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::NoClientCertificate => "no_client_certificate",
            Cause::ExpiredTooLong => "expired_too_long",
            Cause::ForeignCertificate => "foreign_certificate",
            Cause::Reissued => "reissued",
            Cause::Revoked => "revoked",
            Cause::PasswordLocked => "password_locked",
            Cause::WrongPassword => "wrong_password",
            Cause::PasswordExpired => "password_expired",
            Cause::NotCreated => "not_created",
            Cause::AlreadyFetched => "already_fetched",
            Cause::TicketIssued => "ticket_issued",
            Cause::Issued => "issued",
            Cause::BadRequest => "bad_request",
            Cause::BadTicket => "bad_ticket",
            Cause::TooLarge => "too_large",
            Cause::UnsupportedMediaType => "unsupported_media_type",
            Cause::NotFound => "not_found",
            Cause::MethodNotAllowed => "method_not_allowed",
            Cause::ConfirmOk => "confirm_ok",
            Cause::ConfirmExpired => "confirm_expired",
            Cause::ConfirmRevoked => "confirm_revoked",
            Cause::ConfirmNotYetValid => "confirm_not_yet_valid",
            Cause::Page => "page",
            Cause::Served => "served",
            Cause::AdminOk => "admin_ok",
            Cause::AdminNotFound => "admin_not_found",
            Cause::AdminBadRequest => "admin_bad_request",
            Cause::Unauthorized => "unauthorized",
            Cause::TlsNoClientCertificate => "tls_no_client_certificate",
            Cause::TlsBadClientCertificate => "tls_bad_client_certificate",
            Cause::TlsHandshakeFailed => "tls_handshake_failed",
            Cause::Fault => "fault",
            Cause::Proxied => "proxied",
            Cause::ProxyBadGateway => "proxy_bad_gateway",
            Cause::UnknownHost => "unknown_host",
            Cause::MalformedRequest => "malformed_request",
            Cause::HeadTooLarge => "head_too_large",
            Cause::HeaderTimeout => "header_timeout",
            Cause::BodyTimeout => "body_timeout",
            Cause::ConnectionLimit => "connection_limit",
            Cause::Internal => "internal",
        }
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The client certificate a request came with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PresentedCertificate {
    /// Serial, lowercase hex.
    pub serial: String,
    /// Subject, RFC 4514.
    pub subject: String,
}

/// One request and how it was answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalEntry {
    /// Sequence number, from 1, never reused (not even after a reset).
    pub seq: u64,
    /// Virtual time of the request.
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    /// The host that answered.
    pub role: Role,
    /// HTTP method; empty for a failed TLS handshake.
    pub method: String,
    /// Request path; empty for a failed TLS handshake.
    pub path: String,
    /// The client certificate of the connection (a resumed session's is the
    /// one it was first authenticated with).
    pub certificate: Option<PresentedCertificate>,
    /// HTTP status; `None` for a failed TLS handshake.
    pub status: Option<u16>,
    /// The class of the answer; `None` for a success.
    pub class: Option<Class>,
    /// The exact server-side cause.
    pub cause: Cause,
    /// The account concerned, when known.
    pub account: Option<String>,
    /// The faults that acted on this request or connection (names,
    /// comma-separated), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
}

/// What a handler tells the journal about its answer (a response extension).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The class; `None` for a success.
    pub class: Option<Class>,
    /// The cause.
    pub cause: Cause,
    /// The account concerned.
    pub account: Option<String>,
}

impl Outcome {
    /// A successful answer.
    pub fn ok(cause: Cause, account: Option<String>) -> Self {
        Self {
            class: None,
            cause,
            account,
        }
    }
}

/// The journal of one mock: the newest `capacity` entries; older ones are
/// dropped, oldest first, and counted.
#[derive(Debug)]
pub struct Journal {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    next_seq: u64,
    entries: VecDeque<JournalEntry>,
    capacity: usize,
    dropped: u64,
}

/// How full the journal is (`GET /journal/stats`, the `Journal-Dropped`
/// header of `GET /journal`, the console).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct JournalStats {
    /// Entries it keeps at most.
    pub capacity: usize,
    /// Entries it holds now.
    pub kept: usize,
    /// Entries dropped to keep within `capacity` since the mock started
    /// (not counting those a reset forgot).
    pub dropped: u64,
    /// The sequence number of the newest entry (0: none yet).
    pub last_seq: u64,
}

impl Default for Journal {
    fn default() -> Self {
        Journal::new(crate::wire::limits::JOURNAL_CAPACITY)
    }
}

/// One entry before its sequence number is known.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub time: OffsetDateTime,
    pub role: Role,
    pub method: String,
    pub path: String,
    pub certificate: Option<PresentedCertificate>,
    pub status: Option<u16>,
    pub outcome: Outcome,
    pub fault: Option<String>,
}

impl Journal {
    /// An empty journal keeping at most `capacity` entries (at least 1).
    pub fn new(capacity: usize) -> Self {
        Journal {
            inner: Mutex::new(Inner {
                next_seq: 0,
                entries: VecDeque::new(),
                capacity: capacity.max(1),
                dropped: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Keeps at most `capacity` entries (at least 1) from now on, dropping
    /// the oldest beyond it.
    pub(crate) fn set_capacity(&self, capacity: usize) {
        let mut inner = self.lock();
        inner.capacity = capacity.max(1);
        inner.trim();
    }

    /// Appends an entry and returns its sequence number.
    pub(crate) fn record(&self, r: Record) -> u64 {
        let mut inner = self.lock();
        inner.next_seq += 1;
        let seq = inner.next_seq;
        inner.entries.push_back(JournalEntry {
            seq,
            time: r.time,
            role: r.role,
            method: r.method,
            path: r.path,
            certificate: r.certificate,
            status: r.status,
            class: r.outcome.class,
            cause: r.outcome.cause,
            account: r.outcome.account,
            fault: r.fault,
        });
        inner.trim();
        seq
    }

    /// Every entry kept, oldest first.
    pub fn entries(&self) -> Vec<JournalEntry> {
        self.lock().entries.iter().cloned().collect()
    }

    /// Entries kept with a sequence number above `seq`.
    pub fn since(&self, seq: u64) -> Vec<JournalEntry> {
        let inner = self.lock();
        // Sequence numbers increase along the deque.
        let start = inner.entries.partition_point(|e| e.seq <= seq);
        inner.entries.range(start..).cloned().collect()
    }

    /// Capacity, entries kept, entries dropped, the last number.
    pub fn stats(&self) -> JournalStats {
        let inner = self.lock();
        JournalStats {
            capacity: inner.capacity,
            kept: inner.entries.len(),
            dropped: inner.dropped,
            last_seq: inner.next_seq,
        }
    }

    /// Forgets every entry; sequence numbers and the dropped count keep
    /// counting.
    pub(crate) fn clear(&self) {
        self.lock().entries.clear();
    }
}

impl Inner {
    fn trim(&mut self) {
        while self.entries.len() > self.capacity {
            self.entries.pop_front();
            self.dropped += 1;
        }
    }
}

#[cfg(test)]
mod tests;
