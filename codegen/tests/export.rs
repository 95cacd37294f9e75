//! The exports, snapshotted on a small catalogue that uses every type, constraint, presence
//! and migration form: JSON Schema per version, AsyncAPI 3.0, Markdown.

use std::path::Path;

use event_codegen::Catalogue;
use event_codegen::export::{asyncapi, jsonschema, markdown, yaml};
use proptest::prelude::*;

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

/// A YAML document read back as JSON, with YAML's own parser.
fn yaml_to_json(yaml: &yaml_rust2::Yaml) -> serde_json::Value {
    use serde_json::Value;
    use yaml_rust2::Yaml;
    match yaml {
        Yaml::Null => Value::Null,
        Yaml::Boolean(flag) => Value::Bool(*flag),
        Yaml::Integer(integer) => Value::from(*integer),
        Yaml::Real(text) => serde_json::from_str(text).expect("a JSON number"),
        Yaml::String(text) => Value::String(text.clone()),
        Yaml::Array(items) => Value::Array(items.iter().map(yaml_to_json).collect()),
        Yaml::Hash(hash) => Value::Object(
            hash.iter()
                .map(|(key, item)| {
                    (
                        key.as_str().expect("string keys").to_owned(),
                        yaml_to_json(item),
                    )
                })
                .collect(),
        ),
        other => panic!("unexpected YAML node {other:?}"),
    }
}

#[test]
fn asyncapi_as_yaml_holds_the_same_document() {
    for catalogue in [catalogue(), whole_catalogue()] {
        let yaml = asyncapi::document_yaml(&catalogue);
        let json: serde_json::Value =
            serde_json::from_str(&asyncapi::document(&catalogue)).expect("JSON");
        assert_eq!(read_yaml(&yaml), json);
        assert_eq!(read_yaml(&yaml), asyncapi::value(&catalogue));
    }
    insta::assert_snapshot!("asyncapi_yaml", asyncapi::document_yaml(&catalogue()));
}

fn whole_catalogue() -> Catalogue {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    event_codegen::load_dir(&dir)
        .expect("readable")
        .into_result()
        .expect("valid")
}

#[test]
fn yaml_strings_that_look_like_other_types_stay_strings() {
    let value = serde_json::json!({
        "true": "false", "null": "~", "1": "2.5", "yes": "no", "date": "2025-09-26",
        "ref": "#/components/schemas/UserCreatedV1", "address": "events:user.created",
        "multi": "line one\nline two\n", "quote": "it's \"quoted\"", "empty": "",
        "spaces": " padded ", "list": [], "map": {}, "numbers": [0, -7, 1.5, 1e300],
        "newline": ["\n", null],
    });
    let text = yaml::to_yaml(&value);
    assert_eq!(read_yaml(&text), value, "{text}");
    assert!(text.contains("address: \"events:user.created\""), "{text}");
}

fn read_yaml(text: &str) -> serde_json::Value {
    let docs = yaml_rust2::YamlLoader::load_from_str(text).expect("the emitted YAML parses");
    assert_eq!(docs.len(), 1, "one document");
    yaml_to_json(&docs[0])
}

fn any_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        "[a-z:#\\-\\[\\]{}, '\"\n0-9.]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn any_json_value_reads_back_unchanged_from_yaml(value in any_json()) {
        let text = yaml::to_yaml(&value);
        prop_assert_eq!(read_yaml(&text), value, "{}", text);
    }
}
