//! The Redis commands of the runtime, one method per operation of `Transport`: appends (with
//! pub/sub and `WAIT`), groups, reads, acknowledgements, claims, dead letters, figures,
//! ranges, subscriptions. Multi-key commands and pipelines stay within one hash slot
//! (`slots.rs`).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use redis::Value;
use redis::streams::{
    StreamClaimReply, StreamInfoGroupsReply, StreamPendingCountReply, StreamRangeReply,
};

use super::RedisTransport;
use super::replies::{GroupEntries, convert, unexpected};
use crate::backend::{Claimed, GroupFigures, GroupRead, Messages, OutgoingEntry};
use crate::config::{Durability, Retention};
use crate::error::{Error, ErrorKind, Result};
use crate::wire::StreamEntry;

impl RedisTransport {
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
        if let ([entry], None, None) = (entries, &first.broadcast, durable) {
            // One plain entry: one command, without a pipeline's bookkeeping.
            let id: String = self.query(&xadd(entry, retention)).await?;
            return Ok(vec![id]);
        }
        // Each command's buffer is sized once (`redis::cmd` would grow it argument by
        // argument), and a broadcast publishes the entry's own `event_data`.
        let mut pipe = redis::Pipeline::with_capacity(entries.len() * 4 + 1);
        for entry in entries {
            let Some(channel) = &entry.broadcast else {
                pipe.add_command(xadd(entry, retention));
                continue;
            };
            let message = entry.event_data();
            let mut publish = redis::Cmd::with_capacity(3, 7 + channel.len() + message.len());
            publish.arg("PUBLISH").arg(channel).arg(message);
            pipe.add_command(redis::cmd("MULTI")).ignore();
            pipe.add_command(xadd(entry, retention)).ignore();
            pipe.add_command(publish).ignore();
            pipe.add_command(redis::cmd("EXEC"));
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
            self.learn_client_id().await;
        }
        cmd.arg("STREAMS").arg(streams);
        for _ in streams {
            cmd.arg(">");
        }
        match self.query::<GroupEntries>(&cmd).await {
            Ok(GroupEntries(read)) => Ok(GroupRead::Entries(read)),
            Err(error) if error.is_no_group() => Ok(GroupRead::NoGroup),
            Err(error) => {
                self.forget_client_id();
                Err(error)
            }
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
        for client in &self.clients {
            match tokio::time::timeout(super::super::CONNECT_TIMEOUT, client.get_async_pubsub())
                .await
            {
                Ok(Ok(pubsub)) => return Ok(pubsub),
                Ok(Err(error)) => last = Some(Error::from(error).context(context())),
                Err(_) => {
                    last = Some(Error::new(
                        ErrorKind::Timeout,
                        format!(
                            "{}: no answer within {} ms",
                            context(),
                            super::super::CONNECT_TIMEOUT.as_millis()
                        ),
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

/// `XADD <stream> [MAXLEN ~ <n> | MINID ~ <id>] * <fields>`, its buffers allocated once.
fn xadd(entry: &OutgoingEntry, retention: Retention) -> redis::Cmd {
    /// Room for `XADD`, `*` and the longest trimming arguments (`MINID ~ <ms>-0`).
    const FIXED: usize = 64;
    let fields: usize = entry
        .fields
        .iter()
        .map(|(name, value)| name.len() + value.len())
        .sum();
    let mut xadd = redis::Cmd::with_capacity(
        6 + 2 * entry.fields.len(),
        FIXED + entry.stream.len() + fields,
    );
    xadd.arg("XADD").arg(&entry.stream);
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
    xadd
}

/// `MINID` for a time-based retention: the id of `now - age`.
pub(super) fn min_id_for_age(age: Duration) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    now.saturating_sub(age).as_millis().to_string()
}
