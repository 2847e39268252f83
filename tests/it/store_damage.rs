//! A damaged store never makes certrenew panic or lose anything: each file
//! of a stored identity (certificate, key, chain, meta.json) and the trust
//! list, damaged in small seeded ways, and `list`, `roots` and `renew` must
//! still end with one of the documented exit codes, and the other files
//! must be as they were. The renewals go to the real mock, in-process.

// Test support: a panic here is a failed test, which is what an unwrap means.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use crate::support::*;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

/// The seed of the damage: Xoshiro256++ is portable, so a failure replays
/// exactly from it on any machine.
const SEED: u64 = 0x5eed_0003;

fn damage(bytes: &[u8], draw: &mut Xoshiro256PlusPlus) -> Vec<u8> {
    let mut out = bytes.to_vec();
    match draw.random_range(0..4) {
        0 => out.truncate(draw.random_range(0..bytes.len().max(1))),
        1 => {
            for _ in 0..=draw.random_range(0..4) {
                let i = draw.random_range(0..out.len().max(1));
                out[i] ^= 1 << draw.random_range(0..8_u32);
            }
        }
        2 => {
            let i = draw.random_range(0..out.len().max(1));
            out.splice(i..i, b"\n-----BEGIN CERTIFICATE-----\n".iter().copied());
        }
        _ => out = vec![0xff; draw.random_range(0..64)],
    }
    out
}

/// Every regular file under `dir`, with its content.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != ".lock") {
                let bytes = std::fs::read(&p).unwrap();
                out.push((p, bytes));
            }
        }
    }
    out.sort();
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_store_gives_a_documented_exit_never_a_panic() {
    let ra = Ra::start().await;
    let work = tempfile::tempdir().unwrap();
    let pristine = work.path().join("pristine");
    import_old(&ra, &pristine).await;
    let root = ra.mock.pki().client_root.pem();
    let root_file = work.path().join("root.pem");
    std::fs::write(&root_file, &root).unwrap();
    let out = certrenew(
        &cmd(
            &ra,
            &pristine,
            &["roots", "add", "--yes", root_file.to_str().unwrap()],
        ),
        "",
    )
    .await;
    assert_eq!(out.exit, Some(0), "{}", out.stderr);
    let files: Vec<PathBuf> = snapshot(&pristine).into_iter().map(|(p, _)| p).collect();
    assert!(files.len() >= 4, "{files:?}");

    let documented = [0, 3, 4, 5, 6, 7, 8];
    let mut draw = Xoshiro256PlusPlus::seed_from_u64(SEED);
    for round in 0..24 {
        let store = work.path().join(format!("store-{round}"));
        copy_dir(&pristine, &store);
        let target = &files[draw.random_range(0..files.len().max(1))];
        let target = store.join(target.strip_prefix(&pristine).unwrap());
        let damaged = damage(&std::fs::read(&target).unwrap(), &mut draw);
        std::fs::write(&target, &damaged).unwrap();
        let before = snapshot(&store);
        for args in [
            vec!["list", "--offline", "--all", "--excluded"],
            vec!["roots"],
            vec!["--output", "json", "list", "--offline"],
            vec!["renew", "--password-stdin", "--yes"],
        ] {
            let out = certrenew(&cmd(&ra, &store, &args), &format!("{PASSWORD}\n")).await;
            let code = out.exit;
            let text = format!("{}{}", out.stdout, out.stderr);
            assert!(
                code.is_some_and(|c| documented.contains(&c)),
                "seed {SEED:#x}, round {round}, {} damaged, {args:?}: exit {code:?}\n{text}",
                target.display()
            );
            assert!(
                !text.contains("panicked"),
                "seed {SEED:#x}, round {round} {args:?}: {text}"
            );
        }
        // Nothing that was there is gone or changed (a renewal may add).
        let after = snapshot(&store);
        for (path, bytes) in &before {
            let now = after.iter().find(|(p, _)| p == path);
            assert_eq!(
                now.map(|(_, b)| b),
                Some(bytes),
                "seed {SEED:#x}, round {round}: {} changed or lost",
                path.display()
            );
        }
    }
}
