//! The wire format: event JSON (`event_data`), versions and timestamps.
//!
//! `event_data` is one flat JSON object: `event_type` and `version`, then the envelope fields
//! (`event_id`, `timestamp`, `source_service`, `correlation_id`, `user_id`, `metadata`), then
//! the payload fields. See `docs/wire-format.md` for the whole format. [`parse_entry`] checks
//! the fields of a stream entry before its `event_data` is decoded.

use serde::{Deserialize, Deserializer};

use crate::error::{DecodeError, EncodeError};
use crate::event::Event;

mod entry;

pub use entry::{EntryError, EntryHead, parse_entry};

/// Formats a version number as it appears on the wire: `3` -> `"v3"`.
pub fn version_tag(version: u32) -> String {
    format!("v{version}")
}

/// Parses a wire version: `"v3"` (also `"V3"` and `"3"`) -> `3`. Version 0 does not exist.
pub fn parse_version(tag: &str) -> Option<u32> {
    let digits = tag
        .strip_prefix('v')
        .or_else(|| tag.strip_prefix('V'))
        .unwrap_or(tag);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|version| *version > 0)
}

/// Encodes an event to its wire JSON (`event_data`). Does not validate: see
/// [`encode_validated`].
pub fn encode<E: Event>(event: &E) -> Result<String, EncodeError> {
    crate::fill::encode_filled(event, &crate::fill::Fill::default())
}

/// Validates an event, then encodes it.
pub fn encode_validated<E: Event>(event: &E) -> Result<String, EncodeError> {
    event
        .validate()
        .map_err(|violations| EncodeError::Invalid {
            event_type: E::EVENT_TYPE,
            version: E::VERSION,
            violations,
        })?;
    encode(event)
}

/// Decodes wire JSON written at exactly `E::VERSION` and validates it.
///
/// Errors name the field, what was expected and what was found. The text of a value is never
/// shown for a field in [`Event::SENSITIVE_FIELDS`].
pub fn decode_exact<E: Event>(event_data: &str) -> Result<E, DecodeError> {
    let event: E = match serde_json::from_str(event_data) {
        Ok(event) => event,
        Err(error) => return Err(describe_failure::<E>(event_data, error)),
    };
    event
        .validate()
        .map_err(|violations| DecodeError::Invalid {
            event_type: E::EVENT_TYPE,
            version: E::VERSION,
            violations,
        })?;
    Ok(event)
}

/// Decodes wire JSON written at `version` and upgrades it through the migration chain to `E`,
/// where `P` is the version right before `E`. Generated code and `#[derive(Event)]` implement
/// [`Event::decode_version`] with this.
pub fn decode_via<E, P>(version: u32, event_data: &str) -> Result<E, DecodeError>
where
    E: Event + From<P>,
    P: Event,
{
    if version == E::VERSION {
        return decode_exact(event_data);
    }
    if version > E::VERSION {
        return Err(DecodeError::NewerVersion {
            event_type: E::EVENT_TYPE,
            found: version,
            supported: E::VERSION,
        });
    }
    let upgraded = E::from(P::decode_version(version, event_data)?);
    upgraded
        .validate()
        .map_err(|violations| DecodeError::Invalid {
            event_type: E::EVENT_TYPE,
            version: E::VERSION,
            violations,
        })?;
    Ok(upgraded)
}

/// The default [`Event::decode_version`]: only `E::VERSION` itself is accepted.
pub fn decode_only<E: Event>(version: u32, event_data: &str) -> Result<E, DecodeError> {
    if version == E::VERSION {
        decode_exact(event_data)
    } else if version > E::VERSION {
        Err(DecodeError::NewerVersion {
            event_type: E::EVENT_TYPE,
            found: version,
            supported: E::VERSION,
        })
    } else {
        Err(DecodeError::NoMigration {
            event_type: E::EVENT_TYPE,
            from: version,
            to: E::VERSION,
        })
    }
}

/// The `event_type` and `version` keys of wire JSON, for entries whose stream fields do not
/// carry them (the original services wrote only `event_id`, `event_data` and `timestamp`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WireHead {
    /// The `event_type` key, if present.
    #[serde(default)]
    pub event_type: Option<String>,
    /// The `version` key, if present.
    #[serde(default)]
    pub version: Option<String>,
}

impl WireHead {
    /// Reads the head of some wire JSON.
    pub fn read(event_data: &str) -> Result<Self, DecodeError> {
        serde_json::from_str(event_data).map_err(|error| DecodeError::Syntax {
            message: strip_position(&error.to_string()),
            line: error.line(),
            column: error.column(),
        })
    }
}

