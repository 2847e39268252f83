//! Runs one case: mock-ra in-process on ephemeral loopback ports, the real
//! certrenew binary as a subprocess for each client step, every expectation
//! checked, a transcript kept.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mock_ra::{Cause, JournalEntry, MockRa, Role, World};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::case::{Admin, Case, Expect, Host, Request, Step, StepKind};
use crate::report::{CaseReport, Failure, FaultSummary, Outcome, StepRecord};

/// How long one certrenew run may take before the harness kills it.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(60);
/// Causes that are routine (pages, repository files, admin calls): `causes`
/// expectations list only the others, the server's decisions.
const ROUTINE_CAUSES: [Cause; 3] = [Cause::Page, Cause::Served, Cause::AdminOk];
/// The passphrase the harness uses to export identities it checks.
const EXPORT_PASSPHRASE: &str = "harness-export";

/// Where the certrenew binary is and how to run it.
#[derive(Debug, Clone)]
pub struct Runner {
    /// The binary under test.
    pub certrenew: PathBuf,
}

/// Why the runner could not start.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RunnerError(pub String);

impl Runner {
    /// Finds the certrenew binary: `$CERTRENEW_BIN` if set (to test another
    /// build, e.g. a release); else the one cargo built next to us when it is
    /// newer than every source of the client (as after `cargo test
    /// --workspace`); else builds it with the cargo that runs us.
    pub fn locate() -> Result<Self, RunnerError> {
        locate_binary("certrenew", "client", "CERTRENEW_BIN").map(|certrenew| Self { certrenew })
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
        };
        match self.run_inner(case, &mut report) {
            Ok(failures) if failures.is_empty() => {}
            Ok(failures) => report.outcome = Outcome::Failed { failures },
            Err(e) => report.outcome = Outcome::Invalid { error: e },
        }
        report.elapsed = started.elapsed();
        report
    }

    fn run_inner(&self, case: &Case, report: &mut CaseReport) -> Result<Vec<Failure>, String> {
        let shown = case.path.display().to_string();
        let world = World::from_toml(&shown, &case.text).map_err(|e| e.to_string())?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start a tokio runtime: {e}"))?;
        let seed_in_file = world.fault_settings.seed.is_some();
        let random = world
            .faults
            .iter()
            .any(|f| f.probability.is_some() || f.jitter_ms.is_some_and(|j| j > 0));
        let mock = rt
            .block_on(MockRa::start(world))
            .map_err(|e| format!("{shown}: mock-ra did not start: {e}"))?;
        let names: Vec<String> = mock.faults().faults.into_iter().map(|f| f.name).collect();
        report.faults = FaultSummary {
            seed: (!names.is_empty() || seed_in_file).then(|| mock.fault_seed()),
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
        for (name, id) in mock.identities() {
            if let Ok(info) = id.info() {
                report
                    .redactions
                    .literals
                    .push((info.serial, format!("[serial:{name}]")));
            }
        }
        let mut ctx = Context::new(self, case, &mock, &rt, work.path())?;
        let mut failures = ctx.setup()?;
        if !failures.is_empty() {
            return Ok(failures);
        }
        for (index, (line, step)) in case.steps.iter().enumerate() {
            let at = format!("{shown}:{line}");
            let mut check = Check {
                at: &at,
                step: index + 1,
                failures: &mut failures,
                case,
            };
            let record = ctx.run_step(step, &mut check);
            report.steps.push(record);
        }
        drop(ctx);
        rt.block_on(mock.shutdown());
        Ok(failures)
    }
}

/// Collects failures for one step.
struct Check<'a> {
    at: &'a str,
    step: usize,
    failures: &'a mut Vec<Failure>,
    case: &'a Case,
}

impl Check<'_> {
    fn fail(
        &mut self,
        span: Option<std::ops::Range<usize>>,
        what: &str,
        expected: impl Into<String>,
        got: impl Into<String>,
    ) {
        let at = match span {
            Some(span) => self.case.at(span),
            None => self.at.to_owned(),
        };
        self.failures.push(Failure {
            at,
            step: self.step,
            what: what.to_owned(),
            expected: expected.into(),
            got: got.into(),
        });
    }
}

/// Everything one running case needs.
struct Context<'a> {
    runner: &'a Runner,
    case: &'a Case,
    mock: &'a MockRa,
    rt: &'a tokio::runtime::Runtime,
    work: PathBuf,
    store: PathBuf,
    web_root: PathBuf,
    client_root: PathBuf,
    baseline: Vec<String>,
}

