//! A run's model (each case's outcome, steps and failures) and its text
//! for a terminal. A leaf: the report module's formats all read it.

use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

/// How one case ended.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    /// Every expectation held.
    Passed,
    /// Some expectation did not hold.
    Failed {
        /// What differed, each with the case file's line.
        failures: Vec<Failure>,
    },
    /// Listed in `scenarios/pending.toml`, not run.
    Pending {
        /// Why it cannot run yet.
        reason: String,
    },
    /// Nothing client-visible could be checked against this target: not
    /// run, or run with every expectation skipped. Never counted as passed.
    Skipped {
        /// What the target lacks (`needs journal, states`).
        reason: String,
    },
    /// The case file itself is not valid.
    Invalid {
        /// The parse or check error, with `file:line:column`.
        error: String,
    },
}

/// One expectation that did not hold.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// `scenarios/NAME.toml:LINE`.
    pub at: String,
    /// 1-based step number (0: the case's setup).
    pub step: usize,
    /// What was checked: `exit`, `message`, `causes`, ...
    pub what: String,
    /// What the case file says.
    pub expected: String,
    /// What happened.
    pub got: String,
}

impl std::fmt::Display for Failure {
    /// `AT: step N: WHAT: expected X, got Y`, then what else was seen
    /// (the output, indented).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (got, rest) = match self.got.split_once('\n') {
            Some((first, rest)) => (first, Some(rest)),
            None => (self.got.as_str(), None),
        };
        let one_line = !self.expected.contains('\n') && self.expected.len() + got.len() < 100;
        if one_line {
            write!(
                f,
                "{}: step {}: {}: expected {}, got {got}",
                self.at, self.step, self.what, self.expected
            )?;
        } else {
            write!(
                f,
                "{}: step {}: {}\n    expected: {}\n    got:      {got}",
                self.at,
                self.step,
                self.what,
                self.expected.replace('\n', "\n              "),
            )?;
        }
        if let Some(rest) = rest.filter(|r| !r.trim().is_empty()) {
            write!(
                f,
                "\n      | {}",
                rest.trim_end().replace('\n', "\n      | ")
            )?;
        }
        Ok(())
    }
}

impl CaseReport {
    /// The steps some expectation failed in (1-based).
    pub fn failed_steps(&self) -> Vec<usize> {
        match &self.outcome {
            Outcome::Failed { failures } => {
                let mut v: Vec<usize> = failures.iter().map(|f| f.step).collect();
                v.sort_unstable();
                v.dedup();
                v
            }
            _ => Vec::new(),
        }
    }
}

/// Each step for a terminal: the failing ones marked `FAILED`, the whole
/// command line as it ran, what admin and clock steps did, the output, and
/// the journal with the lines that matter in a failing step marked `>>`.
pub fn steps_text(r: &CaseReport) -> String {
    let failed = r.failed_steps();
    let mut t = String::new();
    for (i, s) in r.steps.iter().enumerate() {
        let bad = failed.contains(&(i + 1));
        let _ = writeln!(
            t,
            "  [step {}] {}  ({} ms){}",
            i + 1,
            s.step,
            s.elapsed.as_millis(),
            if bad { "  <-- FAILED" } else { "" }
        );
        if let Some(c) = s.full_command.as_ref().or(s.command.as_ref()) {
            let _ = writeln!(t, "    $ {c}");
        }
        if let Some(d) = &s.did {
            let _ = writeln!(t, "    did: {d}");
        }
        if let Some(e) = s.exit {
            let _ = writeln!(t, "    exit {e}");
        }
        if let Some(st) = s.status {
            let _ = writeln!(t, "    status {st}");
        }
        for line in s.stdout.lines().chain(s.stderr.lines()) {
            let _ = writeln!(t, "    | {line}");
        }
        for j in &s.journal {
            let mark = if bad && journal_line_matters(j) {
                ">>"
            } else {
                "  "
            };
            let _ = writeln!(t, "  {mark}journal: {j}");
        }
    }
    t
}

/// An exit code as a person reads it: `5`, or `none (killed by a signal
/// or not run)`.
pub fn exit_text(exit: Option<i32>) -> String {
    exit.map_or_else(
        || "none (killed by a signal or not run)".to_owned(),
        |e| e.to_string(),
    )
}

/// Whether a journal line is one a failing step should point at: an error
/// class, or a fault that acted.
pub fn journal_line_matters(line: &str) -> bool {
    let class = line
        .split_once(" -> ")
        .and_then(|(_, a)| a.split_whitespace().nth(1));
    class.is_some_and(|c| c != "ok") || line.contains("[fault ")
}

/// One expectation (or part of a world) not checked: the target lacks
/// what it needs.
#[derive(Debug, Clone, Serialize)]
pub struct Skip {
    /// `scenarios/NAME.toml:LINE`.
    pub at: String,
    /// 1-based step number (0: the case's world).
    pub step: usize,
    /// What was not checked.
    pub what: String,
    /// The capability it needs.
    pub needs: String,
}

/// What one step did, as the transcript shows it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StepRecord {
    /// The step's description.
    pub step: String,
    /// The command line (certrenew steps), redacted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The whole command line as it ran (the harness's connection flags,
    /// `--store`, the case's `[client] args`), shell-quoted so it can be
    /// pasted; a password given on stdin reads `"$PASSWORD"`. Not in
    /// snapshots (ports and paths differ on every run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_command: Option<String>,
    /// What an admin or clock step did, as the admin API call it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub did: Option<String>,
    /// certrenew's exit code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit: Option<i32>,
    /// certrenew's standard output.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub stdout: String,
    /// certrenew's standard error.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub stderr: String,
    /// A request step's status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The journal entries the step produced: `role METHOD path -> status class cause`.
    pub journal: Vec<String>,
    /// Wall time of the step.
    #[serde(skip)]
    pub elapsed: Duration,
}

