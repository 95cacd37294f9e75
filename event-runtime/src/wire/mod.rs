//! The wire format, for tools and for services in other languages: what is stored, under
//! which names, and how it is read back. `docs/wire-format.md` describes the same in prose.
//!
//! - **Names** ([`stream_key`], [`partition_key`], [`dead_letter_key`], [`channel_name`], and
//!   back: [`event_type_of`]): stream `events:<type>`, partitions `events:<type>:p<k>`, dead
//!   letters `events:dlq:<type>`, pub/sub channel `events.<type>`.
//! - **Entries** ([`StreamEntry`], [`EntryId`]): the fields of an event's entry
//!   ([`field`], laid out by [`entry_fields`]), checked on read by [`parse_entry`]; the
//!   provenance fields of a dead letter ([`provenance`]).
//! - **Values**: versions ([`version_tag`], [`parse_version`]), timestamps
//!   ([`format_timestamp`], [`parse_timestamp`]), partitions ([`partition_of`]).
//!
//! `event_data` is one flat JSON object: `event_type` and `version`, then the envelope fields
//! (`event_id`, `timestamp`, `source_service`, `correlation_id`, `user_id`, `metadata`), then
//! the payload fields; [`encode`](crate::encode) writes it and
//! [`decode_exact`](crate::decode_exact) reads it.

pub(crate) mod adapters;
mod entry;
pub mod field;
mod id;
mod keys;
mod partition;
pub mod provenance;
mod timestamp;

#[cfg(feature = "redis")]
pub(crate) use entry::DataHead;
pub use entry::{EntryError, EntryHead, StreamEntry, entry_fields, parse_entry};
pub use id::{EntryId, EntryIdError};
pub use keys::{
    CHANNEL_PREFIX, DEAD_LETTER_PREFIX, HANDLED_PREFIX, REGISTRY_PREFIX, REGISTRY_TYPES_KEY,
    STREAM_PREFIX, TRIMMED_PREFIX, channel_name, cluster_dead_letter_key, dead_letter_key,
    event_type_of, handled_key, partition_key, registry_key, registry_schemas_key, stream_key,
    stream_keys, trimmed_key,
};
pub use partition::{fnv1a_64, partition_of, partition_of_text};
pub use timestamp::{format_timestamp, parse_timestamp};

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

/// serde_json appends " at line L column C" to its messages; the errors here carry those
/// separately.
pub(crate) fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |index| &message[..index])
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
}
