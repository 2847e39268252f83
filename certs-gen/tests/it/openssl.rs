//! Independent checks: what certs-gen writes is read and verified by the
//! openssl CLI, a second implementation (STYLE 10).

use std::path::Path;
use std::process::Command;

use certs_gen::KeyType;
use certs_gen::export::{Generated, Manifest};
use certs_gen::spec::Spec;
use fileformat::Offset;
use time::OffsetDateTime;

fn openssl(args: &[&str], dir: &Path) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is on the machine (README: prerequisites)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn generate(key_type: KeyType) -> (tempfile::TempDir, Generated, Manifest) {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = Spec::default_set();
    spec.key_type = key_type;
    let generated = Generated::from_spec(&spec).unwrap();
    let manifest = generated.write(dir.path()).unwrap();
    (dir, generated, manifest)
}

fn verify(dir: &Path, leaf: &str, extra: &[&str]) -> (bool, String) {
    let mut args = vec![
        "verify",
        "-CAfile",
        "client-ca/root.pem",
        "-untrusted",
        "client-ca/issuing.pem",
    ];
    args.extend_from_slice(extra);
    args.push(leaf);
    openssl(&args, dir)
}

fn attime_before(generated: &Generated, name: &str, before_end: time::Duration) -> String {
    let client = generated.clients.iter().find(|c| c.name == name).unwrap();
    let t = client.identity.info().unwrap().not_after - before_end;
    t.unix_timestamp().to_string()
}

#[test]
fn openssl_accepts_valid_and_in_window_chains() {
    let (dir, generated, _) = generate(KeyType::P256);
    let d = dir.path();
    let (ok, out) = verify(d, "clients/valid/cert.pem", &[]);
    assert!(ok, "{out}");
    // An expired certificate verifies at a time inside its validity.
    for name in [
        "expired-10d",
        "expired-89d23h",
        "expired-90d",
        "expired-400d",
    ] {
        let at = attime_before(&generated, name, time::Duration::days(1));
        let (ok, out) = verify(d, &format!("clients/{name}/cert.pem"), &["-attime", &at]);
        assert!(ok, "{name}: {out}");
        let (ok, out) = verify(d, &format!("clients/{name}/cert.pem"), &[]);
        assert!(
            !ok && out.contains("expired"),
            "{name} must be expired now: {out}"
        );
    }
    let (ok, out) = verify(d, "clients/not-yet-valid/cert.pem", &[]);
    assert!(!ok && out.contains("not yet valid"), "{out}");
    let (ok, out) = openssl(&["verify", "-CAfile", "web/root.pem", "web/webra2.pem"], d);
    assert!(ok, "{out}");
    let (ok, out) = openssl(
        &[
            "verify",
            "-CAfile",
            "web/root.pem",
            "-verify_hostname",
            "webra1.secomtrust.net",
            "web/webra1.pem",
        ],
        d,
    );
    assert!(ok, "{out}");
}

#[test]
fn openssl_rejects_a_foreign_root_leaf_and_cross_tree_chains() {
    let (dir, _, _) = generate(KeyType::P256);
    let d = dir.path();
    let (ok, out) = verify(d, "clients/foreign-ca/cert.pem", &[]);
    assert!(!ok && out.contains("unable to get local issuer"), "{out}");
    // The two trees never mix: a client certificate does not chain to the web root.
    let (ok, out) = openssl(
        &[
            "verify",
            "-CAfile",
            "web/root.pem",
            "-untrusted",
            "client-ca/issuing.pem",
            "clients/valid/cert.pem",
        ],
        d,
    );
    assert!(!ok, "{out}");
    let (ok, out) = openssl(
        &["verify", "-CAfile", "client-ca/root.pem", "web/webra2.pem"],
        d,
    );
    assert!(!ok, "{out}");
}

