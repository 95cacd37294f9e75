//! The Redis backend: every Redis command the runtime sends is in this file.
//!
//! On a Redis Cluster no command spans two hash slots: a multi-stream read or acknowledgement
//! is split into one command (or pipeline) per slot, a batch of appends into one pipeline per
//! slot, and every `MULTI` holds the keys of one slot only (a stream and its dead-letter
//! stream share a slot by their key names). `PUBLISH` has no key and may sit in any
//! transaction: a cluster broadcasts it to every node.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClientBuilder;
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::Slot;
use redis::streams::{
    StreamClaimReply, StreamId, StreamInfoGroupsReply, StreamPendingCountReply, StreamRangeReply,
};
use redis::{Client, FromRedisValue, Value};

use super::{Claimed, GroupFigures, GroupRead, Messages, OutgoingEntry, StreamEntry};
use crate::config::{Durability, Retention, TlsConfig, cluster_nodes, redact_url};
use crate::runtime_error::{Error, ErrorKind, Result, is_cluster_redirect};

/// A connection to Redis that reconnects on its own: redis-rs's `ConnectionManager` for one
/// server, its cluster connection (which follows `MOVED` and `ASK` and retries `TRYAGAIN`
/// and `CLUSTERDOWN`) for a Redis Cluster.
///
/// Cheap to clone; clones share one multiplexed connection (per node). Blocking reads must
/// not go through a shared one: the subscriber opens a [`RedisTransport`] of its own for
/// them, with a response timeout longer than its `BLOCK` time.
#[derive(Clone)]
pub(crate) struct RedisTransport {
    /// Clients for dedicated pub/sub connections: the server, or every cluster node in the
    /// order given (a subscription takes the first that answers).
    pubsub_clients: Vec<Client>,
    conn: Connection,
    location: String,
    /// Which slot group a cluster read blocks on next.
    next_block: Arc<AtomicUsize>,
}

