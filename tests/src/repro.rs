//! `harness repro CASE`: a case as the shell commands a person types, so a
//! reproduction by hand is the case itself. The script brings the case's
//! world up as a `mock-ra serve --scenario` process (its clock frozen, so
//! a pause between two commands changes nothing), installs the case's
//! identities with the real `certrenew import`, then runs every step as
//! the harness does: the harness's connection arguments, `--store`, the
//! case's `[client] args` and the step's own, `admin`/`clock` steps as
//! curl calls on the admin API, `request` steps as curl on the host,
//! `unreachable` as a mapping to a port where nothing listens, `disk_full`
//! as `ulimit -f 0`. After each step it prints `step N: exit X` (or
//! `status S`, `ok`), the line the repro test compares with `harness run`.
//! It stops the mock it started, by its PID, when it ends (trap).
//!
//! The script holds the case's passwords: they are the case file's test
//! data, never a customer's.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use mock_ra::{FaultKind, Host};

use crate::case::{Admin, Case, Step, StepKind};
use crate::placeholders::{self, Values};
use crate::process::PROXY_VARIABLES;

/// Why a case's script could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReproError {
    /// No loopback port was free for the script's mock.
    #[error("cannot find a free loopback port between 20000 and 32000")]
    NoFreePort,
    /// A file (the case, the script) could not be read or written.
    #[error("{}: {source}", path.display())]
    File {
        /// The file as shown.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// A body for the script could not be made JSON.
    #[error("{0}")]
    Json(#[from] serde_json::Error),
}

/// Starts and ends a shell expansion inside a substituted argument.
const OPEN: char = '\u{E001}';
const CLOSE: char = '\u{E002}';

/// The binaries the script runs.
#[derive(Debug, Clone)]
pub struct Binaries {
    /// mock-ra.
    pub mock_ra: PathBuf,
    /// certrenew.
    pub certrenew: PathBuf,
}

/// The ports the script's mock listens on, picked free when it is written.
#[derive(Debug, Clone, Copy)]
struct Ports {
    webra2: u16,
    webra1: u16,
    repo1: u16,
    repository: u16,
    admin: u16,
    proxy: u16,
}

/// Ports this process has already written into a script. A port is
/// checked free when it is picked, but its mock binds it only when the
/// script runs: two scripts written meanwhile (QA's desk, or the tests'
/// threads) must not both get it.
static HANDED_OUT: std::sync::Mutex<BTreeSet<u16>> = std::sync::Mutex::new(BTreeSet::new());

/// A free loopback port below Linux's ephemeral range (32768-60999), so
/// that no socket bound to port 0 (another mock, a client) takes it between
/// the writing of the script and its run, and one no other script of this
/// process has.
fn free_port() -> Result<u16, ReproError> {
    let mut handed_out = HANDED_OUT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for attempt in 0..200u64 {
        let port = 20000 + u16::try_from((rand_u64() ^ attempt) % 12000).unwrap_or(0);
        if handed_out.contains(&port) {
            continue;
        }
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            handed_out.insert(port);
            return Ok(port);
        }
    }
    Err(ReproError::NoFreePort)
}

impl Ports {
    fn pick(vhost: bool) -> Result<Self, ReproError> {
        let https = free_port()?;
        let http = free_port()?;
        Ok(Self {
            webra2: https,
            webra1: if vhost { https } else { free_port()? },
            repo1: http,
            repository: if vhost { http } else { free_port()? },
            admin: free_port()?,
            proxy: free_port()?,
        })
    }

    fn of(&self, host: Host) -> u16 {
        match host {
            Host::Webra2 => self.webra2,
            Host::Webra1 => self.webra1,
            Host::Repo1 => self.repo1,
            Host::Repository => self.repository,
        }
    }
}

