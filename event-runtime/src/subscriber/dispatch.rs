//! Running the entries of one read (or claim): parse, handle, then acknowledge, retry later, or
//! dead-letter.
//!
//! A read's entries run on one task ([`spawn_batch`]): their handlers run concurrently, as
//! futures of that task rather than tasks of their own, each holding a handler slot. The
//! batch starts with the slots its read took and hands a slot from a settled entry to the
//! next one (a read ahead, `reader.rs`, brings more entries than free slots). Whenever none of
//! the batch's running handlers is ready, the acknowledgements of those that succeeded go to
//! the acker in one message, with one count for the metrics: a batch of handlers that never
//! wait is decoded, handled and acknowledged with one message per round of slots.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, StreamExt};
use tokio::sync::OwnedSemaphorePermit;
use tracing::Instrument;

use super::acker::{Ack, AckMessage};
use super::dedup::Check;
use super::handler::Outcome;
use super::in_flight::InFlight;
use super::read_ahead::Probe;
use super::{Retry, Shared, dead_letter, incoming, lock};
use crate::observe::{Consumed, HandlingMetrics};
use crate::wire::StreamEntry;

/// One entry to run: its stream, the entry, and how often it was delivered (this time
/// included).
pub(super) struct Job {
    pub(super) stream: usize,
    pub(super) entry: StreamEntry,
    pub(super) deliveries: u32,
}

/// Runs `jobs` on one task of their own, their handlers concurrently in the handler slots
/// `permits` (at least one), and in more slots as they are free. `probe`: the read's, told
/// when the last job started and dropped when all are settled.
pub(super) fn spawn_batch(
    shared: &Arc<Shared>,
    jobs: Vec<Job>,
    permits: Vec<OwnedSemaphorePermit>,
    probe: Option<Probe>,
) {
    if jobs.is_empty() || permits.is_empty() {
        return;
    }
    let guards = InFlight::enter_all(
        shared,
        jobs.iter().map(|job| (job.stream, job.entry.id.as_str())),
    );
    let task_shared = shared.clone();
    lock(&shared.tasks).spawn(async move {
        let queue = jobs.into_iter().zip(guards).collect();
        run_batch(&task_shared, queue, permits, probe).await;
    });
}

async fn run_batch(
    shared: &Arc<Shared>,
    mut queue: VecDeque<(Job, InFlight)>,
    mut slots: Vec<OwnedSemaphorePermit>,
    mut probe: Option<Probe>,
) {
    // The histograms of the batch's streams, looked up once.
    let mut metrics: Vec<Option<HandlingMetrics>> =
        shared.subscriptions.iter().map(|_| None).collect();
    for (job, _) in &queue {
        if metrics[job.stream].is_none() {
            metrics[job.stream] = Some(shared.subscriptions[job.stream].labels.handling_metrics());
        }
    }
    let mut running = FuturesUnordered::new();
    let mut settled: Vec<Settled> = Vec::new();
    loop {
        // Start what the free slots allow: the batch's own first, then any other free one.
        while !queue.is_empty() {
            let Some(permit) = slots
                .pop()
                .or_else(|| shared.permits.clone().try_acquire_owned().ok())
            else {
                break;
            };
            if let Some((job, guard)) = queue.pop_front() {
                let metrics = metrics[job.stream].as_ref();
                running.push(process(shared, job, guard, permit, metrics));
            }
        }
        if queue.is_empty() {
            // Slots the batch needs no more go back now.
            slots.clear();
            // The read's last entry started: the reader may read again.
            if let Some(probe) = &mut probe {
                probe.all_started();
            }
        }
        // Whatever is ready now joins the acknowledgements; before waiting for the rest,
        // they go to the acker, and their slots to the entries still queued.
        let next = match running.next().now_or_never() {
            Some(next) => next,
            None => {
                send_acks(shared, &mut settled, &mut slots, !queue.is_empty());
                if !slots.is_empty() {
                    continue;
                }
                running.next().await
            }
        };
        match next {
            Some(done) => settled.push(done),
            None => {
                send_acks(shared, &mut settled, &mut slots, !queue.is_empty());
                if queue.is_empty() {
                    break;
                }
            }
        }
    }
}

