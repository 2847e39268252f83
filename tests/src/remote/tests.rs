use std::path::Path;
use std::time::Duration;

use super::*;

const GOOD: &str = r#"
name = "lab RA"
[hosts]
webra2 = "127.0.0.1:8443"
webra1 = "127.0.0.1:8444"
repo1 = "127.0.0.1:8080"
repository = "127.0.0.1:8081"
[trust]
web_root = "web-root.pem"
client_root_sha1 = "0123456789abcdef0123456789abcdef01234567"
"#;

#[test]
fn a_profile_without_capabilities_reads_and_resolves_paths_beside_it() {
    let p = Profile::from_toml(Path::new("/etc/lab/target.toml"), GOOD);
    let p = p.map_err(|e| e.to_string());
    assert!(p.is_ok(), "{p:?}");
    if let Ok(p) = p {
        assert_eq!(p.capabilities, Capabilities::default());
        assert_eq!(p.trust.web_root, Path::new("/etc/lab/web-root.pem"));
        assert_eq!(p.timeouts.connect_ms, 3_000);
    }
}

#[test]
fn unknown_keys_and_hosts_are_file_line_column_errors() {
    let text = format!("{GOOD}colour = \"red\"\n");
    let err = Profile::from_toml(Path::new("t.toml"), &text)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    // GOOD ends inside `[trust]`: the unknown key is its line 11.
    assert!(err.starts_with("t.toml:11:1: "), "{err}");
    assert!(err.contains("colour"), "{err}");
    let text = GOOD.replace("repository =", "repositry =");
    let err = Profile::from_toml(Path::new("t.toml"), &text)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.starts_with("t.toml:7:13: unknown host `repositry`"),
        "{err}"
    );
}

#[test]
fn a_provisioned_identity_takes_its_password_from_exactly_one_place_never_the_profile() {
    let base =
        format!("{GOOD}\n[[identity]]\nname = \"acme\"\ncert = \"c.pem\"\nkey = \"k.pem\"\n");
    let both = format!("{base}password_env = \"P\"\npassword_file = \"p.txt\"\n");
    let err = Profile::from_toml(Path::new("t.toml"), &both)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.starts_with(
            "t.toml:12:1: identity `acme`: give exactly one of password_env and password_file"
        ),
        "{err}"
    );
    let neither = Profile::from_toml(Path::new("t.toml"), &base)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(neither.contains("give exactly one"), "{neither}");
    let inline = format!("{base}password = \"hunter22\"\n");
    let err = Profile::from_toml(Path::new("t.toml"), &inline)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.starts_with("t.toml:16:") && err.contains("unknown field `password`"),
        "{err}"
    );
    let ok = Profile::from_toml(
        Path::new("/lab/t.toml"),
        &format!("{base}password_env = \"P\"\n"),
    );
    let ok = ok.map_err(|e| e.to_string());
    assert!(
        ok.as_ref()
            .is_ok_and(|p| p.identity[0].cert == Path::new("/lab/c.pem")),
        "{ok:?}"
    );
}

#[test]
fn capabilities_need_an_admin_api() {
    let text = format!("{GOOD}[capabilities]\njournal = true\n");
    let err = Profile::from_toml(Path::new("t.toml"), &text)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("need an [admin] table"), "{err}");
}

#[test]
fn a_host_that_does_not_answer_is_named_within_the_timeout() {
    // A port bound but not listening refuses at once.
    let socket = std::net::TcpListener::bind("127.0.0.1:0");
    let Ok(socket) = socket else { return };
    let port = socket.local_addr().map(|a| a.port()).unwrap_or(9);
    drop(socket);
    let text = GOOD.replace("127.0.0.1:8443", &format!("127.0.0.1:{port}"));
    let Ok(p) = Profile::from_toml(Path::new("t.toml"), &text) else {
        panic!("profile");
    };
    let started = std::time::Instant::now();
    let err = p
        .check_reachable()
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.starts_with("target host webra2 (127.0.0.1:"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
}
