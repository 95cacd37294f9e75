//! Acknowledgements in batches: whatever succeeded since the last `XACK` goes in the next.
//! With effectively-once handling on, the batch's handled events are recorded first
//! (`dedup.rs`), so that an entry whose acknowledgement is lost is known as handled.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::Shared;
use super::in_flight::InFlight;

/// An entry to acknowledge; `in_flight` is dropped once the `XACK` was sent. With `handled`,
/// its handler ran: with effectively-once handling on, its `event_id` is recorded before the
/// acknowledgement.
#[derive(Debug)]
pub(crate) struct Ack {
    pub(crate) stream: usize,
    pub(crate) id: String,
    pub(crate) handled: Option<String>,
    pub(crate) in_flight: InFlight,
}

/// A request to the acker.
#[derive(Debug)]
pub(crate) enum AckMessage {
    /// Acknowledge these entries (the ones of a batch settled together).
    Acks(Vec<Ack>),
    /// Answer once every earlier acknowledgement was sent.
    Flush(oneshot::Sender<()>),
}

/// Most entries per `XACK` round trip.
const MOST_PER_BATCH: usize = 1000;

pub(super) async fn run(shared: Arc<Shared>, mut messages: mpsc::UnboundedReceiver<AckMessage>) {
    while let Some(first) = messages.recv().await {
        let mut batch: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        let mut handled: BTreeMap<usize, Vec<(String, String)>> = BTreeMap::new();
        let mut flushes = Vec::new();
        let mut guards = Vec::new();
        let mut count = 0;
        let mut next = Some(first);
        while let Some(message) = next {
            match message {
                AckMessage::Acks(acks) => {
                    for Ack {
                        stream,
                        id,
                        handled: event_id,
                        in_flight,
                    } in acks
                    {
                        if let Some(event_id) = event_id {
                            handled
                                .entry(stream)
                                .or_default()
                                .push((event_id, id.clone()));
                        }
                        batch.entry(stream).or_default().push(id);
                        guards.push(in_flight);
                        count += 1;
                    }
                }
                AckMessage::Flush(done) => flushes.push(done),
            }
            next = if count < MOST_PER_BATCH {
                messages.try_recv().ok()
            } else {
                None
            };
        }
        if !handled.is_empty() {
            record(&shared, handled).await;
        }
        if count > 0 {
            acknowledge(&shared, batch).await;
        }
        // Only now may the claimer stop keeping these entries ours.
        InFlight::leave_all(guards);
        for done in flushes {
            let _ = done.send(());
        }
    }
}

async fn acknowledge(shared: &Shared, batch: BTreeMap<usize, Vec<String>>) {
    let acks: Vec<(String, Vec<String>)> = batch
        .into_iter()
        .map(|(stream, ids)| (shared.subscriptions[stream].key.clone(), ids))
        .collect();
    let mut delay = Duration::from_millis(50);
    for attempt in 1..=5 {
        match shared.transport.ack(&shared.group, &acks).await {
            Ok(()) => return,
            // The group was recreated: these entries are not pending any more.
            Err(error) if error.is_no_group() => return,
            Err(error) if error.is_retryable() && attempt < 5 => {
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
            Err(error) => {
                let count: usize = acks.iter().map(|(_, ids)| ids.len()).sum();
                tracing::error!(error = %error, count, "could not acknowledge handled entries; they will be delivered again");
                return;
            }
        }
    }
}

/// Records the batch's handled events in the group's record streams (with effectively-once
/// handling on; `dispatch.rs` remembered them already). A record that cannot be written is logged, and the
/// entries are acknowledged all the same: left pending, they would surely run again.
async fn record(shared: &Shared, handled: BTreeMap<usize, Vec<(String, String)>>) {
    let Some(dedup) = &shared.dedup else {
        return;
    };
    let records: Vec<(String, Vec<(String, String)>)> = handled
        .iter()
        .map(|(stream, events)| (shared.subscriptions[*stream].key.clone(), events.clone()))
        .collect();
    let mut delay = Duration::from_millis(50);
    for attempt in 1..=5 {
        match shared
            .transport
            .record_handled(&shared.group, &records, dedup.window())
            .await
        {
            Ok(()) => return,
            Err(error) if error.is_retryable() && attempt < 5 => {
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
            Err(error) => {
                let count: usize = records.iter().map(|(_, events)| events.len()).sum();
                tracing::error!(error = %error, count, "could not record handled events; were their entries delivered again, their handlers would run again");
                return;
            }
        }
    }
}