#[test]
fn crl_check_rejects_the_revoked_leaf_only() {
    let (dir, generated, _) = generate(KeyType::P256);
    let d = dir.path();
    let crls = [
        std::fs::read_to_string(d.join("client-ca/issuing-crl.pem")).unwrap(),
        std::fs::read_to_string(d.join("client-ca/root-crl.pem")).unwrap(),
    ]
    .concat();
    std::fs::write(d.join("crls.pem"), crls).unwrap();
    let (ok, out) = verify(
        d,
        "clients/valid/cert.pem",
        &["-crl_check_all", "-CRLfile", "crls.pem"],
    );
    assert!(ok, "{out}");
    let (ok, out) = verify(
        d,
        "clients/revoked/cert.pem",
        &["-crl_check_all", "-CRLfile", "crls.pem"],
    );
    assert!(!ok && out.contains("certificate revoked"), "{out}");

    let (ok, text) = openssl(
        &["crl", "-in", "client-ca/issuing-crl.pem", "-noout", "-text"],
        d,
    );
    assert!(ok, "{text}");
    let revoked = generated
        .clients
        .iter()
        .find(|c| c.name == "revoked")
        .unwrap();
    let serial = revoked.identity.info().unwrap().serial.to_uppercase();
    assert!(
        text.contains(&serial),
        "serial {serial} not listed:\n{text}"
    );
    assert!(text.contains("Key Compromise"), "{text}");
    let (ok, text) = openssl(
        &[
            "crl",
            "-in",
            "client-ca/root-crl.der",
            "-inform",
            "DER",
            "-noout",
            "-text",
        ],
        d,
    );
    assert!(ok && text.contains("No Revoked Certificates"), "{text}");
}

#[test]
fn pkcs12_bundles_open_with_openssl() {
    let (dir, _, manifest) = generate(KeyType::P256);
    let d = dir.path();
    let pass = format!("pass:{}", manifest.p12_passphrase);
    let (ok, out) = openssl(
        &[
            "pkcs12",
            "-in",
            "clients/expired-10d/identity.p12",
            "-passin",
            &pass,
            "-nokeys",
            "-info",
        ],
        d,
    );
    assert!(ok, "{out}");
    assert!(out.contains("CN = expired-10d"), "{out}");
    assert!(
        out.contains("CN = CertRenew Test Client Root CA"),
        "chain is in the bundle: {out}"
    );
    let (ok, out) = openssl(
        &[
            "pkcs12",
            "-in",
            "clients/expired-10d/identity.p12",
            "-passin",
            "pass:wrong",
            "-nokeys",
            "-info",
        ],
        d,
    );
    assert!(!ok, "a wrong passphrase must fail: {out}");
}

#[test]
fn manifest_thumbprints_match_openssl() {
    let (dir, _, manifest) = generate(KeyType::P256);
    let d = dir.path();
    let mut checked = 0;
    // Every certificate file of the manifest, PEM and DER alike (a chain
    // file holds several and has no single thumbprint).
    for f in manifest
        .files
        .iter()
        .filter(|f| f.kind == "certificate" && !f.path.ends_with("chain.pem"))
    {
        let Some(info) = &f.certificate else {
            panic!("{}: a certificate file without its details", f.path)
        };
        let form = if f.path.ends_with(".der") {
            "DER"
        } else {
            "PEM"
        };
        let x509 = |what: &[&str]| {
            let mut args = vec!["x509", "-inform", form, "-in", &f.path, "-noout"];
            args.extend_from_slice(what);
            let (ok, out) = openssl(&args, d);
            assert!(ok, "{}: {out}", f.path);
            out
        };
        let hex_of = |out: String| out.trim().rsplit('=').next().unwrap().replace(':', "");
        let sha1 = hex_of(x509(&["-fingerprint", "-sha1"]));
        assert_eq!(sha1, info.sha1.to_uppercase(), "{}", f.path);
        assert_eq!(info.sha1_display.replace(' ', ""), sha1, "{}", f.path);
        assert_eq!(
            hex_of(x509(&["-fingerprint", "-sha256"])),
            info.sha256.to_uppercase(),
            "{}",
            f.path
        );
        assert_eq!(
            x509(&["-serial"])
                .trim()
                .trim_start_matches("serial=")
                .to_lowercase(),
            info.serial,
            "{}",
            f.path
        );
        checked += 1;
    }
    // Roots, issuing CAs, servers and eight identities, each as PEM and DER.
    assert!(checked >= 30, "checked only {checked} certificates");
    assert_eq!(
        manifest.client_root_sha1,
        certs_gen::info::sha1_display(&std::fs::read(d.join("client-ca/root.der")).unwrap())
    );
}

