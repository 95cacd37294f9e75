//! One stream and its consumer groups: the data, and the rules of the Redis stream commands
//! the runtime uses, followed to the letter of Redis 7.0 (`t_stream.c`) where it matters to
//! the runtime: pending entries lists, delivery counts, idle times, `XAUTOCLAIM`'s cursor and
//! deleted ids, and the lag of a group.
//!
//! Everything here is synchronous and takes the time as an argument, so the rules are tested
//! without a clock; the broker (`mod.rs`) holds the lock, the clock and the wake-ups.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use tokio::time::Instant;

use crate::wire::{EntryId, StreamEntry};

/// Field names and values of an entry, in stored order.
pub(crate) type Fields = Vec<(String, Vec<u8>)>;

/// The group (or the stream) does not exist: Redis answers `NOGROUP`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NoGroup;

/// Where a new group starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GroupStart {
    /// After this id (`0` = every entry).
    After(EntryId),
    /// After the last entry (`$`).
    End,
}

/// A stream: entries in id order, and its groups.
#[derive(Debug, Default)]
pub(crate) struct Stream {
    entries: BTreeMap<EntryId, Fields>,
    last_id: EntryId,
    /// Entries ever added (Redis `entries-added`); the base of the lag.
    entries_added: u64,
    /// The largest id removed by `XDEL` (trimming does not count, as in Redis).
    max_deleted_id: EntryId,
    groups: BTreeMap<String, Group>,
}

/// A consumer group.
#[derive(Debug)]
struct Group {
    last_delivered: EntryId,
    /// Entries of the stream the group has read, when known (Redis `entries-read`).
    entries_read: Option<u64>,
    /// The group's pending entries list; each entry names the consumer whose list it is on.
    pending: BTreeMap<EntryId, Pending>,
}

/// A delivered, unacknowledged entry.
#[derive(Debug, Clone)]
struct Pending {
    consumer: String,
    delivered_at: Instant,
    deliveries: u32,
}

/// What one `XAUTOCLAIM` step returned.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct AutoClaimed {
    pub(crate) entries: Vec<StreamEntry>,
    pub(crate) deleted: Vec<String>,
    pub(crate) next: EntryId,
}

impl Stream {
    /// `XADD <stream> * ...` at wall-clock `now_ms`; returns the new id.
    pub(crate) fn append(&mut self, fields: Fields, now_ms: u64) -> EntryId {
        let id = super::ids::next_id(self.last_id, now_ms);
        self.entries.insert(id, fields);
        self.last_id = id;
        self.entries_added += 1;
        id
    }

    /// `MAXLEN <max>` (exact, which `~` allows): drops the oldest entries. Their pending
    /// entries stay pending, as in Redis, until a claim reports them deleted.
    pub(crate) fn trim_to_len(&mut self, max: usize) -> usize {
        let mut removed = 0;
        while self.entries.len() > max {
            self.entries.pop_first();
            removed += 1;
        }
        removed
    }

    /// `MINID <min>`: drops entries with smaller ids.
    pub(crate) fn trim_before(&mut self, min: EntryId) -> usize {
        let kept = self.entries.split_off(&min);
        let removed = self.entries.len();
        self.entries = kept;
        removed
    }

    /// `XDEL`: removes entries; their pending entries stay until claimed.
    pub(crate) fn delete(&mut self, ids: &[EntryId]) -> usize {
        let mut removed = 0;
        for id in ids {
            if self.entries.remove(id).is_some() {
                removed += 1;
                self.max_deleted_id = self.max_deleted_id.max(*id);
            }
        }
        removed
    }

    /// `XGROUP CREATE`; `false` when the group exists already (`BUSYGROUP`).
    pub(crate) fn create_group(&mut self, name: &str, start: GroupStart) -> bool {
        if self.groups.contains_key(name) {
            return false;
        }
        let last_delivered = match start {
            GroupStart::After(id) => id,
            GroupStart::End => self.last_id,
        };
        self.groups.insert(
            name.to_owned(),
            Group {
                last_delivered,
                entries_read: None,
                pending: BTreeMap::new(),
            },
        );
        true
    }

