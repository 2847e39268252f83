//! ARCHITECTURE.md's table from the manual's ids to the code stays true:
//! every documented behaviour has a row, every `file: name` it gives exists
//! and defines or uses that name, and every case it names reproduces the id.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The table's rows: `(id, cells)`.
fn rows() -> Vec<(String, Vec<String>)> {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let section = text
        .split("## From the manual's ids to the code")
        .nth(1)
        .expect("ARCHITECTURE.md has the id table");
    section
        .lines()
        .skip_while(|l| !l.starts_with("| id |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<String> = l
                .trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_owned())
                .collect();
            (cells[0].clone(), cells)
        })
        .collect()
}

fn word_in(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + name.len()..].chars().next();
        let edge = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        edge(before) && edge(after)
    })
}

#[test]
fn every_behaviour_has_a_row_whose_code_and_case_exist() {
    let rows = rows();
    assert!(rows.len() >= 40, "{} rows", rows.len());
    let behaviours: toml::Table = toml::from_str(
        &std::fs::read_to_string(root().join("scenarios/behaviours.toml")).expect("behaviours"),
    )
    .expect("behaviours.toml");
    let ids: BTreeSet<&String> = behaviours["behaviour"]
        .as_table()
        .expect("[behaviour]")
        .keys()
        .collect();
    let listed: BTreeSet<&String> = rows.iter().map(|(id, _)| id).collect();
    let missing: Vec<_> = ids.difference(&listed).collect();
    assert!(missing.is_empty(), "ids without a row: {missing:?}");

    let mut problems = Vec::new();
    for (id, cells) in &rows {
        assert_eq!(cells.len(), 5, "{id}: {cells:?}");
        for cell in &cells[2..4] {
            if cell == "-" {
                continue;
            }
            for entry in cell.split(';') {
                let entry = entry.trim().trim_matches('`');
                let Some((file, names)) = entry.split_once(": ") else {
                    problems.push(format!("{id}: `{entry}` is not `file: name`"));
                    continue;
                };
                let Ok(text) = std::fs::read_to_string(root().join(file)) else {
                    problems.push(format!("{id}: {file} does not exist"));
                    continue;
                };
                for name in names.split(", ") {
                    if !word_in(&text, name) {
                        problems.push(format!("{id}: {file} has no `{name}`"));
                    }
                }
            }
        }
        let case = &cells[4];
        if case != "-" {
            let path = root().join("scenarios").join(format!("{case}.toml"));
            match std::fs::read_to_string(&path) {
                Ok(text) => {
                    let t: toml::Table = toml::from_str(&text).expect("a case file");
                    let reproduces = t["case"]["reproduces"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default();
                    if !reproduces.iter().any(|r| r.as_str() == Some(id)) {
                        problems.push(format!("{id}: case {case} does not reproduce it"));
                    }
                }
                Err(_) => problems.push(format!("{id}: no case {case}")),
            }
        }
    }
    assert!(
        problems.is_empty(),
        "ARCHITECTURE.md's id table:\n{}",
        problems.join("\n")
    );
}
