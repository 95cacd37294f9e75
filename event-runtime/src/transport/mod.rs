//! Where entries are stored and read: key names and the storage operations the publisher,
//! subscriber and replay are written against.
//!
//! `redis.rs` is the one backend today, and the only file that sends Redis commands.
//! Everything above it speaks in [`StreamEntry`] and the backend's semantic operations
//! (append, group read, ack, claim, dead-letter, range), so an in-memory backend with the same
//! semantics (pending lists, delivery counts, claiming) can sit beside it.

pub(crate) mod redis;

/// The stream of an event type: `events:user.created`.
pub fn stream_key(event_type: &str) -> String {
    format!("events:{event_type}")
}

/// The pub/sub channel of an event type: `events.user.created`.
pub fn channel_name(event_type: &str) -> String {
    format!("events.{event_type}")
}

/// The dead-letter stream of an event type: `events:dlq:user.created`.
pub fn dead_letter_key(event_type: &str) -> String {
    format!("events:dlq:{event_type}")
}

/// One stream entry as stored: its id and its fields, in stored order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamEntry {
    /// The entry id, `<ms>-<seq>`.
    pub id: String,
    /// Field names and raw values.
    pub fields: Vec<(String, Vec<u8>)>,
}

impl StreamEntry {
    /// The raw value of a field.
    pub fn field(&self, name: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_slice())
    }

    /// A field as text, if present and UTF-8.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.field(name)
            .and_then(|value| std::str::from_utf8(value).ok())
    }
}

/// One entry to append, with its optional pub/sub copy.
#[derive(Debug, Clone)]
pub(crate) struct OutgoingEntry {
    pub(crate) stream: String,
    pub(crate) fields: Vec<(&'static str, String)>,
    /// `(channel, message)` to PUBLISH in the same transaction.
    pub(crate) broadcast: Option<(String, String)>,
}

/// What a claim returned.
#[derive(Debug, Default)]
pub(crate) struct Claimed {
    /// Entries now owned by the claimer.
    pub(crate) entries: Vec<StreamEntry>,
    /// Ids whose data was deleted or trimmed; Redis dropped them from the pending list.
    pub(crate) deleted: Vec<String>,
    /// Cursor for the next call; `0-0` when the pass is complete.
    pub(crate) next: String,
}

/// Per-group figures for health.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct GroupFigures {
    pub(crate) pending: u64,
    pub(crate) lag: Option<u64>,
}
