//! The desk: everything `diagnose` knows, read once, and the search from
//! what a customer reported to classes, causes, cases and cells.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use certrenew::messages::{Class, Lang};
use mock_ra::{Cause, Host};

use crate::case::{Case, StepKind};
use crate::catalogue::Catalogue;
use crate::matrix::{self, Cell};

use crate::diagnose::causes::{CauseInfo, ClassInfo, cause_info, client_classes};
use crate::diagnose::details::{DetailPattern, VAR, detail_patterns, normalise};
use crate::diagnose::report::{
    CaseRef, CauseReport, CellRef, ClassReport, DetailFound, DetailReport, Diagnosis,
};
use crate::diagnose::seen::{SeenLine, seen_lines};

/// The desk: everything `diagnose` knows, read once.
#[derive(Debug)]
pub struct Desk<'a> {
    cat: &'a Catalogue,
    classes: Vec<ClassInfo>,
    causes: Vec<CauseInfo>,
    details: Vec<DetailPattern>,
    seen: Vec<SeenLine>,
    seen_causes: Vec<SeenLine>,
    cells: Vec<Cell>,
}

/// Where the harness keeps transcript snapshots of the repository's
/// catalogue.
pub fn default_snapshots() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots")
}

impl<'a> Desk<'a> {
    /// The desk over a catalogue and the snapshots of its runs.
    pub fn new(cat: &'a Catalogue, snapshots: &Path) -> Self {
        let mut classes: Vec<ClassInfo> = client_classes()
            .into_iter()
            .map(|c| ClassInfo {
                id: c.name(),
                exit: c.exit_code(),
                message_ja: c.message(Lang::Ja),
                message_en: c.message(Lang::En),
                remedy_ja: c.remedy(Lang::Ja).to_vec(),
                remedy_en: c.remedy(Lang::En).to_vec(),
                manual: None,
                behaviours: Vec::new(),
                class: c,
            })
            .collect();
        for info in &mut classes {
            let mut sections: BTreeMap<String, usize> = BTreeMap::new();
            let mut ids = BTreeSet::new();
            for case in cat.cases.iter().flatten() {
                if !case_ends_in(case, info.exit) {
                    continue;
                }
                if case.meta.reproduces.iter().any(|r| r == info.id)
                    && let Some(m) = &case.meta.manual
                {
                    *sections.entry(m.clone()).or_default() += 1;
                }
                if case.meta.reproduces.iter().any(|r| r == info.id) {
                    ids.extend(case.meta.reproduces.iter().cloned());
                }
            }
            // A failure's own section is in the manual's chapter 3 (errors).
            let failure = info.exit != 0;
            info.manual = sections
                .into_iter()
                .max_by_key(|(s, n)| {
                    (
                        failure && s.starts_with("3."),
                        *n,
                        std::cmp::Reverse(s.clone()),
                    )
                })
                .map(|(s, _)| s);
            info.behaviours = ids.into_iter().filter(|i| i.starts_with('D')).collect();
        }
        let (seen, seen_causes) = seen_lines(cat, snapshots);
        Self {
            cat,
            classes,
            causes: Cause::ALL.into_iter().map(cause_info).collect(),
            details: detail_patterns(),
            seen,
            seen_causes,
            cells: matrix::cells(),
        }
    }

    /// Every class.
    pub fn classes(&self) -> &[ClassInfo] {
        &self.classes
    }

    /// Every journal cause, described.
    pub fn causes(&self) -> &[CauseInfo] {
        &self.causes
    }

    /// Every detail-line pattern.
    pub fn details(&self) -> &[DetailPattern] {
        &self.details
    }

    /// The detail lines the catalogue's snapshots show.
    pub fn seen(&self) -> &[SeenLine] {
        &self.seen
    }

