use super::*;

#[test]
fn every_password_a_case_names_is_redacted_from_its_reports() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/password-of-28-days-before.toml");
    let text = std::fs::read_to_string(&path).expect("the case file");
    let ids = ["D2.1", "D6.4", "E550A"].map(String::from).into();
    let case = Case::parse(&path, text, &ids).expect("the case parses");
    let known = crate::report::Redactions {
        literals: password_redactions(&case.world, &case),
    };
    let shown = crate::report::redact(
        "typed Acme-2026-pass, then Changed-later-1; the target said Changed-later-1",
        &known,
    );
    assert_eq!(
        shown,
        "typed [password], then [password]; the target said [password]"
    );
}
