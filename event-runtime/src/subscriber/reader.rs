//! The read loop: new entries for the group, as many as there are free handler slots, or a
//! read ahead of an adaptive size while the handlers keep up (`read_ahead.rs`).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::OwnedSemaphorePermit;

use super::{Shared, dispatch, lock};
use crate::backend::GroupRead;
use crate::transport::Transport;

/// Reads until shutdown is requested. A blocked read is ended at shutdown without waiting out
/// `block_time`: dropped on the in-memory broker (which hands entries over in the step that
/// takes them), unblocked on Redis (`CLIENT UNBLOCK`, where the server allows it), and what it
/// returns is handled, so nothing is left delivered but unprocessed.
pub(super) async fn run(shared: &Arc<Shared>, reader: &Transport) {
    let mut shutdown = shared.shutdown.subscribe();
    let mut next_stream = 0;
    let mut backoff = Duration::from_millis(50);
    let may_read_ahead = shared.settings.stream_concurrency.is_none() && shared.limit.is_none();
    while !shared.shutting_down() {
        reap_finished(shared);
        if may_read_ahead {
            // One read ahead at a time: the next waits until every entry of this one started.
            tokio::select! {
                biased;
                _ = shutdown.changed() => break,
                () = shared.read_ahead.drained() => {}
            }
        }
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
        // A limited subscriber reads no more than what is left of its limit.
        let reservation = shared
            .limit
            .as_ref()
            .map(|limit| limit.reserve_read(permits.len()));
        if let Some(reservation) = &reservation {
            if reservation.count() == 0 {
                // Everything is taken (or reserved by a claim, or a claim waits for budget):
                // wait for the last entries to settle, which shuts the subscriber down, or
                // for budget to come back.
                drop(permits);
                tokio::select! {
                    _ = shutdown.changed() => {}
                    () = tokio::time::sleep(HELD_BACK_BLOCK * 4) => {}
                }
                continue;
            }
            permits.truncate(reservation.count());
        }
        let Some(Plan {
            streams,
            count,
            block,
        }) = plan(shared, permits.len(), &mut next_stream)
        else {
            // Every stream runs as many entries as it may (`stream_concurrency`): wait for
            // one to finish.
            drop(permits);
            tokio::select! {
                _ = tokio::time::sleep(HELD_BACK_BLOCK) => {}
                _ = shutdown.changed() => {}
            }
            continue;
        };
        // Whether every handler slot was free: nothing of earlier reads still runs.
        let all_free =
            permits.len() + shared.permits.available_permits() >= shared.settings.concurrency;
        // Read ahead where allowed: more entries per stream than free slots.
        let count = if may_read_ahead {
            count.max(shared.read_ahead.size())
        } else {
            count
        };
        let keys: Vec<&str> = streams
            .iter()
            .map(|index| shared.subscriptions[*index].key.as_str())
            .collect();
        let read = reader.read_group(&shared.group, &shared.consumer, &keys, count, block);
        tokio::pin!(read);
        let read = tokio::select! {
            read = &mut read => read,
            _ = shutdown.changed() => {
                if reader.read_is_cancel_safe() {
                    break;
                }
                shared.transport.unblock(reader).await;
                read.await
            }
            // A due retry or a claim waits for a slot this read holds: end the read; the
            // slots it does not use go back when this iteration ends.
            () = shared.release_slots.notified() => {
                if reader.read_is_cancel_safe() {
                    continue;
                }
                shared.transport.unblock(reader).await;
                read.await
            }
        };
        match read {
            Ok(GroupRead::Entries(batches)) => {
                backoff = Duration::from_millis(50);
                *lock(&shared.last_read_at) = Some(chrono::Utc::now());
                if let Some(reservation) = reservation {
                    reservation.took(batches.iter().flat_map(|(key, entries)| {
                        let stream = shared.stream_index(key);
                        entries.iter().filter_map(move |entry| {
                            stream.map(|stream| (stream, entry.id.as_str()))
                        })
                    }));
                }
                let full = batches.iter().any(|(_, entries)| entries.len() >= count);
                let mut jobs = Vec::with_capacity(permits.len());
                for (key, entries) in batches {
                    let Some(stream) = shared.stream_index(&key) else {
                        continue;
                    };
                    jobs.extend(entries.into_iter().map(|entry| dispatch::Job {
                        stream,
                        entry,
                        deliveries: 1,
                    }));
                }
                // Without a read ahead, COUNT x streams <= free slots: every entry has one.
                // Entries beyond the free slots wait for them in the batch, and the next
                // read for them.
                let ahead = may_read_ahead.then(|| {
                    let excess = jobs.len() > permits.len();
                    shared.read_ahead.begin(shared, full && all_free, excess)
                });
                dispatch::spawn_batch(shared, jobs, permits, ahead);
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
                shared.failed();
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

/// How long a read blocks while some streams are held back by `stream_concurrency`: one of
/// them may be free again any moment, and must not wait for a read blocked on the others.
const HELD_BACK_BLOCK: Duration = Duration::from_millis(5);

/// One read: which streams, the COUNT, the BLOCK time.
struct Plan {
    streams: Vec<usize>,
    count: usize,
    block: Duration,
}

/// Which streams to read and the COUNT, so that COUNT x streams <= free slots and no stream
/// gets more than its `stream_concurrency` allows. With fewer slots than streams, reads one
/// entry from each of the next `free` streams in turn. `None` when every stream is held back.
fn plan(shared: &Shared, free: usize, next_stream: &mut usize) -> Option<Plan> {
    let total = shared.subscriptions.len();
    let settings = &shared.settings;
    let (eligible, room): (Vec<usize>, usize) = match settings.stream_concurrency {
        None => ((0..total).collect(), usize::MAX),
        Some(limit) => {
            let busy = busy_per_stream(shared);
            let eligible: Vec<usize> = (0..total).filter(|stream| busy[*stream] < limit).collect();
            let room = eligible
                .iter()
                .map(|stream| limit - busy[*stream])
                .min()
                .unwrap_or(0);
            (eligible, room)
        }
    };
    if eligible.is_empty() {
        return None;
    }
    let block = if eligible.len() < total {
        settings.block_time.min(HELD_BACK_BLOCK)
    } else {
        settings.block_time
    };
    let streams = eligible.len();
    if free >= streams {
        let count = (free / streams).min(settings.batch_size).min(room).max(1);
        return Some(Plan {
            streams: eligible,
            count,
            block,
        });
    }
    let chosen = (0..free)
        .map(|offset| eligible[(*next_stream + offset) % streams])
        .collect();
    *next_stream = (*next_stream + free) % streams;
    Some(Plan {
        streams: chosen,
        count: 1,
        block,
    })
}

/// Entries per stream that are running here or waiting for their retry.
fn busy_per_stream(shared: &Shared) -> Vec<usize> {
    let mut busy = vec![0; shared.subscriptions.len()];
    for (stream, _) in lock(&shared.in_flight).keys() {
        busy[*stream] += 1;
    }
    for retry in lock(&shared.retries).iter() {
        busy[retry.stream] += 1;
    }
    busy
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
