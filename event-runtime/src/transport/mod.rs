//! Connections to Redis: [`RedisConnection`], the kind the runtime opens, for
//! administrative tools too, and the timeouts the runtime waits for Redis with
//! ([`CONNECT_TIMEOUT`], [`RESPONSE_TIMEOUT`]).
//!
//! Inside the crate, the storage operations the publisher, subscriber, replay and pub/sub are
//! written against (`Transport`): append, group read, ack, claim, dead-letter, range,
//! subscribe, each named after the Redis command it stands for. Two backends sit behind it:
//! `redis/`, where every Redis command of the runtime is sent, and the in-memory broker
//! (`memory/`), with the same semantics (consumer groups, pending lists, delivery counts,
//! claims). What they take and return is `backend.rs`; everything above this module speaks in
//! [`StreamEntry`] and those operations, and uses no type and sends no command of a backend.

mod redis;

pub use redis::RedisConnection;

use std::collections::HashMap;
use std::time::Duration;

use crate::backend::{Claimed, ConsumerRemoval, GroupFigures, GroupRead, Messages, OutgoingEntry};
use crate::backend::{ForcedTrim, StreamGroups, TrimTo};
use crate::config::TlsConfig;
use crate::config::{Durability, Retention};
use crate::error::Result;
use crate::memory::MemoryBroker;
use crate::wire::{EntryId, StreamEntry, cluster_dead_letter_key, dead_letter_key};

/// How long connecting to Redis may take: the runtime's connections for subscribers, live
/// subscriptions and replays, pub/sub connections, and [`RedisConnection::connect`]. (A
/// publisher waits for its `publish_timeout` instead.)
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the runtime waits for Redis to answer a command on its shared connections
/// (a blocking read waits on a connection of its own, for its block time and more).
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(10);

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
    /// Connects to Redis at `url` (one server or a cluster), waiting at most
    /// `connect_timeout`; commands then time out after `response_timeout`.
    pub(crate) async fn connect(
        url: &str,
        tls: &TlsConfig,
        response_timeout: Duration,
        connect_timeout: Duration,
    ) -> Result<Self> {
        let transport =
            redis::RedisTransport::connect(url, tls, response_timeout, connect_timeout).await?;
        Ok(Transport::Redis(transport))
    }

    /// The in-memory broker `broker`.
    pub(crate) fn memory(broker: &MemoryBroker) -> Self {
        Transport::Memory(broker.clone())
    }

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

    /// Removes a consumer from its group on `stream` unless entries are pending for it.
    pub(crate) async fn remove_consumer(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
    ) -> Result<ConsumerRemoval> {
        match self {
            Transport::Redis(redis) => redis.remove_consumer(stream, group, consumer).await,
            Transport::Memory(broker) => broker.remove_consumer(stream, group, consumer),
        }
    }

    /// Whether a blocked [`read_group`](Self::read_group) of this backend may be dropped
    /// unfinished without losing what it read: the in-memory broker hands entries over in the
    /// same step that takes them; a Redis read must be ended by [`unblock`](Self::unblock).
    pub(crate) fn read_is_cancel_safe(&self) -> bool {
        matches!(self, Transport::Memory(_))
    }

    /// Ends the blocked read of `reader` (a transport of the same backend) now, where Redis
    /// lets it (`CLIENT UNBLOCK`); the read returns what it has, usually nothing.
    pub(crate) async fn unblock(&self, reader: &Transport) {
        if let (Transport::Redis(commands), Transport::Redis(reader)) = (self, reader) {
            commands.unblock(reader).await;
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

    /// A stream's length and where each of its consumer groups is (`XLEN`, `XINFO GROUPS`,
    /// the `XPENDING` summary), for retention.
    pub(crate) async fn stream_groups(&self, stream: &str) -> Result<StreamGroups> {
        match self {
            Transport::Redis(redis) => redis.stream_groups(stream).await,
            Transport::Memory(broker) => broker.stream_groups(stream),
        }
    }

    /// The stream's length and the ids of its `count` oldest entries, read in one
    /// transaction (`MULTI`, `XLEN`, `XRANGE <stream> - + COUNT <count>`, `EXEC`).
    pub(crate) async fn oldest(&self, stream: &str, count: usize) -> Result<(u64, Vec<EntryId>)> {
        match self {
            Transport::Redis(redis) => redis.oldest(stream, count).await,
            Transport::Memory(broker) => broker.oldest(stream, count),
        }
    }

    /// `XTRIM`; how many entries it removed.
    pub(crate) async fn trim(&self, stream: &str, to: TrimTo) -> Result<u64> {
        match self {
            Transport::Redis(redis) => redis.trim(stream, to).await,
            Transport::Memory(broker) => broker.trim(stream, to),
        }
    }

    /// `XTRIM <stream> MINID <to>`, reading atomically what it removes from `[from, to)` and
    /// where `groups` are.
    pub(crate) async fn trim_forced(
        &self,
        stream: &str,
        from: EntryId,
        to: EntryId,
        groups: &[String],
    ) -> Result<ForcedTrim> {
        match self {
            Transport::Redis(redis) => redis.trim_forced(stream, from, to, groups).await,
            Transport::Memory(broker) => broker.trim_forced(stream, from, to, groups),
        }
    }

    /// Records handled events for effectively-once handling: per stream, `(event_id, entry
    /// id)` pairs appended to the group's record stream (`handled_key`), which keeps `window`.
    pub(crate) async fn record_handled(
        &self,
        group: &str,
        records: &[(String, Vec<(String, String)>)],
        window: Duration,
    ) -> Result<()> {
        match self {
            Transport::Redis(redis) => redis.record_handled(group, records, window).await,
            Transport::Memory(broker) => broker.record_handled(group, records, window),
        }
    }
}
