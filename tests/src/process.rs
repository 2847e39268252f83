//! Process handling shared by the runner and `bench`: the workspace binary
//! locator, the environment every child starts with, and a run with a
//! timeout that collects both outputs.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

/// Why a workspace binary could not be found or built.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// The variable naming the binary points at no file.
    #[error("{env_var}={} is not a file", path.display())]
    NotAFile { env_var: String, path: PathBuf },
    /// Cargo could not be started to build the binary.
    #[error("cannot run cargo to build {bin}: {source} (set {env_var} instead)")]
    NoCargo {
        bin: String,
        env_var: String,
        #[source]
        source: std::io::Error,
    },
    /// Cargo ran and failed; its own output went to stderr.
    #[error("building {bin} failed (see above)")]
    BuildFailed { bin: String },
    /// Cargo built the binary but named no executable for it.
    #[error("cargo built {bin} but did not say where")]
    NoExecutable { bin: String },
}

/// The proxy variables a child must not inherit: a case that wants a proxy
/// passes `--proxy` itself, and a developer's own proxy must not reach it.
pub const PROXY_VARIABLES: [&str; 6] = [
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "https_proxy",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// Removes every proxy variable from `cmd`'s environment and turns colour
/// off, so a child sees the same environment on every machine.
pub fn clean_env(cmd: &mut Command) -> &mut Command {
    for var in PROXY_VARIABLES {
        cmd.env_remove(var);
    }
    cmd.env("NO_COLOR", "1")
}

/// Finds a workspace binary: `$ENV_VAR` if set; else the one cargo built
/// next to us when it is newer than every source of its crate (`folder`)
/// and the lock file; else builds it with the cargo that runs us (release
/// when we are a release build).
pub fn locate_binary(bin: &str, folder: &str, env_var: &str) -> Result<PathBuf, RunnerError> {
    if let Some(path) = std::env::var_os(env_var) {
        let path = PathBuf::from(path);
        if !path.is_file() {
            return Err(RunnerError::NotAFile {
                env_var: env_var.to_owned(),
                path,
            });
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
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|source| RunnerError::NoCargo {
            bin: bin.to_owned(),
            env_var: env_var.to_owned(),
            source,
        })?;
    if !out.status.success() {
        return Err(RunnerError::BuildFailed {
            bin: bin.to_owned(),
        });
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["target"]["name"] == bin)
        .find_map(|v| v["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| RunnerError::NoExecutable {
            bin: bin.to_owned(),
        })
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

/// What one child run did.
#[derive(Debug, Default)]
pub struct Run {
    /// Its exit code (`None`: killed by a signal, or never started).
    pub exit: Option<i32>,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
    /// Killed after the timeout.
    pub timed_out: bool,
    /// Start to exit.
    pub elapsed: Duration,
}

/// Runs `cmd` with `stdin` written to it, killed after `timeout`.
pub fn run_with_timeout(mut cmd: Command, stdin: Option<&str>, timeout: Duration) -> Run {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Run {
                stderr: format!(
                    "harness: cannot start {}: {e}",
                    cmd.get_program().to_string_lossy()
                ),
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
    // Woken by the child's exit (SIGCHLD), not by a poll.
    let status = match child.wait_timeout(timeout) {
        Ok(Some(status)) => Some(status),
        Ok(None) => {
            let _ = child.kill();
            timed_out = true;
            child.wait().ok()
        }
        Err(_) => None,
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

/// Why openssl gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum OpensslError {
    /// The binary could not be started.
    #[error("cannot run openssl: {source}")]
    Spawn {
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// It ran and failed: its arguments and everything it printed.
    #[error("openssl {args}: {output}")]
    Failed {
        /// The arguments, joined by spaces.
        args: String,
        /// Its standard output, then its standard error.
        output: String,
    },
}

/// Runs openssl (a second implementation, not certrenew's) and returns its
/// standard output.
pub fn openssl(args: &[&str]) -> Result<String, OpensslError> {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .map_err(|source| OpensslError::Spawn { source })?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(OpensslError::Failed {
            args: args.join(" "),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn locate_errors_name_the_binary_and_the_variable() {
        let not_a_file = RunnerError::NotAFile {
            env_var: "MOCK_RA_BIN".to_owned(),
            path: PathBuf::from("/nowhere/mock-ra"),
        };
        assert_eq!(
            not_a_file.to_string(),
            "MOCK_RA_BIN=/nowhere/mock-ra is not a file"
        );
        let no_cargo = RunnerError::NoCargo {
            bin: "certrenew".to_owned(),
            env_var: "CERTRENEW_BIN".to_owned(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        };
        assert_eq!(
            no_cargo.to_string(),
            "cannot run cargo to build certrenew: entity not found (set CERTRENEW_BIN instead)"
        );
        assert!(std::error::Error::source(&no_cargo).is_some());
        let failed = RunnerError::BuildFailed {
            bin: "certrenew".to_owned(),
        };
        assert_eq!(failed.to_string(), "building certrenew failed (see above)");
        let nowhere = RunnerError::NoExecutable {
            bin: "mock-ra".to_owned(),
        };
        assert_eq!(
            nowhere.to_string(),
            "cargo built mock-ra but did not say where"
        );
    }

    #[test]
    fn clean_env_removes_every_proxy_variable() {
        let mut cmd = Command::new("env");
        for var in PROXY_VARIABLES {
            cmd.env(var, "http://127.0.0.1:9");
        }
        clean_env(&mut cmd);
        let run = run_with_timeout(cmd, None, Duration::from_secs(10));
        assert_eq!(run.exit, Some(0));
        for var in PROXY_VARIABLES {
            assert!(!run.stdout.contains(&format!("{var}=")), "{var} kept");
        }
        assert!(run.stdout.lines().any(|l| l == "NO_COLOR=1"));
    }

    #[test]
    fn a_child_past_its_timeout_is_killed() {
        let mut cmd = Command::new("sleep");
        cmd.arg("30");
        let run = run_with_timeout(cmd, None, Duration::from_millis(100));
        assert!(run.timed_out);
        assert!(run.elapsed < Duration::from_secs(10));
    }

    #[test]
    fn stdin_reaches_the_child() {
        let run = run_with_timeout(
            Command::new("cat"),
            Some("hello\n"),
            Duration::from_secs(10),
        );
        assert_eq!((run.exit, run.stdout.as_str()), (Some(0), "hello\n"));
    }
}
