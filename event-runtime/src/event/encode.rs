//! The encoder: an event to its wire JSON ([`encode`], [`encode_validated`]), with some
//! envelope fields filled in by the publisher, in one pass, and [`EncodeError`].
//!
//! `publish` takes `&E`, and most events leave `source_service` (and `correlation_id`) for the
//! publisher to fill. Rather than copying the event (through JSON, since `Event` does not
//! require `Clone`) to change its envelope, the encoder writes the publisher's values in place
//! of the event's own while serializing: the event's serialization goes through [`Fill`], a
//! serializer that forwards every entry to `serde_json` except the envelope fields it replaces.

use std::fmt;

use serde::ser::{self, Impossible, Serialize, SerializeMap, SerializeStruct, Serializer};

use super::Event;
use crate::validate::ValidationError;
use crate::wire::VersionText;

/// Why an event could not be encoded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The event breaks a constraint of its schema; nothing was encoded.
    #[error("{event_type} v{version} is invalid: {violations}")]
    Invalid {
        /// The event type.
        event_type: &'static str,
        /// The version.
        version: u32,
        /// Every broken constraint.
        violations: ValidationError,
    },
    /// serde_json refused the value (a map with non-string keys, for instance).
    #[error("{event_type} could not be serialized: {message}")]
    Serialize {
        /// The event type.
        event_type: &'static str,
        /// What serde_json said.
        message: String,
    },
}

impl EncodeError {
    /// `E` breaks these constraints of its schema.
    pub(crate) fn invalid<E: Event>(violations: ValidationError) -> Self {
        EncodeError::Invalid {
            event_type: E::EVENT_TYPE,
            version: E::VERSION,
            violations,
        }
    }
}

/// Encodes an event to its wire JSON (`event_data`). Does not validate: see
/// [`encode_validated`].
pub fn encode<E: Event>(event: &E) -> Result<String, EncodeError> {
    encode_filled(event, &Fill::default())
}

/// Validates an event, then encodes it.
pub fn encode_validated<E: Event>(event: &E) -> Result<String, EncodeError> {
    event.validate().map_err(EncodeError::invalid::<E>)?;
    encode(event)
}

/// Envelope values to write instead of the event's own.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Fill<'a> {
    pub(crate) source_service: Option<&'a str>,
    pub(crate) correlation_id: Option<&'a str>,
    pub(crate) user_id: Option<i64>,
}

/// Which envelope field a key names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    SourceService,
    CorrelationId,
    UserId,
    Other,
}

impl Fill<'_> {
    /// How many values there are to write.
    fn count(&self) -> usize {
        usize::from(self.source_service.is_some())
            + usize::from(self.correlation_id.is_some())
            + usize::from(self.user_id.is_some())
    }

    fn replaces(&self, field: Field) -> bool {
        match field {
            Field::SourceService => self.source_service.is_some(),
            Field::CorrelationId => self.correlation_id.is_some(),
            Field::UserId => self.user_id.is_some(),
            Field::Other => false,
        }
    }

    fn write<M: SerializeMap>(&self, field: Field, map: &mut M) -> Result<(), M::Error> {
        match field {
            Field::SourceService => map.serialize_value(&self.source_service),
            Field::CorrelationId => map.serialize_value(&self.correlation_id),
            Field::UserId => map.serialize_value(&self.user_id),
            Field::Other => Ok(()),
        }
    }
}

/// The wire JSON of `event`, with the envelope values of `fill` in place of the event's own;
/// [`encode`] is this with nothing to fill. One pass, no intermediate flatten:
/// `event_type` and `version` are written first, then the event's entries.
pub(crate) fn encode_filled<E: Event>(event: &E, fill: &Fill<'_>) -> Result<String, EncodeError> {
    let failed = |message: String| EncodeError::Serialize {
        event_type: E::EVENT_TYPE,
        message,
    };
    let version = VersionText::new(E::VERSION);
    let mut out = Vec::with_capacity(512);
    let mut serializer = serde_json::Serializer::new(&mut out);
    event
        .serialize(Top {
            inner: &mut serializer,
            fill,
            event_type: E::EVENT_TYPE,
            version: version.as_str(),
        })
        .map_err(|error| failed(error.to_string()))?;
    String::from_utf8(out).map_err(|error| failed(error.to_string()))
}

