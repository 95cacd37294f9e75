//! The fingerprint of one event version's wire shape: the lowercase hex SHA-256 of a
//! canonical text, written into the generated registry so that two services built from equal
//! schemas agree on it and an in-place edit of a released version changes it.
//!
//! The canonical text is the lockfile's record of the version ([`LockedVersion`]) with what is
//! not wire shape left out, plus the named types it reaches, as canonical JSON. What counts as
//! shape is what decides which JSON a reader accepts and what it reads from it: field names,
//! order, types, `optional`, defaults, constraints, the envelope's `user_id` requirement, and
//! the values and openness of enums and the fields of records. Texts (descriptions), `sensitive`
//! (a rule for logs) and migrations (how the version is built from the one before) are not.
//! docs/wire-format.md ("Fingerprints and levels") states the same for other languages.

use std::fmt::Write as _;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::lockfile::{LockedType, Lockfile};
use crate::ir::{Catalogue, EventDef, VersionDef};

/// Keys of a lockfile version, field or named type that are not wire shape.
const NOT_SHAPE: [&str; 4] = ["docs", "migrate_with", "source", "sensitive"];

/// The fingerprint of `version` of `event`: lowercase hex SHA-256 of [`canonical_text`].
pub fn fingerprint(catalogue: &Catalogue, event: &EventDef, version: &VersionDef) -> String {
    let digest = Sha256::digest(canonical_text(catalogue, event, version).as_bytes());
    digest
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// The text the fingerprint hashes: a JSON object with the event type, the lockfile's record of
/// the version without [`NOT_SHAPE`] keys, and `types`, the lockfile's record of every named
/// type the version reaches (directly or through records) without those keys; written as
/// [`canonical_json`].
///
/// ```
/// use event_codegen::compat::fingerprint::canonical_text;
/// use event_codegen::ir::SourceFile;
///
/// let text = "catalogue: { name: c, version: 1.0.0 }
/// events:
///   a.happened:
///     description: It did.
///     versions:
///       v1:
///         description: First.
///         fields:
///           n: { type: int32, description: How many., min: 1 }
/// ";
/// let file = SourceFile { path: "a.yaml".into(), text: text.into() };
/// let catalogue = event_codegen::load_sources(vec![file]).into_result()?;
/// let event = &catalogue.events["a.happened"];
/// assert_eq!(
///     canonical_text(&catalogue, event, &event.versions[0]),
///     r#"{"event_type":"a.happened","fields":[{"constraints":{"min":1.0},"name":"n","type":"int32"}],"types":{},"version":1}"#,
/// );
/// # Ok::<(), event_codegen::Error>(())
/// ```
pub fn canonical_text(catalogue: &Catalogue, event: &EventDef, version: &VersionDef) -> String {
    let lock = Lockfile::from_catalogue(catalogue);
    let mut record = lock
        .events
        .get(&event.name)
        .and_then(|locked| locked.version(version.number))
        .and_then(|locked| serde_json::to_value(locked).ok())
        .unwrap_or(Value::Null);
    strip(&mut record);
    let types: Map<String, Value> = catalogue
        .used_types(&version.fields)
        .into_iter()
        .filter_map(|name| {
            let locked: &LockedType = lock.types.get(&name)?;
            let mut value = serde_json::to_value(locked).ok()?;
            strip(&mut value);
            Some((name, value))
        })
        .collect();
    if let Value::Object(record) = &mut record {
        record.insert("event_type".into(), Value::String(event.name.clone()));
        record.insert("types".into(), Value::Object(types));
    }
    canonical_json(&record)
}

/// Removes the [`NOT_SHAPE`] keys from a lockfile record and from the fields inside it.
fn strip(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for key in NOT_SHAPE {
                map.remove(key);
            }
            if let Some(fields) = map.get_mut("fields") {
                strip(fields);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip),
        _ => {}
    }
}

/// JSON without whitespace, object keys sorted by their UTF-8 bytes, strings escaped as
/// serde_json escapes them (`"`, `\` and control characters only; other characters as
/// UTF-8), numbers as serde_json writes them.
pub fn canonical_json(value: &Value) -> String {
    fn write(value: &Value, out: &mut String) {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|(a, _), (b, _)| a.as_bytes().cmp(b.as_bytes()));
                out.push('{');
                for (index, (key, value)) in entries.into_iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(key.clone()).to_string());
                    out.push(':');
                    write(value, out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            scalar => out.push_str(&scalar.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out
}