    /// `XREADGROUP GROUP <group> <consumer> COUNT <count> STREAMS <stream> >`: the next new
    /// entries, each added to the consumer's pending list with one delivery.
    pub(crate) fn read_group(
        &mut self,
        group: &str,
        consumer: &str,
        count: usize,
        now: Instant,
    ) -> Result<Vec<StreamEntry>, NoGroup> {
        let start = self.group(group)?.last_delivered;
        let new: Vec<(EntryId, Fields)> = self
            .entries
            .range(start..)
            .filter(|(id, _)| **id > start)
            .take(count)
            .map(|(id, fields)| (*id, fields.clone()))
            .collect();
        let mut delivered = Vec::with_capacity(new.len());
        for (id, fields) in new {
            let entries_read = self.entries_read_after_delivering(group, id)?;
            let state = self.group_mut(group)?;
            state.entries_read = entries_read;
            state.last_delivered = id;
            // An entry pending already (the group was moved back) starts over, as in Redis.
            state.pending.insert(
                id,
                Pending {
                    consumer: consumer.to_owned(),
                    delivered_at: now,
                    deliveries: 1,
                },
            );
            delivered.push(StreamEntry {
                id: id.to_string(),
                fields,
            });
        }
        Ok(delivered)
    }

    /// `XACK`: how many of `ids` were pending.
    pub(crate) fn ack(&mut self, group: &str, ids: &[EntryId]) -> Result<usize, NoGroup> {
        let state = self.group_mut(group)?;
        Ok(ids
            .iter()
            .filter(|id| state.pending.remove(id).is_some())
            .count())
    }

    /// `XAUTOCLAIM <stream> <group> <consumer> <min_idle> <cursor> COUNT <count>`: walks the
    /// pending list from `cursor` (at most `count * 10` entries), takes over entries idle at
    /// least `min_idle` (one more delivery each, idle time reset), drops entries whose data is
    /// gone and reports their ids. Both kinds count towards `count`.
    pub(crate) fn autoclaim(
        &mut self,
        group: &str,
        consumer: &str,
        min_idle: Duration,
        cursor: EntryId,
        count: usize,
        now: Instant,
    ) -> Result<AutoClaimed, NoGroup> {
        let entries = &self.entries;
        let state = self.groups.get_mut(group).ok_or(NoGroup)?;
        let mut claimed = AutoClaimed::default();
        let mut room = count;
        let mut attempts = count.saturating_mul(10);
        // What the attempts can walk, and one more: the next cursor.
        let ids: Vec<EntryId> = state
            .pending
            .range(cursor..)
            .map(|(id, _)| *id)
            .take(attempts.saturating_add(1))
            .collect();
        let mut walked = 0;
        for id in &ids {
            if attempts == 0 || room == 0 {
                break;
            }
            attempts -= 1;
            walked += 1;
            let Some(fields) = entries.get(id) else {
                state.pending.remove(id);
                claimed.deleted.push(id.to_string());
                room -= 1;
                continue;
            };
            let Some(pending) = state.pending.get_mut(id) else {
                continue;
            };
            if now.saturating_duration_since(pending.delivered_at) < min_idle {
                continue;
            }
            pending.consumer = consumer.to_owned();
            pending.delivered_at = now;
            pending.deliveries = pending.deliveries.saturating_add(1);
            claimed.entries.push(StreamEntry {
                id: id.to_string(),
                fields: fields.clone(),
            });
            room -= 1;
        }
        claimed.next = ids.get(walked).copied().unwrap_or(EntryId::ZERO);
        Ok(claimed)
    }

    /// `XCLAIM <stream> <group> <consumer> <min_idle> <id>` for each `(id, min_idle)`:
    /// takes over pending entries idle at least that long. `just_id` (`JUSTID`) neither counts
    /// a delivery nor returns data. Pending entries whose data is gone are dropped.
    pub(crate) fn claim(
        &mut self,
        group: &str,
        consumer: &str,
        ids: &[(EntryId, Duration)],
        now: Instant,
        just_id: bool,
    ) -> Result<Vec<StreamEntry>, NoGroup> {
        let entries = &self.entries;
        let state = self.groups.get_mut(group).ok_or(NoGroup)?;
        let mut claimed = Vec::new();
        for (id, min_idle) in ids {
            let Some(fields) = entries.get(id) else {
                state.pending.remove(id);
                continue;
            };
            let Some(pending) = state.pending.get_mut(id) else {
                continue;
            };
            if now.saturating_duration_since(pending.delivered_at) < *min_idle {
                continue;
            }
            pending.consumer = consumer.to_owned();
            pending.delivered_at = now;
            if !just_id {
                pending.deliveries = pending.deliveries.saturating_add(1);
                claimed.push(StreamEntry {
                    id: id.to_string(),
                    fields: fields.clone(),
                });
            }
        }
        Ok(claimed)
    }

