//! Every Redis command the operator commands (`stats`, `tail`, `dlq`, `replay`, `pending`)
//! send, in one place; `demo` reads its dead letters here too. Only `events bench` sends its
//! own, as it measures raw redis-rs.
//!
//! The connection is the runtime's own kind (`event_runtime::transport::RedisConnection`: one
//! server or a cluster, TLS applied, on `config.subscriber_url()`), so the operator commands
//! reach Redis exactly as the consumers they inspect do. The commands are the CLI's
//! administrative reads and the few writes an operator asks for (re-delivering entries to one
//! group, deleting dead letters), which the runtime has no use for. Key names, entries, ids
//! and dead-letter provenance are `event_runtime::wire`'s.
//!
//! On a Redis Cluster every command here names one key and is routed to its slot's master by
//! redis-rs's cluster connection, and `SCAN` runs on each master in turn.

use std::time::Duration;

use anyhow::{Context, bail};
use event_runtime::transport::RedisConnection;
use event_runtime::wire::StreamEntry;
use event_runtime::{Config, ErrorKind};
use redis::Value;
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::streams::{
    StreamInfoConsumersReply, StreamInfoGroupsReply, StreamPendingCountReply, StreamPendingReply,
};

/// The consumer name that re-delivered entries are parked under until a consumer of the group
/// claims them (`events replay --group`, `events dlq requeue`).
pub const REDELIVERY_CONSUMER: &str = "events-redeliver";

/// How idle a re-delivered entry looks: long enough for any sensible `claim_min_idle`, so the
/// group's subscribers claim it on their next pass.
const REDELIVERY_IDLE_MS: u64 = 24 * 60 * 60 * 1000;

/// Entries per `XRANGE` of [`Admin::pages`].
const PAGE_SIZE: usize = 500;

/// A connection for administrative commands.
pub struct Admin {
    conn: RedisConnection,
}

/// One consumer group of a stream (`XINFO GROUPS`).
#[derive(Debug, Clone)]
pub struct Group {
    pub name: String,
    pub consumers: usize,
    pub pending: usize,
    pub last_delivered_id: String,
    /// `None` when Redis cannot tell (see `XINFO GROUPS`).
    pub lag: Option<usize>,
}

/// One consumer of a group (`XINFO CONSUMERS`).
#[derive(Debug, Clone)]
pub struct Consumer {
    pub name: String,
    pub pending: usize,
    /// Milliseconds since the consumer last read or claimed.
    pub idle_ms: u64,
}

/// One pending entry (`XPENDING ... - + n`).
#[derive(Debug, Clone)]
pub struct Pending {
    pub id: String,
    pub consumer: String,
    pub idle_ms: u64,
    pub deliveries: u64,
}

impl Admin {
    /// Connects to the Redis of the environment (`REDIS_URL`); see [`Admin::connect`].
    pub async fn from_env(response_timeout: Duration) -> anyhow::Result<Self> {
        Self::connect(&crate::connect::config_from_env()?, response_timeout).await
    }

    /// Connects as the runtime connects (`config.subscriber_url()`, TLS of the config);
    /// commands time out after `response_timeout`: the runtime's `RESPONSE_TIMEOUT`, unless
    /// they need longer (blocking reads, re-delivering whole windows).
    pub async fn connect(config: &Config, response_timeout: Duration) -> anyhow::Result<Self> {
        let conn = RedisConnection::connect(config, response_timeout)
            .await
            .map_err(|error| match error.kind() {
                ErrorKind::Config => anyhow::Error::new(error),
                _ => crate::connect::unreachable(config, error),
            })?;
        Ok(Self { conn })
    }

    async fn query<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> redis::RedisResult<T> {
        cmd.query_async(&mut self.conn.clone()).await
    }

    /// The dead-letter stream of `event_type`: `events:dlq:<type>`, or on a cluster
    /// `events:dlq:{events:<type>}` (in the slot of the type's stream).
    pub fn dead_letter_key(&self, event_type: &str) -> String {
        if self.conn.is_cluster() {
            event_runtime::wire::cluster_dead_letter_key(event_type)
        } else {
            event_runtime::wire::dead_letter_key(event_type)
        }
    }

