//! Decoding event JSON with the IR, exactly as the generated `Deserialize` impls do.
//!
//! The generated code deserializes each version from a private wire struct (the envelope's
//! fields inline, then the payload fields) with serde's derive; records are derived structs;
//! enums read a string. This module drives the same `serde_json::Deserializer` through
//! `DeserializeSeed`s that make the same calls in the same order: map keys in document
//! order, unknown keys skipped, a duplicate known key rejected, then every absent field
//! defaulted or reported missing in declaration order; a JSON array read positionally as
//! serde's derive allows; every scalar read by the Rust type the generated field has
//! (`i32`, `uuid::Uuid`, the runtime's lenient `datetime` adapter, ...). So the same text is
//! accepted or rejected the same way, with the same message at the same place. Errors are
//! then described as `event_runtime::wire` describes them (path to the field, sensitive
//! values withheld).

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use event_codegen::ir::{Field, FieldType, NamedType, RecordDef, VersionDef};
use event_runtime::types::{Decimal, JsonObject};
use event_runtime::{Envelope, EventId, FieldFailure};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, de::Error as _};
use uuid::Uuid;

use super::error::DecodeError;
use super::value::{EnumValue, Event, Value};
use super::{Schemas, default_value};

/// Values of absent envelope fields that a publisher fills instead of rejecting the event.
#[derive(Debug, Clone)]
pub(super) struct Fill {
    pub(super) event_id: EventId,
    pub(super) timestamp: DateTime<Utc>,
}

/// Decodes `text` written at exactly `version` of `event_type` (no validation).
pub(super) fn decode(
    schemas: &Schemas,
    event_type: &str,
    version: &VersionDef,
    text: &str,
    fill: Option<Fill>,
) -> Result<Event, DecodeError> {
    let seed = || VersionSeed {
        schemas,
        event_type,
        version,
        fill: fill.clone(),
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let decoded = seed()
        .deserialize(&mut deserializer)
        .and_then(|decoded| deserializer.end().map(|()| decoded));
    match decoded {
        Ok((envelope, fields)) => Ok(Event {
            event_type: event_type.to_owned(),
            version: version.number,
            envelope,
            fields,
        }),
        Err(error) => Err(describe_failure(
            schemas, event_type, version, text, error, seed,
        )),
    }
}

/// What the runtime makes of a failed decode: a syntax error with its place, or the field
/// that failed (found again with `serde_path_to_error`) and why, with the message withheld
/// for sensitive fields (`event_runtime::FieldFailure`).
fn describe_failure<'a>(
    schemas: &'a Schemas,
    event_type: &str,
    version: &'a VersionDef,
    text: &str,
    error: serde_json::Error,
    seed: impl Fn() -> VersionSeed<'a>,
) -> DecodeError {
    if error.is_syntax() || error.is_eof() {
        return DecodeError::Syntax {
            message: strip_position(&error.to_string()),
            line: error.line(),
            column: error.column(),
        };
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let mut track = serde_path_to_error::Track::new();
    let tracked = seed().deserialize(serde_path_to_error::Deserializer::new(
        &mut deserializer,
        &mut track,
    ));
    let (path, message) = match tracked {
        Err(tracked) => (track.path().to_string(), tracked.to_string()),
        Ok(_) => (".".to_owned(), error.to_string()),
    };
    // Named and worded as the runtime names and words it, from the one function it uses.
    let failure = FieldFailure::new(&path, &message, text, |top_level| {
        version.fields.iter().any(|candidate| {
            candidate.name == top_level
                && (candidate.sensitive || schemas.holds_sensitive(&candidate.ty))
        })
    });
    DecodeError::Field {
        event_type: event_type.to_owned(),
        version: version.number,
        field: failure.field,
        message: failure.message,
    }
}

/// serde_json appends " at line L column C"; the error types carry those separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

/// One field of a derived struct: the wire struct's envelope fields, or a schema field.
#[derive(Debug, Clone, Copy)]
enum Slot<'a> {
    EventId,
    Timestamp,
    SourceService,
    CorrelationId,
    UserId,
    Metadata,
    Field(&'a Field),
}

const ENVELOPE_SLOTS: [Slot<'static>; 6] = [
    Slot::EventId,
    Slot::Timestamp,
    Slot::SourceService,
    Slot::CorrelationId,
    Slot::UserId,
    Slot::Metadata,
];

/// A decoded slot.
#[derive(Debug)]
enum Slotted {
    EventId(EventId),
    Timestamp(DateTime<Utc>),
    Text(String),
    OptionalText(Option<String>),
    OptionalInt(Option<i64>),
    Object(JsonObject),
    Value(Value),
}

impl Slot<'_> {
    fn name(&self) -> &str {
        match self {
            Slot::EventId => "event_id",
            Slot::Timestamp => "timestamp",
            Slot::SourceService => "source_service",
            Slot::CorrelationId => "correlation_id",
            Slot::UserId => "user_id",
            Slot::Metadata => "metadata",
            Slot::Field(field) => &field.name,
        }
    }

    /// The field has `#[serde(default)]` (or a default function).
    fn has_default(&self) -> bool {
        match self {
            Slot::EventId | Slot::Timestamp => false,
            Slot::SourceService | Slot::CorrelationId | Slot::UserId | Slot::Metadata => true,
            Slot::Field(field) => field.optional || field.default.is_some(),
        }
    }

    /// The value serde's derive gives the field when it is absent, if it has a default.
    fn default_value(&self, schemas: &Schemas) -> Option<Slotted> {
        Some(match self {
            Slot::EventId | Slot::Timestamp => return None,
            Slot::SourceService => Slotted::Text(String::new()),
            Slot::CorrelationId => Slotted::OptionalText(None),
            Slot::UserId => Slotted::OptionalInt(None),
            Slot::Metadata => Slotted::Object(JsonObject::new()),
            Slot::Field(field) => Slotted::Value(match &field.default {
                // Checked when the catalogue was loaded; `Null` cannot happen.
                Some(value) => default_value(schemas, &field.ty, value).unwrap_or(Value::Null),
                None if field.optional => Value::Null,
                None => return None,
            }),
        })
    }
}