    /// Reads what the customer reported.
    pub fn diagnose(&self, text: &str) -> Diagnosis {
        let mut found: Vec<(usize, f64, String)> = Vec::new(); // class index, confidence, how
        let mut detail: Option<DetailFound> = None;
        let mut cause: Option<&'static str> = None;
        for raw in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let n = normalise(raw);
            if let Some(d) = self.detail_of(raw, &n) {
                for class in &d.classes {
                    for ci in self.class_indexes(class) {
                        push(&mut found, ci, 1.0, format!("detail line ({})", d.kind));
                    }
                }
                detail = Some(d);
                continue;
            }
            if let Some(c) = self.causes.iter().find(|c| c.name == n) {
                cause = Some(c.name);
                for id in &c.classes {
                    for ci in self.class_indexes(id) {
                        push(&mut found, ci, 1.0, format!("journal cause {}", c.name));
                    }
                }
                continue;
            }
            let before = found.len();
            self.exact(&n, &mut found);
            if found.len() == before {
                self.closest(&n, &mut found);
            }
        }
        // Exact matches first; keep the closest ones only when nothing is sure.
        if found.iter().any(|f| f.1 >= 1.0) {
            found.retain(|f| f.1 >= 1.0);
        } else {
            found.sort_by(|a, b| b.1.total_cmp(&a.1));
            found.truncate(3);
        }
        // A detail line narrows a number shared by two classes (550).
        if let Some(d) = &detail
            && found
                .iter()
                .any(|f| d.classes.contains(&self.classes[f.0].id))
        {
            found.retain(|f| d.classes.contains(&self.classes[f.0].id));
        }
        let matches = found
            .into_iter()
            .map(|(ci, confidence, how)| self.report(ci, confidence, how, detail.as_ref(), cause))
            .collect();
        Diagnosis {
            input: text.to_owned(),
            detail,
            matches,
        }
    }

    fn class_indexes(&self, id: &str) -> Vec<usize> {
        self.classes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.id == id)
            .map(|(i, _)| i)
            .collect()
    }

    /// A class id, an exit code, a message number or a class line.
    fn exact(&self, n: &str, found: &mut Vec<(usize, f64, String)>) {
        let word = n
            .trim_start_matches("exit")
            .trim_start_matches("error")
            .trim_start_matches("code")
            .trim_start_matches([':', '='])
            .to_owned();
        for (i, c) in self.classes.iter().enumerate() {
            let id = c.id.to_lowercase();
            if n == id || (c.class == Class::NoCert && n == "nocert") {
                push(found, i, 1.0, "class id".into());
                continue;
            }
            if word == c.exit.to_string() && !word.is_empty() {
                push(found, i, 1.0, format!("exit code {}", c.exit));
            }
            for (lang, msg) in [("ja", c.message_ja), ("en", c.message_en)] {
                let m = normalise(msg);
                let (num, body) = split_number(&m);
                let (in_num, in_body) = split_number(n);
                if m == n
                    || (!body.is_empty() && in_body == body && (in_num.is_empty() || in_num == num))
                {
                    push(found, i, 1.0, format!("class line ({lang})"));
                } else if !num.is_empty() && (word == num || n == format!("{num}:")) {
                    push(found, i, 1.0, format!("message number {num}"));
                }
            }
        }
    }

    /// The classes whose lines look most like the text, with a confidence.
    fn closest(&self, n: &str, found: &mut Vec<(usize, f64, String)>) {
        for (i, c) in self.classes.iter().enumerate() {
            let best = [c.message_ja, c.message_en]
                .iter()
                .map(|m| similarity(&normalise(m), n))
                .fold(0.0, f64::max);
            let from_details = self
                .details
                .iter()
                .filter(|d| d.class == c.id)
                .flat_map(|d| d.lines.iter())
                .map(|l| similarity(&normalise(&l.replace(VAR, "")), n))
                .fold(0.0, f64::max);
            let score = best.max(from_details * 0.9);
            if score > 0.15 {
                push(
                    found,
                    i,
                    (score * 100.0).round() / 100.0 * 0.99,
                    "closest".into(),
                );
            }
        }
    }

    fn detail_of(&self, raw: &str, n: &str) -> Option<DetailFound> {
        let all: Vec<&DetailPattern> = self.details.iter().filter(|d| d.matches(n)).collect();
        let first = all.first()?;
        let mut classes: Vec<&'static str> = Vec::new();
        for d in all.iter().filter(|d| d.kind == first.kind) {
            if !classes.contains(&d.class) {
                classes.push(d.class);
            }
        }
        let host = Host::ALL
            .into_iter()
            .find(|h| raw.contains(h.hostname()))
            .map(Host::as_str);
        Some(DetailFound {
            kind: first.kind,
            classes,
            host,
        })
    }

    fn report(
        &self,
        ci: usize,
        confidence: f64,
        how: String,
        detail: Option<&DetailFound>,
        cause: Option<&'static str>,
    ) -> ClassReport {
        let info = self.classes[ci].clone();
        let mut causes = Vec::new();
        for c in &self.causes {
            if !c.classes.contains(&info.id) {
                continue;
            }
            if cause.is_some_and(|only| only != c.name) {
                continue;
            }
            let mut cases = self.cases_with_cause(c.name, info.exit);
            // With a detail line, a fault's cases are those that print it.
            if let Some(d) = detail
                && c.name == Cause::Fault.as_str()
            {
                cases.retain(|case| self.shows(&case.name, d));
            }
            let cells = if c.name == Cause::Fault.as_str() {
                self.cells_for(info.id, detail)
            } else {
                Vec::new()
            };
            causes.push(CauseReport {
                cause: c.clone(),
                cases,
                cells,
            });
        }
        // The client's own causes: what its detail lines tell apart.
        let mut client = Vec::new();
        let mut kinds: Vec<&DetailPattern> = self
            .details
            .iter()
            .filter(|d| d.class == info.id)
            .filter(|d| detail.is_none_or(|f| f.kind == d.kind))
            .collect();
        kinds.dedup_by(|a, b| a.kind == b.kind);
        for d in kinds {
            let cases: Vec<CaseRef> = self
                .seen
                .iter()
                .filter(|s| s.exit == Some(i32::from(info.exit)))
                .filter(|s| {
                    let n = normalise(&s.line);
                    self.details
                        .iter()
                        .any(|x| x.matches(&n) && x.kind == d.kind && x.class == d.class)
                })
                .filter(|s| {
                    detail
                        .and_then(|f| f.host)
                        .is_none_or(|h| s.line.contains(host_name(h)))
                })
                .filter_map(|s| self.case_ref(&s.case, Some(s.step)))
                .fold(Vec::new(), |mut v, c| {
                    if !v.iter().any(|x: &CaseRef| x.name == c.name) {
                        v.push(c);
                    }
                    v
                });
            let cells = self
                .cells
                .iter()
                .filter(|c| c.expected.as_str() == info.id)
                .filter(|c| matrix::cell_details(c).contains(&d.kind))
                .filter(|c| {
                    detail
                        .and_then(|f| f.host)
                        .is_none_or(|h| c.host.as_str() == h)
                })
                .map(cell_ref)
                .collect();
            client.push(DetailReport {
                kind: d.kind,
                line_ja: d.lines[0].replace(VAR, "…"),
                line_en: d.lines[1].replace(VAR, "…"),
                cases,
                cells,
            });
        }
        let server_only: Vec<&'static str> = causes
            .iter()
            .filter(|c| c.cause.server_only)
            .map(|c| c.cause.name)
            .collect();
        ClassReport {
            confidence,
            matched_by: how,
            class: info,
            server_only,
            causes,
            details: client,
        }
    }

    /// Whether a case's recorded run prints a detail line of `d`'s kind
    /// (on its host, when it names one).
    fn shows(&self, case: &str, d: &DetailFound) -> bool {
        self.seen.iter().filter(|s| s.case == case).any(|s| {
            let n = normalise(&s.line);
            self.details
                .iter()
                .any(|x| x.kind == d.kind && x.matches(&n))
                && d.host.is_none_or(|h| s.line.contains(host_name(h)))
        })
    }

    fn cases_with_cause(&self, cause: &str, exit: u8) -> Vec<CaseRef> {
        let mut out = Vec::new();
        for case in self.cat.cases.iter().flatten() {
            for (i, (_, step)) in case.steps.iter().enumerate() {
                let e = &step.expect;
                let named = e
                    .causes
                    .as_ref()
                    .is_some_and(|c| c.get_ref().iter().any(|x| x == cause))
                    || e.journal
                        .iter()
                        .any(|j| j.get_ref().split_whitespace().any(|w| w == cause));
                let exit_ok = match step.kind() {
                    StepKind::Certrenew => e
                        .exit
                        .as_ref()
                        .is_none_or(|x| *x.get_ref() == i32::from(exit)),
                    // A request straight to a host: its class is the wire's.
                    StepKind::Request => true,
                    _ => false,
                };
                // Or the recorded run's journal shows it.
                let recorded = self.seen_causes.iter().any(|s| {
                    s.case == case.name()
                        && s.step == i + 1
                        && s.line == cause
                        && s.exit.is_none_or(|x| x == i32::from(exit))
                        && (s.exit.is_some() || step.kind() == StepKind::Request)
                });
                if (named && exit_ok) || recorded {
                    if let Some(r) = self.case_ref(case.name(), Some(i + 1)) {
                        out.push(r);
                    }
                    break;
                }
            }
        }
        out
    }

    fn cells_for(&self, class: &str, detail: Option<&DetailFound>) -> Vec<CellRef> {
        self.cells
            .iter()
            .filter(|c| c.expected.as_str() == class)
            .filter(|c| c.fault().is_some_and(|f| f.kind.schedulable()) || c.variant.kind.is_some())
            .filter(|c| {
                detail.is_none_or(|d| {
                    matrix::cell_details(c).contains(&d.kind)
                        && d.host.is_none_or(|h| c.host.as_str() == h)
                })
            })
            .map(cell_ref)
            .collect()
    }

    fn case_ref(&self, name: &str, step: Option<usize>) -> Option<CaseRef> {
        let case = self.cat.cases.iter().flatten().find(|c| c.name() == name)?;
        Some(CaseRef {
            name: name.to_owned(),
            step,
            story: case.meta.story.clone(),
            pending: self.cat.pending.get(name).cloned(),
            run: format!("harness run {}", case_arg(case)),
            repro: format!("harness repro {}", case_arg(case)),
        })
    }
}

