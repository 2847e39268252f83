//! What the harness's client end-to-end tests share (`client_renewal`,
//! `client_texts`, `client_confirm_session`, `crash_matrix`, `terminal`,
//! `store_damage`, `repositories`): the real mock in-process with one
//! account whose certificate expired ten days ago (plus whatever world
//! tables a test adds), the files a customer would have (web root, client
//! root, the old identity as PKCS#12), the real `certrenew` binary run with
//! the mock's ready-line arguments, and what the server side did, read from
//! the mock's journal and ledger. A plain module of the one test binary
//! (`tests/it/main.rs`): `use crate::support::*`.

// Test support: a panic here is a failed test, which is what an unwrap means.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use certs_gen::Identity;
use harness::process::{Run, clean_env, locate_binary, run_with_timeout};
use mock_ra::protocol::{CERTIFICATE_PATH, LOGIN_PATH};
use mock_ra::{FaultSpec, MockRa, OrderState, Role, World};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// The account's password (the one in force at notAfter - 28 days).
pub const PASSWORD: &str = "pass-as-of-28-days-before";
/// The passphrase of `old.p12`.
pub const P12_PASS: &str = "p12-secret";
/// The one account of the world.
pub const ACCOUNT: &str = "user01";

/// The real mock with one account, and the files a customer would have.
pub struct Ra {
    pub mock: MockRa,
    /// The account's (old) identity.
    pub old: Identity,
    dir: tempfile::TempDir,
}

/// The world every test starts from: one account, its certificate expired
/// ten days ago (renewable now).
pub const WORLD: &str = r#"
[[account]]
id = "user01"
password = "pass-as-of-28-days-before"

[[account.certificate]]
expires = "-10d"
"#;

impl Ra {
    /// A mock on the real clock with [`WORLD`].
    pub async fn start() -> Ra {
        Ra::with_world("").await
    }

    /// A mock on the real clock with [`WORLD`] plus `extra` (more world
    /// tables: identities, accounts).
    pub async fn with_world(extra: &str) -> Ra {
        let world = World::from_toml("test world", &format!("{WORLD}{extra}")).unwrap();
        let mock = MockRa::start(world).await.unwrap();
        let old = mock.identity(ACCOUNT).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let pki = mock.pki();
        std::fs::write(dir.path().join("web-root.pem"), pki.web_root.pem()).unwrap();
        std::fs::write(dir.path().join("client-root.pem"), pki.client_root.pem()).unwrap();
        std::fs::write(
            dir.path().join("old.p12"),
            old.to_pkcs12(P12_PASS, ACCOUNT).unwrap(),
        )
        .unwrap();
        Ra { mock, old, dir }
    }

    /// A file of the customer's (beside the mock's public files).
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The old identity as a PKCS#12 file (passphrase [`P12_PASS`]).
    pub fn old_p12(&self) -> PathBuf {
        self.path("old.p12")
    }

    /// The old certificate's serial, as `list` shows it.
    pub fn old_serial(&self) -> String {
        self.old.info().unwrap().serial
    }

    /// The ready-line arguments: server CA, host mappings, pinned root.
    pub fn args(&self) -> Vec<String> {
        self.mock.certrenew_args(&self.path("web-root.pem"))
    }

    /// The account's renewal order now.
    pub fn order(&self) -> OrderState {
        self.mock.account(ACCOUNT).unwrap().order
    }

    /// Logins webra2 received (any outcome).
    pub fn logins(&self) -> usize {
        self.webra2_posts(LOGIN_PATH)
    }

    /// Issuance requests webra2 received (any outcome).
    pub fn issuance_requests(&self) -> usize {
        self.webra2_posts(CERTIFICATE_PATH)
    }

    fn webra2_posts(&self, path: &str) -> usize {
        self.mock
            .journal()
            .iter()
            .filter(|e| e.role == Role::Webra2 && e.method == "POST" && e.path == path)
            .count()
    }

    /// Renewal certificates the RA signed for the account.
    pub fn issued(&self) -> u32 {
        self.mock
            .orders()
            .iter()
            .find(|o| o.account == ACCOUNT)
            .map_or(0, |o| o.renewals)
    }

    /// The renewal certificates the RA signed, PEM, oldest first.
    pub fn issued_pems(&self) -> Vec<String> {
        self.mock
            .account(ACCOUNT)
            .unwrap()
            .certificates
            .into_iter()
            .filter(|c| c.origin == "renewal")
            .map(|c| c.pem)
            .collect()
    }