/// A value for a shell script: single-quoted, so nothing in it expands.
pub fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c))
    {
        return s.to_owned();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// An argument that may hold expansions (`OPEN expr CLOSE`): double-quoted
/// with everything else escaped.
fn quote_with_expansions(s: &str) -> String {
    if !s.contains(OPEN) {
        return quote(s);
    }
    let mut out = String::from("\"");
    let mut in_expr = false;
    for c in s.chars() {
        match c {
            OPEN => in_expr = true,
            CLOSE => in_expr = false,
            c if in_expr => out.push(c),
            '"' | '\\' | '$' | '`' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

struct ScriptValues {
    proxy: String,
}

impl Values for ScriptValues {
    type Error = std::convert::Infallible;

    fn client_root_pem(&self) -> Result<String, Self::Error> {
        Ok(format!("{OPEN}$STATE/mock/client-root.pem{CLOSE}"))
    }
    fn proxy(&self) -> Result<String, Self::Error> {
        Ok(self.proxy.clone())
    }
    fn client_root_sha1(&self) -> Result<String, Self::Error> {
        Ok(format!("{OPEN}$ROOT_SHA1_GROUPED{CLOSE}"))
    }
    fn serial(&self, name: &str) -> Result<String, Self::Error> {
        Ok(format!("{OPEN}$(serial {}){CLOSE}", quote(name)))
    }
    fn pem(&self, name: &str) -> Result<String, Self::Error> {
        Ok(format!(
            "{OPEN}$STATE/mock/identities/{}/cert.pem{CLOSE}",
            name.replace(['"', '$', '`', '\\'], "")
        ))
    }
}

/// The script for `case`.
pub fn script(case: &Case, bins: &Binaries) -> Result<String, ReproError> {
    build(case, bins).map(|(setup, steps)| format!("{setup}{steps}"))
}

/// The last line a session prints of the commands to paste.
pub const SESSION_END: &str = "# ---- end of the steps ----";

/// A session for `harness repro CASE`: the script's world and store are
/// brought up, then the steps are printed as commands to paste into a
/// shell (with the values of this session), and the world stays up until
/// Ctrl-C (or SIGTERM), when the mock is stopped by its PID.
pub fn session(case: &Case, bins: &Binaries) -> Result<String, ReproError> {
    let (setup, steps) = build(case, bins)?;
    let helpers = r#"mock_now() { curl -sS -H "$AUTH" "$ADMIN/clock" | sed -n 's/.*"now":"\([^"]*\)".*/\1/p'; }
serial() { openssl x509 -noout -serial -in "$STATE/mock/identities/$1/cert.pem" | cut -d= -f2 | tr 'A-F' 'a-f'; }
"#;
    Ok(format!(
        "{setup}
echo '# The world of {name} is up and its store prepared. Paste these into a bash shell:'
cat <<EOF_REPRO
CERTRENEW='$CERTRENEW'
STATE='$STATE'
ADMIN='$ADMIN'
AUTH='$AUTH'
ROOT_SHA1='$ROOT_SHA1'
ROOT_SHA1_GROUPED='$ROOT_SHA1_GROUPED'
export NO_COLOR=1
unset {proxies}
cd \"$STATE\"
EOF_REPRO
cat <<'EOF_STEPS'
{helpers}{steps}{SESSION_END}
EOF_STEPS
echo \"# mock-ra runs as PID $MOCK_PID (this session: PID $$); Ctrl-C stops it\" >&2
trap 'exit 130' INT TERM
wait \"$MOCK_PID\"
",
        name = case.name(),
        proxies = PROXY_VARIABLES.join(" "),
    ))
}

fn build(case: &Case, bins: &Binaries) -> Result<(String, String), ReproError> {
    let shown = case.path.display().to_string();
    let world = &case.world;
    let ports = Ports::pick(case.meta.vhost)?;
    let token = format!("repro-{:016x}", rand_u64());
    let case_path = case
        .path
        .canonicalize()
        .map_err(|source| ReproError::File {
            path: case.path.clone(),
            source,
        })?;
    let values = ScriptValues {
        proxy: format!("http://127.0.0.1:{}", ports.proxy),
    };
    // Unresolvable faults in force, by name: the harness asks the mock for
    // its connection arguments before each step; the script knows them from
    // the case.
    let mut unresolvable: BTreeMap<String, Host> = world
        .faults
        .iter()
        .filter(|f| f.kind == FaultKind::Unresolvable)
        .map(|f| (f.name.clone().unwrap_or_else(|| f.default_name()), f.host))
        .collect();
    let mut s = String::new();
    let _ = writeln!(s, "#!/usr/bin/env bash");
    let _ = writeln!(
        s,
        "# {}: {}",
        case.name(),
        case.meta.story.replace('\n', " ")
    );
    let _ = writeln!(
        s,
        "# Written by `harness repro`: each command is what `harness run` does for this\n# case. After each step a line `step N: exit X` (or `status S`, `ok`) says how it ended.\n# The passwords below are the case file's test data, never a customer's."
    );
    let _ = writeln!(s, "set -u");
    let _ = writeln!(s, "MOCK_RA={}", quote(&bins.mock_ra.display().to_string()));
    let _ = writeln!(
        s,
        "CERTRENEW={}",
        quote(&bins.certrenew.display().to_string())
    );
    let _ = writeln!(s, "CASE={}", quote(&case_path.display().to_string()));
    let _ = writeln!(
        s,
        "STATE=$(mktemp -d \"${{TMPDIR:-/tmp}}/repro-{}.XXXXXX\")",
        case.name()
    );
    let _ = writeln!(s, "ADMIN=http://127.0.0.1:{}", ports.admin);
    let _ = writeln!(
        s,
        "AUTH={}",
        quote(&format!("Authorization: Bearer {token}"))
    );
    let _ = writeln!(s, "export NO_COLOR=1");
    let _ = writeln!(s, "unset {}", PROXY_VARIABLES.join(" "));
    let mut serve = vec![
        "\"$MOCK_RA\"".to_owned(),
        "serve".into(),
        "--scenario".into(),
        "\"$CASE\"".into(),
        "--state-dir".into(),
        "\"$STATE/mock\"".into(),
        "--frozen".into(),
        "--admin-token".into(),
        quote(&token),
        "--admin-port".into(),
        ports.admin.to_string(),
        "--proxy-port".into(),
        ports.proxy.to_string(),
    ];
    if case.meta.vhost {
        serve.extend([
            "--vhost".into(),
            "--https-port".into(),
            ports.webra2.to_string(),
            "--http-port".into(),
            ports.repo1.to_string(),
        ]);
    } else {
        for host in Host::ALL {
            serve.push(format!("--{}-port", host.as_str()));
            serve.push(ports.of(host).to_string());
        }
    }
    let _ = writeln!(
        s,
        "\n# The case's world, clock frozen (a pause between two commands changes nothing).\n{} > \"$STATE/ready.json\" 2> \"$STATE/mock-ra.log\" &\nMOCK_PID=$!\ntrap 'kill \"$MOCK_PID\" 2>/dev/null; wait \"$MOCK_PID\" 2>/dev/null; rm -rf \"$STATE\"' EXIT",
        serve.join(" ")
    );
    let _ = writeln!(
        s,
        r#"for _ in $(seq 1 400); do
  grep -q '"event":"ready"' "$STATE/ready.json" 2>/dev/null && break
  kill -0 "$MOCK_PID" 2>/dev/null || {{ cat "$STATE/mock-ra.log" >&2; exit 1; }}
  sleep 0.05
done
grep -q '"event":"ready"' "$STATE/ready.json" || {{ echo "mock-ra did not start" >&2; exit 1; }}
ROOT_SHA1_GROUPED=$(sed -n 's/.*"client_root_sha1":"\([^"]*\)".*/\1/p' "$STATE/ready.json")
ROOT_SHA1=$(printf '%s' "$ROOT_SHA1_GROUPED" | tr -d ' ' | tr 'A-F' 'a-f')
# The mock's (frozen) clock, which the client is told with --danger-now.
mock_now() {{ curl -sS -H "$AUTH" "$ADMIN/clock" | sed -n 's/.*"now":"\([^"]*\)".*/\1/p'; }}
# A world identity's serial, as the case's {{serial:NAME}} means it.
serial() {{ openssl x509 -noout -serial -in "$STATE/mock/identities/$1/cert.pem" | cut -d= -f2 | tr 'A-F' 'a-f'; }}
cd "$STATE""#
    );
    // The harness's connection arguments, then --store, then [client] args
    // (a flag the case gives replaces the harness's own).
    let base = |unresolvable: &BTreeMap<String, Host>, blocked: &[Host]| -> Vec<String> {
        let mut base: Vec<(String, Option<String>)> = vec![(
            "--server-ca".into(),
            Some("\"$STATE/mock/web-root.pem\"".into()),
        )];
        for host in Host::ALL {
            let target = if blocked.contains(&host) {
                "127.0.0.1:1".to_owned()
            } else if unresolvable.values().any(|h| *h == host) {
                format!("{}:{}", mock_ra::unresolvable_name(host), ports.of(host))
            } else {
                format!("127.0.0.1:{}", ports.of(host))
            };
            base.push((
                "--connect-to".into(),
                Some(format!("{}:{}:{target}", host.hostname(), host.port())),
            ));
        }
        base.push(("--root-sha1".into(), Some("\"$ROOT_SHA1\"".into())));
        base.push(("--danger-now".into(), Some("\"$(mock_now)\"".into())));
        base.push(("--store".into(), Some("\"$STATE/store\"".into())));
        for flag in case.client.args.iter().filter(|a| a.starts_with("--")) {
            base.retain(|(f, _)| f != flag);
        }
        let mut out: Vec<String> = base
            .into_iter()
            .flat_map(|(f, v)| std::iter::once(f).chain(v))
            .collect();
        for a in &case.client.args {
            out.push(substituted(a, &values));
        }
        out
    };
    if !case.client.identities.is_empty() || case.client.root_trusted {
        let _ = writeln!(
            s,
            "\n# The customer's machine: the case's identities in a new store."
        );
    }
    for name in &case.client.identities {
        let dir = format!(
            "\"$STATE/mock/identities/{}",
            name.replace(['"', '$', '`', '\\'], "")
        );
        let _ = writeln!(
            s,
            "\"$CERTRENEW\" {} import --cert {dir}/cert.pem\" --key {dir}/key.pem\" --chain {dir}/chain.pem\" > /dev/null || {{ echo \"import of {} failed\" >&2; exit 1; }}",
            base(&unresolvable, &[]).join(" "),
            name.replace(['"', '$', '`', '\\'], "")
        );
    }
    if case.client.root_trusted {
        let _ = writeln!(
            s,
            "\"$CERTRENEW\" {} roots add \"$STATE/mock/client-root.pem\" --yes > /dev/null || {{ echo 'trusting the root failed' >&2; exit 1; }}",
            base(&unresolvable, &[]).join(" ")
        );
    }
    let setup = std::mem::take(&mut s);
    for (i, (line, step)) in case.steps.iter().enumerate() {
        let n = i + 1;
        let _ = writeln!(s, "\n# step {n} ({shown}:{line}): {}", step.describe());
        match step.kind() {
            StepKind::Certrenew => {
                certrenew_step(
                    &mut s,
                    n,
                    step,
                    base(&unresolvable, &step.unreachable),
                    &values,
                );
            }
            StepKind::Clock => {
                let by = step.clock.map(|c| c.to_string()).unwrap_or_default();
                admin_call(
                    &mut s,
                    n,
                    "POST",
                    "/clock",
                    Some(serde_json::json!({ "advance": by })),
                );
            }
            StepKind::Admin => {
                if let Some(admin) = &step.admin {
                    let (method, path, body) = crate::case::Admin::request(admin)?;
                    admin_call(&mut s, n, method, &path, body);
                    match admin {
                        Admin::AddFault { fault } if fault.kind == FaultKind::Unresolvable => {
                            let name = fault.name.clone().unwrap_or_else(|| fault.default_name());
                            unresolvable.insert(name, fault.host);
                        }
                        Admin::RemoveFault { name } => {
                            unresolvable.remove(name);
                        }
                        Admin::ClearFaults => unresolvable.clear(),
                        _ => {}
                    }
                }
            }
            StepKind::Request => {
                if let Some(r) = &step.request {
                    let https = r.host.is_https();
                    let url = format!(
                        "{}://{}{}",
                        if https { "https" } else { "http" },
                        r.host.hostname(),
                        r.path
                    );
                    let mut args = vec![
                        "curl".to_owned(),
                        "-sS".into(),
                        "-o".into(),
                        "\"$STATE/answer\"".into(),
                        "-w".into(),
                        "'%{http_code}'".into(),
                        "-X".into(),
                        r.method(),
                        "--connect-to".into(),
                        format!(
                            "{}:{}:127.0.0.1:{}",
                            r.host.hostname(),
                            r.host.port(),
                            ports.of(r.host)
                        ),
                    ];
                    if https {
                        args.extend(["--cacert".into(), "\"$STATE/mock/web-root.pem\"".into()]);
                    }
                    if let Some(id) = &r.identity {
                        let dir = format!(
                            "\"$STATE/mock/identities/{}",
                            id.replace(['"', '$', '`', '\\'], "")
                        );
                        args.extend([
                            "--cert".into(),
                            format!("{dir}/cert.pem\""),
                            "--key".into(),
                            format!("{dir}/key.pem\""),
                        ]);
                    }
                    if let Some(json) = &r.json {
                        let body = serde_json::to_string(json)?;
                        args.extend([
                            "-H".into(),
                            quote("content-type: application/json"),
                            "--data".into(),
                            quote(&body),
                        ]);
                    }
                    args.push(quote(&url));
                    let _ = writeln!(
                        s,
                        "STATUS=$({})\necho \"step {n}: status $STATUS\"",
                        args.join(" ")
                    );
                }
            }
        }
    }
    Ok((setup, s))
}

fn substituted(arg: &str, values: &ScriptValues) -> String {
    let text = placeholders::substitute(arg, values).unwrap_or_else(|_| arg.to_owned());
    quote_with_expansions(&text)
}

fn certrenew_step(s: &mut String, n: usize, step: &Step, base: Vec<String>, values: &ScriptValues) {
    let mut args = base;
    args.extend(
        step.certrenew
            .iter()
            .flatten()
            .map(|a| substituted(a, values)),
    );
    let stdin = match (&step.password, &step.stdin) {
        (Some(p), _) => {
            args.push("--password-stdin".into());
            Some(format!("{p}\n"))
        }
        (None, Some(raw)) => Some(raw.clone()),
        (None, None) => None,
    };
    let command = if step.disk_full {
        // What the harness does: a full disk for this process alone, every
        // write of a byte failing (SIGXFSZ ignored, so the call returns an error).
        format!(
            "sh -c 'trap \"\" XFSZ; ulimit -f 0; exec \"$0\" \"$@\"' \"$CERTRENEW\" {}",
            args.join(" ")
        )
    } else {
        format!("\"$CERTRENEW\" {}", args.join(" "))
    };
    if !step.unreachable.is_empty() {
        let hosts: Vec<&str> = step.unreachable.iter().map(|h| h.as_str()).collect();
        let _ = writeln!(
            s,
            "# blocked: {} point at 127.0.0.1:1, where nothing listens (the harness uses a bound, non-listening port)",
            hosts.join(", ")
        );
    }
    match stdin {
        Some(text) => match text.strip_suffix('\n').filter(|t| !t.contains('\n')) {
            Some(line) => {
                let _ = writeln!(s, "printf '%s\\n' {} | {command}", quote(line));
            }
            None => {
                let _ = writeln!(s, "printf '%s' {} | {command}", quote(&text));
            }
        },
        None => {
            let _ = writeln!(s, "{command} < /dev/null");
        }
    }
    let _ = writeln!(s, "echo \"step {n}: exit $?\"");
}

fn admin_call(s: &mut String, n: usize, method: &str, path: &str, body: Option<serde_json::Value>) {
    let mut args = vec![
        "curl".to_owned(),
        "-fsS".into(),
        "-o".into(),
        "/dev/null".into(),
        "-X".into(),
        method.to_owned(),
        "-H".into(),
        "\"$AUTH\"".into(),
    ];
    if let Some(b) = body {
        args.extend([
            "-H".into(),
            quote("content-type: application/json"),
            "--data".into(),
            quote(&b.to_string()),
        ]);
    }
    args.push(format!("\"$ADMIN\"{}", quote(path)));
    let _ = writeln!(
        s,
        "{} && echo \"step {n}: ok\" || echo \"step {n}: failed\"",
        args.join(" ")
    );
}

/// A token no other script shares (not a secret: the admin API is on
/// loopback and lives as long as the script).
fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish()
}

/// The step results a script printed (`step N: exit X` -> (N, "exit X")).
pub fn step_results(output: &str) -> Vec<(usize, String)> {
    output
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("step ")?;
            let (n, what) = rest.split_once(": ")?;
            Some((n.parse().ok()?, what.trim().to_owned()))
        })
        .collect()
}

/// Writes the script, executable.
pub fn write_script(path: &Path, text: &str) -> Result<(), ReproError> {
    let file = |source| ReproError::File {
        path: path.to_path_buf(),
        source,
    };
    std::fs::write(path, text).map_err(file)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(file)?;
    }
    Ok(())
}
