//! The catalogue: every case file of a directory, the behaviours they must
//! cover (`behaviours.toml`) and the cases that cannot run yet
//! (`pending.toml`, each with its reason).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::case::{Case, CaseError};

/// A scenarios directory, read.
#[derive(Debug)]
pub struct Catalogue {
    /// The directory.
    pub dir: PathBuf,
    /// DOMAIN id -> one-line description.
    pub behaviours: BTreeMap<String, String>,
    /// Case name -> why it is pending.
    pub pending: BTreeMap<String, String>,
    /// Every case file, valid or not, in name order.
    pub cases: Vec<Result<Case, (PathBuf, CaseError)>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BehavioursFile {
    behaviour: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PendingFile {
    #[serde(default)]
    pending: BTreeMap<String, String>,
}

/// The repository's behaviours, for case directories without their own.
pub const BUILT_IN_BEHAVIOURS: &str = include_str!("../../scenarios/behaviours.toml");

/// The files of a scenarios directory that are not case files.
pub const NOT_CASES: [&str; 2] = ["behaviours.toml", "pending.toml"];

impl Catalogue {
    /// Reads `dir`: its `behaviours.toml`, `pending.toml` and every other
    /// `*.toml`. A directory without `behaviours.toml` (cases kept outside
    /// `scenarios/`) has its ids checked against the built-in list, the
    /// repository's `scenarios/behaviours.toml`.
    pub fn load(dir: &Path) -> Result<Self, CaseError> {
        let own = dir.join("behaviours.toml");
        let behaviours: BehavioursFile = if own.exists() {
            read_toml(&own)?
        } else {
            let shown = "scenarios/behaviours.toml (built in)";
            toml::from_str(BUILT_IN_BEHAVIOURS).map_err(|e| {
                CaseError::invalid(
                    Path::new(shown),
                    fileformat::toml_error(shown, BUILT_IN_BEHAVIOURS, &e),
                )
            })?
        };
        let pending: PendingFile = match std::fs::metadata(dir.join("pending.toml")) {
            Ok(_) => read_toml(&dir.join("pending.toml"))?,
            Err(_) => PendingFile {
                pending: BTreeMap::new(),
            },
        };
        let known: BTreeSet<String> = behaviours.behaviour.keys().cloned().collect();
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| CaseError::Unlisted {
                path: dir.to_path_buf(),
                error: std::sync::Arc::new(e),
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                !NOT_CASES.contains(&name)
            })
            .collect();
        paths.sort();
        let cases: Vec<_> = paths
            .into_iter()
            .map(|p| Case::load(&p, &known).map_err(|e| (p, e)))
            .collect();
        let names: BTreeSet<String> = cases
            .iter()
            .map(|c| match c {
                Ok(c) => c.name().to_owned(),
                Err((p, _)) => stem(p),
            })
            .collect();
        for name in pending.pending.keys() {
            if !names.contains(name) {
                let pending = dir.join("pending.toml");
                let shown = format!(
                    "{}: `{name}` is listed as pending but there is no {name}.toml",
                    pending.display()
                );
                return Err(CaseError::invalid(&pending, shown));
            }
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            behaviours: behaviours.behaviour,
            pending: pending.pending,
            cases,
        })
    }

    /// For each DOMAIN id, the cases that name it (valid cases only).
    pub fn coverage(&self) -> BTreeMap<&str, Vec<&str>> {
        let mut map: BTreeMap<&str, Vec<&str>> = self
            .behaviours
            .keys()
            .map(|k| (k.as_str(), Vec::new()))
            .collect();
        for case in self.cases.iter().flatten() {
            for id in &case.meta.reproduces {
                if let Some(v) = map.get_mut(id.as_str()) {
                    v.push(case.name());
                }
            }
        }
        map
    }

    /// Ids no valid case names.
    pub fn uncovered(&self) -> Vec<&str> {
        self.coverage()
            .into_iter()
            .filter(|(_, cases)| cases.is_empty())
            .map(|(id, _)| id)
            .collect()
    }

    /// Ids covered only by pending cases.
    pub fn only_pending(&self) -> Vec<&str> {
        self.coverage()
            .into_iter()
            .filter(|(_, cases)| {
                !cases.is_empty() && cases.iter().all(|c| self.pending.contains_key(*c))
            })
            .map(|(id, _)| id)
            .collect()
    }

