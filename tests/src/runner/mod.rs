//! Runs one case: the RA under test set up with the case's world (mock-ra
//! in-process on ephemeral loopback ports, or a remote target through its
//! state-change endpoint), the real certrenew binary as a subprocess for
//! each client step, every expectation checked, a transcript kept.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mock_ra::World;

use crate::case::Case;
use crate::expect::Check;
pub use crate::process::RunnerError;
use crate::process::locate_binary;
use crate::remote::{Profile, Remote};
use crate::report::{CaseReport, Failure, FaultSummary, Outcome, Skip};
use crate::store::StoreProbe;
use crate::target::{InProcess, Target};

mod command;
pub(crate) mod context;
mod error;
mod step;
mod verify;

use context::Context;
pub use context::Runner;
pub use error::RunError;

/// How long one certrenew run may take before the harness kills it.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(60);
/// The passphrase the harness uses to export identities it checks.
const EXPORT_PASSPHRASE: &str = "harness-export";

impl Runner {
    /// Finds the certrenew binary: `$CERTRENEW_BIN` if set (to test another
    /// build, e.g. a release); else the one cargo built next to us when it is
    /// newer than every source of the client (as after `cargo test
    /// --workspace`); else builds it with the cargo that runs us.
    pub fn locate() -> Result<Self, RunnerError> {
        locate_binary("certrenew", "client", "CERTRENEW_BIN").map(|certrenew| Self {
            certrenew,
            target: None,
        })
    }

    /// The same binary, run against `profile`'s target.
    pub fn with_target(mut self, profile: Profile) -> Self {
        self.target = Some(Arc::new(profile));
        self
    }

    /// Runs one case to its report. Never panics on a bad case or a failing
    /// client: everything becomes a failure with the case file's line.
    pub fn run(&self, case: &Case) -> CaseReport {
        let started = Instant::now();
        let mut report = CaseReport {
            name: case.name().to_owned(),
            story: case.meta.story.clone(),
            reproduces: case.meta.reproduces.clone(),
            manual: case.meta.manual.clone(),
            outcome: Outcome::Passed,
            steps: Vec::new(),
            elapsed: Duration::ZERO,
            redactions: Default::default(),
            faults: Default::default(),
            skipped: Vec::new(),
        };
        match self.run_inner(case, &mut report) {
            Ok((failures, _)) if !failures.is_empty() => {
                report.outcome = Outcome::Failed { failures }
            }
            Ok((_, 0)) => {
                report.outcome = Outcome::Skipped {
                    reason: skip_reason(&report.skipped),
                }
            }
            Ok(_) => {}
            Err(e) => report.outcome = Outcome::Invalid { error: e },
        }
        report.elapsed = started.elapsed();
        report
    }

