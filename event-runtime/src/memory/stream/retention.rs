//! What group-aware retention reads of a stream (where each group is) and its forced trim,
//! which reads what it removes under the same lock, as Redis does in one transaction.

use super::Stream;
use crate::backend::{ForcedTrim, GroupPosition};
use crate::wire::EntryId;

impl Stream {
    /// Each group's last delivered id and oldest pending entry (`XINFO GROUPS`, `XPENDING`).
    pub(crate) fn positions(&self) -> Vec<GroupPosition> {
        self.groups
            .iter()
            .map(|(name, group)| GroupPosition {
                name: name.clone(),
                last_delivered: group.last_delivered,
                oldest_pending: group.pending.keys().next().copied(),
            })
            .collect()
    }

    /// The ids of the `count` oldest entries (`XRANGE <stream> - + COUNT <count>`).
    pub(crate) fn oldest_ids(&self, count: usize) -> Vec<EntryId> {
        self.entries.keys().take(count).copied().collect()
    }

    /// Removes every entry below `to`, returning the ids removed from `[from, to)` and, for
    /// each of `groups` that exists, its last delivered id and its pending ids in that range.
    pub(crate) fn trim_forced(
        &mut self,
        from: EntryId,
        to: EntryId,
        groups: &[String],
    ) -> ForcedTrim {
        let removed = if from < to {
            self.entries.range(from..to).map(|(id, _)| *id).collect()
        } else {
            Vec::new()
        };
        let groups = groups
            .iter()
            .filter_map(|name| {
                let group = self.groups.get(name)?;
                let pending = if from < to {
                    group.pending.range(from..to).map(|(id, _)| *id).collect()
                } else {
                    Vec::new()
                };
                Some((name.clone(), group.last_delivered, pending))
            })
            .collect();
        let trimmed = self.trim_before(to) as u64;
        ForcedTrim {
            removed,
            groups,
            trimmed,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::time::Instant;

    use super::super::GroupStart;
    use super::*;

    fn id(ms: u64) -> EntryId {
        EntryId { ms, seq: 0 }
    }

    #[test]
    fn a_forced_trim_reports_what_it_removed_and_where_groups_were() {
        let mut stream = Stream::default();
        for ms in 1..=10 {
            stream.append(Vec::new(), ms);
        }
        assert!(stream.create_group("fast", GroupStart::After(EntryId::ZERO)));
        assert!(stream.create_group("slow", GroupStart::After(EntryId::ZERO)));
        let now = Instant::now();
        stream.read_group("fast", "c", 10, now).expect("read");
        stream
            .ack("fast", &(1..=10).map(id).collect::<Vec<_>>())
            .expect("ack");
        stream.read_group("slow", "c", 4, now).expect("read");
        stream.ack("slow", &[id(1), id(2)]).expect("ack");
        let positions = stream.positions();
        assert_eq!(positions[0].last_delivered, id(10));
        assert_eq!(positions[0].oldest_pending, None);
        assert_eq!(positions[1].last_delivered, id(4));
        assert_eq!(positions[1].oldest_pending, Some(id(3)));

        let forced =
            stream.trim_forced(id(3), id(7), &["fast".into(), "slow".into(), "gone".into()]);
        assert_eq!(forced.removed, [id(3), id(4), id(5), id(6)]);
        assert_eq!(
            forced.groups,
            [
                ("fast".to_owned(), id(10), vec![]),
                ("slow".to_owned(), id(4), vec![id(3), id(4)])
            ]
        );
        assert_eq!(forced.trimmed, 6);
        assert_eq!(stream.len(), 4);
        assert_eq!(
            stream.has_idle_pending("slow", Duration::ZERO, now),
            Ok(true)
        );
    }
}
