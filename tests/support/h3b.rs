//! What the harness's client end-to-end tests share (`crash_matrix`,
//! `terminal`, `store_damage`): the real mock in-process with one account
//! whose certificate expired ten days ago, the real `certrenew` binary, and
//! a look into the store. Each test file includes it with `#[path]`.

// Test support: a panic here is a failed test, which is what an unwrap
// means; not every test file uses every helper.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use certs_gen::Identity;
use harness::process::{Run, clean_env, locate_binary, run_with_timeout};
use mock_ra::{MockRa, OrderState, World};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// The account's login password (test data).
pub const PASSWORD: &str = "Acme-2026-pass";
/// The passphrase of the PKCS#12 bundles the tests import.
pub const P12_PASS: &str = "p12-secret";
/// The one account of [`WORLD`].
pub const ACCOUNT: &str = "acme";

/// One account, its certificate expired ten days ago: renewable now.
pub const WORLD: &str = r#"
[[account]]
id = "acme"
cn = "ACME Trading acme"
password = "Acme-2026-pass"

[[account.certificate]]
expires = "-10d"
"#;

/// The real mock of `WORLD` plus `extra` (more world tables), with the web
/// root written where `--server-ca` can read it.
pub struct Ra {
    pub mock: MockRa,
    pub dir: tempfile::TempDir,
}

impl Ra {
    pub async fn start(extra: &str) -> Self {
        let world = World::from_toml("h3b world", &format!("{WORLD}{extra}")).unwrap();
        let mock = MockRa::start(world).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("web-root.pem"), mock.pki().web_root.pem()).unwrap();
        Self { mock, dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The mock's own ready-line arguments: server CA, host mappings,
    /// pinned root.
    pub fn args(&self) -> Vec<String> {
        self.mock.certrenew_args(&self.path("web-root.pem"))
    }

    /// The account's certificate, key and chain.
    pub fn old(&self) -> Identity {
        self.mock.identity(ACCOUNT).unwrap()
    }

    pub fn old_serial(&self) -> String {
        self.old().info().unwrap().serial
    }

    /// The account's identity as a PKCS#12 file (passphrase [`P12_PASS`]).
    pub fn old_p12(&self) -> PathBuf {
        let path = self.path("old.p12");
        if !path.is_file() {
            std::fs::write(&path, self.old().to_pkcs12(P12_PASS, ACCOUNT).unwrap()).unwrap();
        }
        path
    }

    /// Every certificate the RA signed for a renewal of the account, DER,
    /// in the ledger's order.
    pub fn issued(&self) -> Vec<Vec<u8>> {
        self.mock
            .account(ACCOUNT)
            .unwrap()
            .certificates
            .iter()
            .filter(|c| c.origin == "renewal")
            .map(|c| {
                CertificateDer::from_pem_slice(c.pem.as_bytes())
                    .unwrap()
                    .to_vec()
            })
            .collect()
    }

    pub fn order(&self) -> OrderState {
        self.mock.account(ACCOUNT).unwrap().order
    }

    /// How many requests reached `path` (on any host).
    pub fn requests_to(&self, path: &str) -> usize {
        self.mock
            .journal()
            .iter()
            .filter(|e| e.path == path)
            .count()
    }
}

/// The built `certrenew` (rebuilt first if its sources are newer).
pub fn certrenew_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        locate_binary("certrenew", "client", "CERTRENEW_BIN").unwrap_or_else(|e| panic!("{e}"))
    })
    .clone()
}

/// `certrenew ARGS` with `stdin`, in the environment every harness child
/// gets (no proxy), killed after two minutes.
pub async fn certrenew(args: &[String], stdin: &str) -> Run {
    let (args, stdin) = (args.to_vec(), stdin.to_owned());
    tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(certrenew_bin());
        clean_env(&mut cmd).args(&args);
        let run = run_with_timeout(cmd, Some(&stdin), Duration::from_secs(120));
        assert!(!run.timed_out, "certrenew {args:?} did not finish in time");
        run
    })
    .await
    .unwrap()
}

/// The store, the RA's arguments, then the command and its flags.
pub fn cmd(ra: &Ra, store: &Path, rest: &[&str]) -> Vec<String> {
    let mut a = vec!["--store".to_owned(), store.display().to_string()];
    a.extend(ra.args());
    a.extend(rest.iter().map(|s| (*s).to_owned()));
    a
}

/// Imports the account's identity into `store` through the real binary.
pub async fn import_old(ra: &Ra, store: &Path) {
    let p12 = ra.old_p12().display().to_string();
    let out = certrenew(
        &cmd(ra, store, &["import", "--p12", &p12, "--passphrase-stdin"]),
        &format!("{P12_PASS}\n"),
    )
    .await;
    assert_eq!(out.exit, Some(0), "import: {}", out.stderr);
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
pub fn failure_message(run: &Run) -> Option<String> {
    run.stderr
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
