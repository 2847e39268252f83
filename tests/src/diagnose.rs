//! `harness diagnose TEXT`: from what a customer reported (a class line in
//! Japanese or English, a `詳細:` detail line, an exit code, a class id, a
//! journal cause) to the class, the manual's remedy, every documented
//! cause with its journal name, and the cases and fault-matrix cells that
//! reproduce each, with the command that brings each up.
//!
//! Nothing here repeats a string of the client or the mock: class lines,
//! exit codes and remedies are the client's own catalogue
//! (`certrenew::messages`), detail lines are rendered by the client from
//! sample errors of every kind, journal causes are `mock_ra::Cause::ALL`,
//! and the cases are the same [`Catalogue`] `harness list` reads (with the
//! transcript snapshots of their real runs, where there are some).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use certrenew::messages::{Class, Lang, Success};
use certrenew::net::{BodyProblem, NetError, NetErrorKind, SetupProblem, Transport};
use mock_ra::{Cause, Host};
use regex::Regex;
use serde::Serialize;

use crate::case::{Case, StepKind};
use crate::catalogue::Catalogue;
use crate::matrix::{self, Cell};

/// Variable text in a sample error (a URL, a serial, a path).
const VAR: &str = "\u{E000}";

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
    class: Class,
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
                "certrenew never opens webra1 without a certificate (it stops at ECONFIRM first); mock-ra/tests/hosts.rs covers it",
            ),
        ),
        TlsBadClientCertificate => (
            e115,
            None,
            "the handshake failed on the client certificate (not from the client-CA root)",
            false,
            Some(
                "certrenew offers only certificates chaining to the CA the server names (D4.2); mock-ra/tests/hosts.rs covers it",
            ),
        ),
        TlsHandshakeFailed => (
            e115,
            Some("D6.1"),
            "the TLS handshake failed for another reason, or timed out",
            false,
            Some(
                "the handshakes the catalogue breaks are broken by faults (journaled `fault`); mock-ra/tests/hosts.rs covers a plain failure",
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
            Some("certrenew always sends JSON with its type; mock-ra/tests/strict.rs covers it"),
        ),
        MalformedRequest => (
            e115,
            None,
            "a request head hyper could not parse (400, before any handler)",
            false,
            Some("certrenew sends well-formed requests; mock-ra/tests/limits.rs covers it"),
        ),
        HeadTooLarge => (
            e115,
            None,
            "a request head over the head limit (431)",
            false,
            Some("certrenew's requests are small; mock-ra/tests/limits.rs covers it"),
        ),
        HeaderTimeout => (
            e115,
            None,
            "a request head that did not arrive within the header timeout",
            false,
            Some("certrenew sends its head at once; mock-ra/tests/limits.rs covers it"),
        ),
        BodyTimeout => (
            e115,
            None,
            "a request body that did not arrive within the body timeout (408)",
            false,
            Some("certrenew sends its body at once; mock-ra/tests/limits.rs covers it"),
        ),
        ConnectionLimit => (
            e115,
            Some("D6.1"),
            "the listener was at its connection limit: the connection was closed at once",
            false,
            Some("needs hundreds of clients at once; mock-ra/tests/limits.rs covers it"),
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
fn client_classes() -> Vec<Class> {
    let mut v = vec![Class::Success(Success::Renewed)];
    v.extend(Class::FAILURES);
    v
}

/// A detail line the client prints, as a pattern: rendered by the client
/// from a sample error, its variable parts (URLs, serials, paths, numbers)
/// open.
#[derive(Debug, Clone)]
pub struct DetailPattern {
    /// A name for the kind of detail (`net:timeout`, `refused`, ...).
    pub kind: &'static str,
    /// The class the client gives it.
    pub class: &'static str,
    /// The line in Japanese, then English, as the client renders them.
    pub lines: [String; 2],
    patterns: [Regex; 2],
}

impl DetailPattern {
    fn matches(&self, normalised: &str) -> bool {
        self.patterns.iter().any(|p| p.is_match(normalised))
    }
}

fn net(kind: NetErrorKind) -> NetError {
    NetError {
        host: VAR.into(),
        url: VAR.into(),
        kind,
    }
}

/// The kind name of a network failure; exhaustive, so a new kind in the
/// client does not build until it has a sample below.
pub fn net_kind_name(k: &NetErrorKind) -> &'static str {
    match k {
        NetErrorKind::Connect(_) => "net:connect",
        NetErrorKind::Unresolved { .. } => "net:unresolved",
        NetErrorKind::Timeout(_) => "net:timeout",
        NetErrorKind::Tls { .. } => "net:tls",
        NetErrorKind::Status(_) => "net:status",
        NetErrorKind::Body(_) => "net:body",
        NetErrorKind::Dropped(_) => "net:dropped",
        NetErrorKind::Setup(_) => "net:setup",
        NetErrorKind::TooLarge(_) => "net:too_large",
    }
}

/// A transport failure whose text is the placeholder.
fn transport() -> Transport {
    Transport {
        io: None,
        detail: VAR.into(),
    }
}

fn net_kinds() -> Vec<NetErrorKind> {
    vec![
        NetErrorKind::Connect(transport()),
        NetErrorKind::Unresolved {
            name: VAR.into(),
            detail: VAR.into(),
        },
        NetErrorKind::Timeout(transport()),
        NetErrorKind::Tls {
            error: Box::new(rustls::Error::General(VAR.into())),
            detail: VAR.into(),
        },
        NetErrorKind::Status(500),
        NetErrorKind::Body(BodyProblem::NotProtocol(VAR.into())),
        NetErrorKind::Dropped(transport()),
        NetErrorKind::Setup(SetupProblem::Options(VAR.into())),
        NetErrorKind::TooLarge(certrenew::net::Limit::Json),
    ]
}

/// Sample errors of every kind the catalogue's cases and cells end in,
/// each with its kind name.
fn sample_errors() -> Vec<(&'static str, certrenew::Error)> {
    use certrenew::Error;
    use certrenew::confirm::NotConfirmed;
    use certrenew::selection::{Ineligible, NoCertificate};
    use certrenew::store::StoreError;
    use certrenew::trust::RootRefused;
    let mut v: Vec<(&'static str, Error)> = net_kinds()
        .into_iter()
        .map(|k| (net_kind_name(&k), Error::Net(net(k))))
        .collect();
    v.push((
        "answer-lost",
        Error::AnswerLost(net(NetErrorKind::Dropped(transport()))),
    ));
    v.push((
        "answer-lost",
        Error::AnswerLost(net(NetErrorKind::Timeout(transport()))),
    ));
    v.push((
        "answer-lost",
        Error::AnswerLost(net(NetErrorKind::Body(BodyProblem::NotProtocol(
            VAR.into(),
        )))),
    ));
    // webra2's refusals differ only by their status: the mock's own.
    for (class, wire) in [
        (Class::E550A, mock_ra::Class::E550A),
        (Class::E550F, mock_ra::Class::E550F),
        (Class::NoCert, mock_ra::Class::ENOCERT),
    ] {
        v.push((
            "refused",
            Error::Refused {
                class,
                status: mock_ra::problem::status_and_title(wire).0.as_u16(),
                host: VAR.into(),
            },
        ));
    }
    v.push((
        "no-certificate:no-store",
        Error::NoCertificate(NoCertificate::NoStore {
            path: VAR.into(),
            default: None,
        }),
    ));
    v.push((
        "no-certificate:empty-store",
        Error::NoCertificate(NoCertificate::EmptyStore),
    ));
    v.push((
        "no-certificate:no-candidate",
        Error::NoCertificate(NoCertificate::NoCandidate {
            reasons: vec![(VAR.into(), Ineligible::ChainUnknown)],
        }),
    ));
    v.push((
        "no-certificate:serial-not-found",
        Error::NoCertificate(NoCertificate::SerialNotFound(VAR.into())),
    ));
    v.push((
        "no-certificate:expired-too-long",
        Error::NoCertificate(NoCertificate::Ineligible {
            serial: VAR.into(),
            why: Ineligible::ExpiredTooLong {
                days: 90,
                not_after: VAR.into(),
            },
        }),
    ));
    v.push((
        "no-certificate:foreign-ca",
        Error::NoCertificate(NoCertificate::Ineligible {
            serial: VAR.into(),
            why: Ineligible::ForeignCa {
                accepted: VAR.into(),
            },
        }),
    ));
    v.push((
        "no-certificate:not-chosen",
        Error::NoCertificate(NoCertificate::NotChosen),
    ));
    v.push((
        "store:io",
        Error::Store(StoreError::Io {
            path: VAR.into(),
            source: std::io::Error::from(std::io::ErrorKind::StorageFull),
        }),
    ));
    v.push((
        "chain:net",
        Error::Chain {
            serial: VAR.into(),
            source: certrenew::chain::ChainError::Net(net(NetErrorKind::Status(500))),
        },
    ));
    for k in net_kinds() {
        v.push((
            "chain:net",
            Error::Chain {
                serial: VAR.into(),
                source: certrenew::chain::ChainError::Net(net(k)),
            },
        ));
    }
    v.push((
        "root:mismatch",
        Error::Root(RootRefused::Mismatch {
            expected: VAR.into(),
            got: VAR.into(),
            subject: VAR.into(),
        }),
    ));
    v.push((
        "root:declined",
        Error::Root(RootRefused::Declined {
            got: VAR.into(),
            subject: VAR.into(),
        }),
    ));
    v.push((
        "root:not-asked",
        Error::Root(RootRefused::NotAsked {
            got: VAR.into(),
            subject: VAR.into(),
        }),
    ));
    v.push((
        "confirm:page",
        Error::Confirm(NotConfirmed::Page {
            url: VAR.into(),
            status: 403,
        }),
    ));
    v.push((
        "confirm:no-identity",
        Error::Confirm(NotConfirmed::NoIdentity {
            host: VAR.into(),
            why: NoCertificate::NoCandidate {
                reasons: vec![(VAR.into(), Ineligible::ChainUnknown)],
            },
        }),
    ));
    for k in net_kinds() {
        let name = net_kind_name(&k);
        v.push((name, Error::Confirm(NotConfirmed::Unreachable(net(k)))));
    }
    v
}

/// The detail lines of every sample error, as patterns.
pub fn detail_patterns() -> Vec<DetailPattern> {
    let mut out: Vec<DetailPattern> = Vec::new();
    for (kind, e) in sample_errors() {
        let class = e.class().name();
        let lines = [Lang::Ja, Lang::En].map(|lang| {
            e.to_outcome(lang)
                .lines
                .into_iter()
                .find(|l| l.starts_with("詳細:") || l.starts_with("detail:"))
                .unwrap_or_default()
        });
        if lines.iter().any(String::is_empty) {
            continue;
        }
        if out.iter().any(|p| p.lines == lines && p.class == class) {
            continue;
        }
        // A refusal's status is what tells its classes apart.
        let digits = kind != "refused";
        let patterns = [&lines[0], &lines[1]].map(|l| pattern(l, digits));
        out.push(DetailPattern {
            kind,
            class,
            lines,
            patterns,
        });
    }
    out
}

/// A rendered sample line as a regex over normalised text: variable parts
/// and numbers open, the rest literal.
fn pattern(line: &str, open_digits: bool) -> Regex {
    let norm = normalise(line);
    let mut re = String::from("^");
    for (i, part) in norm.split(VAR).enumerate() {
        if i > 0 {
            re.push_str(".+?");
        }
        let mut lit = String::new();
        for ch in part.chars() {
            if open_digits && ch.is_ascii_digit() {
                if !lit.ends_with("\\d+") {
                    lit.push_str("\\d+");
                }
            } else {
                lit.push_str(&regex::escape(&ch.to_string()));
            }
        }
        re.push_str(&lit);
    }
    re.push('$');
    // The pattern is built from escaped text and fixed pieces only.
    Regex::new(&re).unwrap_or_else(|_| Regex::new("^$").expect("a constant regex"))
}

/// What a customer typed, made comparable: full-width ASCII and spaces
/// as half-width, the Japanese full stop and comma as ASCII, no spaces at
/// all (customers add and drop them), lowercase.
pub fn normalise(text: &str) -> String {
    let mut out = String::new();
    for ch in text.chars() {
        let c = match ch {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(ch as u32 - 0xFEE0).unwrap_or(ch),
            '\u{3002}' | '\u{FF61}' => '.',
            '\u{3001}' | '\u{FF64}' => ',',
            c => c,
        };
        if c.is_whitespace() {
            continue;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// One step of a case that shows a detail line, from its snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct SeenLine {
    /// The case.
    pub case: String,
    /// Its step, from 1.
    pub step: usize,
    /// The line as the snapshot has it (redacted).
    pub line: String,
    /// The step's exit code.
    pub exit: Option<i32>,
}

/// Detail lines and journal causes of the catalogue's cases, from their
/// transcript snapshots (the journal's `cause` is the third word after
/// `->`).
fn seen_lines(cat: &Catalogue, snapshots: &Path) -> (Vec<SeenLine>, Vec<SeenLine>) {
    let mut out = Vec::new();
    let mut causes = Vec::new();
    for case in cat.cases.iter().flatten() {
        let Ok(text) = std::fs::read_to_string(snapshots.join(format!("{}.snap", case.name())))
        else {
            continue;
        };
        let mut step = 0;
        let mut exit = None;
        for line in text.lines() {
            if let Some(code) = line.strip_prefix("exit ") {
                exit = code.trim().parse().ok();
            }
            if let Some(rest) = line.strip_prefix("[step ") {
                step = rest
                    .split(']')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(step);
                exit = None;
            } else if let Some(rest) = line.strip_prefix("journal: ")
                && let Some((_, answer)) = rest.split_once(" -> ")
                && let Some(cause) = answer.split_whitespace().nth(2)
            {
                causes.push(SeenLine {
                    case: case.name().to_owned(),
                    step,
                    line: cause.to_owned(),
                    exit,
                });
            } else if line.starts_with("詳細:") || line.starts_with("detail:") {
                out.push(SeenLine {
                    case: case.name().to_owned(),
                    step,
                    line: line.to_owned(),
                    exit,
                });
            }
        }
    }
    (out, causes)
}

/// The desk: everything `diagnose` knows, read once.
#[derive(Debug)]
pub struct Desk<'a> {
    cat: &'a Catalogue,
    classes: Vec<ClassInfo>,
    causes: Vec<CauseInfo>,
    details: Vec<DetailPattern>,
    seen: Vec<SeenLine>,
    seen_causes: Vec<SeenLine>,
    cells: Vec<Cell>,
}

/// Where the harness keeps transcript snapshots of the repository's
/// catalogue.
pub fn default_snapshots() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots")
}

impl<'a> Desk<'a> {
    /// The desk over a catalogue and the snapshots of its runs.
    pub fn new(cat: &'a Catalogue, snapshots: &Path) -> Self {
        let mut classes: Vec<ClassInfo> = client_classes()
            .into_iter()
            .map(|c| ClassInfo {
                id: c.name(),
                exit: c.exit_code(),
                message_ja: c.message(Lang::Ja),
                message_en: c.message(Lang::En),
                remedy_ja: c.remedy(Lang::Ja).to_vec(),
                remedy_en: c.remedy(Lang::En).to_vec(),
                manual: None,
                behaviours: Vec::new(),
                class: c,
            })
            .collect();
        for info in &mut classes {
            let mut sections: BTreeMap<String, usize> = BTreeMap::new();
            let mut ids = BTreeSet::new();
            for case in cat.cases.iter().flatten() {
                if !case_ends_in(case, info.exit) {
                    continue;
                }
                if case.meta.reproduces.iter().any(|r| r == info.id)
                    && let Some(m) = &case.meta.manual
                {
                    *sections.entry(m.clone()).or_default() += 1;
                }
                if case.meta.reproduces.iter().any(|r| r == info.id) {
                    ids.extend(case.meta.reproduces.iter().cloned());
                }
            }
            // A failure's own section is in the manual's chapter 3 (errors).
            let failure = info.exit != 0;
            info.manual = sections
                .into_iter()
                .max_by_key(|(s, n)| {
                    (
                        failure && s.starts_with("3."),
                        *n,
                        std::cmp::Reverse(s.clone()),
                    )
                })
                .map(|(s, _)| s);
            info.behaviours = ids.into_iter().filter(|i| i.starts_with('D')).collect();
        }
        let (seen, seen_causes) = seen_lines(cat, snapshots);
        Self {
            cat,
            classes,
            causes: Cause::ALL.into_iter().map(cause_info).collect(),
            details: detail_patterns(),
            seen,
            seen_causes,
            cells: matrix::cells(),
        }
    }

    /// Every class.
    pub fn classes(&self) -> &[ClassInfo] {
        &self.classes
    }

    /// Every journal cause, described.
    pub fn causes(&self) -> &[CauseInfo] {
        &self.causes
    }

    /// Every detail-line pattern.
    pub fn details(&self) -> &[DetailPattern] {
        &self.details
    }

    /// The detail lines the catalogue's snapshots show.
    pub fn seen(&self) -> &[SeenLine] {
        &self.seen
    }

    /// Reads what the customer reported.
    pub fn diagnose(&self, text: &str) -> Diagnosis {
        let mut found: Vec<(usize, f64, String)> = Vec::new(); // class index, confidence, how
        let mut detail: Option<DetailFound> = None;
        let mut cause: Option<&'static str> = None;
        for raw in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let n = normalise(raw);
            if let Some(d) = self.detail_of(raw, &n) {
                for class in &d.classes {
                    for ci in self.class_indexes(class) {
                        push(&mut found, ci, 1.0, format!("detail line ({})", d.kind));
                    }
                }
                detail = Some(d);
                continue;
            }
            if let Some(c) = self.causes.iter().find(|c| c.name == n) {
                cause = Some(c.name);
                for id in &c.classes {
                    for ci in self.class_indexes(id) {
                        push(&mut found, ci, 1.0, format!("journal cause {}", c.name));
                    }
                }
                continue;
            }
            let before = found.len();
            self.exact(&n, &mut found);
            if found.len() == before {
                self.closest(&n, &mut found);
            }
        }
        // Exact matches first; keep the closest ones only when nothing is sure.
        if found.iter().any(|f| f.1 >= 1.0) {
            found.retain(|f| f.1 >= 1.0);
        } else {
            found.sort_by(|a, b| b.1.total_cmp(&a.1));
            found.truncate(3);
        }
        // A detail line narrows a number shared by two classes (550).
        if let Some(d) = &detail
            && found
                .iter()
                .any(|f| d.classes.contains(&self.classes[f.0].id))
        {
            found.retain(|f| d.classes.contains(&self.classes[f.0].id));
        }
        let matches = found
            .into_iter()
            .map(|(ci, confidence, how)| self.report(ci, confidence, how, detail.as_ref(), cause))
            .collect();
        Diagnosis {
            input: text.to_owned(),
            detail,
            matches,
        }
    }

    fn class_indexes(&self, id: &str) -> Vec<usize> {
        self.classes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.id == id)
            .map(|(i, _)| i)
            .collect()
    }

    /// A class id, an exit code, a message number or a class line.
    fn exact(&self, n: &str, found: &mut Vec<(usize, f64, String)>) {
        let word = n
            .trim_start_matches("exit")
            .trim_start_matches("error")
            .trim_start_matches("code")
            .trim_start_matches([':', '='])
            .to_owned();
        for (i, c) in self.classes.iter().enumerate() {
            let id = c.id.to_lowercase();
            if n == id || (c.class == Class::NoCert && n == "nocert") {
                push(found, i, 1.0, "class id".into());
                continue;
            }
            if word == c.exit.to_string() && !word.is_empty() {
                push(found, i, 1.0, format!("exit code {}", c.exit));
            }
            for (lang, msg) in [("ja", c.message_ja), ("en", c.message_en)] {
                let m = normalise(msg);
                let (num, body) = split_number(&m);
                let (in_num, in_body) = split_number(n);
                if m == n
                    || (!body.is_empty() && in_body == body && (in_num.is_empty() || in_num == num))
                {
                    push(found, i, 1.0, format!("class line ({lang})"));
                } else if !num.is_empty() && (word == num || n == format!("{num}:")) {
                    push(found, i, 1.0, format!("message number {num}"));
                }
            }
        }
    }

    /// The classes whose lines look most like the text, with a confidence.
    fn closest(&self, n: &str, found: &mut Vec<(usize, f64, String)>) {
        for (i, c) in self.classes.iter().enumerate() {
            let best = [c.message_ja, c.message_en]
                .iter()
                .map(|m| similarity(&normalise(m), n))
                .fold(0.0, f64::max);
            let from_details = self
                .details
                .iter()
                .filter(|d| d.class == c.id)
                .flat_map(|d| d.lines.iter())
                .map(|l| similarity(&normalise(&l.replace(VAR, "")), n))
                .fold(0.0, f64::max);
            let score = best.max(from_details * 0.9);
            if score > 0.15 {
                push(
                    found,
                    i,
                    (score * 100.0).round() / 100.0 * 0.99,
                    "closest".into(),
                );
            }
        }
    }

    fn detail_of(&self, raw: &str, n: &str) -> Option<DetailFound> {
        let all: Vec<&DetailPattern> = self.details.iter().filter(|d| d.matches(n)).collect();
        let first = all.first()?;
        let mut classes: Vec<&'static str> = Vec::new();
        for d in all.iter().filter(|d| d.kind == first.kind) {
            if !classes.contains(&d.class) {
                classes.push(d.class);
            }
        }
        let host = Host::ALL
            .into_iter()
            .find(|h| raw.contains(h.hostname()))
            .map(Host::as_str);
        Some(DetailFound {
            kind: first.kind,
            classes,
            host,
        })
    }

    fn report(
        &self,
        ci: usize,
        confidence: f64,
        how: String,
        detail: Option<&DetailFound>,
        cause: Option<&'static str>,
    ) -> ClassReport {
        let info = self.classes[ci].clone();
        let mut causes = Vec::new();
        for c in &self.causes {
            if !c.classes.contains(&info.id) {
                continue;
            }
            if cause.is_some_and(|only| only != c.name) {
                continue;
            }
            let mut cases = self.cases_with_cause(c.name, info.exit);
            // With a detail line, a fault's cases are those that print it.
            if let Some(d) = detail
                && c.name == Cause::Fault.as_str()
            {
                cases.retain(|case| self.shows(&case.name, d));
            }
            let cells = if c.name == Cause::Fault.as_str() {
                self.cells_for(info.id, detail)
            } else {
                Vec::new()
            };
            causes.push(CauseReport {
                cause: c.clone(),
                cases,
                cells,
            });
        }
        // The client's own causes: what its detail lines tell apart.
        let mut client = Vec::new();
        let mut kinds: Vec<&DetailPattern> = self
            .details
            .iter()
            .filter(|d| d.class == info.id)
            .filter(|d| detail.is_none_or(|f| f.kind == d.kind))
            .collect();
        kinds.dedup_by(|a, b| a.kind == b.kind);
        for d in kinds {
            let cases: Vec<CaseRef> = self
                .seen
                .iter()
                .filter(|s| s.exit == Some(i32::from(info.exit)))
                .filter(|s| {
                    let n = normalise(&s.line);
                    self.details
                        .iter()
                        .any(|x| x.matches(&n) && x.kind == d.kind && x.class == d.class)
                })
                .filter(|s| {
                    detail
                        .and_then(|f| f.host)
                        .is_none_or(|h| s.line.contains(host_name(h)))
                })
                .filter_map(|s| self.case_ref(&s.case, Some(s.step)))
                .fold(Vec::new(), |mut v, c| {
                    if !v.iter().any(|x: &CaseRef| x.name == c.name) {
                        v.push(c);
                    }
                    v
                });
            let cells = self
                .cells
                .iter()
                .filter(|c| c.expected.as_str() == info.id)
                .filter(|c| matrix::cell_details(c).contains(&d.kind))
                .filter(|c| {
                    detail
                        .and_then(|f| f.host)
                        .is_none_or(|h| c.host.as_str() == h)
                })
                .map(cell_ref)
                .collect();
            client.push(DetailReport {
                kind: d.kind,
                line_ja: d.lines[0].replace(VAR, "…"),
                line_en: d.lines[1].replace(VAR, "…"),
                cases,
                cells,
            });
        }
        let server_only: Vec<&'static str> = causes
            .iter()
            .filter(|c| c.cause.server_only)
            .map(|c| c.cause.name)
            .collect();
        ClassReport {
            confidence,
            matched_by: how,
            class: info,
            server_only,
            causes,
            details: client,
        }
    }

    /// Whether a case's recorded run prints a detail line of `d`'s kind
    /// (on its host, when it names one).
    fn shows(&self, case: &str, d: &DetailFound) -> bool {
        self.seen.iter().filter(|s| s.case == case).any(|s| {
            let n = normalise(&s.line);
            self.details
                .iter()
                .any(|x| x.kind == d.kind && x.matches(&n))
                && d.host.is_none_or(|h| s.line.contains(host_name(h)))
        })
    }

    fn cases_with_cause(&self, cause: &str, exit: u8) -> Vec<CaseRef> {
        let mut out = Vec::new();
        for case in self.cat.cases.iter().flatten() {
            for (i, (_, step)) in case.steps.iter().enumerate() {
                let e = &step.expect;
                let named = e
                    .causes
                    .as_ref()
                    .is_some_and(|c| c.get_ref().iter().any(|x| x == cause))
                    || e.journal
                        .iter()
                        .any(|j| j.get_ref().split_whitespace().any(|w| w == cause));
                let exit_ok = match step.kind() {
                    StepKind::Certrenew => e
                        .exit
                        .as_ref()
                        .is_none_or(|x| *x.get_ref() == i32::from(exit)),
                    // A request straight to a host: its class is the wire's.
                    StepKind::Request => true,
                    _ => false,
                };
                // Or the recorded run's journal shows it.
                let recorded = self.seen_causes.iter().any(|s| {
                    s.case == case.name()
                        && s.step == i + 1
                        && s.line == cause
                        && s.exit.is_none_or(|x| x == i32::from(exit))
                        && (s.exit.is_some() || step.kind() == StepKind::Request)
                });
                if (named && exit_ok) || recorded {
                    if let Some(r) = self.case_ref(case.name(), Some(i + 1)) {
                        out.push(r);
                    }
                    break;
                }
            }
        }
        out
    }

    fn cells_for(&self, class: &str, detail: Option<&DetailFound>) -> Vec<CellRef> {
        self.cells
            .iter()
            .filter(|c| c.expected.as_str() == class)
            .filter(|c| c.fault().is_some_and(|f| f.kind.schedulable()) || c.variant.kind.is_some())
            .filter(|c| {
                detail.is_none_or(|d| {
                    matrix::cell_details(c).contains(&d.kind)
                        && d.host.is_none_or(|h| c.host.as_str() == h)
                })
            })
            .map(cell_ref)
            .collect()
    }

    fn case_ref(&self, name: &str, step: Option<usize>) -> Option<CaseRef> {
        let case = self.cat.cases.iter().flatten().find(|c| c.name() == name)?;
        Some(CaseRef {
            name: name.to_owned(),
            step,
            story: case.meta.story.clone(),
            pending: self.cat.pending.get(name).cloned(),
            run: format!("harness run {}", case_arg(case)),
            repro: format!("harness repro {}", case_arg(case)),
        })
    }
}

