//! Expectations on the journal, the data: what is expected, how it is
//! checked, and the report when the journal did not meet it. `expect`
//! gives `MockRa` its methods and checks on drop.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};

use crate::wire::journal::{Cause, JournalEntry, Role};

/// How many matching entries an expectation wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Count {
    Exactly(usize),
    AtLeast(usize),
    AtMost(usize),
}

/// One expectation: a cause, optionally on one host or for one account,
/// and how many times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Expectation {
    pub(crate) cause: Cause,
    pub(crate) role: Option<Role>,
    pub(crate) account: Option<String>,
    pub(crate) count: Count,
}

impl Expectation {
    fn matches(&self, e: &JournalEntry) -> bool {
        e.cause == self.cause
            && self.role.is_none_or(|r| r == e.role)
            && self
                .account
                .as_deref()
                .is_none_or(|a| e.account.as_deref() == Some(a))
    }

    fn met_by(&self, n: usize) -> bool {
        match self.count {
            Count::Exactly(k) => n == k,
            Count::AtLeast(k) => n >= k,
            Count::AtMost(k) => n <= k,
        }
    }
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.cause)?;
        if let Some(r) = self.role {
            write!(f, " on {}", r.as_str())?;
        }
        if let Some(a) = &self.account {
            write!(f, " for account `{a}`")?;
        }
        match self.count {
            Count::Exactly(1) => write!(f, " exactly once"),
            Count::Exactly(k) => write!(f, " exactly {k} times"),
            Count::AtLeast(k) => write!(f, " at least {k} times"),
            Count::AtMost(k) => write!(f, " at most {k} times"),
        }
    }
}

/// The expectations a mock holds (shared by the handles that edit them).
#[derive(Debug, Default)]
pub(crate) struct Expectations(Mutex<Vec<Expectation>>);

impl Expectations {
    /// Adds one; its index.
    pub(crate) fn add(&self, e: Expectation) -> usize {
        let mut list = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        list.push(e);
        list.len() - 1
    }

    /// Changes the one at `index`.
    pub(crate) fn edit(&self, index: usize, f: impl FnOnce(&mut Expectation)) {
        let mut list = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(e) = list.get_mut(index) {
            f(e);
        }
    }

    /// Takes every expectation out and checks it against `journal`.
    pub(crate) fn check(&self, journal: &[JournalEntry]) -> Result<(), Unmet> {
        let list = std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner));
        let mut lines = Vec::new();
        let mut failed = false;
        for e in list {
            let seen = journal.iter().filter(|j| e.matches(j)).count();
            let met = e.met_by(seen);
            failed |= !met;
            lines.push((e, seen, met));
        }
        if !failed {
            return Ok(());
        }
        let mut held = BTreeMap::new();
        for j in journal {
            *held.entry(j.cause.as_str()).or_insert(0usize) += 1;
        }
        Err(Unmet {
            lines,
            held: held.into_iter().collect(),
            entries: journal.len(),
        })
    }
}

/// Expectations the journal did not meet: each with how many matching
/// entries it saw, and what the journal holds by cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmet {
    lines: Vec<(Expectation, usize, bool)>,
    held: Vec<(&'static str, usize)>,
    entries: usize,
}

impl fmt::Display for Unmet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "mock-ra: expectations not met")?;
        for (e, seen, met) in &self.lines {
            let mark = if *met { "ok  " } else { "FAIL" };
            writeln!(f, "  {mark} expected {e}; the journal holds {seen}")?;
        }
        write!(f, "  the journal's {} entries by cause:", self.entries)?;
        if self.held.is_empty() {
            write!(f, " (none)")?;
        }
        for (cause, n) in &self.held {
            write!(f, "\n    {cause}: {n}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Unmet {}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(cause: Cause, role: Role, account: Option<&str>) -> JournalEntry {
        JournalEntry {
            seq: 1,
            time: time::OffsetDateTime::UNIX_EPOCH,
            role,
            method: "POST".to_owned(),
            path: "/".to_owned(),
            certificate: None,
            status: Some(201),
            class: None,
            cause,
            account: account.map(str::to_owned),
            fault: None,
        }
    }

    fn expecting(account: Option<&str>, count: Count) -> Expectation {
        Expectation {
            cause: Cause::Issued,
            role: None,
            account: account.map(str::to_owned),
            count,
        }
    }

    #[test]
    fn an_account_narrows_what_counts() {
        let e = expecting(Some("acme"), Count::Exactly(1));
        assert!(e.matches(&entry(Cause::Issued, Role::Webra2, Some("acme"))));
        assert!(!e.matches(&entry(Cause::Issued, Role::Webra2, Some("other"))));
        assert!(!e.matches(&entry(Cause::Issued, Role::Webra2, None)));
        assert!(!e.matches(&entry(Cause::Page, Role::Webra2, Some("acme"))));
        // Without an account, every account's entry counts.
        let any = expecting(None, Count::Exactly(1));
        assert!(any.matches(&entry(Cause::Issued, Role::Webra2, Some("other"))));
    }

    #[test]
    fn each_count_is_met_on_its_side_of_the_line() {
        let at_most = expecting(None, Count::AtMost(1));
        assert!(at_most.met_by(0) && at_most.met_by(1) && !at_most.met_by(2));
        let at_least = expecting(None, Count::AtLeast(2));
        assert!(!at_least.met_by(1) && at_least.met_by(2) && at_least.met_by(3));
        let exactly = expecting(None, Count::Exactly(1));
        assert!(!exactly.met_by(0) && exactly.met_by(1) && !exactly.met_by(2));
    }

    #[test]
    fn the_journal_of_another_account_does_not_meet_an_expectation() {
        let list = Expectations::default();
        list.add(expecting(Some("acme"), Count::Exactly(1)));
        let journal = [entry(Cause::Issued, Role::Webra2, Some("other"))];
        let unmet = list.check(&journal).unwrap_err().to_string();
        assert!(
            unmet.contains(
                "FAIL expected issued for account `acme` exactly once; the journal holds 0"
            ),
            "{unmet}"
        );
        assert!(
            unmet.contains("the journal's 1 entries by cause:\n    issued: 1"),
            "{unmet}"
        );
        // Checked expectations are taken out: a second check passes.
        assert!(list.check(&journal).is_ok());
    }
}
