//! The read loop: new entries for the group, never more than there are free handler slots.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::OwnedSemaphorePermit;

use super::{Shared, dispatch, lock};
use crate::transport::{GroupRead, Transport};

/// Reads until shutdown is requested. A read already sent is allowed to finish (it lasts at
/// most `block_time`) and what it returns is handled, so nothing is left delivered but
/// unprocessed.
pub(super) async fn run(shared: &Arc<Shared>, reader: &Transport) {
    let mut shutdown = shared.shutdown.subscribe();
    let mut next_stream = 0;
    let mut backoff = Duration::from_millis(50);
    while !shared.shutting_down() {
        reap_finished(shared);
        // Shutdown first: a handler that asks for shutdown frees its slot right after, and the
        // free slot must not win the race and start one more read.
        let mut permits = tokio::select! {
            biased;
            _ = shutdown.changed() => break,
            permits = take_permits(shared) => permits,
        };
        if shared.shutting_down() {
            break;
        }
        let (streams, count) = plan(shared, permits.len(), &mut next_stream);
        let keys: Vec<&str> = streams
            .iter()
            .map(|index| shared.subscriptions[*index].key.as_str())
            .collect();
        let read = reader
            .read_group(
                &shared.group,
                &shared.consumer,
                &keys,
                count,
                shared.settings.block_time,
            )
            .await;
        match read {
            Ok(GroupRead::Entries(batches)) => {
                backoff = Duration::from_millis(50);
                *lock(&shared.last_read_at) = Some(chrono::Utc::now());
                for (key, entries) in batches {
                    let Some(stream) = shared.stream_index(&key) else {
                        continue;
                    };
                    for entry in entries {
                        let Some(permit) = permits.pop() else {
                            // Cannot happen: COUNT x streams <= permits. Leave it pending.
                            tracing::error!(stream = %key, id = %entry.id, "read more entries than free slots");
                            continue;
                        };
                        dispatch::spawn(shared, stream, entry, 1, permit);
                    }
                }
            }
            Ok(GroupRead::NoGroup) => {
                drop(permits);
                if let Err(error) = shared.ensure_groups(true).await {
                    tracing::warn!(error = %error, "could not recreate the consumer group");
                    wait(shared, &mut shutdown, &mut backoff).await;
                }
            }
            Err(error) => {
                drop(permits);
                tracing::warn!(error = %error, retry_in_ms = backoff.as_millis() as u64, "reading from Redis failed");
                wait(shared, &mut shutdown, &mut backoff).await;
            }
        }
    }
}

/// Waits for at least one free slot, then takes every free one up to what one read may need.
async fn take_permits(shared: &Arc<Shared>) -> Vec<OwnedSemaphorePermit> {
    let most = shared
        .settings
        .batch_size
        .saturating_mul(shared.subscriptions.len())
        .max(1);
    let mut permits = Vec::with_capacity(most.min(1024));
    let Ok(first) = shared.permits.clone().acquire_owned().await else {
        return permits;
    };
    permits.push(first);
    while permits.len() < most {
        match shared.permits.clone().try_acquire_owned() {
            Ok(permit) => permits.push(permit),
            Err(_) => break,
        }
    }
    permits
}

/// Which streams to read and the COUNT, so that COUNT x streams <= free slots. With fewer
/// slots than streams, reads one entry from each of the next `free` streams in turn.
fn plan(shared: &Shared, free: usize, next_stream: &mut usize) -> (Vec<usize>, usize) {
    let streams = shared.subscriptions.len();
    if free >= streams {
        let count = (free / streams).min(shared.settings.batch_size).max(1);
        return ((0..streams).collect(), count);
    }
    let chosen = (0..free)
        .map(|offset| (*next_stream + offset) % streams)
        .collect();
    *next_stream = (*next_stream + free) % streams;
    (chosen, 1)
}

fn reap_finished(shared: &Shared) {
    let mut tasks = lock(&shared.tasks);
    while tasks.try_join_next().is_some() {}
}

async fn wait(
    shared: &Shared,
    shutdown: &mut tokio::sync::watch::Receiver<bool>,
    backoff: &mut Duration,
) {
    if shared.shutting_down() {
        return;
    }
    tokio::select! {
        _ = tokio::time::sleep(*backoff) => {}
        _ = shutdown.changed() => {}
    }
    *backoff = (*backoff * 2).min(Duration::from_secs(5));
}
