//! The names of the fields of a stream entry, as the runtime writes them (see
//! [`entry_fields`](super::entry_fields)). The original services wrote only [`EVENT_ID`],
//! [`EVENT_DATA`] and [`TIMESTAMP`]; the runtime reads both.

/// The event's id, as in its `event_data`.
pub const EVENT_ID: &str = "event_id";
/// The event type, `domain.action`.
pub const EVENT_TYPE: &str = "event_type";
/// The version `event_data` is written at: `v1`, `v2`, ...
pub const VERSION: &str = "version";
/// When the event happened, RFC 3339 in UTC.
pub const TIMESTAMP: &str = "timestamp";
/// The event's wire JSON: envelope and payload in one flat object.
pub const EVENT_DATA: &str = "event_data";

/// Every field, in the order the runtime writes them.
pub const ALL: [&str; 5] = [EVENT_ID, EVENT_TYPE, VERSION, TIMESTAMP, EVENT_DATA];
