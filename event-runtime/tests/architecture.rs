//! The architecture invariants of `event-runtime/src` that a test can check (ARCHITECTURE.md):
//!
//! - only `src/transport/redis/` sends Redis commands (and the test support of `src/testing/`,
//!   which forms test clusters); the rest of the runtime reaches Redis through `Transport`;
//! - `memory/` uses no Redis type and does not know the transport; `backend.rs`, below both
//!   backends, knows neither of them;
//! - no import circles: the top-level modules use each other without a cycle, and so do the
//!   files of each folder module;
//! - no source file is longer than 600 lines unless it says why at its top (a
//!   `//! Long on purpose:` line).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 600;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|error| panic!("{dir:?}: {error}")) {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// Every source file, as its path below `src/` with `/` separators, and its code: comment
/// lines, end-of-line comments and string literals left out.
fn sources() -> Vec<(String, String)> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("a source file");
            let name = path
                .strip_prefix(src())
                .expect("below src/")
                .to_string_lossy()
                .replace('\\', "/");
            (name, code_of(&text))
        })
        .collect()
}

fn code_of(text: &str) -> String {
    let mut code = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("//") {
            continue;
        }
        let mut outside = String::new();
        let mut in_string = false;
        let mut previous = ' ';
        for c in line.chars() {
            if c == '"' && previous != '\\' {
                in_string = !in_string;
            } else if !in_string {
                outside.push(c);
            }
            previous = c;
        }
        code.push_str(outside.split("//").next().unwrap_or_default());
        code.push('\n');
    }
    code
}

/// The names that follow `prefix` in `code` (`crate::` gives the modules a file uses).
fn names_after(code: &str, prefix: &str) -> BTreeSet<String> {
    code.match_indices(prefix)
        .filter(|(index, _)| {
            // `crate::` itself, not `some_crate::`.
            code[..*index]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
        })
        .map(|(index, _)| {
            code[index + prefix.len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect::<String>()
        })
        .filter(|name| !name.is_empty() && !name.starts_with("__"))
        .collect()
}

/// The top-level module a file belongs to (`subscriber/reader.rs` -> `subscriber`).
fn top_module(file: &str) -> &str {
    let first = file.split('/').next().unwrap_or(file);
    first.strip_suffix(".rs").unwrap_or(first)
}

/// A cycle in `graph`, if there is one, as the nodes along it.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|seen| seen == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn only_the_redis_backend_sends_redis_commands() {
    let senders = [
        "redis::cmd(",
        "redis::pipe(",
        "redis::Cmd",
        "redis::Pipeline",
        "query_async",
    ];
    let offenders: Vec<String> = sources()
        .into_iter()
        .filter(|(file, _)| !file.starts_with("transport/redis/") && !file.starts_with("testing"))
        .flat_map(|(file, code)| {
            senders
                .iter()
                .filter(|sender| code.contains(**sender))
                .map(|sender| format!("{file} uses `{sender}`"))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "only src/transport/redis/ sends Redis commands:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_memory_backend_knows_neither_redis_nor_the_transport() {
    let mut offenders = Vec::new();
    for (file, code) in sources() {
        let used = names_after(&code, "crate::");
        if file.starts_with("memory/") {
            if code.contains("redis::") {
                offenders.push(format!("{file} uses a Redis type"));
            }
            if used.contains("transport") {
                offenders.push(format!("{file} uses crate::transport"));
            }
        }
        if file == "backend.rs" {
            for module in ["memory", "transport"] {
                if used.contains(module) {
                    offenders.push(format!("{file} uses crate::{module}"));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "{}", offenders.join("\n"));
}

#[test]
fn modules_use_each_other_without_a_cycle() {
    let sources = sources();
    // Between the top-level modules, through `crate::<module>`.
    let mut top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // Between the files of one folder module, through `super::<file>` and
    // `crate::<folder>::<file>`.
    let mut within: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (file, code) in &sources {
        let module = top_module(file).to_owned();
        if module != "lib" {
            let used = names_after(code, "crate::");
            let entry = top.entry(module.clone()).or_default();
            entry.extend(used.into_iter().filter(|used| *used != module));
        }
        let parts: Vec<&str> = file.split('/').collect();
        if parts.len() == 2 && parts[1] != "mod.rs" {
            let folder = parts[0];
            let this = parts[1].trim_end_matches(".rs").to_owned();
            let mut used = names_after(code, "super::");
            used.extend(names_after(code, &format!("crate::{folder}::")));
            let siblings: BTreeSet<String> = sources
                .iter()
                .filter_map(|(other, _)| other.strip_prefix(&format!("{folder}/")))
                .filter(|other| !other.contains('/') && *other != "mod.rs")
                .map(|other| other.trim_end_matches(".rs").to_owned())
                .collect();
            within
                .entry(folder.to_owned())
                .or_default()
                .entry(this.clone())
                .or_default()
                .extend(
                    used.into_iter()
                        .filter(|used| *used != this && siblings.contains(used)),
                );
        }
    }
    let mut cycles = Vec::new();
    if let Some(cycle) = find_cycle(&top) {
        cycles.push(format!("modules: {}", cycle.join(" -> ")));
    }
    for (folder, graph) in &within {
        if let Some(cycle) = find_cycle(graph) {
            cycles.push(format!("{folder}/: {}", cycle.join(" -> ")));
        }
    }
    assert!(cycles.is_empty(), "import circles:\n{}", cycles.join("\n"));
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let graph = |edges: &[(&str, &str)]| {
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, to) in edges {
            graph
                .entry((*from).to_owned())
                .or_default()
                .insert((*to).to_owned());
        }
        graph
    };
    assert_eq!(
        find_cycle(&graph(&[("a", "b"), ("b", "c"), ("c", "a")])),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    assert_eq!(
        find_cycle(&graph(&[("a", "b"), ("b", "c"), ("a", "c")])),
        None
    );
    assert_eq!(
        names_after(
            "use crate::wire::x; my_crate::no; crate::event::Y",
            "crate::"
        ),
        BTreeSet::from(["event".to_owned(), "wire".to_owned()])
    );
}

#[test]
fn source_files_stay_short_or_say_why() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests"),
        &mut files,
    );
    let long: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let text = std::fs::read_to_string(file).expect("readable");
            let lines = text.lines().count();
            let says_why = text
                .lines()
                .take_while(|line| line.starts_with("//!"))
                .any(|line| line.starts_with("//! Long on purpose:"));
            (lines > MAX_LINES && !says_why).then(|| format!("{} ({lines} lines)", file.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "split these along their seams, or say why at the top (`//! Long on purpose: ...`):\n{}",
        long.join("\n")
    );
}
