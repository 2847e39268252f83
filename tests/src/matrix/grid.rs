//! The matrix's results as a grid, for the terminal and as HTML.

use std::fmt::Write as _;
use std::time::Duration;

use mock_ra::Host as FaultHost;

use crate::report::CaseReport;

use crate::matrix::cells::Cell;
use crate::matrix::variants::{
    ATTEMPTS, BACKOFF_TOTAL, CONNECT_TIMEOUT_SECS, SLACK, TIMEOUT_SECS, cell_bound, variants,
};

/// How long certrenew ran in a cell (the case's time without the mock's
/// start and stop).
pub fn client_time(r: &CaseReport) -> Duration {
    r.steps.iter().map(|s| s.elapsed).sum()
}

/// The grid: one row per variant, one column per host, each cell its
/// expected class and certrenew's time, `!` where it failed.
pub fn grid(cells: &[Cell], reports: &[CaseReport], total: Duration) -> String {
    let mut out = String::new();
    let row_w = variants().iter().map(|v| v.name.len()).max().unwrap_or(8);
    let col_w = 20;
    let _ = write!(out, "{:<row_w$}", "fault \\ host");
    for host in FaultHost::ALL {
        let _ = write!(out, "  {:<col_w$}", host.as_str());
    }
    out.push('\n');
    let _ = writeln!(out, "{}", "-".repeat(row_w + (col_w + 2) * 4));
    for variant in variants() {
        if !cells.iter().any(|c| c.variant.name == variant.name) {
            continue;
        }
        let _ = write!(out, "{:<row_w$}", variant.name);
        for host in FaultHost::ALL {
            let found = cells
                .iter()
                .zip(reports)
                .find(|(c, _)| c.variant.name == variant.name && c.host == host);
            let text = match found {
                None => "-".to_owned(),
                Some((_, r)) if matches!(r.outcome, crate::report::Outcome::Skipped { .. }) => {
                    "skipped".to_owned()
                }
                Some((c, r)) => format!(
                    "{}{} {:.1}s",
                    if r.passed() { "" } else { "!" },
                    c.expected.as_str(),
                    client_time(r).as_secs_f64()
                ),
            };
            let _ = write!(out, "  {text:<col_w$}");
        }
        out.push('\n');
    }
    let passed = reports.iter().filter(|r| r.passed()).count();
    let skipped = reports
        .iter()
        .filter(|r| matches!(r.outcome, crate::report::Outcome::Skipped { .. }))
        .count();
    let skipped_text = if skipped > 0 {
        format!(", {skipped} skipped (the target lacks what they need)")
    } else {
        String::new()
    };
    let slowest = reports
        .iter()
        .max_by_key(|r| client_time(r))
        .map(|r| format!(", slowest {} {:.2}s", r.name, client_time(r).as_secs_f64()))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{} cells: {passed} passed, {} failed{skipped_text} in {:.2}s (bound per cell {:.2}s = {} x {} s + {:.2} s backoff + {} s slack{slowest})",
        reports.len(),
        reports.len() - passed - skipped,
        total.as_secs_f64(),
        cell_bound().as_secs_f64(),
        ATTEMPTS,
        TIMEOUT_SECS.max(CONNECT_TIMEOUT_SECS),
        BACKOFF_TOTAL.as_secs_f64(),
        SLACK.as_secs(),
    );
    out
}

/// The grid as HTML: one row per fault kind, one column per host, each
/// cell its class and time, linking to the cell's details below it
/// (anchors are the reports' names, `<variant>@<host>`).
pub fn grid_html(cells: &[Cell], reports: &[CaseReport]) -> String {
    use crate::report::xml;
    let mut out = String::from(
        "<h2>fault kind &#xD7; host</h2><p>Each cell: the class certrenew must end in and its time; a red cell failed. Click a cell for its transcript.</p>\n<table class=\"grid\"><tr><th>fault \\ host</th>",
    );
    for host in FaultHost::ALL {
        let _ = write!(out, "<th>{}</th>", host.as_str());
    }
    out.push_str("</tr>\n");
    for variant in variants() {
        if !cells.iter().any(|c| c.variant.name == variant.name) {
            continue;
        }
        let _ = write!(out, "<tr><th>{}</th>", xml(variant.name));
        for host in FaultHost::ALL {
            let found = cells
                .iter()
                .zip(reports)
                .find(|(c, _)| c.variant.name == variant.name && c.host == host);
            match found {
                None => out.push_str("<td>-</td>"),
                Some((c, r)) => {
                    let _ = write!(
                        out,
                        "<td{}><a href=\"#{}\">{}{} {:.1}s</a></td>",
                        if r.passed() { "" } else { " class=\"bad\"" },
                        xml(&r.name),
                        if r.passed() { "" } else { "&#x2717; " },
                        c.expected.as_str(),
                        client_time(r).as_secs_f64()
                    );
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n<h2>cells</h2>\n");
    out
}
