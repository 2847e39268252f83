//! World-file errors never show a password (fileformat's masking rule):
//! the key `pass`, a line inside a multi-line password, a password in an
//! array, whatever the error and wherever it points.

// Test support: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use mock_ra::World;

#[test]
fn world_file_errors_mask_every_form_of_a_password() {
    let cert = "[[account.certificate]]\nexpires = \"-10d\"\n";
    let cases = [
        // The key `pass` (a typo of `password`): unknown field, its line quoted.
        format!("[[account]]\nid = \"a\"\npass = \"Hunter2-pass\"\n{cert}"),
        // A multi-line password, then an error on its second line (a
        // stray key inside it, as the parser sees it once a quote is lost).
        format!("[[account]]\nid = \"a\"\npassword = \"\"\"\nHunter2-pass\n\"\"\" x\n{cert}"),
        // A multi-line literal password that never closes.
        "[[account]]\nid = \"a\"\npassword = \'\'\'\nHunter2-pass\nmore\n".to_owned(),
        // A password of the wrong type (an array), its elements quoted back.
        format!("[[account]]\nid = \"a\"\npassword = [\"Hunter2-pass\"]\n{cert}"),
        // A bad time in a password change, on the password's line.
        format!(
            "[[account]]\nid = \"a\"\npassword = \"x\"\npassword_change = [{{ at = \"soon\", password = \"Hunter2-pass\" }}]\n{cert}"
        ),
        // A bare password (a number) under `pass`.
        format!("[[account]]\nid = \"a\"\npass = 20261125\n{cert}"),
    ];
    for text in &cases {
        let err = World::from_toml("w.toml", text).unwrap_err().to_string();
        assert!(err.starts_with("w.toml:"), "{err}");
        assert!(
            !err.contains("Hunter2") && !err.contains("20261125"),
            "{text}\n{err}"
        );
    }
}
