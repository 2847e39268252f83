//! The case-file model: metadata, the client's setup, and the steps with what
//! must follow each, next to the case's world. A case file is parsed once,
//! spans kept: the harness's keys (`mock_ra::World::HARNESS_KEYS`: `[case]`,
//! `[client]`, `[[step]]`) are taken off and checked here; everything else
//! is the world, mock-ra's own configuration, parsed by `mock_ra::World`. So
//! every world key is valid in a case file, and an error in either part
//! names `file:line:column` of the case file.
//!
//! The format is documented for people in `scenarios/README.md`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fileformat::{Seg, error_at_path, line_column, toml_error};
use mock_ra::World;
use serde::Deserialize;
use toml::Spanned;

mod check;
mod model;

pub use check::{PlaceholderError, check_placeholders};
pub use model::{
    AccountExpect, Admin, ClientSetup, Expect, Host, Meta, Request, Step, StepKind, StoreExpect,
};

/// A case file that parsed and passed every check.
#[derive(Debug, Clone)]
pub struct Case {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its full text (for the lines of the spans the steps keep).
    pub text: String,
    /// The world: every key but the harness's, as mock-ra reads it.
    pub world: World,
    /// The world's tables as written (for a target that takes a world as
    /// data).
    pub world_tables: toml::Table,
    /// `[case]`.
    pub meta: Meta,
    /// `[client]`.
    pub client: ClientSetup,
    /// `[[step]]`, in order, each with the line it starts on.
    pub steps: Vec<(usize, Step)>,
}

/// The harness's part of a case file as serde sees it: exactly the keys of
/// `mock_ra::World::HARNESS_KEYS` (a test holds the two together).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    case: Meta,
    #[serde(default)]
    client: ClientSetup,
    #[serde(default)]
    step: Vec<Spanned<Step>>,
}

/// A case file (or a catalogue's `behaviours.toml` or `pending.toml`) that
/// is not valid: which file, and what is wrong. It reads as every file
/// error of the workspace: `file:line:column: message` with the line
/// quoted, wherever the place is known.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CaseError {
    /// The file cannot be read.
    #[error("{}: cannot read: {error}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why (part of the message, not a source: the message is whole).
        error: Arc<std::io::Error>,
    },
    /// A directory of case files cannot be listed.
    #[error("{}: cannot list: {error}", path.display())]
    Unlisted {
        /// The directory.
        path: PathBuf,
        /// Why (part of the message, not a source: the message is whole).
        error: Arc<std::io::Error>,
    },
    /// The text is not valid: `shown` is the whole message, starting with
    /// the file's name (and `:line:column` where the place is known).
    #[error("{shown}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, as shown.
        shown: String,
    },
}

impl CaseError {
    /// The file (or directory) at fault.
    pub fn path(&self) -> &Path {
        match self {
            CaseError::Unreadable { path, .. }
            | CaseError::Unlisted { path, .. }
            | CaseError::Invalid { path, .. } => path,
        }
    }

    pub(crate) fn unreadable(path: &Path, e: std::io::Error) -> Self {
        CaseError::Unreadable {
            path: path.to_path_buf(),
            error: Arc::new(e),
        }
    }

    pub(crate) fn invalid(path: &Path, shown: impl Into<String>) -> Self {
        CaseError::Invalid {
            path: path.to_path_buf(),
            shown: shown.into(),
        }
    }
}

impl Case {
    /// Reads and checks a case file. `known_ids` are the DOMAIN ids a case
    /// may name in `reproduces`.
    pub fn load(path: &Path, known_ids: &BTreeSet<String>) -> Result<Self, CaseError> {
        let text = std::fs::read_to_string(path).map_err(|e| CaseError::unreadable(path, e))?;
        Self::parse(path, text, known_ids)
    }

    /// Checks a case file's text.
    pub fn parse(
        path: &Path,
        text: String,
        known_ids: &BTreeSet<String>,
    ) -> Result<Self, CaseError> {
        let shown = path.display().to_string();
        let invalid = |message: String| CaseError::invalid(path, message);
        // Parsed once: the harness's keys off, the rest is the world.
        let mut document =
            toml::de::DeTable::parse(&text).map_err(|e| invalid(toml_error(&shown, &text, &e)))?;
        let harness = World::take_harness_keys(&mut document);
        let raw = RawCase::deserialize(toml::de::Deserializer::from(harness))
            .map_err(|e| invalid(toml_error(&shown, &text, &e)))?;
        let at = |offset: usize| {
            let (line, column) = line_column(&text, offset);
            format!("{shown}:{line}:{column}")
        };
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let at_path =
            |path: &[Seg], message: String| invalid(error_at_path(&shown, &text, path, &message));
        if raw.case.name != stem {
            return Err(at_path(
                &[Seg::key("case"), Seg::key("name")],
                format!(
                    "[case] name is `{}` but the file is `{stem}.toml`; they must match",
                    raw.case.name
                ),
            ));
        }
        if raw.case.reproduces.is_empty() {
            return Err(at_path(
                &[Seg::key("case"), Seg::key("reproduces")],
                "[case] reproduces is empty; name at least one DOMAIN id".to_owned(),
            ));
        }
        let behaviours = path
            .parent()
            .map(|d| d.join("behaviours.toml"))
            .unwrap_or_else(|| "behaviours.toml".into());
        for (i, id) in raw.case.reproduces.iter().enumerate() {
            if !known_ids.contains(id) {
                return Err(at_path(
                    &[Seg::key("case"), Seg::key("reproduces"), Seg::Index(i)],
                    format!(
                        "[case] reproduces `{id}`, which {} does not list",
                        behaviours.display()
                    ),
                ));
            }
        }
        for (i, arg) in raw.client.args.iter().enumerate() {
            check_placeholders(arg).map_err(|e| {
                at_path(
                    &[Seg::key("client"), Seg::key("args"), Seg::Index(i)],
                    format!("[client] args: {e}"),
                )
            })?;
        }
        if raw.step.is_empty() {
            return Err(invalid(format!(
                "{shown}: a case needs at least one [[step]]"
            )));
        }
        // The world part is mock-ra's, checked at load time, so a bad
        // account or fault table shows in `harness list`, not only when run.
        let world_tables = toml::Table::deserialize(toml::de::Deserializer::from(document.clone()))
            .map_err(|e| invalid(toml_error(&shown, &text, &e)))?;
        let world =
            World::from_document(&shown, &text, document).map_err(|e| invalid(e.to_string()))?;
        let mut steps = Vec::new();
        for (i, spanned) in raw.step.into_iter().enumerate() {
            let where_ = at(spanned.span().start);
            let (line, _) = line_column(&text, spanned.span().start);
            let step = spanned.into_inner();
            check::step(&step, i + 1, &where_, &at).map_err(invalid)?;
            steps.push((line, step));
        }
        Ok(Self {
            path: path.to_path_buf(),
            meta: raw.case,
            client: raw.client,
            steps,
            world,
            world_tables,
            text,
        })
    }

    /// The case's name.
    pub fn name(&self) -> &str {
        &self.meta.name
    }

    /// `path:line` of a byte span in the file.
    pub fn at(&self, span: std::ops::Range<usize>) -> String {
        let (line, _) = line_column(&self.text, span.start);
        format!("{}:{line}", self.path.display())
    }
}

#[cfg(test)]
mod tests;