    /// Runs `SCAN` pages with `cmd(cursor)`: on the server, or on every master of a cluster.
    async fn scan_all(&self, cmd: impl Fn(u64) -> redis::Cmd) -> anyhow::Result<Vec<String>> {
        let mut keys = Vec::new();
        match &self.conn {
            RedisConnection::Single(_) => {
                let mut cursor = 0u64;
                loop {
                    let (next, page): (u64, Vec<String>) =
                        self.query(&cmd(cursor)).await.context("SCAN")?;
                    keys.extend(page);
                    cursor = next;
                    if cursor == 0 {
                        break;
                    }
                }
            }
            RedisConnection::Cluster(conn) => {
                for (host, port) in self.masters().await? {
                    let mut cursor = 0u64;
                    loop {
                        let route = RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress {
                            host: host.clone(),
                            port,
                        });
                        let reply = conn
                            .clone()
                            .route_command(cmd(cursor), route)
                            .await
                            .with_context(|| format!("SCAN on {host}:{port}"))?;
                        let (next, page): (u64, Vec<String>) =
                            redis::from_redis_value(reply).context("SCAN")?;
                        keys.extend(page);
                        cursor = next;
                        if cursor == 0 {
                            break;
                        }
                    }
                }
            }
        }
        Ok(keys)
    }

    /// The masters of a cluster that serve slots (`CLUSTER NODES`).
    async fn masters(&self) -> anyhow::Result<Vec<(String, u16)>> {
        let nodes: String = self
            .query(redis::cmd("CLUSTER").arg("NODES"))
            .await
            .context("CLUSTER NODES")?;
        Ok(nodes
            .lines()
            .filter_map(|line| {
                let parts: Vec<&str> = line.split_whitespace().collect();
                let flags = parts.get(2)?;
                let serves_slots = parts.len() > 8;
                let master = flags.split(',').any(|flag| flag == "master")
                    && !flags
                        .split(',')
                        .any(|flag| flag == "fail" || flag == "fail?");
                let address = parts.get(1)?.split('@').next()?;
                let (host, port) = address.rsplit_once(':')?;
                if !(master && serves_slots) {
                    return None;
                }
                Some((host.to_owned(), port.parse().ok()?))
            })
            .collect())
    }

    /// The event streams (`events:<type>`, dead-letter and registry streams excluded), sorted
    /// (`SCAN ... MATCH events:* TYPE stream`).
    pub async fn event_streams(&self) -> anyhow::Result<Vec<String>> {
        let mut keys = self
            .scan_all(|cursor| {
                let mut cmd = redis::cmd("SCAN");
                cmd.arg(cursor)
                    .arg("MATCH")
                    .arg("events:*")
                    .arg("COUNT")
                    .arg(1000)
                    .arg("TYPE")
                    .arg("stream");
                cmd
            })
            .await?;
        keys.retain(|key| {
            !key.starts_with(event_runtime::wire::DEAD_LETTER_PREFIX)
                && !key.starts_with(event_runtime::wire::REGISTRY_PREFIX)
                && !key.starts_with(event_runtime::wire::TRIMMED_PREFIX)
        });
        keys.sort();
        keys.dedup();
        Ok(keys)
    }

    /// `XLEN`; 0 for a missing key.
    pub async fn len(&self, key: &str) -> anyhow::Result<u64> {
        self.query(redis::cmd("XLEN").arg(key))
            .await
            .with_context(|| format!("XLEN {key}"))
    }

    /// `XINFO GROUPS`; none for a missing stream.
    pub async fn groups(&self, key: &str) -> anyhow::Result<Vec<Group>> {
        match self
            .query::<StreamInfoGroupsReply>(redis::cmd("XINFO").arg("GROUPS").arg(key))
            .await
        {
            Ok(reply) => Ok(reply
                .groups
                .into_iter()
                .map(|group| Group {
                    name: group.name,
                    consumers: group.consumers,
                    pending: group.pending,
                    last_delivered_id: group.last_delivered_id,
                    lag: group.lag,
                })
                .collect()),
            Err(error) if error.to_string().contains("no such key") => Ok(Vec::new()),
            Err(error) => Err(error).with_context(|| format!("XINFO GROUPS {key}")),
        }
    }

    /// One group of a stream, or an error naming the groups that exist.
    pub async fn group(&self, key: &str, name: &str) -> anyhow::Result<Group> {
        let groups = self.groups(key).await?;
        let names: Vec<String> = groups.iter().map(|group| group.name.clone()).collect();
        match groups.into_iter().find(|group| group.name == name) {
            Some(group) => Ok(group),
            None if names.is_empty() => bail!("{key} has no consumer group `{name}` (it has none)"),
            None => bail!(
                "{key} has no consumer group `{name}`; its groups: {}",
                names.join(", ")
            ),
        }
    }

    /// `XINFO CONSUMERS`: the consumers of a group; none for a missing stream or group.
    pub async fn consumers(&self, key: &str, group: &str) -> anyhow::Result<Vec<Consumer>> {
        match self
            .query::<StreamInfoConsumersReply>(
                redis::cmd("XINFO").arg("CONSUMERS").arg(key).arg(group),
            )
            .await
        {
            Ok(reply) => Ok(reply
                .consumers
                .into_iter()
                .map(|consumer| Consumer {
                    name: consumer.name,
                    pending: consumer.pending,
                    idle_ms: consumer.idle as u64,
                })
                .collect()),
            Err(error)
                if error.to_string().contains("no such key")
                    || error.to_string().contains("NOGROUP") =>
            {
                Ok(Vec::new())
            }
            Err(error) => Err(error).with_context(|| format!("XINFO CONSUMERS {key} {group}")),
        }
    }

    /// The smallest pending id of a group (`XPENDING <key> <group>` summary).
    pub async fn oldest_pending(&self, key: &str, group: &str) -> anyhow::Result<Option<String>> {
        let reply: StreamPendingReply = self
            .query(redis::cmd("XPENDING").arg(key).arg(group))
            .await
            .with_context(|| format!("XPENDING {key} {group}"))?;
        Ok(match reply {
            StreamPendingReply::Data(data) if data.count > 0 => Some(data.start_id),
            _ => None,
        })
    }

    /// The first `count` pending entries of a group, oldest first.
    pub async fn pending(
        &self,
        key: &str,
        group: &str,
        count: usize,
    ) -> anyhow::Result<Vec<Pending>> {
        let reply: StreamPendingCountReply = self
            .query(
                redis::cmd("XPENDING")
                    .arg(key)
                    .arg(group)
                    .arg("-")
                    .arg("+")
                    .arg(count),
            )
            .await
            .with_context(|| format!("XPENDING {key} {group} - + {count}"))?;
        Ok(reply
            .ids
            .into_iter()
            .map(|entry| Pending {
                id: entry.id,
                consumer: entry.consumer,
                idle_ms: entry.last_delivered_ms as u64,
                deliveries: entry.times_delivered as u64,
            })
            .collect())
    }

    /// `XRANGE <key> <start> <end> COUNT <count>` (or `XREVRANGE` from the end when
    /// `newest_first`), fields in stored order.
    pub async fn range(
        &self,
        key: &str,
        start: &str,
        end: &str,
        count: usize,
        newest_first: bool,
    ) -> anyhow::Result<Vec<StreamEntry>> {
        let mut cmd = if newest_first {
            let mut cmd = redis::cmd("XREVRANGE");
            cmd.arg(key).arg(end).arg(start);
            cmd
        } else {
            let mut cmd = redis::cmd("XRANGE");
            cmd.arg(key).arg(start).arg(end);
            cmd
        };
        cmd.arg("COUNT").arg(count);
        let reply: Value = self
            .query(&cmd)
            .await
            .with_context(|| format!("XRANGE {key}"))?;
        entries(reply)
    }

    /// The entries of `key` from `start` to `end` (inclusive, as for `XRANGE`), oldest first,
    /// a page of `XRANGE` at a time: `while let Some(page) = pages.next().await? { .. }`.
    pub fn pages<'a>(&'a self, key: &'a str, start: &str, end: &str) -> Pages<'a> {
        Pages {
            admin: self,
            key,
            start: Some(start.to_owned()),
            end: end.to_owned(),
        }
    }

    /// `XREAD COUNT <count> BLOCK <ms> STREAMS <key> <after>`: entries after `after`.
    pub async fn read_after(
        &self,
        key: &str,
        after: &str,
        count: usize,
        block: Duration,
    ) -> anyhow::Result<Vec<StreamEntry>> {
        let mut cmd = redis::cmd("XREAD");
        cmd.arg("COUNT")
            .arg(count)
            .arg("BLOCK")
            .arg(block.as_millis() as u64)
            .arg("STREAMS")
            .arg(key)
            .arg(after);
        let reply: Value = self
            .query(&cmd)
            .await
            .with_context(|| format!("XREAD {key}"))?;
        match reply {
            Value::Nil => Ok(Vec::new()),
            Value::Array(streams) => {
                let mut found = Vec::new();
                for stream in streams {
                    if let Value::Array(mut pair) = stream {
                        if pair.len() == 2 {
                            found.extend(entries(pair.swap_remove(1))?);
                        }
                    }
                }
                Ok(found)
            }
            Value::Map(streams) => {
                let mut found = Vec::new();
                for (_, stream) in streams {
                    found.extend(entries(stream)?);
                }
                Ok(found)
            }
            other => bail!("unexpected reply to XREAD: {other:?}"),
        }
    }

    /// Makes entries of `key` pending again for `group` only, so that its subscribers claim
    /// and handle them once more: `XCLAIM <key> <group> events-redeliver <huge min-idle> <ids>
    /// IDLE <1 day> RETRYCOUNT 0 FORCE JUSTID`. `FORCE` creates the pending entry for ids the
    /// group has acknowledged; the huge min-idle leaves entries a consumer holds with it. Ids
    /// no longer in the stream are ignored by Redis. Returns the ids now queued.
    pub async fn redeliver(
        &self,
        key: &str,
        group: &str,
        ids: &[String],
    ) -> anyhow::Result<Vec<String>> {
        let mut queued = Vec::new();
        for chunk in ids.chunks(500) {
            let mut cmd = redis::cmd("XCLAIM");
            cmd.arg(key)
                .arg(group)
                .arg(REDELIVERY_CONSUMER)
                .arg(i64::MAX / 2)
                .arg(chunk)
                .arg("IDLE")
                .arg(REDELIVERY_IDLE_MS)
                .arg("RETRYCOUNT")
                .arg(0)
                .arg("FORCE")
                .arg("JUSTID");
            let claimed: Vec<String> = self
                .query(&cmd)
                .await
                .with_context(|| format!("XCLAIM {key} {group} ... FORCE"))?;
            queued.extend(claimed);
        }
        Ok(queued)
    }

    /// `XDEL <key> <ids>`: how many were deleted.
    pub async fn delete_entries(&self, key: &str, ids: &[String]) -> anyhow::Result<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        self.query(redis::cmd("XDEL").arg(key).arg(ids))
            .await
            .with_context(|| format!("XDEL {key}"))
    }

    /// `DEL <key>`.
    pub async fn delete_key(&self, key: &str) -> anyhow::Result<()> {
        self.query::<()>(redis::cmd("DEL").arg(key))
            .await
            .with_context(|| format!("DEL {key}"))
    }

    /// `XGROUP DELCONSUMER`: removes a consumer from its group, and with it its pending
    /// entries (callers remove only consumers that hold none); the count it held.
    pub async fn delete_consumer(&self, key: &str, group: &str, name: &str) -> anyhow::Result<u64> {
        self.query::<u64>(
            redis::cmd("XGROUP")
                .arg("DELCONSUMER")
                .arg(key)
                .arg(group)
                .arg(name),
        )
        .await
        .with_context(|| format!("XGROUP DELCONSUMER {key} {group} {name}"))
    }
}