fn host_name(h: &str) -> &'static str {
    Host::ALL
        .into_iter()
        .find(|x| x.as_str() == h)
        .map(Host::hostname)
        .unwrap_or("")
}

fn case_arg(case: &Case) -> String {
    case.path.display().to_string()
}

fn cell_ref(c: &Cell) -> CellRef {
    CellRef {
        name: c.name(),
        story: c.why.to_owned(),
        run: format!("harness matrix --only '{}'", c.name()),
    }
}

/// Whether a case has a certrenew step ending in `exit`.
fn case_ends_in(case: &Case, exit: u8) -> bool {
    case.steps.iter().any(|(_, s)| {
        s.kind() == StepKind::Certrenew
            && s.expect
                .exit
                .as_ref()
                .is_some_and(|e| *e.get_ref() == i32::from(exit))
    })
}

fn push(found: &mut Vec<(usize, f64, String)>, i: usize, confidence: f64, how: String) {
    if let Some(f) = found.iter_mut().find(|f| f.0 == i) {
        if confidence > f.1 {
            f.1 = confidence;
            f.2 = how;
        }
        return;
    }
    found.push((i, confidence, how));
}

/// `550:text` -> (`550`, `text`); no number -> (``, text).
pub(super) fn split_number(n: &str) -> (String, String) {
    match n.split_once(':') {
        Some((num, rest)) if !num.is_empty() && num.chars().all(|c| c.is_ascii_digit()) => {
            (num.to_owned(), rest.to_owned())
        }
        _ => (String::new(), n.to_owned()),
    }
}

/// Dice's coefficient over character bigrams: 1 for the same text, 0 for
/// nothing in common.
fn similarity(a: &str, b: &str) -> f64 {
    let grams = |s: &str| -> Vec<(char, char)> {
        let v: Vec<char> = s.chars().collect();
        v.windows(2).map(|w| (w[0], w[1])).collect()
    };
    let (ga, gb) = (grams(a), grams(b));
    if ga.is_empty() || gb.is_empty() {
        return 0.0;
    }
    let mut pool = gb.clone();
    let mut common = 0usize;
    for g in &ga {
        if let Some(p) = pool.iter().position(|x| x == g) {
            pool.swap_remove(p);
            common += 1;
        }
    }
    2.0 * common as f64 / (ga.len() + gb.len()) as f64
}
