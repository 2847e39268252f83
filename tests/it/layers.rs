//! Every crate's modules form layers (STYLE 17): no module imports one that
//! imports it back. For each workspace member and each of its roots
//! (`src/lib.rs`, `src/main.rs`), the module tree is followed from the
//! root's `mod` declarations (test-only modules left out), each module's
//! `crate::`, `super::`, `self::` and child-module paths are resolved to
//! the module they name, and a failure names every group of modules that
//! reach each other, one cycle through it, and the line of each of its
//! imports. Run it with `cargo test -p harness --test it layers`
//! (`LAYERS_PRINT=1` prints every module's imports; `LAYERS_WORKSPACE=DIR`
//! checks another checkout).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// Why a crate's modules could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LayersError {
    /// A source file could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// A `mod name;` names no file.
    #[error("{file}: `mod {name};` names neither {name}.rs nor {name}/mod.rs")]
    MissingModule {
        /// The declaring file.
        file: PathBuf,
        /// The module.
        name: String,
    },
}

/// A module of the graph: its path (`faults::kind`; the root is `crate`),
/// its file, and its code with comments and test-only items blanked out
/// (lines kept, so offsets give line numbers).
#[derive(Debug)]
struct Module {
    file: PathBuf,
    code: String,
}

/// The modules of one crate root.
fn modules(root: &Path) -> Result<BTreeMap<String, Module>, LayersError> {
    let mut out = BTreeMap::new();
    let dir = root.parent().unwrap_or(Path::new("")).to_path_buf();
    add(root, dir, "crate".to_owned(), &mut out)?;
    Ok(out)
}

fn add(
    file: &Path,
    children_dir: PathBuf,
    name: String,
    out: &mut BTreeMap<String, Module>,
) -> Result<(), LayersError> {
    let text = std::fs::read_to_string(file).map_err(|source| LayersError::Read {
        path: file.to_path_buf(),
        source,
    })?;
    let code = code(&text);
    for decl in mod_decls(&code) {
        let child_name = if name == "crate" {
            decl.name.clone()
        } else {
            format!("{name}::{}", decl.name)
        };
        let (child_file, child_dir) = match decl.path {
            Some(p) => {
                let f = file.parent().unwrap_or(Path::new("")).join(p);
                let d = f.with_extension("");
                (f, d)
            }
            None => {
                let flat = children_dir.join(format!("{}.rs", decl.name));
                let nested = children_dir.join(&decl.name).join("mod.rs");
                if flat.is_file() {
                    (flat, children_dir.join(&decl.name))
                } else if nested.is_file() {
                    (nested, children_dir.join(&decl.name))
                } else {
                    return Err(LayersError::MissingModule {
                        file: file.to_path_buf(),
                        name: decl.name,
                    });
                }
            }
        };
        add(&child_file, child_dir, child_name, out)?;
    }
    out.insert(
        name,
        Module {
            file: file.to_path_buf(),
            code,
        },
    );
    Ok(())
}

/// A `mod name;` of a file (`#[path = "..."]` kept).
#[derive(Debug)]
struct ModDecl {
    name: String,
    path: Option<String>,
}

fn mod_decls(code: &str) -> Vec<ModDecl> {
    let mut out = Vec::new();
    let mut path = None;
    for line in code.lines() {
        let l = line.trim();
        if let Some(rest) = l.strip_prefix("#[path") {
            path = rest.split('"').nth(1).map(str::to_owned);
            continue;
        }
        // Other attributes on the line (`#[cfg(unix)] mod x;`) are passed.
        let mut l = l;
        while l.starts_with("#[") {
            match l.find(']') {
                Some(end) => l = l[end + 1..].trim_start(),
                None => break,
            }
        }
        let l = l
            .strip_prefix("pub(crate) ")
            .or_else(|| l.strip_prefix("pub(super) "))
            .or_else(|| l.strip_prefix("pub "))
            .unwrap_or(l);
        if let Some(rest) = l.strip_prefix("mod ")
            && let Some(name) = rest.trim().strip_suffix(';')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            out.push(ModDecl {
                name: name.trim().to_owned(),
                path: path.take(),
            });
        }
        if !l.is_empty() {
            path = None;
        }
    }
    out
}