#[test]
fn client_certificates_name_their_ca_and_crl_on_the_vendors_paths() {
    let (dir, _, _) = generate(KeyType::P256);
    let d = dir.path();
    let (ok, text) = openssl(
        &["x509", "-in", "clients/valid/cert.pem", "-noout", "-text"],
        d,
    );
    assert!(ok, "{text}");
    // D8.5: AIA caIssuers on repo1's per-CA path, the CRL beside it.
    assert!(
        text.contains("CA Issuers - URI:http://repo1.secomtrust.net/sppca/testca1/testca1.cer"),
        "{text}"
    );
    assert!(
        text.contains("URI:http://repo1.secomtrust.net/sppca/testca1/testca1.crl"),
        "{text}"
    );
    assert!(text.contains("TLS Web Client Authentication"), "{text}");
    // The issuing CA names the root on repository the same way.
    let (_, text) = openssl(
        &["x509", "-in", "client-ca/issuing.pem", "-noout", "-text"],
        d,
    );
    assert!(
        text.contains("CA Issuers - URI:http://repository.secomtrust.net/"),
        "{text}"
    );
    // openssl agrees the leaf is for TLS client authentication.
    let (ok, out) = verify(d, "clients/valid/cert.pem", &["-purpose", "sslclient"]);
    assert!(ok, "{out}");
}

#[test]
fn a_pkcs12_bundles_key_is_the_certificates() {
    let (dir, _, manifest) = generate(KeyType::P256);
    let d = dir.path();
    let pass = format!("pass:{}", manifest.p12_passphrase);
    let p12 = "clients/expired-10d/identity.p12";
    let (ok, key) = openssl(
        &["pkcs12", "-in", p12, "-passin", &pass, "-nocerts", "-nodes"],
        d,
    );
    assert!(ok, "{key}");
    std::fs::write(d.join("p12-key.pem"), &key).unwrap();
    let (ok, from_key) = openssl(&["pkey", "-in", "p12-key.pem", "-pubout"], d);
    assert!(ok, "{from_key}");
    let (ok, from_cert) = openssl(
        &[
            "x509",
            "-in",
            "clients/expired-10d/cert.pem",
            "-noout",
            "-pubkey",
        ],
        d,
    );
    assert!(ok, "{from_cert}");
    assert_eq!(from_key.trim(), from_cert.trim());
}

#[cfg(unix)]
#[test]
fn private_keys_and_bundles_are_0600() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, _, manifest) = generate(KeyType::P256);
    for f in manifest
        .files
        .iter()
        .filter(|f| f.kind == "key" || f.kind == "pkcs12")
    {
        let mode = std::fs::metadata(dir.path().join(&f.path))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{}", f.path);
    }
}

#[test]
fn rsa2048_pki_verifies_too() {
    let now = OffsetDateTime::now_utc();
    let text = format!(
        "key_type = \"rsa2048\"\nnow = \"{}\"\n[[client]]\nname = \"alice\"\nexpires = \"-10d\"\n",
        now.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    );
    let spec = Spec::from_toml("rsa.toml", &text).unwrap();
    let generated = Generated::from_spec(&spec).unwrap();
    let dir = tempfile::tempdir().unwrap();
    generated.write(dir.path()).unwrap();
    let at = attime_before(&generated, "alice", time::Duration::days(1));
    let (ok, out) = verify(dir.path(), "clients/alice/cert.pem", &["-attime", &at]);
    assert!(ok, "{out}");
    let (_, out) = openssl(
        &["x509", "-in", "clients/alice/cert.pem", "-noout", "-text"],
        dir.path(),
    );
    assert!(
        out.contains("Public-Key: (2048 bit)") && out.contains("sha256WithRSAEncryption"),
        "{out}"
    );
}

#[test]
fn a_csr_signed_by_the_issuing_ca_verifies() {
    let now = OffsetDateTime::now_utc();
    let pki = certs_gen::Pki::generate(KeyType::P256, now).unwrap();
    let key = KeyType::P256.generate().unwrap();
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = pki.client_subject("someone else", None);
    let csr = params.serialize_request(&key).unwrap();
    let subject = pki.client_subject("ACME user01", None);
    let cert = pki
        .sign_client_csr(
            csr.der(),
            subject,
            now,
            now + Offset::parse("365d").unwrap().duration(),
            None,
        )
        .unwrap();
    let info = certs_gen::CertInfo::from_der(&cert).unwrap();
    assert_eq!(info.subject, "CN=ACME user01,O=CertRenew Test Bank,C=JP");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("root.pem"), pki.client_root.pem()).unwrap();
    std::fs::write(dir.path().join("issuing.pem"), pki.issuing_ca.pem()).unwrap();
    std::fs::write(
        dir.path().join("leaf.pem"),
        certs_gen::pem::certificate(&cert),
    )
    .unwrap();
    let (ok, out) = openssl(
        &[
            "verify",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "issuing.pem",
            "-purpose",
            "sslclient",
            "leaf.pem",
        ],
        dir.path(),
    );
    assert!(ok, "{out}");
}
