//! What a run produced, for people (a table, an HTML page) and for CI
//! systems (JUnit XML).

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

/// JUnit XML: one testsuite, one testcase per case; pending cases are
/// `<skipped>` with their reason.
pub fn junit(reports: &[CaseReport], total: Duration) -> String {
    junit_suite("scenarios", reports, total)
}

/// [`junit`] under another suite name (`matrix` for the fault matrix).
pub fn junit_suite(suite: &str, reports: &[CaseReport], total: Duration) -> String {
    let suite = xml(suite);
    let failures = reports.iter().filter(|r| r.failed()).count();
    let skipped = reports
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Pending { .. } | Outcome::Skipped { .. }))
        .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{suite}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{:.3}\">",
        reports.len(),
        total.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{suite}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{:.3}\">",
        reports.len(),
        total.as_secs_f64()
    );
    for r in reports {
        let _ = write!(
            out,
            "    <testcase classname=\"{suite}\" name=\"{}\" time=\"{:.3}\">",
            xml(&r.name),
            r.elapsed.as_secs_f64()
        );
        if let Some(seed) = r.faults.seed {
            let _ = write!(
                out,
                "<properties><property name=\"fault_seed\" value=\"{seed}\"/><property name=\"faults\" value=\"{}\"/></properties>",
                xml(&r.faults.names.join(","))
            );
        }
        match &r.outcome {
            Outcome::Passed => {}
            Outcome::Pending { reason } => {
                let _ = write!(out, "<skipped message=\"{}\"/>", xml(reason));
            }
            Outcome::Skipped { reason } => {
                let _ = write!(
                    out,
                    "<skipped message=\"{}\"/>",
                    xml(&format!("skipped, {reason}"))
                );
            }
            Outcome::Failed { .. } | Outcome::Invalid { .. } => {
                let text = r.failure_text();
                let first = text.lines().next().unwrap_or_default();
                let _ = write!(
                    out,
                    "<failure message=\"{}\">{}</failure>",
                    xml(first),
                    xml(&text)
                );
            }
        }
        let transcript = transcript_text(r);
        let _ = writeln!(
            out,
            "<system-out>{}</system-out></testcase>",
            xml(&transcript)
        );
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn transcript_text(r: &CaseReport) -> String {
    let mut t = format!("{}\nreproduces: {}\n", r.story, r.reproduces.join(", "));
    if !r.faults.names.is_empty() {
        let _ = writeln!(t, "faults: {}", r.faults.names.join(", "));
    }
    if r.faults.seed_in_file
        && let Some(seed) = r.faults.seed
    {
        let _ = writeln!(t, "fault seed: {seed}");
    }
    for (i, s) in r.steps.iter().enumerate() {
        let _ = writeln!(t, "\n[step {}] {}", i + 1, s.step);
        if let Some(c) = &s.command {
            let _ = writeln!(t, "$ {c}");
        }
        if let Some(d) = &s.did {
            let _ = writeln!(t, "did: {d}");
        }
        if let Some(e) = s.exit {
            let _ = writeln!(t, "exit {e}");
        }
        if let Some(st) = s.status {
            let _ = writeln!(t, "status {st}");
        }
        for (label, text) in [("stdout", &s.stdout), ("stderr", &s.stderr)] {
            if !text.is_empty() {
                let _ = writeln!(t, "{label}:\n{}", text.trim_end());
            }
        }
        for j in &s.journal {
            let _ = writeln!(t, "journal: {j}");
        }
    }
    t
}

/// Escapes text for XML attributes and content; drops characters XML 1.0
/// cannot hold.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

/// A self-contained HTML report (no scripts, no network): each case's story,
/// result, what differed, the client's output and the journal with causes.
pub fn html(reports: &[CaseReport], total: Duration) -> String {
    html_titled("certrenew scenarios", reports, total)
}

/// [`html`] under another title.
pub fn html_titled(title: &str, reports: &[CaseReport], total: Duration) -> String {
    html_with(title, "", reports, total)
}

/// [`html_titled`] with a section of HTML before the table of cases (the
/// fault matrix's grid).
pub fn html_with(title: &str, intro: &str, reports: &[CaseReport], total: Duration) -> String {
    let title = xml(title);
    let passed = reports.iter().filter(|r| r.passed()).count();
    let failed = reports.iter().filter(|r| r.failed()).count();
    let skipped = reports
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Skipped { .. }))
        .count();
    let pending = reports.len() - passed - failed - skipped;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"><title>{title}</title>\n<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:70em}}\
         table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.2em .5em;text-align:left}}\
         .passed{{color:#070}}.FAILED,.INVALID{{color:#b00;font-weight:bold}}.pending,.skipped{{color:#a60}}\
         pre{{background:#f6f6f6;padding:.5em;white-space:pre-wrap}}details{{margin:.5em 0}}\
         details.failing{{border-left:4px solid #b00;padding-left:.5em}}mark{{background:#ffe08a}}\
         .grid td{{font-family:monospace;white-space:nowrap}}.grid a{{text-decoration:none}}.grid .bad{{background:#fdd}}</style></head><body>\n"
    );
    let _ = writeln!(
        out,
        "<h1>{title}</h1><p>{} cases: {passed} passed, {failed} failed, {pending} pending, {skipped} skipped, in {:.2}s.</p>",
        reports.len(),
        total.as_secs_f64()
    );
    out.push_str(intro);
    out.push_str("<table><tr><th>case</th><th>reproduces</th><th>result</th><th>time</th></tr>\n");
    for r in reports {
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#{0}\">{0}</a></td><td>{1}</td><td class=\"{2}\">{2}</td><td>{3} ms</td></tr>",
            xml(&r.name),
            xml(&r.reproduces.join(" ")),
            r.result_word(),
            r.elapsed.as_millis()
        );
    }
    out.push_str("</table>\n");
    for r in reports {
        let _ = writeln!(
            out,
            "<h2 id=\"{0}\">{0} <span class=\"{1}\">{1}</span></h2><p>{2}</p><p>reproduces: {3}{4}</p>",
            xml(&r.name),
            r.result_word(),
            xml(&r.story),
            xml(&r.reproduces.join(", ")),
            r.manual
                .as_deref()
                .map(|m| format!(" · manual {}", xml(m)))
                .unwrap_or_default()
        );
        if let Some(seed) = r.faults.seed {
            let _ = writeln!(
                out,
                "<p>faults: {} · fault seed {seed} · {} ms</p>",
                xml(&r.faults.names.join(", ")),
                r.elapsed.as_millis()
            );
        }
        if !r.skipped.is_empty() {
            out.push_str(
                "<p class=\"skipped\">Not checked against this target:</p><ul class=\"skipped\">",
            );
            for k in &r.skipped {
                let _ = write!(
                    out,
                    "<li>{}: step {}: {} (needs {})</li>",
                    xml(&k.at),
                    k.step,
                    xml(&k.what),
                    xml(&k.needs)
                );
            }
            out.push_str("</ul>\n");
        }
        let failure = r.failure_text();
        if !failure.is_empty() {
            let _ = writeln!(
                out,
                "<pre class=\"{}\">{}</pre>",
                r.result_word(),
                xml(&failure)
            );
        }
        let failed = r.failed_steps();
        for (i, s) in r.steps.iter().enumerate() {
            let bad = failed.contains(&(i + 1));
            let _ = writeln!(
                out,
                "<details{}{}><summary>step {}: {}{}</summary>",
                if r.failed() { " open" } else { "" },
                if bad { " class=\"failing\"" } else { "" },
                i + 1,
                xml(&s.step),
                if bad {
                    " <span class=\"FAILED\">&#x2190; FAILED here</span>"
                } else {
                    ""
                }
            );
            let mut body = String::new();
            if let Some(c) = s.full_command.as_ref().or(s.command.as_ref()) {
                let _ = writeln!(body, "$ {c}");
            }
            if let Some(d) = &s.did {
                let _ = writeln!(body, "did: {d}");
            }
            if let Some(e) = s.exit {
                let _ = writeln!(body, "exit {e}");
            }
            if let Some(st) = s.status {
                let _ = writeln!(body, "status {st}");
            }
            for (label, text) in [("stdout", &s.stdout), ("stderr", &s.stderr)] {
                if !text.is_empty() {
                    let _ = writeln!(body, "── {label}\n{}", text.trim_end());
                }
            }
            let mut journal = String::new();
            if !s.journal.is_empty() {
                let _ = writeln!(journal, "── journal (server-side causes)");
                for j in &s.journal {
                    if bad && journal_line_matters(j) {
                        let _ = writeln!(journal, "<mark>&#x25B6; {}</mark>", xml(j));
                    } else {
                        let _ = writeln!(journal, "  {}", xml(j));
                    }
                }
            }
            let _ = writeln!(out, "<pre>{}{journal}</pre></details>", xml(&body));
        }
    }
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<CaseReport> {
        let step = StepRecord {
            step: "certrenew renew".into(),
            command: Some("certrenew renew --password-stdin".into()),
            exit: Some(5),
            stderr: "550:証明書ファイルは取得できませんでした。認証に失敗しました。\n<&>\u{1}"
                .into(),
            journal: vec!["webra2 POST /login -> 403 E550A wrong_password".into()],
            ..Default::default()
        };
        vec![
            CaseReport {
                name: "a".into(),
                story: "s & t".into(),
                reproduces: vec!["D6.4".into()],
                manual: None,
                outcome: Outcome::Failed {
                    failures: vec![Failure {
                        at: "scenarios/a.toml:12".into(),
                        step: 1,
                        what: "exit".into(),
                        expected: "0".into(),
                        got: "5".into(),
                    }],
                },
                steps: vec![step],
                elapsed: Duration::from_millis(12),
                redactions: Redactions::default(),
                skipped: Vec::new(),
                faults: FaultSummary {
                    names: vec!["repo1-hang".into()],
                    seed: Some(42),
                    seed_in_file: false,
                    random: true,
                },
            },
            CaseReport {
                name: "b".into(),
                story: "pending one".into(),
                reproduces: vec!["D7.3".into()],
                manual: None,
                outcome: Outcome::Pending {
                    reason: "needs \"faults\"".into(),
                },
                steps: vec![],
                elapsed: Duration::ZERO,
                redactions: Redactions::default(),
                skipped: Vec::new(),
                faults: FaultSummary::default(),
            },
        ]
    }

    #[test]
    fn redaction_names_known_values_and_hides_volatile_ones() {
        let known = Redactions {
            literals: vec![
                ("/tmp/certrenew-case-x".into(), "[work]".into()),
                (
                    "0123456789abcdef0123456789abcdef".into(),
                    "[serial:acme]".into(),
                ),
            ],
        };
        let text = "/tmp/certrenew-case-x/store serial 0123456789abcdef0123456789abcdef other 0fedcba98765432100112233445566ff\n\
                    拇印 D45CC820 1FD94D0F F0866092 8529023F CCAE21D3 at 2026-11-25T21:38:20Z on 127.0.0.1:40123 in 0.08 秒 (12 ms)\n\
                    {\"ticket\":\"9rrdjMIECJFiJDCStC52e3-2w22W8-32Vn2f-gpzXHI\",\"subject\":\"CN=a\"}";
        let r = redact(text, &known);
        assert_eq!(
            r,
            "[work]/store serial [serial:acme] other [serial]\n\
                    拇印 [sha1] at [time] on 127.0.0.1:[port] in [elapsed] ([elapsed])\n\
                    {\"ticket\":\"[ticket]\",\"subject\":\"CN=a\"}"
        );
    }

    #[test]
    fn junit_escapes_and_counts() {
        let x = junit(&sample(), Duration::from_millis(20));
        assert!(x.contains("tests=\"2\" failures=\"1\""), "{x}");
        assert!(
            x.contains("<skipped message=\"needs &quot;faults&quot;\"/>"),
            "{x}"
        );
        assert!(x.contains("&lt;&amp;&gt;") && !x.contains('\u{1}'), "{x}");
        assert!(x.contains("scenarios/a.toml:12: step 1: exit"), "{x}");
        assert!(
            x.contains("<property name=\"fault_seed\" value=\"42\"/>"),
            "{x}"
        );
    }

    /// JUnit XML as a CI system reads it: python's XML parser (a second
    /// implementation) must accept it, and the counts must be the
    /// document's, not just substrings of it.
    #[test]
    fn junit_is_well_formed_xml_with_the_right_counts() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("junit.xml");
        std::fs::write(&file, junit(&sample(), Duration::from_millis(20))).unwrap();
        let script = r#"
