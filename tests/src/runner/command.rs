//! The real binary's command line: the harness's arguments first, blocked
//! hosts pointed at a refusing port, a full disk for one process, the
//! whole line as `harness repro` quotes it, and the placeholders filled.

use std::net::SocketAddr;
use std::process::Command;

use crate::case::{Host, Step};
use crate::process::{Run, clean_env, run_with_timeout};

use super::STEP_TIMEOUT;
use crate::runner::context::Context;
use crate::runner::error::RunError;

impl Context<'_> {
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
    pub(super) fn full_command(&self, args: &[String], step: &Step) -> String {
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
    pub(super) fn certrenew(
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
    type Error = RunError;

    fn client_root_pem(&self) -> Result<String, RunError> {
        Ok(self.client_root.display().to_string())
    }

    fn proxy(&self) -> Result<String, RunError> {
        self.target.proxy().ok_or(RunError::NoProxy)
    }

    fn client_root_sha1(&self) -> Result<String, RunError> {
        use rustls_pki_types::pem::PemObject;
        rustls_pki_types::CertificateDer::from_pem_slice(
            self.target.pki().client_root_pem.as_bytes(),
        )
        .map(|der| certs_gen::info::sha1_display(der.as_ref()))
        .map_err(RunError::ClientRoot)
    }

    fn serial(&self, name: &str) -> Result<String, RunError> {
        self.target
            .identity(name)
            .map(|i| i.serial)
            .ok_or_else(|| RunError::NoWorldIdentity(name.to_owned()))
    }

    fn pem(&self, name: &str) -> Result<String, RunError> {
        Ok(self
            .identity_files(name)?
            .join("cert.pem")
            .display()
            .to_string())
    }
}