/// Reads one slot's value as the generated field's type does.
struct SlotSeed<'a> {
    schemas: &'a Schemas,
    slot: Slot<'a>,
}

impl<'de> DeserializeSeed<'de> for SlotSeed<'_> {
    type Value = Slotted;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Slotted, D::Error> {
        // The serde adapters generated code reads these fields with (`__private` is what
        // generated code uses, and the interpreter does what generated code does).
        use event_runtime::__private::{datetime, datetime_opt, null_as_default};
        Ok(match self.slot {
            Slot::EventId => Slotted::EventId(EventId::deserialize(deserializer)?),
            Slot::Timestamp => Slotted::Timestamp(datetime::deserialize(deserializer)?),
            Slot::SourceService => Slotted::Text(null_as_default(deserializer)?),
            Slot::CorrelationId => Slotted::OptionalText(Option::deserialize(deserializer)?),
            Slot::UserId => Slotted::OptionalInt(Option::deserialize(deserializer)?),
            Slot::Metadata => Slotted::Object(null_as_default(deserializer)?),
            // `datetime` fields go through the runtime's lenient adapter (`with = ...`).
            Slot::Field(field) if field.ty == FieldType::DateTime => {
                Slotted::Value(if field.optional {
                    datetime_opt::deserialize(deserializer)?.map_or(Value::Null, Value::DateTime)
                } else {
                    Value::DateTime(datetime::deserialize(deserializer)?)
                })
            }
            Slot::Field(field) => {
                let seed = TypeSeed {
                    schemas: self.schemas,
                    ty: &field.ty,
                };
                Slotted::Value(if field.optional {
                    deserializer.deserialize_option(OptionVisitor(seed))?
                } else {
                    seed.deserialize(deserializer)?
                })
            }
        })
    }
}

/// `Option<T>`: `null` is `None`.
struct OptionVisitor<'a>(TypeSeed<'a>);

impl<'de> Visitor<'de> for OptionVisitor<'_> {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("option")
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.0.deserialize(deserializer)
    }
}

/// A value of a schema type (not optional), read as its generated Rust type.
#[derive(Clone, Copy)]
struct TypeSeed<'a> {
    schemas: &'a Schemas,
    ty: &'a FieldType,
}

