//! Decoded events and their values, and their wire JSON.
//!
//! A [`Value`] holds what the generated struct of the same schema would hold, with the same
//! Rust types for scalars (`i32`, `uuid::Uuid`, `chrono::DateTime<Utc>`, `Decimal`, ...), so
//! that serializing it goes through the same `Serialize` code and gives the same bytes:
//! records keep their schema order, maps their key order, enums remember whether their value
//! was known (`Known`) or kept as an open enum's `Unknown(String)`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use event_runtime::Envelope;
use event_runtime::types::{Decimal, JsonObject};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use uuid::Uuid;

/// One value of a field, as the generated struct holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An optional field that is absent or null (`None`).
    Null,
    /// `bool`.
    Bool(bool),
    /// `int32`.
    Int32(i32),
    /// `int64`.
    Int64(i64),
    /// `float64`.
    Float64(f64),
    /// `string`.
    String(String),
    /// `uuid`.
    Uuid(Uuid),
    /// `datetime`.
    DateTime(DateTime<Utc>),
    /// `date`.
    Date(NaiveDate),
    /// `decimal`.
    Decimal(Decimal),
    /// `json`.
    Json(JsonObject),
    /// `list<T>`.
    List(Vec<Value>),
    /// `map<string,T>`.
    Map(BTreeMap<String, Value>),
    /// A named enum.
    Enum(EnumValue),
    /// A named record: every field, in schema order.
    Record(Vec<(String, Value)>),
}

/// A value of a named enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnumValue {
    /// One of the enum's values.
    Known {
        /// Its variant (`InProgress`), which migrations map.
        variant: String,
        /// Its wire spelling (`in_progress`).
        wire: String,
    },
    /// An open enum's `Unknown(String)`: a value the schema does not list, kept as written.
    Unknown(String),
}

impl EnumValue {
    /// The value as written on the wire (`as_str` of generated enums).
    pub fn as_str(&self) -> &str {
        match self {
            EnumValue::Known { wire, .. } => wire,
            EnumValue::Unknown(text) => text,
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_none(),
            Value::Bool(value) => value.serialize(serializer),
            Value::Int32(value) => value.serialize(serializer),
            Value::Int64(value) => value.serialize(serializer),
            Value::Float64(value) => value.serialize(serializer),
            Value::String(value) => value.serialize(serializer),
            Value::Uuid(value) => value.serialize(serializer),
            Value::DateTime(value) => {
                serializer.serialize_str(&event_runtime::wire::format_timestamp(*value))
            }
            Value::Date(value) => value.serialize(serializer),
            Value::Decimal(value) => value.serialize(serializer),
            Value::Json(value) => value.serialize(serializer),
            Value::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Map(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
            Value::Enum(value) => serializer.serialize_str(value.as_str()),
            Value::Record(fields) => {
                let mut map = serializer.serialize_map(Some(fields.len()))?;
                for (name, value) in fields {
                    map.serialize_entry(name, value)?;
                }
                map.end()
            }
        }
    }
}

/// One event decoded with a run-time catalogue: what the generated struct of its version
/// would hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub(super) event_type: String,
    pub(super) version: u32,
    pub(super) envelope: Envelope,
    /// Payload fields, every one, in schema order.
    pub(super) fields: Vec<(String, Value)>,
}

impl Event {
    /// The event type.
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The version.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The envelope.
    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }

    /// The envelope, to fill it.
    pub fn envelope_mut(&mut self) -> &mut Envelope {
        &mut self.envelope
    }

    /// A payload field.
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value)
    }

    /// The wire JSON (`event_data`), byte for byte what the generated code writes:
    /// `event_type`, `version`, the envelope, then the payload in schema order.
    pub fn to_json(&self) -> String {
        // Serializing owned values into a `Vec` cannot fail: keys are strings, floats finite.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let envelope = &self.envelope;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("event_type", &self.event_type)?;
        map.serialize_entry("version", &event_runtime::wire::version_tag(self.version))?;
        // The fields of `Envelope`, in its declaration order.
        map.serialize_entry("event_id", &envelope.event_id)?;
        map.serialize_entry("timestamp", &Value::DateTime(envelope.timestamp))?;
        map.serialize_entry("source_service", &envelope.source_service)?;
        map.serialize_entry("correlation_id", &envelope.correlation_id)?;
        map.serialize_entry("user_id", &envelope.user_id)?;
        map.serialize_entry("metadata", &envelope.metadata)?;
        for (name, value) in &self.fields {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}