/// Hands the acknowledgements to the acker in one message and counts them for the metrics per
/// stream; then their handler slots go to `slots` for entries still queued (`keep`), or are
/// freed (after the send, so that a shutdown that waits for every slot finds them queued
/// before its final flush).
fn send_acks(
    shared: &Shared,
    settled: &mut Vec<Settled>,
    slots: &mut Vec<OwnedSemaphorePermit>,
    keep: bool,
) {
    if settled.is_empty() {
        return;
    }
    let mut counted: Vec<(usize, u64)> = Vec::new();
    let mut acks = Vec::with_capacity(settled.len());
    let mut permits = Vec::new();
    for Settled { ack, ran, permit } in settled.drain(..) {
        permits.push(permit);
        let Some(ack) = ack else {
            continue;
        };
        if ran {
            match counted.iter_mut().find(|(stream, _)| *stream == ack.stream) {
                Some((_, count)) => *count += 1,
                None => counted.push((ack.stream, 1)),
            }
        }
        acks.push(ack);
    }
    for (stream, count) in counted {
        shared.subscriptions[stream]
            .labels
            .consumed_many(Consumed::Ok, count);
    }
    if !acks.is_empty() {
        let _ = shared.acks.send(AckMessage::Acks(acks));
    }
    if keep {
        slots.append(&mut permits);
    }
    drop(permits);
}

/// A settled entry: what to acknowledge, if it is settled that way, and its handler slot, for
/// the batch's next entry or freed once the acknowledgement is sent.
struct Settled {
    ack: Option<Ack>,
    /// Whether its handler ran (rather than the entry being a duplicate).
    ran: bool,
    permit: OwnedSemaphorePermit,
}

impl Settled {
    fn without_ack(permit: OwnedSemaphorePermit) -> Self {
        Self {
            ack: None,
            ran: false,
            permit,
        }
    }
}

/// Runs one entry.
async fn process(
    shared: &Arc<Shared>,
    job: Job,
    in_flight: InFlight,
    permit: OwnedSemaphorePermit,
    metrics: Option<&HandlingMetrics>,
) -> Settled {
    let Job {
        stream,
        entry,
        deliveries,
    } = job;
    let subscription = &shared.subscriptions[stream];
    let settings = &shared.settings;
    let event_type = subscription.event_type.as_str();
    if deliveries > settings.max_deliveries {
        let reason = format!(
            "delivered {deliveries} times without being acknowledged (max_deliveries is {}): its handlers timed out or their consumers died",
            settings.max_deliveries
        );
        dead_letter::send(
            shared,
            stream,
            &entry,
            &reason,
            deliveries,
            Consumed::DeadLettered,
        )
        .await;
        return Settled::without_ack(permit);
    }
    let incoming = match incoming::parse(
        event_type,
        &subscription.key,
        &entry,
        deliveries,
        settings.max_event_size,
    ) {
        Ok(incoming) => incoming,
        Err(reason) => {
            dead_letter::send(
                shared,
                stream,
                &entry,
                &reason,
                deliveries,
                Consumed::Invalid,
            )
            .await;
            return Settled::without_ack(permit);
        }
    };
    let mut handling_here = None;
    if let Some(dedup) = &shared.dedup {
        match dedup
            .check(shared, stream, &incoming.event_id, deliveries)
            .await
        {
            Ok(Check::Duplicate) => {
                skip_duplicate(shared, stream, &entry, &incoming.event_id, deliveries);
                let ack = Ack {
                    stream,
                    id: entry.id,
                    handled: None,
                    in_flight,
                };
                return Settled {
                    ack: Some(ack),
                    ran: false,
                    permit,
                };
            }
            Ok(Check::Run(guard)) => handling_here = Some(guard),
            Err(error) => {
                tracing::warn!(error = %error, stream = %subscription.key, stream_id = %entry.id, "cannot read the record of handled events; running the handler (at least once)");
            }
        }
    }
    let event_id = shared.dedup.is_some().then(|| incoming.event_id.clone());
    let span = tracing::info_span!(
        "handle",
        event_type,
        event_id = %incoming.event_id,
        correlation_id = %incoming.correlation_id,
        stream_id = %entry.id,
        delivery = deliveries,
    );
    if let (1, Some(metrics)) = (deliveries, metrics) {
        metrics.end_to_end(&entry.id);
    }
    let started = Instant::now();
    // The event's correlation id is the current one while its handler runs (and decodes), so
    // events the handler publishes carry it.
    let handler = &subscription.handler;
    let delivery = incoming.delivery;
    let running = crate::observe::handling(&incoming.correlation_id, async move {
        handler.call(delivery).await
    });
    let outcome = AssertUnwindSafe(running)
        .catch_unwind()
        .instrument(span.clone())
        .await
        .unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Outcome::Failed(super::HandlerError::new(format!(
                "the handler panicked: {message}"
            )))
        });
    if let Some(metrics) = metrics {
        metrics.handler_duration(started.elapsed().as_secs_f64());
    }
    if let (Some(dedup), Outcome::Done) = (&shared.dedup, &outcome) {
        dedup
            .remember(stream, std::slice::from_ref(&incoming.event_id))
            .await;
    }
    // Copies of the event waiting here find it handled now, or run if it failed.
    drop(handling_here);
    let handled = Handled { outcome, event_id };
    settle(
        shared, stream, entry, deliveries, handled, in_flight, permit,
    )
    .instrument(span)
    .await
}

