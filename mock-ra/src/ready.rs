//! The state directory and the ready line of `mock-ra serve` (DESIGN "The
//! mock's ready line"): one JSON line on stdout once every listener is bound.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use certs_gen::spec::DEFAULT_P12_PASSPHRASE;
use serde::Serialize;

use crate::{MockError, MockRa};

/// What [`write_state_dir`] wrote.
#[derive(Debug, Clone)]
pub struct StateFiles {
    /// The state directory.
    pub dir: PathBuf,
    /// The web root, PEM: the client's `--server-ca`.
    pub web_root_pem: PathBuf,
    /// The client-CA root, PEM.
    pub client_root_pem: PathBuf,
    /// Each identity's directory.
    pub identities: BTreeMap<String, PathBuf>,
}

/// Writes a file of the state directory, creating its directory; secrets
/// are created 0600. No fsync: the directory lives as long as the mock, and
/// nobody reads it before the ready line.
fn write_file(path: &Path, bytes: &[u8], secret: bool) -> Result<(), certs_gen::Error> {
    use std::io::Write;
    let io = |source| certs_gen::Error::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    options
        .open(path)
        .and_then(|mut f| f.write_all(bytes))
        .map_err(io)
}

/// Writes into `dir`: `web-root.pem`, `client-root.pem`, and every identity
/// as `identities/<name>/{cert.pem,key.pem,chain.pem,identity.p12}` (keys
/// and bundles 0600, PKCS#12 passphrase `changeit`).
pub fn write_state_dir(mock: &MockRa, dir: &Path) -> Result<StateFiles, MockError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |e: certs_gen::Error| match e {
            certs_gen::Error::Io { path, source } => MockError::Io { path, source },
            other => MockError::Io {
                path,
                source: std::io::Error::other(other.to_string()),
            },
        }
    };
    let write_atomic = write_file;
    let pki = mock.pki();
    let web_root_pem = dir.join("web-root.pem");
    write_atomic(&web_root_pem, pki.web_root.pem().as_bytes(), false).map_err(io(&web_root_pem))?;
    let client_root_pem = dir.join("client-root.pem");
    write_atomic(&client_root_pem, pki.client_root.pem().as_bytes(), false)
        .map_err(io(&client_root_pem))?;
    let mut identities = BTreeMap::new();
    for (name, identity) in mock.identities() {
        let d = dir.join("identities").join(&name);
        let file = |f: &str| d.join(f);
        write_atomic(&file("cert.pem"), identity.cert_pem().as_bytes(), false)
            .map_err(io(&file("cert.pem")))?;
        write_atomic(&file("key.pem"), identity.key_pem().as_bytes(), true)
            .map_err(io(&file("key.pem")))?;
        write_atomic(&file("chain.pem"), identity.chain_pem().as_bytes(), false)
            .map_err(io(&file("chain.pem")))?;
        let p12 = identity
            .to_pkcs12(DEFAULT_P12_PASSPHRASE, &name)
            .map_err(io(&file("identity.p12")))?;
        write_atomic(&file("identity.p12"), &p12, true).map_err(io(&file("identity.p12")))?;
        identities.insert(name, d);
    }
    Ok(StateFiles {
        dir: dir.to_path_buf(),
        web_root_pem,
        client_root_pem,
        identities,
    })
}

/// The demo world's login, on the ready line only for `World::demo()`.
#[derive(Debug, Clone, Serialize)]
pub struct DemoInfo {
    /// The account id.
    pub account: String,
    /// Its password (a published test value).
    pub password: String,
    /// Its identity directory.
    pub identity: String,
}

/// The ready line.
#[derive(Debug, Clone, Serialize)]
pub struct ReadyLine {
    /// Always `ready`.
    pub event: &'static str,
    /// `https://127.0.0.1:P`
    pub webra2: String,
    /// `https://127.0.0.1:P`
    pub webra1: String,
    /// `http://127.0.0.1:P`
    pub repo1: String,
    /// `http://127.0.0.1:P`
    pub repository: String,
    /// `http://127.0.0.1:P`
    pub admin: String,
    /// `http://127.0.0.1:P`: the forward proxy (`certrenew --proxy URL`).
    pub proxy: String,
    /// Bearer token of the admin API.
    pub admin_token: String,
    /// The client-CA root's SHA-1 in 8-digit groups (D4.5).
    pub client_root_sha1: String,
    /// Path of the web root PEM (the client's `--server-ca`).
    pub web_root_pem: String,
    /// The state directory.
    pub state_dir: String,
    /// Identity name -> its directory.
    pub identities: BTreeMap<String, String>,
    /// The demo login (demo world only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demo: Option<DemoInfo>,
    /// The virtual now, RFC 3339.
    pub clock: String,
    /// Milliseconds from process start to this line.
    pub startup_ms: u128,
    /// The seed of every fault's random draw: give it back with
    /// `--fault-seed` (or `[faults] seed`) to replay the same faults.
    pub fault_seed: u64,
    /// The faults in force at start, by name (`<host>-<kind>` unless named).
    pub faults: Vec<String>,
    /// Arguments that point `certrenew` at this mock.
    pub certrenew_args: Vec<String>,
}