import sys, xml.dom.minidom
doc = xml.dom.minidom.parse(sys.argv[1])
suites = doc.getElementsByTagName("testsuite")
cases = doc.getElementsByTagName("testcase")
print(len(suites), suites[0].getAttribute("tests"), suites[0].getAttribute("failures"),
      len(cases), len(doc.getElementsByTagName("failure")), len(doc.getElementsByTagName("skipped")))
"#;
        let out = std::process::Command::new("python3")
            .args(["-c", script])
            .arg(&file)
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "not well-formed XML: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1 2 1 2 1 1");
    }

    #[test]
    fn table_and_html_show_results() {
        let t = table(&sample(), Duration::from_millis(20));
        assert!(t.contains("FAILED") && t.contains("pending"), "{t}");
        assert!(t.contains("2 cases: 0 passed, 1 failed, 1 pending"), "{t}");
        assert!(t.contains("12ms  seed 42"), "{t}");
        let h = html(&sample(), Duration::from_millis(20));
        assert!(
            h.contains("<h2 id=\"a\">") && h.contains("wrong_password") && h.contains("s &amp; t")
        );
        assert!(
            !h.contains("<script") && !h.contains("http"),
            "self-contained, no network"
        );
    }
}

/// Known values of one run that a transcript replaces with stable names.
#[derive(Debug, Default, Clone)]
pub struct Redactions {
    /// Literal text -> its stable name (work directory, identity serials,
    /// the root's thumbprint, ...). Longest first is applied first.
    pub literals: Vec<(String, String)>,
}

