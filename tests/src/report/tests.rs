use std::time::Duration;

use super::*;

fn sample() -> Vec<CaseReport> {
    let step = StepRecord {
        step: "certrenew renew".into(),
        command: Some("certrenew renew --password-stdin".into()),
        exit: Some(5),
        stderr: "550:証明書ファイルは取得できませんでした。認証に失敗しました。\n<&>\u{1}".into(),
        journal: vec!["webra2 POST /login -> 403 E550A wrong_password".into()],
        ..Default::default()
    };
    vec![
        CaseReport {
            name: "a".into(),
            story: "s & t".into(),
            reproduces: vec!["D6.4".into()],
            manual: None,
            outcome: Outcome::Failed {
                failures: vec![Failure {
                    at: "scenarios/a.toml:12".into(),
                    step: 1,
                    what: "exit".into(),
                    expected: "0".into(),
                    got: "5".into(),
                }],
            },
            steps: vec![step],
            elapsed: Duration::from_millis(12),
            redactions: Redactions::default(),
            skipped: Vec::new(),
            faults: FaultSummary {
                names: vec!["repo1-hang".into()],
                seed: Some(42),
                seed_in_file: false,
                random: true,
            },
        },
        CaseReport {
            name: "b".into(),
            story: "pending one".into(),
            reproduces: vec!["D7.3".into()],
            manual: None,
            outcome: Outcome::Pending {
                reason: "needs \"faults\"".into(),
            },
            steps: vec![],
            elapsed: Duration::ZERO,
            redactions: Redactions::default(),
            skipped: Vec::new(),
            faults: FaultSummary::default(),
        },
    ]
}

#[test]
fn redaction_names_known_values_and_hides_volatile_ones() {
    let known = Redactions {
        literals: vec![
            ("/tmp/certrenew-case-x".into(), "[work]".into()),
            (
                "0123456789abcdef0123456789abcdef".into(),
                "[serial:acme]".into(),
            ),
        ],
    };
    let text = "/tmp/certrenew-case-x/store serial 0123456789abcdef0123456789abcdef other 0fedcba98765432100112233445566ff\n\
                拇印 D45CC820 1FD94D0F F0866092 8529023F CCAE21D3 at 2026-11-25T21:38:20Z on 127.0.0.1:40123 in 0.08 秒 (12 ms)\n\
                {\"ticket\":\"9rrdjMIECJFiJDCStC52e3-2w22W8-32Vn2f-gpzXHI\",\"subject\":\"CN=a\"}";
    let r = redact(text, &known);
    assert_eq!(
        r,
        "[work]/store serial [serial:acme] other [serial]\n\
                拇印 [sha1] at [time] on 127.0.0.1:[port] in [elapsed] ([elapsed])\n\
                {\"ticket\":\"[ticket]\",\"subject\":\"CN=a\"}"
    );
}

#[test]
fn junit_escapes_and_counts() {
    let x = junit(&sample(), Duration::from_millis(20)).unwrap();
    let suite = x.lines().find(|l| l.contains("<testsuite ")).unwrap();
    assert!(
        [
            "tests=\"2\"",
            "failures=\"1\"",
            "skipped=\"1\"",
            "errors=\"0\""
        ]
        .iter()
        .all(|a| suite.contains(a)),
        "{x}"
    );
    assert!(
        x.contains("<skipped message=\"needs &quot;faults&quot;\"/>"),
        "{x}"
    );
    assert!(x.contains("&lt;&amp;&gt;") && !x.contains('\u{1}'), "{x}");
    assert!(x.contains("scenarios/a.toml:12: step 1: exit"), "{x}");
    assert!(
        x.contains("<property name=\"fault_seed\" value=\"42\"/>"),
        "{x}"
    );
}

/// JUnit XML as a CI system reads it: python's XML parser (a second
/// implementation) must accept it, and the counts must be the
/// document's, not just substrings of it.
#[test]
fn junit_is_well_formed_xml_with_the_right_counts() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("junit.xml");
    std::fs::write(&file, junit(&sample(), Duration::from_millis(20)).unwrap()).unwrap();
    let script = r#"
import sys, xml.dom.minidom
doc = xml.dom.minidom.parse(sys.argv[1])
suites = doc.getElementsByTagName("testsuite")
cases = doc.getElementsByTagName("testcase")
print(len(suites), suites[0].getAttribute("tests"), suites[0].getAttribute("failures"),
  len(cases), len(doc.getElementsByTagName("failure")), len(doc.getElementsByTagName("skipped")))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&file)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "not well-formed XML: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1 2 1 2 1 1");
}

#[test]
fn table_and_html_show_results() {
    let t = table(&sample(), Duration::from_millis(20));
    assert!(t.contains("FAILED") && t.contains("pending"), "{t}");
    assert!(t.contains("2 cases: 0 passed, 1 failed, 1 pending"), "{t}");
    assert!(t.contains("12ms  seed 42"), "{t}");
    let h = html(&sample(), Duration::from_millis(20));
    assert!(h.contains("<h2 id=\"a\">") && h.contains("wrong_password") && h.contains("s &amp; t"));
    assert!(
        !h.contains("<script") && !h.contains("http"),
        "self-contained, no network"
    );
}
