//! The drift report: each case run on the reference (mock-ra in-process)
//! and on a target, compared step by step in what the customer sees and
//! what can be observed of the server. Values that differ from run to run
//! by nature (serials, times, ports, tickets, paths) are replaced by the
//! transcripts' redaction rules first (`report::redact`), so what remains
//! is behaviour.
//!
//! Compared, per step: `exit` (certrenew's exit code), `output` (its
//! standard output and error, line by line, redacted), `status` (a request
//! step's HTTP status), `journal` (the requests the step made, with status,
//! class and cause, when the target has a journal). Per case: `result`
//! (passed, failed, skipped, ...) and `steps` (how many steps ran).
//!
//! A file of accepted deviations keeps known drift in the report, marked
//! with its reason, without failing the run.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::report::{CaseReport, StepRecord, redact, xml};

/// The JSON report's schema name; bumped on any incompatible change.
pub const SCHEMA: &str = "harness-drift/1";

/// One observable that differs between the reference and the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// 1-based step number; 0 for the case as a whole.
    pub step: usize,
    /// `result`, `steps`, `exit`, `output`, `status` or `journal`.
    pub field: &'static str,
    /// What the reference showed (redacted).
    pub reference: String,
    /// What the target showed (redacted).
    pub target: String,
    /// Why this deviation is accepted, from the accepted-deviations file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted: Option<String>,
}

/// One case's comparison.
#[derive(Debug, Clone, Serialize)]
pub struct CaseDrift {
    /// The case's name.
    pub case: String,
    /// How it ended on the reference.
    pub reference: &'static str,
    /// How it ended on the target.
    pub target: &'static str,
    /// What differs; empty: no drift.
    pub differences: Vec<Difference>,
}

impl CaseDrift {
    /// Some difference that no accepted deviation covers.
    pub fn drifted(&self) -> bool {
        self.differences.iter().any(|d| d.accepted.is_none())
    }

    /// `same`, `accepted` (only accepted differences) or `DRIFT`.
    pub fn word(&self) -> &'static str {
        if self.drifted() {
            "DRIFT"
        } else if self.differences.is_empty() {
            "same"
        } else {
            "accepted"
        }
    }
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Drift {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// The target profile's name.
    pub target: String,
    /// Whether the target's journal was compared.
    pub journal_compared: bool,
    /// Every case, in catalogue order.
    pub cases: Vec<CaseDrift>,
    /// Counts.
    pub summary: Summary,
}

/// How many cases drifted.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Cases compared.
    pub cases: usize,
    /// Cases with a difference no accepted deviation covers.
    pub drifted: usize,
    /// Cases whose every difference is accepted.
    pub accepted: usize,
}

impl Drift {
    /// Compares each pair (reference, target), in order, and applies the
    /// accepted deviations.
    pub fn new(
        target: &str,
        journal_compared: bool,
        pairs: &[(CaseReport, CaseReport)],
        accepted: &Accepted,
    ) -> Self {
        let cases: Vec<CaseDrift> = pairs
            .iter()
            .map(|(r, t)| {
                let mut differences = compare(r, t, journal_compared);
                for d in &mut differences {
                    d.accepted = accepted.reason(&r.name, d.step, d.field);
                }
                CaseDrift {
                    case: r.name.clone(),
                    reference: r.result_word(),
                    target: t.result_word(),
                    differences,
                }
            })
            .collect();
        let summary = Summary {
            cases: cases.len(),
            drifted: cases.iter().filter(|c| c.drifted()).count(),
            accepted: cases
                .iter()
                .filter(|c| !c.drifted() && !c.differences.is_empty())
                .count(),
        };
        Self {
            schema: SCHEMA,
            target: target.to_owned(),
            journal_compared,
            cases,
            summary,
        }
    }

    /// Any unaccepted difference.
    pub fn drifted(&self) -> bool {
        self.summary.drifted > 0
    }
}

