//! The architecture README's Development section describes, checked: at most 12 `.rs` files
//! directly in `src/`, no source file over 1,500 lines, `unsafe` only where allowed, and every
//! `crate::` import pointing down the layers (commands → engines → core → primitives) with no
//! cycle between top-level modules.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Each top-level module's layer: a module may import only from its own layer or below, and
/// imports within one layer must not form a cycle.
const LAYERS: &[(&str, u8)] = &[
    ("main", 4),
    ("commands", 4),
    ("cli", 4),
    ("config", 4),
    ("sending", 3),
    ("listening", 3),
    ("verifying", 3),
    ("linting", 3),
    ("webhook", 2),
    ("capture", 2),
    ("http", 2),
    ("json", 1),
    ("error", 0),
    ("stats", 0),
    ("terminal", 0),
    ("input", 0),
];

/// The engines' layer: `sending`, `listening`, `verifying`, `linting`.
const ENGINES: u8 = 3;

/// The modules that may use clap: the command line and what reads it.
const CLAP_USERS: &[&str] = &["main", "cli", "config", "commands"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `src/` except the vendored crate, with its top-level module name.
fn sources() -> Vec<(String, PathBuf)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if path.file_name().unwrap() != "vendor" {
                    walk(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = src();
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(&root).unwrap();
            let first = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_str()
                .unwrap();
            (first.trim_end_matches(".rs").to_string(), p)
        })
        .collect()
}

fn layer(module: &str) -> u8 {
    LAYERS
        .iter()
        .find(|(m, _)| *m == module)
        .map(|(_, l)| *l)
        .unwrap_or_else(|| {
            panic!(
                "src/{module}: add the new top-level module to LAYERS and to README's module map"
            )
        })
}

/// The top-level modules a file imports through `crate::` paths (code only, not comments).
fn imports(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let before = &rest[..at];
            let after = &rest[at + "crate::".len()..];
            rest = after;
            if before.ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                continue; // `cmzon_hook_crate::` or similar
            }
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

#[test]
fn src_has_few_top_level_files_and_no_long_ones() {
    let top: Vec<_> = fs::read_dir(src())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    assert!(
        top.len() <= 12,
        "{} .rs files directly in src/ (at most 12): {top:?}",
        top.len()
    );
    for (_, path) in sources() {
        let lines = fs::read_to_string(&path).unwrap().lines().count();
        assert!(
            lines <= 1500,
            "{} has {lines} lines (at most 1,500)",
            path.display()
        );
    }
}

#[test]
fn imports_point_down_the_layers_without_cycles() {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, path) in sources() {
        let text = fs::read_to_string(&path).unwrap();
        for target in imports(&text) {
            if target == module || target == "Error" || target == "Result" {
                continue;
            }
            assert!(
                layer(&target) <= layer(&module),
                "{} imports crate::{target}: layer {} may not import layer {}",
                path.display(),
                layer(&module),
                layer(&target)
            );
            assert!(
                !(layer(&module) == ENGINES && layer(&target) == ENGINES),
                "{} imports crate::{target}: engines never import each other (move what both need down a layer)",
                path.display()
            );
            edges.entry(module.clone()).or_default().insert(target);
        }
    }
    // Depth-first search for a cycle among top-level modules.
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if done.contains(node) {
            return;
        }
        if let Some(at) = path.iter().position(|n| n == node) {
            panic!("module cycle: {} -> {node}", path[at..].join(" -> "));
        }
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            visit(next, edges, path, done);
        }
        path.pop();
        done.insert(node.to_string());
    }
    let mut done = BTreeSet::new();
    for module in edges.keys() {
        visit(module, &edges, &mut Vec::new(), &mut done);
    }
}

#[test]
fn only_the_command_line_modules_use_clap() {
    for (module, path) in sources() {
        let text = fs::read_to_string(&path).unwrap();
        if !CLAP_USERS.contains(&module.as_str()) {
            assert!(
                !text.contains("clap::"),
                "{} uses clap: the core takes plain types (convert in cli.rs)",
                path.display()
            );
        }
    }
}

#[test]
fn unsafe_code_is_denied_outside_the_allowed_modules() {
    let manifest =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("unsafe_code = \"deny\""),
        "Cargo.toml's [lints.rust] must deny unsafe_code"
    );
    for (_, path) in sources() {
        let text = fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if code.contains("unsafe {") {
                let window = &lines[i.saturating_sub(4)..i];
                assert!(
                    window.iter().any(|l| l.contains("SAFETY:")) || line.contains("SAFETY:"),
                    "{}:{}: unsafe without a SAFETY reason just above it",
                    path.display(),
                    i + 1
                );
            }
        }
    }
}

#[test]
fn the_import_scanner_sees_paths_and_skips_comments() {
    let found = imports("use crate::webhook::signature;\n// crate::commands in a comment\nlet x = crate::json::scan::f();");
    assert_eq!(found.into_iter().collect::<Vec<_>>(), ["json", "webhook"]);
}
