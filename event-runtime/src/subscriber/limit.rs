//! A subscriber that takes a fixed number of entries, then stops by itself
//! ([`SubscriberBuilder::limit`](super::SubscriberBuilder::limit)), as `kcat -c N` or
//! `events consume --count N` do.
//!
//! The reader and the claimer reserve part of the budget before each read or claim, so no
//! more entries are taken from the group than were asked for; every distinct entry counts
//! once, however often it is retried or claimed back. A claim that finds the rest of the
//! budget reserved by a read under way waits for it, and the reader reserves nothing while a
//! claim waits: the reader's blocking reads would otherwise keep the claimer out for good.
//! Once as many entries are settled (acknowledged or dead-lettered) as the limit, the
//! subscriber shuts down.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use super::{Shared, lock};

/// The budget of a limited subscriber.
#[derive(Debug)]
pub(super) struct Limit {
    total: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Entries reserved by reads or claims under way.
    reserved: usize,
    /// Every entry taken so far, by (stream index, entry id).
    taken: HashSet<(usize, String)>,
    /// Entries acknowledged or dead-lettered.
    settled: usize,
    /// A claim waits for budget a read has reserved.
    claim_waiting: bool,
}

impl Limit {
    pub(super) fn new(total: usize) -> Self {
        Self {
            total,
            state: Mutex::default(),
        }
    }

    /// Reserves up to `want` entries of what is left of the budget for a read; none while a
    /// claim waits for budget. The reservation is given back when dropped, less the entries
    /// [`Reservation::took`] records.
    pub(super) fn reserve_read(self: &Arc<Self>, want: usize) -> Reservation {
        let mut state = lock(&self.state);
        let want = if state.claim_waiting { 0 } else { want };
        self.reserve(&mut state, want)
    }

    /// Reserves up to `want` entries for a claim; `None` when the rest of the budget is
    /// reserved by a read under way (try again shortly: the reader holds back meanwhile).
    pub(super) fn reserve_claim(self: &Arc<Self>, want: usize) -> Option<Reservation> {
        let mut state = lock(&self.state);
        let left = self
            .total
            .saturating_sub(state.taken.len() + state.reserved);
        if left == 0 && state.reserved > 0 {
            state.claim_waiting = true;
            return None;
        }
        state.claim_waiting = false;
        Some(self.reserve(&mut state, want))
    }

    fn reserve(self: &Arc<Self>, state: &mut State, want: usize) -> Reservation {
        let left = self
            .total
            .saturating_sub(state.taken.len() + state.reserved);
        let count = want.min(left);
        state.reserved += count;
        Reservation {
            limit: Arc::clone(self),
            count,
        }
    }

    /// Counts one entry as settled; true when that was the last one.
    pub(super) fn settled(&self) -> bool {
        let mut state = lock(&self.state);
        state.settled += 1;
        state.settled >= self.total
    }
}

/// Entries reserved for one read or claim.
#[derive(Debug)]
pub(super) struct Reservation {
    limit: Arc<Limit>,
    count: usize,
}

impl Reservation {
    /// How many entries the read or claim may take.
    pub(super) fn count(&self) -> usize {
        self.count
    }

    /// Records the entries the read or claim returned (ones taken before count once) and
    /// gives the rest of the reservation back.
    pub(super) fn took<'a>(self, entries: impl IntoIterator<Item = (usize, &'a str)>) {
        let mut state = lock(&self.limit.state);
        for (stream, id) in entries {
            state.taken.insert((stream, id.to_owned()));
        }
        // `Drop` releases the reservation.
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut state = lock(&self.limit.state);
        state.reserved = state.reserved.saturating_sub(self.count);
    }
}

/// Counts a settled entry against the subscriber's limit, if it has one, and asks for
/// shutdown after the last.
pub(super) fn settled(shared: &Shared) {
    if shared.limit.as_ref().is_some_and(|limit| limit.settled()) {
        tracing::info!(
            group = %shared.group,
            "every entry the subscriber was limited to is settled; shutting down"
        );
        shared.shutdown.send_replace(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_never_exceed_the_budget_and_entries_count_once() {
        let limit = Arc::new(Limit::new(3));
        let first = limit.reserve_read(2);
        assert_eq!(first.count(), 2);
        let claim = limit.reserve_claim(5).expect("one left");
        assert_eq!(claim.count(), 1, "one left while two are reserved");
        drop(claim);
        first.took([(0, "1-0")]);
        // One taken; the unused reservation came back.
        let second = limit.reserve_read(5);
        assert_eq!(second.count(), 2);
        // An entry taken before (claimed back) does not count again.
        second.took([(0, "1-0"), (0, "2-0")]);
        assert_eq!(limit.reserve_read(5).count(), 1);
        assert!(!limit.settled());
        assert!(!limit.settled());
        assert!(limit.settled(), "the third settled entry is the last");
    }

    #[test]
    fn a_waiting_claim_holds_the_reader_back_until_it_gets_the_budget() {
        let limit = Arc::new(Limit::new(2));
        let read = limit.reserve_read(2);
        assert!(
            limit.reserve_claim(1).is_none(),
            "all of it is reserved by the read"
        );
        drop(read);
        assert_eq!(
            limit.reserve_read(2).count(),
            0,
            "the reader holds back while the claim waits"
        );
        let claim = limit.reserve_claim(1).expect("the read gave it back");
        assert_eq!(claim.count(), 1);
        assert_eq!(limit.reserve_read(2).count(), 1, "and then reads again");
    }
}
