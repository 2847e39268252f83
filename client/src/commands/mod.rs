//! Each command's arguments and run, one module per command (`list`,
//! `verify`, `import`, `export`, `roots`, `renew`, `check`); [`crate::cli`]
//! composes their arguments and dispatches to them. This module holds what
//! several commands share: the global options ([`Global`]) and the
//! [`CommandContext`] a command runs with (the store, the network options,
//! the clock, the trust policy, what opening the store put right), secrets
//! from a terminal or stdin, an identity's JSON.

use std::path::{Path, PathBuf};

use crate::cert;
use crate::clock::{Clock, rfc3339};
use crate::env::Environment;
use crate::error::{Error, InputProblem, Usage};
use crate::messages::{Outcome, Text};
use crate::net::{NetConfig, ProxySettings, RetryPolicy};
use crate::prompt::{Prompter, Secret};
use crate::selection::NoCertificate;
use crate::store::{Access, Recovered, Store, StoreError, StoredIdentity};
use crate::trust::Policy;

mod global;

pub use global::Global;

pub mod check;
pub mod export;
pub mod import;
pub mod list;
pub mod renew;
pub mod roots;
pub mod verify;

/// What one command runs with: the global options, the environment, and
/// what opening the store put right during this command (a command opens
/// it once; kept here so that every outcome, success or failure, says so).
#[derive(Debug)]
pub struct CommandContext<'a> {
    /// The options of every command.
    pub global: &'a Global,
    /// The process environment, read once.
    pub env: &'a Environment,
    recovered: Vec<Recovered>,
}

impl<'a> CommandContext<'a> {
    /// A context for one command; nothing recovered yet.
    pub fn new(global: &'a Global, env: &'a Environment) -> Self {
        Self {
            global,
            env,
            recovered: Vec::new(),
        }
    }

    /// What opening the store put right so far.
    pub fn recovered(&self) -> &[Recovered] {
        &self.recovered
    }

    /// The command's outcome with a line for each thing opening the store
    /// put right, and the JSON field `store_recovered`.
    pub fn finish(self, mut o: Outcome) -> Outcome {
        if self.recovered.is_empty() {
            return o;
        }
        let lang = self.global.lang;
        let json: Vec<serde_json::Value> = self.recovered.iter().map(recovered_json).collect();
        for r in &self.recovered {
            o = o.line(Text::Recovered(r).render(lang));
        }
        o.field("store_recovered", json)
    }

    pub(crate) fn store_dir(&self) -> Result<PathBuf, Error> {
        self.global
            .store
            .clone()
            .or_else(|| self.env.default_store())
            .ok_or(Error::Usage(Usage::NoStoreDir))
    }

    /// Opens the store. Only [`Access::Create`] makes one; for the others a
    /// missing store is ENOCERT (D6.3: nothing is installed here), saying
    /// where the default store is when `--store` named another directory.
    pub(crate) fn open_store(&mut self, access: Access) -> Result<Store, Error> {
        let dir = self.store_dir()?;
        let opened = Store::open(&dir, access);
        if let Ok(store) = &opened {
            self.recovered.extend(store.recovered().iter().cloned());
        }
        opened.map_err(|e| match e {
            StoreError::Missing(path) => {
                let default = match &self.global.store {
                    Some(given) if self.env.default_store().as_ref() != Some(given) => {
                        self.env.default_store_display()
                    }
                    _ => None,
                };
                Error::NoCertificate(NoCertificate::NoStore { path, default })
            }
            other => other.into(),
        })
    }

    pub(crate) fn net_config(&self) -> Result<NetConfig, Error> {
        let (g, env) = (self.global, self.env);
        let server_roots = match &g.server_ca {
            Some(p) => {
                let bad = |why: String| {
                    Error::Usage(Usage::ServerCa {
                        path: p.clone(),
                        why,
                    })
                };
                let text = std::fs::read(p).map_err(|e| bad(e.to_string()))?;
                let roots = cert::pem_certificates(&text).map_err(|e| bad(e.to_string()))?;
                if roots.is_empty() {
                    return Err(bad("no CERTIFICATE block".into()));
                }
                Some(roots)
            }
            None => None,
        };
        Ok(NetConfig {
            mappings: g.connect_to.clone(),
            server_roots,
            connect_timeout: g.connect_timeout,
            timeout: g.timeout,
            proxy: ProxySettings {
                all: g.proxy.clone(),
                https: env.https_proxy.clone(),
                http: env.http_proxy.clone(),
                no_proxy: env.no_proxy.clone(),
            },
            retry: RetryPolicy {
                attempts: g.retries + 1,
                ..RetryPolicy::default()
            },
        })
    }

