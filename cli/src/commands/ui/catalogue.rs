//! The Catalogue page's data, from the generator's IR: every event type with its
//! compatibility level and versions, each version's fields (type, optional, default,
//! constraints, sensitive), the migration from the version before as a diff, the named types;
//! and each version's JSON Schema (the export's own document) to download.

use event_codegen::export::jsonschema;
use event_codegen::ir::{
    Catalogue, Conversion, EventDef, Field, FieldSource, Migration, NamedType, Span, VersionDef,
    template_text,
};
use serde_json::{Value, json};

use super::error::ApiError;

/// `GET /api/catalogue`: the whole catalogue, as the page shows it.
pub fn document(catalogue: &Catalogue, source: &str) -> Value {
    json!({
        "name": catalogue.name,
        "version": catalogue.version.to_string(),
        "source": source,
        "compatibility": catalogue.compatibility.as_str(),
        "events": catalogue.events.values().map(|event| event_json(catalogue, event)).collect::<Vec<_>>(),
        "types": catalogue.types.values().map(|named| named_json(catalogue, named)).collect::<Vec<_>>(),
    })
}

/// `GET /api/schemas/<type>/v<n>`: the JSON Schema of one version, and its file name.
pub fn schema(
    catalogue: &Catalogue,
    event_type: &str,
    version: u32,
) -> Result<(String, Value), ApiError> {
    let event = catalogue.events.get(event_type).ok_or_else(|| {
        ApiError::not_found(format!(
            "`{event_type}` is not an event type of catalogue `{}`",
            catalogue.name
        ))
    })?;
    let def = event
        .versions
        .iter()
        .find(|v| v.number == version)
        .ok_or_else(|| ApiError::not_found(format!("`{event_type}` has no version v{version}")))?;
    Ok((
        jsonschema::file_name(event, def),
        jsonschema::event_version(catalogue, event, def),
    ))
}

fn event_json(catalogue: &Catalogue, event: &EventDef) -> Value {
    let versions: Vec<Value> = event
        .versions
        .iter()
        .map(|version| {
            let previous = event
                .versions
                .iter()
                .find(|v| v.number + 1 == version.number);
            json!({
                "number": version.number,
                "tag": format!("v{}", version.number),
                "struct": event.struct_name(version.number),
                "description": version.description,
                "requires_user_id": version.requires_user_id,
                "fields": version.fields.iter().map(field_json).collect::<Vec<_>>(),
                "schema_url": format!("/api/schemas/{}/v{}", event.name, version.number),
                "schema_file": jsonschema::file_name(event, version),
                "migration": previous.map(|previous| migration_json(previous, version)),
                "defined_at": place(catalogue, version.span),
            })
        })
        .collect();
    json!({
        "name": event.name,
        "domain": event.name.split('.').next().unwrap_or(&event.name),
        "description": event.description,
        "compatibility": event.compatibility.unwrap_or(catalogue.compatibility).as_str(),
        "compatibility_inherited": event.compatibility.is_none(),
        "versions": versions,
        "defined_at": place(catalogue, event.span),
    })
}

fn field_json(field: &Field) -> Value {
    json!({
        "name": field.name,
        "type": field.ty.schema_name(),
        "optional": field.optional,
        "default": field.default.as_ref().map(|default| default.to_json()),
        "sensitive": field.sensitive,
        "constraints": field.constraints.entries().map(|constraint| json!({
            "key": constraint.key(),
            "text": constraint.requirement(),
        })).collect::<Vec<_>>(),
        "description": field.description,
        "renamed_from": field.renamed_from,
    })
}

fn named_json(catalogue: &Catalogue, named: &NamedType) -> Value {
    match named {
        NamedType::Enum(def) => json!({
            "name": def.name,
            "kind": "enum",
            "description": def.description,
            "open": def.open,
            "values": def.values.iter().map(|value| json!({
                "wire": value.wire,
                "description": value.description,
            })).collect::<Vec<_>>(),
            "defined_at": place(catalogue, def.span),
        }),
        NamedType::Record(def) => json!({
            "name": def.name,
            "kind": "record",
            "description": def.description,
            "fields": def.fields.iter().map(field_json).collect::<Vec<_>>(),
            "defined_at": place(catalogue, def.span),
        }),
    }
}

