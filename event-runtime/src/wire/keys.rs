//! Key and channel names: the stream of each event type, its partitions, its dead letters and
//! its pub/sub channel, and back from a stream's name to its event type.

use crate::config::Partitioning;

/// What every stream name starts with: `events:` (`events:user.created`).
pub const STREAM_PREFIX: &str = "events:";
/// What every dead-letter stream name starts with: `events:dlq:` (`events:dlq:user.created`).
pub const DEAD_LETTER_PREFIX: &str = "events:dlq:";
/// What every pub/sub channel name starts with: `events.` (`events.user.created`).
pub const CHANNEL_PREFIX: &str = "events.";
/// What every key of the fleet registry starts with: `events:registry:`.
pub const REGISTRY_PREFIX: &str = "events:registry:";
/// What every record of forced trims starts with: `events:trimmed:`.
pub const TRIMMED_PREFIX: &str = "events:trimmed:";
/// What every record of handled events (effectively-once handling) starts with:
/// `events:handled:`.
pub const HANDLED_PREFIX: &str = "events:handled:";
/// The registry's index of event types: one entry per instance and heartbeat, listing the
/// types it registered, so that readers find every type without `SCAN`.
pub const REGISTRY_TYPES_KEY: &str = "events:registry:types";

/// The stream of an event type: `events:user.created`.
pub fn stream_key(event_type: &str) -> String {
    format!("{STREAM_PREFIX}{event_type}")
}

/// The stream of partition `partition` (from 0) of a partitioned event type:
/// `events:user.created:p3`. Without a hash tag, the partitions of a type spread over the
/// slots, and so over the nodes, of a Redis Cluster.
pub fn partition_key(event_type: &str, partition: u16) -> String {
    format!("{STREAM_PREFIX}{event_type}:p{partition}")
}

/// The pub/sub channel of an event type: `events.user.created`.
pub fn channel_name(event_type: &str) -> String {
    format!("{CHANNEL_PREFIX}{event_type}")
}

/// The dead-letter stream of an event type: `events:dlq:user.created`.
pub fn dead_letter_key(event_type: &str) -> String {
    format!("{DEAD_LETTER_PREFIX}{event_type}")
}

/// The dead-letter stream of an event type on a Redis Cluster:
/// `events:dlq:{events:user.created}`. Its hash tag is the name of the type's stream, so it
/// lives in the slot of `events:user.created` (which keeps the name the original services
/// use), and moving an entry there and acknowledging it is one `MULTI` on one node.
pub fn cluster_dead_letter_key(event_type: &str) -> String {
    format!("{DEAD_LETTER_PREFIX}{{{STREAM_PREFIX}{event_type}}}")
}

/// The registry stream of an event type: `events:registry:{events:user.created}`, one
/// entry per instance and heartbeat saying what the instance produces or reads. Its hash tag
/// is the type's stream, so on a Redis Cluster it lives in that stream's slot.
pub fn registry_key(event_type: &str) -> String {
    format!("{REGISTRY_PREFIX}{{{STREAM_PREFIX}{event_type}}}")
}

/// The schema stream of an event type: `events:registry:{events:user.created}:schemas`, one
/// entry per version and fingerprint with its JSON Schema, in the slot of the type's stream.
pub fn registry_schemas_key(event_type: &str) -> String {
    format!("{}:schemas", registry_key(event_type))
}

/// The record of the forced trims of a stream: `events:trimmed:{events:user.created}`
/// (`events:trimmed:{events:user.created:p3}` for a partition), one entry per consumer group
/// and forced trim, saying how many entries the group lost (docs/wire-format.md). Its hash tag
/// is the stream's name, so on a Redis Cluster it lives in the stream's slot.
pub fn trimmed_key(stream: &str) -> String {
    format!("{TRIMMED_PREFIX}{{{stream}}}")
}

