//! The fingerprint of a version's wire shape (`compat/fingerprint.rs`): what counts as shape.
//! Texts, `sensitive` and the catalogue's version leave it as it was; every in-place edit of
//! what a reader accepts or reads changes it. docs/wire-format.md ("Fingerprints and levels")
//! says the same.

use event_codegen::compat::fingerprint::fingerprint;
use event_codegen::ir::SourceFile;

/// A catalogue of one event, `a.happened` v1, with three fields, one of them of the enum
/// `Mood`.
const CATALOGUE: &str = "catalogue: { name: c, version: 1.0.0 }
types:
  Mood:
    kind: enum
    description: How it felt.
    values:
      - value: happy
        description: Glad.
      - value: sad
        description: Not glad.
events:
  a.happened:
    description: Something happened.
    versions:
      v1:
        description: First version.
        fields:
          count: { type: int32, description: How many., min: 1 }
          note: { type: string, description: A note., optional: true }
          mood: { type: Mood, description: How it felt. }
";

/// The fingerprint of `a.happened` v1 after replacing `from` by `to` in [`CATALOGUE`].
fn fingerprint_with(from: &str, to: &str) -> String {
    assert!(CATALOGUE.contains(from), "`{from}` is not in the catalogue");
    let file = SourceFile {
        path: "a.yaml".into(),
        text: CATALOGUE.replace(from, to),
    };
    let catalogue = event_codegen::load_sources(vec![file])
        .into_result()
        .unwrap_or_else(|error| panic!("{error}"));
    let event = &catalogue.events["a.happened"];
    fingerprint(&catalogue, event, &event.versions[0])
}

#[test]
fn texts_sensitive_and_the_catalogue_version_are_not_shape() {
    let original = fingerprint_with("", "");
    assert_eq!(original.len(), 64);
    let same = [
        ("Something happened.", "Something else happened."),
        ("First version.", "The first version."),
        ("A note.", "A longer note."),
        ("description: Not glad.", "description: Sad."),
        ("How it felt.", "The mood."),
        ("version: 1.0.0", "version: 1.0.1"),
        ("optional: true }", "optional: true, sensitive: true }"),
    ];
    for (from, to) in same {
        assert_eq!(fingerprint_with(from, to), original, "`{from}` -> `{to}`");
    }
}

#[test]
fn every_in_place_edit_of_the_wire_shape_changes_the_fingerprint() {
    let original = fingerprint_with("", "");
    let edits = [
        // A field's type.
        ("type: int32", "type: int64"),
        // Required, optional, a default.
        ("optional: true }", "}"),
        ("optional: true }", "default: \"\" }"),
        // An added field.
        (
            "          mood:",
            "          extra: { type: bool, description: More., optional: true }\n          mood:",
        ),
        // A constraint.
        ("min: 1", "min: 2"),
        ("min: 1", "min: 1, max: 10"),
        // A value of an enum the version uses.
        (
            "        description: Not glad.",
            "        description: Not glad.\n      - value: calm\n        description: Neither.",
        ),
        // The envelope's user id required.
        (
            "        description: First version.",
            "        description: First version.\n        envelope: { user_id: Who did it. }",
        ),
    ];
    let mut seen = vec![original];
    for (from, to) in edits {
        let edited = fingerprint_with(from, to);
        assert!(
            !seen.contains(&edited),
            "`{from}` -> `{to}` left it as it was"
        );
        seen.push(edited);
    }
}
