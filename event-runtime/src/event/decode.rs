//! Reading the wire JSON of one event type: [`decode_exact`], the default
//! [`Event::decode_version`], newer versions read as older ones where the compatibility level
//! promises it ([`decode_newer`]), and [`DecodeError`]. The upgrade through older versions is
//! `impl_event.rs`.
//!
//! Errors name the field, what was expected and what was found; the text of a value is
//! never shown for a field in [`Event::SENSITIVE_FIELDS`].

use super::Event;
use super::compatibility::Compatibility;
use crate::validate::ValidationError;
use crate::wire::strip_position;

/// Why event JSON could not be turned into an event.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The text is not JSON (or not complete JSON).
    #[error("event data is not valid JSON: {message} (line {line}, column {column})")]
    Syntax {
        /// What the JSON parser said.
        message: String,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
    },
    /// A field is missing or has the wrong type.
    #[error("{event_type} v{version}: field `{field}`: {message}")]
    Field {
        /// The event type being decoded.
        event_type: &'static str,
        /// The version being decoded.
        version: u32,
        /// Path of the field (`user_id`, `items[2].name`).
        field: String,
        /// What was expected and what was found.
        message: String,
    },
    /// The event decoded but breaks a constraint of its schema.
    #[error("{event_type} v{version} is invalid: {violations}")]
    Invalid {
        /// The event type.
        event_type: &'static str,
        /// The version.
        version: u32,
        /// Every broken constraint.
        violations: ValidationError,
    },
    /// The data is of a newer version than the one asked for, and the type's compatibility
    /// level does not promise that readers of the older version read it.
    #[error(
        "{event_type} v{found} is newer than v{supported}, which this service reads, and {event_type} is {compatibility}, which does not promise that readers of v{supported} read v{found}: deploy consumers built with v{found} first"
    )]
    NewerVersion {
        /// The event type.
        event_type: &'static str,
        /// Version found in the data.
        found: u32,
        /// The version asked for.
        supported: u32,
        /// The type's level, as the reader's registry knows it.
        compatibility: Compatibility,
    },
    /// No migration chain leads from the data's version to the one asked for.
    #[error("{event_type}: no migration from v{from} to v{to}")]
    NoMigration {
        /// The event type.
        event_type: &'static str,
        /// Version of the data.
        from: u32,
        /// Version asked for.
        to: u32,
    },
    /// The registry has no such event type.
    #[error("unknown event type `{event_type}`")]
    UnknownEventType {
        /// The type asked for.
        event_type: String,
    },
    /// The registry knows the type but not this version.
    #[error("unknown version `{version}` of `{event_type}` (known: {known})")]
    UnknownVersion {
        /// The event type.
        event_type: String,
        /// The version as found.
        version: String,
        /// The versions the registry knows, e.g. `v1, v2`.
        known: String,
    },
    /// An upgrade was asked for towards an older version.
    #[error("{event_type}: cannot convert v{from} down to v{to}; migrations only go up")]
    Downgrade {
        /// The event type.
        event_type: String,
        /// Version of the data.
        from: u32,
        /// Version asked for.
        to: u32,
    },
}

impl DecodeError {
    /// A syntax error of serde_json, with its place.
    fn syntax(error: &serde_json::Error) -> Self {
        DecodeError::Syntax {
            message: strip_position(&error.to_string()).to_owned(),
            line: error.line(),
            column: error.column(),
        }
    }

    pub(super) fn invalid<E: Event>(violations: ValidationError) -> Self {
        DecodeError::Invalid {
            event_type: E::EVENT_TYPE,
            version: E::VERSION,
            violations,
        }
    }

    fn newer<E: Event>(found: u32) -> Self {
        DecodeError::NewerVersion {
            event_type: E::EVENT_TYPE,
            found,
            supported: E::VERSION,
            compatibility: E::COMPATIBILITY,
        }
    }
}

/// Decodes wire JSON written at exactly `E::VERSION` and validates it.
///
/// Errors name the field, what was expected and what was found. The text of a value is never
/// shown for a field in [`Event::SENSITIVE_FIELDS`].
pub fn decode_exact<E: Event>(event_data: &str) -> Result<E, DecodeError> {
    let event: E = match serde_json::from_str(event_data) {
        Ok(event) => event,
        Err(error) => return Err(describe_failure::<E>(event_data, &error)),
    };
    event.validate().map_err(DecodeError::invalid::<E>)?;
    Ok(event)
}

