//! The self-contained HTML report: the failing step and its journal lines
//! marked, the whole command line as run.

use std::fmt::Write as _;
use std::time::Duration;

use crate::report::escape::xml;
use crate::report::model::{CaseReport, Outcome, journal_line_matters};

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
