//! The id of an event: a UUIDv7 when the runtime creates it, any string when it reads one.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The `event_id` of an event's envelope.
///
/// Events created here get a UUIDv7 ([`EventId::new`]), written in the usual hyphenated
/// lowercase form. On read any string is kept as it is: the original services declared
/// `event_id: str`, and a publisher in another language may use ids of its own. Two events
/// are the same event when their ids are the same text, which is what retried publishes and
/// de-duplication rely on.
///
/// ```
/// use event_runtime::EventId;
///
/// let id = EventId::new();
/// assert!(id.as_uuid().is_some());
/// let theirs = EventId::from("req-789/1");
/// assert_eq!(theirs.as_str(), "req-789/1");
/// assert_eq!(theirs.as_uuid(), None);
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventId(String);

impl EventId {
    /// A new id: a UUIDv7, so ids sort by creation time.
    pub fn new() -> Self {
        Self::from(Uuid::now_v7())
    }

    /// The id as written on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as a UUID, when it is one (any case, hyphenated or not).
    pub fn as_uuid(&self) -> Option<Uuid> {
        Uuid::try_parse(&self.0).ok()
    }

    /// The id's text.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl Default for EventId {
    fn default() -> Self {
        Self::new()
    }
}

impl From<Uuid> for EventId {
    fn from(uuid: Uuid) -> Self {
        Self(uuid.hyphenated().to_string())
    }
}

impl From<String> for EventId {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl From<&str> for EventId {
    fn from(text: &str) -> Self {
        Self(text.to_owned())
    }
}

impl PartialEq<Uuid> for EventId {
    fn eq(&self, uuid: &Uuid) -> bool {
        self.as_uuid() == Some(*uuid)
    }
}

impl PartialEq<str> for EventId {
    fn eq(&self, text: &str) -> bool {
        self.0 == text
    }
}

impl PartialEq<&str> for EventId {
    fn eq(&self, text: &&str) -> bool {
        self.0 == *text
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_string_reads_and_writes_back_unchanged() {
        for text in [
            "",
            "42",
            "req-789/1",
            "ünïcode",
            "0190A6A0-5E1C-7B3E-9F0A-3C2D1E0F9A8B",
        ] {
            let json = serde_json::to_string(text).expect("json");
            let id: EventId = serde_json::from_str(&json).expect(text);
            assert_eq!(id.as_str(), text);
            assert_eq!(serde_json::to_string(&id).expect("json"), json);
        }
        assert!(
            serde_json::from_str::<EventId>("42").is_err(),
            "a number is not an id"
        );
    }

    #[test]
    fn new_ids_are_uuid_v7_in_lowercase_hyphenated_form() {
        let id = EventId::new();
        let uuid = id.as_uuid().expect("a UUID");
        assert_eq!(uuid.get_version_num(), 7);
        assert_eq!(id.as_str(), uuid.hyphenated().to_string());
        assert_eq!(id, uuid);
        let upper = EventId::from(id.as_str().to_uppercase());
        assert_eq!(upper.as_uuid(), Some(uuid), "the UUID is the same");
        assert_ne!(upper, id, "but the id is its text");
    }
}