/// What the two runs of one case show differently.
pub fn compare(reference: &CaseReport, target: &CaseReport, journal: bool) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut differ = |step: usize, field: &'static str, r: String, t: String| {
        if r != t {
            out.push(Difference {
                step,
                field,
                reference: r,
                target: t,
                accepted: None,
            });
        }
    };
    differ(
        0,
        "result",
        reference.result_word().to_owned(),
        target.result_word().to_owned(),
    );
    differ(
        0,
        "steps",
        reference.steps.len().to_string(),
        target.steps.len().to_string(),
    );
    for (i, (r, t)) in reference.steps.iter().zip(&target.steps).enumerate() {
        let step = i + 1;
        differ(step, "exit", shown(r.exit), shown(t.exit));
        differ(step, "output", output(r, reference), output(t, target));
        differ(step, "status", shown(r.status), shown(t.status));
        if journal {
            differ(
                step,
                "journal",
                journal_lines(r, reference),
                journal_lines(t, target),
            );
        }
    }
    out
}

fn shown<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "none".to_owned(), |v| v.to_string())
}

/// A step's standard output and error, redacted, stdout first.
fn output(s: &StepRecord, r: &CaseReport) -> String {
    let mut text = redact(&s.stdout, &r.redactions);
    if !s.stderr.is_empty() {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&redact(&s.stderr, &r.redactions));
    }
    text
}

/// The step's requests to the four hosts, redacted (the admin API's own
/// requests are the harness's, not the customer's).
fn journal_lines(s: &StepRecord, r: &CaseReport) -> String {
    s.journal
        .iter()
        .filter(|l| !l.starts_with("admin "))
        .map(|l| redact(l, &r.redactions))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Deviations a vendor has looked at and accepted: each keeps its case in
/// the report, marked with the reason, without failing the run.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accepted {
    /// The entries, in file order.
    #[serde(default)]
    pub accept: Vec<AcceptedDeviation>,
}

/// One accepted deviation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptedDeviation {
    /// The case's name.
    pub case: String,
    /// Only this step (1-based; 0 for the case as a whole); every step
    /// when absent.
    #[serde(default)]
    pub step: Option<usize>,
    /// Only this field; every field when absent.
    #[serde(default)]
    pub field: Option<String>,
    /// Why it is accepted (shown in every report).
    pub reason: String,
}

/// Why an accepted-deviations file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AcceptedError {
    /// It cannot be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// It is not valid: the whole message, `file:line:column` first.
    #[error("{0}")]
    Invalid(String),
}

/// The fields a deviation may name.
pub const FIELDS: [&str; 6] = ["result", "steps", "exit", "output", "status", "journal"];

