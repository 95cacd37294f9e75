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
