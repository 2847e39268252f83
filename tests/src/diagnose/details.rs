//! Detail lines: rendered by the client from sample errors of every kind,
//! turned into patterns over normalised text.

use certrenew::messages::{Class, Lang};
use certrenew::net::{BodyProblem, NetError, NetErrorKind, SetupProblem, Transport};
use regex::Regex;

/// Variable text in a sample error (a URL, a serial, a path).
pub(super) const VAR: &str = "\u{E000}";

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
    pub(super) fn matches(&self, normalised: &str) -> bool {
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
