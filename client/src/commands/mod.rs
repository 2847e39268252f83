//! Each command's run, one module per command (`list`, `verify`,
//! `import`, `export`, `roots`, `renew`, `check`); [`crate::cli`] parses the
//! flags and dispatches here. This module holds what several commands
//! share: the store, the network options, the clock, the trust policy,
//! secrets from a terminal or stdin, an identity's JSON.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::cert;
use crate::cli::Global;
use crate::clock::{Clock, rfc3339};
use crate::env::Environment;
use crate::error::{Error, InputProblem, Usage};
use crate::messages::{Lang, Outcome, Text};
use crate::net::{NetConfig, ProxySettings, RetryPolicy};
use crate::prompt::{Prompter, Secret};
use crate::selection::NoCertificate;
use crate::store::{Access, Recovered, Store, StoreError, StoredIdentity};
use crate::trust::Policy;

pub mod check;
pub mod export;
pub mod import;
pub mod list;
pub mod renew;
pub mod roots;
pub mod verify;

pub(crate) fn store_dir(g: &Global, env: &Environment) -> Result<PathBuf, Error> {
    g.store
        .clone()
        .or_else(|| env.default_store())
        .ok_or(Error::Usage(Usage::NoStoreDir))
}

/// Opens the store. Only [`Access::Create`] makes one; for the others a
/// missing store is ENOCERT (D6.3: nothing is installed here), saying
/// where the default store is when `--store` named another directory.
pub(crate) fn open_store(g: &Global, env: &Environment, access: Access) -> Result<Store, Error> {
    let dir = store_dir(g, env)?;
    let opened = Store::open(&dir, access);
    if let (Ok(store), Ok(mut seen)) = (&opened, RECOVERED.lock()) {
        seen.extend(store.recovered().iter().cloned());
    }
    opened.map_err(|e| match e {
        StoreError::Missing(path) => {
            let default = match &g.store {
                Some(given) if env.default_store().as_ref() != Some(given) => {
                    env.default_store_display()
                }
                _ => None,
            };
            Error::NoCertificate(NoCertificate::NoStore { path, default })
        }
        other => other.into(),
    })
}

/// What opening the store put right during this command (a command opens
/// it once; kept here so that every outcome, success or failure, says so).
static RECOVERED: Mutex<Vec<Recovered>> = Mutex::new(Vec::new());

/// Adds to `o` a line for each thing opening the store put right, and the
/// JSON field `store_recovered`.
pub(crate) fn with_recovered(mut o: Outcome, lang: Lang) -> Outcome {
    let found = RECOVERED
        .lock()
        .map(|mut v| std::mem::take(&mut *v))
        .unwrap_or_default();
    if found.is_empty() {
        return o;
    }
    let json: Vec<serde_json::Value> = found.iter().map(recovered_json).collect();
    for r in &found {
        o = o.line(Text::Recovered(r).render(lang));
    }
    o.field("store_recovered", json)
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

pub(crate) fn net_config(g: &Global, env: &Environment) -> Result<NetConfig, Error> {
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

pub(crate) fn clock(g: &Global) -> Clock {
    g.danger_now.unwrap_or_default()
}

/// The trust policy of `--root-sha1` (already checked by its parser).
pub(crate) fn policy(g: &Global, yes: bool) -> Result<Policy, Error> {
    Policy::new(&g.root_sha1, yes).ok_or_else(|| {
        Error::Internal("--root-sha1 passed its parser but is not 40 hex digits".into())
    })
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
