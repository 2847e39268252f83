//! Expectations: what a step's `expect` table asks, checked against what
//! the step did. [`FIELDS`] is the one table of expectation fields and the
//! target capability each needs; a field whose capability the target lacks
//! is skipped (never passed).

use std::ops::Range;

use crate::case::{Case, Expect, StoreExpect};
use crate::journal::Entry;
use crate::report::{Failure, Skip, StepRecord};
use crate::runner::context::Context;

/// Every expectation field, and the capability it needs (`None`: it is
/// client-visible and checked against every target).
pub const FIELDS: [(&str, Option<&str>); 11] = [
    ("exit", None),
    ("message", None),
    ("output", None),
    ("no_output", None),
    ("within", None),
    ("status", None),
    ("class", None),
    ("store", None),
    ("causes", Some("journal")),
    ("journal", Some("journal")),
    ("account", Some("accounts")),
];

/// The capability an expectation field needs.
pub fn needs(field: &str) -> Option<&'static str> {
    FIELDS
        .iter()
        .find(|(f, _)| *f == field)
        .and_then(|(_, need)| *need)
}

/// Collects one step's failures and skips, and counts what was checked.
#[derive(Debug)]
pub struct Check<'a> {
    /// `scenarios/NAME.toml:LINE` of the step.
    pub at: &'a str,
    /// 1-based step number.
    pub step: usize,
    /// Failures so far (the whole case's).
    pub failures: &'a mut Vec<Failure>,
    /// Expectations skipped so far (the whole case's).
    pub skipped: &'a mut Vec<Skip>,
    /// Client-visible expectations checked so far (the whole case's).
    pub checked: &'a mut usize,
    /// The case.
    pub case: &'a Case,
}

impl Check<'_> {
    /// Records a failure at `span` (or the step's line).
    pub fn fail(
        &mut self,
        span: Option<Range<usize>>,
        what: &str,
        expected: impl Into<String>,
        got: impl Into<String>,
    ) {
        let at = match span {
            Some(span) => self.case.at(span),
            None => self.at.to_owned(),
        };
        self.failures.push(Failure {
            at,
            step: self.step,
            what: what.to_owned(),
            expected: expected.into(),
            got: got.into(),
        });
    }

    /// Records that `what` was not checked because the target lacks `needs`.
    pub fn skip(&mut self, span: Option<Range<usize>>, what: &str, needs: &str) {
        let at = match span {
            Some(span) => self.case.at(span),
            None => self.at.to_owned(),
        };
        self.skipped.push(Skip {
            at,
            step: self.step,
            what: what.to_owned(),
            needs: needs.to_owned(),
        });
    }

    /// Whether the target offers what `field` needs; records the skip if not.
    fn gate(&mut self, ctx: &Context<'_>, field: &str, span: Range<usize>) -> bool {
        match needs(field) {
            None => {
                *self.checked += 1;
                true
            }
            Some(cap) if ctx.target.capabilities().has(cap) => true,
            Some(cap) => {
                self.skip(Some(span), field, cap);
                false
            }
        }
    }
}

