//! Reading ahead: with the default settings (batch 10, concurrency 16) a read per 10 entries
//! spends more on round trips than on handlers, so a subscriber whose handlers keep up reads
//! more entries than it has free slots, and they wait for the read's slots (`dispatch.rs`):
//! still at most `concurrency` handlers at a time.
//!
//! Only where neither `stream_concurrency` nor a limit asks for exact slots. The size starts
//! at 0 (reads of free slots only) and doubles from the read's COUNT (up to
//! [`MOST_READ_AHEAD`] per stream) after a full read, made while every slot was free, whose
//! entries were all settled within [`READ_AHEAD_WAIT`] / 2; it halves, and below
//! `batch_size` stops, when a read's entries took longer than [`READ_AHEAD_WAIT`]. Slow or
//! stuck handlers so get reads of free slots, as before, and nothing waits locally for long.
//! One read ahead at a time: the next read waits until each of its entries has a slot.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::Shared;

/// Most entries per stream a read ahead brings.
pub(super) const MOST_READ_AHEAD: usize = 512;

/// How long a read's entries may take to settle before reads shrink.
pub(super) const READ_AHEAD_WAIT: Duration = Duration::from_millis(20);

/// Whether a read ahead has entries waiting for a slot, and the size of the next one.
#[derive(Debug, Default)]
pub(super) struct ReadAhead {
    waiting: AtomicBool,
    /// Wakes the reader when the entries of a read ahead all have a slot.
    started: tokio::sync::Notify,
    /// Entries per stream of the next read; 0: no read ahead.
    size: AtomicUsize,
}

impl ReadAhead {
    /// Entries per stream the next read may bring; 0 when it reads into free slots only.
    pub(super) fn size(&self) -> usize {
        self.size.load(Ordering::Relaxed)
    }

    /// Returns once no entry of a read ahead waits for a slot.
    pub(super) async fn drained(&self) {
        loop {
            let started = self.started.notified();
            if !self.waiting.load(Ordering::Acquire) {
                return;
            }
            started.await;
        }
    }

    /// A read's entries go to their batch. `may_grow`: the read was full and made while every
    /// slot was free; `excess`: it brought more entries than free slots.
    pub(super) fn begin(&self, shared: &Arc<Shared>, may_grow: bool, excess: bool) -> Probe {
        if excess {
            self.waiting.store(true, Ordering::Release);
        }
        Probe {
            shared: shared.clone(),
            may_grow,
            waiting: excess,
            count: self.size().max(shared.settings.batch_size),
            read_at: Instant::now(),
        }
    }
}

/// The entries of one read, followed by their batch (`dispatch.rs`): [`Probe::all_started`]
/// once each has a slot, dropped once all are settled, which adapts the size.
#[derive(Debug)]
pub(super) struct Probe {
    shared: Arc<Shared>,
    may_grow: bool,
    /// Whether the reader waits for this read's entries to start.
    waiting: bool,
    count: usize,
    read_at: Instant,
}

impl Probe {
    /// Every entry of the read has a slot: the reader may read again.
    pub(super) fn all_started(&mut self) {
        if std::mem::take(&mut self.waiting) {
            let state = &self.shared.read_ahead;
            state.waiting.store(false, Ordering::Release);
            state.started.notify_one();
        }
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        // Also when the batch was cancelled: the reader must not wait for it.
        self.all_started();
        let state = &self.shared.read_ahead;
        let batch_size = self.shared.settings.batch_size;
        let took = self.read_at.elapsed();
        let size = state.size();
        let next = if took > READ_AHEAD_WAIT {
            match size / 2 {
                half if half < batch_size => 0,
                half => half,
            }
        } else if self.may_grow && took <= READ_AHEAD_WAIT / 2 {
            (size.max(self.count) * 2).min(MOST_READ_AHEAD.max(batch_size))
        } else {
            size
        };
        state.size.store(next, Ordering::Relaxed);
    }
}
