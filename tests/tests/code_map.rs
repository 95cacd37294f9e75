//! ARCHITECTURE.md's code map names every source file of the workspace: each crate's section
//! names each file of its `src/` (a file by its name, as `reader.rs` or `subscriber/reader.rs`;
//! a folder module's `mod.rs` by its folder, as `subscriber/`), so a new file cannot land
//! without a line that says what it is.

use std::path::{Path, PathBuf};

/// Each crate's folder below the workspace root, and the heading of its section.
const CRATES: &[(&str, &str)] = &[
    ("codegen", "### `codegen/`"),
    ("codegen/names", "### `codegen/names/`"),
    ("event-macros", "### `event-macros/`"),
    ("event-runtime", "### `event-runtime/`"),
    ("cli", "### `cli/`"),
    ("tests", "### `tests/`"),
    ("examples/parcels", "### `examples/parcels/`"),
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_owned()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The text of the section that starts with `heading`, up to the next `##` heading.
fn section<'a>(document: &'a str, heading: &str) -> &'a str {
    let start = document
        .lines()
        .position(|line| line.starts_with(heading))
        .unwrap_or_else(|| panic!("ARCHITECTURE.md has no section `{heading}`"));
    let lines: Vec<&str> = document.lines().collect();
    let end = lines[start + 1..]
        .iter()
        .position(|line| line.starts_with("##"))
        .map_or(lines.len(), |offset| start + 1 + offset);
    let from = lines[..start]
        .iter()
        .map(|line| line.len() + 1)
        .sum::<usize>();
    let to = lines[..end]
        .iter()
        .map(|line| line.len() + 1)
        .sum::<usize>();
    &document[from..to.min(document.len())]
}

/// Whether `section` names the file at `relative` (below `src/`, `/`-separated).
fn names(section: &str, relative: &str) -> bool {
    let spans: Vec<&str> = section.split('`').skip(1).step_by(2).collect();
    let parts: Vec<&str> = relative.split('/').collect();
    let file = parts[parts.len() - 1];
    if file == "mod.rs" && parts.len() > 1 {
        // The folder by its path (`transport/redis/`) or, written as a folder, by its last
        // name (`redis/`, in the lines about its parent).
        let folder = parts[..parts.len() - 1].join("/");
        let last = parts[parts.len() - 2];
        return spans.iter().any(|span| {
            let bare = span.trim_end_matches('/');
            bare == folder
                || bare.ends_with(&format!("/{folder}"))
                || (span.ends_with('/') && bare == last)
                || span.ends_with(&format!("{folder}/mod.rs"))
        });
    }
    spans
        .iter()
        .any(|span| *span == file || span.ends_with(&format!("/{file}")))
}

#[test]
fn the_code_map_names_every_source_file() {
    let document =
        std::fs::read_to_string(workspace().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let mut missing = Vec::new();
    for (folder, heading) in CRATES {
        let text = section(&document, heading);
        let src = workspace().join(folder).join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        files.sort();
        for file in files {
            let relative = file
                .strip_prefix(&src)
                .expect("below src/")
                .to_string_lossy()
                .replace('\\', "/");
            if relative == "lib.rs" || relative == "main.rs" {
                continue;
            }
            if !names(text, &relative) {
                missing.push(format!("{folder}/src/{relative}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md's code map does not name these files (add a line to their crate's \
         section):\n{}",
        missing.join("\n")
    );
}

#[test]
fn a_file_is_named_by_its_name_or_its_folder() {
    let section = "- `subscriber/`: the loop; `reader.rs` reads, `claim/x.rs` claims.";
    assert!(names(section, "subscriber/mod.rs"));
    assert!(names(section, "subscriber/reader.rs"));
    assert!(names(section, "claim/x.rs"));
    assert!(!names(section, "subscriber/acker.rs"));
    assert!(!names(section, "memory/mod.rs"));
    assert!(names(section, "transport/subscriber/mod.rs"));
    assert!(!names(section, "claim/mod.rs"));
    assert!(!names(section, "eader.rs"));
}
