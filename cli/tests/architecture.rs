//! The architecture invariants of `cli/` that a test can check (ARCHITECTURE.md):
//!
//! - the shipped `events` binary carries no test support: `cli/Cargo.toml` enables
//!   `event-runtime`'s `testing` feature for the tests only (`[dev-dependencies]`);
//! - `src/admin.rs` is the one file that sends Redis commands, but for `events bench`
//!   (`src/commands/bench/`), which measures raw redis-rs: no other source file uses redis-rs;
//! - no source or test file of `cli` is longer than 600 lines unless it says why at its top (a
//!   `//! Long on purpose:` line).

use std::path::{Path, PathBuf};

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

/// Every source file of `cli/src`, as a path below `cli/` and its text.
fn sources() -> Vec<(String, String)> {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("a source file");
            let name = path
                .strip_prefix(root())
                .expect("below cli/")
                .to_string_lossy()
                .into_owned();
            (name, text)
        })
        .collect()
}

/// The lines of one `[section]` of a TOML file.
fn section<'a>(toml: &'a str, name: &str) -> Vec<&'a str> {
    toml.lines()
        .skip_while(|line| line.trim() != name)
        .skip(1)
        .take_while(|line| !line.starts_with('['))
        .collect()
}

#[test]
fn the_shipped_binary_enables_no_test_support_of_the_runtime() {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml");
    let runtime = |section_name: &str| {
        section(&manifest, section_name)
            .into_iter()
            .find(|line| line.starts_with("event-runtime"))
            .unwrap_or_else(|| panic!("{section_name} names event-runtime"))
            .to_owned()
    };
    let shipped = runtime("[dependencies]");
    assert!(!shipped.contains("testing"), "{shipped}");
    assert!(
        runtime("[dev-dependencies]").contains("\"testing\""),
        "the tests' redis-server and cluster come from event_runtime::testing"
    );
}

#[test]
fn only_admin_rs_and_the_bench_send_redis_commands() {
    let senders: Vec<String> = sources()
        .into_iter()
        .filter(|(_, text)| {
            text.lines()
                .filter(|line| !line.trim_start().starts_with("//"))
                .any(|line| line.contains("redis::"))
        })
        .map(|(name, _)| name)
        .filter(|name| !name.starts_with("src/commands/bench/"))
        .collect();
    assert_eq!(senders, ["src/admin.rs"]);
}

#[test]
fn source_files_are_short_or_say_why() {
    let mut files = Vec::new();
    rust_files(&root().join("tests"), &mut files);
    let tests = files.into_iter().map(|path| {
        let text = std::fs::read_to_string(&path).expect("a test file");
        (path.display().to_string(), text)
    });
    let long: Vec<String> = sources()
        .into_iter()
        .chain(tests)
        .filter(|(_, text)| {
            text.lines().count() > MAX_LINES && !text.contains("//! Long on purpose:")
        })
        .map(|(name, text)| format!("{name}: {} lines", text.lines().count()))
        .collect();
    assert!(long.is_empty(), "split them along their seams: {long:?}");
}
