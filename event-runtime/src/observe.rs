//! Observability: the metrics the runtime records, and the context of the event being handled.
//!
//! # Metrics
//!
//! Recorded through the [`metrics`](https://docs.rs/metrics) facade: install any recorder
//! (e.g. `metrics-exporter-prometheus`, as `examples/consumer_service.rs` does) **before**
//! building publishers and subscribers. Without one, recording costs next to nothing.
//!
//! | name | kind | labels | what |
//! |---|---|---|---|
//! | `events_published_total` | counter | `event_type`, `service` | events written to their stream |
//! | `events_publish_failures_total` | counter | `event_type`, `service` | publish calls that failed (nothing or not everything written) |
//! | `events_consumed_total` | counter | `event_type`, `group`, `outcome` | entries handled: `outcome` is `ok` (acknowledged), `retried` (failed, stays pending), `dead_lettered` (handler failed for good or out of attempts) or `invalid` (undecodable or invalid: dead-lettered at once) |
//! | `events_deduplicated_total` | counter | `event_type`, `group` | entries acknowledged without running their handler: the group handled their `event_id` within the deduplication window (`SubscriberConfig::dedup`) |
//! | `events_handler_duration_seconds` | histogram | `event_type`, `group` | time in the handler (decode and upgrade included) |
//! | `events_end_to_end_latency_seconds` | histogram | `event_type`, `group` | from the stream entry's id (the ms Redis appended it) to the handler's start |
//! | `events_consumer_lag` | gauge | `event_type`, `group` | entries not yet delivered to the group (`XINFO GROUPS` lag; not set while Redis cannot tell) |
//! | `events_pending` | gauge | `event_type`, `group` | entries delivered to the group and not acknowledged |
//! | `events_dead_letters` | gauge | `event_type`, `group` | length of the dead-letter stream `events:dlq:<type>` (shared by the type's groups; each entry names its group) |
//! | `events_groups_recreated_total` | counter | `event_type` | consumer groups recreated after their stream vanished |
//! | `events_trimmed_pending_total` | counter | `event_type` | pending entries whose data was trimmed before being handled |
//! | `events_retention_forced_trim_total` | counter | `event_type`, `group` | entries the publisher's retention trimmed past the hard cap before the group acknowledged them (pending or not delivered yet); each forced trim is also logged as an error and recorded in `events:trimmed:{<stream>}` |
//!
//! The three gauges are polled by each running subscriber every `metrics_interval`
//! (10 s by default: [`SubscriberConfig::metrics_interval`](crate::config::SubscriberConfig::metrics_interval),
//! `EVENT_SUBSCRIBER_METRICS_INTERVAL`).
//!
//! # Tracing and correlation
//!
//! The publisher opens a `publish` span (`event_type`, `event_id`, `correlation_id`) per call,
//! the subscriber a `handle` span per handled entry. While a handler runs, the correlation id
//! of its event is the *current* one ([`current_correlation_id`]): events the handler
//! publishes without a correlation id of their own get it, so a request's events stay tied
//! together across services without passing the id around. The context follows the handler's
//! future, not tasks it spawns (wrap those with [`with_correlation_id`]).

use std::future::Future;

use metrics::SharedString;

tokio::task_local! {
    static CORRELATION_ID: Option<SharedString>;
}

/// The correlation id of the event whose handler is running on this task, if any (and if the
/// event has one). The publisher uses it for events published without one.
pub fn current_correlation_id() -> Option<String> {
    CORRELATION_ID
        .try_with(|id| id.as_ref().map(|id| id.to_string()))
        .ok()
        .flatten()
}

/// Runs `future` with `correlation_id` as the current correlation id, for work a handler
/// hands to another task: `tokio::spawn(with_correlation_id(id, async { ... }))`.
pub async fn with_correlation_id<F: Future>(
    correlation_id: Option<String>,
    future: F,
) -> F::Output {
    CORRELATION_ID
        .scope(correlation_id.map(SharedString::from_owned), future)
        .await
}

/// Labels of one subscription in one group, made once.
#[derive(Debug, Clone)]
pub(crate) struct GroupLabels {
    event_type: SharedString,
    group: SharedString,
}

