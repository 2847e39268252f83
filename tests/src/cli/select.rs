//! What to run: case files, directories and bare case names resolved
//! against the catalogue.

use std::path::{Path, PathBuf};

use harness::case::Case;
use harness::catalogue::Catalogue;
use harness::report::{CaseReport, Outcome};

/// What to run: each argument a case file or a directory; pending cases
/// (from the directory's `pending.toml`) become pending reports.
pub(crate) enum Selected {
    Run(Box<Case>),
    Report(Box<CaseReport>),
}

pub(crate) fn select(args: &[PathBuf]) -> anyhow::Result<Vec<Selected>> {
    let args = if args.is_empty() {
        vec![PathBuf::from("scenarios")]
    } else {
        args.to_vec()
    };
    let mut out = Vec::new();
    for arg in args {
        let arg = existing(&arg)?;
        let (dir, only) = if arg.is_dir() {
            (arg.clone(), None)
        } else {
            let dir = arg
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf();
            (dir, Some(arg.clone()))
        };
        let cat = Catalogue::load(&dir)?;
        for case in cat.cases {
            let (path, case) = match case {
                Ok(c) => (c.path.clone(), Ok(c)),
                Err((p, e)) => (p, Err(e)),
            };
            if only.as_ref().is_some_and(|o| !same_file(o, &path)) {
                continue;
            }
            out.push(match case {
                Ok(c) => match cat.pending.get(c.name()) {
                    Some(reason) => Selected::Report(Box::new(pending_report(&c, reason))),
                    None => Selected::Run(Box::new(c)),
                },
                Err(e) => Selected::Report(Box::new(CaseReport {
                    name: path
                        .file_stem()
                        .and_then(|s| s.to_str())
                        .unwrap_or_default()
                        .to_owned(),
                    story: String::new(),
                    reproduces: Vec::new(),
                    manual: None,
                    outcome: Outcome::Invalid {
                        error: e.to_string(),
                    },
                    steps: Vec::new(),
                    elapsed: std::time::Duration::ZERO,
                    redactions: Default::default(),
                    faults: Default::default(),
                    skipped: Vec::new(),
                })),
            });
        }
        if let Some(o) = &only
            && !out.iter().any(|s| match s {
                Selected::Run(c) => same_file(o, &c.path),
                Selected::Report(_) => true,
            })
        {
            anyhow::bail!("{}: no such case file", o.display());
        }
    }
    Ok(out)
}

/// One case, by file or name, checked against its directory's catalogue.
pub(crate) fn load_one(arg: &Path) -> anyhow::Result<Case> {
    let path = existing(arg)?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let cat = Catalogue::load(&dir)?;
    for c in cat.cases {
        match c {
            Ok(c) if same_file(&c.path, &path) => return Ok(c),
            Err((p, e)) if same_file(&p, &path) => anyhow::bail!("{e}"),
            _ => {}
        }
    }
    anyhow::bail!("{}: not a case file", path.display())
}

/// A path as given when it exists; a bare case name (`e550a-wrong-password`)
/// as `scenarios/NAME.toml`; otherwise an error that says what to try.
fn existing(arg: &Path) -> anyhow::Result<PathBuf> {
    if arg.exists() {
        return Ok(arg.to_path_buf());
    }
    let bare = arg.components().count() == 1 && arg.extension().is_none();
    if bare {
        let named = Path::new("scenarios").join(arg).with_extension("toml");
        if named.is_file() {
            return Ok(named);
        }
    }
    anyhow::bail!(
        "{}: no such case file or directory (give a case file, a directory of them, \
         or a case name from `harness list`)",
        arg.display()
    )
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn pending_report(case: &Case, reason: &str) -> CaseReport {
    CaseReport {
        name: case.name().to_owned(),
        story: case.meta.story.clone(),
        reproduces: case.meta.reproduces.clone(),
        manual: case.meta.manual.clone(),
        outcome: Outcome::Pending {
            reason: reason.to_owned(),
        },
        steps: Vec::new(),
        elapsed: std::time::Duration::ZERO,
        redactions: Default::default(),
        faults: Default::default(),
        skipped: Vec::new(),
    }
}
