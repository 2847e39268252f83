//! The case model: one parse, the harness's keys taken off and the rest a
//! `mock_ra::World`, every error at `file:line:column` of the case file.

use super::*;

fn known() -> BTreeSet<String> {
    ["D1.2".to_owned()].into()
}

fn parse(name: &str, text: &str) -> Result<Case, CaseError> {
    Case::parse(
        Path::new(&format!("{name}.toml")),
        text.to_owned(),
        &known(),
    )
}

/// A case file holding every key of a world file (also run by the
/// harness's CLI tests, and started under `mock-ra serve --scenario`).
const EVERY_WORLD_KEY: &str = include_str!("every-world-key.toml");

#[test]
fn every_world_key_is_valid_in_a_case_file_and_parsed_once() {
    let case = parse("every-world-key", EVERY_WORLD_KEY).expect("the case is valid");
    let world = &case.world;
    assert_eq!(world.policy.lock_threshold, 4);
    assert_eq!(world.account_count(), 4);
    assert_eq!(world.customers[0].count, 3);
    assert_eq!(world.identities[0].name, "stranger");
    assert_eq!(world.faults.len(), 1);
    assert_eq!(world.fault_settings.seed, Some(42));
    assert!(world.clock.frozen);
    let mut keys: Vec<&str> = case.world_tables.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "account",
            "clock",
            "customers",
            "fault",
            "faults",
            "identity",
            "pki",
            "policy"
        ]
    );
    assert_eq!(case.steps.len(), 1);
}

#[test]
fn the_harness_keys_are_exactly_the_harness_part_s_fields() {
    let err = toml::from_str::<RawCase>("zzz = 1\n").unwrap_err();
    let listed = World::HARNESS_KEYS.map(|k| format!("`{k}`")).join(", ");
    assert_eq!(
        err.message(),
        format!("unknown field `zzz`, expected one of {listed}")
    );
}

#[test]
fn an_unknown_key_in_either_part_names_file_line_and_column() {
    // In the world part: at top level and inside a table.
    let text = EVERY_WORLD_KEY.replace("[faults]\n", "[faultz]\n");
    let err = parse("every-world-key", &text).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("every-world-key.toml:34:2: unknown field `faultz`"),
        "{err}"
    );
    assert_eq!(err.path(), Path::new("every-world-key.toml"));
    let text = EVERY_WORLD_KEY.replace("expires_to = ", "expires_too = ");
    let err = parse("every-world-key", &text).unwrap_err().to_string();
    assert!(
        err.starts_with("every-world-key.toml:27:1: unknown field `expires_too`"),
        "{err}"
    );
    // In the harness part: `[case]` and a step's `expect`.
    let text = EVERY_WORLD_KEY.replace("story = ", "storry = ");
    let err = parse("every-world-key", &text).unwrap_err().to_string();
    assert!(
        err.starts_with("every-world-key.toml:3:1: unknown field `storry`"),
        "{err}"
    );
    let text = EVERY_WORLD_KEY.replace("status = 200", "statuss = 200");
    let err = parse("every-world-key", &text).unwrap_err().to_string();
    assert!(
        err.starts_with("every-world-key.toml:46:1: unknown field `statuss`"),
        "{err}"
    );
    // A world check (not serde's) points into the case file too.
    let text = EVERY_WORLD_KEY.replace("lock_threshold = 4", "lock_threshold = 0");
    let err = parse("every-world-key", &text).unwrap_err().to_string();
    assert!(
        err.starts_with("every-world-key.toml:14:18: policy.lock_threshold = 0"),
        "{err}"
    );
}

#[test]
fn a_file_that_cannot_be_read_is_named() {
    let err = Case::load(Path::new("no/such/case.toml"), &known()).unwrap_err();
    assert!(matches!(err, CaseError::Unreadable { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("no/such/case.toml: cannot read: "),
        "{err}"
    );
}
