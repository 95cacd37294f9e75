//! JSON Schema (2020-12), one document per event version, envelope included.

use serde_json::{Map, Value, json};

use crate::export::schema::Builder;
use crate::ir::{Catalogue, EventDef, VersionDef};

/// The file name of an event version's schema: `user.created.v1.schema.json`.
pub fn file_name(event: &EventDef, version: &VersionDef) -> String {
    format!("{}.v{}.schema.json", event.name, version.number)
}

/// The schema of one event version's `event_data`.
pub fn event_version(catalogue: &Catalogue, event: &EventDef, version: &VersionDef) -> Value {
    let builder = Builder {
        catalogue,
        ref_prefix: "#/$defs/",
    };
    let body = builder.event_version(event, version);
    let mut schema = Map::new();
    schema.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    schema.insert(
        "$id".into(),
        json!(format!(
            "urn:schema-events:{}:{}:v{}",
            catalogue.name, event.name, version.number
        )),
    );
    schema.insert("title".into(), json!(event.struct_name(version.number)));
    schema.insert(
        "description".into(),
        json!(format!(
            "{}\n\nVersion {}: {}\n\nThe `event_data` JSON of {} v{} (catalogue {} {}): envelope and payload in one flat object. Unknown properties are ignored by readers.",
            event.description,
            version.number,
            version.description,
            event.name,
            version.number,
            catalogue.name,
            catalogue.version
        )),
    );
    if let Value::Object(body) = body {
        schema.extend(body);
    }
    let defs: Map<String, Value> = catalogue
        .used_types(&version.fields)
        .into_iter()
        .filter_map(|name| {
            let def = catalogue.types.get(&name)?;
            Some((name, builder.named(def)))
        })
        .collect();
    if !defs.is_empty() {
        schema.insert("$defs".into(), Value::Object(defs));
    }
    Value::Object(schema)
}

/// Every event version's schema: (file name, pretty JSON text), in catalogue order.
pub fn files(catalogue: &Catalogue) -> Vec<(String, String)> {
    catalogue
        .events
        .values()
        .flat_map(|event| {
            event.versions.iter().map(move |version| {
                let mut text =
                    serde_json::to_string_pretty(&event_version(catalogue, event, version))
                        .unwrap_or_default();
                text.push('\n');
                (file_name(event, version), text)
            })
        })
        .collect()
}
