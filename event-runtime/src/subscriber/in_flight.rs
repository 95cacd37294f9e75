//! Entries whose handler runs here: marked while they run, so that the claimer keeps them
//! claimed by this consumer (`keep_claimed`) and takes none of them back from itself.

use std::sync::Arc;
use std::time::Instant;

use super::{Shared, lock};

/// Marks an entry as being handled here until dropped (also on panic or cancellation). After a
/// success it travels with the acknowledgement and is dropped only once the `XACK` was sent,
/// so the claimer keeps the entry ours (not idle, not claimable) until then.
pub(super) struct InFlight {
    shared: Arc<Shared>,
    key: (usize, String),
}

impl InFlight {
    pub(super) fn enter(shared: &Arc<Shared>, stream: usize, id: &str) -> Self {
        let key = (stream, id.to_owned());
        lock(&shared.in_flight).insert(key.clone(), Instant::now());
        Self {
            shared: shared.clone(),
            key,
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        lock(&self.shared.in_flight).remove(&self.key);
    }
}

impl std::fmt::Debug for InFlight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("InFlight").field(&self.key).finish()
    }
}
