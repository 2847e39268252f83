//! `roots` and `roots add`: the trusted client-CA roots (D4.5).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::{CommandContext, read_file};
use crate::cert::{self, CertFacts};
use crate::clock::rfc3339;
use crate::error::{Error, InputProblem};
use crate::messages::{Asking, Outcome, Success, Text};
use crate::prompt::Prompter;
use crate::store::{Access, Store, StoreError};
use crate::trust;

/// `roots`.
#[derive(Debug, Args)]
pub struct RootsArgs {
    /// Without an action: list the trusted roots with their SHA-1 thumbprints
    #[command(subcommand)]
    pub action: Option<RootsAction>,
}

/// `roots add`.
#[derive(Debug, Subcommand)]
pub enum RootsAction {
    /// Install a client-CA root into the trust list, by the same rule as
    /// renew: its SHA-1 must equal --root-sha1, and you confirm it (or --yes)
    Add {
        /// The root certificate, PEM
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Accept without asking (only if the thumbprint equals --root-sha1)
        #[arg(long)]
        yes: bool,
    },
}

/// Runs `roots` (the list) or `roots add`.
pub fn run(
    ctx: &mut CommandContext<'_>,
    a: &RootsArgs,
    prompter: &mut dyn Prompter,
) -> Result<Outcome, Error> {
    match &a.action {
        None => list(ctx),
        Some(RootsAction::Add { file, yes }) => add(ctx, file, *yes, prompter),
    }
}

fn add(
    ctx: &mut CommandContext<'_>,
    file: &Path,
    yes: bool,
    prompter: &mut dyn Prompter,
) -> Result<Outcome, Error> {
    let lang = ctx.global.lang;
    let text = read_file(file)?;
    let certs = cert::pem_certificates(&text).map_err(|e| Error::input(file, e))?;
    let [der] = certs.as_slice() else {
        return Err(Error::input(
            file,
            InputProblem::NotOneCertificate(certs.len()),
        ));
    };
    let root = CertFacts::parse(der).map_err(|e| Error::input(file, e))?;
    if !root.is_self_issued() {
        return Err(Error::input(
            file,
            InputProblem::NotRoot {
                subject: root.subject.clone(),
                issuer: root.issuer.clone(),
            },
        ));
    }
    // A root is a CA: a self-issued end-entity certificate must not become
    // a trust anchor.
    if !root.is_ca {
        return Err(Error::input(
            file,
            InputProblem::NotCa {
                subject: root.subject.clone(),
            },
        ));
    }
    let policy = ctx.policy(yes)?;
    let store = ctx.open_store(Access::Create)?;
    let decision = trust::decide(&store, &root, &policy, &mut Asking::new(prompter, lang))?;
    let grouped = cert::group_thumbprint(&root.sha1).unwrap_or_default();
    let line = match decision {
        trust::Decision::Installed => Text::RootAdded {
            subject: &root.subject,
            sha1: &grouped,
        },
        trust::Decision::AlreadyTrusted => Text::RootWasTrusted {
            subject: &root.subject,
            sha1: &grouped,
        },
    };
    Ok(Outcome::success(Success::RootAdded)
        .line(line.render(lang))
        .field("subject", root.subject.clone())
        .field("sha1", grouped)
        .field("installed", matches!(decision, trust::Decision::Installed)))
}

fn list(ctx: &mut CommandContext<'_>) -> Result<Outcome, Error> {
    let lang = ctx.global.lang;
    let dir = ctx.store_dir()?;
    let store = match Store::open(&dir, Access::Read) {
        Ok(s) => s,
        // No store yet: nothing is trusted, and nothing is created.
        Err(StoreError::Missing(path)) => {
            return Ok(Outcome::success(Success::Roots)
                .line(Text::NoTrustedRoots.render(lang))
                .line(Text::NoStoreYet { path: &path }.render(lang))
                .field("roots", Vec::<serde_json::Value>::new())
                .field("store_exists", false));
        }
        Err(e) => return Err(e.into()),
    };
    let roots = store.trusted_roots()?;
    let mut o = Outcome::success(Success::Roots);
    let mut list = Vec::new();
    for r in &roots {
        let grouped = cert::group_thumbprint(&r.sha1).unwrap_or_default();
        o = o.line(
            Text::TrustedRoot {
                subject: &r.subject,
                sha1: &grouped,
                not_after: &rfc3339(r.not_after),
            }
            .render(lang),
        );
        list.push(serde_json::json!({
            "subject": r.subject,
            "sha1": grouped,
            "not_after": rfc3339(r.not_after),
        }));
    }
    if roots.is_empty() {
        o = o.line(Text::NoTrustedRoots.render(lang));
    }
    Ok(o.field("roots", list))
}
