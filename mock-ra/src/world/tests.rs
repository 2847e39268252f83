//! The world file's checks, one case at a time.

use super::*;

const GOOD: &str = r#"
[pki]
key_type = "p256"

[clock]
now = "2026-11-25T00:00:00Z"
frozen = true

[policy]
lock_threshold = 3

[[account]]
id = "alice"
password = "pw1"
[[account.password_change]]
at = "-20d"
password = "pw2"
[[account.certificate]]
expires = "-100d"
[[account.certificate]]
expires = "-10d"

[[identity]]
name = "stranger"
expires = "+10d"
ca = "foreign"
"#;

#[test]
fn a_full_world_parses_with_its_defaults() {
    let w = World::from_toml("w.toml", GOOD).unwrap();
    assert_eq!(w.policy.lock_threshold, 3);
    assert_eq!(w.policy.renewal_window, Offset(Duration::days(90)));
    let a = &w.accounts[0];
    assert_eq!(a.common_name(), "alice");
    assert_eq!(
        a.statuses(),
        vec![CertStatus::Reissued, CertStatus::Current]
    );
    assert_eq!(a.certificate_names(), vec!["alice-1", "alice"]);
    assert_eq!(w.identities[0].name, "stranger");
    assert!(w.clock.frozen);
}

#[test]
fn case_client_and_step_are_ignored_but_nothing_else() {
    let text = format!(
        "[case]\nid = \"x\"\n[client]\nidentities = []\n[[step]]\nrun = \"renew\"\n[[fault]]\nhost = \"repo1\"\nkind = \"hang\"\n{GOOD}"
    );
    let w = World::from_toml("c.toml", &text).unwrap();
    assert_eq!(w.faults.len(), 1);
    let err = World::from_toml("c.toml", "[cases]\nid = 1\n")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("c.toml:1:"), "{err}");
    assert!(err.contains("unknown field `cases`"), "{err}");
    let err = World::from_toml(
        "c.toml",
        "[[account]]\nid = \"a\"\npassword = \"p\"\npasword = \"q\"\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("c.toml:4:1: unknown field `pasword`"),
        "{err}"
    );
}

#[test]
fn bad_values_name_their_line() {
    let err = World::from_toml(
            "w.toml",
            "[[account]]\nid = \"a\"\npassword = \"p\"\n[[account.certificate]]\nexpires = \"10 days\"\n",
        )
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("w.toml:5:11: invalid time offset"), "{err}");
    let err = World::from_toml(
            "w.toml",
            "[[account]]\nid = \"a\"\npassword = \"p\"\norder = \"done\"\n[[account.certificate]]\nexpires = \"-1d\"\n",
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("w.toml:4:9: unknown variant `done`"),
        "{err}"
    );
}

#[test]
fn duplicates_point_at_the_second_one() {
    let text = "[[account]]\nid = \"a\"\npassword = \"p\"\n[[account.certificate]]\nexpires = \"-1d\"\n\
                    [[account]]\nid = \"a\"\npassword = \"q\"\n[[account.certificate]]\nexpires = \"-1d\"\n";
    let err = World::from_toml("w.toml", text).unwrap_err().to_string();
    assert!(
        err.starts_with("w.toml:7:6: account id `a` is used twice"),
        "{err}"
    );
    let text = "[[account]]\nid = \"a\"\npassword = \"p\"\n[[account.certificate]]\nexpires = \"-1d\"\n\
                    [[identity]]\nname = \"a\"\nexpires = \"+1d\"\n";
    let err = World::from_toml("w.toml", text).unwrap_err().to_string();
    assert!(
        err.starts_with("w.toml:7:8: identity name `a` is used twice"),
        "{err}"
    );
}

#[test]
fn an_account_needs_exactly_one_current_certificate() {
    let text = "[[account]]\nid = \"a\"\npassword = \"p\"\n";
    let err = World::from_toml("w.toml", text).unwrap_err().to_string();
    assert!(err.contains("has no certificate"), "{err}");
    let text = "[[account]]\nid = \"a\"\npassword = \"p\"\n[[account.certificate]]\nexpires = \"-1d\"\nstatus = \"renewed\"\n";
    let err = World::from_toml("w.toml", text).unwrap_err().to_string();
    assert!(err.contains("0 current certificates"), "{err}");
}