/// The text without comments and without the items under `#[cfg(test)]`
/// (blanked, newlines kept).
fn code(text: &str) -> String {
    let mut s: Vec<u8> = Vec::with_capacity(text.len());
    for line in text.lines() {
        // `//` outside a string starts a comment (doc comments too: an
        // intra-doc link is no import).
        let mut in_str = false;
        let mut prev = 0u8;
        let mut cut = line.len();
        let b = line.as_bytes();
        for (i, &c) in b.iter().enumerate() {
            if c == b'"' && prev != b'\\' {
                in_str = !in_str;
            }
            if !in_str && c == b'/' && b.get(i + 1) == Some(&b'/') {
                cut = i;
                break;
            }
            prev = c;
        }
        s.extend_from_slice(&b[..cut]);
        s.push(b'\n');
    }
    // Blank each `#[cfg(test)]` item: up to its `;`, or its matching `}`.
    const MARK: &[u8] = b"#[cfg(test)]";
    let mut i = 0;
    while i + MARK.len() <= s.len() {
        if &s[i..i + MARK.len()] != MARK {
            i += 1;
            continue;
        }
        let mut j = i + MARK.len();
        let mut depth = 0usize;
        while j < s.len() {
            match s[j] {
                b';' if depth == 0 => break,
                b'{' => depth += 1,
                b'}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            j += 1;
        }
        let end = (j + 1).min(s.len());
        for c in &mut s[i..end] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
        i = end;
    }
    String::from_utf8_lossy(&s).into_owned()
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
        let ident = String::from_utf8_lossy(&s[start..i]);
        if !ident.is_empty() {
            if !path.is_empty() {
                path.push_str("::");
            }
            path.push_str(&ident);
        }
        if s[i..].starts_with(b"::") {
            i += 2;
        } else {
            out.push(path);
            return i;
        }
    }
}

/// `a::b::super::c` as `a::c`; `crate` is the empty path.
fn normalise(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split("::") {
        match p {
            "" | "self" => {}
            "crate" => parts.clear(),
            "super" => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("::")
}

/// The module a path names: its longest prefix that is a module.
fn resolve(path: &str, known: &BTreeMap<String, Module>) -> String {
    let parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
    (1..=parts.len())
        .rev()
        .map(|n| parts[..n].join("::"))
        .find(|p| known.contains_key(p))
        .unwrap_or_else(|| "crate".to_owned())
}

/// For each module, the modules it imports and the first line that does.
type Graph = BTreeMap<String, BTreeMap<String, usize>>;

fn edges(known: &BTreeMap<String, Module>) -> Graph {
    let mut graph = Graph::new();
    for (module, m) in known {
        let code = &m.code;
        let bytes = code.as_bytes();
        let own = if module == "crate" {
            String::new()
        } else {
            module.clone()
        };
        let own_len = own.split("::").filter(|p| !p.is_empty()).count();
        let line_of = |at: usize| bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
        let mut targets: BTreeMap<String, usize> = BTreeMap::new();
        let mut note = |target: String, at: usize| {
            if target != *module {
                targets.entry(target).or_insert_with(|| line_of(at));
            }
        };
        let child = |ident: &str| {
            if own.is_empty() {
                ident.to_owned()
            } else {
                format!("{own}::{ident}")
            }
        };
        let mut i = 0;
        while i < bytes.len() {
            let boundary = i == 0
                || !(bytes[i - 1].is_ascii_alphanumeric()
                    || bytes[i - 1] == b'_'
                    || bytes[i - 1] == b':');
            let rest = &bytes[i..];
            let base = if !boundary {
                None
            } else if rest.starts_with(b"crate::")
                || rest.starts_with(b"super::")
                || rest.starts_with(b"self::")
            {
                Some((own.clone(), 0, false))
            } else if rest.starts_with(b"use ") {
                let after = rest[4..].trim_ascii_start();
                if [&b"crate::"[..], b"super::", b"self::"]
                    .iter()
                    .any(|p| after.starts_with(p))
                {
                    // Read from its `crate::`/`super::`/`self::` on.
                    i += 4;
                    continue;
                }
                // `use child::…` in 2018+ names a child module (or an
                // external crate, which is no module here).
                Some((own.clone(), 4, true))
            } else {
                None
            };
            let Some((base, skip, relative)) = base else {
                // A bare `child::item` names a child module too.
                let end = i + bytes[i..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                    .count();
                if boundary && end > i && bytes[end..].starts_with(b"::") {
                    let c = child(&code[i..end]);
                    if known.contains_key(&c) {
                        note(c, i);
                    }
                }
                i = end.max(i + 1);
                continue;
            };
            let mut paths = Vec::new();
            let used = tree(&bytes[i + skip..], &base, &mut paths);
            for p in paths {
                let p = normalise(&p);
                if relative {
                    // Only a path through a child of this module.
                    let parts: Vec<&str> = p.split("::").collect();
                    if parts.len() <= own_len || !known.contains_key(&parts[..=own_len].join("::"))
                    {
                        continue;
                    }
                }
                note(resolve(&p, known), i);
            }
            i += skip + used.max(1);
        }
        graph.insert(module.clone(), targets);
    }
    graph
}

/// The groups of two or more modules that reach each other (Tarjan).
fn tangles(graph: &Graph) -> Vec<BTreeSet<String>> {
    struct T<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on: BTreeSet<&'g str>,
        out: Vec<BTreeSet<String>>,
    }
    fn visit<'g>(t: &mut T<'g>, v: &'g str) {
        let n = t.index.len();
        t.index.insert(v, n);
        t.low.insert(v, n);
        t.stack.push(v);
        t.on.insert(v);
        for w in t.graph.get(v).into_iter().flat_map(|m| m.keys()) {
            let w = w.as_str();
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low[v];
                t.low.insert(v, lv.min(lw));
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low[v];
                t.low.insert(v, lv.min(iw));
            }
        }
        if t.low[v] == t.index[v] {
            let mut group = BTreeSet::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                group.insert(w.to_owned());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                t.out.push(group);
            }
        }
    }
    let mut t = T {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !t.index.contains_key(v.as_str()) {
            visit(&mut t, v);
        }
    }
    t.out
}