fn host_name(h: &str) -> &'static str {
    Host::ALL
        .into_iter()
        .find(|x| x.as_str() == h)
        .map(Host::hostname)
        .unwrap_or("")
}

fn case_arg(case: &Case) -> String {
    case.path.display().to_string()
}

fn cell_ref(c: &Cell) -> CellRef {
    CellRef {
        name: c.name(),
        story: c.why.to_owned(),
        run: format!("harness matrix --only '{}'", c.name()),
    }
}

/// Whether a case has a certrenew step ending in `exit`.
fn case_ends_in(case: &Case, exit: u8) -> bool {
    case.steps.iter().any(|(_, s)| {
        s.kind() == StepKind::Certrenew
            && s.expect
                .exit
                .as_ref()
                .is_some_and(|e| *e.get_ref() == i32::from(exit))
    })
}

fn push(found: &mut Vec<(usize, f64, String)>, i: usize, confidence: f64, how: String) {
    if let Some(f) = found.iter_mut().find(|f| f.0 == i) {
        if confidence > f.1 {
            f.1 = confidence;
            f.2 = how;
        }
        return;
    }
    found.push((i, confidence, how));
}

/// `550:text` -> (`550`, `text`); no number -> (``, text).
fn split_number(n: &str) -> (String, String) {
    match n.split_once(':') {
        Some((num, rest)) if !num.is_empty() && num.chars().all(|c| c.is_ascii_digit()) => {
            (num.to_owned(), rest.to_owned())
        }
        _ => (String::new(), n.to_owned()),
    }
}

