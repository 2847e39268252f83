//! JUnit XML for CI systems: one testsuite, one testcase per case.

use std::fmt::Write as _;
use std::time::Duration;

use super::{CaseReport, Outcome};

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

pub(super) fn transcript_text(r: &CaseReport) -> String {
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
