//! Helpers shared by the integration tests: a real rustls client for the
//! mock's hosts (real hostnames kept for SNI through `resolve`), login and
//! issuance calls, CSRs made by rcgen from the login's `subject_der`, and
//! openssl as an independent verifier.

// Test support: a failed unwrap is a failed test.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use certs_gen::{Identity, KeyType};
use fileformat::Offset;
use mock_ra::{AccountSpec, Cause, Host, JournalEntry, MockRa, Role, World};
use rcgen::{CertificateParams, DistinguishedName, DnType, DnValue, KeyPair};
use reqwest::StatusCode;
use rustls::client::{ClientSessionMemoryCache, ClientSessionStore, Resumption};
use serde_json::{Value, json};
use time::OffsetDateTime;
use x509_parser::prelude::FromDer;

#[allow(unused_imports)] // the console's binary, which shares this module, does not confirm
pub use mock_ra::protocol::{
    CERTIFICATE_PATH as CERTIFICATE, CONFIRM_PATH as CONFIRM, LOGIN_PATH as LOGIN,
};

// The manual's messages, written here again on purpose: the tests check
// that the mock answers the manual's words, not its own constants.
pub const E550A: &str = "550:証明書ファイルは取得できませんでした。認証に失敗しました。";
pub const E550F: &str = "550:証明書ファイルは取得できませんでした。証明書が作成されていないか、もしくは既に証明書を取得済みです。";
pub const ENOCERT: &str = "証明書がありません。";

/// Now, in whole seconds: the frozen clock of most tests. Real time, so the
/// client (which checks the servers' certificates at real time) is happy.
pub fn now() -> OffsetDateTime {
    certs_gen::truncate_to_seconds(OffsetDateTime::now_utc())
}

pub fn off(s: &str) -> Offset {
    Offset::parse(s).unwrap()
}

/// A world frozen at `now` with the given accounts.
pub fn world(now: OffsetDateTime, accounts: Vec<AccountSpec>) -> World {
    let mut w = World::default().frozen_at(now);
    w.accounts = accounts;
    w
}

/// An account with one certificate ending at `now + expires`.
pub fn account(id: &str, password: &str, expires: &str) -> AccountSpec {
    AccountSpec::new(id, password, off(expires))
}

/// A world from TOML text (so tests also exercise the file format).
pub fn world_toml(text: &str) -> World {
    World::from_toml("test.toml", text).unwrap()
}

/// The library's client configuration ([`MockRa::client_tls`]: trusts
/// only the web root, presents `identity` when given) keeping sessions in
/// `store`.
pub fn tls_config(
    mock: &MockRa,
    identity: Option<&Identity>,
    store: Option<Arc<dyn ClientSessionStore>>,
) -> rustls::ClientConfig {
    let mut config = mock.client_tls(identity).unwrap();
    config.resumption = match store {
        Some(s) => Resumption::store(s),
        None => Resumption::store(Arc::new(ClientSessionMemoryCache::new(32))),
    };
    config
}

/// A reqwest client for every host of `mock`, under the real hostnames.
pub fn client(mock: &MockRa, identity: Option<&Identity>) -> reqwest::Client {
    client_with_store(mock, identity, None)
}

pub fn client_with_store(
    mock: &MockRa,
    identity: Option<&Identity>,
    store: Option<Arc<dyn ClientSessionStore>>,
) -> reqwest::Client {
    // The library's client (every host's real name mapped to the mock),
    // with this session store.
    mock.client_builder(identity)
        .unwrap()
        .tls_backend_preconfigured(tls_config(mock, identity, store))
        .build()
        .unwrap()
}

pub fn webra2(mock: &MockRa, path: &str) -> String {
    mock.url(Host::Webra2, path)
}

pub fn webra1(mock: &MockRa, path: &str) -> String {
    mock.url(Host::Webra1, path)
}

pub fn repo1(mock: &MockRa, path: &str) -> String {
    mock.url(Host::Repo1, path)
}