/// A shortest cycle through the group's first module, inside the group.
fn cycle_in(graph: &Graph, group: &BTreeSet<String>) -> Vec<String> {
    let Some(start) = group.iter().next() else {
        return Vec::new();
    };
    // Breadth first from start back to start.
    let mut from: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start.as_str()]);
    while let Some(v) = queue.pop_front() {
        for w in graph.get(v).into_iter().flat_map(|m| m.keys()) {
            if !group.contains(w) {
                continue;
            }
            if w == start {
                let mut between = Vec::new();
                let mut at = v;
                while at != start {
                    between.push(at.to_owned());
                    at = from[at];
                }
                between.reverse();
                let mut path = vec![start.clone()];
                path.extend(between);
                path.push(start.clone());
                return path;
            }
            if !from.contains_key(w.as_str()) {
                from.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    Vec::new()
}

/// What a crate root's check found: every tangle, with one cycle and the
/// line of each of its imports.
#[derive(Debug)]
pub struct Cycles {
    root: PathBuf,
    found: Vec<(BTreeSet<String>, Vec<String>)>,
    modules: BTreeMap<String, Module>,
    graph: Graph,
}

impl fmt::Display for Cycles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} module cycle(s)",
            shown(&self.root),
            self.found.len()
        )?;
        for (group, cycle) in &self.found {
            writeln!(
                f,
                "  {} modules reach each other: {}",
                group.len(),
                group.iter().cloned().collect::<Vec<_>>().join(", ")
            )?;
            writeln!(f, "  a cycle: {}", cycle.join(" -> "))?;
            for pair in cycle.windows(2) {
                let (a, b) = (&pair[0], &pair[1]);
                let line = self
                    .graph
                    .get(a)
                    .and_then(|t| t.get(b))
                    .copied()
                    .unwrap_or(0);
                let file = self
                    .modules
                    .get(a)
                    .map(|m| shown(&m.file))
                    .unwrap_or_default();
                writeln!(f, "    {a} -> {b}: {file}:{line}")?;
            }
        }
        Ok(())
    }
}

/// Checks one crate root (`src/lib.rs` or `src/main.rs`).
fn check_root(root: &Path) -> Result<Result<Graph, Cycles>, LayersError> {
    let modules = modules(root)?;
    let graph = edges(&modules);
    let found: Vec<_> = tangles(&graph)
        .into_iter()
        .map(|g| {
            let c = cycle_in(&graph, &g);
            (g, c)
        })
        .collect();
    if found.is_empty() {
        Ok(Ok(graph))
    } else {
        Ok(Err(Cycles {
            root: root.to_path_buf(),
            found,
            modules,
            graph,
        }))
    }
}