fn describe_failure<E: Event>(event_data: &str, error: serde_json::Error) -> DecodeError {
    if error.is_syntax() || error.is_eof() {
        return DecodeError::Syntax {
            message: strip_position(&error.to_string()),
            line: error.line(),
            column: error.column(),
        };
    }
    // Decode again, tracking the path, to say which field failed. Only on the error path.
    let mut deserializer = serde_json::Deserializer::from_str(event_data);
    let tracked = serde_path_to_error::deserialize::<_, E>(&mut deserializer);
    let (path, message) = match tracked {
        Err(tracked) => (tracked.path().to_string(), tracked.into_inner().to_string()),
        Ok(_) => (".".to_owned(), error.to_string()),
    };
    let message = strip_position(&message);
    let field = if path == "." || path == "?" {
        // Errors inside the flattened envelope (a bad `timestamp` or `event_id`) carry no
        // path: find the field by decoding the envelope alone.
        missing_field_name(&message)
            .or_else(|| quoted_field_name(&message, "duplicate field `"))
            .or_else(|| envelope_field(event_data))
            .unwrap_or_default()
    } else {
        path
    };
    let top_level = field.split(['.', '[']).next().unwrap_or_default();
    let message = if E::SENSITIVE_FIELDS.contains(&top_level) {
        "invalid value (not shown: sensitive field)".to_owned()
    } else {
        message
    };
    DecodeError::Field {
        event_type: E::EVENT_TYPE,
        version: E::VERSION,
        field,
        message,
    }
}

fn missing_field_name(message: &str) -> Option<String> {
    quoted_field_name(message, "missing field `")
}

fn quoted_field_name(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?;
    Some(rest.split('`').next()?.to_owned())
}

/// The path of the envelope field that fails to decode, if one does.
fn envelope_field(event_data: &str) -> Option<String> {
    let mut deserializer = serde_json::Deserializer::from_str(event_data);
    match serde_path_to_error::deserialize::<_, crate::Envelope>(&mut deserializer) {
        Err(error) => Some(error.path().to_string()).filter(|path| path != "." && path != "?"),
        Ok(_) => None,
    }
}

/// serde_json appends " at line L column C"; the error types carry those separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

/// Reads `null` as the type's default (the original services wrote explicit nulls).
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Serde adapter for `datetime` fields: RFC 3339 in UTC with `Z` on write; on read also
/// accepts offsets (converted to UTC) and naive timestamps (`2025-09-26T10:30:00`, read as UTC,
/// as the original services wrote them).
pub mod datetime {
    use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    /// Writes RFC 3339 with `Z`, with as many fraction digits as needed.
    pub fn serialize<S: Serializer>(
        value: &DateTime<Utc>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&value.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }

    /// Reads RFC 3339, or a naive timestamp as UTC.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<Utc>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        parse(&text).ok_or_else(|| {
            D::Error::custom(format!(
                "`{text}` is not a timestamp (expected RFC 3339, e.g. `2025-09-26T10:30:00Z`)"
            ))
        })
    }

    /// Parses RFC 3339 or a naive timestamp (read as UTC).
    pub fn parse(text: &str) -> Option<DateTime<Utc>> {
        if let Ok(value) = DateTime::parse_from_rfc3339(text) {
            return Some(value.with_timezone(&Utc));
        }
        ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
            .iter()
            .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
            .map(|naive| naive.and_utc())
    }
}

/// Serde adapter for optional `datetime` fields; see [`datetime`].
pub mod datetime_opt {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    /// Writes `null` or RFC 3339 with `Z`.
    pub fn serialize<S: Serializer>(
        value: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => super::datetime::serialize(value, serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Reads `null`, RFC 3339, or a naive timestamp as UTC.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        let text = Option::<std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.map(|text| {
            super::datetime::parse(&text).ok_or_else(|| {
                D::Error::custom(format!(
                    "`{text}` is not a timestamp (expected RFC 3339, e.g. `2025-09-26T10:30:00Z`)"
                ))
            })
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_and_format() {
        assert_eq!(parse_version("v1"), Some(1));
        assert_eq!(parse_version("V12"), Some(12));
        assert_eq!(parse_version("3"), Some(3));
        for bad in ["", "v", "v0", "vx", "v-1", "1.0", "v 1"] {
            assert_eq!(parse_version(bad), None, "{bad:?}");
        }
        assert_eq!(version_tag(2), "v2");
    }

    #[test]
    fn timestamps_accept_rfc3339_offsets_and_naive_utc() {
        let expected = datetime::parse("2025-09-26T10:30:00Z").expect("rfc 3339");
        assert_eq!(datetime::parse("2025-09-26T10:30:00"), Some(expected));
        assert_eq!(datetime::parse("2025-09-26 10:30:00"), Some(expected));
        assert_eq!(datetime::parse("2025-09-26T12:30:00+02:00"), Some(expected));
        assert!(datetime::parse("2025-09-26T10:30:00.123456").is_some());
        assert_eq!(datetime::parse("26/09/2025"), None);
    }
}
