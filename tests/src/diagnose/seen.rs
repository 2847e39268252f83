//! What the catalogue's transcript snapshots recorded: the detail lines
//! and journal causes of each case's steps.

use std::path::Path;

use serde::Serialize;

use crate::catalogue::Catalogue;

/// One step of a case that shows a detail line, from its snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct SeenLine {
    /// The case.
    pub case: String,
    /// Its step, from 1.
    pub step: usize,
    /// The line as the snapshot has it (redacted).
    pub line: String,
    /// The step's exit code.
    pub exit: Option<i32>,
}

/// Detail lines and journal causes of the catalogue's cases, from their
/// transcript snapshots (the journal's `cause` is the third word after
/// `->`).
pub(super) fn seen_lines(cat: &Catalogue, snapshots: &Path) -> (Vec<SeenLine>, Vec<SeenLine>) {
    let mut out = Vec::new();
    let mut causes = Vec::new();
    for case in cat.cases.iter().flatten() {
        let Ok(text) = std::fs::read_to_string(snapshots.join(format!("{}.snap", case.name())))
        else {
            continue;
        };
        let mut step = 0;
        let mut exit = None;
        for line in text.lines() {
            if let Some(code) = line.strip_prefix("exit ") {
                exit = code.trim().parse().ok();
            }
            if let Some(rest) = line.strip_prefix("[step ") {
                step = rest
                    .split(']')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(step);
                exit = None;
            } else if let Some(rest) = line.strip_prefix("journal: ")
                && let Some((_, answer)) = rest.split_once(" -> ")
                && let Some(cause) = answer.split_whitespace().nth(2)
            {
                causes.push(SeenLine {
                    case: case.name().to_owned(),
                    step,
                    line: cause.to_owned(),
                    exit,
                });
            } else if line.starts_with("詳細:") || line.starts_with("detail:") {
                out.push(SeenLine {
                    case: case.name().to_owned(),
                    step,
                    line: line.to_owned(),
                    exit,
                });
            }
        }
    }
    (out, causes)
}
