//! Upgrades from version N to N+1, as the generated `From` impls make them.
//!
//! Each field of the new version comes from its `FieldSource`: a field of the previous
//! version (copied, renamed, widened, its enum values mapped, wrapped in or taken out of an
//! option with its default), a template (fields rendered with `Display`, the result trimmed),
//! the field's default, or nothing (a new optional field). A migration that calls a Rust
//! function of the service cannot run here: it is an error that names the function.

use event_codegen::ir::{
    Conversion, Field, FieldSource, FieldType, Migration, NamedType, TemplatePart, VersionDef,
};

use super::error::DecodeError;
use super::value::{EnumValue, Event, Value};
use super::{Schemas, default_value, type_default};

impl Schemas {
    /// Builds `next` from `event`, which is of the version right before it.
    pub(super) fn upgrade_step(
        &self,
        event: Event,
        previous: &VersionDef,
        next: &VersionDef,
    ) -> Result<Event, DecodeError> {
        let sources = match &next.migration {
            Some(Migration::Fields(sources)) => sources,
            Some(Migration::Function { path, .. }) => {
                return Err(DecodeError::VersionFunction {
                    event_type: event.event_type,
                    version: next.number,
                    previous: previous.number,
                    function: path.clone(),
                });
            }
            None => {
                return Err(DecodeError::NoMigration {
                    event_type: event.event_type,
                    from: previous.number,
                    to: next.number,
                });
            }
        };
        let mut fields = Vec::with_capacity(next.fields.len());
        for field in &next.fields {
            let Some(source) = sources.iter().find(|source| source.field == field.name) else {
                return Err(DecodeError::NoMigration {
                    event_type: event.event_type,
                    from: previous.number,
                    to: next.number,
                });
            };
            let value = match &source.source {
                FieldSource::Template(parts) => Value::String(self.render(previous, &event, parts)),
                FieldSource::Function(path) => {
                    return Err(DecodeError::FieldFunction {
                        event_type: event.event_type,
                        version: next.number,
                        previous: previous.number,
                        field: field.name.clone(),
                        function: path.clone(),
                    });
                }
                FieldSource::Field {
                    from,
                    conversion,
                    from_optional,
                    to_optional,
                    default,
                } => {
                    let old = event.field(from).cloned().unwrap_or(Value::Null);
                    let old_type = previous
                        .fields
                        .iter()
                        .find(|old| old.name == *from)
                        .map(|old| &old.ty);
                    match (*from_optional, *to_optional, old) {
                        (true, _, Value::Null) if *to_optional => Value::Null,
                        (true, false, Value::Null) => {
                            let value = match default {
                                Some(default) => default_value(self, &field.ty, default),
                                None => type_default(&field.ty),
                            };
                            // Checked when the catalogue was loaded.
                            value.unwrap_or(Value::Null)
                        }
                        (_, _, old) => match old_type {
                            Some(old_type) => self.convert(conversion, old_type, old),
                            None => old,
                        },
                    }
                }
                FieldSource::Default(value) => {
                    // Checked when the catalogue was loaded.
                    default_value(self, &field.ty, value).unwrap_or(Value::Null)
                }
                FieldSource::Absent => Value::Null,
            };
            fields.push((field.name.clone(), value));
        }
        Ok(Event {
            event_type: event.event_type,
            version: next.number,
            envelope: event.envelope,
            fields,
        })
    }

    /// A value of `from_type` converted.
    fn convert(&self, conversion: &Conversion, from_type: &FieldType, value: Value) -> Value {
        match conversion {
            Conversion::Identity => value,
            Conversion::Widen { to, .. } => widen(value, to),
            Conversion::EnumMap {
                to_enum,
                pairs,
                unknown_to,
                ..
            } => match (from_type, value) {
                (FieldType::List(item), Value::List(items)) => Value::List(
                    items
                        .into_iter()
                        .map(|value| self.convert(conversion, item, value))
                        .collect(),
                ),
                (FieldType::Map(item), Value::Map(entries)) => Value::Map(
                    entries
                        .into_iter()
                        .map(|(key, value)| (key, self.convert(conversion, item, value)))
                        .collect(),
                ),
                (FieldType::Enum(_), Value::Enum(old)) => {
                    Value::Enum(self.map_enum(to_enum, pairs, unknown_to, old))
                }
                (_, value) => value,
            },
        }
    }

