//! The tables `diagnose` reads: every class of the client's catalogue and
//! what each journal cause means for the customer.

use certrenew::messages::{Class, Success};
use mock_ra::Cause;
use serde::Serialize;

/// One class of outcome, from the client's catalogue.
#[derive(Debug, Clone, Serialize)]
pub struct ClassInfo {
    /// `E550A`, `ENOCERT`, `success`, ...
    pub id: &'static str,
    /// certrenew's exit code.
    pub exit: u8,
    /// The class line, Japanese (the manual's words).
    pub message_ja: &'static str,
    /// The class line, English.
    pub message_en: &'static str,
    /// The remedy lines, Japanese.
    pub remedy_ja: Vec<&'static str>,
    /// The remedy lines, English.
    pub remedy_en: Vec<&'static str>,
    /// The manual's section (from the cases that reproduce the class).
    pub manual: Option<String>,
    /// DOMAIN ids the class's cases reproduce.
    pub behaviours: Vec<String>,
    #[serde(skip)]
    pub(super) class: Class,
}

/// Where a journal cause shows up for the customer.
#[derive(Debug, Clone, Serialize)]
pub struct CauseInfo {
    /// The journal's name (`wrong_password`).
    pub name: &'static str,
    /// The classes the customer sees for it; empty: never certrenew's
    /// (the admin API).
    pub classes: Vec<&'static str>,
    /// The DOMAIN id it belongs to, if any.
    pub behaviour: Option<&'static str>,
    /// What it means.
    pub about: &'static str,
    /// D7.2: the customer's output is the same for every cause of its
    /// class; only the server's journal tells them apart.
    pub server_only: bool,
    /// Why no case needs to reproduce it (admin API, the mock's own
    /// failure); `None` for every cause a case must reproduce.
    pub no_case_because: Option<&'static str>,
}