    /// The text `harness list` prints.
    pub fn listing(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let w = self.cases.iter().map(|c| match c {
            Ok(c) => c.name().len(),
            Err((p, _)) => stem(p).len(),
        });
        let w = w.max().unwrap_or(4);
        let _ = writeln!(out, "cases ({}):", self.cases.len());
        for c in &self.cases {
            match c {
                Ok(c) => {
                    let state = match self.pending.get(c.name()) {
                        Some(reason) => format!("  [pending: {reason}]"),
                        None => String::new(),
                    };
                    let _ = writeln!(
                        out,
                        "  {:<w$}  {}{state}\n  {:<w$}    {}",
                        c.name(),
                        c.meta.reproduces.join(" "),
                        "",
                        c.meta.story
                    );
                }
                Err((p, e)) => {
                    let _ = writeln!(
                        out,
                        "  {:<w$}  INVALID: {}",
                        stem(p),
                        e.to_string().lines().next().unwrap_or_default()
                    );
                }
            }
        }
        let _ = writeln!(out, "\nbehaviours ({}):", self.behaviours.len());
        for (id, cases) in self.coverage() {
            let desc = self
                .behaviours
                .get(id)
                .map(String::as_str)
                .unwrap_or_default();
            let cases_text = if cases.is_empty() {
                "NOT COVERED".to_owned()
            } else {
                cases
                    .iter()
                    .map(|c| {
                        if self.pending.contains_key(*c) {
                            format!("{c} (pending)")
                        } else {
                            (*c).to_owned()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = writeln!(out, "  {id:<8} {desc}\n           {cases_text}");
        }
        out
    }
}

fn stem(p: &Path) -> String {
    p.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_owned()
}

fn read_toml<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, CaseError> {
    let text = std::fs::read_to_string(path).map_err(|e| CaseError::unreadable(path, e))?;
    toml::from_str(&text).map_err(|e| {
        CaseError::invalid(
            path,
            fileformat::toml_error(&path.display().to_string(), &text, &e),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_catalogue_is_valid_and_covers_every_behaviour() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
        let cat = Catalogue::load(&dir).unwrap();
        let invalid: Vec<String> = cat
            .cases
            .iter()
            .filter_map(|c| c.as_ref().err().map(|(_, e)| e.to_string()))
            .collect();
        assert!(
            invalid.is_empty(),
            "invalid case files:\n{}",
            invalid.join("\n")
        );
        assert!(
            cat.uncovered().is_empty(),
            "not covered by any case: {:?}",
            cat.uncovered()
        );
        assert!(cat.cases.len() >= 30);
    }

    #[test]
    fn the_readme_example_is_a_valid_case() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
        let cat = Catalogue::load(&root).unwrap();
        let known: BTreeSet<String> = cat.behaviours.keys().cloned().collect();
        let readme = include_str!("../../scenarios/README.md");
        let start = readme.find("```toml\n[case]").unwrap() + "```toml\n".len();
        let end = start + readme[start..].find("```").unwrap();
        let text = readme[start..end].to_owned();
        let case = Case::parse(
            Path::new("scenarios/e550a-password-locked.toml"),
            text.clone(),
            &known,
        )
        .unwrap();
        assert_eq!(case.steps.len(), 4);
        mock_ra::World::from_toml("README.md", &text).unwrap();
    }

    #[test]
    fn fault_tables_and_steps_are_checked_with_their_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("behaviours.toml"),
            "[behaviour]\n\"E115\" = \"x\"\n",
        )
        .unwrap();
        let head = |name: &str| {
            format!("[case]\nname = \"{name}\"\nstory = \"s\"\nreproduces = [\"E115\"]\n")
        };
        std::fs::write(
            dir.path().join("bad-add.toml"),
            format!(
                "{}[[step]]\nadmin = {{ action = \"add_fault\", fault = {{ host = \"repo1\", kind = \"latency\" }} }}\n",
                head("bad-add")
            ),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("bad-world.toml"),
            format!(
                "{}[[fault]]\nhost = \"repo1\"\nkind = \"hang\"\nbytes = 3\n[[step]]\nclock = \"+1d\"\n",
                head("bad-world")
            ),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("bad-within.toml"),
            format!(
                "{}[[step]]\nclock = \"+1d\"\n[step.expect]\nwithin = \"5s\"\n",
                head("bad-within")
            ),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("bad-key.toml"),
            format!(
                "{}[[step]]\nadmin = {{ action = \"add_fault\", fault = {{ host = \"repo1\", kind = \"hang\", tims = 1 }} }}\n",
                head("bad-key")
            ),
        )
        .unwrap();
        let cat = Catalogue::load(dir.path()).unwrap();
        let errors: Vec<String> = cat
            .cases
            .iter()
            .filter_map(|c| c.as_ref().err().map(|(_, e)| e.to_string()))
            .collect();
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(
            errors[3].contains("bad-world.toml:8:9: hang does not take `bytes`"),
            "{}",
            errors[3]
        );
        assert!(
            errors[0]
                .contains("bad-add.toml:5:1: step 1: admin add_fault: kind: latency needs `ms`"),
            "{}",
            errors[0]
        );
        assert!(errors[1].contains("bad-key.toml:6:"), "{}", errors[1]);
        assert!(errors[1].contains("unknown field `tims`"), "{}", errors[1]);
        assert!(
            errors[2]
                .contains("bad-within.toml:5:1: step 1: `within` applies to certrenew steps only"),
            "{}",
            errors[2]
        );
    }

    #[test]
    fn an_admin_password_change_is_named_without_the_password() {
        let text = "[case]\nname = \"pw\"\nstory = \"s\"\nreproduces = [\"D6.4\"]\n\n[[account]]\nid = \"acme\"\npassword = \"Old-pass-1\"\n[[account.certificate]]\nexpires = \"-10d\"\n\n[[step]]\nadmin = { action = \"change_password\", account = \"acme\", password = \"Secret-New-Pass-9\" }\n";
        let known: BTreeSet<String> = ["D6.4".to_owned()].into();
        let case = crate::case::Case::parse(Path::new("pw.toml"), text.to_owned(), &known).unwrap();
        let (_, step) = &case.steps[0];
        assert_eq!(step.describe(), "admin change_password acme");
        let debug = format!("{step:?}");
        assert!(
            !debug.contains("Secret-New-Pass-9") && debug.contains("[REDACTED]"),
            "{debug}"
        );
    }

    #[test]
    fn case_errors_name_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("behaviours.toml"),
            "[behaviour]\n\"D6.4\" = \"x\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("bad.toml"),
            "[case]\nname = \"bad\"\nstory = \"s\"\nreproduces = [\"D6.4\"]\n\n[[step]]\ncertrenew = [\"renew\"]\n[step.expect]\nexitt = 5\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("unknown-id.toml"),
            "[case]\nname = \"unknown-id\"\nstory = \"s\"\nreproduces = [\"D99.1\"]\n[[step]]\nclock = \"+1d\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("two-kinds.toml"),
            "[case]\nname = \"two-kinds\"\nstory = \"s\"\nreproduces = [\"D6.4\"]\n\n[[step]]\nclock = \"+1d\"\ncertrenew = [\"check\"]\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("misnamed.toml"),
            "[case]\nname = \"other\"\nstory = \"s\"\nreproduces = [\"D6.4\"]\n[[step]]\nclock = \"+1d\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("typo-order.toml"),
            "[case]\nname = \"typo-order\"\nstory = \"s\"\nreproduces = [\"D6.4\"]\n[[step]]\nadmin = { action = \"set_order\", account = \"acme\", order = \"redy\" }\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("placeholder.toml"),
            "[case]\nname = \"placeholder\"\nstory = \"s\"\nreproduces = [\"D6.4\"]\n[client]\nargs = [\"--x\", \"{nope}\"]\n[[step]]\nclock = \"+1d\"\n",
        )
        .unwrap();
        let cat = Catalogue::load(dir.path()).unwrap();
        let errors: Vec<String> = cat
            .cases
            .iter()
            .filter_map(|c| c.as_ref().err().map(|(_, e)| e.to_string()))
            .collect();
        let error = |file: &str| -> &String {
            errors
                .iter()
                .find(|e| e.contains(file))
                .unwrap_or_else(|| panic!("no error for {file}: {errors:?}"))
        };
        let shown = dir.path().display().to_string();
        assert!(
            error("misnamed.toml").contains("misnamed.toml:2:8: [case] name is `other`"),
            "{}",
            error("misnamed.toml")
        );
        assert!(
            error("typo-order.toml").contains("typo-order.toml:6:")
                && error("typo-order.toml").contains("unknown variant `redy`"),
            "{}",
            error("typo-order.toml")
        );
        assert!(
            error("placeholder.toml")
                .contains("placeholder.toml:6:16: [client] args: unknown placeholder `{nope}`"),
            "{}",
            error("placeholder.toml")
        );
        assert!(
            error("unknown-id.toml").contains(&format!(
                "unknown-id.toml:4:15: [case] reproduces `D99.1`, which {shown}/behaviours.toml does not list"
            )),
            "{}",
            error("unknown-id.toml")
        );
        let errors: Vec<String> = errors
            .iter()
            .filter(|e| {
                ["bad.toml", "two-kinds.toml", "unknown-id.toml"]
                    .iter()
                    .any(|f| e.contains(&format!("/{f}")))
            })
            .cloned()
            .collect();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors[0].contains("bad.toml:9:1: unknown field `exitt`, expected one of"),
            "{}",
            errors[0]
        );
        assert!(
            errors[1].contains("two-kinds.toml:6:1: step 1 must have exactly one of"),
            "{}",
            errors[1]
        );
        assert!(errors[2].contains("reproduces `D99.1`"), "{}", errors[2]);
        assert_eq!(cat.uncovered(), vec!["D6.4"]);
    }
}
