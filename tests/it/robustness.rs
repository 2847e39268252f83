//! Bad input changes nothing and panics nowhere: every case file of the
//! catalogue, damaged in many small ways (truncated, a byte replaced by a
//! TOML-significant one, a line doubled, a number made huge), goes through
//! the case parser and mock-ra's world parser, which must answer Ok or a
//! `file:line` error, never panic.
//!
//! The damage is drawn from a fixed seed, so a failure names a mutation
//! that replays exactly.

// Test support: a panic here is a failed test, which is what an unwrap means.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use harness::case::Case;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

/// The seed of the mutations: Xoshiro256++ is portable, so a failure replays
/// exactly from it on any machine.
const SEED: u64 = 0x5eed_0001;

/// A char boundary of `text` at or before `at`.
fn boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// One small damage to `text`, and what it was.
fn mutate(text: &str, draw: &mut Xoshiro256PlusPlus) -> (String, String) {
    const BYTES: [&str; 18] = [
        "\"", "'", "[", "]", "{", "}", "=", "\n", "#", ",", "-", ".", " ", "9", "x", "é", "\\",
        "[[",
    ];
    const NUMBERS: [&str; 6] = ["99999999999999999999", "-1", "0", "1e400", "-0d", "+7306d"];
    let at = boundary(text, draw.random_range(0..text.len() + 1));
    match draw.random_range(0..5) {
        0 => (text[..at].to_owned(), format!("truncated at byte {at}")),
        1 => {
            let with = BYTES[draw.random_range(0..BYTES.len())];
            let end = boundary(
                text,
                at + text[at..].chars().next().map_or(0, char::len_utf8),
            );
            (
                format!("{}{with}{}", &text[..at], &text[end..]),
                format!("byte {at} replaced by {with:?}"),
            )
        }
        2 => {
            let end = boundary(text, at + draw.random_range(0..40));
            (
                format!("{}{}", &text[..at], &text[end..]),
                format!("bytes {at}..{end} deleted"),
            )
        }
        3 => {
            let lines: Vec<&str> = text.lines().collect();
            let i = draw.random_range(0..lines.len().max(1));
            let mut out: Vec<&str> = lines.clone();
            out.insert(i, lines.get(i).copied().unwrap_or_default());
            (out.join("\n"), format!("line {} doubled", i + 1))
        }
        _ => {
            // A number, or a quoted offset, made extreme.
            let with = NUMBERS[draw.random_range(0..NUMBERS.len())];
            let start = text[at..]
                .find(|c: char| c.is_ascii_digit())
                .map(|i| at + i)
                .unwrap_or(at);
            let end = text[start..]
                .find(|c: char| !c.is_ascii_alphanumeric())
                .map(|i| start + i)
                .unwrap_or(text.len());
            (
                format!("{}{with}{}", &text[..start], &text[end..]),
                format!("bytes {start}..{end} replaced by {with}"),
            )
        }
    }
}

#[test]
fn damaged_case_files_are_errors_never_panics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let known: BTreeSet<String> = std::fs::read_to_string(dir.join("behaviours.toml"))
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix('"').and_then(|l| l.split('"').next()))
        .map(str::to_owned)
        .collect();
    assert!(known.len() > 30, "{known:?}");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "toml")
                && !["behaviours.toml", "pending.toml"]
                    .contains(&p.file_name().unwrap().to_str().unwrap())
        })
        .collect();
    files.sort();
    assert!(files.len() >= 40);

    // Quiet: a panic is reported below with the mutation that caused it.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut draw = Xoshiro256PlusPlus::seed_from_u64(SEED);
    let (mut parsed, mut refused, mut panics) = (0, 0, Vec::new());
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for _ in 0..60 {
            let (damaged, what) = mutate(&text, &mut draw);
            let shown = file.display().to_string();
            let result = catch_unwind(AssertUnwindSafe(|| {
                let world = mock_ra::World::from_toml(&shown, &damaged).is_ok();
                let case = Case::parse(file, damaged.clone(), &known);
                (world, case.map_err(|e| e.to_string()))
            }));
            match result {
                Err(_) => panics.push(format!("{shown}: {what}")),
                Ok((_, Ok(_))) => parsed += 1,
                Ok((_, Err(message))) => {
                    refused += 1;
                    // A refusal names the file, with a line when it can.
                    assert!(
                        message.contains(&shown),
                        "seed {SEED:#x}, {what}: {message}"
                    );
                }
            }
        }
    }
    std::panic::set_hook(hook);
    assert!(
        panics.is_empty(),
        "parsers panicked (seed {SEED:#x}) on:\n{}",
        panics.join("\n")
    );
    // The damage was real: most variants are refused, some still parse.
    assert!(
        refused > parsed,
        "seed {SEED:#x}: refused {refused}, parsed {parsed}"
    );
    assert!(
        parsed > 0,
        "seed {SEED:#x}: refused {refused}, parsed {parsed}"
    );
}
