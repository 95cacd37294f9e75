//! Group-aware retention (`Trimming::Acknowledged`, the default): a background task of the
//! publisher trims each stream it has written to, every `retention_interval`, keeping every
//! entry some consumer group has not acknowledged, up to the hard cap.
//!
//! `rule.rs` says below which id every group has acknowledged a stream and what a group lost
//! to a forced trim; `pass.rs` is one pass over one stream (the budget of acknowledged
//! entries, the hard cap); `report.rs` makes a forced trim loud (metric, error log, and the
//! record `events:trimmed:{<stream>}` that `events stats` reads). Nothing here runs on the
//! publish path: a publish only notes its stream, and trimming never fails a publish.
//!
//! Groups only move forward (reads, acknowledgements), so what a pass read of them stays true
//! until its `XTRIM`. Two things move a group back: a group created at an old id, or moved
//! back with `XGROUP SETID`, while a pass runs may find entries gone that every group had
//! acknowledged when the pass read them; create groups before publishing what they must read.

mod pass;
mod report;
mod rule;

use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use tokio::task::JoinHandle;

use crate::config::{PublisherConfig, Trimming};
use crate::transport::Transport;

/// The streams a publisher (and its clones) wrote to, and the task that trims them; the task
/// ends when the last clone of the publisher is dropped.
#[derive(Debug, Default)]
pub(crate) struct Retainer {
    streams: Arc<Mutex<BTreeSet<String>>>,
    task: OnceLock<JoinHandle<()>>,
}

impl Retainer {
    /// Notes that the publisher appended to `streams`; starts the task at the first write.
    /// Under `Trimming::Plain` the appends trim by themselves and this does nothing.
    pub(crate) fn wrote<'a>(
        &self,
        transport: &Transport,
        settings: &PublisherConfig,
        streams: impl IntoIterator<Item = &'a str>,
    ) {
        if settings.trimming != Trimming::Acknowledged {
            return;
        }
        {
            let mut known = self.streams.lock().unwrap_or_else(PoisonError::into_inner);
            for stream in streams {
                if !known.contains(stream) {
                    known.insert(stream.to_owned());
                }
            }
        }
        self.task.get_or_init(|| {
            tokio::spawn(run(
                transport.clone(),
                settings.clone(),
                self.streams.clone(),
            ))
        });
    }
}

impl Drop for Retainer {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Every `retention_interval`, one pass over each stream written to. A failing stream is
/// logged when it starts failing and when it recovers, not on every pass.
async fn run(
    transport: Transport,
    settings: PublisherConfig,
    streams: Arc<Mutex<BTreeSet<String>>>,
) {
    let mut failing: HashSet<String> = HashSet::new();
    let mut ticks = tokio::time::interval(settings.retention_interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let streams: Vec<String> = streams
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect();
        for stream in streams {
            match pass::trim(&transport, &settings, &stream).await {
                Ok(()) => {
                    if failing.remove(&stream) {
                        tracing::info!(stream, "retention trims the stream again");
                    }
                }
                Err(error) => {
                    if failing.insert(stream.clone()) {
                        tracing::warn!(
                            stream,
                            error = %error,
                            "retention could not trim the stream; it grows until this clears (logged once until then)"
                        );
                    }
                }
            }
        }
    }
}
