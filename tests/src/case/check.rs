//! What serde cannot check about a case's steps: one kind per step, the
//! options that belong to certrenew steps, faults added by admin steps,
//! `within`, and the placeholders of arguments and expected output.

use crate::case::model::{Admin, Step, StepKind};

/// Checks step `number` (1-based), which starts at `where_`
/// (`file:line:column`); `at` gives the position of a byte offset. The
/// error is the message as shown, `where_` first.
pub(super) fn step(
    step: &Step,
    number: usize,
    where_: &str,
    at: &impl Fn(usize) -> String,
) -> Result<(), String> {
    let kinds = [
        step.certrenew.is_some(),
        step.clock.is_some(),
        step.admin.is_some(),
        step.request.is_some(),
    ];
    let n = kinds.iter().filter(|k| **k).count();
    if n != 1 {
        return Err(format!(
            "{where_}: step {number} must have exactly one of `certrenew`, `clock`, `admin`, `request` (it has {n})"
        ));
    }
    if step.kind() != StepKind::Certrenew
        && (step.password.is_some()
            || step.stdin.is_some()
            || !step.unreachable.is_empty()
            || step.disk_full)
    {
        return Err(format!(
            "{where_}: step {number}: `password`, `stdin`, `unreachable` and `disk_full` apply to certrenew steps only"
        ));
    }
    if step.password.is_some() && step.stdin.is_some() {
        return Err(format!(
            "{where_}: step {number}: give either `password` or `stdin`, not both"
        ));
    }
    if let Some(Admin::AddFault { fault }) = &step.admin
        && let Err(e) = fault.check()
    {
        return Err(format!(
            "{where_}: step {number}: admin add_fault: {}: {}",
            e.field, e.why
        ));
    }
    let expect = &step.expect;
    if let Some(within) = &expect.within
        && within.get_ref().duration().whole_seconds() <= 0
    {
        return Err(format!(
            "{}: step {number}: within = `{}`: expected a positive time such as \"5s\"",
            at(within.span().start),
            within.get_ref()
        ));
    }
    if expect.within.is_some() && step.kind() != StepKind::Certrenew {
        return Err(format!(
            "{where_}: step {number}: `within` applies to certrenew steps only"
        ));
    }
    let texts = step
        .certrenew
        .iter()
        .flatten()
        .chain(expect.message.as_ref().map(|m| m.get_ref()))
        .chain(expect.output.iter().map(|o| o.get_ref()))
        .chain(expect.no_output.iter().map(|o| o.get_ref()));
    for text in texts {
        check_placeholders(text).map_err(|e| format!("{where_}: step {number}: {e}"))?;
    }
    Ok(())
}

/// A placeholder of a case file that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlaceholderError {
    /// A `{` without its `}`.
    #[error("unclosed `{{` in `{arg}`")]
    Unclosed {
        /// The whole argument.
        arg: String,
    },
    /// A name in braces that is no placeholder.
    #[error(
        "unknown placeholder `{{{inner}}}` in `{arg}` (known: {{serial:NAME}}, {{pem:NAME}}, {{client_root_pem}}, {{client_root_sha1}}, {{proxy}})"
    )]
    Unknown {
        /// The text between the braces.
        inner: String,
        /// The whole argument.
        arg: String,
    },
}

/// Placeholders that certrenew arguments and expected output may hold:
/// `{serial:NAME}` (a world identity's serial, lowercase hex), `{pem:NAME}`
/// (the path of its certificate PEM), `{client_root_pem}` (the path of the
/// client-CA root PEM), `{client_root_sha1}` (its SHA-1 in the manual's
/// 8-digit groups) and `{proxy}` (the mock's forward proxy URL).
pub fn check_placeholders(arg: &str) -> Result<(), PlaceholderError> {
    let mut rest = arg;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            return Err(PlaceholderError::Unclosed {
                arg: arg.to_owned(),
            });
        };
        let inner = &rest[start + 1..start + len];
        let ok = inner == "client_root_pem"
            || inner == "client_root_sha1"
            || inner == "proxy"
            || inner.strip_prefix("serial:").is_some_and(|n| !n.is_empty())
            || inner.strip_prefix("pem:").is_some_and(|n| !n.is_empty());
        if !ok {
            return Err(PlaceholderError::Unknown {
                inner: inner.to_owned(),
                arg: arg.to_owned(),
            });
        }
        rest = &rest[start + len + 1..];
    }
    Ok(())
}