impl Accepted {
    /// Reads an accepted-deviations file; errors are `file:line:column`.
    pub fn from_file(path: &Path) -> Result<Self, AcceptedError> {
        let text = std::fs::read_to_string(path).map_err(|source| AcceptedError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(path, &text)
    }

    /// Parses one.
    pub fn from_toml(path: &Path, text: &str) -> Result<Self, AcceptedError> {
        use fileformat::{Seg, error_at_path, toml_error};
        let shown = path.display().to_string();
        let accepted: Accepted = toml::from_str(text)
            .map_err(|e| AcceptedError::Invalid(toml_error(&shown, text, &e)))?;
        for (i, a) in accepted.accept.iter().enumerate() {
            let at = |key: &str| [Seg::key("accept"), Seg::Index(i), Seg::key(key)];
            if let Some(f) = &a.field
                && !FIELDS.contains(&f.as_str())
            {
                return Err(AcceptedError::Invalid(error_at_path(
                    &shown,
                    text,
                    &at("field"),
                    &format!("unknown field `{f}`, expected one of {}", FIELDS.join(", ")),
                )));
            }
            if a.reason.trim().is_empty() {
                return Err(AcceptedError::Invalid(error_at_path(
                    &shown,
                    text,
                    &at("reason"),
                    "an accepted deviation needs its reason",
                )));
            }
        }
        Ok(accepted)
    }

    fn reason(&self, case: &str, step: usize, field: &str) -> Option<String> {
        self.accept
            .iter()
            .find(|a| {
                a.case == case
                    && a.step.is_none_or(|s| s == step)
                    && a.field.as_deref().is_none_or(|f| f == field)
            })
            .map(|a| a.reason.clone())
    }
}

/// The terminal table: one line per case, then each difference.
pub fn table(d: &Drift) -> String {
    let mut out = String::new();
    let width = d
        .cases
        .iter()
        .map(|c| c.case.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let _ = writeln!(
        out,
        "{:<width$}  {:<9} {:<9} drift",
        "case", "reference", "target"
    );
    for c in &d.cases {
        let _ = writeln!(
            out,
            "{:<width$}  {:<9} {:<9} {}",
            c.case,
            c.reference,
            c.target,
            c.word()
        );
        for diff in &c.differences {
            let mark = diff
                .accepted
                .as_deref()
                .map(|r| format!("  (accepted: {r})"))
                .unwrap_or_default();
            let _ = writeln!(out, "    step {} {}{mark}", diff.step, diff.field);
            for (side, text) in [("reference", &diff.reference), ("target", &diff.target)] {
                let mut lines = text.lines();
                let _ = writeln!(out, "      {side:<9} | {}", lines.next().unwrap_or(""));
                for l in lines {
                    let _ = writeln!(out, "      {:<9} | {l}", "");
                }
            }
        }
    }
    let _ = writeln!(
        out,
        "{} cases: {} drifted, {} accepted, {} the same{}",
        d.summary.cases,
        d.summary.drifted,
        d.summary.accepted,
        d.summary.cases - d.summary.drifted - d.summary.accepted,
        if d.journal_compared {
            ""
        } else {
            " (journal not compared: the target has no journal)"
        }
    );
    out
}

/// A self-contained page: the summary table, then for each case with a
/// difference the two sides next to each other.
pub fn html(d: &Drift) -> String {
    let mut out = String::new();
    let title = format!("certrenew drift: reference mock-ra vs {}", d.target);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"><title>{t}</title>\n<style>\
         body{{font-family:system-ui,sans-serif;margin:2em;max-width:90em}}\
         table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}}\
         .same,.passed{{color:#070}}.DRIFT,.FAILED,.INVALID{{color:#b00;font-weight:bold}}.accepted,.skipped,.pending{{color:#a60}}\
         pre{{margin:0;white-space:pre-wrap;font-size:.9em}}td.side{{width:45%;background:#f6f6f6}}</style></head><body>\n\
         <h1>{t}</h1>\n<p>{} cases: {} drifted, {} accepted. Serials, times, ports, tickets and paths are \
         redacted on both sides before comparing.{}</p>\n",
        d.summary.cases,
        d.summary.drifted,
        d.summary.accepted,
        if d.journal_compared {
            ""
        } else {
            " The target has no journal: requests were not compared."
        },
        t = xml(&title),
    );
    for c in d.cases.iter().filter(|c| !c.differences.is_empty()) {
        let _ = writeln!(
            out,
            "<h2 id=\"{0}\">{0} <span class=\"{1}\">{1}</span></h2>\n<table><tr><th>step</th><th>field</th>\
             <th>reference</th><th>target</th><th>accepted</th></tr>",
            xml(&c.case),
            c.word()
        );
        for diff in &c.differences {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"side\"><pre>{}</pre></td>\
                 <td class=\"side\"><pre>{}</pre></td><td>{}</td></tr>",
                diff.step,
                diff.field,
                xml(&diff.reference),
                xml(&diff.target),
                diff.accepted.as_deref().map(xml).unwrap_or_default()
            );
        }
        out.push_str("</table>\n");
    }
    out.push_str("<h2>Every case</h2>\n");
    out.push_str("<table><tr><th>case</th><th>reference</th><th>target</th><th>drift</th></tr>\n");
    for c in &d.cases {
        let name = xml(&c.case);
        let link = if c.differences.is_empty() {
            name.clone()
        } else {
            format!("<a href=\"#{name}\">{name}</a>")
        };
        let _ = writeln!(
            out,
            "<tr><td>{link}</td><td class=\"{0}\">{0}</td><td class=\"{1}\">{1}</td><td class=\"{w}\">{w}</td></tr>",
            c.reference,
            c.target,
            w = c.word()
        );
    }
    out.push_str("</table>\n");
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Outcome, Redactions};

    fn report(name: &str, exits: &[i32], stderr: &str) -> CaseReport {
        CaseReport {
            name: name.to_owned(),
            story: String::new(),
            reproduces: Vec::new(),
            manual: None,
            outcome: Outcome::Passed,
            steps: exits
                .iter()
                .map(|e| StepRecord {
                    exit: Some(*e),
                    stderr: stderr.to_owned(),
                    ..Default::default()
                })
                .collect(),
            elapsed: Default::default(),
            redactions: Redactions::default(),
            faults: Default::default(),
            skipped: Vec::new(),
        }
    }

    #[test]
    fn redacted_values_are_not_drift_but_exits_and_lines_are() {
        let a = report(
            "c",
            &[5, 0],
            "serial 0123456789abcdef0123456789 at 127.0.0.1:4431\n",
        );
        let b = report(
            "c",
            &[5, 0],
            "serial fedcba9876543210fedcba9876 at 127.0.0.1:9999\n",
        );
        assert!(
            compare(&a, &b, true).is_empty(),
            "{:?}",
            compare(&a, &b, true)
        );
        let c = report("c", &[5, 5], "other line\n");
        let d = compare(&a, &c, true);
        let fields: Vec<(usize, &str)> = d.iter().map(|d| (d.step, d.field)).collect();
        assert_eq!(fields, [(1, "output"), (2, "exit"), (2, "output")], "{d:?}");
        assert_eq!((d[1].reference.as_str(), d[1].target.as_str()), ("0", "5"));
    }

    #[test]
    fn an_accepted_deviation_keeps_the_case_in_the_report_without_drift() {
        let a = report("c", &[0], "");
        let b = report("c", &[5], "");
        let none = Drift::new("t", true, &[(a.clone(), b.clone())], &Accepted::default());
        assert!(none.drifted());
        assert_eq!(none.cases[0].word(), "DRIFT");
        let accepted = Accepted::from_toml(
            Path::new("accepted.toml"),
            "[[accept]]\ncase = \"c\"\nstep = 1\nfield = \"exit\"\nreason = \"locks after 5\"\n",
        )
        .unwrap();
        let d = Drift::new("t", true, &[(a, b)], &accepted);
        assert!(!d.drifted());
        assert_eq!(d.cases[0].word(), "accepted");
        assert_eq!(d.summary.accepted, 1);
        assert!(
            table(&d).contains("(accepted: locks after 5)"),
            "{}",
            table(&d)
        );
        assert!(html(&d).contains("locks after 5"));
    }

    #[test]
    fn accepted_files_with_unknown_keys_or_fields_are_file_line_column_errors() {
        let e = Accepted::from_toml(
            Path::new("a.toml"),
            "[[accept]]\ncase = \"c\"\nfeild = \"exit\"\nreason = \"r\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("a.toml:3:"), "{e}");
        let e = Accepted::from_toml(
            Path::new("a.toml"),
            "[[accept]]\ncase = \"c\"\nfield = \"exits\"\nreason = \"r\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("a.toml:3:") && e.contains("unknown field `exits`"),
            "{e}"
        );
        let e = Accepted::from_toml(
            Path::new("a.toml"),
            "[[accept]]\ncase = \"c\"\nreason = \" \"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("a.toml:3:") && e.contains("needs its reason"),
            "{e}"
        );
    }
}