/// `schemas/user.yaml:27`.
fn place(catalogue: &Catalogue, span: Span) -> Option<String> {
    let file = catalogue.files.get(span.file)?;
    let line = file.text.get(..span.start)?.matches('\n').count() + 1;
    Some(format!("{}:{line}", file.path))
}

/// How `version` is built from `previous`, field by field: one row per field of either, with
/// what changed (`added`, `removed`, `renamed`, `copied`, `mapped`, `changed`, `same`), the field's
/// type before and after, and notes (where a new value comes from, what changed in a kept
/// field).
fn migration_json(previous: &VersionDef, version: &VersionDef) -> Value {
    let function = version.migration.as_ref().and_then(Migration::function);
    let sources = match &version.migration {
        Some(Migration::Fields(sources)) => sources.as_slice(),
        _ => &[],
    };
    let mut rows = Vec::new();
    for field in &version.fields {
        let source = sources
            .iter()
            .find(|s| s.field == field.name)
            .map(|s| &s.source);
        let from_name = match source {
            Some(FieldSource::Field { from, .. }) => from.as_str(),
            _ => field.name.as_str(),
        };
        let before = previous.fields.iter().find(|f| f.name == from_name);
        let mut notes = Vec::new();
        let mut change = match (source, before) {
            (
                Some(FieldSource::Field {
                    from, conversion, ..
                }),
                _,
            ) if *from != field.name => {
                if field.renamed_from.as_deref() == Some(from) {
                    "renamed"
                } else if let Conversion::EnumMap {
                    from_enum, to_enum, ..
                } = conversion
                {
                    notes.push(format!(
                        "from `{from}`, each {from_enum} value mapped to a {to_enum} value"
                    ));
                    "mapped"
                } else {
                    notes.push(format!("copied from `{from}`"));
                    "copied"
                }
            }
            (Some(FieldSource::Template(parts)), _) => {
                notes.push(format!("template `{}`", template_text(parts)));
                if before.is_some() { "changed" } else { "added" }
            }
            (Some(FieldSource::Default(value)), _) => {
                notes.push(format!("older events get the default {}", value.to_json()));
                if before.is_some() { "changed" } else { "added" }
            }
            (Some(FieldSource::Absent), _) => {
                notes.push("absent from older events".to_owned());
                "added"
            }
            (Some(FieldSource::Function(path)), _) => {
                notes.push(format!("computed by `{path}`"));
                if before.is_some() { "changed" } else { "added" }
            }
            (_, None) => "added",
            (_, Some(_)) => "same",
        };
        if let Some(before) = before {
            let mut differences = differences(before, field, source);
            if change == "mapped" {
                differences.retain(|note| !note.starts_with("type "));
            }
            if !differences.is_empty() && change == "same" {
                change = "changed";
            }
            notes.extend(differences);
        }
        rows.push(json!({
            "change": change,
            "field": field.name,
            "from": before.map(|b| b.name.clone()),
            "before": before.map(|b| json!({ "type": b.ty.schema_name(), "optional": b.optional })),
            "after": { "type": field.ty.schema_name(), "optional": field.optional },
            "sensitive": field.sensitive,
            "notes": notes,
        }));
    }
    // A field of the version before is gone unless the new version has it, under its name
    // or renamed; a field only copied or mapped into another is gone all the same.
    let kept = |name: &str| {
        version
            .fields
            .iter()
            .any(|f| f.name == name || f.renamed_from.as_deref() == Some(name))
    };
    for before in previous.fields.iter().filter(|f| !kept(&f.name)) {
        rows.push(json!({
            "change": "removed",
            "field": before.name,
            "from": before.name,
            "before": { "type": before.ty.schema_name(), "optional": before.optional },
            "after": null,
            "sensitive": before.sensitive,
            "notes": ["not in the new version: readers of it ignore the old value"],
        }));
    }
    json!({
        "from": previous.number,
        "to": version.number,
        "function": function,
        "rows": rows,
    })
}