/// The event itself: must serialize as a map (structs with a flattened envelope do) or a
/// struct; writes `event_type` and `version` first, as [`encode`] does.
struct Top<'a, S> {
    inner: S,
    fill: &'a Fill<'a>,
    event_type: &'static str,
    version: &'a str,
}

impl<'a, S: Serializer> Top<'a, S> {
    fn open(self) -> Result<Entries<'a, S::SerializeMap>, S::Error> {
        let mut map = self.inner.serialize_map(None)?;
        map.serialize_entry("event_type", self.event_type)?;
        map.serialize_entry("version", self.version)?;
        Ok(Entries {
            map,
            fill: self.fill,
            pending: Field::Other,
            unwritten: self.fill.count(),
        })
    }
}

fn not_a_map<E: ser::Error>() -> E {
    E::custom("an event must serialize as a map or a struct")
}

macro_rules! reject {
    ($($method:ident($($arg:ty),*);)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<Self::Ok, Self::Error> {
            Err(not_a_map())
        })*
    };
}

impl<'a, S: Serializer> Serializer for Top<'a, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Impossible<S::Ok, S::Error>;
    type SerializeTuple = Impossible<S::Ok, S::Error>;
    type SerializeTupleStruct = Impossible<S::Ok, S::Error>;
    type SerializeTupleVariant = Impossible<S::Ok, S::Error>;
    type SerializeMap = Entries<'a, S::SerializeMap>;
    type SerializeStruct = Entries<'a, S::SerializeMap>;
    type SerializeStructVariant = Impossible<S::Ok, S::Error>;

    reject! {
        serialize_bool(bool); serialize_i8(i8); serialize_i16(i16); serialize_i32(i32);
        serialize_i64(i64); serialize_u8(u8); serialize_u16(u16); serialize_u32(u32);
        serialize_u64(u64); serialize_f32(f32); serialize_f64(f64); serialize_char(char);
        serialize_str(&str); serialize_bytes(&[u8]); serialize_none(); serialize_unit();
        serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<S::Ok, S::Error> {
        Err(not_a_map())
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<S::Ok, S::Error> {
        Err(not_a_map())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        Err(not_a_map())
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, S::Error> {
        Err(not_a_map())
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        Err(not_a_map())
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        Err(not_a_map())
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        self.open()
    }

    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        self.open()
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        Err(not_a_map())
    }
}

/// The entries of the event's object, the flattened envelope's included.
struct Entries<'a, M> {
    map: M,
    fill: &'a Fill<'a>,
    /// The field named by the last key, when its value is to be replaced.
    pending: Field,
    /// The values of `fill` not written yet: once none is left (the envelope comes first),
    /// keys are passed on without being looked at.
    unwritten: usize,
}

impl<M: SerializeMap> SerializeMap for Entries<'_, M> {
    type Ok = M::Ok;
    type Error = M::Error;

    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), M::Error> {
        if self.unwritten == 0 {
            return self.map.serialize_key(key);
        }
        let field = field_of(key);
        self.pending = if self.fill.replaces(field) {
            field
        } else {
            Field::Other
        };
        self.map.serialize_key(key)
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), M::Error> {
        let field = std::mem::replace(&mut self.pending, Field::Other);
        if field == Field::Other {
            self.map.serialize_value(value)
        } else {
            self.unwritten -= 1;
            self.fill.write(field, &mut self.map)
        }
    }

    fn serialize_entry<K: ?Sized + Serialize, V: ?Sized + Serialize>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<(), M::Error> {
        self.serialize_key(key)?;
        self.serialize_value(value)
    }

    fn end(self) -> Result<M::Ok, M::Error> {
        self.map.end()
    }
}

impl<M: SerializeMap> SerializeStruct for Entries<'_, M> {
    type Ok = M::Ok;
    type Error = M::Error;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), M::Error> {
        SerializeMap::serialize_entry(self, key, value)
    }

    fn end(self) -> Result<M::Ok, M::Error> {
        self.map.end()
    }
}

/// Which envelope field a map key names, without allocating.
fn field_of<T: ?Sized + Serialize>(key: &T) -> Field {
    key.serialize(KeyName).unwrap_or(Field::Other)
}

/// Reads a string key; every other shape of key is [`Field::Other`].
struct KeyName;

macro_rules! other_key {
    ($($method:ident($($arg:ty),*);)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<Field, fmt::Error> {
            Ok(Field::Other)
        })*
    };
}