impl ReadyLine {
    /// The line for a started mock and its written state directory.
    pub fn new(
        mock: &MockRa,
        files: &StateFiles,
        demo: Option<DemoInfo>,
        startup_ms: u128,
    ) -> Self {
        let urls = mock.urls();
        Self {
            event: "ready",
            webra2: urls.webra2.clone(),
            webra1: urls.webra1.clone(),
            repo1: urls.repo1.clone(),
            repository: urls.repository.clone(),
            admin: urls.admin.clone(),
            proxy: urls.proxy.clone(),
            admin_token: mock.admin_token().to_owned(),
            client_root_sha1: mock.client_root_sha1(),
            web_root_pem: files.web_root_pem.display().to_string(),
            state_dir: files.dir.display().to_string(),
            identities: files
                .identities
                .iter()
                .map(|(n, d)| (n.clone(), d.display().to_string()))
                .collect(),
            demo,
            clock: crate::rfc3339(mock.now()),
            startup_ms,
            fault_seed: mock.fault_seed(),
            faults: mock.faults().faults.into_iter().map(|f| f.name).collect(),
            certrenew_args: mock.certrenew_args(&files.web_root_pem),
        }
    }

    /// The line as JSON, no newline.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Quotes an argument for a POSIX shell when it needs it.
pub fn shell_quote(arg: &str) -> String {
    if !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@+,".contains(c))
    {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// The human hint printed on stderr after the ready line.
pub fn hint(line: &ReadyLine) -> String {
    let args: Vec<String> = line.certrenew_args.iter().map(|a| shell_quote(a)).collect();
    let args = args.join(" ");
    let mut out = String::new();
    out.push_str("mock-ra is ready.\n");
    out.push_str(&format!(
        "  webra2 {}  webra1 {}  repo1 {}  repository {}\n  admin {} (Authorization: Bearer {})\n",
        line.webra2, line.webra1, line.repo1, line.repository, line.admin, line.admin_token
    ));
    out.push_str(&format!(
        "  proxy {} (certrenew --proxy {})\n  client-CA root SHA-1: {}\n  state: {}\n",
        line.proxy, line.proxy, line.client_root_sha1, line.state_dir
    ));
    if !line.faults.is_empty() {
        out.push_str(&format!(
            "  faults in force: {} (seed {}; admin GET /faults)\n",
            line.faults.join(", "),
            line.fault_seed
        ));
    }
    let (identity, password) = match &line.demo {
        Some(d) => (Some(d.identity.clone()), d.password.clone()),
        None => (line.identities.values().next().cloned(), "PASSWORD".into()),
    };
    if let Some(dir) = identity {
        let file = |name: &str| shell_quote(&Path::new(&dir).join(name).display().to_string());
        out.push_str("\nTry it:\n");
        out.push_str(&format!(
            "  certrenew {args} import --cert {} --key {} --chain {}\n",
            file("cert.pem"),
            file("key.pem"),
            file("chain.pem")
        ));
        out.push_str(&format!(
            "  printf '%s\\n' {} | certrenew {args} renew --password-stdin --yes\n",
            shell_quote(&password)
        ));
        let port = line.webra1.rsplit(':').next().unwrap_or("443");
        out.push_str(&format!(
            "  curl --cacert {} --cert {} --key {} \\\n       --connect-to webra1.secomtrust.net:443:127.0.0.1:{port} \
             https://webra1.secomtrust.net/scira/doc/ymfg/\n",
            shell_quote(&line.web_root_pem),
            shell_quote(&Path::new(&dir).join("cert.pem").display().to_string()),
            shell_quote(&Path::new(&dir).join("key.pem").display().to_string()),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_leaves_plain_words_alone() {
        assert_eq!(shell_quote("--connect-to"), "--connect-to");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
