//! Entries whose handler runs here: marked while they run, so that the claimer keeps them
//! claimed by this consumer (`keep_claimed`) and takes none of them back from itself.

use std::sync::Arc;
use std::time::Instant;

use super::{Shared, lock};

/// Marks an entry as being handled here until dropped (also on panic or cancellation). After a
/// success it travels with the acknowledgement and is dropped only once the `XACK` was sent,
/// so the claimer keeps the entry ours (not idle, not claimable) until then.
pub(crate) struct InFlight {
    shared: Arc<Shared>,
    key: (usize, String),
    /// False once [`leave_all`](Self::leave_all) took the mark off.
    marked: bool,
}

impl InFlight {
    /// Marks the entries `(stream, id)` of one read or claim, under one lock.
    pub(super) fn enter_all<'a>(
        shared: &Arc<Shared>,
        entries: impl ExactSizeIterator<Item = (usize, &'a str)>,
    ) -> Vec<Self> {
        let now = Instant::now();
        let mut guards = Vec::with_capacity(entries.len());
        let mut in_flight = lock(&shared.in_flight);
        for (stream, id) in entries {
            let key = (stream, id.to_owned());
            in_flight.insert(key.clone(), now);
            guards.push(Self {
                shared: shared.clone(),
                key,
                marked: true,
            });
        }
        guards
    }

    /// Takes the marks of `guards` off under one lock.
    pub(super) fn leave_all(guards: Vec<Self>) {
        let Some(first) = guards.first() else {
            return;
        };
        let shared = first.shared.clone();
        let mut in_flight = lock(&shared.in_flight);
        for mut guard in guards {
            in_flight.remove(&guard.key);
            guard.marked = false;
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.marked {
            lock(&self.shared.in_flight).remove(&self.key);
        }
    }
}

impl std::fmt::Debug for InFlight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("InFlight").field(&self.key).finish()
    }
}
