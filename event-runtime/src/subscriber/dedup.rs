//! Effectively-once handling (`SubscriberConfig::dedup`): a group remembers, per stream, the
//! `event_id`s it handled within a window, and acknowledges an entry carrying one of them
//! without running its handler.
//!
//! The memory is the record stream `events:handled:{<stream>}:<group>` (`wire::handled_key`),
//! in the stream's slot: the acker appends a record for each handled entry *before* it
//! acknowledges the entries (`acker.rs`), so an entry whose acknowledgement is lost (the
//! process dies after the record, the `XACK` fails) is found there when it is delivered again.
//! Each subscriber keeps the ids of the window in memory ([`Dedup`]): filled from the record
//! stream at the first entry, added to as it records, and read on from where it stopped
//! (`XRANGE` after the last record read) for every entry delivered more than once, since only
//! those can have been handled by a consumer whose records it has not read. A first delivery
//! costs no command; a duplicate published as a second entry is found when its consumer knows
//! the first one's record (it handled it, or read it at start or at a redelivery). Within one
//! subscriber, a copy of an event whose handler runs waits for it to end ([`Running`]).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::Notify;

use super::Shared;
use crate::error::Result;
use crate::wire::{EntryId, handled_key};

/// Most records read per `XRANGE` while catching up.
const PAGE: usize = 1000;

/// The handled ids of each subscribed stream, for one group.
#[derive(Debug)]
pub(super) struct Dedup {
    window: Duration,
    streams: Vec<tokio::sync::Mutex<Handled>>,
    /// `(stream, event_id)`s whose handler runs here now: a second copy waits for the first.
    running: RunningIds,
}

/// `(stream, event_id)` -> what wakes the copies waiting for its handler to end.
type RunningIds = Arc<Mutex<HashMap<(usize, String), Arc<Notify>>>>;

/// Whether to run an entry's handler.
pub(super) enum Check {
    /// The group handled its `event_id` already: acknowledge it without running the handler.
    Duplicate,
    /// Run it; until the guard is dropped, other copies of the event here wait.
    Run(Running),
}

/// Marks an `event_id` as being handled here until dropped, then wakes the copies waiting.
pub(super) struct Running {
    running: RunningIds,
    key: (usize, String),
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(done) = lock(&self.running).remove(&self.key) {
            done.notify_waiters();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What one stream's record says, as far as it was read.
#[derive(Debug, Default)]
struct Handled {
    /// `event_id` -> when it was recorded (ms).
    ids: HashMap<String, u64>,
    /// The same, oldest first, to forget what leaves the window.
    order: VecDeque<(u64, String)>,
    /// The last record read from the record stream; `None` before the first read.
    read_up_to: Option<String>,
}

impl Handled {
    fn insert(&mut self, event_id: &str, at_ms: u64) {
        let newest = self.ids.entry(event_id.to_owned()).or_insert(at_ms);
        *newest = (*newest).max(at_ms);
        self.order.push_back((at_ms, event_id.to_owned()));
    }

    /// Forgets ids recorded before `cutoff_ms`.
    fn expire(&mut self, cutoff_ms: u64) {
        while let Some((at, _)) = self.order.front() {
            if *at >= cutoff_ms {
                break;
            }
            let Some((at, id)) = self.order.pop_front() else {
                break;
            };
            if self.ids.get(&id) == Some(&at) {
                self.ids.remove(&id);
            }
        }
    }
}

impl Dedup {
    pub(super) fn new(streams: usize, window: Duration) -> Self {
        Self {
            window,
            streams: (0..streams).map(|_| Default::default()).collect(),
            running: Arc::default(),
        }
    }

    pub(super) fn window(&self) -> Duration {
        self.window
    }

    fn cutoff_ms(&self) -> u64 {
        now_ms().saturating_sub(u64::try_from(self.window.as_millis()).unwrap_or(u64::MAX))
    }

    /// Whether to run the handler of an entry carrying `event_id` from stream `stream`:
    /// not when the group handled it within the window ([`handled`](Self::handled)). A copy
    /// of an event whose handler runs here now waits for it, then asks again.
    pub(super) async fn check(
        &self,
        shared: &Shared,
        stream: usize,
        event_id: &str,
        deliveries: u32,
    ) -> Result<Check> {
        let key = (stream, event_id.to_owned());
        loop {
            if self.handled(shared, stream, event_id, deliveries).await? {
                return Ok(Check::Duplicate);
            }
            let done = {
                let mut running = lock(&self.running);
                match running.get(&key) {
                    Some(done) => done.clone(),
                    None => {
                        running.insert(key.clone(), Arc::new(Notify::new()));
                        return Ok(Check::Run(Running {
                            running: self.running.clone(),
                            key,
                        }));
                    }
                }
            };
            let finished = done.notified();
            // The first copy may have finished between the two locks.
            let waiting_for = lock(&self.running)
                .get(&key)
                .is_some_and(|current| Arc::ptr_eq(current, &done));
            if !waiting_for {
                continue;
            }
            finished.await;
        }
    }

    /// Whether the group handled `event_id` from stream `stream` within the window. Reads
    /// the record stream on from where it stopped at the first call and when the entry was
    /// delivered before (`deliveries > 1`).
    async fn handled(
        &self,
        shared: &Shared,
        stream: usize,
        event_id: &str,
        deliveries: u32,
    ) -> Result<bool> {
        let Some(handled) = self.streams.get(stream) else {
            return Ok(false);
        };
        let mut handled = handled.lock().await;
        let cutoff = self.cutoff_ms();
        handled.expire(cutoff);
        if handled.ids.contains_key(event_id) {
            return Ok(true);
        }
        if handled.read_up_to.is_some() && deliveries <= 1 {
            return Ok(false);
        }
        let key = handled_key(&shared.subscriptions[stream].key, &shared.group);
        loop {
            let start = match &handled.read_up_to {
                Some(last) => format!("({last}"),
                None => cutoff.to_string(),
            };
            let records = shared.transport.range(&key, &start, "+", PAGE).await?;
            let Some(last) = records.last().map(|record| record.id.clone()) else {
                if handled.read_up_to.is_none() {
                    handled.read_up_to = Some(format!("{}-0", cutoff.saturating_sub(1)));
                }
                break;
            };
            for record in &records {
                let at = record.id.parse::<EntryId>().map_or(0, |id| id.ms);
                if let Some(id) = record.text("event_id").filter(|_| at >= cutoff) {
                    handled.insert(id, at);
                }
            }
            handled.read_up_to = Some(last);
            if records.len() < PAGE {
                break;
            }
        }
        Ok(handled.ids.contains_key(event_id))
    }

    /// Remembers ids whose handlers succeeded here (the acker records them next).
    pub(super) async fn remember(&self, stream: usize, event_ids: &[String]) {
        if let Some(handled) = self.streams.get(stream) {
            let mut handled = handled.lock().await;
            let now = now_ms();
            for id in event_ids {
                handled.insert(id, now);
            }
        }
    }
}

fn now_ms() -> u64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(now.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_leave_with_the_window_unless_recorded_again() {
        let mut handled = Handled::default();
        handled.insert("a", 10);
        handled.insert("b", 20);
        handled.insert("a", 30);
        handled.expire(25);
        assert!(handled.ids.contains_key("a"), "recorded again at 30");
        assert!(!handled.ids.contains_key("b"));
        handled.expire(31);
        assert!(handled.ids.is_empty());
        assert!(handled.order.is_empty());
    }
}