    /// One enum value mapped: known values by their variant, unknown values of an open enum
    /// kept when the new enum is open too, else mapped to `unknown_to`.
    fn map_enum(
        &self,
        to_enum: &str,
        pairs: &[(String, String)],
        unknown_to: &Option<String>,
        old: EnumValue,
    ) -> EnumValue {
        let new_open = matches!(
            self.catalogue.types.get(to_enum),
            Some(NamedType::Enum(def)) if def.open
        );
        let target = match &old {
            EnumValue::Known { variant, .. } => pairs
                .iter()
                .find(|(from, _)| from == variant)
                .map(|(_, to)| to.clone()),
            EnumValue::Unknown(_) if new_open => return old,
            EnumValue::Unknown(_) => unknown_to.clone(),
        };
        // Every value of `from_enum` has a counterpart (the catalogue was validated); should
        // one not, the value is kept as written.
        target
            .and_then(|variant| self.known(to_enum, &variant))
            .unwrap_or_else(|| EnumValue::Unknown(old.as_str().to_owned()))
    }

    /// The value of enum `name` with Rust variant `variant`.
    fn known(&self, name: &str, variant: &str) -> Option<EnumValue> {
        let Some(NamedType::Enum(def)) = self.catalogue.types.get(name) else {
            return None;
        };
        def.values
            .iter()
            .find(|value| value.variant == variant)
            .map(|value| EnumValue::Known {
                variant: value.variant.clone(),
                wire: value.wire.clone(),
            })
    }

    /// A template over the fields of `event` (of version `previous`): each field's text (an
    /// absent optional one is empty), trimmed as the generated `format!(..).trim()` is.
    fn render(&self, previous: &VersionDef, event: &Event, parts: &[TemplatePart]) -> String {
        let fields: Vec<&str> = parts
            .iter()
            .filter_map(|part| match part {
                TemplatePart::Field { name, .. } => Some(name.as_str()),
                TemplatePart::Text(_) => None,
            })
            .collect();
        let arg = |name: &str, optional: bool| {
            let old = previous.fields.iter().find(|field| field.name == name);
            template_arg(old, event.field(name), optional)
        };
        match parts {
            [] => String::new(),
            // No field: the text itself, trimmed.
            _ if fields.is_empty() => parts
                .iter()
                .filter_map(|part| match part {
                    TemplatePart::Text(text) => Some(text.as_str()),
                    TemplatePart::Field { .. } => None,
                })
                .collect::<String>()
                .trim()
                .to_owned(),
            // One field alone: text is trimmed, other values are their `to_string()`.
            [TemplatePart::Field { name, optional }] => {
                let (text, is_text) = arg(name, *optional);
                if is_text {
                    text.trim().to_owned()
                } else {
                    text
                }
            }
            _ => {
                let mut out = String::new();
                for part in parts {
                    match part {
                        TemplatePart::Text(text) => out.push_str(text),
                        TemplatePart::Field { name, optional } => {
                            out.push_str(&arg(name, *optional).0);
                        }
                    }
                }
                out.trim().to_owned()
            }
        }
    }
}

/// A field's text in a template, and whether the generated code treats it as text (trimmed
/// when alone) rather than a `Display` value.
fn template_arg(old: Option<&Field>, value: Option<&Value>, optional: bool) -> (String, bool) {
    let optional = optional || old.is_some_and(|field| field.optional);
    let text = match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(Value::DateTime(time)) => time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        Some(Value::Bool(value)) => value.to_string(),
        Some(Value::Int32(value)) => value.to_string(),
        Some(Value::Int64(value)) => value.to_string(),
        Some(Value::Float64(value)) => value.to_string(),
        Some(Value::Uuid(value)) => value.to_string(),
        Some(Value::Date(value)) => value.to_string(),
        Some(Value::Decimal(value)) => value.to_string(),
        Some(Value::Enum(value)) => value.as_str().to_owned(),
        Some(Value::Json(_) | Value::List(_) | Value::Map(_) | Value::Record(_)) => String::new(),
    };
    let is_text = optional
        || matches!(
            old.map(|field| &field.ty),
            Some(FieldType::String | FieldType::DateTime)
        );
    (text, is_text)
}

/// `int32 -> int64`, `int32/int64 -> float64`, also inside lists and maps; `to` is the new
/// type.
fn widen(value: Value, to: &FieldType) -> Value {
    match (value, to) {
        (Value::Int32(number), FieldType::Int64) => Value::Int64(i64::from(number)),
        (Value::Int32(number), FieldType::Float64) => Value::Float64(f64::from(number)),
        // As the generated `as f64`: exact up to 2^53, rounded beyond.
        (Value::Int64(number), FieldType::Float64) => Value::Float64(number as f64),
        (Value::List(items), FieldType::List(to)) => {
            Value::List(items.into_iter().map(|item| widen(item, to)).collect())
        }
        (Value::Map(entries), FieldType::Map(to)) => Value::Map(
            entries
                .into_iter()
                .map(|(key, value)| (key, widen(value, to)))
                .collect(),
        ),
        (value, _) => value,
    }
}