/// Reads data written at `found`, a newer version than `E`'s, as `E`: when the type's level
/// promises that readers of an older version read newer data (`FORWARD`, `FULL` and their
/// transitive forms), as Avro's reader/writer resolution does: the fields `E` does not know
/// are ignored, those the data lacks take `E`'s defaults, a field `E` requires and the data
/// lacks is a decode error, and `E`'s constraints are checked. Under any other level,
/// [`DecodeError::NewerVersion`], which names the upgrade to make.
///
/// Every typed read of a newer version goes through here (subscribers on Redis and in
/// memory, live subscriptions, replays, [`Event::decode_version`]).
pub(crate) fn decode_newer<E: Event>(found: u32, event_data: &str) -> Result<E, DecodeError> {
    if E::COMPATIBILITY.old_readers_read_new_data() {
        decode_exact(event_data)
    } else {
        Err(DecodeError::newer::<E>(found))
    }
}

/// The default [`Event::decode_version`]: `E::VERSION` itself, and newer versions as
/// [`decode_newer`] reads them; no older ones.
pub(crate) fn decode_own_version<E: Event>(
    version: u32,
    event_data: &str,
) -> Result<E, DecodeError> {
    if version == E::VERSION {
        decode_exact(event_data)
    } else if version > E::VERSION {
        decode_newer(version, event_data)
    } else {
        Err(DecodeError::NoMigration {
            event_type: E::EVENT_TYPE,
            from: version,
            to: E::VERSION,
        })
    }
}

fn describe_failure<E: Event>(event_data: &str, error: &serde_json::Error) -> DecodeError {
    if error.is_syntax() || error.is_eof() {
        return DecodeError::syntax(error);
    }
    // Decode again, tracking the path, to say which field failed. Only on the error path.
    let mut deserializer = serde_json::Deserializer::from_str(event_data);
    let tracked = serde_path_to_error::deserialize::<_, E>(&mut deserializer);
    let (path, message) = match tracked {
        Err(tracked) => (tracked.path().to_string(), tracked.into_inner().to_string()),
        Ok(_) => (".".to_owned(), error.to_string()),
    };
    let failure = FieldFailure::new(&path, &message, event_data, |field| {
        E::SENSITIVE_FIELDS.contains(&field)
    });
    DecodeError::Field {
        event_type: E::EVENT_TYPE,
        version: E::VERSION,
        field: failure.field,
        message: failure.message,
    }
}

/// The field a failed decode names and what is said of it, as [`DecodeError::Field`] carries
/// them: for decoders of wire JSON that have no Rust type for the event (the `events` CLI
/// reads events of a catalogue at run time), so that they word failures as the runtime does.
///
/// `path` and `message` are what `serde_path_to_error` reports for the failure (`.` or `?`
/// when it knows no path); `is_sensitive` says whether a top-level field is sensitive, whose
/// message is then withheld.
///
/// ```
/// use event_runtime::FieldFailure;
///
/// let data = r#"{"event_id":"e-1","pin":"12"}"#;
/// let shown = FieldFailure::new("pin", "invalid length 2, expected 4 at line 1 column 28", data, |_| false);
/// assert_eq!((shown.field.as_str(), shown.message.as_str()), ("pin", "invalid length 2, expected 4"));
/// let hidden = FieldFailure::new("pin", "invalid length 2", data, |field| field == "pin");
/// assert_eq!(hidden.message, "invalid value (not shown: sensitive field)");
/// let missing = FieldFailure::new(".", "missing field `timestamp`", data, |_| false);
/// assert_eq!(missing.field, "timestamp");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldFailure {
    /// Path of the field (`user_id`, `items[2].name`); empty when none can be named.
    pub field: String,
    /// What was expected and what was found, or that a sensitive value is not shown.
    pub message: String,
}

impl FieldFailure {
    /// Names the field and words the message; see the [type docs](FieldFailure).
    pub fn new(
        path: &str,
        message: &str,
        event_data: &str,
        is_sensitive: impl Fn(&str) -> bool,
    ) -> Self {
        let message = strip_position(message);
        let field = if path == "." || path == "?" {
            // Errors inside the flattened envelope (a bad `timestamp` or `event_id`) carry no
            // path: find the field by decoding the envelope alone.
            quoted_field_name(message, "missing field `")
                .or_else(|| quoted_field_name(message, "duplicate field `"))
                .or_else(|| envelope_field(event_data))
                .unwrap_or_default()
        } else {
            path.to_owned()
        };
        let top_level = field.split(['.', '[']).next().unwrap_or_default();
        let message = if is_sensitive(top_level) {
            "invalid value (not shown: sensitive field)".to_owned()
        } else {
            message.to_owned()
        };
        Self { field, message }
    }
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