    /// Runs the case; returns its failures and how many client-visible
    /// expectations were checked.
    fn run_inner(
        &self,
        case: &Case,
        report: &mut CaseReport,
    ) -> Result<(Vec<Failure>, usize), String> {
        let shown = case.path.display().to_string();
        let world = case.world.clone();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map(Arc::new)
            .map_err(|e| format!("cannot start a tokio runtime: {e}"))?;
        let seed_in_file = world.fault_settings.seed.is_some();
        let random = world
            .faults
            .iter()
            .any(|f| f.probability.is_some() || f.jitter_ms.is_some_and(|j| j > 0));
        report
            .redactions
            .literals
            .extend(password_redactions(&world, case));
        let target: Box<dyn Target> = match &self.target {
            None => Box::new(
                InProcess::start(rt.clone(), world, case.meta.vhost)
                    .map_err(|e| format!("{shown}: mock-ra did not start: {e}"))?,
            ),
            Some(profile) => match Remote::set_up(profile.clone(), rt.clone(), case, &world) {
                Ok(remote) => Box::new(remote),
                Err(crate::remote::SetUpError::Skip(skips)) => {
                    report.skipped = skips
                        .into_iter()
                        .map(|(what, needs)| Skip {
                            at: format!("{shown}: world"),
                            step: 0,
                            what,
                            needs,
                        })
                        .collect();
                    return Ok((Vec::new(), 0));
                }
                Err(crate::remote::SetUpError::Failed(e)) => return Err(format!("{shown}: {e}")),
            },
        };
        report.redactions.literals.extend(
            target
                .secrets()
                .into_iter()
                .filter(|p| !p.is_empty())
                .map(|p| (p, "[password]".to_owned())),
        );
        let (seed, names) = target.faults();
        report.faults = FaultSummary {
            seed: (!names.is_empty() || seed_in_file).then_some(seed),
            names,
            seed_in_file,
            random,
        };
        let work = tempfile::Builder::new()
            .prefix("certrenew-case-")
            .tempdir()
            .map_err(|e| format!("cannot make a work directory: {e}"))?;
        report
            .redactions
            .literals
            .push((work.path().display().to_string(), "[work]".into()));
        for name in target.identity_names() {
            if let Some(id) = target.identity(&name) {
                report
                    .redactions
                    .literals
                    .push((id.serial, format!("[serial:{name}]")));
            }
        }
        let mut failures;
        let mut skipped = Vec::new();
        let mut checked = 0;
        {
            // The case cannot run: its report says why, as text.
            let mut ctx = Context::new(self, case, target.as_ref(), &rt, work.path())
                .map_err(|e| e.to_string())?;
            failures = ctx.setup().map_err(|e| e.to_string())?;
            if failures.is_empty() {
                for (index, (line, step)) in case.steps.iter().enumerate() {
                    let at = format!("{shown}:{line}");
                    let mut check = Check {
                        at: &at,
                        step: index + 1,
                        failures: &mut failures,
                        skipped: &mut skipped,
                        checked: &mut checked,
                        case,
                    };
                    let record = ctx.run_step(step, &mut check);
                    report.steps.push(record);
                }
            } else {
                checked = 1;
            }
        }
        target.finish();
        report.skipped = skipped;
        Ok((failures, checked))
    }
}

/// Every password the case names (accounts, password changes, steps,
/// `change_password` admin steps) as `[password]`, so that no report shows
/// one, even if a target echoed it back. Passwords shorter than 4 bytes
/// would redact ordinary text; the case files' are all longer.
pub fn password_redactions(world: &World, case: &Case) -> Vec<(String, String)> {
    let mut passwords: Vec<String> = world
        .accounts
        .iter()
        .flat_map(|a| {
            std::iter::once(a.password.expose().to_owned()).chain(
                a.password_change
                    .iter()
                    .map(|c| c.password.expose().to_owned()),
            )
        })
        .collect();
    passwords.extend(case.steps.iter().filter_map(|(_, s)| s.password.clone()));
    passwords.extend(case.steps.iter().filter_map(|(_, s)| match &s.admin {
        Some(crate::case::Admin::ChangePassword { password, .. }) => {
            Some(secrecy::ExposeSecret::expose_secret(password).to_owned())
        }
        _ => None,
    }));
    passwords.sort();
    passwords.dedup();
    passwords
        .into_iter()
        .filter(|p| p.len() >= 4)
        .map(|p| (p, "[password]".to_owned()))
        .collect()
}

/// Why a case with nothing client-visible left to check is skipped.
fn skip_reason(skipped: &[Skip]) -> String {
    let mut needs: Vec<&str> = skipped.iter().map(|s| s.needs.as_str()).collect();
    needs.sort_unstable();
    needs.dedup();
    if needs.is_empty() {
        "nothing client-visible to check".to_owned()
    } else {
        format!("needs {}", needs.join(", "))
    }
}

impl<'a> Context<'a> {
    fn new(
        runner: &'a Runner,
        case: &'a Case,
        target: &'a dyn Target,
        rt: &'a tokio::runtime::Runtime,
        work: &Path,
    ) -> Result<Self, RunError> {
        let web_root = work.join("web-root.pem");
        let client_root = work.join("client-root.pem");
        write(&web_root, target.pki().web_root_pem.as_bytes())?;
        write(&client_root, target.pki().client_root_pem.as_bytes())?;
        Ok(Self {
            runner,
            case,
            target,
            rt,
            work: work.to_path_buf(),
            store: StoreProbe::new(&work.join("store")),
            web_root,
            client_root,
            baseline: Vec::new(),
        })
    }

