//! Errors of encoding and decoding events.

use crate::validate::ValidationError;

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
    /// The data is of a newer version than this reader knows.
    #[error(
        "{event_type} v{found} is newer than the newest version this service knows (v{supported}); upgrade the service's schemas"
    )]
    NewerVersion {
        /// The event type.
        event_type: &'static str,
        /// Version found in the data.
        found: u32,
        /// Newest version known.
        supported: u32,
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