    pub(crate) fn clock(&self) -> Clock {
        self.global.danger_now.unwrap_or_default()
    }

    /// The trust policy of `--root-sha1` (already checked by its parser).
    pub(crate) fn policy(&self, yes: bool) -> Result<Policy, Error> {
        Policy::new(&self.global.root_sha1, yes).ok_or_else(|| {
            Error::Internal("--root-sha1 passed its parser but is not 40 hex digits".into())
        })
    }
}

fn recovered_json(r: &Recovered) -> serde_json::Value {
    match r {
        Recovered::Adopted {
            serial,
            dir,
            renewal,
        } => serde_json::json!({"kind": "adopted", "serial": serial,
            "dir": dir.display().to_string(), "renewal": renewal}),
        Recovered::AnswerNotStored { renewed_from } => {
            serde_json::json!({"kind": "answer_not_stored", "renewed_from": renewed_from})
        }
        Recovered::SetAside { dir } => {
            serde_json::json!({"kind": "set_aside", "dir": dir.display().to_string()})
        }
        Recovered::TemporariesRemoved { count } => {
            serde_json::json!({"kind": "temporaries_removed", "count": count})
        }
        Recovered::Tightened { dir, mode } => serde_json::json!({"kind": "tightened",
            "dir": dir.display().to_string(), "mode": format!("{mode:03o}")}),
    }
}

pub(crate) fn read_secret(
    from_stdin: bool,
    flag: &'static str,
    prompt: &str,
    prompter: &mut dyn Prompter,
) -> Result<Secret, Error> {
    if from_stdin {
        return prompter
            .stdin_line()
            .map_err(|e| Usage::ReadStdin(e.to_string()).into());
    }
    if !prompter.interactive() {
        return Err(Usage::NoTerminal { flag }.into());
    }
    prompter
        .secret(prompt)
        .map_err(|e| Usage::ReadTerminal(e.to_string()).into())
}

pub(crate) fn identity_json(id: &StoredIdentity, default: bool) -> serde_json::Value {
    let c = &id.cert;
    serde_json::json!({
        "id": id.id,
        "serial": c.serial,
        "subject": c.subject,
        "issuer": c.issuer,
        "not_before": rfc3339(c.not_before),
        "not_after": rfc3339(c.not_after),
        "has_chain": id.has_chain(),
        "default": default,
    })
}

pub(crate) fn read_file(p: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(p).map_err(|e| Error::input(p, InputProblem::Read(e.to_string())))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::Cli;
    use crate::messages::{Class, Success};

    #[test]
    fn the_recovery_report_belongs_to_the_command_that_opened_the_store() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path(), Access::Create).unwrap());
        // A temporary file a run that ended early left behind.
        std::fs::write(dir.path().join("identities/.cert.pem.1.0.tmp"), b"x").unwrap();
        let store = dir.path().to_str().unwrap();
        let cli = Cli::try_parse_from(["certrenew", "--store", store, "list"]).unwrap();
        let env = Environment::default();

        let mut first = CommandContext::new(&cli.global, &env);
        first.open_store(Access::Read).unwrap();
        assert_eq!(
            first.recovered(),
            [Recovered::TemporariesRemoved { count: 1 }]
        );
        let o = first.finish(Outcome::success(Success::Listed));
        assert_eq!(
            o.details["store_recovered"][0]["kind"],
            "temporaries_removed"
        );
        assert_eq!(o.lines.len(), 1, "{:?}", o.lines);

        // The next command, in the same process, reports only its own.
        let mut second = CommandContext::new(&cli.global, &env);
        second.open_store(Access::Read).unwrap();
        assert!(second.recovered().is_empty());
        let o = second.finish(Outcome::new(Class::NoCert));
        assert!(o.lines.is_empty() && o.details.is_empty(), "{o:?}");
    }
}