/// Makes a transcript stable from run to run: known values by name, then
/// anything that looks like a serial, thumbprint, time, port or duration.
pub fn redact(text: &str, known: &Redactions) -> String {
    use std::sync::OnceLock;
    static PATTERNS: OnceLock<Vec<(regex::Regex, &'static str)>> = OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        [
            (r#""ticket":"[^"]*""#, r#""ticket":"[ticket]""#),
            (r"\b[0-9A-F]{8}( [0-9A-F]{8}){4}\b", "[sha1]"),
            (r"\b[0-9a-fA-F]{40}\b", "[sha1]"),
            (r"\b[0-9a-f]{16}-\[serial", "[issuer]-[serial"),
            (r"\b[0-9a-f]{16}-[0-9a-f]{2,40}\b", "[identity]"),
            (r"\b[0-9a-f]{24,40}\b", "[serial]"),
            (
                r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2})?",
                "[time]",
            ),
            (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
            (r"\b\d+(\.\d+)? ?(ms|秒|s)\b", "[elapsed]"),
            (r"\d+(\.\d+)? ?秒", "[elapsed]"),
            (r"/tmp/[^\s/]+", "[tmp]"),
            (r"\.\d+\.tmp\b", ".[pid].tmp"),
        ]
        .into_iter()
        .filter_map(|(p, r)| regex::Regex::new(p).ok().map(|re| (re, r)))
        .collect()
    });
    let mut out = text.to_owned();
    let mut literals = known.literals.clone();
    literals.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
    for (k, v) in &literals {
        if !k.is_empty() {
            out = out.replace(k.as_str(), v);
        }
    }
    for (re, replacement) in patterns {
        out = re.replace_all(&out, *replacement).into_owned();
    }
    out
}

/// The transcript of a case as its snapshot holds it: every step's command,
/// exit code or status, output and journal lines, redacted.
pub fn snapshot_text(report: &CaseReport, known: &Redactions) -> String {
    redact(&transcript_text(report), known)
}