/// A path as the workspace names it (`client/src/net.rs`).
fn shown(path: &Path) -> String {
    let root = workspace();
    path.strip_prefix(&root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The workspace checked: this one, or another checkout named by
/// `LAYERS_WORKSPACE`.
fn workspace() -> PathBuf {
    if let Some(dir) = std::env::var_os("LAYERS_WORKSPACE") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new(".."))
        .to_path_buf()
}

/// Checks every root of the crate in `member` (a workspace folder), and
/// panics with every cycle found: there is no list of accepted ones. A
/// parent module counts: a `mod.rs` that re-exports a child whose code
/// names `super::` items is a cycle (STYLE 17: shared types live in a
/// leaf module). Returns how many modules it read.
fn check_crate(member: &str) -> usize {
    let src = workspace().join(member).join("src");
    let roots: Vec<PathBuf> = ["lib.rs", "main.rs"]
        .iter()
        .map(|r| src.join(r))
        .filter(|p| p.is_file())
        .collect();
    assert!(
        !roots.is_empty(),
        "{member}: neither src/lib.rs nor src/main.rs"
    );
    let mut failures = String::new();
    let mut count = 0;
    for root in &roots {
        match check_root(root) {
            Err(e) => failures.push_str(&format!("{e}\n")),
            Ok(Ok(graph)) => count += graph.len(),
            Ok(Err(cycles)) => {
                count += cycles.graph.len();
                failures.push_str(&cycles.to_string());
            }
        }
    }
    if std::env::var_os("LAYERS_PRINT").is_some() {
        for root in &roots {
            if let Ok(m) = modules(root) {
                for (from, to) in edges(&m) {
                    println!(
                        "{member} {from} -> {}",
                        to.keys().cloned().collect::<Vec<_>>().join(", ")
                    );
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{member}: the modules do not form layers\n{failures}"
    );
    count
}

#[test]
fn certs_gen_modules_form_layers() {
    assert!(check_crate("certs-gen") > 3);
}

#[test]
fn mock_ra_modules_form_layers() {
    assert!(check_crate("mock-ra") > 10);
}

#[test]
fn client_modules_form_layers() {
    assert!(check_crate("client") > 10);
}

#[test]
fn harness_modules_form_layers() {
    assert!(check_crate("tests") > 10);
}

/// The members named by a test above.
const NAMED: [&str; 4] = ["certs-gen", "mock-ra", "client", "tests"];

/// Every workspace member of the root Cargo.toml.
fn members() -> Vec<String> {
    let path = workspace().join("Cargo.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let manifest: toml::Table = toml::from_str(&text).unwrap_or_default();
    manifest
        .get("workspace")
        .and_then(|w| w.get("members"))
        .and_then(|m| m.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_other_workspace_member_forms_layers() {
    let members = members();
    for named in NAMED {
        assert!(
            members.iter().any(|m| m == named),
            "{named} is no workspace member any more: drop its test"
        );
    }
    for member in members.iter().filter(|m| !NAMED.contains(&m.as_str())) {
        check_crate(member);
    }
}

#[test]
fn the_use_tree_reader_finds_nested_paths() {
    let mut out = Vec::new();
    tree(b"a::{b, c::{d, e}}, x;", "", &mut out);
    assert_eq!(out, ["a::b", "a::c::d", "a::c::e"]);
    assert_eq!(normalise("a::b::super::c"), "a::c");
    assert_eq!(normalise("a::crate::x::self::y"), "x::y");
}

#[test]
fn a_cycle_is_found_and_named_with_its_lines() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::write(
        src.join("lib.rs"),
        "pub mod a;\npub mod b;\npub mod c;\n#[cfg(test)]\nmod tests;\n",
    )
    .unwrap();
    std::fs::write(src.join("a.rs"), "use crate::b::B;\npub struct A;\n").unwrap();
    std::fs::write(
        src.join("b.rs"),
        "// use crate::c; a comment\nuse super::c::{self, C};\npub struct B;\n#[cfg(test)]\nmod t { use crate::a::A; }\n",
    )
    .unwrap();
    std::fs::write(
        src.join("c.rs"),
        "pub struct C;\n\npub fn f() -> crate::a::A { crate::a::A }\n",
    )
    .unwrap();
    let Ok(Err(cycles)) = check_root(&src.join("lib.rs")) else {
        panic!("the cycle a -> b -> c -> a was not found");
    };
    let text = cycles.to_string();
    assert!(
        text.contains("3 modules reach each other: a, b, c"),
        "{text}"
    );
    assert!(text.contains("a cycle: a -> b -> c -> a"), "{text}");
    assert!(
        text.contains("b -> c: ") && text.contains("b.rs:2"),
        "{text}"
    );
    assert!(text.contains("c.rs:3"), "{text}");

    // Without c's import of a, and with b's test-only import ignored,
    // the same modules form layers.
    std::fs::write(src.join("c.rs"), "pub struct C;\n").unwrap();
    let Ok(Ok(graph)) = check_root(&src.join("lib.rs")) else {
        panic!("a cycle found where there is none");
    };
    assert_eq!(graph["b"].keys().collect::<Vec<_>>(), ["c"]);
    assert!(
        graph["crate"].is_empty(),
        "`mod` declarations are no imports"
    );
}
