//! The parser and validator never panic, whatever the input: arbitrary text, and real schema
//! files with random edits (deleted, duplicated and replaced bytes). Every failure is a
//! diagnostic that points inside its file.

use event_codegen::ir::SourceFile;
use proptest::prelude::*;

const SEEDS: [&str; 3] = [
    include_str!("../../schemas/user.yaml"),
    include_str!("../../schemas/request.yaml"),
    include_str!("../../schemas/catalogue.yaml"),
];

fn check(files: Vec<SourceFile>) -> Result<(), TestCaseError> {
    let loaded = event_codegen::load_sources(files);
    prop_assert_eq!(loaded.catalogue.is_some(), !loaded.diagnostics.has_errors());
    for item in &loaded.diagnostics.items {
        let file = &loaded.diagnostics.files[item.span.file];
        prop_assert!(item.span.start <= item.span.end && item.span.end <= file.text.len() + 1);
    }
    // Rendering must not panic either.
    let _ = loaded.diagnostics.render(false);
    Ok(())
}

fn file(path: &str, text: String) -> SourceFile {
    SourceFile {
        path: path.to_owned(),
        text,
    }
}

/// An edit of a seed file: at `position` (scaled to the length), delete, duplicate or replace.
fn mutate(seed: &str, edits: &[(usize, u8, String)]) -> String {
    let mut text = seed.to_owned();
    for (position, kind, insert) in edits {
        if text.is_empty() {
            break;
        }
        let mut at = position % text.len();
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let mut end = (at + 1 + insert.len()).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        match kind % 3 {
            0 => text.replace_range(at..end, ""),
            1 => {
                let piece = text[at..end].to_owned();
                text.insert_str(at, &piece);
            }
            _ => text.replace_range(at..end, insert),
        }
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        check(vec![file("any.yaml", text)])?;
    }

    #[test]
    fn yaml_like_text_never_panics(text in "([a-z_.]{0,12}(: |:\n  |- |\\{|\\}|\\[|\\]|, |\n|  |&a |\\*a |!t |\"|'|#)){0,60}") {
        check(vec![file("yamlish.yaml", text)])?;
    }

    #[test]
    fn edited_schema_files_never_panic(
        seed in 0usize..SEEDS.len(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), "[ a-z0-9:{}\\[\\]<>,'\"\n-]{0,6}"), 1..6),
    ) {
        let catalogue = file("catalogue.yaml", SEEDS[2].to_owned());
        check(vec![catalogue, file("edited.yaml", mutate(SEEDS[seed], &edits))])?;
    }
}

#[test]
fn deep_nesting_and_huge_inputs_are_errors_not_crashes() {
    let deep = format!("events: {}{}", "[".repeat(100_000), "]".repeat(100_000));
    let loaded = event_codegen::load_sources(vec![file("deep.yaml", deep)]);
    assert!(loaded.diagnostics.has_errors());

    let huge = "a".repeat(event_codegen::parse::MAX_FILE_SIZE + 1);
    let loaded = event_codegen::load_sources(vec![file("huge.yaml", huge)]);
    assert!(loaded.diagnostics.render(false).contains("larger than"));

    let aliases = "catalogue: &c { name: x, version: 1.0.0 }\nevents: *c\n".to_owned();
    let loaded = event_codegen::load_sources(vec![file("alias.yaml", aliases)]);
    assert!(
        loaded
            .diagnostics
            .render(false)
            .contains("anchors and aliases are not allowed")
    );
}
