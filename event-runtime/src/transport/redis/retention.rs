//! The commands of group-aware retention: where each consumer group of a stream is
//! (`XLEN`, `XINFO GROUPS`, the `XPENDING` summary), trimming (`XTRIM`), and a forced trim
//! that reads what it removes in the same transaction. Every command names the stream alone,
//! so on a Redis Cluster each runs in the stream's slot.

use redis::Value;
use redis::streams::{
    StreamInfoGroupsReply, StreamPendingCountReply, StreamPendingReply, StreamRangeReply,
};

use super::RedisTransport;
use super::commands::min_id_for_age;
use super::replies::unexpected;
use crate::backend::{ForcedTrim, GroupPosition, StreamGroups, TrimTo};
use crate::config::Retention;
use crate::error::{Error, ErrorKind, Result};
use crate::wire::EntryId;

/// More pending entries than a forced trim can meet in one range (`XPENDING ... <count>`).
const ALL_PENDING: u64 = i64::MAX as u64;

impl RedisTransport {
    /// The stream's length and where each of its groups is: `XLEN`, then (for a stream that
    /// has entries) `XINFO GROUPS` and an `XPENDING` summary per group with pending entries.
    pub(crate) async fn stream_groups(&self, stream: &str) -> Result<StreamGroups> {
        let mut xlen = redis::cmd("XLEN");
        xlen.arg(stream);
        let length: u64 = self.query(&xlen).await?;
        if length == 0 {
            return Ok(StreamGroups::default());
        }
        let mut info = redis::cmd("XINFO");
        info.arg("GROUPS").arg(stream);
        let groups = match self.query::<StreamInfoGroupsReply>(&info).await {
            Ok(reply) => reply.groups,
            // The stream went away meanwhile.
            Err(error) if error.kind() == ErrorKind::Redis => Vec::new(),
            Err(error) => return Err(error),
        };
        let pending: Vec<String> = groups
            .iter()
            .filter(|group| group.pending > 0)
            .map(|group| group.name.clone())
            .collect();
        let mut oldest = Vec::new();
        if !pending.is_empty() {
            let mut pipe = redis::pipe();
            for group in &pending {
                pipe.cmd("XPENDING").arg(stream).arg(group);
            }
            let replies: Vec<StreamPendingReply> = self.query_pipe(&pipe, stream).await?;
            for (group, reply) in pending.iter().zip(replies) {
                if let StreamPendingReply::Data(data) = reply {
                    oldest.push((group.clone(), id(&data.start_id, "XPENDING")?));
                }
            }
        }
        let groups = groups
            .into_iter()
            .map(|group| {
                Ok(GroupPosition {
                    oldest_pending: oldest
                        .iter()
                        .find(|(name, _)| *name == group.name)
                        .map(|(_, id)| *id),
                    last_delivered: id(&group.last_delivered_id, "XINFO GROUPS")?,
                    name: group.name,
                })
            })
            .collect::<Result<_>>()?;
        Ok(StreamGroups { length, groups })
    }