impl<'de> DeserializeSeed<'de> for TypeSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Ok(match self.ty {
            FieldType::String => Value::String(String::deserialize(deserializer)?),
            FieldType::Bool => Value::Bool(bool::deserialize(deserializer)?),
            FieldType::Int32 => Value::Int32(i32::deserialize(deserializer)?),
            FieldType::Int64 => Value::Int64(i64::deserialize(deserializer)?),
            FieldType::Float64 => Value::Float64(f64::deserialize(deserializer)?),
            FieldType::Uuid => Value::Uuid(Uuid::deserialize(deserializer)?),
            // Inside lists and maps a `datetime` is chrono's own `Deserialize` (strict RFC 3339),
            // as in the generated `Vec<DateTime>`; fields use the lenient adapter (`SlotSeed`).
            FieldType::DateTime => Value::DateTime(DateTime::<Utc>::deserialize(deserializer)?),
            FieldType::Date => Value::Date(NaiveDate::deserialize(deserializer)?),
            FieldType::Decimal => Value::Decimal(Decimal::deserialize(deserializer)?),
            FieldType::Json => Value::Json(JsonObject::deserialize(deserializer)?),
            FieldType::List(item) => deserializer.deserialize_seq(ListVisitor(TypeSeed {
                schemas: self.schemas,
                ty: item,
            }))?,
            FieldType::Map(value) => deserializer.deserialize_map(MapVisitor(TypeSeed {
                schemas: self.schemas,
                ty: value,
            }))?,
            FieldType::Enum(name) => {
                let text = String::deserialize(deserializer)?;
                Value::Enum(
                    self.schemas
                        .enum_value(name, text)
                        .map_err(D::Error::custom)?,
                )
            }
            FieldType::Record(name) => match self.schemas.catalogue.types.get(name) {
                Some(NamedType::Record(record)) => {
                    let layout = Layout::record(record);
                    let (_, fields) = deserializer.deserialize_struct(
                        "",
                        &[],
                        StructVisitor {
                            schemas: self.schemas,
                            layout: &layout,
                            fill: None,
                        },
                    )?;
                    Value::Record(fields)
                }
                _ => return Err(D::Error::custom(format!("`{name}` is not a record"))),
            },
        })
    }
}

/// `Vec<T>`.
struct ListVisitor<'a>(TypeSeed<'a>);

impl<'de> Visitor<'de> for ListVisitor<'_> {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self.0)? {
            items.push(item);
        }
        Ok(Value::List(items))
    }
}

/// `BTreeMap<String, T>`: a later duplicate key wins.
struct MapVisitor<'a>(TypeSeed<'a>);

impl<'de> Visitor<'de> for MapVisitor<'_> {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a map")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = BTreeMap::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(self.0)?;
            entries.insert(key, value);
        }
        Ok(Value::Map(entries))
    }
}

/// The fields of a derived struct, in declaration order, and its name in messages.
struct Layout<'a> {
    /// `struct GeoPoint`, `struct __UserCreatedV2Wire`.
    expecting: String,
    slots: Vec<Slot<'a>>,
}

impl<'a> Layout<'a> {
    fn record(record: &'a RecordDef) -> Self {
        Self {
            expecting: format!("struct {}", record.name),
            slots: record.fields.iter().map(Slot::Field).collect(),
        }
    }

    fn version(struct_name: &str, version: &'a VersionDef) -> Self {
        Self {
            expecting: format!("struct __{struct_name}Wire"),
            slots: ENVELOPE_SLOTS
                .into_iter()
                .chain(version.fields.iter().map(Slot::Field))
                .collect(),
        }
    }
}

/// A whole version: the envelope and the payload fields.
struct VersionSeed<'a> {
    schemas: &'a Schemas,
    event_type: &'a str,
    version: &'a VersionDef,
    fill: Option<Fill>,
}

impl<'de> DeserializeSeed<'de> for VersionSeed<'_> {
    type Value = (Envelope, Vec<(String, Value)>);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let struct_name = self
            .schemas
            .catalogue
            .events
            .get(self.event_type)
            .map(|event| event.struct_name(self.version.number))
            .unwrap_or_default();
        let layout = Layout::version(&struct_name, self.version);
        let (envelope, fields) = deserializer.deserialize_struct(
            "",
            &[],
            StructVisitor {
                schemas: self.schemas,
                layout: &layout,
                fill: self.fill.clone(),
            },
        )?;
        // The wire struct's visitor fills the envelope's slots or fails.
        let envelope = envelope.ok_or_else(|| D::Error::custom("missing field `event_id`"))?;
        Ok((envelope, fields))
    }
}

/// A derived struct's visitor: a map by key, or a sequence by position.
struct StructVisitor<'a, 'l> {
    schemas: &'a Schemas,
    layout: &'l Layout<'a>,
    fill: Option<Fill>,
}