#[test]
fn faults_parse_with_their_schedule_and_seed() {
    let text = "[faults]\nseed = 42\n\n[[fault]]\nname = \"flaky\"\nhost = \"repo1\"\npath = \"/sppca/*\"\nkind = \"status\"\nstatus = 503\nretry_after = 1\nfrom = 2\nto = 3\nprobability = 0.5\n\n[[fault]]\nhost = \"webra2\"\nkind = \"commit_then_lose\"\n";
    let w = World::from_toml("w.toml", text).unwrap();
    assert_eq!(w.fault_settings.seed, Some(42));
    assert_eq!(w.faults.len(), 2);
    assert_eq!(w.faults[0].status, Some(503));
    assert_eq!(w.faults[1].kind, crate::faults::FaultKind::CommitThenLose);
}

#[test]
fn bad_faults_name_file_line_and_column() {
    let cases = [
        // unknown key
        (
            "[[fault]]\nhost = \"repo1\"\nkind = \"hang\"\nhots = 1\n",
            "w.toml:4:1: unknown field `hots`",
        ),
        // unknown kind
        (
            "[[fault]]\nhost = \"repo1\"\nkind = \"explode\"\n",
            "w.toml:3:8: unknown variant `explode`",
        ),
        // unknown host
        (
            "[[fault]]\nhost = \"admin\"\nkind = \"hang\"\n",
            "w.toml:2:8: unknown variant `admin`",
        ),
        // a parameter the kind does not take
        (
            "[[fault]]\nhost = \"repo1\"\nkind = \"hang\"\nms = 5\n",
            "w.toml:4:6: hang does not take `ms`",
        ),
        // a missing parameter points at the kind
        (
            "[[fault]]\nhost = \"repo1\"\nkind = \"latency\"\n",
            "w.toml:3:8: latency needs `ms`",
        ),
        // a TLS fault on a plain-HTTP host
        (
            "[[fault]]\nhost = \"repo1\"\nkind = \"tls_expired\"\n",
            "w.toml:2:8: tls_expired needs an HTTPS host",
        ),
        // a schedule refuse cannot have
        (
            "[[fault]]\nhost = \"repo1\"\nkind = \"refuse\"\ntimes = 2\n",
            "w.toml:4:9: refuse takes no schedule",
        ),
        // a bad probability
        (
            "[[fault]]\nhost = \"repo1\"\nkind = \"reset\"\nprobability = 2.0\n",
            "w.toml:4:15: probability 2: expected",
        ),
        // a path where there are none
        (
            "[[fault]]\nhost = \"repo1\"\nkind = \"reset\"\npath = \"/x\"\n",
            "w.toml:4:8: reset takes no `path`",
        ),
        // a bad seed
        ("[faults]\nseed = \"x\"\n", "w.toml:2:8: invalid type"),
        // two faults with one name
        (
            "[[fault]]\nname = \"a\"\nhost = \"repo1\"\nkind = \"reset\"\n[[fault]]\nname = \"a\"\nhost = \"repo1\"\nkind = \"hang\"\n",
            "w.toml:6:8: fault name `a` is used twice",
        ),
    ];
    for (text, want) in cases {
        let err = World::from_toml("w.toml", text).unwrap_err().to_string();
        assert!(err.starts_with(want), "want {want}\n got {err}");
    }
}

#[test]
fn clock_now_may_be_a_toml_date_time_or_a_string() {
    let want = time::macros::datetime!(2026-11-25 00:00:00 UTC);
    for text in [
        "[clock]\nnow = 2026-11-25T00:00:00Z\n",
        "[clock]\nnow = \"2026-11-25T00:00:00Z\"\n",
        "[clock]\nnow = 2026-11-25T09:00:00+09:00\nfrozen = true\n",
    ] {
        let w = World::from_toml("w.toml", text).unwrap();
        assert_eq!(w.clock.now, Some(want), "{text}");
    }
    // No offset: no instant. The error names the place and the fix.
    for (text, shown) in [
        (
            "[clock]\nnow = 2026-11-25T00:00:00\n",
            "2026-11-25T00:00:00",
        ),
        ("[clock]\nnow = 2026-11-25\n", "2026-11-25"),
    ] {
        let err = World::from_toml("w.toml", text).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!(
                "w.toml:2:7: clock.now `{shown}` has no UTC offset"
            )),
            "{err}"
        );
    }
    let err = World::from_toml("w.toml", "[clock]\nnow = \"yesterday\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("w.toml:2:7: clock.now `yesterday`: expected an RFC 3339"),
        "{err}"
    );
    let err = World::from_toml("w.toml", "[clock]\nnow = 5\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("w.toml:2:7: invalid type: integer"),
        "{err}"
    );
}

