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
    VersionText::new(version).as_str().to_owned()
}

/// The text [`version_tag`] writes, held on the stack, for the encoder and the stream entry.
#[derive(Clone, Copy)]
pub(crate) struct VersionText {
    /// `v` and at most ten digits (`u32::MAX`).
    bytes: [u8; 11],
    len: usize,
}

impl VersionText {
    pub(crate) fn new(version: u32) -> Self {
        let mut digits = [0u8; 10];
        let mut start = digits.len();
        let mut rest = version;
        loop {
            start -= 1;
            digits[start] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        let mut bytes = [0u8; 11];
        bytes[0] = b'v';
        let len = 1 + digits.len() - start;
        bytes[1..len].copy_from_slice(&digits[start..]);
        Self { bytes, len }
    }

    pub(crate) fn as_str(&self) -> &str {
        // `v` and ASCII digits only.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
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
        for version in [0, 1, 9, 10, 99, 100, 4_294_967_295] {
            assert_eq!(version_tag(version), format!("v{version}"));
        }
    }
}