/// What differs between a field and the field of the version before it comes from.
fn differences(before: &Field, after: &Field, source: Option<&FieldSource>) -> Vec<String> {
    let mut notes = Vec::new();
    if before.ty != after.ty {
        notes.push(format!(
            "type {} -> {}",
            before.ty.schema_name(),
            after.ty.schema_name()
        ));
    }
    match (before.optional, after.optional) {
        (true, false) => {
            let default = match source {
                Some(FieldSource::Field {
                    default: Some(value),
                    ..
                }) => format!("; absent values become {}", value.to_json()),
                _ => String::new(),
            };
            notes.push(format!("now required{default}"));
        }
        (false, true) => notes.push("now optional".to_owned()),
        _ => {}
    }
    let constraints = |field: &Field| {
        field
            .constraints
            .entries()
            .map(|c| c.requirement())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (old, new) = (constraints(before), constraints(after));
    if old != new {
        let shown = |text: String| {
            if text.is_empty() {
                "none".to_owned()
            } else {
                text
            }
        };
        notes.push(format!("constraints {} -> {}", shown(old), shown(new)));
    }
    if before.default != after.default {
        let shown = |field: &Field| {
            field
                .default
                .as_ref()
                .map_or_else(|| "none".to_owned(), |d| d.to_json().to_string())
        };
        notes.push(format!("default {} -> {}", shown(before), shown(after)));
    }
    if before.sensitive != after.sensitive {
        notes.push(if after.sensitive {
            "now sensitive".to_owned()
        } else {
            "no longer sensitive".to_owned()
        });
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built_in() -> Catalogue {
        event_cli::schemas::Schemas::built_in()
            .expect("the built-in catalogue loads")
            .catalogue()
            .clone()
    }

    fn row<'a>(rows: &'a Value, field: &str) -> &'a Value {
        rows.as_array()
            .into_iter()
            .flatten()
            .find(|row| row["field"] == field)
            .unwrap_or_else(|| panic!("no row for {field}: {rows}"))
    }

    #[test]
    fn user_created_v2_shows_its_migration() {
        let document = document(&built_in(), "built in");
        let event = document["events"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|event| event["name"] == "user.created")
            .expect("user.created");
        let v2 = &event["versions"][1];
        assert_eq!(v2["tag"], "v2");
        let rows = &v2["migration"]["rows"];
        assert_eq!(row(rows, "full_name")["change"], "added");
        assert_eq!(
            row(rows, "full_name")["notes"][0],
            "template `{first_name} {last_name}`"
        );
        assert_eq!(row(rows, "permissions")["change"], "added");
        assert_eq!(row(rows, "telegram_id")["change"], "same");
        assert_eq!(event["versions"][0]["migration"], Value::Null);
        let first_name = v2["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|field| field["name"] == "first_name")
            .expect("first_name");
        assert_eq!(first_name["sensitive"], true);
    }

    #[test]
    fn copies_maps_and_renames_are_told_apart() {
        let document = document(&built_in(), "built in");
        let rows = |name: &str| {
            document["events"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|event| event["name"] == name)
                .map(|event| event["versions"][1]["migration"]["rows"].clone())
                .unwrap_or_default()
        };
        let requests = rows("request.created");
        assert_eq!(row(&requests, "priority")["change"], "mapped");
        assert_eq!(row(&requests, "priority")["from"], "urgency");
        assert_eq!(row(&requests, "coordinates")["change"], "added");
        let shifts = rows("shift.transferred");
        assert_eq!(row(&shifts, "requested_by")["change"], "copied");
        assert_eq!(row(&shifts, "transferred_at")["change"], "renamed");
        assert_eq!(row(&shifts, "transferred_at")["from"], "transfer_date");
        assert!(
            !shifts
                .as_array()
                .into_iter()
                .flatten()
                .any(|row| row["field"] == "transfer_date"),
            "a renamed field is not also removed: {shifts}"
        );
    }

    #[test]
    fn schemas_are_the_exported_documents() {
        let catalogue = built_in();
        let (file, document) = schema(&catalogue, "user.created", 2).expect("v2");
        assert_eq!(file, "user.created.v2.schema.json");
        assert_eq!(document["title"], "UserCreatedV2");
        assert!(schema(&catalogue, "user.created", 9).is_err());
        assert!(schema(&catalogue, "parcel.shipped", 1).is_err());
    }
}