    /// `XPENDING <stream> <group> <id> <id> 1` for each id: delivery counts of those pending.
    pub(crate) fn deliveries(
        &self,
        group: &str,
        ids: &[EntryId],
    ) -> Result<HashMap<String, u32>, NoGroup> {
        let state = self.group(group)?;
        Ok(ids
            .iter()
            .filter_map(|id| {
                state
                    .pending
                    .get(id)
                    .map(|pending| (id.to_string(), pending.deliveries))
            })
            .collect())
    }

    /// `XPENDING <stream> <group> IDLE <min_idle> - + 1` is not empty.
    pub(crate) fn has_idle_pending(
        &self,
        group: &str,
        min_idle: Duration,
        now: Instant,
    ) -> Result<bool, NoGroup> {
        Ok(self
            .group(group)?
            .pending
            .values()
            .any(|pending| now.saturating_duration_since(pending.delivered_at) >= min_idle))
    }

    /// The `XPENDING` summary count, of the group or of one consumer.
    pub(crate) fn pending_count(
        &self,
        group: &str,
        consumer: Option<&str>,
    ) -> Result<u64, NoGroup> {
        let pending = &self.group(group)?.pending;
        let count = match consumer {
            None => pending.len(),
            Some(consumer) => pending
                .values()
                .filter(|pending| pending.consumer == consumer)
                .count(),
        };
        Ok(count as u64)
    }

    /// The `lag` of `XINFO GROUPS`: entries not yet delivered to the group, or `None` when
    /// Redis cannot tell (after deletions inside the unread range).
    pub(crate) fn lag(&self, group: &str) -> Result<Option<u64>, NoGroup> {
        let state = self.group(group)?;
        if self.entries_added == 0 {
            return Ok(Some(0));
        }
        if let Some(read) = state.entries_read {
            if !self.has_tombstones_from(state.last_delivered) {
                return Ok(Some(self.entries_added.saturating_sub(read)));
            }
        }
        Ok(self
            .estimate_entries_read(state.last_delivered)
            .map(|read| self.entries_added.saturating_sub(read)))
    }

    /// Entries in the stream (`XLEN`).
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// `XRANGE` from `low` to `high`, both inclusive, at most `count` entries.
    pub(crate) fn range(&self, low: EntryId, high: EntryId, count: usize) -> Vec<StreamEntry> {
        self.entries
            .range(low..=high)
            .take(count)
            .map(|(id, fields)| StreamEntry {
                id: id.to_string(),
                fields: fields.clone(),
            })
            .collect()
    }

    fn group(&self, name: &str) -> Result<&Group, NoGroup> {
        self.groups.get(name).ok_or(NoGroup)
    }

    fn group_mut(&mut self, name: &str) -> Result<&mut Group, NoGroup> {
        self.groups.get_mut(name).ok_or(NoGroup)
    }

    /// The group's `entries-read` once `id` is delivered (Redis `streamReplyWithRange`).
    fn entries_read_after_delivering(
        &self,
        group: &str,
        id: EntryId,
    ) -> Result<Option<u64>, NoGroup> {
        let state = self.group(group)?;
        Ok(match state.entries_read {
            Some(read) if !self.has_tombstones_from(id) => Some(read + 1),
            _ => self.estimate_entries_read(id),
        })
    }

    /// Redis `streamRangeHasTombstones(s, from, NULL)`.
    fn has_tombstones_from(&self, from: EntryId) -> bool {
        !self.entries.is_empty()
            && self.max_deleted_id != EntryId::ZERO
            && from <= self.max_deleted_id
    }

    /// Redis `streamEstimateDistanceFromFirstEverEntry`: how many entries come up to `id`.
    fn estimate_entries_read(&self, id: EntryId) -> Option<u64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if self.entries.is_empty() && id <= self.last_id {
            return Some(self.entries_added);
        }
        if id == self.last_id {
            return Some(self.entries_added);
        }
        if id > self.last_id {
            return None;
        }
        let first = *self.entries.keys().next()?;
        let no_fragmentation = self.max_deleted_id == EntryId::ZERO || self.max_deleted_id < first;
        let length = self.entries.len() as u64;
        match (no_fragmentation, id.cmp(&first)) {
            (true, std::cmp::Ordering::Less) => Some(self.entries_added - length),
            (true, std::cmp::Ordering::Equal) => Some(self.entries_added - length + 1),
            _ => None,
        }
    }
}

mod retention;
#[cfg(test)]
mod tests;
