//! JSON Schema of the wire format: the envelope, fields, named types and constraints.

use serde_json::{Map, Value, json};

use crate::ir::{
    Catalogue, Constraint, Constraints, EventDef, Field, FieldType, NamedType, VersionDef,
};

/// A UUID in its hyphenated form.
pub const UUID_PATTERN: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
/// An RFC 3339 time; writers use UTC with `Z`, readers accept offsets too.
pub const DATETIME_PATTERN: &str =
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$";
/// A naive time, without an offset, as the original Python services write them
/// (`datetime.isoformat()`: `2025-09-26T10:30:00`, `2025-09-26T10:30:00.123456`; also with a
/// space for the `T`). Readers take it as UTC.
pub const NAIVE_DATETIME_PATTERN: &str = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?$";

/// The schema of a `datetime` value: what the readers accept, an RFC 3339 time (what writers
/// of this catalogue produce, UTC with `Z`) or a naive time read as UTC (what the original
/// services produce). `format: date-time` alone would reject the naive ones.
pub fn datetime_schema() -> Value {
    json!({
        "type": "string",
        "anyOf": [
            { "format": "date-time", "pattern": DATETIME_PATTERN },
            { "pattern": NAIVE_DATETIME_PATTERN },
        ],
    })
}
/// `YYYY-MM-DD`.
pub const DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
/// An exact decimal as text: optional `-`, digits, optional fraction.
pub const DECIMAL_PATTERN: &str = "^-?[0-9]+(\\.[0-9]+)?$";

/// Builds schemas whose references to named types start with `ref_prefix`
/// (`#/$defs/` in JSON Schema, `#/components/schemas/` in AsyncAPI).
#[derive(Debug, Clone, Copy)]
pub struct Builder<'a> {
    /// The catalogue.
    pub catalogue: &'a Catalogue,
    /// Prefix of `$ref`s to named types.
    pub ref_prefix: &'a str,
}