pub fn repository(mock: &MockRa, path: &str) -> String {
    mock.url(Host::Repository, path)
}

pub async fn json_of(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

pub async fn login(c: &reqwest::Client, mock: &MockRa, password: &str) -> (StatusCode, Value) {
    let resp = c
        .post(webra2(mock, LOGIN))
        .json(&json!({ "password": password }))
        .send()
        .await
        .unwrap();
    json_of(resp).await
}

pub async fn issue(
    c: &reqwest::Client,
    mock: &MockRa,
    ticket: &str,
    csr: &str,
) -> (StatusCode, Value) {
    let resp = c
        .post(webra2(mock, CERTIFICATE))
        .json(&json!({ "ticket": ticket, "csr": csr }))
        .send()
        .await
        .unwrap();
    json_of(resp).await
}

/// A DN rebuilt from the DER the login returned, attribute by attribute
/// with the same string types, as a client would.
pub fn dn_from_der(der: &[u8]) -> DistinguishedName {
    use x509_parser::der_parser::asn1_rs::Tag;
    let (_, name) = x509_parser::x509::X509Name::from_der(der).unwrap();
    let mut dn = DistinguishedName::new();
    for rdn in name.iter() {
        for attr in rdn.iter() {
            let oid: Vec<u64> = attr.attr_type().iter().unwrap().collect();
            let value = attr.attr_value();
            let text = std::str::from_utf8(value.data).unwrap();
            let v = match value.header.tag() {
                Tag::PrintableString => DnValue::PrintableString(text.try_into().unwrap()),
                Tag::Utf8String => DnValue::Utf8String(text.to_owned()),
                other => panic!("unexpected string type {other:?}"),
            };
            dn.push(DnType::from_oid(&oid), v);
        }
    }
    dn
}

/// A CSR (base64 DER) for a new key of `key_type` with the login's subject.
pub fn csr(subject_der_b64: &str, key_type: KeyType) -> (KeyPair, String) {
    let der = STANDARD.decode(subject_der_b64).unwrap();
    let key = key_type.generate().unwrap();
    let csr = csr_with_key(&der, &key);
    (key, csr)
}

/// A CSR (base64 DER) for `key` with the subject `subject_der`.
pub fn csr_with_key(subject_der: &[u8], key: &KeyPair) -> String {
    let mut params = CertificateParams::default();
    params.distinguished_name = dn_from_der(subject_der);
    let req = params.serialize_request(key).unwrap();
    STANDARD.encode(req.der())
}

/// The journal entries of one role that were requests (not handshakes).
pub fn requests(mock: &MockRa, role: Role) -> Vec<JournalEntry> {
    mock.journal()
        .into_iter()
        .filter(|e| e.role == role && !e.method.is_empty())
        .collect()
}

/// The last request journaled for `role`.
pub fn last(mock: &MockRa, role: Role) -> JournalEntry {
    requests(mock, role)
        .pop()
        .unwrap_or_else(|| panic!("no {role:?} request in the journal: {:#?}", mock.journal()))
}

/// Asserts a refusal: status, class, the manual's exact title, and the
/// journal's cause and account for the request.
pub fn assert_refused(
    mock: &MockRa,
    got: &(StatusCode, Value),
    status: u16,
    class: &str,
    cause: Cause,
    account: Option<&str>,
) {
    let (s, body) = got;
    assert_eq!(s.as_u16(), status, "status; body {body}");
    assert_eq!(body["class"], class, "class; body {body}");
    assert_eq!(body["status"], status, "body status; body {body}");
    assert_eq!(
        body["type"],
        format!("urn:certrenew:problem:{class}"),
        "type; body {body}"
    );
    let title = match class {
        "E550A" => Some(E550A),
        "E550F" => Some(E550F),
        "ENOCERT" => Some(ENOCERT),
        _ => None,
    };
    if let Some(t) = title {
        assert_eq!(body["title"], t, "title");
    }
    let e = last(mock, Role::Webra2);
    assert_eq!(e.cause, cause, "journal cause; entry {e:#?}");
    assert_eq!(e.class.map(|c| c.as_str()), Some(class), "journal class");
    assert_eq!(e.status, Some(status));
    assert_eq!(e.account.as_deref(), account, "journal account");
    // The cause never leaks into the body (D7.2).
    assert!(!body.to_string().contains(cause.as_str()) || cause.as_str() == class);
}

/// Runs openssl; returns (success, stdout + stderr).
pub fn openssl(args: &[&str], dir: &Path) -> (bool, String) {
    let out = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl must be installed");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

pub fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// Logs in with `identity` and `password`, sends a fresh CSR: the whole
/// renewal. Returns the issuance's answer.
pub async fn renew(mock: &MockRa, identity: &Identity, password: &str) -> (StatusCode, Value) {
    let c = client(mock, Some(identity));
    let (status, body) = login(&c, mock, password).await;
    assert_eq!(status, 200, "login: {body}");
    let (_, csr_b64) = csr(body["subject_der"].as_str().unwrap(), identity.key_type);
    issue(&c, mock, body["ticket"].as_str().unwrap(), &csr_b64).await
}

/// A running `mock-ra serve`, killed when dropped (also when a test fails
/// half way); `line` is its ready line, `text` that line as printed.
pub struct Served {
    pub child: std::process::Child,
    pub line: Value,
    pub text: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `mock-ra serve ARGS` (the built binary) and waits, 60 s at most,
/// for its ready line; without one, the panic shows what it said on stderr.
pub fn serve<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(args: &[S]) -> Served {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_mock-ra"))
        .arg("serve")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let text = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(line) if !line.is_empty() => line,
        other => {
            let _ = child.kill();
            let mut err = String::new();
            let _ = child.stderr.take().unwrap().read_to_string(&mut err);
            panic!("mock-ra serve {args:?}: no ready line ({other:?}); stderr:\n{err}");
        }
    };
    let line: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    Served { child, line, text }
}

/// A CSR (base64 DER) for a new RSA key of `bits` bits and public exponent
/// `exponent`, made and signed by openssl (aws-lc makes neither a small
/// exponent nor every size), with the subject `subject_der`. openssl reads
/// it back and verifies its signature, so only the key can be refused.
pub fn openssl_rsa_csr(subject_der: &[u8], bits: u32, exponent: u32) -> String {
    use certs_gen::der_tlv as der;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.pem");
    let key_s = key.to_str().unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    run(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        &format!("rsa_keygen_bits:{bits}"),
        "-pkeyopt",
        &format!("rsa_keygen_pubexp:{exponent}"),
        "-out",
        key_s,
    ]);
    let spki = run(&["pkey", "-in", key_s, "-pubout", "-outform", "DER"]);
    let info = der(
        0x30,
        &[
            der(0x02, &[0]),
            subject_der.to_vec(),
            spki,
            vec![0xa0, 0x00],
        ]
        .concat(),
    );
    let tbs = dir.path().join("info.der");
    std::fs::write(&tbs, &info).unwrap();
    let signature = run(&["dgst", "-sha256", "-sign", key_s, tbs.to_str().unwrap()]);
    // sha256WithRSAEncryption, NULL parameters.
    let algorithm = der(
        0x30,
        &[
            der(
                0x06,
                &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b],
            ),
            vec![0x05, 0x00],
        ]
        .concat(),
    );
    let bit_string = der(0x03, &[&[0u8][..], &signature].concat());
    let csr = der(0x30, &[info, algorithm, bit_string].concat());
    let file = dir.path().join("csr.der");
    std::fs::write(&file, &csr).unwrap();
    let text = run(&[
        "req",
        "-inform",
        "DER",
        "-in",
        file.to_str().unwrap(),
        "-verify",
        "-noout",
        "-text",
    ]);
    assert!(
        String::from_utf8_lossy(&text).contains(&format!("({bits} bit)")),
        "{}",
        String::from_utf8_lossy(&text)
    );
    STANDARD.encode(csr)
}
