//! The presentation layer: the one place that turns what the domain
//! returns (errors, refusals, a visit of the confirmation page) into an
//! [`Outcome`] with the catalogue's lines and the JSON fields, and that
//! words the questions the domain asks ([`Asking`]). The domain modules
//! (`selection`, `trust`, `confirm`) and the error type name no line.

use std::path::Path;

use super::class::Success;
use super::lang::Lang;
use super::outcome::Outcome;
use super::text::Text;
use crate::cert::CertFacts;
use crate::chain::ChainError;
use crate::clock::rfc3339;
use crate::confirm::{NotConfirmed, Remembered, Visit};
use crate::error::Error;
use crate::net::{NetError, NetErrorKind, WEBRA1_HOST};
use crate::prompt::{Dialog, Prompter};
use crate::selection::NoCertificate;
use crate::trust::RootRefused;

impl Error {
    /// The outcome printed for this error: the class, this error as a detail
    /// line, the lines only this error knows, and the remedy.
    pub fn to_outcome(&self, lang: Lang) -> Outcome {
        let o = self.to_outcome_without_remedy(lang);
        self.add_remedy(o, lang)
    }

    /// The remedy for this error: the class's, unless the error knows a
    /// better one (ENOCERT has several causes, D6.2/D6.3, each with its own).
    pub fn add_remedy(&self, o: Outcome, lang: Lang) -> Outcome {
        match self {
            Error::NoCertificate(nc) | Error::Confirm(NotConfirmed::NoIdentity { why: nc, .. }) => {
                o.with_remedy_lines(Text::no_certificate_remedy(nc, lang))
            }
            _ => o.with_remedy(lang),
        }
    }

    /// [`Error::to_outcome`] without the remedy, for callers that add lines
    /// of their own before it.
    pub fn to_outcome_without_remedy(&self, lang: Lang) -> Outcome {
        let mut o = Outcome::new(self.class())
            .field("error", self.to_string())
            .line(
                Text::Detail {
                    text: &Text::describe(self, lang),
                }
                .render(lang),
            );
        match self {
            Error::Net(e) => {
                o = net_lines(o, e, lang);
            }
            Error::AnswerLost(e) => {
                o = net_lines(o, e, lang)
                    .field("issuance_answer_lost", true)
                    .line(Text::AnswerLost.render(lang));
            }
            Error::Refused { host, status, .. } => {
                o = o.field("host", host.clone()).field("status", *status);
            }
            Error::NoCertificate(NoCertificate::NoCandidate { reasons }) => {
                for (serial, why) in reasons {
                    o = o.line(Text::Excluded { serial, why }.render(lang));
                }
            }
            Error::NotStored {
                recovery: Some(p),
                serial,
                ..
            } => {
                o = o
                    .line(Text::RecoverySaved { path: p }.render(lang))
                    .field("recovery_file", p.display().to_string())
                    .field("serial", serial.clone());
            }
            Error::Chain { serial, source } => {
                if let ChainError::Net(e) = source {
                    o = net_lines(o, e, lang);
                }
                o = o
                    .field("serial", serial.clone())
                    .field("issued_and_stored", true)
                    .line(Text::StoredChainLater.render(lang));
            }
            Error::Root(r) => {
                o = root_refused_lines(o, r, lang);
            }
            Error::RootAfterIssuance { serial, refused } => {
                o = root_refused_lines(o, refused, lang)
                    .field("serial", serial.clone())
                    .field("issued_and_stored", true)
                    .line(Text::IssuedAndStored { serial }.render(lang));
            }
            Error::Confirm(c) => {
                if let NotConfirmed::Unreachable(e) = c {
                    o = net_lines(o, e, lang);
                }
                o = not_confirmed_fields(o, c);
            }
            _ => {}
        }
        o
    }
}

/// A refused root's detail lines and fields (D4.5).
fn root_refused_lines(mut o: Outcome, r: &RootRefused, lang: Lang) -> Outcome {
    match r {
        RootRefused::Mismatch {
            expected,
            got,
            subject,
        } => {
            o = o
                .field("expected_sha1", expected.clone())
                .field("got_sha1", got.clone())
                .field("root_subject", subject.clone())
                .line(Text::RootMismatch { expected, got }.render(lang))
                .line(Text::RootNotInstalled.render(lang));
        }
        RootRefused::Declined { got, subject } | RootRefused::NotAsked { got, subject } => {
            o = o
                .field("got_sha1", got.clone())
                .field("root_subject", subject.clone())
                .line(Text::RootCheckThenRetry.render(lang));
        }
    }
    o
}

/// The detail fields of a confirmation page that did not confirm (its
/// lines come from the error and the caller).
fn not_confirmed_fields(o: Outcome, c: &NotConfirmed) -> Outcome {
    match c {
        NotConfirmed::Page { status, url } => o.field("status", *status).field("url", url.clone()),
        NotConfirmed::Unreachable(e) => o.field("url", e.url.clone()),
        NotConfirmed::NoIdentity { host, .. } => o.field("host", host.clone()),
    }
}

