//! JSON documents written as YAML, for exports whose readers expect YAML (AsyncAPI files are
//! usually `asyncapi.yaml`).
//!
//! The emitter is yaml-rust2's, the YAML library under `marked-yaml` that parses our schemas,
//! so no second YAML stack enters the build. Key order is kept; strings that a YAML reader
//! could take for another type (`true`, `1.0`, `null`, ...) or that need escapes are quoted.

use serde_json::Value;
use yaml_rust2::yaml::{Hash, Yaml};
use yaml_rust2::{YamlEmitter, emitter::EmitError};

/// `value` as a YAML document, without the `---` header, ending with a newline.
pub fn to_yaml(value: &Value) -> String {
    let mut text = String::new();
    let mut emitter = YamlEmitter::new(&mut text);
    // The only error is the writer's, and writing to a `String` cannot fail.
    let (Ok(()) | Err(EmitError::FmtError(_))) = emitter.dump(&convert(value));
    let body = text.strip_prefix("---\n").unwrap_or(&text);
    let mut body = body.to_owned();
    body.push('\n');
    body
}

fn convert(value: &Value) -> Yaml {
    match value {
        Value::Null => Yaml::Null,
        Value::Bool(flag) => Yaml::Boolean(*flag),
        Value::Number(number) => match number.as_i64() {
            Some(integer) => Yaml::Integer(integer),
            None => Yaml::Real(number.to_string()),
        },
        Value::String(text) => Yaml::String(text.clone()),
        Value::Array(items) => Yaml::Array(items.iter().map(convert).collect()),
        Value::Object(map) => {
            let mut hash = Hash::new();
            for (key, item) in map {
                hash.insert(Yaml::String(key.clone()), convert(item));
            }
            Yaml::Hash(hash)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use yaml_rust2::YamlLoader;

    /// The YAML read back as JSON, with YAML's own parser.
    fn read_back(text: &str) -> Value {
        let docs = YamlLoader::load_from_str(text).expect("the emitted YAML parses");
        assert_eq!(docs.len(), 1, "one document");
        to_json(&docs[0])
    }

    fn to_json(yaml: &Yaml) -> Value {
        match yaml {
            Yaml::Null => Value::Null,
            Yaml::Boolean(flag) => Value::Bool(*flag),
            Yaml::Integer(integer) => Value::from(*integer),
            Yaml::Real(text) => serde_json::from_str(text).expect("a JSON number"),
            Yaml::String(text) => Value::String(text.clone()),
            Yaml::Array(items) => Value::Array(items.iter().map(to_json).collect()),
            Yaml::Hash(hash) => Value::Object(
                hash.iter()
                    .map(|(key, item)| {
                        (key.as_str().expect("string keys").to_owned(), to_json(item))
                    })
                    .collect(),
            ),
            other => panic!("unexpected YAML node {other:?}"),
        }
    }

    #[test]
    fn strings_that_look_like_other_types_stay_strings() {
        let value = serde_json::json!({
            "true": "false", "null": "~", "1": "2.5", "yes": "no", "date": "2025-09-26",
            "ref": "#/components/schemas/UserCreatedV1", "address": "events:user.created",
            "multi": "line one\nline two\n", "quote": "it's \"quoted\"", "empty": "",
            "spaces": " padded ", "list": [], "map": {}, "numbers": [0, -7, 1.5, 1e300],
        });
        let text = to_yaml(&value);
        assert_eq!(read_back(&text), value, "{text}");
        assert!(text.contains("address: \"events:user.created\""), "{text}");
    }

    fn json() -> impl Strategy<Value = Value> {
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
        fn any_json_value_reads_back_unchanged(value in json()) {
            let text = to_yaml(&value);
            prop_assert_eq!(read_back(&text), value, "{}", text);
        }
    }
}