/// One case's report.
#[derive(Debug, Clone, Serialize)]
pub struct CaseReport {
    /// The case's name.
    pub name: String,
    /// Its one-line story.
    pub story: String,
    /// The DOMAIN ids it reproduces.
    pub reproduces: Vec<String>,
    /// The manual section.
    pub manual: Option<String>,
    /// How it ended.
    pub outcome: Outcome,
    /// What each step did.
    pub steps: Vec<StepRecord>,
    /// Wall time of the whole case.
    #[serde(skip)]
    pub elapsed: Duration,
    /// Values of this run to redact from transcripts.
    #[serde(skip)]
    pub redactions: Redactions,
    /// The faults the case's world put in force, and their seed.
    pub faults: FaultSummary,
    /// Expectations not checked, each with the capability it needs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skip>,
}

/// The faults of a case's world, for reports.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FaultSummary {
    /// Faults in force at the start, by name.
    pub names: Vec<String>,
    /// The seed of their random draws (when there are faults or a seed).
    pub seed: Option<u64>,
    /// The seed is written in the case file (so transcripts may show it).
    pub seed_in_file: bool,
    /// Some fault draws at random (a probability or jitter): the seed
    /// decides what happened, so reports print it.
    pub random: bool,
}

impl CaseReport {
    /// Passed (pending does not count as passed, nor as failed).
    pub fn passed(&self) -> bool {
        matches!(self.outcome, Outcome::Passed)
    }

    /// Failed or invalid.
    pub fn failed(&self) -> bool {
        matches!(
            self.outcome,
            Outcome::Failed { .. } | Outcome::Invalid { .. }
        )
    }

    /// `passed`, `FAILED`, `pending`, `INVALID`.
    pub fn result_word(&self) -> &'static str {
        match self.outcome {
            Outcome::Passed => "passed",
            Outcome::Failed { .. } => "FAILED",
            Outcome::Pending { .. } => "pending",
            Outcome::Skipped { .. } => "skipped",
            Outcome::Invalid { .. } => "INVALID",
        }
    }

    /// Every failure, one block each, for a terminal.
    pub fn failure_text(&self) -> String {
        match &self.outcome {
            Outcome::Failed { failures } => failures
                .iter()
                .map(|f| format!("{f}\n"))
                .collect::<String>(),
            Outcome::Invalid { error } => format!("{error}\n"),
            Outcome::Pending { reason } => format!("pending: {reason}\n"),
            Outcome::Skipped { reason } => format!("skipped: {reason}\n"),
            Outcome::Passed => String::new(),
        }
    }
}

/// The terminal table: case, reproduces, result, time.
pub fn table(reports: &[CaseReport], total: Duration) -> String {
    let name_w = reports
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let ids = |r: &CaseReport| r.reproduces.join(" ");
    let ids_w = reports
        .iter()
        .map(|r| ids(r).chars().count())
        .max()
        .unwrap_or(10)
        .clamp(10, 48);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<name_w$}  {:<ids_w$}  {:<7}  {:>7}",
        "case", "reproduces", "result", "time"
    );
    let _ = writeln!(out, "{}", "-".repeat(name_w + ids_w + 22));
    for r in reports {
        let mut id_text = ids(r);
        if id_text.chars().count() > ids_w {
            id_text = id_text.chars().take(ids_w - 1).collect::<String>() + "…";
        }
        let seed = match (r.faults.random, r.faults.seed) {
            (true, Some(seed)) => format!("  seed {seed}"),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "{:<name_w$}  {:<ids_w$}  {:<7}  {:>5}ms{seed}",
            r.name,
            id_text,
            r.result_word(),
            r.elapsed.as_millis()
        );
    }
    let count = |f: fn(&CaseReport) -> bool| reports.iter().filter(|r| f(r)).count();
    let pending = reports
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Pending { .. }))
        .count();
    for r in reports.iter().filter(|r| !r.skipped.is_empty()) {
        let _ = writeln!(out, "{}: {}", r.name, skipped_summary(&r.skipped));
    }
    let skipped = reports
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Skipped { .. }))
        .count();
    let skipped = if skipped > 0 {
        format!(", {skipped} skipped")
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{} cases: {} passed, {} failed, {} pending{skipped} in {:.2}s",
        reports.len(),
        count(CaseReport::passed),
        count(CaseReport::failed),
        pending,
        total.as_secs_f64()
    );
    out
}

/// `3 expectations skipped: needs journal (2), needs accounts (1)`.
pub fn skipped_summary(skipped: &[Skip]) -> String {
    let mut by: std::collections::BTreeMap<&str, usize> = Default::default();
    for s in skipped {
        *by.entry(s.needs.as_str()).or_default() += 1;
    }
    format!(
        "{} skipped: {}",
        skipped.len(),
        by.iter()
            .map(|(need, n)| format!("needs {need} ({n})"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Known values of one run that a transcript replaces with stable names.
#[derive(Debug, Default, Clone)]
pub struct Redactions {
    /// Literal text -> its stable name (work directory, identity serials,
    /// the root's thumbprint, ...). Longest first is applied first.
    pub literals: Vec<(String, String)>,
}
