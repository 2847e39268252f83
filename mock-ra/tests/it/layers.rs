//! mock-ra's modules form a DAG: no module imports one that imports it back.
//! Reads every `src/**/*.rs`, collects its `crate::`, `super::`, `self::`
//! and child-module paths outside `#[cfg(test)]`, resolves each to the
//! module file it names, and fails naming a cycle. Run it with
//! `cargo test -p mock-ra --test it layers::`.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module path (`faults::kind`; the crate root is `crate`) of each source
/// file, with its text.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, prefix: &[String], out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
            if path.is_dir() {
                let mut p = prefix.to_vec();
                p.push(stem.clone());
                walk(&path, &p, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let mut p = prefix.to_vec();
                if stem != "mod" && !(prefix.is_empty() && stem == "lib") {
                    p.push(stem.clone());
                }
                if prefix.is_empty() && stem == "main" {
                    continue; // the binary: a separate crate on top
                }
                let name = if p.is_empty() {
                    "crate".to_owned()
                } else {
                    p.join("::")
                };
                out.insert(name, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &[],
        &mut out,
    );
    out
}

/// The text before the first `#[cfg(test)]`, without comments.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path a use tree starting at `s` names (`a::{b, c::d}` gives
/// `a::b`, `a::c::d`), and how many bytes it took.
fn tree(s: &[u8], prefix: &str, out: &mut Vec<String>) -> usize {
    let mut i = 0;
    let mut path = prefix.to_owned();
    loop {
        while i < s.len() && s[i].is_ascii_whitespace() {
            i += 1;
        }
        if i < s.len() && s[i] == b'{' {
            i += 1;
            loop {
                i += tree(&s[i..], &path, out);
                while i < s.len() && s[i].is_ascii_whitespace() {
                    i += 1;
                }
                match s.get(i) {
                    Some(b',') => i += 1,
                    Some(b'}') => return i + 1,
                    _ => return i,
                }
                while i < s.len() && s[i].is_ascii_whitespace() {
                    i += 1;
                }
                if s.get(i) == Some(&b'}') {
                    return i + 1;
                }
            }
        }
        let start = i;
        while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == b'_') {
            i += 1;
        }
        let ident = std::str::from_utf8(&s[start..i]).unwrap();
        if !ident.is_empty() {
            if !path.is_empty() {
                path.push_str("::");
            }
            path.push_str(ident);
        }
        if s[i..].starts_with(b"::") {
            i += 2;
        } else {
            out.push(path);
            return i;
        }
    }
}

/// The module a path names: its longest prefix that is a module.
fn resolve(path: &str, known: &BTreeMap<String, String>) -> Option<String> {
    let parts: Vec<&str> = path.split("::").collect();
    (1..=parts.len())
        .rev()
        .map(|n| parts[..n].join("::"))
        .find(|p| known.contains_key(p))
        .or_else(|| Some("crate".to_owned()))
}

fn edges(known: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph = BTreeMap::new();
    for (module, text) in known {
        let code = code(text);
        let bytes = code.as_bytes();
        let own: Vec<&str> = if module == "crate" {
            vec![]
        } else {
            module.split("::").collect()
        };
        let parent = own[..own.len().saturating_sub(1)].join("::");
        let mut targets = BTreeSet::new();
        let mut i = 0;
        while i < bytes.len() {
            let boundary = i == 0
                || !(bytes[i - 1].is_ascii_alphanumeric()
                    || bytes[i - 1] == b'_'
                    || bytes[i - 1] == b':');
            let rest = &bytes[i..];
            let base = if !boundary {
                None
            } else if rest.starts_with(b"crate::") {
                Some((String::new(), 7))
            } else if rest.starts_with(b"super::") {
                Some((parent.clone(), 7))
            } else if rest.starts_with(b"self::") {
                Some((own.join("::"), 6))
            } else if rest.starts_with(b"use ")
                && !["crate::", "super::", "self::", "std::"]
                    .iter()
                    .any(|p| rest[4..].trim_ascii_start().starts_with(p.as_bytes()))
            {
                // `use child::…` in 2018+ names a child module.
                Some((own.join("::"), 4))
            } else {
                None
            };
            let Some((base, skip)) = base else {
                // A bare `child::item` names a child module too.
                let end = i + bytes[i..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                    .count();
                if boundary && end > i && bytes[end..].starts_with(b"::") {
                    let ident = &code[i..end];
                    let child = if own.is_empty() {
                        ident.to_owned()
                    } else {
                        format!("{}::{ident}", own.join("::"))
                    };
                    if known.contains_key(&child) {
                        targets.insert(child);
                    }
                }
                i = end.max(i + 1);
                continue;
            };
            let mut paths = Vec::new();
            let used = tree(&bytes[i + skip..], &base, &mut paths);
            for p in paths {
                let p = if p.is_empty() { "crate".to_owned() } else { p };
                let relative = skip == 4;
                if relative
                    && !known.contains_key(
                        p.split("::")
                            .take(own.len() + 1)
                            .collect::<Vec<_>>()
                            .join("::")
                            .as_str(),
                    )
                {
                    continue;
                }
                if relative && p.split("::").count() <= own.len() {
                    continue;
                }
                if let Some(target) = resolve(&p, known)
                    && target != *module
                    && !(relative && target == "crate")
                {
                    targets.insert(target);
                }
            }
            i += skip + used.max(1);
        }
        graph.insert(module.clone(), targets);
    }
    graph
}

/// A cycle of the graph, if there is one.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_owned(), 1);
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()) {
                Some(1) => {
                    let from = stack.iter().position(|n| n == next).unwrap();
                    let mut c = stack[from..].to_vec();
                    c.push(next.clone());
                    return Some(c);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(next, graph, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(node.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if !state.contains_key(node)
            && let Some(c) = visit(node, graph, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

#[test]
fn the_use_tree_reader_finds_nested_paths() {
    let mut out = Vec::new();
    tree(b"a::{b, c::{d, e}}, x;", "", &mut out);
    assert_eq!(out, ["a::b", "a::c::d", "a::c::e"]);
    let mut g = BTreeMap::new();
    g.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    g.insert("b".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert_eq!(cycle(&g).unwrap(), ["a", "b", "a"]);
}

#[test]
fn the_modules_form_no_cycle() {
    let known = modules();
    assert!(known.contains_key("hosts::webra2") && known.contains_key("net::faults::http"));
    let graph = edges(&known);
    // The crate root declares and re-exports everything: it is the top,
    // and a module that names `crate::X` for a re-export closes a cycle.
    assert!(
        graph["crate"].contains("world"),
        "the crate root imports its modules"
    );
    if std::env::var_os("LAYERS_PRINT").is_some() {
        for (m, t) in &graph {
            println!(
                "{m} -> {}",
                t.iter().cloned().collect::<Vec<_>>().join(", ")
            );
        }
    }
    if let Some(c) = cycle(&graph) {
        panic!("module cycle: {}", c.join(" -> "));
    }
}
