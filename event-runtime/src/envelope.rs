//! The envelope: the fields every event carries besides its payload.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::EventId;

/// The envelope fields of an event, flattened into the event's JSON next to the payload.
///
/// `event_type` and `version` are not stored here: they follow from the Rust type
/// ([`Event::EVENT_TYPE`](crate::Event::EVENT_TYPE), [`Event::VERSION`](crate::Event::VERSION))
/// and are written by [`encode`](crate::encode).
///
/// [`Envelope::new`] (and `Default`) gives the event its identity when it is created: a UUIDv7
/// [`EventId`] and the current time. Publishing the same value twice therefore keeps its id,
/// which lets consumers de-duplicate a retried publish.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// Unique id of this event: a UUIDv7 for events created here; any string is read (the
    /// original services declared it `str`).
    pub event_id: EventId,
    /// When the event happened, UTC. Naive timestamps on the wire are read as UTC.
    #[serde(with = "crate::wire::adapters::datetime")]
    pub timestamp: DateTime<Utc>,
    /// Name of the service that published the event. Filled by the publisher when empty.
    #[serde(default, deserialize_with = "crate::wire::adapters::null_as_default")]
    pub source_service: String,
    /// Id tying together the events caused by one request.
    #[serde(default)]
    pub correlation_id: Option<String>,
    /// The user the event is about or who triggered it (see the schema of each event).
    #[serde(default)]
    pub user_id: Option<i64>,
    /// Free-form context; keys are the publisher's.
    #[serde(default, deserialize_with = "crate::wire::adapters::null_as_default")]
    pub metadata: Map<String, Value>,
}

impl Envelope {
    /// A new envelope with a fresh UUIDv7 `event_id`, the current time, and nothing else.
    pub fn new() -> Self {
        Self {
            event_id: EventId::new(),
            timestamp: Utc::now(),
            source_service: String::new(),
            correlation_id: None,
            user_id: None,
            metadata: Map::new(),
        }
    }

    /// Sets the correlation id.
    #[must_use]
    pub fn with_correlation_id(mut self, correlation_id: impl Into<String>) -> Self {
        self.correlation_id = Some(correlation_id.into());
        self
    }

    /// Sets the user id.
    #[must_use]
    pub fn with_user_id(mut self, user_id: i64) -> Self {
        self.user_id = Some(user_id);
        self
    }

    /// Sets the source service.
    #[must_use]
    pub fn with_source_service(mut self, source_service: impl Into<String>) -> Self {
        self.source_service = source_service.into();
        self
    }

    /// Adds one metadata entry.
    #[must_use]
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }
}

impl Default for Envelope {
    fn default() -> Self {
        Self::new()
    }
}
