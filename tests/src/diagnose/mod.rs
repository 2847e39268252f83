//! `harness diagnose TEXT`: from what a customer reported (a class line in
//! Japanese or English, a `詳細:` detail line, an exit code, a class id, a
//! journal cause) to the class, the manual's remedy, every documented
//! cause with its journal name, and the cases and fault-matrix cells that
//! reproduce each, with the command that brings each up.
//!
//! Nothing here repeats a string of the client or the mock: class lines,
//! exit codes and remedies are the client's own catalogue
//! (`certrenew::messages`), detail lines are rendered by the client from
//! sample errors of every kind, journal causes are `mock_ra::Cause::ALL`,
//! and the cases are the same [`Catalogue`] `harness list` reads (with the
//! transcript snapshots of their real runs, where there are some).

mod causes;
mod desk;
pub(crate) mod details;
mod report;
mod seen;

pub use causes::{CauseInfo, ClassInfo, cause_info};
pub use desk::{Desk, default_snapshots};
pub use details::{DetailPattern, detail_patterns, distinctive, net_kind_name, normalise};
pub use report::{
    CaseRef, CauseReport, CellRef, ClassReport, DetailFound, DetailReport, Diagnosis,
};
pub use seen::SeenLine;

#[cfg(test)]
mod tests;
