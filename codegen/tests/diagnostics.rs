//! Every class of schema error, as rendered diagnostics (insta snapshots).
//!
//! Each entry of `fixtures/errors/` is a schema file or a directory of them. The test asserts
//! that it fails with at least one error, that every diagnostic points inside its file, and
//! snapshots the rendered output so that wording and positions are reviewed.

use std::path::Path;

use event_codegen::ir::SourceFile;

fn sources(path: &Path) -> Vec<SourceFile> {
    let files = if path.is_dir() {
        event_codegen::schema_files(path).expect("fixture directory has schema files")
    } else {
        vec![path.to_owned()]
    };
    let base = path.parent().expect("fixture has a parent");
    files
        .into_iter()
        .map(|file| SourceFile {
            path: file
                .strip_prefix(base)
                .expect("inside fixtures")
                .display()
                .to_string(),
            text: std::fs::read_to_string(&file).expect("fixture is readable"),
        })
        .collect()
}

#[test]
fn every_error_fixture_fails_with_located_diagnostics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/errors");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures exist")
        .map(|entry| entry.expect("entry").path())
        .collect();
    entries.sort();
    assert!(entries.len() >= 15, "expected the whole fixture set");
    for path in entries {
        let name = path
            .file_stem()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let loaded = event_codegen::load_sources(sources(&path));
        assert!(
            loaded.catalogue.is_none(),
            "{name}: expected errors, got a catalogue"
        );
        assert!(loaded.diagnostics.has_errors(), "{name}: expected errors");
        for item in &loaded.diagnostics.items {
            let file = &loaded.diagnostics.files[item.span.file];
            assert!(
                item.span.start <= file.text.len(),
                "{name}: span outside the file"
            );
        }
        insta::assert_snapshot!(name, loaded.diagnostics.render(false));
    }
}

#[test]
fn errors_are_reported_all_at_once() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/errors/misplaced_constraint.yaml");
    let loaded = event_codegen::load_sources(sources(&path));
    assert_eq!(
        loaded.diagnostics.error_count(),
        7,
        "{}",
        loaded.diagnostics
    );
}