impl Serializer for KeyName {
    type Ok = Field;
    type Error = fmt::Error;
    type SerializeSeq = Impossible<Field, fmt::Error>;
    type SerializeTuple = Impossible<Field, fmt::Error>;
    type SerializeTupleStruct = Impossible<Field, fmt::Error>;
    type SerializeTupleVariant = Impossible<Field, fmt::Error>;
    type SerializeMap = Impossible<Field, fmt::Error>;
    type SerializeStruct = Impossible<Field, fmt::Error>;
    type SerializeStructVariant = Impossible<Field, fmt::Error>;

    fn serialize_str(self, key: &str) -> Result<Field, fmt::Error> {
        Ok(match key {
            "source_service" => Field::SourceService,
            "correlation_id" => Field::CorrelationId,
            "user_id" => Field::UserId,
            _ => Field::Other,
        })
    }

    other_key! {
        serialize_bool(bool); serialize_i8(i8); serialize_i16(i16); serialize_i32(i32);
        serialize_i64(i64); serialize_u8(u8); serialize_u16(u16); serialize_u32(u32);
        serialize_u64(u64); serialize_f32(f32); serialize_f64(f64); serialize_char(char);
        serialize_bytes(&[u8]); serialize_none(); serialize_unit();
        serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<Field, fmt::Error> {
        Ok(Field::Other)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Field, fmt::Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Field, fmt::Error> {
        Ok(Field::Other)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, fmt::Error> {
        Err(fmt::Error)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, fmt::Error> {
        Err(fmt::Error)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, fmt::Error> {
        Err(fmt::Error)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, fmt::Error> {
        Err(fmt::Error)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, fmt::Error> {
        Err(fmt::Error)
    }

    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, fmt::Error> {
        Err(fmt::Error)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, fmt::Error> {
        Err(fmt::Error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Envelope;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Serialize, Deserialize)]
    struct ParcelShippedV1 {
        #[serde(flatten)]
        envelope: Envelope,
        parcel_id: i64,
        carrier: Option<String>,
    }

    impl Event for ParcelShippedV1 {
        const EVENT_TYPE: &'static str = "parcel.shipped";
        const VERSION: u32 = 1;
        fn envelope(&self) -> &Envelope {
            &self.envelope
        }
        fn envelope_mut(&mut self) -> &mut Envelope {
            &mut self.envelope
        }
    }

    fn check(event: &ParcelShippedV1, fill: Fill<'_>) {
        let mut expected = ParcelShippedV1 {
            envelope: event.envelope.clone(),
            parcel_id: event.parcel_id,
            carrier: event.carrier.clone(),
        };
        if let Some(source) = fill.source_service {
            expected.envelope.source_service = source.to_owned();
        }
        if let Some(correlation_id) = fill.correlation_id {
            expected.envelope.correlation_id = Some(correlation_id.to_owned());
        }
        if let Some(user_id) = fill.user_id {
            expected.envelope.user_id = Some(user_id);
        }
        let filled = encode_filled(event, &fill).expect("encode");
        assert!(
            filled.starts_with(r#"{"event_type":"parcel.shipped","version":"v1","event_id":"#),
            "{filled}"
        );
        let mut expected = serde_json::to_value(&expected).expect("to value");
        let object = expected.as_object_mut().expect("an object");
        object.insert("event_type".into(), "parcel.shipped".into());
        object.insert("version".into(), "v1".into());
        let filled: serde_json::Value = serde_json::from_str(&filled).expect("JSON");
        assert_eq!(filled, expected, "{fill:?}");
    }

    #[test]
    fn filled_encoding_equals_encoding_a_changed_copy() {
        let event = ParcelShippedV1 {
            envelope: Envelope::new().with_metadata("source_service", "not the envelope's"),
            parcel_id: 7,
            carrier: None,
        };
        check(&event, Fill::default());
        check(
            &event,
            Fill {
                source_service: Some("shipping"),
                ..Fill::default()
            },
        );
        check(
            &event,
            Fill {
                source_service: Some("shipping \"quoted\""),
                correlation_id: Some("req-789"),
                user_id: Some(42),
            },
        );
        let mut set = event;
        set.envelope.correlation_id = Some("own".to_owned());
        set.envelope.user_id = Some(1);
        check(
            &set,
            Fill {
                correlation_id: Some("req-1"),
                ..Fill::default()
            },
        );
    }
}