impl Builder<'_> {
    /// The object schema of one event version's `event_data`: envelope and payload.
    pub fn event_version(&self, event: &EventDef, version: &VersionDef) -> Value {
        let mut properties = Map::new();
        let mut required = vec![
            json!("event_type"),
            json!("version"),
            json!("event_id"),
            json!("timestamp"),
        ];
        properties.insert(
            "event_type".into(),
            json!({ "const": event.name, "description": "Event type (envelope)." }),
        );
        properties.insert(
            "version".into(),
            json!({ "const": format!("v{}", version.number), "description": "Event version (envelope)." }),
        );
        properties.insert(
            "event_id".into(),
            json!({ "type": "string", "description": "Unique id of the event (envelope): any string is read, as the original services declared it `str`; the Rust runtime writes a UUIDv7." }),
        );
        let mut timestamp = datetime_schema();
        timestamp["description"] = json!(
            "When the event happened (envelope): RFC 3339, written in UTC with `Z`; a naive time without offset, as the original services wrote it, is read as UTC."
        );
        properties.insert("timestamp".into(), timestamp);
        properties.insert(
            "source_service".into(),
            json!({ "type": ["string", "null"], "description": "Name of the service that published the event (envelope)." }),
        );
        properties.insert(
            "correlation_id".into(),
            json!({ "type": ["string", "null"], "description": "Id tying together the events caused by one request (envelope)." }),
        );
        match &version.requires_user_id {
            Some(meaning) => {
                required.push(json!("user_id"));
                properties.insert(
                    "user_id".into(),
                    json!({ "type": "integer", "description": format!("{meaning} (envelope; required by this version)") }),
                );
            }
            None => {
                properties.insert(
                    "user_id".into(),
                    json!({ "type": ["integer", "null"], "description": "The user the event is about or who triggered it (envelope)." }),
                );
            }
        }
        properties.insert(
            "metadata".into(),
            json!({ "type": ["object", "null"], "description": "Free-form context; keys are the publisher's (envelope)." }),
        );
        for field in &version.fields {
            properties.insert(field.name.clone(), self.field(field));
            if !field.optional && field.default.is_none() {
                required.push(json!(field.name));
            }
        }
        json!({
            "type": "object",
            "properties": properties,
            "required": required,
        })
    }

    /// A field: its type with constraints, null allowed when optional, with description and
    /// default.
    pub fn field(&self, field: &Field) -> Value {
        let inner = self.constrained(&field.ty, &field.constraints);
        let mut schema = if field.optional {
            json!({ "anyOf": [inner, { "type": "null" }] })
        } else {
            inner
        };
        if let Value::Object(map) = &mut schema {
            if !field.description.is_empty() {
                map.insert("description".into(), json!(field.description));
            }
            if let Some(default) = &field.default {
                map.insert("default".into(), default.to_json());
            }
            if field.sensitive {
                map.insert("x-sensitive".into(), json!(true));
            }
        }
        schema
    }

    fn constrained(&self, ty: &FieldType, constraints: &Constraints) -> Value {
        let mut schema = self.ty(ty);
        let Value::Object(map) = &mut schema else {
            return schema;
        };
        let number = |value: f64| match ty {
            FieldType::Int32 | FieldType::Int64 => json!(value as i64),
            _ => json!(value),
        };
        let (items, min_items) = match ty {
            FieldType::List(_) => ("maxItems", "minItems"),
            _ => ("maxProperties", "minProperties"),
        };
        for constraint in constraints.entries() {
            let (key, value) = match constraint {
                Constraint::Min(min) => ("minimum", number(min)),
                Constraint::Max(max) => ("maximum", number(max)),
                // `non_empty` on a string raises `minLength` to 1.
                Constraint::MinLength(min) if constraints.non_empty => {
                    ("minLength", json!(min.max(1)))
                }
                Constraint::MinLength(min) => ("minLength", json!(min)),
                Constraint::MaxLength(max) => ("maxLength", json!(max)),
                Constraint::Pattern(pattern) => ("pattern", json!(format!("^(?:{pattern})$"))),
                Constraint::NonEmpty if *ty == FieldType::String => (
                    "minLength",
                    json!(constraints.min_length.unwrap_or(0).max(1)),
                ),
                Constraint::NonEmpty => (min_items, json!(1)),
                Constraint::MaxItems(max) => (items, json!(max)),
            };
            map.insert(key.into(), value);
        }
        schema
    }

    fn ty(&self, ty: &FieldType) -> Value {
        match ty {
            FieldType::String => json!({ "type": "string" }),
            FieldType::Bool => json!({ "type": "boolean" }),
            FieldType::Int32 => {
                json!({ "type": "integer", "minimum": i32::MIN, "maximum": i32::MAX })
            }
            FieldType::Int64 => {
                json!({ "type": "integer", "minimum": i64::MIN, "maximum": i64::MAX })
            }
            FieldType::Float64 => json!({ "type": "number" }),
            FieldType::Uuid => {
                json!({ "type": "string", "format": "uuid", "pattern": UUID_PATTERN })
            }
            FieldType::DateTime => datetime_schema(),
            FieldType::Date => {
                json!({ "type": "string", "format": "date", "pattern": DATE_PATTERN })
            }
            FieldType::Decimal => json!({ "type": "string", "pattern": DECIMAL_PATTERN }),
            FieldType::Json => json!({ "type": "object" }),
            FieldType::List(item) => json!({ "type": "array", "items": self.ty(item) }),
            FieldType::Map(value) => {
                json!({ "type": "object", "additionalProperties": self.ty(value) })
            }
            FieldType::Enum(name) | FieldType::Record(name) => {
                json!({ "$ref": format!("{}{name}", self.ref_prefix) })
            }
        }
    }

    /// The schema of a named type.
    pub fn named(&self, def: &NamedType) -> Value {
        match def {
            NamedType::Enum(def) => {
                let values: Vec<&str> = def.values.iter().map(|v| v.wire.as_str()).collect();
                let mut description = def.description.clone();
                let documented: Vec<String> = def
                    .values
                    .iter()
                    .filter(|v| !v.description.is_empty())
                    .map(|v| format!("- `{}`: {}", v.wire, v.description))
                    .collect();
                if !documented.is_empty() {
                    description = format!("{description}\n\n{}", documented.join("\n"));
                }
                if def.open {
                    json!({
                        "type": "string",
                        "description": format!("{description}\n\nOpen enum: other values are accepted."),
                        "examples": values,
                    })
                } else {
                    json!({ "type": "string", "enum": values, "description": description })
                }
            }
            NamedType::Record(def) => {
                let mut properties = Map::new();
                let mut required = Vec::new();
                for field in &def.fields {
                    properties.insert(field.name.clone(), self.field(field));
                    if !field.optional && field.default.is_none() {
                        required.push(json!(field.name));
                    }
                }
                json!({
                    "type": "object",
                    "description": def.description,
                    "properties": properties,
                    "required": required,
                })
            }
        }
    }
}