/// The outcome of `verify` for one visit, with the presented identity;
/// D6.11's remedy names the SSL-state directory when there is one.
pub fn verify_outcome(
    visit: &Visit,
    remembered: Option<&Remembered>,
    ssl_state: Option<&Path>,
    lang: Lang,
) -> Outcome {
    let failure = visit
        .result
        .as_ref()
        .err()
        .map(|e| Error::Confirm(e.clone()));
    let mut o = match &failure {
        None => Outcome::success(Success::Confirmed),
        Some(e) => e.to_outcome_without_remedy(lang),
    };
    if let Some(p) = &visit.presented {
        let c = &p.cert;
        o = o
            .field("presented_serial", c.serial.clone())
            .field("presented_not_after", rfc3339(c.not_after))
            .line(
                Text::Presented {
                    serial: &c.serial,
                    not_after: &rfc3339(c.not_after),
                }
                .render(lang),
            );
    }
    if let Some(r) = remembered {
        o = o
            .field("ssl_state_serial", r.serial.clone())
            .line(Text::RememberedPresented { serial: &r.serial }.render(lang));
    }
    match &failure {
        None => o,
        Some(Error::Confirm(NotConfirmed::Page { .. })) => {
            o.with_remedy_lines(vec![Text::ClearSslState { dir: ssl_state }.render(lang)])
        }
        Some(e) => e.add_remedy(o, lang),
    }
}

/// The domain's questions worded in the customer's language and asked
/// through a [`Prompter`]: the root question (D4.5) and the pick among the
/// candidates (D4.2 その他). An answer that cannot be read is no.
pub struct Asking<'p> {
    prompter: &'p mut dyn Prompter,
    lang: Lang,
}

impl std::fmt::Debug for Asking<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Asking")
            .field("interactive", &self.prompter.interactive())
            .field("lang", &self.lang)
            .finish()
    }
}

impl<'p> Asking<'p> {
    /// Asks through `prompter`, in `lang`.
    pub fn new(prompter: &'p mut dyn Prompter, lang: Lang) -> Self {
        Self { prompter, lang }
    }
}

impl Dialog for Asking<'_> {
    fn interactive(&self) -> bool {
        self.prompter.interactive()
    }

    fn accept_root(&mut self, subject: &str, sha1: &str) -> bool {
        let q = Text::RootQuestion { subject, sha1 }.render(self.lang);
        self.prompter.confirm(&q).unwrap_or(false)
    }

    fn pick(&mut self, candidates: &[&CertFacts]) -> Option<usize> {
        let lines = Text::numbered(candidates, self.lang);
        let q = Text::PickQuestion {
            count: candidates.len(),
        }
        .render(self.lang);
        self.prompter
            .choose(&lines, &q, candidates.len())
            .ok()
            .flatten()
    }
}

/// The name of a transport failure in JSON `details.failure`.
pub fn failure_name(kind: &NetErrorKind) -> &'static str {
    match kind {
        NetErrorKind::Connect(_) | NetErrorKind::Unresolved { .. } => "connect",
        NetErrorKind::Timeout(_) => "timeout",
        NetErrorKind::Tls { .. } => "tls",
        NetErrorKind::Status(_) => "status",
        NetErrorKind::Body(_) | NetErrorKind::TooLarge(_) => "body",
        NetErrorKind::Dropped(_) => "dropped",
        NetErrorKind::Setup(_) => "setup",
    }
}

/// Which host failed, the interception hint, and the host table of D6.1.
fn net_lines(mut o: Outcome, e: &NetError, lang: Lang) -> Outcome {
    o = o
        .field("host", e.host.clone())
        .field("url", e.url.clone())
        .field("failure", failure_name(&e.kind));
    if !e.host.is_empty() {
        let answered = matches!(
            e.kind,
            NetErrorKind::Status(_)
                | NetErrorKind::Body(_)
                | NetErrorKind::TooLarge(_)
                | NetErrorKind::Dropped(_)
        );
        o = o.line(
            Text::HostFailed {
                host: &e.host,
                answered,
            }
            .render(lang),
        );
    }
    if let NetErrorKind::Tls { .. } = e.kind {
        o = o.line(Text::Interception.render(lang));
    }
    if e.host == WEBRA1_HOST {
        o = o.line(Text::AllowConfirmationPage.render(lang));
    }
    host_table(o, lang)
}

/// The manual's table of hosts (D3, D6.1), as the catalogue writes it.
pub fn host_table(mut o: Outcome, lang: Lang) -> Outcome {
    for line in Text::host_table(lang) {
        o = o.line(line);
    }
    o
}
