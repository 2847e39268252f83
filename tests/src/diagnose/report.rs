//! What `diagnose` found, and how it is written (text and JSON).

use std::fmt::Write as _;

use serde::Serialize;

use crate::diagnose::causes::{CauseInfo, ClassInfo};

/// A detail line recognised in the input.
#[derive(Debug, Clone, Serialize)]
pub struct DetailFound {
    /// Its kind (`net:timeout`, ...).
    pub kind: &'static str,
    /// The classes the client gives it (webra2's 403 is E550A or ENOCERT).
    pub classes: Vec<&'static str>,
    /// The host it names, if any.
    pub host: Option<&'static str>,
}

/// A case that reproduces something.
#[derive(Debug, Clone, Serialize)]
pub struct CaseRef {
    /// Its name.
    pub name: String,
    /// The step that shows it.
    pub step: Option<usize>,
    /// Its story.
    pub story: String,
    /// Why it cannot run yet, if pending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending: Option<String>,
    /// The command that runs it.
    pub run: String,
    /// The command that brings its world up by hand.
    pub repro: String,
}

/// A matrix cell that reproduces something.
#[derive(Debug, Clone, Serialize)]
pub struct CellRef {
    /// `<fault>@<host>`.
    pub name: String,
    /// Why its class is right.
    pub story: String,
    /// The command that runs it.
    pub run: String,
}

/// A journal cause of a class, and what reproduces it.
#[derive(Debug, Clone, Serialize)]
pub struct CauseReport {
    /// The cause.
    #[serde(flatten)]
    pub cause: CauseInfo,
    /// Cases reproducing it.
    pub cases: Vec<CaseRef>,
    /// Matrix cells reproducing it.
    pub cells: Vec<CellRef>,
}

/// A kind of detail line the client prints for a class.
#[derive(Debug, Clone, Serialize)]
pub struct DetailReport {
    /// Its kind.
    pub kind: &'static str,
    /// The line, Japanese (`…` where it varies).
    pub line_ja: String,
    /// The line, English.
    pub line_en: String,
    /// Cases whose transcript shows it.
    pub cases: Vec<CaseRef>,
    /// Matrix cells that end in it.
    pub cells: Vec<CellRef>,
}

/// One class the input may mean.
#[derive(Debug, Clone, Serialize)]
pub struct ClassReport {
    /// 1.0 when the input is the class's own line, id or code; less for
    /// a guess.
    pub confidence: f64,
    /// What matched.
    pub matched_by: String,
    /// The class.
    pub class: ClassInfo,
    /// D7.2: the causes only the server's journal tells apart.
    pub server_only: Vec<&'static str>,
    /// Its journal causes.
    pub causes: Vec<CauseReport>,
    /// Its detail lines (the client's own causes).
    pub details: Vec<DetailReport>,
}

/// What `diagnose` found.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    /// The text given.
    pub input: String,
    /// The detail line recognised, if any.
    pub detail: Option<DetailFound>,
    /// The classes it may mean, surest first.
    pub matches: Vec<ClassReport>,
}

impl Diagnosis {
    /// Whether anything matched for sure.
    pub fn sure(&self) -> bool {
        self.matches.iter().any(|m| m.confidence >= 1.0)
    }

    /// The text `harness diagnose` prints.
    pub fn text(&self) -> String {
        let mut o = String::new();
        if self.matches.is_empty() {
            let _ = writeln!(
                o,
                "nothing in the catalogue looks like this; try the class line, the 詳細: line, the exit code or a class id (harness list shows them)"
            );
            return o;
        }
        if !self.sure() {
            let _ = writeln!(o, "not a line the client prints; the closest classes:");
            for m in &self.matches {
                let _ = writeln!(
                    o,
                    "  {:<9} {:>3.0}% sure  {}",
                    m.class.id,
                    m.confidence * 100.0,
                    m.class.message_ja
                );
            }
            o.push('\n');
        }
        if let Some(d) = &self.detail {
            let _ = writeln!(
                o,
                "detail line: {} ({}){}\n",
                d.kind,
                d.classes.join(" or "),
                d.host.map(|h| format!(" on {h}")).unwrap_or_default()
            );
        }
        for m in &self.matches {
            let c = &m.class;
            let _ = writeln!(
                o,
                "== {} (exit {}){}  [{}]",
                c.id,
                c.exit,
                if m.confidence < 1.0 {
                    format!(", {:.0}% sure", m.confidence * 100.0)
                } else {
                    String::new()
                },
                m.matched_by
            );
            let _ = writeln!(o, "  ja: {}", c.message_ja);
            let _ = writeln!(o, "  en: {}", c.message_en);
            if let Some(s) = &c.manual {
                let _ = writeln!(o, "  manual: section {s}");
            }
            if !c.behaviours.is_empty() {
                let _ = writeln!(o, "  behaviours: {}", c.behaviours.join(" "));
            }
            if !c.remedy_ja.is_empty() {
                let _ = writeln!(o, "  remedy (ja):");
                for r in &c.remedy_ja {
                    let _ = writeln!(o, "    {r}");
                }
                let _ = writeln!(o, "  remedy (en):");
                for r in &c.remedy_en {
                    let _ = writeln!(o, "    {r}");
                }
            }
            if !m.causes.is_empty() {
                let _ = writeln!(o, "  server-side causes (journal):");
                for cr in &m.causes {
                    let cause = &cr.cause;
                    let _ = writeln!(
                        o,
                        "    {:<24} {}{}",
                        cause.name,
                        cause
                            .behaviour
                            .map(|b| format!("{b}: "))
                            .unwrap_or_default(),
                        cause.about
                    );
                    write_refs(&mut o, &cr.cases, &cr.cells, cause.no_case_because);
                }
            }
            if !m.server_only.is_empty() {
                let _ = writeln!(
                    o,
                    "  only the server tells these apart (D7.2: the customer sees the same lines): {}",
                    m.server_only.join(", ")
                );
            }
            if !m.details.is_empty() {
                let _ = writeln!(o, "  client-side causes (the 詳細: line tells them apart):");
                for d in &m.details {
                    let _ = writeln!(o, "    {:<24} {}", d.kind, d.line_ja);
                    let _ = writeln!(o, "    {:<24} {}", "", d.line_en);
                    write_refs(&mut o, &d.cases, &d.cells, None);
                }
            }
            o.push('\n');
        }
        o
    }
}

fn write_refs(o: &mut String, cases: &[CaseRef], cells: &[CellRef], none_because: Option<&str>) {
    for c in cases {
        let _ = writeln!(
            o,
            "      case {}{}{}: {}",
            c.name,
            c.step.map(|s| format!(" (step {s})")).unwrap_or_default(),
            c.pending
                .as_ref()
                .map(|p| format!(" [pending: {p}]"))
                .unwrap_or_default(),
            c.story
        );
        let _ = writeln!(o, "        $ {}", c.run);
        let _ = writeln!(o, "        $ {}", c.repro);
    }
    for c in cells {
        let _ = writeln!(o, "      cell {}: {}", c.name, c.story);
        let _ = writeln!(o, "        $ {}", c.run);
    }
    if cases.is_empty() && cells.is_empty() {
        match none_because {
            Some(why) => {
                let _ = writeln!(o, "      no case: {why}");
            }
            None => {
                let _ = writeln!(o, "      NO CASE reproduces it");
            }
        }
    }
}
