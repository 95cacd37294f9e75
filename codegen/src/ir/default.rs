//! Default values: checked against their field's type by `validate`, written as JSON in the
//! lockfile and the exports.

use serde_json::Value;

use super::FieldType;

/// A default value, already checked against the field's type. Lists and maps hold JSON.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    /// A string, uuid, datetime, date or decimal written as text.
    String(String),
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// An enum value (the wire spelling).
    Enum(String),
    /// An empty list (`[]`) or a list of scalar defaults.
    List(Vec<DefaultValue>),
    /// An empty map or JSON object (`{}`).
    EmptyMap,
}

impl DefaultValue {
    /// The value as JSON, as it is on the wire.
    pub fn to_json(&self) -> Value {
        match self {
            DefaultValue::String(text) | DefaultValue::Enum(text) => Value::String(text.clone()),
            DefaultValue::Bool(value) => Value::Bool(*value),
            DefaultValue::Int(value) => Value::from(*value),
            DefaultValue::Float(value) => Value::from(*value),
            DefaultValue::List(items) => Value::Array(items.iter().map(Self::to_json).collect()),
            DefaultValue::EmptyMap => Value::Object(serde_json::Map::new()),
        }
    }

    /// Reads a default written as JSON ([`DefaultValue::to_json`]) for a field of type `ty`;
    /// `None` when the JSON is not a default of that type. The text of a `uuid`, `date` or
    /// enum value is not checked again: it was checked when the schemas were compiled.
    pub fn from_json(value: &Value, ty: &FieldType) -> Option<Self> {
        Some(match (ty, value) {
            (FieldType::Enum(_), Value::String(text)) => DefaultValue::Enum(text.clone()),
            (
                FieldType::String
                | FieldType::Uuid
                | FieldType::DateTime
                | FieldType::Date
                | FieldType::Decimal,
                Value::String(text),
            ) => DefaultValue::String(text.clone()),
            (FieldType::Bool, Value::Bool(value)) => DefaultValue::Bool(*value),
            (FieldType::Int32 | FieldType::Int64, Value::Number(number)) => {
                DefaultValue::Int(number.as_i64()?)
            }
            (FieldType::Float64, Value::Number(number)) => DefaultValue::Float(number.as_f64()?),
            (FieldType::List(item), Value::Array(items)) => DefaultValue::List(
                items
                    .iter()
                    .map(|value| Self::from_json(value, item))
                    .collect::<Option<_>>()?,
            ),
            (FieldType::Map(_) | FieldType::Json, Value::Object(map)) if map.is_empty() => {
                DefaultValue::EmptyMap
            }
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_read_back_from_json() {
        let cases = [
            (FieldType::Float64, DefaultValue::Float(5.0)),
            (FieldType::Int32, DefaultValue::Int(-3)),
            (
                FieldType::Enum("Urgency".into()),
                DefaultValue::Enum("low".into()),
            ),
            (
                FieldType::Uuid,
                DefaultValue::String("00000000-0000-0000-0000-000000000000".into()),
            ),
            (
                FieldType::List(Box::new(FieldType::String)),
                DefaultValue::List(vec![DefaultValue::String("a".into())]),
            ),
            (FieldType::Json, DefaultValue::EmptyMap),
        ];
        for (ty, value) in cases {
            let text = value.to_json().to_string();
            let json: Value = serde_json::from_str(&text).expect("json");
            assert_eq!(DefaultValue::from_json(&json, &ty), Some(value), "{text}");
        }
        assert_eq!(
            DefaultValue::from_json(&Value::Bool(true), &FieldType::String),
            None
        );
    }
}
