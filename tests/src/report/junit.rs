//! JUnit XML for CI systems: one testsuite, one testcase per case, written
//! by quick-junit (its escaping, its counts).

use std::fmt::Write as _;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use crate::report::model::{CaseReport, Outcome};

/// The JUnit XML could not be written.
pub type JunitError = quick_junit::SerializeError;

/// JUnit XML: one testsuite, one testcase per case; pending cases are
/// `<skipped>` with their reason.
pub fn junit(reports: &[CaseReport], total: Duration) -> Result<String, JunitError> {
    junit_suite("scenarios", reports, total)
}

/// [`junit`] under another suite name (`matrix` for the fault matrix).
pub fn junit_suite(
    suite_name: &str,
    reports: &[CaseReport],
    total: Duration,
) -> Result<String, JunitError> {
    let mut suite = TestSuite::new(suite_name);
    suite.set_time(total);
    for r in reports {
        let status = match &r.outcome {
            Outcome::Passed => TestCaseStatus::success(),
            Outcome::Pending { reason } => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(reason.as_str());
                s
            }
            Outcome::Skipped { reason } => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(format!("skipped, {reason}"));
                s
            }
            Outcome::Failed { .. } | Outcome::Invalid { .. } => {
                let text = r.failure_text();
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(text.lines().next().unwrap_or_default());
                s.set_description(text.as_str());
                s
            }
        };
        let mut case = TestCase::new(r.name.as_str(), status);
        case.set_classname(suite_name);
        case.set_time(r.elapsed);
        if let Some(seed) = r.faults.seed {
            case.add_properties([
                Property::new("fault_seed", seed.to_string()),
                Property::new("faults", r.faults.names.join(",")),
            ]);
        }
        case.set_system_out(transcript_text(r));
        suite.add_test_case(case);
    }
    let mut report = Report::new(suite_name);
    report.set_time(total);
    report.add_test_suite(suite);
    report.to_string()
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
