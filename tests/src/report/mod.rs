//! What a run produced, for people (a table, an HTML page) and for CI
//! systems (JUnit XML).

mod escape;
mod html;
mod junit;
mod model;
mod redact;

pub use escape::xml;
pub use html::{html, html_titled, html_with};
pub use junit::{junit, junit_suite};
pub use model::{
    CaseReport, Failure, FaultSummary, Outcome, Redactions, Skip, StepRecord, exit_text,
    journal_line_matters, skipped_summary, steps_text, table,
};
pub use redact::{redact, snapshot_text};

#[cfg(test)]
mod tests;