    /// The renewal certificates the RA signed, DER, oldest first.
    pub fn issued_ders(&self) -> Vec<Vec<u8>> {
        self.issued_pems()
            .iter()
            .map(|pem| {
                CertificateDer::from_pem_slice(pem.as_bytes())
                    .unwrap()
                    .to_vec()
            })
            .collect()
    }

    /// How many requests reached `path` (on any host).
    pub fn requests_to(&self, path: &str) -> usize {
        self.mock
            .journal()
            .iter()
            .filter(|e| e.path == path)
            .count()
    }

    /// Requests to `path` on the role (with their faults, if any).
    pub fn requests(&self, role: Role, path: &str) -> usize {
        self.mock
            .journal()
            .iter()
            .filter(|e| e.role == role && e.path == path)
            .count()
    }

    /// Puts a fault in force, written as in a case file.
    pub fn fault(&self, toml_text: &str) {
        let spec: FaultSpec = toml::from_str(toml_text).unwrap();
        self.mock.add_fault(spec).unwrap();
    }
}

/// The built `certrenew` (rebuilt when the client's sources are newer).
pub fn certrenew_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| locate_binary("certrenew", "client", "CERTRENEW_BIN").unwrap())
}

/// Runs `certrenew` with `args`, writing `stdin` to it.
pub async fn certrenew(args: &[String], stdin: &str) -> Run {
    let args = args.to_vec();
    let stdin = stdin.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(certrenew_bin());
        cmd.args(&args);
        clean_env(&mut cmd);
        let run = run_with_timeout(cmd, Some(&stdin), Duration::from_secs(120));
        assert!(!run.timed_out, "certrenew did not finish: {args:?}");
        run
    })
    .await
    .unwrap()
}

/// `--store`, the RA's arguments, then the command and its flags.
pub fn cmd(ra: &Ra, store: &Path, rest: &[&str]) -> Vec<String> {
    let mut a = vec!["--store".to_owned(), store.display().to_string()];
    a.extend(ra.args());
    a.extend(rest.iter().map(|s| (*s).to_owned()));
    a
}

/// `args` with the mapping of `host` pointed at a port nothing listens on.
pub fn unreachable(mut args: Vec<String>, host: &str) -> Vec<String> {
    let i = args
        .iter()
        .position(|a| a.starts_with(&format!("{host}:")))
        .unwrap();
    let port = if host.starts_with("webra") { 443 } else { 80 };
    args[i] = format!("{host}:{port}:127.0.0.1:{}", dead_port());
    args
}

/// A port nothing listens on.
pub fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Imports the account's old identity from `old.p12`.
pub async fn import_old(ra: &Ra, store: &Path) {
    let p12 = ra.old_p12().display().to_string();
    let out = certrenew(
        &cmd(ra, store, &["import", "--p12", &p12, "--passphrase-stdin"]),
        &format!("{P12_PASS}\n"),
    )
    .await;
    assert_eq!(out.exit, Some(0), "import: {}", out.stderr);
}

/// A store in a fresh directory with the account's old identity imported:
/// the directory (which the caller keeps alive) and the store's path.
pub async fn store_with_old(ra: &Ra) -> (tempfile::TempDir, PathBuf) {
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    import_old(ra, &store).await;
    (work, store)
}

/// `renew --password-stdin --yes` with the account's password.
pub async fn renew(ra: &Ra, store: &Path) -> Run {
    certrenew(
        &cmd(ra, store, &["renew", "--password-stdin", "--yes"]),
        &format!("{PASSWORD}\n"),
    )
    .await
}

/// Fails the test unless `strace` runs here: a test that needs it is not
/// passed by skipping it (CI installs strace).
pub fn require_strace() {
    let runs = Command::new("strace")
        .arg("-V")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        runs,
        "this test needs strace on the PATH and permission to trace (apt-get install strace)"
    );
}

/// Standard output parsed as JSON.
pub fn json(o: &Run) -> serde_json::Value {
    serde_json::from_str(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", o.stdout))
}

/// Whether `line` is one of D4.4's progress lines (stderr, text mode).
pub fn is_progress(line: &str) -> bool {
    line.starts_with("処理中: ") || line.starts_with("working: ")
}

/// Whether `line` is `renew`'s line naming the certificate it presents.
pub fn is_presenting(line: &str) -> bool {
    line.starts_with("使用する証明書: ") || line.starts_with("certificate presented: ")
}

/// The class message of a failure: the first stderr line that is neither
/// a progress line nor the presented certificate.
pub fn failure_message(o: &Run) -> Option<String> {
    o.stderr
        .lines()
        .find(|l| !is_progress(l) && !is_presenting(l))
        .map(str::to_owned)
}

/// The identity directories of a store.
pub fn identity_dirs(store: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(store.join("identities"))
        .map(|r| {
            r.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}