/// Dice's coefficient over character bigrams: 1 for the same text, 0 for
/// nothing in common.
fn similarity(a: &str, b: &str) -> f64 {
    let grams = |s: &str| -> Vec<(char, char)> {
        let v: Vec<char> = s.chars().collect();
        v.windows(2).map(|w| (w[0], w[1])).collect()
    };
    let (ga, gb) = (grams(a), grams(b));
    if ga.is_empty() || gb.is_empty() {
        return 0.0;
    }
    let mut pool = gb.clone();
    let mut common = 0usize;
    for g in &ga {
        if let Some(p) = pool.iter().position(|x| x == g) {
            pool.swap_remove(p);
            common += 1;
        }
    }
    2.0 * common as f64 / (ga.len() + gb.len()) as f64
}

/// A detail line recognised in the input.
#[derive(Debug, Clone, Serialize)]
pub struct DetailFound {
    /// Its kind (`net:timeout`, ...).
    pub kind: &'static str,
    /// The classes the client gives it (webra2's 403 is E550A or ENOCERT).
    pub classes: Vec<&'static str>,
    /// The host it names, if any.
    pub host: Option<&'static str>,
}

/// A case that reproduces something.
#[derive(Debug, Clone, Serialize)]
pub struct CaseRef {
    /// Its name.
    pub name: String,
    /// The step that shows it.
    pub step: Option<usize>,
    /// Its story.
    pub story: String,
    /// Why it cannot run yet, if pending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending: Option<String>,
    /// The command that runs it.
    pub run: String,
    /// The command that brings its world up by hand.
    pub repro: String,
}