#[test]
fn passwords_never_show_in_debug_output() {
    let w = World::from_toml("w.toml", GOOD).unwrap();
    let dbg = format!("{w:?}");
    assert!(!dbg.contains("pw1") && !dbg.contains("pw2"), "{dbg}");
}

#[test]
fn the_readme_example_parses() {
    let readme = include_str!("../../README.md");
    let start = readme.find("```toml\n[pki]").unwrap() + "```toml\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let w = World::from_toml("README.md", &readme[start..end]).unwrap();
    assert_eq!(w.accounts[0].certificate_names(), vec!["acme-old", "acme"]);
}

#[test]
fn the_demo_world_is_valid() {
    World::demo().validate().unwrap();
}

const SEASON: &str = r#"
[[account]]
id = "alice"
password = "pw1"
[[account.certificate]]
expires = "-10d"

[[customers]]
count = 1000
id = "cust{n:04}"
password = "pw-{n}"
expires_from = "-80d"
expires_to = "-1d"
"#;

#[test]
fn generated_customers_are_one_table_with_patterns() {
    let w = World::from_toml("s.toml", SEASON).unwrap();
    assert_eq!(w.account_count(), 1001);
    let spec = &w.customers[0];
    let last = spec.customer(1000).unwrap();
    assert_eq!(last.id, "cust1000");
    assert_eq!(last.cn, "cust1000");
    assert!(last.password.matches("pw-1000"));
    assert_eq!(spec.customer(1).unwrap().expires, Duration::days(-80));
    assert_eq!(last.expires, Duration::days(-1));
}

#[test]
fn generated_customers_errors_name_file_line_and_column() {
    let unknown = SEASON.replace("count = 1000", "count = 1000\ncolour = \"red\"");
    let err = World::from_toml("s.toml", &unknown)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("s.toml:10:"), "{err}");
    assert!(err.contains("unknown field `colour`"), "{err}");
    let zero = SEASON.replace("count = 1000", "count = 0");
    let err = World::from_toml("s.toml", &zero).unwrap_err().to_string();
    assert!(err.starts_with("s.toml:9:"), "{err}");
    assert!(err.contains("customers.count = 0"), "{err}");
    let shared = SEASON.replace("cust{n:04}", "cust");
    let err = World::from_toml("s.toml", &shared).unwrap_err().to_string();
    assert!(err.contains("has no {n}"), "{err}");
    let clash = SEASON
        .replace("cust{n:04}", "alic{n}")
        .replace("count = 1000", "count = 1");
    let clash = clash
        .replace("alic{n}", "alice{n}")
        .replace("id = \"alice\"", "id = \"alice1\"");
    let err = World::from_toml("s.toml", &clash).unwrap_err().to_string();
    assert!(
        err.contains("`alice1` (customer 1), which is used already"),
        "{err}"
    );
    let bad = SEASON.replace("pw-{n}", "pw-{m}");
    let err = World::from_toml("s.toml", &bad).unwrap_err().to_string();
    assert!(err.contains("bad placeholder"), "{err}");
    assert!(!err.contains("pw-{m}"), "the password is not quoted: {err}");
}

#[test]
fn the_harness_keys_come_off_whole_and_world_errors_point_into_the_case_file() {
    let text = "[case]\nname = \"x\"\n[[step]]\nclock = \"+1d\"\n[[customers]]\ncount = 2\n\
                password = \"pw-{n}\"\nexpires_from = \"-1d\"\ncolour = 1\n";
    let mut document = toml::de::DeTable::parse(text).unwrap();
    let harness = World::take_harness_keys(&mut document);
    let keys: Vec<&str> = harness
        .get_ref()
        .keys()
        .map(|k| k.get_ref().as_ref())
        .collect();
    assert_eq!(keys, ["case", "step"]);
    assert_eq!(document.get_ref().len(), 1);
    let err = World::from_document("c.toml", text, document)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("c.toml:9:1: unknown field `colour`"),
        "{err}"
    );
}
