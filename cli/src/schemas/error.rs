//! Why event data could not be decoded with a run-time catalogue.

use event_runtime::ValidationError;

/// Why event JSON could not be turned into an event of a run-time catalogue.
///
/// Every variant but the last two reads word for word like the variant of
/// [`event_runtime::DecodeError`] of the same name, which the generated code returns for the
/// same data (`cli/tests/interpreter` holds the two equal).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
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
        event_type: String,
        /// The version being decoded.
        version: u32,
        /// Path of the field (`user_id`, `items[2].name`).
        field: String,
        /// What was expected and what was found (never a sensitive value).
        message: String,
    },
    /// The event decoded but breaks a constraint of its schema.
    #[error("{event_type} v{version} is invalid: {violations}")]
    Invalid {
        /// The event type.
        event_type: String,
        /// The version.
        version: u32,
        /// Every broken constraint.
        violations: ValidationError,
    },
    /// No migration chain leads from the data's version to the one asked for.
    #[error("{event_type}: no migration from v{from} to v{to}")]
    NoMigration {
        /// The event type.
        event_type: String,
        /// Version of the data.
        from: u32,
        /// Version asked for.
        to: u32,
    },
    /// The catalogue has no such event type.
    #[error("unknown event type `{event_type}`")]
    UnknownEventType {
        /// The type asked for.
        event_type: String,
    },
    /// The catalogue knows the type but not this version.
    #[error("unknown version `{version}` of `{event_type}` (known: {known})")]
    UnknownVersion {
        /// The event type.
        event_type: String,
        /// The version as found.
        version: String,
        /// The versions the catalogue knows, e.g. `v1, v2`.
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
    /// The step to `version` is a Rust function of the service (`migrate_with`), which only
    /// its compiled code can run.
    #[error(
        "{event_type} v{version} is built from v{previous} by the Rust function `{function}` (`migrate_with`), which only the service's compiled code can run; read the event at v{previous} or earlier"
    )]
    VersionFunction {
        /// The event type.
        event_type: String,
        /// The version the function builds.
        version: u32,
        /// The version it builds it from.
        previous: u32,
        /// The function's Rust path.
        function: String,
    },
    /// A field of `version` is computed by a Rust function of the service
    /// (`migrate: { with: ... }`), which only its compiled code can run.
    #[error(
        "{event_type} v{version}: field `{field}` is computed from v{previous} by the Rust function `{function}` (`migrate: {{ with: ... }}`), which only the service's compiled code can run; read the event at v{previous} or earlier"
    )]
    FieldFunction {
        /// The event type.
        event_type: String,
        /// The version the field belongs to.
        version: u32,
        /// The version it is computed from.
        previous: u32,
        /// The field.
        field: String,
        /// The function's Rust path.
        function: String,
    },
}

impl DecodeError {
    /// The upgrade needs a Rust function of the service: the data itself may be fine.
    pub fn is_function_migration(&self) -> bool {
        matches!(
            self,
            DecodeError::VersionFunction { .. } | DecodeError::FieldFunction { .. }
        )
    }
}
