//! Where entries are stored and read: key names and the storage operations the publisher,
//! subscriber, replay and pub/sub are written against.
//!
//! Two backends sit behind `Transport`: `redis.rs`, the only file that sends Redis commands,
//! and [`MemoryBroker`], an in-process broker with the same semantics (consumer groups,
//! pending lists, delivery counts, claims). Everything above this module speaks in
//! [`StreamEntry`] and the semantic operations of `Transport` (append, group read, ack, claim,
//! dead-letter, range, subscribe), never in commands of a backend.

pub(crate) mod redis;

use std::collections::HashMap;
use std::pin::Pin;
use std::time::Duration;

use futures_util::Stream;

use crate::config::{Durability, Partitioning, Retention};
use crate::memory::MemoryBroker;
use crate::runtime_error::Result;

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

/// The dead-letter stream of an event type on a Redis Cluster:
/// `events:dlq:{events:user.created}`. Its hash tag is the name of the type's stream, so it
/// lives in the slot of `events:user.created` (which keeps the name the original services
/// use), and moving an entry there and acknowledging it is one `MULTI` on one node.
pub fn cluster_dead_letter_key(event_type: &str) -> String {
    format!("events:dlq:{{events:{event_type}}}")
}

/// The stream of partition `partition` (from 0) of a partitioned event type:
/// `events:user.created:p3`. Without a hash tag, the partitions of a type spread over the
/// slots, and so over the nodes, of a Redis Cluster.
pub fn partition_key(event_type: &str, partition: u16) -> String {
    format!("events:{event_type}:p{partition}")
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

/// The outcome of a group read.
#[derive(Debug)]
pub(crate) enum GroupRead {
    /// Entries per stream (none when the block time passed).
    Entries(Vec<(String, Vec<StreamEntry>)>),
    /// The group or a stream is gone (deleted stream, `FLUSHALL`): recreate and read again.
    NoGroup,
}

/// The payloads of a pub/sub subscription, until the connection closes.
pub(crate) type Messages = Pin<Box<dyn Stream<Item = Vec<u8>> + Send>>;

/// A backend: Redis, or the in-memory broker. Cheap to clone.
///
/// An enum rather than a trait object: two backends, async methods, and no boxing on the hot
/// path. Each method is the semantic operation named after the Redis command it stands for.
// A handful of these live per publisher or subscriber, in long-lived structs; boxing the
// Redis side (larger with the `tls` feature) would only add an indirection to every command.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub(crate) enum Transport {
    Redis(redis::RedisTransport),
    Memory(MemoryBroker),
}

impl Transport {
    /// The Redis URL (password hidden) or `memory://broker-<n>`.
    pub(crate) fn location(&self) -> &str {
        match self {
            Transport::Redis(redis) => redis.location(),
            Transport::Memory(broker) => broker.location(),
        }
    }