#[derive(Clone)]
enum Connection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl std::fmt::Debug for RedisTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisTransport")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl RedisTransport {
    /// Connects, waiting at most `connect_timeout`; commands then time out after
    /// `response_timeout`. `tls` applies to `rediss://` URLs only.
    pub(crate) async fn connect(
        url: &str,
        tls: &TlsConfig,
        response_timeout: Duration,
        connect_timeout: Duration,
    ) -> Result<Self> {
        if let Some(nodes) = cluster_nodes(url) {
            return Self::connect_cluster(&nodes, tls, response_timeout, connect_timeout).await;
        }
        let location = redact_url(url);
        let client = open_client(url, tls)?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(response_timeout))
            .set_connection_timeout(Some(connect_timeout))
            .set_number_of_retries(3)
            .set_max_delay(Duration::from_millis(1000));
        let connecting = ConnectionManager::new_with_config(client.clone(), config);
        let conn = match tokio::time::timeout(connect_timeout, connecting).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(error)) => {
                let kind = if error.kind() == redis::ErrorKind::AuthenticationFailed {
                    ErrorKind::Redis
                } else {
                    ErrorKind::Connection
                };
                let hint = certificate_hint(url, tls, &error);
                return Err(Error::new(
                    kind,
                    format!("could not connect to Redis at {location}: {error}{hint}"),
                )
                .with_source(error));
            }
            Err(_) => {
                return Err(Error::new(
                    ErrorKind::Connection,
                    format!(
                        "could not connect to Redis at {location} within {} ms",
                        connect_timeout.as_millis()
                    ),
                ));
            }
        };
        Ok(Self {
            pubsub_clients: vec![client],
            conn: Connection::Single(conn),
            location,
            next_block: Arc::default(),
        })
    }

    /// Connects to a Redis Cluster through its `nodes` (any reachable one tells the layout).
    async fn connect_cluster(
        nodes: &[&str],
        tls: &TlsConfig,
        response_timeout: Duration,
        connect_timeout: Duration,
    ) -> Result<Self> {
        let location = redact_url(&nodes.join(","));
        let pubsub_clients = nodes
            .iter()
            .map(|node| open_client(node, tls))
            .collect::<Result<Vec<_>>>()?;
        let builder = ClusterClientBuilder::new(nodes.to_vec())
            .response_timeout(response_timeout)
            .connection_timeout(connect_timeout)
            // Redirections are followed at once; these are for TRYAGAIN, CLUSTERDOWN and
            // unreachable nodes during a failover. Callers retry on top within their timeouts.
            .retries(6)
            .min_retry_wait(20)
            .max_retry_wait(1000);
        #[cfg(feature = "tls")]
        let builder = if nodes.iter().any(|node| is_tls(node)) && !tls.is_empty() {
            let _ = rustls::crypto::ring::default_provider().install_default();
            builder.certs(certificates(tls))
        } else {
            builder
        };
        let client = builder.build().map_err(|error| {
            Error::new(
                ErrorKind::Config,
                format!("invalid Redis Cluster URLs `{location}`: {error}"),
            )
        })?;
        let conn = match tokio::time::timeout(connect_timeout, client.get_async_connection()).await
        {
            Ok(Ok(conn)) => conn,
            Ok(Err(error)) => {
                let kind = if error.kind() == redis::ErrorKind::AuthenticationFailed {
                    ErrorKind::Redis
                } else {
                    ErrorKind::Connection
                };
                return Err(Error::new(
                    kind,
                    format!("could not connect to the Redis Cluster at {location}: {error}"),
                )
                .with_source(error));
            }
            Err(_) => {
                return Err(Error::new(
                    ErrorKind::Connection,
                    format!(
                        "could not connect to the Redis Cluster at {location} within {} ms",
                        connect_timeout.as_millis()
                    ),
                ));
            }
        };
        Ok(Self {
            pubsub_clients,
            conn: Connection::Cluster(conn),
            location,
            next_block: Arc::default(),
        })
    }

    /// Whether this is a Redis Cluster.
    pub(crate) fn is_cluster(&self) -> bool {
        matches!(self.conn, Connection::Cluster(_))
    }

    /// The URL, password hidden, for messages.
    pub(crate) fn location(&self) -> &str {
        &self.location
    }

    async fn query<T: FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T> {
        match &self.conn {
            Connection::Single(conn) => Ok(cmd.query_async(&mut conn.clone()).await?),
            Connection::Cluster(conn) => Ok(cmd.query_async(&mut conn.clone()).await?),
        }
    }

    /// Sends a pipeline whose keys are all in the slot of `key`.
    ///
    /// On a cluster it is routed to the master of that slot explicitly: redis-rs would take
    /// the channel of a `PUBLISH` for a key and refuse the pipeline as crossing slots. A
    /// `MOVED` or `ASK` in a pipeline's replies makes redis-rs send the whole pipeline again
    /// to the node named, which is right because the pipeline is single-slot: every command
    /// got the redirection, none ran. When its retries run out (a slot moving for long), the
    /// error reaches us: a single command on `key` then makes the client learn the slot's
    /// node, and the error is returned as retryable.
    async fn query_pipe<T: FromRedisValue>(&self, pipe: &redis::Pipeline, key: &str) -> Result<T> {
        match &self.conn {
            Connection::Single(conn) => Ok(pipe.query_async(&mut conn.clone()).await?),
            Connection::Cluster(conn) => match query_cluster_pipe(conn, pipe, key).await {
                Ok(reply) => Ok(reply),
                Err(error) => {
                    if is_cluster_redirect(&error) {
                        let mut probe = redis::cmd("EXISTS");
                        probe.arg(key);
                        let _ = probe.query_async::<Value>(&mut conn.clone()).await;
                    }
                    Err(error.into())
                }
            },
        }
    }

    /// `PING`.
    pub(crate) async fn ping(&self) -> Result<()> {
        self.query::<String>(&redis::cmd("PING")).await.map(drop)
    }

    /// Appends entries, all pipelined in one round trip (on a cluster, one per hash slot,
    /// sent at once): per entry one `XADD`, or `MULTI XADD PUBLISH EXEC` when it also goes to
    /// pub/sub (a lone `XADD` is atomic by itself; the transaction would cost Redis two more
    /// commands per entry). With `durable`, each pipeline ends with `WAIT <replicas>
    /// <timeout>`, which covers every write sent before it on that connection. Returns the
    /// new entry ids, in order.
    pub(crate) async fn append(
        &self,
        entries: &[OutgoingEntry],
        retention: Retention,
        durable: Option<Durability>,
    ) -> Result<Vec<String>> {
        let groups = self.slot_groups(entries.iter().map(|entry| entry.stream.as_str()));
        if groups.len() <= 1 {
            let all: Vec<&OutgoingEntry> = entries.iter().collect();
            return self.append_in_slot(&all, retention, durable).await;
        }
        let sends = groups.iter().map(|indexes| {
            let group: Vec<&OutgoingEntry> = indexes.iter().map(|index| &entries[*index]).collect();
            async move { self.append_in_slot(&group, retention, durable).await }
        });
        let replies = futures_util::future::try_join_all(sends).await?;
        let mut ids = vec![String::new(); entries.len()];
        for (indexes, group_ids) in groups.iter().zip(replies) {
            for (index, id) in indexes.iter().zip(group_ids) {
                ids[*index] = id;
            }
        }
        Ok(ids)
    }

    /// Indexes of `keys` grouped by hash slot, in order of first appearance: one group of all
    /// of them on a single server.
    fn slot_groups<'a>(&self, keys: impl Iterator<Item = &'a str>) -> Vec<Vec<usize>> {
        if !self.is_cluster() {
            let all: Vec<usize> = keys.enumerate().map(|(index, _)| index).collect();
            return if all.is_empty() {
                Vec::new()
            } else {
                vec![all]
            };
        }
        let mut groups: Vec<(Slot, Vec<usize>)> = Vec::new();
        for (index, key) in keys.enumerate() {
            let slot = Slot::for_key(key);
            match groups.iter_mut().find(|(known, _)| *known == slot) {
                Some((_, indexes)) => indexes.push(index),
                None => groups.push((slot, vec![index])),
            }
        }
        groups.into_iter().map(|(_, indexes)| indexes).collect()
    }

    /// Whether two keys are in one hash slot (always on a single server).
    fn same_slot(&self, first: &str, second: &str) -> bool {
        !self.is_cluster() || Slot::for_key(first) == Slot::for_key(second)
    }

    /// [`append`](Self::append) of entries of one slot, in one pipeline.
    async fn append_in_slot(
        &self,
        entries: &[&OutgoingEntry],
        retention: Retention,
        durable: Option<Durability>,
    ) -> Result<Vec<String>> {
        let Some(first) = entries.first() else {
            return Ok(Vec::new());
        };
        let mut pipe = redis::pipe();
        for entry in entries {
            if entry.broadcast.is_some() {
                pipe.cmd("MULTI").ignore();
            }
            let xadd = pipe.cmd("XADD").arg(&entry.stream);
            match retention {
                Retention::Unbounded => {}
                Retention::MaxLen(n) => {
                    xadd.arg("MAXLEN").arg("~").arg(n);
                }
                Retention::MaxAge(age) => {
                    xadd.arg("MINID").arg("~").arg(min_id_for_age(age));
                }
            }
            xadd.arg("*");
            for (name, value) in &entry.fields {
                xadd.arg(*name).arg(value);
            }
            if let Some((channel, message)) = &entry.broadcast {
                xadd.ignore();
                pipe.cmd("PUBLISH").arg(channel).arg(message).ignore();
                pipe.cmd("EXEC");
            }
        }
        if let Some(durable) = durable {
            pipe.cmd("WAIT")
                .arg(durable.replicas)
                .arg(durable.timeout.as_millis() as u64);
        }
        let mut replies: Vec<Value> = self.query_pipe(&pipe, &first.stream).await?;
        let acknowledged = match durable {
            Some(_) => match replies.pop() {
                Some(Value::Int(replicas)) => Some(replicas),
                _ => return Err(unexpected("WAIT")),
            },
            None => None,
        };
        let entry_id = |reply: Value| match reply {
            Value::BulkString(id) => String::from_utf8(id).map_err(|_| unexpected("XADD")),
            Value::SimpleString(id) => Ok(id),
            Value::ServerError(error) => Err(Error::new(
                ErrorKind::Redis,
                format!("XADD failed: {error:?}"),
            )),
            _ => Err(unexpected("XADD")),
        };
        let ids: Vec<String> = replies
            .into_iter()
            .map(|reply| match reply {
                // EXEC: the replies of XADD and PUBLISH.
                Value::Array(mut items) if !items.is_empty() => entry_id(items.swap_remove(0)),
                Value::Array(_) | Value::Nil => Err(Error::new(
                    ErrorKind::Redis,
                    "the transaction was aborted by Redis",
                )),
                reply => entry_id(reply),
            })
            .collect::<Result<_>>()?;
        if let (Some(durable), Some(acknowledged)) = (durable, acknowledged) {
            if acknowledged < i64::from(durable.replicas) {
                let written: Vec<String> = entries
                    .iter()
                    .zip(&ids)
                    .map(|(entry, id)| format!("{} {id}", entry.stream))
                    .collect();
                return Err(Error::new(
                    ErrorKind::NotReplicated,
                    format!(
                        "written ({}) but acknowledged by {acknowledged} of {} replicas within {} ms (WAIT); a failover now could lose it",
                        written.join(", "),
                        durable.replicas,
                        durable.timeout.as_millis()
                    ),
                ));
            }
        }
        Ok(ids)
    }

    /// `XGROUP CREATE <stream> <group> <start> MKSTREAM`; an existing group is fine.
    pub(crate) async fn ensure_group(
        &self,
        stream: &str,
        group: &str,
        start: &str,
    ) -> Result<bool> {
        let mut cmd = redis::cmd("XGROUP");
        cmd.arg("CREATE")
            .arg(stream)
            .arg(group)
            .arg(start)
            .arg("MKSTREAM");
        match self.query::<String>(&cmd).await {
            Ok(_) => Ok(true),
            Err(error) if error.code_is("BUSYGROUP") => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// `XREADGROUP GROUP <group> <consumer> COUNT <count> BLOCK <ms> STREAMS <streams...> > ...`.
    ///
    /// On a cluster, streams in different hash slots cannot be read by one command (a
    /// multi-key command must stay in one slot): each slot's streams are read by a command of
    /// their own. All of them first without `BLOCK`, at once; when none had entries, one slot's
    /// streams, in turn, with `BLOCK` for a share of `block`, so that an entry arriving
    /// elsewhere waits at most about `block`. (A blocked command holds its node's connection,
    /// so several blocking reads at once would queue behind each other.)
    pub(crate) async fn read_group(
        &self,
        group: &str,
        consumer: &str,
        streams: &[&str],
        count: usize,
        block: Duration,
    ) -> Result<GroupRead> {
        let groups = self.slot_groups(streams.iter().copied());
        if groups.len() <= 1 {
            return self
                .read_slot(group, consumer, streams, count, Some(block))
                .await;
        }
        let keys: Vec<Vec<&str>> = groups
            .iter()
            .map(|indexes| indexes.iter().map(|index| streams[*index]).collect())
            .collect();
        let polls = keys
            .iter()
            .map(|keys| self.read_slot(group, consumer, keys, count, None));
        let mut found = Vec::new();
        let mut failure = None;
        let mut no_group = false;
        for read in futures_util::future::join_all(polls).await {
            match read {
                Ok(GroupRead::Entries(batches)) => found.extend(
                    batches
                        .into_iter()
                        .filter(|(_, entries)| !entries.is_empty()),
                ),
                Ok(GroupRead::NoGroup) => no_group = true,
                Err(error) => failure = Some(error),
            }
        }
        // Entries read are pending for this consumer now: hand them over whatever else failed.
        if !found.is_empty() {
            return Ok(GroupRead::Entries(found));
        }
        if no_group {
            return Ok(GroupRead::NoGroup);
        }
        if let Some(error) = failure {
            return Err(error);
        }
        let turn = self.next_block.fetch_add(1, Ordering::Relaxed) % keys.len();
        let share = (block / keys.len() as u32).max(Duration::from_millis(10));
        self.read_slot(group, consumer, &keys[turn], count, Some(share))
            .await
    }

    /// One `XREADGROUP` of streams in one slot; without `BLOCK` when `block` is `None`.
    async fn read_slot(
        &self,
        group: &str,
        consumer: &str,
        streams: &[&str],
        count: usize,
        block: Option<Duration>,
    ) -> Result<GroupRead> {
        let mut cmd = redis::cmd("XREADGROUP");
        cmd.arg("GROUP")
            .arg(group)
            .arg(consumer)
            .arg("COUNT")
            .arg(count);
        if let Some(block) = block {
            cmd.arg("BLOCK").arg(block.as_millis().max(1) as u64);
        }
        cmd.arg("STREAMS").arg(streams);
        for _ in streams {
            cmd.arg(">");
        }
        match self
            .query::<Option<redis::streams::StreamReadReply>>(&cmd)
            .await
        {
            Ok(reply) => Ok(GroupRead::Entries(
                reply
                    .map(|reply| {
                        reply
                            .keys
                            .into_iter()
                            .map(|key| (key.key, key.ids.into_iter().map(convert).collect()))
                            .collect()
                    })
                    .unwrap_or_default(),
            )),
            Err(error) if error.is_no_group() => Ok(GroupRead::NoGroup),
            Err(error) => Err(error),
        }
    }

    /// `XACK` for each stream, pipelined (on a cluster, one pipeline per hash slot, sent at
    /// once).
    pub(crate) async fn ack(&self, group: &str, acks: &[(String, Vec<String>)]) -> Result<()> {
        let acks: Vec<&(String, Vec<String>)> =
            acks.iter().filter(|(_, ids)| !ids.is_empty()).collect();
        let groups = self.slot_groups(acks.iter().map(|(stream, _)| stream.as_str()));
        let sends = groups.iter().map(|indexes| {
            let mut pipe = redis::pipe();
            for index in indexes {
                let (stream, ids) = acks[*index];
                pipe.cmd("XACK").arg(stream).arg(group).arg(ids).ignore();
            }
            let key = acks[indexes[0]].0.as_str();
            async move { self.query_pipe::<()>(&pipe, key).await }
        });
        futures_util::future::try_join_all(sends).await.map(drop)
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
        let mut cmd = redis::cmd("XAUTOCLAIM");
        cmd.arg(stream)
            .arg(group)
            .arg(consumer)
            .arg(min_idle.as_millis() as u64)
            .arg(cursor)
            .arg("COUNT")
            .arg(count);
        let reply: redis::streams::StreamAutoClaimReply = self.query(&cmd).await?;
        Ok(Claimed {
            entries: reply.claimed.into_iter().map(convert).collect(),
            deleted: reply.deleted_ids,
            next: reply.next_stream_id,
        })
    }

    /// `XCLAIM <stream> <group> <consumer> <min-idle> <id>` per id, pipelined: takes over
    /// entries idle at least that long. Deleted entries are dropped from the pending list by
    /// Redis and not returned.
    pub(crate) async fn claim(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        ids: &[(String, Duration)],
    ) -> Result<Vec<StreamEntry>> {
        let mut pipe = redis::pipe();
        for (id, min_idle) in ids {
            pipe.cmd("XCLAIM")
                .arg(stream)
                .arg(group)
                .arg(consumer)
                .arg(min_idle.as_millis() as u64)
                .arg(id);
        }
        let replies: Vec<StreamClaimReply> = self.query_pipe(&pipe, stream).await?;
        Ok(replies
            .into_iter()
            .flat_map(|reply| reply.ids)
            .map(convert)
            .collect())
    }

    /// Resets the idle time of entries this consumer is still working on (`XCLAIM ... JUSTID`
    /// does not count a delivery), so that no other consumer claims them meanwhile.
    pub(crate) async fn touch(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        ids: &[String],
    ) -> Result<()> {
        let mut cmd = redis::cmd("XCLAIM");
        cmd.arg(stream)
            .arg(group)
            .arg(consumer)
            .arg(0)
            .arg(ids)
            .arg("JUSTID");
        self.query::<Value>(&cmd).await.map(drop)
    }

    /// Delivery counts of some pending entries (`XPENDING <stream> <group> <id> <id> 1` each).
    pub(crate) async fn deliveries(
        &self,
        stream: &str,
        group: &str,
        ids: &[String],
    ) -> Result<HashMap<String, u32>> {
        let mut pipe = redis::pipe();
        for id in ids {
            pipe.cmd("XPENDING")
                .arg(stream)
                .arg(group)
                .arg(id)
                .arg(id)
                .arg(1);
        }
        let replies: Vec<StreamPendingCountReply> = self.query_pipe(&pipe, stream).await?;
        Ok(replies
            .into_iter()
            .flat_map(|reply| reply.ids)
            .map(|entry| {
                (
                    entry.id,
                    u32::try_from(entry.times_delivered).unwrap_or(u32::MAX),
                )
            })
            .collect())
    }

    /// Whether any entry of the group has been pending for at least `min_idle`
    /// (`XPENDING <stream> <group> IDLE <ms> - + 1`).
    pub(crate) async fn has_idle_pending(
        &self,
        stream: &str,
        group: &str,
        min_idle: Duration,
    ) -> Result<bool> {
        let mut cmd = redis::cmd("XPENDING");
        cmd.arg(stream)
            .arg(group)
            .arg("IDLE")
            .arg(min_idle.as_millis() as u64)
            .arg("-")
            .arg("+")
            .arg(1);
        let reply: StreamPendingCountReply = self.query(&cmd).await?;
        Ok(!reply.ids.is_empty())
    }

    /// Moves an entry to a dead-letter stream: `MULTI XADD <dlq> * ... XACK <stream> <group>
    /// <id> EXEC`.
    ///
    /// On a cluster the two keys share a slot by their names, except for the partitions of
    /// a partitioned type, whose dead letters go to the type's one dead-letter stream in
    /// another slot: there the entry is written with `XADD` first and acknowledged after. A
    /// crash between the two leaves it pending, so it is claimed and dead-lettered again:
    /// the dead-letter stream may then hold it twice (same `original_stream` and
    /// `original_id`); it is never lost.
    pub(crate) async fn dead_letter(
        &self,
        dead_letter_stream: &str,
        fields: &[(String, Vec<u8>)],
        stream: &str,
        group: &str,
        id: &str,
    ) -> Result<()> {
        let mut xadd = redis::cmd("XADD");
        xadd.arg(dead_letter_stream).arg("*");
        for (name, value) in fields {
            xadd.arg(name).arg(value.as_slice());
        }
        let mut xack = redis::cmd("XACK");
        xack.arg(stream).arg(group).arg(id);
        if self.same_slot(dead_letter_stream, stream) {
            let mut pipe = redis::pipe();
            pipe.atomic();
            pipe.add_command(xadd).ignore();
            pipe.add_command(xack).ignore();
            return self.query_pipe::<()>(&pipe, stream).await;
        }
        self.query::<Value>(&xadd).await?;
        let mut delay = Duration::from_millis(50);
        for attempt in 1..=5 {
            match self.query::<Value>(&xack).await {
                Ok(_) => return Ok(()),
                Err(error) if error.is_retryable() && attempt < 5 => {
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                Err(error) => {
                    tracing::error!(
                        stream,
                        id,
                        error = %error,
                        "the dead letter was written but the entry could not be acknowledged; it stays pending and will be dead-lettered again"
                    );
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Pending count (`XPENDING` summary) and lag (`XINFO GROUPS`, Redis 7.0+) of a group.
    pub(crate) async fn group_figures(&self, stream: &str, group: &str) -> Result<GroupFigures> {
        let mut summary = redis::cmd("XPENDING");
        summary.arg(stream).arg(group);
        let pending = match self
            .query::<redis::streams::StreamPendingReply>(&summary)
            .await
        {
            Ok(reply) => reply.count() as u64,
            Err(error) if error.is_no_group() => return Ok(GroupFigures::default()),
            Err(error) => return Err(error),
        };
        let mut info = redis::cmd("XINFO");
        info.arg("GROUPS").arg(stream);
        let lag = match self.query::<StreamInfoGroupsReply>(&info).await {
            Ok(reply) => reply
                .groups
                .into_iter()
                .find(|info| info.name == group)
                .and_then(|info| info.lag)
                .map(|lag| lag as u64),
            Err(error) if error.kind() == ErrorKind::Redis => None,
            Err(error) => return Err(error),
        };
        Ok(GroupFigures { pending, lag })
    }

    /// `XLEN <stream>`.
    pub(crate) async fn length(&self, stream: &str) -> Result<u64> {
        let mut cmd = redis::cmd("XLEN");
        cmd.arg(stream);
        self.query(&cmd).await
    }

    /// `XRANGE <stream> <start> <end> COUNT <count>`.
    pub(crate) async fn range(
        &self,
        stream: &str,
        start: &str,
        end: &str,
        count: usize,
    ) -> Result<Vec<StreamEntry>> {
        let mut cmd = redis::cmd("XRANGE");
        cmd.arg(stream).arg(start).arg(end).arg("COUNT").arg(count);
        let reply: StreamRangeReply = self.query(&cmd).await?;
        Ok(reply.ids.into_iter().map(convert).collect())
    }

    /// A dedicated pub/sub connection: to the server, or to the first cluster node that
    /// answers (a cluster broadcasts `PUBLISH` to every node, so any node hears every
    /// message).
    pub(crate) async fn pubsub(&self) -> Result<redis::aio::PubSub> {
        let context = || format!("pub/sub connection to {}", self.location);
        let mut last = None;
        for client in &self.pubsub_clients {
            match tokio::time::timeout(Duration::from_secs(5), client.get_async_pubsub()).await {
                Ok(Ok(pubsub)) => return Ok(pubsub),
                Ok(Err(error)) => last = Some(Error::from(error).context(context())),
                Err(_) => {
                    last = Some(Error::new(
                        ErrorKind::Timeout,
                        format!("{}: no answer within 5000 ms", context()),
                    ));
                }
            }
        }
        Err(last.unwrap_or_else(|| Error::new(ErrorKind::Config, context())))
    }

    /// `SUBSCRIBE <channel>` on a dedicated pub/sub connection: the payloads of its messages,
    /// until the connection closes.
    pub(crate) async fn subscribe(&self, channel: &str) -> Result<Messages> {
        let mut pubsub = self.pubsub().await?;
        pubsub
            .subscribe(channel)
            .await
            .map_err(|error| Error::from(error).context(format!("subscribing to {channel}")))?;
        Ok(Box::pin(
            pubsub
                .into_on_message()
                .map(|message| message.get_payload_bytes().to_vec()),
        ))
    }
}

/// Sends `pipe` to the master of `key`'s slot, and reads its replies as
/// `Pipeline::query_async` does (ignored commands left out, errors raised).
async fn query_cluster_pipe<T: FromRedisValue>(
    conn: &ClusterConnection,
    pipe: &redis::Pipeline,
    key: &str,
) -> redis::RedisResult<T> {
    let (offset, count) = if pipe.is_transaction() {
        (pipe.len() + 1, 1)
    } else {
        (0, pipe.len())
    };
    let route = redis::cluster_routing::SingleNodeRoutingInfo::SpecificNode(
        redis::cluster_routing::Route::with_key(key, redis::cluster_routing::SlotAddr::Master),
    );
    let replies = conn
        .clone()
        .route_pipeline(pipe.clone(), offset, count, route)
        .await?;
    pipe.query_async(&mut Replies(Some(replies))).await
}

/// Hands replies already received to `Pipeline::query_async`, which turns them into the
/// pipeline's result.
struct Replies(Option<Vec<Value>>);

impl redis::aio::ConnectionLike for Replies {
    fn req_packed_command<'a>(&'a mut self, _: &'a redis::Cmd) -> redis::RedisFuture<'a, Value> {
        Box::pin(async { Err(unexpected_use()) })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        _: &'a redis::Pipeline,
        _: usize,
        _: usize,
    ) -> redis::RedisFuture<'a, Vec<Value>> {
        let replies = self.0.take();
        Box::pin(async move { replies.ok_or_else(unexpected_use) })
    }

    fn get_db(&self) -> i64 {
        0
    }
}

fn unexpected_use() -> redis::RedisError {
    redis::RedisError::from((redis::ErrorKind::Client, "pipeline replies used twice"))
}

/// Turns redis-rs's entry (a hash map of values) into ours.
fn convert(entry: StreamId) -> StreamEntry {
    let mut fields: Vec<(String, Vec<u8>)> = entry
        .map
        .into_iter()
        .map(|(name, value)| (name, value_bytes(value)))
        .collect();
    fields.sort_by(|a, b| {
        field_rank(&a.0)
            .cmp(&field_rank(&b.0))
            .then_with(|| a.0.cmp(&b.0))
    });
    StreamEntry {
        id: entry.id,
        fields,
    }
}

/// redis-rs returns fields as a hash map; put the standard ones first in the documented order.
fn field_rank(name: &str) -> usize {
    [
        "event_id",
        "event_type",
        "version",
        "timestamp",
        "event_data",
    ]
    .iter()
    .position(|known| *known == name)
    .unwrap_or(usize::MAX)
}

fn value_bytes(value: Value) -> Vec<u8> {
    match value {
        Value::BulkString(bytes) => bytes,
        Value::SimpleString(text) => text.into_bytes(),
        Value::Int(number) => number.to_string().into_bytes(),
        Value::Nil => Vec::new(),
        other => format!("{other:?}").into_bytes(),
    }
}

fn unexpected(command: &str) -> Error {
    Error::new(ErrorKind::Redis, format!("unexpected reply to {command}"))
}

/// `MINID` for a time-based retention: the id of `now - age`.
fn min_id_for_age(age: Duration) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    now.saturating_sub(age).as_millis().to_string()
}

/// A client for `url`; `rediss://` URLs get the certificates of `tls`.
fn open_client(url: &str, tls: &TlsConfig) -> Result<Client> {
    let location = redact_url(url);
    let invalid = |error: redis::RedisError| {
        Error::new(
            ErrorKind::Config,
            format!(
                "invalid Redis URL `{location}`: {}",
                error.detail().unwrap_or("malformed")
            ),
        )
    };
    if !is_tls(url) {
        return Client::open(url).map_err(invalid);
    }
    #[cfg(not(feature = "tls"))]
    {
        let _ = tls;
        Err(Error::new(
            ErrorKind::Config,
            format!(
                "`{location}` is a TLS URL: `rediss://` needs the `tls` feature of event-runtime"
            ),
        ))
    }
    #[cfg(feature = "tls")]
    {
        // Fails only when a provider is installed already, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        if tls.is_empty() {
            return Client::open(url).map_err(invalid);
        }
        Client::build_with_tls(url, certificates(tls)).map_err(|error| {
            Error::new(
                ErrorKind::Config,
                format!("invalid TLS settings for `{location}`: {error}"),
            )
        })
    }
}

/// The certificates of `tls`, as redis-rs takes them.
#[cfg(feature = "tls")]
fn certificates(tls: &TlsConfig) -> redis::TlsCertificates {
    redis::TlsCertificates {
        client_tls: tls
            .client_identity
            .as_ref()
            .map(|identity| redis::ClientTlsConfig {
                client_cert: identity.certificate_chain_pem.clone(),
                client_key: identity.private_key_pem.clone(),
            }),
        root_cert: tls.ca_pem.clone(),
    }
}

fn is_tls(url: &str) -> bool {
    url.split_once("://")
        .is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("rediss"))
}

/// What to check when a TLS handshake fails on a certificate.
fn certificate_hint(url: &str, tls: &TlsConfig, error: &redis::RedisError) -> &'static str {
    let text = error.to_string();
    if !is_tls(url) {
        ""
    } else if text.contains("CertificateRequired") && tls.client_identity.is_none() {
        " (the server wants a client certificate: set EVENT_REDIS_TLS_CERT_FILE and EVENT_REDIS_TLS_KEY_FILE)"
    } else if !text.contains("invalid peer certificate") {
        ""
    } else if tls.ca_pem.is_some() {
        " (the server's certificate is not signed by a CA of EVENT_REDIS_TLS_CA_FILE, or not for this host name)"
    } else {
        " (for a server certificate from a private CA, set EVENT_REDIS_TLS_CA_FILE)"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rediss_urls_need_the_tls_feature_or_valid_certificates() {
        let result = open_client("rediss://app:secret@127.0.0.1:6380/0", &TlsConfig::new());
        if cfg!(feature = "tls") {
            assert!(result.is_ok());
            let garbage = TlsConfig::new().trust_ca_pem("-----BEGIN CERTIFICATE-----\n@@@\n");
            let message = open_client("rediss://127.0.0.1:6380/0", &garbage)
                .expect_err("unparsable CA")
                .to_string();
            assert!(
                message.starts_with("invalid TLS settings for `rediss://127.0.0.1:6380/0`: "),
                "{message}"
            );
        } else {
            let message = result.expect_err("no tls feature").to_string();
            assert!(
                message.contains(
                    "`rediss://app:***@127.0.0.1:6380/0` is a TLS URL: `rediss://` needs the `tls` feature of event-runtime"
                ),
                "{message}"
            );
        }
        // Plain URLs ignore the TLS settings.
        let tls = TlsConfig::new().trust_ca_pem("not used");
        assert!(open_client("redis://127.0.0.1:6379/0", &tls).is_ok());
    }
}