    /// The stream's length and the ids of its `count` oldest entries, read in one
    /// transaction: `MULTI`, `XLEN`, `XRANGE <stream> - + COUNT <count>`, `EXEC`.
    pub(crate) async fn oldest(&self, stream: &str, count: usize) -> Result<(u64, Vec<EntryId>)> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.cmd("XLEN").arg(stream);
        pipe.cmd("XRANGE")
            .arg(stream)
            .arg("-")
            .arg("+")
            .arg("COUNT")
            .arg(count);
        let replies: Vec<Value> = self.query_pipe(&pipe, stream).await?;
        let mut replies = replies.into_iter();
        let mut next = |command: &str| replies.next().ok_or_else(|| unexpected(command));
        let length: u64 = parse(next("XLEN")?, "XLEN")?;
        let range: StreamRangeReply = parse(next("XRANGE")?, "XRANGE")?;
        let ids = range
            .ids
            .iter()
            .map(|entry| id(&entry.id, "XRANGE"))
            .collect::<Result<Vec<_>>>()?;
        Ok((length, ids))
    }

    /// `XTRIM <stream> MINID <id>` (exact), or `MAXLEN ~ <n>` / `MINID ~ <now - age>`; how
    /// many entries it removed.
    pub(crate) async fn trim(&self, stream: &str, to: TrimTo) -> Result<u64> {
        let mut xtrim = redis::cmd("XTRIM");
        xtrim.arg(stream);
        match to {
            TrimTo::MinId(min) => {
                xtrim.arg("MINID").arg(min.to_string());
            }
            TrimTo::About(Retention::Unbounded) => return Ok(0),
            TrimTo::About(Retention::MaxLen(n)) => {
                xtrim.arg("MAXLEN").arg("~").arg(n);
            }
            TrimTo::About(Retention::MaxAge(age)) => {
                xtrim.arg("MINID").arg("~").arg(min_id_for_age(age));
            }
        }
        self.query(&xtrim).await
    }

    /// Trims every entry below `to`, reading in the same transaction what is removed from
    /// `[from, to)` and where `groups` are: `MULTI`, `XINFO GROUPS`, `XPENDING <stream> <group>
    /// <from> <to - 1> <count>` per group, `XRANGE <stream> <from> <to - 1>`, `XTRIM <stream>
    /// MINID <to>`, `EXEC`. No command of another client runs between them, so the counts of
    /// what each group lost are exact.
    pub(crate) async fn trim_forced(
        &self,
        stream: &str,
        from: EntryId,
        to: EntryId,
        groups: &[String],
    ) -> Result<ForcedTrim> {
        let Some(last) = before(to) else {
            return Ok(ForcedTrim::default());
        };
        let (from, last) = (from.to_string(), last.to_string());
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.cmd("XINFO").arg("GROUPS").arg(stream);
        for group in groups {
            pipe.cmd("XPENDING")
                .arg(stream)
                .arg(group)
                .arg(&from)
                .arg(&last)
                .arg(ALL_PENDING);
        }
        pipe.cmd("XRANGE").arg(stream).arg(&from).arg(&last);
        pipe.cmd("XTRIM")
            .arg(stream)
            .arg("MINID")
            .arg(to.to_string());
        let replies: Vec<Value> = self.query_pipe(&pipe, stream).await?;
        let mut replies = replies.into_iter();
        let mut next = |command: &str| replies.next().ok_or_else(|| unexpected(command));
        let info: StreamInfoGroupsReply = parse(next("XINFO GROUPS")?, "XINFO GROUPS")?;
        let mut positions = Vec::with_capacity(groups.len());
        for group in groups {
            let pending: StreamPendingCountReply = parse(next("XPENDING")?, "XPENDING")?;
            let pending = pending
                .ids
                .iter()
                .map(|entry| id(&entry.id, "XPENDING"))
                .collect::<Result<Vec<_>>>()?;
            // A group deleted meanwhile lost nothing.
            if let Some(info) = info.groups.iter().find(|info| &info.name == group) {
                let last_delivered = id(&info.last_delivered_id, "XINFO GROUPS")?;
                positions.push((group.clone(), last_delivered, pending));
            }
        }
        let range: StreamRangeReply = parse(next("XRANGE")?, "XRANGE")?;
        let removed = range
            .ids
            .iter()
            .map(|entry| id(&entry.id, "XRANGE"))
            .collect::<Result<Vec<_>>>()?;
        let trimmed: u64 = parse(next("XTRIM")?, "XTRIM")?;
        Ok(ForcedTrim {
            removed,
            groups: positions,
            trimmed,
        })
    }
}

/// The id just before `id`; `None` before `0-0`.
fn before(id: EntryId) -> Option<EntryId> {
    match (id.seq.checked_sub(1), id.ms.checked_sub(1)) {
        (Some(seq), _) => Some(EntryId { ms: id.ms, seq }),
        (None, Some(ms)) => Some(EntryId { ms, seq: u64::MAX }),
        (None, None) => None,
    }
}

fn id(text: &str, command: &str) -> Result<EntryId> {
    text.parse().map_err(|_| unexpected(command))
}

fn parse<T: redis::FromRedisValue>(value: Value, command: &str) -> Result<T> {
    if let Value::ServerError(error) = &value {
        return Err(Error::new(
            ErrorKind::Redis,
            format!("{command} failed: {error:?}"),
        ));
    }
    T::from_redis_value(value).map_err(|_| unexpected(command))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_before_an_id() {
        let id = |ms, seq| EntryId { ms, seq };
        assert_eq!(before(id(5, 1)), Some(id(5, 0)));
        assert_eq!(before(id(5, 0)), Some(id(4, u64::MAX)));
        assert_eq!(before(EntryId::ZERO), None);
    }
}