/// A matrix cell that reproduces something.
#[derive(Debug, Clone, Serialize)]
pub struct CellRef {
    /// `<fault>@<host>`.
    pub name: String,
    /// Why its class is right.
    pub story: String,
    /// The command that runs it.
    pub run: String,
}

/// A journal cause of a class, and what reproduces it.
#[derive(Debug, Clone, Serialize)]
pub struct CauseReport {
    /// The cause.
    #[serde(flatten)]
    pub cause: CauseInfo,
    /// Cases reproducing it.
    pub cases: Vec<CaseRef>,
    /// Matrix cells reproducing it.
    pub cells: Vec<CellRef>,
}

/// A kind of detail line the client prints for a class.
#[derive(Debug, Clone, Serialize)]
pub struct DetailReport {
    /// Its kind.
    pub kind: &'static str,
    /// The line, Japanese (`…` where it varies).
    pub line_ja: String,
    /// The line, English.
    pub line_en: String,
    /// Cases whose transcript shows it.
    pub cases: Vec<CaseRef>,
    /// Matrix cells that end in it.
    pub cells: Vec<CellRef>,
}

/// One class the input may mean.
#[derive(Debug, Clone, Serialize)]
pub struct ClassReport {
    /// 1.0 when the input is the class's own line, id or code; less for
    /// a guess.
    pub confidence: f64,
    /// What matched.
    pub matched_by: String,
    /// The class.
    pub class: ClassInfo,
    /// D7.2: the causes only the server's journal tells apart.
    pub server_only: Vec<&'static str>,
    /// Its journal causes.
    pub causes: Vec<CauseReport>,
    /// Its detail lines (the client's own causes).
    pub details: Vec<DetailReport>,
}

