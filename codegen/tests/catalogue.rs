//! The code generated for each file of `schemas/`, snapshotted so that every change to the
//! generated code is reviewed. (The whole catalogue is compiled, under `deny(warnings)`, by the
//! `event-tests` crate's build script.)

use std::path::Path;

use event_codegen::ir::{Catalogue, NamedType};

fn catalogue() -> Catalogue {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    event_codegen::load_dir(&dir)
        .expect("schemas are readable")
        .into_result()
        .expect("schemas are valid")
}

/// The part of the catalogue defined in one file: its events and its named types.
fn only_file(catalogue: &Catalogue, file: usize) -> Catalogue {
    let mut part = catalogue.clone();
    part.events.retain(|_, event| event.span.file == file);
    part.types.retain(|_, def| match def {
        NamedType::Enum(def) => def.span.file == file,
        NamedType::Record(def) => def.span.file == file,
    });
    part
}

#[test]
fn generated_code_of_every_schema_file() {
    let catalogue = catalogue();
    let config = event_codegen::Builder::new();
    let mut snapshotted = 0;
    for (index, file) in catalogue.files.iter().enumerate() {
        let part = only_file(&catalogue, index);
        if part.events.is_empty() && part.types.is_empty() {
            continue;
        }
        let name = Path::new(&file.path)
            .file_stem()
            .expect("file name")
            .to_string_lossy()
            .into_owned();
        insta::assert_snapshot!(format!("schemas_{name}"), config.generate_catalogue(&part));
        snapshotted += 1;
    }
    assert_eq!(snapshotted, 6, "one snapshot per domain file");
}

#[test]
fn generation_is_deterministic_and_independent_of_file_order() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let files = event_codegen::read_dir(&dir).expect("readable");
    let config = event_codegen::Builder::new();
    let forward = event_codegen::load_sources(files.clone())
        .into_result()
        .expect("valid");
    let mut reversed_files = files;
    reversed_files.reverse();
    let reversed = event_codegen::load_sources(reversed_files)
        .into_result()
        .expect("valid");
    assert_eq!(
        config.generate_catalogue(&forward),
        config.generate_catalogue(&reversed)
    );
}

#[test]
fn build_script_writes_only_when_the_output_changed() {
    let out = tempfile::tempdir().expect("temp dir");
    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let mut config = event_codegen::Builder::new();
    config.out_dir(out.path());
    config.compile(&schemas).expect("compiles");
    let path = out.path().join("events.rs");
    let written = std::fs::metadata(&path)
        .expect("written")
        .modified()
        .expect("mtime");
    std::thread::sleep(std::time::Duration::from_millis(20));
    config.compile(&schemas).expect("compiles again");
    let after = std::fs::metadata(&path)
        .expect("still there")
        .modified()
        .expect("mtime");
    assert_eq!(
        written, after,
        "unchanged schemas must not rewrite the output"
    );
    assert!(
        !event_codegen::write_if_changed(&path, &std::fs::read_to_string(&path).expect("read"))
            .expect("io")
    );
}