/// `events_handler_duration_seconds` and `events_end_to_end_latency_seconds` of one
/// subscription, registered once per batch of entries rather than once per entry.
pub(crate) struct HandlingMetrics {
    handler_duration: metrics::Histogram,
    end_to_end: metrics::Histogram,
}

impl HandlingMetrics {
    pub(crate) fn handler_duration(&self, seconds: f64) {
        self.handler_duration.record(seconds);
    }

    /// From the entry id's millisecond timestamp to now.
    pub(crate) fn end_to_end(&self, entry_id: &str) {
        let Some(written_ms) = entry_id
            .split('-')
            .next()
            .and_then(|ms| ms.parse::<u64>().ok())
        else {
            return;
        };
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|now| now.as_secs_f64() * 1000.0)
            .unwrap_or(0.0);
        self.end_to_end
            .record(((now_ms - written_ms as f64) / 1000.0).max(0.0));
    }
}

/// Outcomes of `events_consumed_total`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Consumed {
    Ok,
    Retried,
    DeadLettered,
    Invalid,
}

impl Consumed {
    fn label(self) -> &'static str {
        match self {
            Consumed::Ok => "ok",
            Consumed::Retried => "retried",
            Consumed::DeadLettered => "dead_lettered",
            Consumed::Invalid => "invalid",
        }
    }
}

impl GroupLabels {
    pub(crate) fn new(event_type: &str, group: &str) -> Self {
        Self {
            event_type: SharedString::from(std::sync::Arc::<str>::from(event_type)),
            group: SharedString::from(std::sync::Arc::<str>::from(group)),
        }
    }

    pub(crate) fn consumed(&self, outcome: Consumed) {
        self.consumed_many(outcome, 1);
    }

    /// `count` entries of one batch settled the same way, counted at once.
    pub(crate) fn consumed_many(&self, outcome: Consumed, count: u64) {
        metrics::counter!(
            "events_consumed_total",
            "event_type" => self.event_type.clone(),
            "group" => self.group.clone(),
            "outcome" => outcome.label()
        )
        .increment(count);
    }

    /// An entry acknowledged without running its handler: its `event_id` was handled by the
    /// group already (effectively-once handling).
    pub(crate) fn deduplicated(&self) {
        metrics::counter!(
            "events_deduplicated_total",
            "event_type" => self.event_type.clone(),
            "group" => self.group.clone()
        )
        .increment(1);
    }

    /// The histograms of handled entries, looked up once for a batch of them.
    pub(crate) fn handling_metrics(&self) -> HandlingMetrics {
        HandlingMetrics {
            handler_duration: metrics::histogram!(
                "events_handler_duration_seconds",
                "event_type" => self.event_type.clone(),
                "group" => self.group.clone()
            ),
            end_to_end: metrics::histogram!(
                "events_end_to_end_latency_seconds",
                "event_type" => self.event_type.clone(),
                "group" => self.group.clone()
            ),
        }
    }

    pub(crate) fn group_figures(&self, pending: u64, lag: Option<u64>, dead_letters: u64) {
        let labels = [
            ("event_type", self.event_type.clone()),
            ("group", self.group.clone()),
        ];
        metrics::gauge!("events_pending", &labels).set(pending as f64);
        if let Some(lag) = lag {
            metrics::gauge!("events_consumer_lag", &labels).set(lag as f64);
        }
        metrics::gauge!("events_dead_letters", &labels).set(dead_letters as f64);
    }
}

/// `events_published_total` / `events_publish_failures_total`.
pub(crate) fn published(event_type: SharedString, service: &SharedString, count: u64, ok: bool) {
    let name = if ok {
        "events_published_total"
    } else {
        "events_publish_failures_total"
    };
    metrics::counter!(name, "event_type" => event_type, "service" => service.clone())
        .increment(count);
}

/// Runs a handler's future with its event's correlation id as the current one.
pub(crate) async fn handling<F: Future>(correlation_id: &str, future: F) -> F::Output {
    let id = (!correlation_id.is_empty())
        .then(|| SharedString::from(std::sync::Arc::<str>::from(correlation_id)));
    CORRELATION_ID.scope(id, future).await
}