/// What a handler came to, with the `event_id` to record when it succeeded (effectively-once
/// handling on).
struct Handled {
    outcome: Outcome,
    event_id: Option<String>,
}

/// An entry whose `event_id` the group handled already is acknowledged without running its
/// handler (effectively-once handling).
fn skip_duplicate(
    shared: &Shared,
    stream: usize,
    entry: &StreamEntry,
    event_id: &str,
    deliveries: u32,
) {
    let subscription = &shared.subscriptions[stream];
    tracing::debug!(
        event_type = %subscription.event_type,
        group = %shared.group,
        event_id,
        stream_id = %entry.id,
        delivery = deliveries,
        "event already handled by the group; acknowledged without running the handler"
    );
    subscription.labels.deduplicated();
    super::limit::settled(shared);
}

/// After the handler ran: the acknowledgement to send, or a retry scheduled or a dead letter
/// written. The slot goes back with it either way: a failed entry waits for its retry without
/// one, so failing entries never keep new ones from being read.
async fn settle(
    shared: &Arc<Shared>,
    stream: usize,
    entry: StreamEntry,
    deliveries: u32,
    handled: Handled,
    in_flight: InFlight,
    permit: OwnedSemaphorePermit,
) -> Settled {
    let Handled { outcome, event_id } = handled;
    let settings = &shared.settings;
    let labels = &shared.subscriptions[stream].labels;
    match outcome {
        Outcome::Done => {
            super::limit::settled(shared);
            let ack = Ack {
                stream,
                id: entry.id,
                handled: event_id,
                in_flight,
            };
            return Settled {
                ack: Some(ack),
                ran: true,
                permit,
            };
        }
        Outcome::Undecodable(reason) => {
            dead_letter::send(
                shared,
                stream,
                &entry,
                &reason,
                deliveries,
                Consumed::Invalid,
            )
            .await;
        }
        Outcome::Failed(error) if error.is_permanent() || deliveries >= settings.max_deliveries => {
            let reason = error.message();
            dead_letter::send(
                shared,
                stream,
                &entry,
                reason,
                deliveries,
                Consumed::DeadLettered,
            )
            .await;
        }
        Outcome::Failed(error) => {
            let delay = settings.retry_delay(deliveries);
            tracing::warn!(error = %error, retry_in_ms = delay.as_millis() as u64, "handler failed; the entry stays pending");
            labels.consumed(Consumed::Retried);
            lock(&shared.retries).push(Retry {
                stream,
                id: entry.id,
                due: Instant::now() + delay,
                // Redis counts idle time in whole milliseconds from the delivery: a little
                // slack so that the claim at `due` is never refused by rounding.
                min_idle: delay.saturating_sub(RETRY_SLACK),
            });
            shared.retry_scheduled.notify_one();
        }
    }
    Settled::without_ack(permit)
}

/// How much earlier than its backoff a retry's `XCLAIM` accepts the entry as idle.
const RETRY_SLACK: std::time::Duration = std::time::Duration::from_millis(10);