/// The documented meaning of every journal cause. The match is exhaustive,
/// so a new cause in mock-ra does not build until it is described here.
pub fn cause_info(c: Cause) -> CauseInfo {
    use Cause::*;
    let e550a = &["E550A"][..];
    let e550f = &["E550F"][..];
    let enocert = &["ENOCERT"][..];
    let econfirm = &["ECONFIRM"][..];
    let e115 = &["E115"][..];
    let ok = &["success"][..];
    let admin = &[][..];
    let (classes, behaviour, about, server_only, no_case_because): (
        &[&'static str],
        Option<&'static str>,
        &'static str,
        bool,
        Option<&'static str>,
    ) = match c {
        NoClientCertificate => (
            enocert,
            Some("D6.3"),
            "webra2's login came without a client certificate: the server's own ENOCERT",
            true,
            None,
        ),
        ExpiredTooLong => (
            enocert,
            Some("D7.1"),
            "the certificate ended 90 days ago or more: the server enforces D6.2 itself",
            true,
            None,
        ),
        ForeignCertificate => (
            e550a,
            Some("D6.5"),
            "the certificate belongs to no account: the wrong certificate was selected",
            true,
            None,
        ),
        Reissued => (
            e550a,
            Some("D6.8"),
            "the certificate was superseded by a reissue: the older one was presented",
            true,
            None,
        ),
        Revoked => (
            e550a,
            Some("D6.8"),
            "the certificate is revoked (not by a reissue)",
            true,
            None,
        ),
        PasswordLocked => (
            e550a,
            Some("D6.6"),
            "the account is locked after too many wrong passwords",
            true,
            None,
        ),
        WrongPassword => (
            e550a,
            Some("D6.4"),
            "not the password in force 28 days before the certificate's expiry (D2.1)",
            true,
            None,
        ),
        PasswordExpired => (e550a, Some("D6.7"), "the password has expired", true, None),
        NotCreated => (
            e550f,
            Some("D6.10"),
            "the renewal order does not exist yet",
            true,
            None,
        ),
        AlreadyFetched => (
            e550f,
            Some("D6.9"),
            "the renewal certificate was already fetched (an earlier run, or a lost answer: D7.3)",
            true,
            None,
        ),
        TicketIssued => (
            ok,
            None,
            "the login succeeded: a ticket was issued",
            false,
            None,
        ),
        Issued => (
            ok,
            Some("D7.3"),
            "the renewal certificate was issued and the order is fetched",
            false,
            None,
        ),
        ConfirmOk => (
            ok,
            Some("D5.1"),
            "the confirmation page showed success",
            false,
            None,
        ),
        Page => (ok, None, "an HTML page was served", false, None),
        Served => (ok, None, "a CA certificate or CRL was served", false, None),
        Proxied => (
            ok,
            None,
            "the forward proxy opened a tunnel or forwarded a request",
            false,
            None,
        ),
        ConfirmExpired => (
            econfirm,
            Some("D6.11"),
            "the confirmation page saw an expired certificate (an SSL state left from the old one)",
            true,
            None,
        ),
        ConfirmRevoked => (
            econfirm,
            Some("D5.1"),
            "the confirmation page saw a revoked certificate",
            true,
            None,
        ),
        ConfirmNotYetValid => (
            econfirm,
            Some("D5.1"),
            "the confirmation page saw a certificate not valid yet",
            true,
            None,
        ),
        TlsNoClientCertificate => (
            econfirm,
            Some("D5.1"),
            "webra1's handshake failed: no client certificate was sent",
            false,
            Some(
                "certrenew never opens webra1 without a certificate (it stops at ECONFIRM first); mock-ra/tests/it/hosts.rs covers it",
            ),
        ),
        TlsBadClientCertificate => (
            e115,
            None,
            "the handshake failed on the client certificate (not from the client-CA root)",
            false,
            Some(
                "certrenew offers only certificates chaining to the CA the server names (D4.2); mock-ra/tests/it/hosts.rs covers it",
            ),
        ),
        TlsHandshakeFailed => (
            e115,
            Some("D6.1"),
            "the TLS handshake failed for another reason, or timed out",
            false,
            Some(
                "the handshakes the catalogue breaks are broken by faults (journaled `fault`); mock-ra/tests/it/hosts.rs covers a plain failure",
            ),
        ),
        Fault => (
            &["E115", "ENOCERT", "ECONFIRM", "success"][..],
            Some("D6.1"),
            "a fault acted instead of the server (the line names it): blocked, hung, reset, intercepted, garbled",
            false,
            None,
        ),
        BadRequest => (
            e115,
            None,
            "a malformed request: the client does not send one",
            false,
            Some("certrenew never sends one; mock-ra's own tests cover it"),
        ),
        BadTicket => (
            e115,
            None,
            "an unknown, expired, used or foreign login ticket",
            false,
            Some("certrenew uses the ticket at once; mock-ra's own tests cover it"),
        ),
        TooLarge => (
            e115,
            None,
            "a request body over the limit",
            false,
            Some("certrenew never sends one; mock-ra's own tests cover it"),
        ),
        UnsupportedMediaType => (
            e115,
            None,
            "a request body without `Content-Type: application/json` (415)",
            false,
            Some("certrenew always sends JSON with its type; mock-ra/tests/it/strict.rs covers it"),
        ),
        MalformedRequest => (
            e115,
            None,
            "a request head hyper could not parse (400, before any handler)",
            false,
            Some("certrenew sends well-formed requests; mock-ra/tests/it/limits.rs covers it"),
        ),
        HeadTooLarge => (
            e115,
            None,
            "a request head over the head limit (431)",
            false,
            Some("certrenew's requests are small; mock-ra/tests/it/limits.rs covers it"),
        ),
        HeaderTimeout => (
            e115,
            None,
            "a request head that did not arrive within the header timeout",
            false,
            Some("certrenew sends its head at once; mock-ra/tests/it/limits.rs covers it"),
        ),
        BodyTimeout => (
            e115,
            None,
            "a request body that did not arrive within the body timeout (408)",
            false,
            Some("certrenew sends its body at once; mock-ra/tests/it/limits.rs covers it"),
        ),
        ConnectionLimit => (
            e115,
            Some("D6.1"),
            "the listener was at its connection limit: the connection was closed at once",
            false,
            Some("needs hundreds of clients at once; mock-ra/tests/it/limits.rs covers it"),
        ),
        NotFound => (
            e115,
            None,
            "an unknown path",
            false,
            Some("certrenew asks only documented paths; mock-ra's own tests cover it"),
        ),
        MethodNotAllowed => (
            e115,
            None,
            "a known path with the wrong method",
            false,
            Some("certrenew uses the documented methods; mock-ra's own tests cover it"),
        ),
        ProxyBadGateway => (
            e115,
            Some("D6.1"),
            "the forward proxy could not reach the host asked for",
            false,
            Some(
                "needs a host that is down behind a working proxy; mock-ra's proxy tests cover it",
            ),
        ),
        UnknownHost => (
            e115,
            None,
            "virtual hosting: the SNI or Host header names none of the shared port's hosts",
            false,
            Some("certrenew always names its host; mock-ra's vhost tests cover it"),
        ),
        Internal => (
            e115,
            None,
            "the mock failed itself",
            false,
            Some("a bug in the mock, never a customer's situation"),
        ),
        AdminOk => (
            admin,
            None,
            "an admin request was carried out",
            false,
            Some("the admin API, never certrenew's"),
        ),
        AdminNotFound => (
            admin,
            None,
            "an admin request named something that does not exist",
            false,
            Some("the admin API, never certrenew's"),
        ),
        AdminBadRequest => (
            admin,
            None,
            "an admin request was refused as malformed",
            false,
            Some("the admin API, never certrenew's"),
        ),
        Unauthorized => (
            admin,
            None,
            "an admin request without the right bearer token",
            false,
            Some("the admin API, never certrenew's"),
        ),
    };
    CauseInfo {
        name: c.as_str(),
        classes: classes.to_vec(),
        behaviour,
        about,
        server_only,
        no_case_because,
    }
}

/// Every class of the client's catalogue, success first.
pub(super) fn client_classes() -> Vec<Class> {
    let mut v = vec![Class::Success(Success::Renewed)];
    v.extend(Class::FAILURES);
    v
}