/// Pages of `XRANGE` over a stream ([`Admin::pages`]).
pub struct Pages<'a> {
    admin: &'a Admin,
    key: &'a str,
    /// Where the next page starts (`(<id>` after the first); `None` once the last was read.
    start: Option<String>,
    end: String,
}

impl Pages<'_> {
    /// The next page, or `None` after the last.
    pub async fn next(&mut self) -> anyhow::Result<Option<Vec<StreamEntry>>> {
        let Some(start) = self.start.take() else {
            return Ok(None);
        };
        let page = self
            .admin
            .range(self.key, &start, &self.end, PAGE_SIZE, false)
            .await?;
        if page.len() == PAGE_SIZE {
            self.start = page.last().map(|last| format!("({}", last.id));
        }
        Ok(Some(page))
    }

    /// Every entry of the remaining pages.
    pub async fn all(mut self) -> anyhow::Result<Vec<StreamEntry>> {
        let mut entries = Vec::new();
        while let Some(page) = self.next().await? {
            entries.extend(page);
        }
        Ok(entries)
    }
}

/// Entries of an `XRANGE`-shaped reply, fields in stored order.
fn entries(reply: Value) -> anyhow::Result<Vec<StreamEntry>> {
    let items = match reply {
        Value::Array(items) => items,
        Value::Nil => return Ok(Vec::new()),
        other => bail!("unexpected stream reply: {other:?}"),
    };
    let mut found = Vec::with_capacity(items.len());
    for item in items {
        let Value::Array(mut pair) = item else {
            bail!("unexpected stream entry");
        };
        if pair.len() != 2 {
            bail!("unexpected stream entry");
        }
        let fields = pair.pop().unwrap_or(Value::Nil);
        let id = text(pair.pop().unwrap_or(Value::Nil));
        let mut entry = StreamEntry {
            id,
            fields: Vec::new(),
        };
        if let Value::Array(values) = fields {
            let mut values = values.into_iter();
            while let (Some(name), Some(value)) = (values.next(), values.next()) {
                entry.fields.push((text(name), bytes(value)));
            }
        }
        found.push(entry);
    }
    Ok(found)
}

fn bytes(value: Value) -> Vec<u8> {
    match value {
        Value::BulkString(bytes) => bytes,
        Value::SimpleString(text) => text.into_bytes(),
        Value::Int(number) => number.to_string().into_bytes(),
        _ => Vec::new(),
    }
}

fn text(value: Value) -> String {
    String::from_utf8_lossy(&bytes(value)).into_owned()
}