type Decoded = (Option<Envelope>, Vec<(String, Value)>);

impl<'de> Visitor<'de> for StructVisitor<'_, '_> {
    type Value = Decoded;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.layout.expecting)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Decoded, A::Error> {
        let slots = &self.layout.slots;
        let mut values: Vec<Option<Slotted>> = slots.iter().map(|_| None).collect();
        while let Some(key) = map.next_key::<String>()? {
            match slots.iter().position(|slot| slot.name() == key) {
                Some(index) => {
                    if values[index].is_some() {
                        return Err(A::Error::custom(format_args!("duplicate field `{key}`")));
                    }
                    values[index] = Some(map.next_value_seed(SlotSeed {
                        schemas: self.schemas,
                        slot: slots[index],
                    })?);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let mut complete = Vec::with_capacity(slots.len());
        for (slot, value) in slots.iter().zip(values) {
            let value = match (value, self.fill.as_ref(), slot) {
                (Some(value), _, _) => value,
                (None, Some(fill), Slot::EventId) => Slotted::EventId(fill.event_id.clone()),
                (None, Some(fill), Slot::Timestamp) => Slotted::Timestamp(fill.timestamp),
                (None, _, _) => slot.default_value(self.schemas).ok_or_else(|| {
                    A::Error::custom(format_args!("missing field `{}`", slot.name()))
                })?,
            };
            complete.push(value);
        }
        Ok(assemble(slots, complete))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Decoded, A::Error> {
        let slots = &self.layout.slots;
        let count = slots.len();
        let mut complete = Vec::with_capacity(count);
        for (index, slot) in slots.iter().enumerate() {
            let value = seq.next_element_seed(SlotSeed {
                schemas: self.schemas,
                slot: *slot,
            })?;
            let value = match value {
                Some(value) => value,
                None if slot.has_default() => match slot.default_value(self.schemas) {
                    Some(value) => value,
                    None => return Err(A::Error::custom("no default")),
                },
                None => {
                    let elements = if count == 1 { "element" } else { "elements" };
                    return Err(A::Error::custom(format_args!(
                        "invalid length {index}, expected {} with {count} {elements}",
                        self.layout.expecting
                    )));
                }
            };
            complete.push(value);
        }
        Ok(assemble(slots, complete))
    }
}

/// The envelope (when the struct has its slots) and the schema fields, from every slot's
/// value.
fn assemble(slots: &[Slot<'_>], values: Vec<Slotted>) -> Decoded {
    let mut event_id = None;
    let mut timestamp = None;
    let mut source_service = String::new();
    let mut correlation_id = None;
    let mut user_id = None;
    let mut metadata = JsonObject::new();
    let mut fields = Vec::with_capacity(values.len());
    for (slot, value) in slots.iter().zip(values) {
        match value {
            Slotted::EventId(id) => event_id = Some(id),
            Slotted::Timestamp(time) => timestamp = Some(time),
            Slotted::Text(text) => source_service = text,
            Slotted::OptionalText(text) => correlation_id = text,
            Slotted::OptionalInt(id) => user_id = id,
            Slotted::Object(object) => metadata = object,
            Slotted::Value(value) => fields.push((slot.name().to_owned(), value)),
        }
    }
    let envelope = match (event_id, timestamp) {
        (Some(event_id), Some(timestamp)) => Some(Envelope {
            event_id,
            timestamp,
            source_service,
            correlation_id,
            user_id,
            metadata,
        }),
        _ => None,
    };
    (envelope, fields)
}

impl Schemas {
    /// An enum value from its wire text, as the generated `Deserialize` reads it.
    fn enum_value(&self, name: &str, text: String) -> Result<EnumValue, String> {
        let Some(NamedType::Enum(def)) = self.catalogue.types.get(name) else {
            return Err(format!("`{name}` is not an enum"));
        };
        if let Some(value) = def.values.iter().find(|value| value.wire == text) {
            return Ok(EnumValue::Known {
                variant: value.variant.clone(),
                wire: value.wire.clone(),
            });
        }
        if def.open {
            return Ok(EnumValue::Unknown(text));
        }
        let expected: Vec<&str> = def.values.iter().map(|value| value.wire.as_str()).collect();
        Err(format!(
            "unknown value `{text}` for {}, expected one of {}",
            def.name,
            expected.join(", ")
        ))
    }
}