/// What `diagnose` found.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    /// The text given.
    pub input: String,
    /// The detail line recognised, if any.
    pub detail: Option<DetailFound>,
    /// The classes it may mean, surest first.
    pub matches: Vec<ClassReport>,
}

impl Diagnosis {
    /// Whether anything matched for sure.
    pub fn sure(&self) -> bool {
        self.matches.iter().any(|m| m.confidence >= 1.0)
    }

    /// The text `harness diagnose` prints.
    pub fn text(&self) -> String {
        let mut o = String::new();
        if self.matches.is_empty() {
            let _ = writeln!(
                o,
                "nothing in the catalogue looks like this; try the class line, the 詳細: line, the exit code or a class id (harness list shows them)"
            );
            return o;
        }
        if !self.sure() {
            let _ = writeln!(o, "not a line the client prints; the closest classes:");
            for m in &self.matches {
                let _ = writeln!(
                    o,
                    "  {:<9} {:>3.0}% sure  {}",
                    m.class.id,
                    m.confidence * 100.0,
                    m.class.message_ja
                );
            }
            o.push('\n');
        }
        if let Some(d) = &self.detail {
            let _ = writeln!(
                o,
                "detail line: {} ({}){}\n",
                d.kind,
                d.classes.join(" or "),
                d.host.map(|h| format!(" on {h}")).unwrap_or_default()
            );
        }
        for m in &self.matches {
            let c = &m.class;
            let _ = writeln!(
                o,
                "== {} (exit {}){}  [{}]",
                c.id,
                c.exit,
                if m.confidence < 1.0 {
                    format!(", {:.0}% sure", m.confidence * 100.0)
                } else {
                    String::new()
                },
                m.matched_by
            );
            let _ = writeln!(o, "  ja: {}", c.message_ja);
            let _ = writeln!(o, "  en: {}", c.message_en);
            if let Some(s) = &c.manual {
                let _ = writeln!(o, "  manual: section {s}");
            }
            if !c.behaviours.is_empty() {
                let _ = writeln!(o, "  behaviours: {}", c.behaviours.join(" "));
            }
            if !c.remedy_ja.is_empty() {
                let _ = writeln!(o, "  remedy (ja):");
                for r in &c.remedy_ja {
                    let _ = writeln!(o, "    {r}");
                }
                let _ = writeln!(o, "  remedy (en):");
                for r in &c.remedy_en {
                    let _ = writeln!(o, "    {r}");
                }
            }
            if !m.causes.is_empty() {
                let _ = writeln!(o, "  server-side causes (journal):");
                for cr in &m.causes {
                    let cause = &cr.cause;
                    let _ = writeln!(
                        o,
                        "    {:<24} {}{}",
                        cause.name,
                        cause
                            .behaviour
                            .map(|b| format!("{b}: "))
                            .unwrap_or_default(),
                        cause.about
                    );
                    write_refs(&mut o, &cr.cases, &cr.cells, cause.no_case_because);
                }
            }
            if !m.server_only.is_empty() {
                let _ = writeln!(
                    o,
                    "  only the server tells these apart (D7.2: the customer sees the same lines): {}",
                    m.server_only.join(", ")
                );
            }
            if !m.details.is_empty() {
                let _ = writeln!(o, "  client-side causes (the 詳細: line tells them apart):");
                for d in &m.details {
                    let _ = writeln!(o, "    {:<24} {}", d.kind, d.line_ja);
                    let _ = writeln!(o, "    {:<24} {}", "", d.line_en);
                    write_refs(&mut o, &d.cases, &d.cells, None);
                }
            }
            o.push('\n');
        }
        o
    }
}