    /// What the backend is, for messages: `Redis at <url>`, `the Redis Cluster at <urls>` or
    /// `the in-memory broker <name>`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Transport::Redis(redis) if redis.is_cluster() => {
                format!("the Redis Cluster at {}", redis.location())
            }
            Transport::Redis(redis) => format!("Redis at {}", redis.location()),
            Transport::Memory(broker) => format!("the in-memory broker {}", broker.location()),
        }
    }

    /// `PING`.
    pub(crate) async fn ping(&self) -> Result<()> {
        match self {
            Transport::Redis(redis) => redis.ping().await,
            Transport::Memory(broker) => broker.ping(),
        }
    }

    /// The dead-letter stream of `event_type` on this backend: [`cluster_dead_letter_key`]
    /// on a Redis Cluster, [`dead_letter_key`] elsewhere.
    pub(crate) fn dead_letter_key(&self, event_type: &str) -> String {
        match self {
            Transport::Redis(redis) if redis.is_cluster() => cluster_dead_letter_key(event_type),
            Transport::Redis(_) | Transport::Memory(_) => dead_letter_key(event_type),
        }
    }

    /// Appends entries, each atomically with its pub/sub copy; returns their ids in order.
    /// With `durable`, waits for that many replicas to have them (the in-memory broker has
    /// no replicas and ignores it).
    pub(crate) async fn append(
        &self,
        entries: &[OutgoingEntry],
        retention: Retention,
        durable: Option<Durability>,
    ) -> Result<Vec<String>> {
        match self {
            Transport::Redis(redis) => redis.append(entries, retention, durable).await,
            Transport::Memory(broker) => broker.append_entries(entries, retention),
        }
    }

    /// Creates the group (and the stream) unless it exists; `true` when created.
    pub(crate) async fn ensure_group(
        &self,
        stream: &str,
        group: &str,
        start: &str,
    ) -> Result<bool> {
        match self {
            Transport::Redis(redis) => redis.ensure_group(stream, group, start).await,
            Transport::Memory(broker) => broker.ensure_group(stream, group, start),
        }
    }

    /// New entries for the group (`XREADGROUP ... >`), waiting up to `block`.
    pub(crate) async fn read_group(
        &self,
        group: &str,
        consumer: &str,
        streams: &[&str],
        count: usize,
        block: Duration,
    ) -> Result<GroupRead> {
        match self {
            Transport::Redis(redis) => {
                redis
                    .read_group(group, consumer, streams, count, block)
                    .await
            }
            Transport::Memory(broker) => {
                broker
                    .read_group(group, consumer, streams, count, block)
                    .await
            }
        }
    }

    /// Acknowledges entries (`XACK`), per stream.
    pub(crate) async fn ack(&self, group: &str, acks: &[(String, Vec<String>)]) -> Result<()> {
        match self {
            Transport::Redis(redis) => redis.ack(group, acks).await,
            Transport::Memory(broker) => broker.ack(group, acks),
        }
    }

    /// One `XAUTOCLAIM` step from `cursor`.
    pub(crate) async fn autoclaim(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        min_idle: Duration,
        cursor: &str,
        count: usize,
    ) -> Result<Claimed> {
        match self {
            Transport::Redis(redis) => {
                redis
                    .autoclaim(stream, group, consumer, min_idle, cursor, count)
                    .await
            }
            Transport::Memory(broker) => {
                broker.autoclaim(stream, group, consumer, min_idle, cursor, count)
            }
        }
    }

    /// Takes over entries idle at least their min-idle time (`XCLAIM`).
    pub(crate) async fn claim(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        ids: &[(String, Duration)],
    ) -> Result<Vec<StreamEntry>> {
        match self {
            Transport::Redis(redis) => redis.claim(stream, group, consumer, ids).await,
            Transport::Memory(broker) => broker.claim(stream, group, consumer, ids),
        }
    }

    /// Resets the idle time of entries this consumer works on, counting no delivery.
    pub(crate) async fn touch(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        ids: &[String],
    ) -> Result<()> {
        match self {
            Transport::Redis(redis) => redis.touch(stream, group, consumer, ids).await,
            Transport::Memory(broker) => broker.touch(stream, group, consumer, ids),
        }
    }

    /// Delivery counts of pending entries.
    pub(crate) async fn deliveries(
        &self,
        stream: &str,
        group: &str,
        ids: &[String],
    ) -> Result<HashMap<String, u32>> {
        match self {
            Transport::Redis(redis) => redis.deliveries(stream, group, ids).await,
            Transport::Memory(broker) => broker.deliveries(stream, group, ids),
        }
    }

    /// Whether an entry of the group has been pending at least `min_idle`.
    pub(crate) async fn has_idle_pending(
        &self,
        stream: &str,
        group: &str,
        min_idle: Duration,
    ) -> Result<bool> {
        match self {
            Transport::Redis(redis) => redis.has_idle_pending(stream, group, min_idle).await,
            Transport::Memory(broker) => broker.has_idle_pending(stream, group, min_idle),
        }
    }

    /// Writes a dead letter and acknowledges the entry, atomically.
    pub(crate) async fn dead_letter(
        &self,
        dead_letter_stream: &str,
        fields: &[(String, Vec<u8>)],
        stream: &str,
        group: &str,
        id: &str,
    ) -> Result<()> {
        match self {
            Transport::Redis(redis) => {
                redis
                    .dead_letter(dead_letter_stream, fields, stream, group, id)
                    .await
            }
            Transport::Memory(broker) => {
                broker.dead_letter(dead_letter_stream, fields, stream, group, id)
            }
        }
    }

    /// Pending count and lag of a group.
    pub(crate) async fn group_figures(&self, stream: &str, group: &str) -> Result<GroupFigures> {
        match self {
            Transport::Redis(redis) => redis.group_figures(stream, group).await,
            Transport::Memory(broker) => broker.group_figures(stream, group),
        }
    }

    /// `XLEN`: entries in a stream, 0 when it does not exist.
    pub(crate) async fn length(&self, stream: &str) -> Result<u64> {
        match self {
            Transport::Redis(redis) => redis.length(stream).await,
            Transport::Memory(broker) => broker.length(stream),
        }
    }

    /// `XRANGE <stream> <start> <end> COUNT <count>`.
    pub(crate) async fn range(
        &self,
        stream: &str,
        start: &str,
        end: &str,
        count: usize,
    ) -> Result<Vec<StreamEntry>> {
        match self {
            Transport::Redis(redis) => redis.range(stream, start, end, count).await,
            Transport::Memory(broker) => broker.range(stream, start, end, count),
        }
    }

    /// Subscribes to a pub/sub channel on a connection of its own.
    pub(crate) async fn subscribe(&self, channel: &str) -> Result<Messages> {
        match self {
            Transport::Redis(redis) => redis.subscribe(channel).await,
            Transport::Memory(broker) => {
                let receiver = broker.subscribe(channel)?;
                Ok(Box::pin(futures_util::stream::unfold(
                    receiver,
                    |mut receiver| async move {
                        let message = receiver.recv().await?;
                        Some((message.to_vec(), receiver))
                    },
                )))
            }
        }
    }
}
