//! Running one entry: parse, handle, then acknowledge, retry later, or dead-letter.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use futures_util::FutureExt;
use tokio::sync::OwnedSemaphorePermit;
use tracing::Instrument;

use super::acker::AckMessage;
use super::dedup::Check;
use super::handler::Outcome;
use super::in_flight::InFlight;
use super::{Retry, Shared, dead_letter, incoming, lock};
use crate::observe::Consumed;
use crate::wire::StreamEntry;

/// Runs `entry` (delivered `deliveries` times, this time included) on a task of its own,
/// holding one handler slot.
pub(super) fn spawn(
    shared: &Arc<Shared>,
    stream: usize,
    entry: StreamEntry,
    deliveries: u32,
    permit: OwnedSemaphorePermit,
) {
    let guard = InFlight::enter(shared, stream, &entry.id);
    let task_shared = shared.clone();
    lock(&shared.tasks).spawn(async move {
        process(&task_shared, stream, entry, deliveries, guard, permit).await;
    });
}

async fn process(
    shared: &Arc<Shared>,
    stream: usize,
    entry: StreamEntry,
    deliveries: u32,
    in_flight: InFlight,
    permit: OwnedSemaphorePermit,
) {
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
        return;
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
            return;
        }
    };
    let mut handling_here = None;
    if let Some(dedup) = &shared.dedup {
        match dedup
            .check(shared, stream, &incoming.event_id, deliveries)
            .await
        {
            Ok(Check::Duplicate) => {
                skip_duplicate(
                    shared,
                    stream,
                    entry,
                    &incoming.event_id,
                    deliveries,
                    in_flight,
                );
                return;
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
    let labels = &subscription.labels;
    if deliveries == 1 {
        labels.end_to_end(&entry.id);
    }
    let started = Instant::now();
    // The event's correlation id is the current one while its handler runs, so events the
    // handler publishes carry it.
    let handler = &subscription.handler;
    let event = incoming.event;
    let running = crate::observe::handling(&incoming.correlation_id, async move {
        handler.call(event).await
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
    labels.handler_duration(started.elapsed().as_secs_f64());
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
    .await;
}

/// What a handler came to, with the `event_id` to record when it succeeded (effectively-once
/// handling on).
struct Handled {
    outcome: Outcome,
    event_id: Option<String>,
}

/// Acknowledges an entry whose `event_id` the group handled already, without running its
/// handler (effectively-once handling).
fn skip_duplicate(
    shared: &Arc<Shared>,
    stream: usize,
    entry: StreamEntry,
    event_id: &str,
    deliveries: u32,
    in_flight: InFlight,
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
    let _ = shared.acks.send(AckMessage::Ack {
        stream,
        id: entry.id,
        handled: None,
        in_flight,
    });
}

/// Acknowledges, schedules a retry or dead-letters, after the handler ran, then frees the
/// handler slot (`permit`): a failed entry waits for its retry without one, so failing
/// entries never keep new ones from being read.
async fn settle(
    shared: &Arc<Shared>,
    stream: usize,
    entry: StreamEntry,
    deliveries: u32,
    handled: Handled,
    in_flight: InFlight,
    permit: OwnedSemaphorePermit,
) {
    let Handled { outcome, event_id } = handled;
    let settings = &shared.settings;
    let labels = &shared.subscriptions[stream].labels;
    match outcome {
        Outcome::Done => {
            labels.consumed(Consumed::Ok);
            super::limit::settled(shared);
            let _ = shared.acks.send(AckMessage::Ack {
                stream,
                id: entry.id,
                handled: event_id,
                in_flight,
            });
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
    drop(permit);
}

/// How much earlier than its backoff a retry's `XCLAIM` accepts the entry as idle.
const RETRY_SLACK: std::time::Duration = std::time::Duration::from_millis(10);