impl<'a> Context<'a> {
    fn new(
        runner: &'a Runner,
        case: &'a Case,
        mock: &'a MockRa,
        rt: &'a tokio::runtime::Runtime,
        work: &Path,
    ) -> Result<Self, String> {
        let web_root = work.join("web-root.pem");
        let client_root = work.join("client-root.pem");
        write(&web_root, mock.pki().web_root.pem().as_bytes())?;
        write(&client_root, mock.pki().client_root.pem().as_bytes())?;
        let store = work.join("store");
        Ok(Self {
            runner,
            case,
            mock,
            rt,
            work: work.to_path_buf(),
            store,
            web_root,
            client_root,
            baseline: Vec::new(),
        })
    }

    /// The arguments every certrenew run starts with: the mock's own (asked
    /// afresh each time, so a fault lifted since, e.g. `unresolvable`, is
    /// gone), the store, then the case's `[client] args` (a flag the case
    /// gives replaces the harness's own).
    fn base_args(&self) -> Vec<String> {
        let mut base = self.mock.certrenew_args(&self.web_root);
        base.extend(["--store".to_owned(), self.store.display().to_string()]);
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
    fn setup(&mut self) -> Result<Vec<Failure>, String> {
        let mut failures = Vec::new();
        let at = format!("{}: [client]", self.case.path.display());
        for name in &self.case.client.identities {
            let dir = self
                .identity_files(name)
                .map_err(|e| format!("{at}: {e}"))?;
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
                    got: format!("exit {:?}\n{}{}", run.exit, run.stdout, run.stderr),
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
                    got: format!("exit {:?}\n{}{}", run.exit, run.stdout, run.stderr),
                });
            }
        }
        self.baseline = self.stored_identities();
        Ok(failures)
    }

    /// Writes a world identity's PEM files (once) and returns their directory.
    fn identity_files(&self, name: &str) -> Result<PathBuf, String> {
        let dir = self.work.join("identities").join(name);
        if dir.join("cert.pem").is_file() {
            return Ok(dir);
        }
        let id = self.mock.identity(name).ok_or_else(|| {
            format!(
                "the world has no identity `{name}` (known: {})",
                self.mock
                    .identities()
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        write(&dir.join("cert.pem"), id.cert_pem().as_bytes())?;
        write(&dir.join("key.pem"), id.key_pem().as_bytes())?;
        write(&dir.join("chain.pem"), id.chain_pem().as_bytes())?;
        Ok(dir)
    }

    fn substitute(&self, text: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let Some(len) = rest[start..].find('}') else {
                out.push_str(&rest[start..]);
                return Ok(out);
            };
            let inner = &rest[start + 1..start + len];
            let value = if inner == "client_root_pem" {
                self.client_root.display().to_string()
            } else if inner == "proxy" {
                self.mock.urls().proxy.clone()
            } else if inner == "client_root_sha1" {
                self.mock.client_root_sha1()
            } else if let Some(name) = inner.strip_prefix("serial:") {
                let id = self
                    .mock
                    .identity(name)
                    .ok_or_else(|| format!("no world identity `{name}`"))?;
                id.info().map_err(|e| e.to_string())?.serial
            } else if let Some(name) = inner.strip_prefix("pem:") {
                self.identity_files(name)?
                    .join("cert.pem")
                    .display()
                    .to_string()
            } else {
                rest[start..start + len + 1].to_owned()
            };
            out.push_str(&value);
            rest = &rest[start + len + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn run_step(&mut self, step: &Step, check: &mut Check<'_>) -> StepRecord {
        let started = Instant::now();
        let journal_before = self.mock.journal().len();
        let mut record = StepRecord {
            step: step.describe(),
            ..Default::default()
        };
        let mut output = String::new();
        match step.kind() {
            StepKind::Certrenew => {
                let mut args = Vec::new();
                for a in step.certrenew.iter().flatten() {
                    match self.substitute(a) {
                        Ok(a) => args.push(a),
                        Err(e) => {
                            check.fail(None, "placeholder", a.clone(), e);
                            return record;
                        }
                    }
                }
                let stdin = match (&step.password, &step.stdin) {
                    (Some(p), _) => {
                        args.push("--password-stdin".into());
                        Some(format!("{p}\n"))
                    }
                    (None, Some(s)) => Some(s.clone()),
                    (None, None) => None,
                };
                let run =
                    self.certrenew(&args, stdin.as_deref(), &step.unreachable, step.disk_full);
                record.command = Some(format!("certrenew {}", args.join(" ")));
                record.exit = run.exit;
                record.stdout = run.stdout.clone();
                record.stderr = run.stderr.clone();
                output = format!("{}{}", run.stdout, run.stderr);
                record.elapsed = run.elapsed;
                if run.timed_out {
                    check.fail(
                        None,
                        "certrenew finished",
                        format!("within {}s", STEP_TIMEOUT.as_secs()),
                        "killed after the timeout",
                    );
                }
                if let Some(within) = &step.expect.within {
                    let bound = Duration::from_secs(
                        u64::try_from(within.get_ref().duration().whole_seconds()).unwrap_or(0),
                    );
                    if run.elapsed > bound {
                        check.fail(
                            Some(within.span()),
                            "certrenew finished in time",
                            format!("within {}", within.get_ref()),
                            format!("{:.2} s", run.elapsed.as_secs_f64()),
                        );
                    }
                }
            }
            StepKind::Clock => {
                if let Some(offset) = step.clock
                    && let Err(e) = self.mock.advance_clock(offset.duration())
                {
                    check.fail(
                        None,
                        "the clock moves",
                        format!("by {offset}"),
                        e.to_string(),
                    );
                }
            }
            StepKind::Admin => {
                if let Some(admin) = &step.admin
                    && let Err(e) = self.admin(admin)
                {
                    check.fail(None, "admin action", admin.to_string(), e);
                }
            }
            StepKind::Request => {
                if let Some(request) = &step.request {
                    match self.request(request) {
                        Ok((status, body)) => {
                            record.status = Some(status);
                            record.stdout = body.clone();
                            output = body;
                        }
                        Err(e) => check.fail(
                            None,
                            "request",
                            format!("{} {}", request.method(), request.path),
                            e,
                        ),
                    }
                }
            }
        }
        let journal: Vec<JournalEntry> = self
            .mock
            .journal()
            .into_iter()
            .skip(journal_before)
            .collect();
        record.journal = journal_lines(&journal);
        self.check(&step.expect, &record, &output, &journal, check);
        if record.elapsed.is_zero() {
            record.elapsed = started.elapsed();
        }
        record
    }

    fn check(
        &self,
        expect: &Expect,
        record: &StepRecord,
        output: &str,
        journal: &[JournalEntry],
        check: &mut Check<'_>,
    ) {
        if let Some(exit) = &expect.exit
            && record.exit != Some(*exit.get_ref())
        {
            check.fail(
                Some(exit.span()),
                "exit",
                exit.get_ref().to_string(),
                format!("{:?}\n{output}", record.exit),
            );
        }
        if let Some(message) = &expect.message {
            match self.substitute(message.get_ref()) {
                Ok(m) => {
                    if !output.lines().any(|l| l.trim_end() == m) {
                        check.fail(
                            Some(message.span()),
                            "message (a whole line of the output)",
                            m,
                            output.to_owned(),
                        );
                    }
                }
                Err(e) => check.fail(
                    Some(message.span()),
                    "message",
                    message.get_ref().clone(),
                    e,
                ),
            }
        }
        for want in &expect.output {
            match self.substitute(want.get_ref()) {
                Ok(w) if output.contains(&w) => {}
                Ok(w) => check.fail(Some(want.span()), "output contains", w, output.to_owned()),
                Err(e) => check.fail(Some(want.span()), "output", want.get_ref().clone(), e),
            }
        }
        for unwanted in &expect.no_output {
            match self.substitute(unwanted.get_ref()) {
                Ok(w) if !output.contains(&w) => {}
                Ok(w) => check.fail(
                    Some(unwanted.span()),
                    "output does not contain",
                    w,
                    output.to_owned(),
                ),
                Err(e) => check.fail(
                    Some(unwanted.span()),
                    "no_output",
                    unwanted.get_ref().clone(),
                    e,
                ),
            }
        }
        if let Some(causes) = &expect.causes {
            let got: Vec<&str> = journal
                .iter()
                .filter(|e| !ROUTINE_CAUSES.contains(&e.cause))
                .map(|e| e.cause.as_str())
                .collect();
            if got != *causes.get_ref() {
                check.fail(
                    Some(causes.span()),
                    "journal causes",
                    format!("{:?}", causes.get_ref()),
                    format!("{got:?}"),
                );
            }
        }
        for want in &expect.journal {
            let text = match self.substitute(want.get_ref()) {
                Ok(t) => t,
                Err(e) => {
                    check.fail(
                        Some(want.span()),
                        "a journal line contains",
                        want.get_ref().clone(),
                        e,
                    );
                    continue;
                }
            };
            if !record.journal.iter().any(|l| l.contains(text.as_str())) {
                check.fail(
                    Some(want.span()),
                    "a journal line contains",
                    text,
                    record.journal.join("\n"),
                );
            }
        }
        if let Some(status) = &expect.status
            && record.status != Some(*status.get_ref())
        {
            check.fail(
                Some(status.span()),
                "status",
                status.get_ref().to_string(),
                format!("{:?}\n{output}", record.status),
            );
        }
        if let Some(class) = &expect.class {
            let got = serde_json::from_str::<serde_json::Value>(output)
                .ok()
                .and_then(|v| v["class"].as_str().map(str::to_owned));
            if got.as_deref() != Some(class.get_ref().as_str()) {
                check.fail(
                    Some(class.span()),
                    "class",
                    class.get_ref().clone(),
                    format!("{got:?}\n{output}"),
                );
            }
        }
        if let Some(store) = &expect.store {
            self.check_store(store, check);
        }
        if let Some(account) = &expect.account {
            let span = account.span();
            let want = account.get_ref();
            match self.mock.account(&want.id) {
                None => check.fail(
                    Some(span),
                    "account",
                    want.id.clone(),
                    "no such account in the world",
                ),
                Some(view) => {
                    if let Some(order) = want.order
                        && view.order != order
                    {
                        check.fail(
                            Some(span.clone()),
                            &format!("account {} order", want.id),
                            order.as_str(),
                            view.order.as_str(),
                        );
                    }
                    if let Some(failures) = want.failures
                        && view.failures != failures
                    {
                        check.fail(
                            Some(span.clone()),
                            &format!("account {} failures", want.id),
                            failures.to_string(),
                            view.failures.to_string(),
                        );
                    }
                    if let Some(locked) = want.locked
                        && view.locked != locked
                    {
                        check.fail(
                            Some(span.clone()),
                            &format!("account {} locked", want.id),
                            locked.to_string(),
                            view.locked.to_string(),
                        );
                    }
                    if let Some(issued) = want.issued {
                        let got = view
                            .certificates
                            .iter()
                            .filter(|c| c.origin == "renewal")
                            .count();
                        if got != issued {
                            check.fail(
                                Some(span),
                                &format!("account {} issued by renewal", want.id),
                                issued.to_string(),
                                got.to_string(),
                            );
                        }
                    }
                }
            }
        }
    }

    fn check_store(&self, store: &toml::Spanned<crate::case::StoreExpect>, check: &mut Check<'_>) {
        let span = store.span();
        let want = store.get_ref();
        let now = self.stored_identities();
        let new: Vec<&String> = now.iter().filter(|s| !self.baseline.contains(s)).collect();
        if let Some(n) = want.identities
            && now.len() != n
        {
            check.fail(
                Some(span.clone()),
                "store identities",
                n.to_string(),
                format!("{} ({})", now.len(), now.join(", ")),
            );
        }
        if let Some(n) = want.new
            && new.len() != n
        {
            check.fail(
                Some(span.clone()),
                "new identities in the store",
                n.to_string(),
                new.len().to_string(),
            );
        }
        if let Some(trusted) = want.root_trusted {
            let got = self.root_trusted();
            if got != trusted {
                check.fail(
                    Some(span.clone()),
                    "client-CA root trusted",
                    trusted.to_string(),
                    got.to_string(),
                );
            }
        }
        for name in &want.kept {
            let serial = self
                .mock
                .identity(name)
                .and_then(|i| i.info().ok())
                .map(|i| i.serial);
            let kept = serial.as_ref().is_some_and(|s| now.iter().any(|n| n == s));
            if !kept {
                check.fail(
                    Some(span.clone()),
                    "identity kept in the store",
                    name.clone(),
                    format!("serials in the store: {}", now.join(", ")),
                );
            }
        }
        if let Some(key_type) = want.new_key {
            let got = match new.last() {
                None => Err("no new identity in the store".to_owned()),
                Some(serial) => self.stored_key_type(serial),
            };
            let want = key_type.as_str();
            match got {
                Ok(got) if got == want => {}
                Ok(got) => check.fail(Some(span.clone()), "new identity's key", want, got),
                Err(e) => check.fail(Some(span.clone()), "new identity's key", want, e),
            }
        }
        if want.new_verifies == Some(true) {
            match new.last() {
                None => check.fail(
                    Some(span),
                    "new identity verifies",
                    "a new identity",
                    "none in the store",
                ),
                Some(serial) => {
                    if let Err(e) = self.verify_exported(serial) {
                        check.fail(
                            Some(span),
                            "new identity verifies (export, openssl)",
                            "key matches, chain and CRLs verify",
                            e,
                        );
                    }
                }
            }
        }
    }

    /// The key type of the stored identity with this serial, as openssl
    /// reads its key file (a second implementation, not certrenew's).
    fn stored_key_type(&self, serial: &str) -> Result<String, String> {
        let dir = std::fs::read_dir(self.store.join("identities"))
            .map_err(|e| format!("the store's identities: {e}"))?;
        for entry in dir.flatten() {
            let pem = std::fs::read(entry.path().join("cert.pem")).unwrap_or_default();
            let matches = CertificateDer::from_pem_slice(&pem)
                .ok()
                .and_then(|der| certs_gen::CertInfo::from_der(&der).ok())
                .is_some_and(|info| info.serial == serial);
            if !matches {
                continue;
            }
            let key = entry.path().join("key.pem").display().to_string();
            let text = openssl(&["pkey", "-in", &key, "-noout", "-text"])?;
            return Ok(if text.contains("ASN1 OID: prime256v1") {
                "p256".to_owned()
            } else if let Some(bits) = text
                .split_once("Private-Key: (")
                .and_then(|(_, rest)| rest.split_once(" bit, 2 primes)"))
                .map(|(bits, _)| bits.to_owned())
            {
                format!("rsa{bits}")
            } else {
                format!("unknown: {}", text.lines().next().unwrap_or_default())
            });
        }
        Err(format!("no identity with serial {serial} in the store"))
    }

    /// Serials (hex) of every identity in the store, oldest file first. The
    /// layout is the one `certrenew`'s store documents.
    fn stored_identities(&self) -> Vec<String> {
        let mut found = Vec::new();
        let Ok(dir) = std::fs::read_dir(self.store.join("identities")) else {
            return Vec::new();
        };
        for entry in dir.flatten() {
            let cert = entry.path().join("cert.pem");
            let Ok(pem) = std::fs::read(&cert) else {
                continue;
            };
            let Ok(der) = CertificateDer::from_pem_slice(&pem) else {
                continue;
            };
            if let Ok(info) = certs_gen::CertInfo::from_der(&der) {
                found.push((info.not_before, info.serial));
            }
        }
        found.sort();
        found.into_iter().map(|(_, s)| s).collect()
    }

    fn root_trusted(&self) -> bool {
        let root = self.mock.pki().client_root.der().to_vec();
        let Ok(dir) = std::fs::read_dir(self.store.join("trust")) else {
            return false;
        };
        dir.flatten().any(|e| {
            std::fs::read(e.path())
                .ok()
                .and_then(|pem| CertificateDer::from_pem_slice(&pem).ok())
                .is_some_and(|der| der.as_ref() == root.as_slice())
        })
    }

    /// Exports an identity with the real binary and has openssl check it:
    /// the key belongs to the certificate, and the chain verifies to the
    /// client-CA root with the CRLs the repositories serve.
    fn verify_exported(&self, serial: &str) -> Result<(), String> {
        let p12 = self.work.join(format!("export-{serial}.p12"));
        let args = vec![
            "export".to_owned(),
            "--select".to_owned(),
            serial.to_owned(),
            "--out".to_owned(),
            p12.display().to_string(),
            "--passphrase-stdin".to_owned(),
        ];
        let run = self.certrenew(&args, Some(&format!("{EXPORT_PASSPHRASE}\n")), &[], false);
        if run.exit != Some(0) {
            return Err(format!(
                "export exited {:?}: {}{}",
                run.exit, run.stdout, run.stderr
            ));
        }
        let pass = format!("pass:{EXPORT_PASSPHRASE}");
        let p12s = p12.display().to_string();
        let leaf = self.work.join("check-leaf.pem").display().to_string();
        let key = self.work.join("check-key.pem").display().to_string();
        openssl(&[
            "pkcs12", "-in", &p12s, "-passin", &pass, "-clcerts", "-nokeys", "-out", &leaf,
        ])?;
        openssl(&[
            "pkcs12", "-in", &p12s, "-passin", &pass, "-nocerts", "-nodes", "-out", &key,
        ])?;
        let from_cert = openssl(&["x509", "-in", &leaf, "-noout", "-pubkey"])?;
        let from_key = openssl(&["pkey", "-in", &key, "-pubout"])?;
        if from_cert.trim() != from_key.trim() {
            return Err("the exported key does not belong to the certificate".into());
        }
        let issuing = self.work.join("check-issuing.pem");
        write(&issuing, self.mock.pki().issuing_ca.pem().as_bytes())?;
        let names = &self.mock.pki().names;
        let mut crls = String::new();
        for (role, path) in [
            (Role::Repo1, names.issuing_ca_crl_path()),
            (Role::Repository, names.root_crl_path()),
        ] {
            let der = self.http_get(role, &path)?;
            crls.push_str(&certs_gen::pem::crl(&der));
        }
        let crl_file = self.work.join("check-crls.pem");
        write(&crl_file, crls.as_bytes())?;
        openssl(&[
            "verify",
            "-CAfile",
            &self.client_root.display().to_string(),
            "-untrusted",
            &issuing.display().to_string(),
            "-crl_check_all",
            "-CRLfile",
            &crl_file.display().to_string(),
            "-purpose",
            "sslclient",
            &leaf,
        ])
        .map(drop)
    }

    fn http_get(&self, role: Role, path: &str) -> Result<Vec<u8>, String> {
        let url = format!("http://{}{path}", self.mock.addr(role));
        self.rt.block_on(async {
            let resp = reqwest::get(&url)
                .await
                .map_err(|e| format!("GET {url}: {e}"))?;
            if !resp.status().is_success() {
                return Err(format!("GET {url}: {}", resp.status()));
            }
            resp.bytes()
                .await
                .map(|b| b.to_vec())
                .map_err(|e| format!("GET {url}: {e}"))
        })
    }

    fn admin(&self, admin: &Admin) -> Result<(), String> {
        match admin {
            Admin::Reissue { account } => self.mock.reissue(account).map(drop),
            Admin::SetOrder { account, order } => self.mock.set_order(account, *order),
            Admin::ChangePassword { account, password } => {
                self.mock.change_password(account, &password.0)
            }
            Admin::AddFault { fault } => self.mock.add_fault(fault.clone()).map(drop),
            Admin::RemoveFault { name } => self.mock.remove_fault(name),
            Admin::ClearFaults => {
                self.mock.clear_faults();
                Ok(())
            }
        }
        .map_err(|e| e.to_string())
    }

    fn request(&self, request: &Request) -> Result<(u16, String), String> {
        let role = role_of(request.host);
        let addr: SocketAddr = self.mock.addr(role);
        let scheme = if request.host.port() == 443 {
            "https"
        } else {
            "http"
        };
        let url = format!(
            "{scheme}://{}:{}{}",
            request.host.name(),
            addr.port(),
            request.path
        );
        let mut builder = reqwest::Client::builder()
            .resolve(request.host.name(), addr)
            .timeout(Duration::from_secs(20))
            .no_proxy();
        if scheme == "https" {
            builder =
                builder.tls_backend_preconfigured(self.tls_config(request.identity.as_deref())?);
        }
        let client = builder
            .build()
            .map_err(|e| format!("building the request client: {e}"))?;
        let method =
            reqwest::Method::from_bytes(request.method().as_bytes()).map_err(|e| e.to_string())?;
        let mut req = client.request(method, &url);
        if let Some(json) = &request.json {
            req = req.json(json);
        }
        self.rt.block_on(async {
            let resp = req.send().await.map_err(|e| format!("{url}: {e:#}"))?;
            let status = resp.status().as_u16();
            let content_type = resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("none")
                .to_owned();
            let bytes = resp.bytes().await.map_err(|e| format!("{url}: {e}"))?;
            // Certificates and CRLs are DER: the transcript names them
            // rather than printing bytes that differ on every run.
            let body = match std::str::from_utf8(&bytes) {
                Ok(text) if !text.chars().any(|c| c.is_control() && !c.is_whitespace()) => {
                    text.to_owned()
                }
                _ => format!("[{content_type}, binary]"),
            };
            Ok((status, body))
        })
    }

    fn tls_config(&self, identity: Option<&str>) -> Result<rustls::ClientConfig, String> {
        tls_config(self.mock, identity)
    }

    /// A loopback port that refuses connections: a socket bound to it but
    /// not listening. The port stays taken while the socket lives.
    fn dead_port(&self) -> Option<(tokio::net::TcpSocket, u16)> {
        let _runtime = self.rt.enter();
        let socket = tokio::net::TcpSocket::new_v4().ok()?;
        socket.bind(SocketAddr::from(([127, 0, 0, 1], 0))).ok()?;
        let port = socket.local_addr().ok()?.port();
        Some((socket, port))
    }

    /// Runs the real binary with the harness's arguments first.
    fn certrenew(
        &self,
        args: &[String],
        stdin: Option<&str>,
        unreachable: &[Host],
        disk_full: bool,
    ) -> Run {
        let mut full = self.base_args();
        // Held until the run ends, so no other case's listener can take the port.
        let mut reserved = Vec::new();
        for host in unreachable {
            let prefix = format!("{}:{}:", host.name(), host.port());
            let Some((socket, dead)) = self.dead_port() else {
                return Run {
                    stderr: "harness: cannot reserve a loopback port".into(),
                    ..Run::default()
                };
            };
            reserved.push(socket);
            for a in full.iter_mut().filter(|a| a.starts_with(&prefix)) {
                *a = format!("{prefix}127.0.0.1:{dead}");
            }
        }
        full.extend(args.iter().cloned());
        let mut cmd = if disk_full {
            // A full disk, reproduced for this process alone: writes of any
            // byte fail with EFBIG (SIGXFSZ ignored, so the call returns an error).
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg("trap '' XFSZ; ulimit -f 0; exec \"$0\" \"$@\"")
                .arg(&self.runner.certrenew)
                .args(&full);
            c
        } else {
            let mut c = Command::new(&self.runner.certrenew);
            c.args(&full);
            c
        };
        cmd.current_dir(&self.work)
            .env_remove("HTTPS_PROXY")
            .env_remove("HTTP_PROXY")
            .env_remove("https_proxy")
            .env_remove("http_proxy")
            .env_remove("ALL_PROXY")
            .env_remove("all_proxy")
            .env("NO_COLOR", "1");
        run_with_timeout(cmd, stdin, STEP_TIMEOUT)
    }
}

/// Finds a workspace binary: `$ENV_VAR` if set; else the one cargo built
/// next to us when it is newer than every source of its crate (`folder`)
/// and the lock file; else builds it with the cargo that runs us (release
/// when we are a release build).
pub fn locate_binary(bin: &str, folder: &str, env_var: &str) -> Result<PathBuf, RunnerError> {
    if let Some(path) = std::env::var_os(env_var) {
        let path = PathBuf::from(path);
        if !path.is_file() {
            return Err(RunnerError(format!(
                "{env_var}={} is not a file",
                path.display()
            )));
        }
        return Ok(path);
    }
    if let Some(path) = fresh_sibling_binary(bin, folder) {
        return Ok(path);
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args([
        "build",
        "--quiet",
        "-p",
        bin,
        "--bin",
        bin,
        "--message-format=json",
    ]);
    if std::env::current_exe().is_ok_and(|p| p.components().any(|c| c.as_os_str() == "release")) {
        cmd.arg("--release");
    }
    let out = cmd.stderr(Stdio::inherit()).output().map_err(|e| {
        RunnerError(format!(
            "cannot run cargo to build {bin}: {e} (set {env_var} instead)"
        ))
    })?;
    if !out.status.success() {
        return Err(RunnerError(format!("building {bin} failed (see above)")));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["target"]["name"] == bin)
        .find_map(|v| v["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| RunnerError(format!("cargo built {bin} but did not say where")))
}

/// `target/<profile>/<bin>` beside the running executable (the harness
/// binary, or a test in `deps/`), if it is newer than its crate's sources
/// and the lock file.
fn fresh_sibling_binary(bin: &str, folder: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let mut dir = exe.parent()?;
    if dir.ends_with("deps") {
        dir = dir.parent()?;
    }
    let path = dir.join(format!("{bin}{}", std::env::consts::EXE_SUFFIX));
    let built = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent()?;
    let mut newest_source =
        newest_mtime(&workspace.join(folder))?.max(newest_mtime(&workspace.join("Cargo.lock"))?);
    // mock-ra is built on certs-gen: its sources count too.
    if folder == "mock-ra" {
        newest_source = newest_source.max(newest_mtime(&workspace.join("certs-gen"))?);
    }
    (built >= newest_source).then_some(path)
}

fn newest_mtime(path: &Path) -> Option<std::time::SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    let mut newest = meta.modified().ok()?;
    for entry in std::fs::read_dir(path).ok()?.flatten() {
        if let Some(t) = newest_mtime(&entry.path()) {
            newest = newest.max(t);
        }
    }
    Some(newest)
}

/// What one certrenew run did.
#[derive(Debug, Default)]
struct Run {
    exit: Option<i32>,
    stdout: String,
    stderr: String,
    timed_out: bool,
    elapsed: Duration,
}

fn run_with_timeout(mut cmd: Command, stdin: Option<&str>, timeout: Duration) -> Run {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Run {
                stderr: format!("harness: cannot start certrenew: {e}"),
                ..Run::default()
            };
        }
    };
    if let Some(mut pipe) = child.stdin.take()
        && let Some(text) = stdin
    {
        let _ = pipe.write_all(text.as_bytes());
    }
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = reader(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = reader(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                timed_out = true;
                break child.wait().ok();
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(_) => break None,
        }
    };
    let elapsed = started.elapsed();
    Run {
        exit: status.and_then(|s| s.code()),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        timed_out,
        elapsed,
    }
}

fn role_of(host: Host) -> Role {
    match host {
        Host::Webra2 => Role::Webra2,
        Host::Webra1 => Role::Webra1,
        Host::Repo1 => Role::Repo1,
        Host::Repository => Role::Repository,
    }
}

/// The journal as transcripts show it. The client's access checks run
/// concurrently, so a run of consecutive page fetches (and of the faults,
/// failed handshakes and proxy requests met on the way) has no defined
/// order: it is sorted to keep transcripts stable.
fn journal_lines(entries: &[JournalEntry]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut run: Vec<String> = Vec::new();
    for e in entries {
        if e.cause == Cause::Page
            || e.cause == Cause::Fault
            || e.status.is_none()
            || e.role == Role::Proxy
        {
            run.push(journal_line(e));
            continue;
        }
        run.sort();
        lines.append(&mut run);
        lines.push(journal_line(e));
    }
    run.sort();
    lines.append(&mut run);
    lines
}

/// `role METHOD path -> status class cause (account) [fault NAME] cert SERIAL`,
/// as transcripts show it: `cert` is the client certificate the connection
/// was authenticated with (a resumed session's first one), when there was one.
pub fn journal_line(e: &JournalEntry) -> String {
    format!(
        "{} {} {} -> {} {} {}{}{}{}",
        e.role.as_str(),
        if e.method.is_empty() { "-" } else { &e.method },
        if e.path.is_empty() { "-" } else { &e.path },
        e.status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "-".into()),
        e.class.map(|c| c.as_str()).unwrap_or("ok"),
        e.cause.as_str(),
        e.account
            .as_deref()
            .map(|a| format!(" ({a})"))
            .unwrap_or_default(),
        e.fault
            .as_deref()
            .map(|f| format!(" [fault {f}]"))
            .unwrap_or_default(),
        e.certificate
            .as_ref()
            .map(|c| format!(" cert {}", c.serial))
            .unwrap_or_default(),
    )
}

/// A TLS client configuration for the mock's HTTPS hosts: the web root
/// trusted, and the world identity `identity` (by name) presented.
pub fn tls_config(mock: &MockRa, identity: Option<&str>) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(mock.pki().web_root.der().clone())
        .map_err(|e| format!("web root: {e}"))?;
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots);
    match identity {
        None => Ok(builder.with_no_client_auth()),
        Some(name) => {
            let id = mock
                .identity(name)
                .ok_or_else(|| format!("no world identity `{name}`"))?;
            let mut chain = vec![id.cert.clone()];
            chain.extend(id.chain.iter().cloned());
            builder
                .with_client_auth_cert(chain, PrivateKeyDer::Pkcs8(id.key.clone_key()))
                .map_err(|e| format!("identity `{name}`: {e}"))
        }
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

fn openssl(args: &[&str]) -> Result<String, String> {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run openssl: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "openssl {}: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}
