//! The claim loop: retries after backoff, take-over of idle entries (dead consumers included),
//! clean-up of trimmed entries, and keeping long-running handlers' entries claimed.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::OwnedSemaphorePermit;

use super::{Shared, dispatch, lock};
use crate::error::Result;
use crate::wire::StreamEntry;

/// Runs a pass every `claim_interval` until shutdown.
pub(super) async fn run(shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.subscribe();
    let mut cursors = vec!["0-0".to_owned(); shared.subscriptions.len()];
    // Shutdown may have been asked before `subscribe`, which then sees no change: check first.
    while !shared.shutting_down() {
        tokio::select! {
            _ = tokio::time::sleep(shared.settings.claim_interval) => {}
            _ = shutdown.changed() => break,
        }
        if shared.shutting_down() {
            break;
        }
        if let Err(error) = pass(&shared, &mut cursors).await {
            recover(
                &shared,
                &error,
                "claim pass failed; trying again next interval",
            )
            .await;
        }
    }
}

/// Runs each failed entry's retry when it is due, until shutdown: woken by
/// `retry_scheduled`, then sleeping until the earliest one. A task of its own, so that a claim
/// pass waiting for free handler slots (which waiting retries hold) never delays a retry.
pub(super) async fn run_retries(shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.subscribe();
    while !shared.shutting_down() {
        let next_retry = lock(&shared.retries).iter().map(|retry| retry.due).min();
        let due = async {
            match next_retry {
                Some(due) => tokio::time::sleep_until(due.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = due => {}
            () = shared.retry_scheduled.notified() => continue,
            _ = shutdown.changed() => break,
        }
        if shared.shutting_down() {
            break;
        }
        if let Err(error) = retry_due(&shared).await {
            recover(
                &shared,
                &error,
                "retrying failed entries failed; they stay pending",
            )
            .await;
        }
    }
}

/// After a failed pass: recreates the group when it is gone, else logs `what`.
async fn recover(shared: &Shared, error: &crate::error::Error, what: &str) {
    shared.failed();
    if error.is_no_group() {
        if let Err(error) = shared.ensure_groups(true).await {
            tracing::warn!(error = %error, "could not recreate the consumer group");
        }
    } else {
        tracing::warn!(error = %error, "{what}");
    }
}

async fn pass(shared: &Arc<Shared>, cursors: &mut [String]) -> Result<()> {
    keep_claimed(shared).await?;
    // Until Redis has answered for the time a live owner takes to touch its entries again,
    // an entry idle for `claim_min_idle` may be one whose owner could not reach Redis either.
    if lock(&shared.last_failure).elapsed() < shared.settings.claim_min_idle / 2 {
        return Ok(());
    }
    for (stream, cursor) in cursors.iter_mut().enumerate() {
        sweep(shared, stream, cursor).await?;
    }
    Ok(())
}

/// Entries whose handler is still running here are re-claimed with `JUSTID` (which does not
/// count a delivery) before they reach `claim_min_idle`, so no other consumer takes them.
/// An entry counts as touched once Redis has answered: after a failed touch (Redis restarting,
/// a cut connection) the next pass tries again, rather than half a `claim_min_idle` later,
/// when another consumer may already have claimed it.
async fn keep_claimed(shared: &Shared) -> Result<()> {
    let threshold = shared.settings.claim_min_idle / 2;
    let now = Instant::now();
    let mut by_stream: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    {
        let in_flight = lock(&shared.in_flight);
        for ((stream, id), touched) in in_flight.iter() {
            if now.duration_since(*touched) >= threshold {
                by_stream.entry(*stream).or_default().push(id.clone());
            }
        }
    }
    for (stream, ids) in by_stream {
        let key = &shared.subscriptions[stream].key;
        shared
            .transport
            .touch(key, &shared.group, &shared.consumer, &ids)
            .await?;
        let mut in_flight = lock(&shared.in_flight);
        for id in ids {
            if let Some(touched) = in_flight.get_mut(&(stream, id)) {
                *touched = now;
            }
        }
    }
    Ok(())
}

/// Failed entries whose backoff has passed are claimed back (`XCLAIM` with the backoff as
/// min-idle: if another consumer took one meanwhile, it is not ours any more) and run again.
async fn retry_due(shared: &Arc<Shared>) -> Result<()> {
    let due_count = {
        let now = Instant::now();
        let retries = lock(&shared.retries);
        retries.iter().filter(|retry| retry.due <= now).count()
    };
    if due_count == 0 {
        return Ok(());
    }
    let mut permits = wait_for_permits(shared, due_count).await;
    let due: Vec<super::Retry> = {
        let now = Instant::now();
        let mut retries = lock(&shared.retries);
        retries.sort_by_key(|retry| retry.due);
        let ready = retries
            .iter()
            .take_while(|retry| retry.due <= now)
            .count()
            .min(permits.len());
        retries.drain(..ready).collect()
    };
    permits.truncate(due.len());
    let mut by_stream: BTreeMap<usize, Vec<(String, std::time::Duration)>> = BTreeMap::new();
    for retry in due {
        by_stream
            .entry(retry.stream)
            .or_default()
            .push((retry.id, retry.min_idle));
    }
    for (stream, ids) in by_stream {
        let key = &shared.subscriptions[stream].key;
        let entries = shared
            .transport
            .claim(key, &shared.group, &shared.consumer, &ids)
            .await?;
        start(shared, stream, entries, &mut permits).await?;
    }
    Ok(())
}

/// One `XAUTOCLAIM` pass over a stream, continued from `cursor`, as far as free slots allow.
async fn sweep(shared: &Arc<Shared>, stream: usize, cursor: &mut String) -> Result<()> {
    let key = shared.subscriptions[stream].key.clone();
    let min_idle = shared.settings.claim_min_idle;
    if cursor == "0-0"
        && !shared
            .transport
            .has_idle_pending(&key, &shared.group, min_idle)
            .await?
    {
        return Ok(());
    }
    loop {
        let mut permits = wait_for_permits(shared, shared.settings.batch_size).await;
        // A limited subscriber claims no more than what is left of its limit.
        let reservation = match &shared.limit {
            Some(limit) => Some(reserve_claim(shared, limit, permits.len()).await),
            None => None,
        };
        if let Some(reservation) = &reservation {
            permits.truncate(reservation.count());
        }
        if permits.is_empty() {
            return Ok(());
        }
        let claimed = shared
            .transport
            .autoclaim(
                &key,
                &shared.group,
                &shared.consumer,
                shared.settings.claim_min_idle,
                cursor,
                permits.len(),
            )
            .await?;
        if let Some(reservation) = reservation {
            reservation.took(
                claimed
                    .entries
                    .iter()
                    .map(|entry| (stream, entry.id.as_str())),
            );
        }
        if !claimed.deleted.is_empty() {
            // Redis (7.0+) already dropped them from the pending list; the XACK makes sure.
            shared
                .transport
                .ack(&shared.group, &[(key.clone(), claimed.deleted.clone())])
                .await?;
            tracing::warn!(
                stream = %key,
                count = claimed.deleted.len(),
                "pending entries were trimmed or deleted before being handled; acknowledged them"
            );
            metrics::counter!("events_trimmed_pending_total", "event_type" => shared.subscriptions[stream].event_type.clone())
                .increment(claimed.deleted.len() as u64);
        }
        let taken: Vec<StreamEntry> = {
            let in_flight = lock(&shared.in_flight);
            let mut retries = lock(&shared.retries);
            claimed
                .entries
                .into_iter()
                // Our own handler is still on it (it outlived the claim idle time).
                .filter(|entry| !in_flight.contains_key(&(stream, entry.id.clone())))
                .inspect(|entry| {
                    retries.retain(|retry| !(retry.stream == stream && retry.id == entry.id))
                })
                .collect()
        };
        if !taken.is_empty() {
            tracing::info!(stream = %key, count = taken.len(), "claimed idle entries");
        }
        start(shared, stream, taken, &mut permits).await?;
        *cursor = claimed.next;
        if cursor == "0-0" {
            return Ok(());
        }
    }
}

/// Budget of a limited subscriber for a claim of `want` entries: waits while a read under
/// way holds the rest (at most its block time); none once shutdown is asked.
async fn reserve_claim(
    shared: &Shared,
    limit: &Arc<super::limit::Limit>,
    want: usize,
) -> super::limit::Reservation {
    loop {
        if let Some(reservation) = limit.reserve_claim(want) {
            return reservation;
        }
        if shared.shutting_down() {
            return limit.reserve_read(0);
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

/// Looks up the delivery counts of claimed entries and runs them.
async fn start(
    shared: &Arc<Shared>,
    stream: usize,
    entries: Vec<StreamEntry>,
    permits: &mut Vec<OwnedSemaphorePermit>,
) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let key = &shared.subscriptions[stream].key;
    let ids: Vec<String> = entries.iter().map(|entry| entry.id.clone()).collect();
    let deliveries = shared
        .transport
        .deliveries(key, &shared.group, &ids)
        .await?;
    // One slot per entry: claims never run ahead of their slots.
    let slots: Vec<OwnedSemaphorePermit> = permits
        .drain(permits.len().saturating_sub(entries.len())..)
        .collect();
    let jobs = entries
        .into_iter()
        .take(slots.len())
        .map(|entry| {
            let deliveries = deliveries.get(&entry.id).map_or(1, |count| (*count).max(1));
            dispatch::Job {
                stream,
                entry,
                deliveries,
            }
        })
        .collect();
    dispatch::spawn_batch(shared, jobs, slots, None);
    Ok(())
}

/// Waits for at least one free handler slot, then takes every free one up to `most`. When
/// none is free it asks the reader to end a blocked read (`release_slots`): the semaphore is
/// fair, so this waits in line and gets the slots the reader gives back before the reader's
/// next read takes them, in a few milliseconds rather than at the end of `block_time`.
/// Returns nothing when shutdown is requested meanwhile.
async fn wait_for_permits(shared: &Shared, most: usize) -> Vec<OwnedSemaphorePermit> {
    let mut shutdown = shared.shutdown.subscribe();
    if shared.shutting_down() {
        return Vec::new();
    }
    if shared.permits.available_permits() == 0 {
        shared.release_slots.notify_one();
    }
    let first = tokio::select! {
        permit = shared.permits.clone().acquire_owned() => permit.ok(),
        _ = shutdown.changed() => None,
    };
    let Some(first) = first else {
        return Vec::new();
    };
    let mut permits = vec![first];
    while permits.len() < most {
        match shared.permits.clone().try_acquire_owned() {
            Ok(permit) => permits.push(permit),
            Err(_) => break,
        }
    }
    permits
}
