//! The exports, snapshotted on a small catalogue that uses every type, constraint, presence
//! and migration form: JSON Schema per version, AsyncAPI 3.0, Markdown.

use std::path::Path;

use event_codegen::Catalogue;
use event_codegen::export::{asyncapi, jsonschema, markdown};

fn catalogue() -> Catalogue {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/export");
    event_codegen::load_dir(&dir)
        .expect("readable")
        .into_result()
        .expect("the export fixture is valid")
}

#[test]
fn json_schema_per_event_version() {
    let files = jsonschema::files(&catalogue());
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "parcel.shipped.v1.schema.json",
            "parcel.shipped.v2.schema.json"
        ]
    );
    for (name, text) in files {
        let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(
            value["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn asyncapi_document() {
    let text = asyncapi::document(&catalogue());
    let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(value["asyncapi"], "3.0.0");
    assert_eq!(
        value["channels"]["parcelShippedStream"]["address"],
        "events:parcel.shipped"
    );
    assert_eq!(
        value["channels"]["parcelShippedPubSub"]["address"],
        "events.parcel.shipped"
    );
    assert!(value["components"]["messages"]["ParcelShippedV2"].is_object());
    insta::assert_snapshot!("asyncapi", text);
}

#[test]
fn markdown_catalogue() {
    insta::assert_snapshot!("markdown", markdown::document(&catalogue()));
}

#[test]
fn exports_of_the_whole_catalogue_are_deterministic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let load = || {
        event_codegen::load_dir(&dir)
            .expect("readable")
            .into_result()
            .expect("valid")
    };
    let (first, second) = (load(), load());
    assert_eq!(jsonschema::files(&first), jsonschema::files(&second));
    assert_eq!(jsonschema::files(&first).len(), 25);
    assert_eq!(asyncapi::document(&first), asyncapi::document(&second));
    assert_eq!(markdown::document(&first), markdown::document(&second));
}
