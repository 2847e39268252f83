//! Runs one case: the RA under test set up with the case's world (mock-ra
//! in-process on ephemeral loopback ports, or a remote target through its
//! state-change endpoint), the real certrenew binary as a subprocess for
//! each client step, every expectation checked, a transcript kept.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mock_ra::World;

use crate::case::{Case, Host, Request, Step, StepKind};
use crate::expect::Check;
pub use crate::process::RunnerError;
use crate::process::{Run, clean_env, locate_binary, openssl, run_with_timeout};
use crate::remote::{Profile, Remote};
use crate::report::{CaseReport, Failure, FaultSummary, Outcome, Skip, StepRecord};
use crate::store::StoreProbe;
use crate::target::{InProcess, Target, tls_config};

/// How long one certrenew run may take before the harness kills it.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(60);
/// The passphrase the harness uses to export identities it checks.
const EXPORT_PASSPHRASE: &str = "harness-export";

/// Where the certrenew binary is, and which RA the cases run against.
#[derive(Debug, Clone)]
pub struct Runner {
    /// The binary under test.
    pub certrenew: PathBuf,
    /// A remote target; `None`: mock-ra in-process for each case.
    pub target: Option<Arc<Profile>>,
}

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
        let world = World::from_toml(&shown, &case.text).map_err(|e| e.to_string())?;
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
            let mut ctx = Context::new(self, case, target.as_ref(), &rt, work.path())?;
            failures = ctx.setup()?;
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
        Some(crate::case::Admin::ChangePassword { password, .. }) => Some(password.0.clone()),
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

/// Everything one running case needs.
pub(crate) struct Context<'a> {
    runner: &'a Runner,
    case: &'a Case,
    pub(crate) target: &'a dyn Target,
    rt: &'a tokio::runtime::Runtime,
    work: PathBuf,
    pub(crate) store: StoreProbe,
    web_root: PathBuf,
    client_root: PathBuf,
    pub(crate) baseline: Vec<String>,
}

