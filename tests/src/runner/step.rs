//! One step of a case: certrenew run with the case's arguments, a clock
//! move, an admin action or a raw request, and its journal lines.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::case::{Request, Step, StepKind};
use crate::expect::Check;
use crate::report::StepRecord;
use crate::target::tls_config;

use super::STEP_TIMEOUT;
use crate::runner::context::Context;
use crate::runner::error::RunError;

impl Context<'_> {
    pub(super) fn run_step(&mut self, step: &Step, check: &mut Check<'_>) -> StepRecord {
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
                            check.fail(None, "placeholder", a.clone(), e.to_string());
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
                        Err(e) => check.fail(
                            None,
                            "the clock moves",
                            format!("by {offset}"),
                            e.to_string(),
                        ),
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
                        check.fail(None, "admin action", admin.to_string(), e.to_string());
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
                            e.to_string(),
                        ),
                    }
                }
            }
        }
        let journal = match journal_before {
            Some(mark) => match self.target.journal_since(mark) {
                Ok(j) => j,
                Err(e) => {
                    check.fail(None, "the target's journal", "readable", e.to_string());
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

    pub(super) fn request(&self, request: &Request) -> Result<(u16, String), RunError> {
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
                        .ok_or_else(|| RunError::NoWorldIdentity(name.to_owned()))?,
                ),
            };
            builder = builder.tls_backend_preconfigured(tls_config(
                &self.target.pki().web_root_pem,
                identity.as_ref(),
            )?);
        }
        let client = builder.build().map_err(RunError::Client)?;
        let method =
            reqwest::Method::from_bytes(request.method().as_bytes()).map_err(RunError::Method)?;
        let mut req = client.request(method, &url);
        if let Some(json) = &request.json {
            req = req.json(json);
        }
        self.rt.block_on(async {
            let resp = req.send().await.map_err(|source| RunError::Request {
                url: url.clone(),
                source,
            })?;
            let status = resp.status().as_u16();
            let content_type = resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("none")
                .to_owned();
            let bytes = resp.bytes().await.map_err(|source| RunError::Request {
                url: url.clone(),
                source,
            })?;
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
}
