//! The state directory and the ready line of `mock-ra serve` (DESIGN "The
//! mock's ready line"): one JSON line on stdout once every listener is bound.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use certs_gen::spec::DEFAULT_P12_PASSPHRASE;
use serde::Serialize;

use crate::control::mock::MockRa;
use crate::error::MockError;

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

/// Writes a file of the state directory atomically: the bytes go to a new
/// temporary file beside it (created 0600 when `secret`, so a key is never
/// readable by others, not even for a moment), which is then renamed over
/// `path`. A reader sees the old file or the new one, never half of one;
/// an existing file with looser permissions is replaced, not reused. No
/// fsync: the directory lives as long as the mock.
fn write_atomic(path: &Path, bytes: &[u8], secret: bool) -> Result<(), certs_gen::Error> {
    use std::io::Write;
    let io = |source| certs_gen::Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if secret { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = secret;
    // A fresh name each attempt; create_new never follows or reuses a file.
    let (temp, mut file) = {
        let mut attempt = 0;
        loop {
            let suffix = &crate::ra::tickets::random_token()[..12];
            let temp = dir.join(format!(".{name}.{suffix}.tmp"));
            match options.open(&temp) {
                Ok(f) => break (temp, f),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 8 => {
                    attempt += 1;
                }
                Err(e) => return Err(io(e)),
            }
        }
    };
    let written = file.write_all(bytes).and_then(|()| file.flush());
    drop(file);
    let done = written.and_then(|()| std::fs::rename(&temp, path));
    if done.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    done.map_err(io)
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
    /// Virtual hosting only: `https://ADDR:P`, the shared port of webra2
    /// and webra1 (picked by SNI).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub https: Option<String>,
    /// Virtual hosting only: `http://ADDR:P`, the shared port of repo1 and
    /// repository (picked by `Host`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<String>,
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
    /// How many generated customers (`[[customers]]`) the world has; their
    /// identities are not in the state directory but made on first use
    /// (admin `GET /identities/{id}`). Absent when none.
    #[serde(skip_serializing_if = "is_zero")]
    pub customers: usize,
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
            https: mock.vhost().map(|(https, _)| format!("https://{https}")),
            http: mock.vhost().map(|(_, http)| format!("http://{http}")),
            admin_token: mock.admin_token().to_owned(),
            client_root_sha1: mock.client_root_sha1(),
            web_root_pem: files.web_root_pem.display().to_string(),
            state_dir: files.dir.display().to_string(),
            identities: files
                .identities
                .iter()
                .map(|(n, d)| (n.clone(), d.display().to_string()))
                .collect(),
            customers: mock.generated_customers(),
            demo,
            clock: crate::wire::protocol::rfc3339(mock.now()),
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

fn is_zero(n: &usize) -> bool {
    *n == 0
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
    if let (Some(https), Some(http)) = (&line.https, &line.http) {
        out.push_str(&format!(
            "  virtual hosting: webra2 + webra1 on {https} (by SNI), repo1 + repository on {http} (by Host)\n"
        ));
    }
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

impl MockRa {
    /// Publishes the ready line to the admin API's `GET /ready` (the
    /// console's client commands). The first call wins; the admin token is
    /// never part of the answer.
    pub fn publish_ready(&self, line: &ReadyLine) {
        let _ = self.shared.console.0.set(std::sync::Arc::new(line.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn secrets_are_replaced_atomically_and_are_0600_from_the_start() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("id").join("key.pem");
        std::fs::create_dir_all(key.parent().unwrap()).unwrap();
        std::fs::write(&key, "old, world-readable").unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let before = std::fs::metadata(&key).unwrap();
        write_atomic(&key, b"new secret", true).unwrap();
        let after = std::fs::metadata(&key).unwrap();
        assert_eq!(std::fs::read_to_string(&key).unwrap(), "new secret");
        assert_eq!(after.permissions().mode() & 0o777, 0o600);
        // Renamed into place: a new file, not the old one rewritten.
        use std::os::unix::fs::MetadataExt;
        assert_ne!(before.ino(), after.ino());
        let left: Vec<_> = std::fs::read_dir(key.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, ["key.pem"], "no temporary file is left behind");
        let cert = dir.path().join("cert.pem");
        write_atomic(&cert, b"public", false).unwrap();
        assert_eq!(
            std::fs::metadata(&cert).unwrap().permissions().mode() & 0o077 & !0o044,
            0,
            "a public file is at most 0644"
        );
    }

    #[test]
    fn quoting_leaves_plain_words_alone() {
        assert_eq!(shell_quote("--connect-to"), "--connect-to");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
