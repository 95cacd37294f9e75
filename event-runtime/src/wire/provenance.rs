//! The provenance fields of a dead letter: an entry of `events:dlq:<type>` holds these, then
//! every field of the original entry (one whose name collides with a provenance field is kept
//! as `original_<name>`).

/// The stream the entry was read from (`events:<type>` or a partition of it).
pub const ORIGINAL_STREAM: &str = "original_stream";
/// The entry's id in that stream.
pub const ORIGINAL_ID: &str = "original_id";
/// The consumer group that gave up on it.
pub const GROUP: &str = "group";
/// The consumer that dead-lettered it.
pub const CONSUMER: &str = "consumer";
/// Why: the handler's last error, or why the entry could not be decoded.
pub const ERROR: &str = "error";
/// Deliveries of the entry, the last one included.
pub const ATTEMPTS: &str = "attempts";
/// When it was dead-lettered, RFC 3339 in UTC with milliseconds.
pub const DEAD_LETTERED_AT: &str = "dead_lettered_at";

/// Every provenance field, in the order the runtime writes them, before the original fields.
pub const ALL: [&str; 7] = [
    ORIGINAL_STREAM,
    ORIGINAL_ID,
    GROUP,
    CONSUMER,
    ERROR,
    ATTEMPTS,
    DEAD_LETTERED_AT,
];
