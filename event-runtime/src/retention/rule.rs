//! The rule of group-aware retention, without I/O: below which id every consumer group has
//! acknowledged a stream's entries, and what each group lost to a forced trim.

use crate::backend::{ForcedTrim, GroupPosition};
use crate::wire::EntryId;

/// What one consumer group lost to a forced trim: entries it had not acknowledged (pending,
/// or not delivered yet), how many, and the first and last of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Loss {
    pub(crate) group: String,
    pub(crate) count: u64,
    pub(crate) first: EntryId,
    pub(crate) last: EntryId,
}

/// The id after `id`.
pub(crate) fn after(id: EntryId) -> EntryId {
    match id.seq.checked_add(1) {
        Some(seq) => EntryId { ms: id.ms, seq },
        None => EntryId {
            ms: id.ms.saturating_add(1),
            seq: 0,
        },
    }
}

/// Every entry below the returned id has been acknowledged by every group: it is below each
/// group's oldest pending entry and at or below its last delivered id. `None` when the stream
/// has no group (nothing to wait for).
pub(crate) fn acknowledged_below(groups: &[GroupPosition]) -> Option<EntryId> {
    groups
        .iter()
        .map(|group| {
            let delivered = after(group.last_delivered);
            group
                .oldest_pending
                .map_or(delivered, |oldest| oldest.min(delivered))
        })
        .min()
}

/// What each group lost to `forced`: of the entries it removed (those every group had not
/// acknowledged before the trim), the ones after the group's last delivered id and the ones
/// pending for it. Groups that lost nothing are left out.
pub(crate) fn losses(forced: &ForcedTrim) -> Vec<Loss> {
    forced
        .groups
        .iter()
        .filter_map(|(group, last_delivered, pending)| {
            let mut pending = pending.clone();
            pending.sort_unstable();
            let lost: Vec<EntryId> = forced
                .removed
                .iter()
                .copied()
                .filter(|id| id > last_delivered || pending.binary_search(id).is_ok())
                .collect();
            Some(Loss {
                group: group.clone(),
                count: lost.len() as u64,
                first: *lost.iter().min()?,
                last: *lost.iter().max()?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ms: u64, seq: u64) -> EntryId {
        EntryId { ms, seq }
    }

    fn group(
        name: &str,
        last_delivered: EntryId,
        oldest_pending: Option<EntryId>,
    ) -> GroupPosition {
        GroupPosition {
            name: name.to_owned(),
            last_delivered,
            oldest_pending,
        }
    }

    #[test]
    fn neighbours_of_an_id() {
        assert_eq!(after(id(5, 1)), id(5, 2));
        assert_eq!(after(id(5, u64::MAX)), id(6, 0));
    }

    #[test]
    fn the_slowest_group_and_the_oldest_pending_entry_bound_the_trim() {
        assert_eq!(acknowledged_below(&[]), None, "no group: the budget alone");
        // Caught up: everything up to the last delivered entry is acknowledged.
        assert_eq!(
            acknowledged_below(&[group("a", id(10, 0), None)]),
            Some(id(10, 1))
        );
        // An entry still pending holds everything from it on.
        assert_eq!(
            acknowledged_below(&[group("a", id(10, 0), Some(id(4, 2)))]),
            Some(id(4, 2))
        );
        // A group that read nothing yet holds the whole stream.
        assert_eq!(
            acknowledged_below(&[
                group("fast", id(10, 0), None),
                group("new", EntryId::ZERO, None)
            ]),
            Some(id(0, 1))
        );
        // The slowest group decides.
        assert_eq!(
            acknowledged_below(&[
                group("fast", id(10, 0), Some(id(9, 0))),
                group("slow", id(6, 3), None)
            ]),
            Some(id(6, 4))
        );
    }

    #[test]
    fn each_group_loses_its_undelivered_and_pending_entries_of_the_forced_range() {
        let forced = ForcedTrim {
            removed: (3..=8).map(|ms| id(ms, 0)).collect(),
            groups: vec![
                // Delivered up to 5, 3 and 5 pending: loses 3, 5, 6, 7, 8.
                (
                    "slow".to_owned(),
                    id(5, 0),
                    vec![id(5, 0), id(3, 0), id(1, 0)],
                ),
                // Caught up and acknowledged everything: loses nothing.
                ("fast".to_owned(), id(9, 0), vec![]),
                // Stopped before any of them: loses all six.
                ("stopped".to_owned(), id(2, 0), vec![]),
            ],
            trimmed: 8,
        };
        assert_eq!(
            losses(&forced),
            [
                Loss {
                    group: "slow".to_owned(),
                    count: 5,
                    first: id(3, 0),
                    last: id(8, 0)
                },
                Loss {
                    group: "stopped".to_owned(),
                    count: 6,
                    first: id(3, 0),
                    last: id(8, 0)
                },
            ]
        );
    }
}