impl<'a> Context<'a> {
    fn new(
        runner: &'a Runner,
        case: &'a Case,
        target: &'a dyn Target,
        rt: &'a tokio::runtime::Runtime,
        work: &Path,
    ) -> Result<Self, String> {
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
    fn identity_files(&self, name: &str) -> Result<PathBuf, String> {
        let dir = self.work.join("identities").join(name);
        if dir.join("cert.pem").is_file() {
            return Ok(dir);
        }
        let id = self.target.identity(name).ok_or_else(|| {
            format!(
                "the world has no identity `{name}` (known: {})",
                self.target.identity_names().join(", ")
            )
        })?;
        write(&dir.join("cert.pem"), id.cert_pem.as_bytes())?;
        write(&dir.join("key.pem"), id.key_pem.as_bytes())?;
        write(&dir.join("chain.pem"), id.chain_pem.as_bytes())?;
        Ok(dir)
    }

    pub(crate) fn substitute(&self, text: &str) -> Result<String, String> {
        crate::placeholders::substitute(text, self)
    }

    fn run_step(&mut self, step: &Step, check: &mut Check<'_>) -> StepRecord {
        let started = Instant::now();
        let mut record = StepRecord {
            step: step.describe(),
            ..Default::default()
        };
        let caps = self.target.capabilities();
        let journal_before = if caps.journal {
            self.target.journal_mark().ok()
        } else {
            None
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
                        Some(format!("{}\n", self.target.password(p)))
                    }
                    (None, Some(s)) => Some(s.clone()),
                    (None, None) => None,
                };
                let run =
                    self.certrenew(&args, stdin.as_deref(), &step.unreachable, step.disk_full);
                record.command = Some(format!("certrenew {}", args.join(" ")));
                record.full_command = Some(self.full_command(&args, step));
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
                if !caps.clock {
                    check.skip(None, "clock step", "clock");
                } else if let Some(offset) = step.clock {
                    match self.target.advance_clock(offset) {
                        Err(e) => check.fail(None, "the clock moves", format!("by {offset}"), e),
                        Ok(()) => {
                            record.did = Some(format!(
                                "POST /clock {{\"advance\":\"{offset}\"}}: the mock's clock moved by {offset}"
                            ));
                        }
                    }
                }
            }
            StepKind::Admin => {
                if let Some(admin) = &step.admin {
                    let needs = crate::remote::admin_needs(admin);
                    if !caps.has(needs) {
                        check.skip(None, &format!("admin action {admin}"), needs);
                    } else if let Err(e) = self.target.admin(admin) {
                        check.fail(None, "admin action", admin.to_string(), e);
                    } else {
                        record.did = Some(format!("admin {admin}: done"));
                    }
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
        let journal = match journal_before {
            Some(mark) => match self.target.journal_since(mark) {
                Ok(j) => j,
                Err(e) => {
                    check.fail(None, "the target's journal", "readable", e);
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        record.journal = crate::journal::lines(&journal);
        self.check(&step.expect, &record, &output, &journal, check);
        if record.elapsed.is_zero() {
            record.elapsed = started.elapsed();
        }
        record
    }

    pub(crate) fn root_trusted(&self) -> bool {
        let pem = &self.target.pki().client_root_pem;
        use rustls_pki_types::pem::PemObject;
        rustls_pki_types::CertificateDer::from_pem_slice(pem.as_bytes())
            .is_ok_and(|der| self.store.trusts(der.as_ref()))
    }

    /// Exports an identity with the real binary and has openssl check it:
    /// the key belongs to the certificate, and the chain verifies to the
    /// client-CA root with the CRLs the repositories serve.
    pub(crate) fn verify_exported(&self, serial: &str) -> Result<(), String> {
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
        write(&issuing, self.target.pki().issuing_ca_pem.as_bytes())?;
        let pki = self.target.pki();
        let mut crls = String::new();
        for (host, path) in [
            (Host::Repo1, &pki.issuing_ca_crl_path),
            (Host::Repository, &pki.root_crl_path),
        ] {
            let der = self.http_get(host, path)?;
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

    fn http_get(&self, host: Host, path: &str) -> Result<Vec<u8>, String> {
        let addr = self.target.addr(host)?;
        let url = format!("http://{}:{}{path}", host.hostname(), addr.port());
        let client = reqwest::Client::builder()
            .resolve(host.hostname(), addr)
            .timeout(Duration::from_secs(20))
            .no_proxy()
            .build()
            .map_err(|e| format!("building the request client: {e}"))?;
        self.rt.block_on(async {
            let resp = client
                .get(&url)
                .send()
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

    fn request(&self, request: &Request) -> Result<(u16, String), String> {
        let addr: SocketAddr = self.target.addr(request.host)?;
        let scheme = if request.host.port() == 443 {
            "https"
        } else {
            "http"
        };
        let url = format!(
            "{scheme}://{}:{}{}",
            request.host.hostname(),
            addr.port(),
            request.path
        );
        let mut builder = reqwest::Client::builder()
            .resolve(request.host.hostname(), addr)
            .timeout(Duration::from_secs(20))
            .no_proxy();
        if scheme == "https" {
            let identity = match request.identity.as_deref() {
                None => None,
                Some(name) => Some(
                    self.target
                        .identity(name)
                        .ok_or_else(|| format!("no world identity `{name}`"))?,
                ),
            };
            builder = builder.tls_backend_preconfigured(tls_config(
                &self.target.pki().web_root_pem,
                identity.as_ref(),
            )?);
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

    /// A loopback port that refuses connections: a socket bound to it but
    /// not listening. The port stays taken while the socket lives.
    fn dead_port(&self) -> Option<(tokio::net::TcpSocket, u16)> {
        let _runtime = self.rt.enter();
        let socket = tokio::net::TcpSocket::new_v4().ok()?;
        socket.bind(SocketAddr::from(([127, 0, 0, 1], 0))).ok()?;
        let port = socket.local_addr().ok()?.port();
        Some((socket, port))
    }

    /// The step's whole command line, shell-quoted (`harness repro`'s
    /// quoting); the password reads `"$PASSWORD"`.
    fn full_command(&self, args: &[String], step: &Step) -> String {
        let mut words: Vec<String> = vec![crate::repro::quote(
            &self.runner.certrenew.display().to_string(),
        )];
        let mut base = self.base_args();
        // A blocked host points at a port where nothing listens (the run's
        // own is a reserved socket, gone by now; 1 refuses as well).
        for host in &step.unreachable {
            let prefix = format!("{}:{}:", host.hostname(), host.port());
            for a in base.iter_mut().filter(|a| a.starts_with(&prefix)) {
                *a = format!("{prefix}127.0.0.1:1");
            }
        }
        words.extend(base.iter().map(|a| crate::repro::quote(a)));
        words.extend(args.iter().map(|a| crate::repro::quote(a)));
        let mut line = words.join(" ");
        if step.disk_full {
            line = format!("sh -c 'trap \"\" XFSZ; ulimit -f 0; exec \"$0\" \"$@\"' {line}");
        }
        if step.password.is_some() {
            format!("printf '%s\\n' \"$PASSWORD\" | {line}")
        } else {
            line
        }
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
            let prefix = format!("{}:{}:", host.hostname(), host.port());
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
        cmd.current_dir(&self.work);
        clean_env(&mut cmd);
        run_with_timeout(cmd, stdin, STEP_TIMEOUT)
    }
}

impl crate::placeholders::Values for Context<'_> {
    fn client_root_pem(&self) -> Result<String, String> {
        Ok(self.client_root.display().to_string())
    }

    fn proxy(&self) -> Result<String, String> {
        self.target
            .proxy()
            .ok_or_else(|| "the target has no proxy".to_owned())
    }

    fn client_root_sha1(&self) -> Result<String, String> {
        use rustls_pki_types::pem::PemObject;
        rustls_pki_types::CertificateDer::from_pem_slice(
            self.target.pki().client_root_pem.as_bytes(),
        )
        .map(|der| certs_gen::info::sha1_display(der.as_ref()))
        .map_err(|e| format!("client-CA root: {e}"))
    }

    fn serial(&self, name: &str) -> Result<String, String> {
        self.target
            .identity(name)
            .map(|i| i.serial)
            .ok_or_else(|| format!("no world identity `{name}`"))
    }

    fn pem(&self, name: &str) -> Result<String, String> {
        Ok(self
            .identity_files(name)?
            .join("cert.pem")
            .display()
            .to_string())
    }
}

/// `role METHOD path -> status ...` for a mock-ra journal entry, as
/// transcripts show it.
pub fn journal_line(e: &mock_ra::JournalEntry) -> String {
    crate::journal::Entry::from_mock(e)
        .map(|e| crate::journal::line(&e))
        .unwrap_or_else(|err| err)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_password_a_case_names_is_redacted_from_its_reports() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../scenarios/password-of-28-days-before.toml");
        let text = std::fs::read_to_string(&path).expect("the case file");
        let ids = ["D2.1", "D6.4", "E550A"].map(String::from).into();
        let case = Case::parse(&path, text, &ids).expect("the case parses");
        let world = World::from_toml("case", &case.text).expect("its world");
        let known = crate::report::Redactions {
            literals: password_redactions(&world, &case),
        };
        let shown = crate::report::redact(
            "typed Acme-2026-pass, then Changed-later-1; the target said Changed-later-1",
            &known,
        );
        assert_eq!(
            shown,
            "typed [password], then [password]; the target said [password]"
        );
    }
}