/// The record of the events a consumer group handled from a stream, for effectively-once
/// handling: `events:handled:{events:user.created}:<group>`, one entry per handled entry with
/// its `event_id`, trimmed to the deduplication window (docs/wire-format.md). Its hash tag is
/// the stream's name, so on a Redis Cluster it lives in the stream's slot.
pub fn handled_key(stream: &str, group: &str) -> String {
    format!("{HANDLED_PREFIX}{{{stream}}}:{group}")
}

/// Every stream a subscriber of `event_type` reads: `events:<type>`, then the partitions
/// `events:<type>:p0` ... when the type is partitioned (the plain stream too, for producers
/// that do not partition, such as the original services).
pub fn stream_keys(event_type: &str, partitioning: Option<&Partitioning>) -> Vec<String> {
    let partitions = partitioning.map_or(0, |partitioning| partitioning.count);
    std::iter::once(stream_key(event_type))
        .chain((0..partitions).map(|partition| partition_key(event_type, partition)))
        .collect()
}

/// The event type of a stream: the inverse of [`stream_key`] and [`partition_key`]. `None`
/// for a name that is neither, such as a dead-letter stream or another application's key.
///
/// ```
/// use event_runtime::wire::{event_type_of, partition_key, stream_key};
///
/// assert_eq!(event_type_of(&stream_key("user.created")), Some("user.created"));
/// assert_eq!(event_type_of(&partition_key("user.created", 3)), Some("user.created"));
/// assert_eq!(event_type_of("events:dlq:user.created"), None);
/// assert_eq!(event_type_of("sessions:42"), None);
/// ```
pub fn event_type_of(stream: &str) -> Option<&str> {
    let name = stream.strip_prefix(STREAM_PREFIX)?;
    if stream.starts_with(DEAD_LETTER_PREFIX)
        || stream.starts_with(REGISTRY_PREFIX)
        || stream.starts_with(TRIMMED_PREFIX)
        || stream.starts_with(HANDLED_PREFIX)
    {
        return None;
    }
    let event_type = match name.rsplit_once(":p") {
        Some((event_type, partition))
            if !partition.is_empty() && partition.bytes().all(|b| b.is_ascii_digit()) =>
        {
            event_type
        }
        _ => name,
    };
    event_names::is_event_name(event_type).then_some(event_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_a_type_and_back() {
        assert_eq!(stream_key("user.created"), "events:user.created");
        assert_eq!(partition_key("user.created", 3), "events:user.created:p3");
        assert_eq!(channel_name("user.created"), "events.user.created");
        assert_eq!(dead_letter_key("user.created"), "events:dlq:user.created");
        assert_eq!(
            cluster_dead_letter_key("user.created"),
            "events:dlq:{events:user.created}"
        );
        assert_eq!(
            registry_key("user.created"),
            "events:registry:{events:user.created}"
        );
        assert_eq!(
            registry_schemas_key("user.created"),
            "events:registry:{events:user.created}:schemas"
        );
        assert_eq!(
            trimmed_key("events:user.created:p3"),
            "events:trimmed:{events:user.created:p3}"
        );
        for event_type in ["user.created", "request.status_changed"] {
            assert_eq!(event_type_of(&stream_key(event_type)), Some(event_type));
            for partition in [0, 7, 1023] {
                let key = partition_key(event_type, partition);
                assert_eq!(event_type_of(&key), Some(event_type), "{key}");
            }
            assert_eq!(event_type_of(&dead_letter_key(event_type)), None);
            assert_eq!(event_type_of(&cluster_dead_letter_key(event_type)), None);
            assert_eq!(event_type_of(&channel_name(event_type)), None);
            assert_eq!(event_type_of(&registry_key(event_type)), None);
            assert_eq!(event_type_of(&registry_schemas_key(event_type)), None);
            assert_eq!(event_type_of(&trimmed_key(&stream_key(event_type))), None);
        }
        for other in [
            "events:",
            "events:user",
            "events:user.created:p",
            "events:User.Created",
            REGISTRY_TYPES_KEY,
        ] {
            assert_eq!(event_type_of(other), None, "{other}");
        }
    }
}
