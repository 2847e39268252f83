//! The `certs-gen` binary as a user runs it.

use std::process::Command;

fn certs_gen(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_certs-gen"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn default_run_writes_the_ready_identities_and_a_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pki");
    let (code, stdout, stderr) = certs_gen(&["--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("client-CA root SHA-1: "), "{stdout}");
    for name in [
        "valid",
        "expired-10d",
        "expired-89d23h",
        "expired-90d",
        "expired-400d",
        "not-yet-valid",
        "revoked",
        "foreign-ca",
    ] {
        for file in [
            "cert.pem",
            "cert.der",
            "key.pem",
            "chain.pem",
            "identity.p12",
        ] {
            assert!(
                out.join("clients").join(name).join(file).is_file(),
                "{name}/{file}"
            );
        }
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let sha1 = manifest["client_root_sha1"].as_str().unwrap();
    assert!(stdout.contains(sha1));
    assert_eq!(sha1.len(), 44, "five groups of 8 and four spaces: {sha1}");

    // A second run into the same directory refuses rather than mixing two PKIs.
    let (code, _, stderr) = certs_gen(&["--out", out.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("is not empty") && stderr.contains("--force"),
        "{stderr}"
    );

    // --force replaces the earlier PKI whole, and leaves other files alone.
    std::fs::write(out.join("notes.txt"), b"mine").unwrap();
    let (code, _, stderr) = certs_gen(&[
        "--out",
        out.to_str().unwrap(),
        "--force",
        "--client",
        "alice=-1d",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(out.join("clients/alice/cert.pem").is_file());
    assert!(
        !out.join("clients/valid").exists(),
        "an old identity stayed"
    );
    assert_eq!(std::fs::read(out.join("notes.txt")).unwrap(), b"mine");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let listed: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    // Every certificate file on disk is in the new manifest.
    for entry in walk(&out) {
        let rel = entry
            .strip_prefix(&out)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        if rel.ends_with(".pem") || rel.ends_with(".der") || rel.ends_with(".p12") {
            assert!(listed.contains(&rel.as_str()), "{rel} not in the manifest");
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn client_flags_replace_the_default_set() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = certs_gen(&[
        "--out",
        dir.path().to_str().unwrap(),
        "--now",
        "2026-11-25T00:00:00Z",
        "--client",
        "alice=-10d",
        "--client",
        "bob=+300d",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("notAfter 2026-11-15T00:00:00Z"), "{stdout}");
    assert!(stdout.contains("notAfter 2027-09-21T00:00:00Z"), "{stdout}");
    assert!(!dir.path().join("clients/valid").exists());
}

#[test]
fn bad_input_is_a_precise_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pki");
    let spec = dir.path().join("spec.toml");
    std::fs::write(&spec, "key_type = \"dsa\"\n").unwrap();
    let (code, _, stderr) = certs_gen(&[
        "--out",
        out.to_str().unwrap(),
        "--spec",
        spec.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("spec.toml:1:12: unknown variant `dsa`"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing is written on a bad spec");

    // What serde cannot check is located too: the key at fault, quoted.
    for (text, want) in [
        (
            "[[client]]\nname = \"a\"\nexpires = \"-1d\"\n[[client]]\nname = \"a\"\nexpires = \"-2d\"\n",
            "spec.toml:5:8: client name `a` is used twice",
        ),
        (
            "[[client]]\nname = \"../x\"\nexpires = \"-1d\"\n",
            "spec.toml:2:8: client name `../x`",
        ),
        (
            "[[client]]\nname = \"b\"\nexpires = \"-1d\"\nlifetime = \"-5d\"\n",
            "spec.toml:4:12: client `b`: validity ends before it starts",
        ),
        (
            "now = \"1999-01-01T00:00:00Z\"\n",
            "spec.toml:1:7: now: 1999-01-01T00:00:00Z is outside the years",
        ),
    ] {
        std::fs::write(&spec, text).unwrap();
        let (code, _, stderr) = certs_gen(&[
            "--out",
            out.to_str().unwrap(),
            "--spec",
            spec.to_str().unwrap(),
        ]);
        assert_eq!(code, 1, "{text}");
        assert!(stderr.contains(want), "{text}: {stderr}");
        assert!(stderr.contains("  | "), "the line is quoted: {stderr}");
        assert!(!out.exists(), "{text}: nothing is written");
    }

    let (code, _, stderr) = certs_gen(&["--out", out.to_str().unwrap(), "--client", "alice"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("expected NAME=EXPIRES"), "{stderr}");
    let (code, _, stderr) = certs_gen(&["--out", out.to_str().unwrap(), "--now", "yesterday"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("expected RFC 3339"), "{stderr}");
    assert!(!out.exists());
}
