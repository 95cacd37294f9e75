//! Sensitive fields hidden before an event leaves the console, as the catalogue marks them
//! (`sensitive: true`), at any depth: in records, lists and maps of records. An event the
//! catalogue cannot place (an unknown type or version, an entry whose `event_data` is not
//! JSON) shows its envelope only: what it holds is unknown, so all of it is treated as
//! sensitive. `?reveal=sensitive` shows everything, and the console logs that it did.

use event_cli::schemas::Schemas;
use event_codegen::ir::{Field, FieldType, NamedType};
use serde::Serialize;
use serde_json::Value;

/// What replaces a hidden value.
pub const MARK: &str = "[redacted]";

/// What was hidden.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct Redacted {
    /// Paths of hidden values: `first_name`, `contacts[0].phone`.
    pub fields: Vec<String>,
    /// The catalogue does not know the event's shape: every payload value is hidden.
    pub whole_payload: bool,
}

/// Hides the sensitive values of `event`, an event of `event_type` as JSON.
pub fn redact(schemas: &Schemas, event_type: &str, event: &mut Value) -> Redacted {
    let mut redacted = Redacted::default();
    let raw_fields = event.get("event_data").is_some();
    let version = event
        .get("version")
        .and_then(Value::as_str)
        .and_then(event_runtime::wire::parse_version);
    let fields = schemas.event(event_type).and_then(|def| {
        def.versions
            .iter()
            .find(|v| Some(v.number) == version)
            .map(|v| &v.fields)
    });
    match (fields, event) {
        (Some(fields), event) if !raw_fields => {
            hide_fields(schemas, fields, event, "", &mut redacted.fields);
        }
        (_, Value::Object(map)) => {
            for (name, value) in map.iter_mut() {
                if !event_runtime::ENVELOPE_FIELDS.contains(&name.as_str()) && !value.is_null() {
                    *value = Value::String(MARK.to_owned());
                    redacted.fields.push(name.clone());
                }
            }
            redacted.whole_payload = true;
        }
        (_, other) => {
            *other = Value::String(MARK.to_owned());
            redacted.whole_payload = true;
        }
    }
    redacted
}

fn hide_fields(
    schemas: &Schemas,
    fields: &[Field],
    value: &mut Value,
    prefix: &str,
    hidden: &mut Vec<String>,
) {
    let Value::Object(map) = value else {
        return;
    };
    for field in fields {
        let Some(value) = map.get_mut(&field.name) else {
            continue;
        };
        let path = if prefix.is_empty() {
            field.name.clone()
        } else {
            format!("{prefix}.{}", field.name)
        };
        if field.sensitive {
            if !value.is_null() {
                *value = Value::String(MARK.to_owned());
                hidden.push(path);
            }
        } else {
            hide_in(schemas, &field.ty, value, &path, hidden);
        }
    }
}

/// Follows a value of type `ty` down to the records it holds.
fn hide_in(
    schemas: &Schemas,
    ty: &FieldType,
    value: &mut Value,
    path: &str,
    hidden: &mut Vec<String>,
) {
    match (ty, value) {
        (FieldType::Record(name), value) => {
            if let Some(NamedType::Record(record)) = schemas.catalogue().types.get(name) {
                hide_fields(schemas, &record.fields, value, path, hidden);
            }
        }
        (FieldType::List(item), Value::Array(items)) => {
            for (index, value) in items.iter_mut().enumerate() {
                hide_in(schemas, item, value, &format!("{path}[{index}]"), hidden);
            }
        }
        (FieldType::Map(item), Value::Object(map)) => {
            for (key, value) in map.iter_mut() {
                hide_in(schemas, item, value, &format!("{path}.{key}"), hidden);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn built_in() -> Schemas {
        Schemas::built_in().expect("the built-in catalogue loads")
    }

    #[test]
    fn sensitive_fields_of_the_version_are_hidden() {
        let mut event = json!({
            "event_type": "user.created", "version": "v2", "user_id": 7,
            "telegram_id": 1, "first_name": "Ada", "last_name": null,
            "full_name": "Ada", "role": "executor",
        });
        let redacted = redact(&built_in(), "user.created", &mut event);
        assert_eq!(redacted.fields, ["first_name", "full_name"]);
        assert!(!redacted.whole_payload);
        assert_eq!(event["first_name"], MARK);
        assert_eq!(event["last_name"], Value::Null);
        assert_eq!(event["role"], "executor");
        assert_eq!(event["user_id"], 7);
    }

    #[test]
    fn unknown_shapes_show_the_envelope_only() {
        let schemas = built_in();
        for (event_type, mut event) in [
            (
                "user.created",
                json!({"version": "v9", "event_id": "e", "first_name": "Ada"}),
            ),
            (
                "parcel.shipped",
                json!({"version": "v1", "event_id": "e", "carrier": "DHL"}),
            ),
            (
                "user.created",
                json!({"version": "v1", "event_id": "e", "event_data": "{not json Ada"}),
            ),
        ] {
            let redacted = redact(&schemas, event_type, &mut event);
            assert!(redacted.whole_payload, "{event}");
            assert_eq!(event["event_id"], "e");
            let hidden = event
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(_, value)| *value == MARK)
                .count();
            assert_eq!(hidden, 1, "{event}");
        }
    }

    #[test]
    fn records_in_lists_are_followed() {
        let yaml = r#"
catalogue: { name: t, version: 1.0.0 }
types:
  Contact:
    kind: record
    description: A contact.
    fields:
      phone: { type: string, description: Phone., sensitive: true }
      label: { type: string, description: Label. }
events:
  crm.updated:
    description: Contacts changed.
    versions:
      v1:
        description: First.
        fields:
          contacts: { type: "list<Contact>", description: Contacts. }
"#;
        let catalogue = event_codegen::load_sources(vec![event_codegen::ir::SourceFile {
            path: "t.yaml".into(),
            text: yaml.into(),
        }])
        .into_result()
        .expect("the fixture compiles");
        let schemas = Schemas::new(catalogue, event_cli::schemas::Source::Memory).expect("usable");
        let mut event = json!({"version": "v1", "contacts": [
            {"phone": "+44 1", "label": "home"}, {"phone": null, "label": "work"}
        ]});
        let redacted = redact(&schemas, "crm.updated", &mut event);
        assert_eq!(redacted.fields, ["contacts[0].phone"]);
        assert_eq!(event["contacts"][0]["phone"], MARK);
        assert_eq!(event["contacts"][0]["label"], "home");
    }
}
