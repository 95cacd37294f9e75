//! The architecture invariants of `codegen/src` that a test can check (ARCHITECTURE.md):
//!
//! - the pipeline has no backward edges: each module uses only the modules below it, as
//!   [`LAYERS`] lists them (`validate` does not use `compat`, `export` does not use `compat`,
//!   `parse` and `ast` do not use `ir`);
//! - no source or test file of codegen, its `names` crate, the derive or `event-tests` is
//!   longer than 600 lines unless it says why at its top (a `//! Long on purpose:` line).

use std::path::{Path, PathBuf};

/// Each top-level module of `codegen/src` and the modules it may use.
const LAYERS: &[(&str, &[&str])] = &[
    ("source", &[]),
    ("diagnostic", &["source"]),
    ("rules", &["diagnostic"]),
    ("ast", &["source"]),
    ("parse", &["ast", "diagnostic", "source"]),
    ("ir", &["source"]),
    ("validate", &["ast", "diagnostic", "ir", "rules", "source"]),
    ("export", &["ir"]),
    ("compat", &["diagnostic", "ir", "rules", "source"]),
    // The generated registry carries each version's fingerprint (compat) and JSON Schema
    // (export).
    ("emit", &["compat", "export", "ir"]),
];

const MAX_LINES: usize = 600;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_owned()
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

/// The modules a file names as `crate::<module>` in code (comments and string literals left
/// out).
fn used_modules(text: &str) -> Vec<String> {
    let mut used = Vec::new();
    for line in text.lines() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        // Drop string literals (a hint may quote `crate::migrations::f`) and end comments.
        let mut outside = String::new();
        let mut in_string = false;
        let mut previous = ' ';
        for c in code.chars() {
            if c == '"' && previous != '\\' {
                in_string = !in_string;
            } else if !in_string {
                outside.push(c);
            }
            previous = c;
        }
        let outside = outside.split("//").next().unwrap_or_default();
        for (index, _) in outside.match_indices("crate::") {
            let module: String = outside[index + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !module.is_empty() {
                used.push(module);
            }
        }
    }
    used
}

#[test]
fn the_pipeline_has_no_backward_edges() {
    let src = root().join("src");
    let mut problems = Vec::new();
    for (module, allowed) in LAYERS {
        let mut files = Vec::new();
        let file = src.join(format!("{module}.rs"));
        if file.exists() {
            files.push(file);
        }
        let dir = src.join(module);
        if dir.is_dir() {
            rust_files(&dir, &mut files);
        }
        assert!(!files.is_empty(), "no module `{module}` in codegen/src");
        for file in files {
            let text = std::fs::read_to_string(&file).expect("readable");
            for used in used_modules(&text) {
                if used != *module && !allowed.contains(&used.as_str()) {
                    problems.push(format!(
                        "{}: `{module}` uses `crate::{used}`; it may use {allowed:?}",
                        file.strip_prefix(&src).unwrap_or(&file).display()
                    ));
                }
            }
        }
    }
    let mut modules: Vec<String> = std::fs::read_dir(&src)
        .expect("codegen/src")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.file_name().is_some_and(|name| name != "lib.rs"))
        .filter_map(|path| Some(path.file_stem()?.to_string_lossy().into_owned()))
        .collect();
    modules.sort();
    modules.dedup();
    for module in modules {
        if !LAYERS.iter().any(|(name, _)| *name == module) {
            problems.push(format!("module `{module}` has no place in LAYERS"));
        }
    }
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn source_files_stay_short_or_say_why() {
    let mut files = Vec::new();
    for dir in [
        "src",
        "tests",
        "names/src",
        "../event-macros/src",
        "../event-macros/tests",
        "../tests/src",
        "../tests/tests",
    ] {
        rust_files(&root().join(dir), &mut files);
    }
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