impl Context<'_> {
    /// Checks one step's expectations.
    pub(crate) fn check(
        &self,
        expect: &Expect,
        record: &StepRecord,
        output: &str,
        journal: &[Entry],
        check: &mut Check<'_>,
    ) {
        if let Some(exit) = &expect.exit
            && check.gate(self, "exit", exit.span())
            && record.exit != Some(*exit.get_ref())
        {
            check.fail(
                Some(exit.span()),
                "exit",
                exit.get_ref().to_string(),
                format!("{}\n{output}", crate::report::exit_text(record.exit)),
            );
        }
        if let Some(message) = &expect.message
            && check.gate(self, "message", message.span())
        {
            match self.substitute(message.get_ref()) {
                Ok(m) => {
                    if !output.lines().any(|l| l.trim_end() == m) {
                        check.fail(
                            Some(message.span()),
                            "message (a whole line of the output)",
                            m,
                            output.to_owned(),
                        );
                    }
                }
                Err(e) => check.fail(
                    Some(message.span()),
                    "message",
                    message.get_ref().clone(),
                    e.to_string(),
                ),
            }
        }
        for want in &expect.output {
            if !check.gate(self, "output", want.span()) {
                continue;
            }
            match self.substitute(want.get_ref()) {
                Ok(w) if output.contains(&w) => {}
                Ok(w) => check.fail(Some(want.span()), "output contains", w, output.to_owned()),
                Err(e) => check.fail(
                    Some(want.span()),
                    "output",
                    want.get_ref().clone(),
                    e.to_string(),
                ),
            }
        }
        for unwanted in &expect.no_output {
            if !check.gate(self, "no_output", unwanted.span()) {
                continue;
            }
            match self.substitute(unwanted.get_ref()) {
                Ok(w) if !output.contains(&w) => {}
                Ok(w) => check.fail(
                    Some(unwanted.span()),
                    "output does not contain",
                    w,
                    output.to_owned(),
                ),
                Err(e) => check.fail(
                    Some(unwanted.span()),
                    "no_output",
                    unwanted.get_ref().clone(),
                    e.to_string(),
                ),
            }
        }
        if let Some(causes) = &expect.causes
            && check.gate(self, "causes", causes.span())
        {
            let got: Vec<&str> = journal
                .iter()
                .filter(|e| e.is_decision())
                .map(|e| e.cause.as_str())
                .collect();
            if got != *causes.get_ref() {
                check.fail(
                    Some(causes.span()),
                    "journal causes",
                    format!("{:?}", causes.get_ref()),
                    format!("{got:?}"),
                );
            }
        }
        for want in &expect.journal {
            if !check.gate(self, "journal", want.span()) {
                continue;
            }
            let text = match self.substitute(want.get_ref()) {
                Ok(t) => t,
                Err(e) => {
                    check.fail(
                        Some(want.span()),
                        "a journal line contains",
                        want.get_ref().clone(),
                        e.to_string(),
                    );
                    continue;
                }
            };
            if !record.journal.iter().any(|l| l.contains(text.as_str())) {
                check.fail(
                    Some(want.span()),
                    "a journal line contains",
                    text,
                    record.journal.join("\n"),
                );
            }
        }
        if let Some(status) = &expect.status
            && check.gate(self, "status", status.span())
            && record.status != Some(*status.get_ref())
        {
            check.fail(
                Some(status.span()),
                "status",
                status.get_ref().to_string(),
                format!("{:?}\n{output}", record.status),
            );
        }
        if let Some(class) = &expect.class
            && check.gate(self, "class", class.span())
        {
            let got = serde_json::from_str::<serde_json::Value>(output)
                .ok()
                .and_then(|v| v["class"].as_str().map(str::to_owned));
            if got.as_deref() != Some(class.get_ref().as_str()) {
                check.fail(
                    Some(class.span()),
                    "class",
                    class.get_ref().clone(),
                    format!("{got:?}\n{output}"),
                );
            }
        }
        if let Some(store) = &expect.store
            && check.gate(self, "store", store.span())
        {
            self.check_store(store, check);
        }
        if let Some(account) = &expect.account
            && check.gate(self, "account", account.span())
        {
            self.check_account(account, check);
        }
    }

    fn check_account(
        &self,
        account: &toml::Spanned<crate::case::AccountExpect>,
        check: &mut Check<'_>,
    ) {
        let span = account.span();
        let want = account.get_ref();
        let view = match self.target.account(&want.id) {
            Ok(Some(view)) => view,
            Ok(None) => {
                check.fail(
                    Some(span),
                    "account",
                    want.id.clone(),
                    "no such account in the world",
                );
                return;
            }
            Err(e) => {
                check.fail(Some(span), "account", want.id.clone(), e.to_string());
                return;
            }
        };
        let mut field = |what: &str, want_v: Option<String>, got: String| {
            if let Some(w) = want_v
                && w != got
            {
                check.fail(
                    Some(span.clone()),
                    &format!("account {} {what}", want.id),
                    w,
                    got,
                );
            }
        };
        field(
            "order",
            want.order.map(|o| o.as_str().to_owned()),
            view.order.clone(),
        );
        field(
            "failures",
            want.failures.map(|f| f.to_string()),
            view.failures.to_string(),
        );
        field(
            "locked",
            want.locked.map(|l| l.to_string()),
            view.locked.to_string(),
        );
        let issued = view
            .certificates
            .iter()
            .filter(|c| c.origin == "renewal")
            .count();
        field(
            "issued by renewal",
            want.issued.map(|i| i.to_string()),
            issued.to_string(),
        );
    }

    fn check_store(&self, store: &toml::Spanned<StoreExpect>, check: &mut Check<'_>) {
        let span = store.span();
        let want = store.get_ref();
        let now = self.store.identities();
        let new: Vec<&String> = now.iter().filter(|s| !self.baseline.contains(s)).collect();
        if let Some(n) = want.identities
            && now.len() != n
        {
            check.fail(
                Some(span.clone()),
                "store identities",
                n.to_string(),
                format!("{} ({})", now.len(), now.join(", ")),
            );
        }
        if let Some(n) = want.new
            && new.len() != n
        {
            check.fail(
                Some(span.clone()),
                "new identities in the store",
                n.to_string(),
                new.len().to_string(),
            );
        }
        if let Some(trusted) = want.root_trusted {
            let got = self.root_trusted();
            if got != trusted {
                check.fail(
                    Some(span.clone()),
                    "client-CA root trusted",
                    trusted.to_string(),
                    got.to_string(),
                );
            }
        }
        for name in &want.kept {
            let serial = self.target.identity(name).map(|i| i.serial);
            let kept = serial.as_ref().is_some_and(|s| now.iter().any(|n| n == s));
            if !kept {
                check.fail(
                    Some(span.clone()),
                    "identity kept in the store",
                    name.clone(),
                    format!("serials in the store: {}", now.join(", ")),
                );
            }
        }
        if let Some(key_type) = want.new_key {
            let got = match new.last() {
                None => Err("no new identity in the store".to_owned()),
                Some(serial) => self.store.key_type(serial).map_err(|e| e.to_string()),
            };
            let want = key_type.as_str();
            match got {
                Ok(got) if got == want => {}
                Ok(got) => check.fail(Some(span.clone()), "new identity's key", want, got),
                Err(e) => check.fail(Some(span.clone()), "new identity's key", want, e),
            }
        }
        if want.new_verifies == Some(true) {
            match new.last() {
                None => check.fail(
                    Some(span),
                    "new identity verifies",
                    "a new identity",
                    "none in the store",
                ),
                Some(serial) => {
                    if let Err(e) = self.verify_exported(serial) {
                        check.fail(
                            Some(span),
                            "new identity verifies (export, openssl)",
                            "key matches, chain and CRLs verify",
                            e.to_string(),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_side_fields_need_a_capability_and_client_visible_ones_none() {
        assert_eq!(needs("causes"), Some("journal"));
        assert_eq!(needs("journal"), Some("journal"));
        assert_eq!(needs("account"), Some("accounts"));
        for field in ["exit", "message", "output", "no_output", "class", "store"] {
            assert_eq!(needs(field), None, "{field}");
        }
    }

    #[test]
    fn the_table_names_every_field_of_an_expect_table() {
        // Every field the case parser accepts in `expect` is in the table.
        let text = include_str!("case/model.rs");
        let start = text.find("pub struct Expect {").unwrap_or(0);
        let body = &text[start..start + text[start..].find("\n}").unwrap_or(0)];
        let declared: Vec<&str> = body
            .lines()
            .skip(1) // `pub struct Expect {` itself
            .filter_map(|l| l.trim().strip_prefix("pub "))
            .filter_map(|l| l.split(':').next())
            .collect();
        assert!(!declared.is_empty());
        for field in declared {
            assert!(
                FIELDS.iter().any(|(f, _)| *f == field),
                "{field} not in FIELDS"
            );
        }
    }
}
