//! Schema files: YAML parsing, validation and code emission never panic, and every
//! diagnostic renders. Input: the text of one schema file.

#![no_main]

use event_codegen::ir::SourceFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Schema files are read as UTF-8 (`event_codegen::read_dir` rejects anything else).
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let loaded = event_codegen::load_sources(vec![SourceFile {
        path: "fuzz.yaml".to_owned(),
        text: text.to_owned(),
    }]);
    assert_eq!(loaded.catalogue.is_some(), !loaded.diagnostics.has_errors());
    let _ = loaded.diagnostics.render(false);
    if let Some(catalogue) = &loaded.catalogue {
        let _ = event_codegen::Builder::new().generate_catalogue(catalogue);
    }
});