fn write_refs(o: &mut String, cases: &[CaseRef], cells: &[CellRef], none_because: Option<&str>) {
    for c in cases {
        let _ = writeln!(
            o,
            "      case {}{}{}: {}",
            c.name,
            c.step.map(|s| format!(" (step {s})")).unwrap_or_default(),
            c.pending
                .as_ref()
                .map(|p| format!(" [pending: {p}]"))
                .unwrap_or_default(),
            c.story
        );
        let _ = writeln!(o, "        $ {}", c.run);
        let _ = writeln!(o, "        $ {}", c.repro);
    }
    for c in cells {
        let _ = writeln!(o, "      cell {}: {}", c.name, c.story);
        let _ = writeln!(o, "        $ {}", c.run);
    }
    if cases.is_empty() && cells.is_empty() {
        match none_because {
            Some(why) => {
                let _ = writeln!(o, "      no case: {why}");
            }
            None => {
                let _ = writeln!(o, "      NO CASE reproduces it");
            }
        }
    }
}

/// The longest fixed piece of a kind's Japanese detail line (no variable
/// part, no number): what a run showing that kind must print.
pub fn distinctive(kind: &str) -> Option<String> {
    let d = detail_patterns().into_iter().find(|d| d.kind == kind)?;
    d.lines[0]
        .split(|c: char| c == '\u{E000}' || c.is_ascii_digit())
        .map(str::trim)
        .max_by_key(|p| p.chars().count())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue() -> Catalogue {
        Catalogue::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios"))
            .expect("the repository's catalogue loads")
    }

    fn names(d: &Diagnosis) -> Vec<&'static str> {
        d.matches.iter().map(|m| m.class.id).collect()
    }

    fn causes_with_cases(m: &ClassReport) -> Vec<&'static str> {
        m.causes
            .iter()
            .filter(|c| !c.cases.is_empty() || !c.cells.is_empty())
            .map(|c| c.cause.name)
            .collect()
    }

    #[test]
    fn every_class_line_in_both_languages_and_as_typed_names_its_class() {
        let cat = catalogue();
        let desk = Desk::new(&cat, &default_snapshots());
        for info in desk.classes() {
            for line in [info.message_ja, info.message_en] {
                let half_width = line.replace('。', ".").replace('、', ",");
                let full_width: String = line
                    .chars()
                    .map(|c| match c {
                        '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
                        c => c,
                    })
                    .collect();
                let spaced = format!("  {} ", line.replacen(':', " : ", 1));
                let without_number = split_number(line).1;
                for typed in [
                    line.to_owned(),
                    half_width,
                    full_width,
                    spaced,
                    without_number,
                ] {
                    let d = desk.diagnose(&typed);
                    assert_eq!(names(&d), [info.id], "{typed:?}");
                    assert!(d.sure(), "{typed:?}");
                }
            }
        }
    }

    #[test]
    fn the_five_class_lines_of_the_manual_list_their_causes_and_cases() {
        let cat = catalogue();
        let desk = Desk::new(&cat, &default_snapshots());
        let expect: [(&str, &[&str], &str); 5] = [
            ("E115", &["fault"], "3.1"),
            (
                "ENOCERT",
                &["no_client_certificate", "expired_too_long"],
                "3.2",
            ),
            (
                "E550A",
                &[
                    "foreign_certificate",
                    "reissued",
                    "revoked",
                    "password_locked",
                    "wrong_password",
                    "password_expired",
                ],
                "3.3",
            ),
            ("E550F", &["not_created", "already_fetched"], "3.4"),
            (
                "ECONFIRM",
                &[
                    "confirm_expired",
                    "confirm_revoked",
                    "confirm_not_yet_valid",
                ],
                "3.5",
            ),
        ];
        for (id, causes, section) in expect {
            let info = desk.classes().iter().find(|c| c.id == id).unwrap();
            for line in [info.message_ja, info.message_en] {
                let d = desk.diagnose(line);
                assert_eq!(names(&d), [id]);
                let m = &d.matches[0];
                let found = causes_with_cases(m);
                for c in causes {
                    assert!(found.contains(c), "{id}: {c} has no case: {found:?}");
                }
                assert_eq!(m.class.manual.as_deref(), Some(section), "{id}");
                assert!(!m.class.remedy_ja.is_empty() && !m.class.remedy_en.is_empty());
                let text = d.text();
                assert!(text.contains(info.remedy_ja[0]), "{text}");
                assert!(text.contains("$ harness run "), "{text}");
            }
        }
        // D7.2: E550A's causes are told apart by the server only.
        let d = desk.diagnose("550:証明書ファイルは取得できませんでした。認証に失敗しました。");
        assert!(d.matches[0].server_only.contains(&"wrong_password"));
        assert!(d.text().contains("only the server tells these apart"));
        // The number alone is both 550 classes; 115 is E115.
        assert_eq!(names(&desk.diagnose("550")), ["E550A", "E550F"]);
        assert_eq!(names(&desk.diagnose("error 115")), ["E115"]);
        assert_eq!(names(&desk.diagnose("exit 6")), ["E550F"]);
        assert_eq!(names(&desk.diagnose("enocert")), ["ENOCERT"]);
    }

    #[test]
    fn a_hang_on_repo1_names_the_hang_latency_and_bandwidth_cells_of_repo1() {
        let cat = catalogue();
        let desk = Desk::new(&cat, &default_snapshots());
        let d = desk
            .diagnose("詳細: http://repo1.secomtrust.net/ から時間内に応答がありませんでした。");
        assert_eq!(names(&d), ["E115"]);
        // No case times out on repo1, so no case is listed for its fault;
        // a timeout on repository is e115-repository's.
        let fault = |d: &Diagnosis| -> Vec<String> {
            d.matches[0]
                .causes
                .iter()
                .filter(|c| c.cause.name == "fault")
                .flat_map(|c| c.cases.iter().map(|x| x.name.clone()))
                .collect()
        };
        assert_eq!(fault(&d), Vec::<String>::new());
        let r = desk.diagnose(
            "詳細: http://repository.secomtrust.net/ から時間内に応答がありませんでした。",
        );
        assert_eq!(fault(&r), ["e115-repository"]);
        let detail = d.detail.as_ref().unwrap();
        assert_eq!((detail.kind, detail.host), ("net:timeout", Some("repo1")));
        let cells: Vec<&str> = d.matches[0]
            .details
            .iter()
            .flat_map(|x| x.cells.iter().map(|c| c.name.as_str()))
            .collect();
        assert_eq!(
            cells,
            [
                "hang@repo1",
                "latency-beyond-timeout@repo1",
                "bandwidth@repo1"
            ]
        );
        // With the class line before it, the same.
        let d = desk.diagnose(
            "115:データの問合せに失敗しました。\n詳細: http://repo1.secomtrust.net/ から時間内に応答がありませんでした。",
        );
        assert_eq!(names(&d), ["E115"]);
        assert!(d.text().contains("harness matrix --only 'bandwidth@repo1'"));
    }

    #[test]
    fn every_journal_cause_is_reachable_and_every_customer_cause_has_a_case() {
        let cat = catalogue();
        let desk = Desk::new(&cat, &default_snapshots());
        let mut missing = Vec::new();
        for cause in Cause::ALL {
            let info = cause_info(cause);
            // By its name, as a QA engineer reads it in a journal line.
            let d = desk.diagnose(cause.as_str());
            if info.classes.is_empty() {
                assert!(d.matches.is_empty(), "{}", cause.as_str());
                assert!(info.no_case_because.is_some());
                continue;
            }
            assert!(d.sure(), "{}", cause.as_str());
            // And from each class it shows as.
            for class in &info.classes {
                let d = desk.diagnose(class);
                let m = d.matches.iter().find(|m| m.class.id == *class).unwrap();
                let c = m
                    .causes
                    .iter()
                    .find(|c| c.cause.name == cause.as_str())
                    .unwrap_or_else(|| panic!("{class} does not list {}", cause.as_str()));
                if info.no_case_because.is_none() && c.cases.is_empty() && c.cells.is_empty() {
                    missing.push(format!("{} ({class})", cause.as_str()));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "causes the mock can record that no case reproduces: {missing:?}"
        );
    }

    #[test]
    fn every_detail_line_the_catalogue_prints_is_recognised() {
        let cat = catalogue();
        let desk = Desk::new(&cat, &default_snapshots());
        assert!(desk.seen().len() >= 20, "{}", desk.seen().len());
        for seen in desk.seen() {
            let d = desk.diagnose(&seen.line);
            let class = desk
                .classes()
                .iter()
                .find(|c| Some(i32::from(c.exit)) == seen.exit)
                .map(|c| c.id);
            assert!(d.detail.is_some(), "{}: {}", seen.case, seen.line);
            let class = class.unwrap_or_default();
            assert!(
                names(&d).contains(&class),
                "{}: {}: {:?}",
                seen.case,
                seen.line,
                names(&d)
            );
            // The case is named for it.
            let listed = d
                .matches
                .iter()
                .filter(|m| m.class.id == class)
                .flat_map(|m| m.details.iter())
                .any(|x| x.cases.iter().any(|c| c.name == seen.case));
            assert!(listed, "{} not listed for {}", seen.case, seen.line);
        }
        // Every kind a matrix cell ends in is a kind the client prints, and
        // each cell is listed under its class.
        for cell in matrix::cells() {
            for kind in matrix::cell_details(&cell) {
                let d = desk.diagnose(cell.expected.as_str());
                let listed = d.matches[0]
                    .details
                    .iter()
                    .filter(|x| x.kind == kind)
                    .any(|x| x.cells.iter().any(|c| c.name == cell.name()));
                assert!(listed, "{} ({kind}) is not reachable", cell.name());
            }
        }
        // Every pattern's line, rendered with a URL, is recognised as itself.
        for p in desk.details() {
            let line = p.lines[0].replace(VAR, "https://webra2.secomtrust.net/x");
            let d = desk.diagnose(&line);
            assert!(
                d.detail
                    .as_ref()
                    .is_some_and(|x| x.classes.contains(&p.class)),
                "{line}"
            );
        }
    }

    #[test]
    fn unknown_text_gets_the_closest_classes_and_how_sure() {
        let cat = catalogue();
        let desk = Desk::new(&cat, &default_snapshots());
        let d = desk.diagnose("証明書ファイルが取得できません");
        assert!(!d.sure());
        assert!(!d.matches.is_empty() && d.matches.len() <= 3);
        assert!(d.matches[0].class.id.starts_with("E550"), "{:?}", names(&d));
        assert!(d.text().contains("% sure"), "{}", d.text());
        let d = desk.diagnose("zzzz qqqq");
        assert!(d.matches.is_empty());
    }
}