    /// The arguments every certrenew run starts with: where the target's
    /// hosts are (asked afresh each time, so a fault lifted since, e.g.
    /// `unresolvable`, is gone), the store, then the case's `[client] args`
    /// (a flag the case gives replaces the harness's own).
    fn base_args(&self) -> Vec<String> {
        let mut base = self
            .target
            .connection(&self.web_root.display().to_string())
            .certrenew_args();
        base.extend(["--store".to_owned(), self.store.dir().display().to_string()]);
        for flag in self.case.client.args.iter().filter(|a| a.starts_with("--")) {
            if let Some(i) = base.iter().position(|a| a == flag) {
                base.drain(i..(i + 2).min(base.len()));
            }
        }
        for arg in &self.case.client.args {
            base.push(self.substitute(arg).unwrap_or_else(|_| arg.clone()));
        }
        base
    }

    /// Installs the case's identities and, if asked, trusts the root, all
    /// through the real binary.
    fn setup(&mut self) -> Result<Vec<Failure>, RunError> {
        let mut failures = Vec::new();
        let at = format!("{}: [client]", self.case.path.display());
        for name in &self.case.client.identities {
            let dir = self.identity_files(name).map_err(|e| RunError::Setup {
                at: at.clone(),
                source: Box::new(e),
            })?;
            let args = vec![
                "import".to_owned(),
                "--cert".to_owned(),
                dir.join("cert.pem").display().to_string(),
                "--key".to_owned(),
                dir.join("key.pem").display().to_string(),
                "--chain".to_owned(),
                dir.join("chain.pem").display().to_string(),
            ];
            let run = self.certrenew(&args, None, &[], false);
            if run.exit != Some(0) {
                failures.push(Failure {
                    at: at.clone(),
                    step: 0,
                    what: format!("import of `{name}`"),
                    expected: "exit 0".into(),
                    got: format!(
                        "exit {}\n{}{}",
                        crate::report::exit_text(run.exit),
                        run.stdout,
                        run.stderr
                    ),
                });
            }
        }
        if self.case.client.root_trusted {
            let args = vec![
                "roots".to_owned(),
                "add".to_owned(),
                self.client_root.display().to_string(),
                "--yes".to_owned(),
            ];
            let run = self.certrenew(&args, None, &[], false);
            if run.exit != Some(0) {
                failures.push(Failure {
                    at: at.clone(),
                    step: 0,
                    what: "trusting the client-CA root".into(),
                    expected: "exit 0".into(),
                    got: format!(
                        "exit {}\n{}{}",
                        crate::report::exit_text(run.exit),
                        run.stdout,
                        run.stderr
                    ),
                });
            }
        }
        self.baseline = self.store.identities();
        Ok(failures)
    }

    /// Writes a world identity's PEM files (once) and returns their directory.
    fn identity_files(&self, name: &str) -> Result<PathBuf, RunError> {
        let dir = self.work.join("identities").join(name);
        if dir.join("cert.pem").is_file() {
            return Ok(dir);
        }
        let id = self
            .target
            .identity(name)
            .ok_or_else(|| RunError::UnknownIdentity {
                name: name.to_owned(),
                known: self.target.identity_names().join(", "),
            })?;
        write(&dir.join("cert.pem"), id.cert_pem.as_bytes())?;
        write(&dir.join("key.pem"), id.key_pem.as_bytes())?;
        write(&dir.join("chain.pem"), id.chain_pem.as_bytes())?;
        Ok(dir)
    }

    pub(crate) fn substitute(&self, text: &str) -> Result<String, RunError> {
        crate::placeholders::substitute(text, self)
    }
}

/// `role METHOD path -> status ...` for a mock-ra journal entry, as
/// transcripts show it.
pub fn journal_line(e: &mock_ra::JournalEntry) -> String {
    crate::journal::Entry::from_mock(e)
        .map(|e| crate::journal::line(&e))
        .unwrap_or_else(|err| err.to_string())
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), RunError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| RunError::Write {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(path, bytes).map_err(|source| RunError::Write {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests;
