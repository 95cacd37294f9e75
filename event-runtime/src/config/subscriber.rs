//! The subscriber's settings ([`SubscriberConfig`]): the one home of each of them (a field,
//! its variable, its default), and their checks, made once for settings read from the
//! environment and settings made in code. `Subscriber::builder` takes them as they are.

use std::time::Duration;

use super::DEFAULT_MAX_EVENT_SIZE;
use super::error::{Broken, Rule, Setting};

/// Subscriber settings; see the [module docs](super) for the variables. Change them in code
/// on a [`Config`](super::Config) before building a subscriber from it:
///
/// ```
/// use std::time::Duration;
///
/// let mut config = event_runtime::Config::default();
/// config.subscriber.consumer_group = "welcome-mails".to_owned();
/// config.subscriber.max_deliveries = 5;
/// config.subscriber.retry_backoff = Duration::from_millis(200);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SubscriberConfig {
    /// Overrides [`Config::redis_url`](super::Config::redis_url) for the subscriber
    /// (`EVENT_SUBSCRIBER_REDIS_URL`).
    pub redis_url: Option<String>,
    /// The consumer group (`EVENT_SUBSCRIBER_CONSUMER_GROUP`; the service's name by default).
    pub consumer_group: String,
    /// This consumer's name, unique within the group; `None` picks `<service>-<host>-<pid>`
    /// (`EVENT_SUBSCRIBER_CONSUMER_NAME`).
    pub consumer_name: Option<String>,
    /// Most entries read per stream and call into free handler slots
    /// (`EVENT_SUBSCRIBER_BATCH_SIZE`). While the handlers keep up, and with neither
    /// `stream_concurrency` nor a limit set, reads grow past it (up to 512 per stream) and
    /// their entries wait for the read's slots (a read ahead).
    pub batch_size: usize,
    /// How long one read waits for new entries (`EVENT_SUBSCRIBER_BLOCK_TIME`).
    pub block_time: Duration,
    /// Deliveries (attempts) of an entry before it is dead-lettered
    /// (`EVENT_SUBSCRIBER_MAX_DELIVERIES`).
    pub max_deliveries: u32,
    /// Handlers running at once (`EVENT_SUBSCRIBER_CONCURRENCY`). The subscriber reads no
    /// more entries than it has free slots, but for a read ahead while the handlers keep up
    /// (see `batch_size`): reads shrink back to free slots once a read's entries take more
    /// than about 20 ms to settle.
    pub concurrency: usize,
    /// Handlers running at once per stream (each partition of a partitioned type is a
    /// stream); `None` (the default) limits only the total
    /// (`EVENT_SUBSCRIBER_STREAM_CONCURRENCY`). A failed entry waiting for its retry counts
    /// as running, so with `Some(1)` a stream's entries are handled one after the other, in
    /// stream order, also across failures (until one is dead-lettered), while up to
    /// `concurrency` streams run in parallel: with partitions by key, every key's events are
    /// handled in publish order.
    pub stream_concurrency: Option<usize>,
    /// How long an entry stays unacknowledged before another consumer may claim it
    /// (`EVENT_SUBSCRIBER_CLAIM_MIN_IDLE`). Handlers that run longer are kept claimed by
    /// this consumer while they run (touched at half of it). A subscriber claims other
    /// consumers' entries only once Redis has answered it for half of it, after its start
    /// and after any failed read or claim: an outage stops the owners' touches too, so idle
    /// times measured across it do not show that an owner is gone.
    pub claim_min_idle: Duration,
    /// Time between two claim passes (`EVENT_SUBSCRIBER_CLAIM_INTERVAL`).
    pub claim_interval: Duration,
    /// Wait before the first retry of a failed entry; doubles with each attempt
    /// (`EVENT_SUBSCRIBER_RETRY_BACKOFF`).
    pub retry_backoff: Duration,
    /// Longest wait between two attempts, capped by `claim_min_idle`
    /// (`EVENT_SUBSCRIBER_RETRY_BACKOFF_MAX`).
    pub retry_backoff_max: Duration,
    /// Where a group that does not exist yet starts (`EVENT_SUBSCRIBER_START`).
    pub start_position: StartPosition,
    /// How long graceful shutdown waits for running handlers
    /// (`EVENT_SUBSCRIBER_SHUTDOWN_TIMEOUT`).
    pub shutdown_timeout: Duration,
    /// Entries with larger `event_data` are dead-lettered without being decoded
    /// (`EVENT_SUBSCRIBER_MAX_EVENT_SIZE`).
    pub max_event_size: usize,
    /// How often a running subscriber polls its groups' lag, pending count and dead-letter
    /// stream length for the gauges of [`observe`](crate::observe)
    /// (`EVENT_SUBSCRIBER_METRICS_INTERVAL`).
    pub metrics_interval: Duration,
    /// Effectively-once handling: skip an entry whose `event_id` this group handled within
    /// `dedup_window` (`EVENT_SUBSCRIBER_DEDUP`, `on` or `off`; off by default). See the
    /// README, "Effectively once", for what it promises and what it cannot.
    pub dedup: bool,
    /// How long the group remembers a handled `event_id` (`EVENT_SUBSCRIBER_DEDUP_WINDOW`,
    /// milliseconds; 24 hours by default).
    pub dedup_window: Duration,
}

/// Where a consumer group that does not exist yet starts reading. An existing group always
/// continues where it stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartPosition {
    /// Every entry still in the stream (`XGROUP CREATE ... 0`).
    Backlog,
    /// Only entries added after the group was created (`XGROUP CREATE ... $`).
    NewOnly,
}

/// The most handlers that may run at once: tokio's semaphore holds at most `usize::MAX >> 3`
/// permits, and shutdown takes all of them in one call, which counts in `u32`.
const MOST_CONCURRENCY: usize = if (u32::MAX as usize) < usize::MAX >> 3 {
    u32::MAX as usize
} else {
    usize::MAX >> 3
};

impl SubscriberConfig {
    pub(crate) const CONSUMER_GROUP: Setting = Setting::new(
        "subscriber.consumer_group",
        "EVENT_SUBSCRIBER_CONSUMER_GROUP",
    );
    pub(crate) const CONSUMER_NAME: Setting =
        Setting::new("subscriber.consumer_name", "EVENT_SUBSCRIBER_CONSUMER_NAME");
    pub(crate) const BATCH_SIZE: Setting =
        Setting::new("subscriber.batch_size", "EVENT_SUBSCRIBER_BATCH_SIZE");
    pub(crate) const BLOCK_TIME: Setting =
        Setting::new("subscriber.block_time", "EVENT_SUBSCRIBER_BLOCK_TIME");
    pub(crate) const MAX_DELIVERIES: Setting = Setting::new(
        "subscriber.max_deliveries",
        "EVENT_SUBSCRIBER_MAX_DELIVERIES",
    );
    pub(crate) const CONCURRENCY: Setting =
        Setting::new("subscriber.concurrency", "EVENT_SUBSCRIBER_CONCURRENCY");
    pub(crate) const STREAM_CONCURRENCY: Setting = Setting::new(
        "subscriber.stream_concurrency",
        "EVENT_SUBSCRIBER_STREAM_CONCURRENCY",
    );
    pub(crate) const CLAIM_MIN_IDLE: Setting = Setting::new(
        "subscriber.claim_min_idle",
        "EVENT_SUBSCRIBER_CLAIM_MIN_IDLE",
    );
    pub(crate) const CLAIM_INTERVAL: Setting = Setting::new(
        "subscriber.claim_interval",
        "EVENT_SUBSCRIBER_CLAIM_INTERVAL",
    );
    pub(crate) const RETRY_BACKOFF: Setting =
        Setting::new("subscriber.retry_backoff", "EVENT_SUBSCRIBER_RETRY_BACKOFF");
    pub(crate) const RETRY_BACKOFF_MAX: Setting = Setting::new(
        "subscriber.retry_backoff_max",
        "EVENT_SUBSCRIBER_RETRY_BACKOFF_MAX",
    );
    pub(crate) const SHUTDOWN_TIMEOUT: Setting = Setting::new(
        "subscriber.shutdown_timeout",
        "EVENT_SUBSCRIBER_SHUTDOWN_TIMEOUT",
    );
    pub(crate) const MAX_EVENT_SIZE: Setting = Setting::new(
        "subscriber.max_event_size",
        "EVENT_SUBSCRIBER_MAX_EVENT_SIZE",
    );
    pub(crate) const METRICS_INTERVAL: Setting = Setting::new(
        "subscriber.metrics_interval",
        "EVENT_SUBSCRIBER_METRICS_INTERVAL",
    );
    pub(crate) const DEDUP_WINDOW: Setting =
        Setting::new("subscriber.dedup_window", "EVENT_SUBSCRIBER_DEDUP_WINDOW");

    pub(super) fn with_group(consumer_group: String) -> Self {
        Self {
            redis_url: None,
            consumer_group,
            consumer_name: None,
            batch_size: 10,
            block_time: Duration::from_millis(1000),
            max_deliveries: 3,
            concurrency: 16,
            stream_concurrency: None,
            claim_min_idle: Duration::from_millis(30_000),
            claim_interval: Duration::from_millis(1000),
            retry_backoff: Duration::from_millis(1000),
            retry_backoff_max: Duration::from_millis(30_000),
            start_position: StartPosition::Backlog,
            shutdown_timeout: Duration::from_millis(30_000),
            max_event_size: DEFAULT_MAX_EVENT_SIZE,
            metrics_interval: Duration::from_millis(10_000),
            dedup: false,
            dedup_window: Duration::from_secs(24 * 60 * 60),
        }
    }

    /// The wait before attempt `deliveries + 1` of an entry delivered `deliveries` times:
    /// `retry_backoff * 2^(deliveries - 1)`, at most `retry_backoff_max` and `claim_min_idle`.
    pub fn retry_delay(&self, deliveries: u32) -> Duration {
        let exponent = deliveries.saturating_sub(1).min(20);
        let delay = self.retry_backoff.saturating_mul(1u32 << exponent);
        delay.min(self.retry_backoff_max).min(self.claim_min_idle)
    }

    /// The rules of the subscriber's settings: names without spaces, counts and times of at
    /// least 1, a concurrency the runtime can hold. `Config::from_env` reports a broken one
    /// by its variable, `SubscriberBuilder::build` by its field.
    pub(crate) fn check(&self) -> Result<(), Broken> {
        let too_large = (self.concurrency > MOST_CONCURRENCY).then(|| {
            Broken::new(
                Self::CONCURRENCY,
                self.concurrency.to_string(),
                Rule::TooLarge,
            )
        });
        Broken::first([
            Broken::name(Self::CONSUMER_GROUP, &self.consumer_group),
            self.consumer_name
                .as_deref()
                .and_then(|name| Broken::name(Self::CONSUMER_NAME, name)),
            Broken::count(Self::BATCH_SIZE, self.batch_size),
            Broken::time(Self::BLOCK_TIME, self.block_time),
            Broken::count(Self::MAX_DELIVERIES, self.max_deliveries as usize),
            Broken::count(Self::CONCURRENCY, self.concurrency),
            too_large,
            self.stream_concurrency
                .and_then(|limit| Broken::count(Self::STREAM_CONCURRENCY, limit)),
            Broken::time(Self::CLAIM_MIN_IDLE, self.claim_min_idle),
            Broken::time(Self::CLAIM_INTERVAL, self.claim_interval),
            Broken::time(Self::RETRY_BACKOFF, self.retry_backoff),
            Broken::time(Self::RETRY_BACKOFF_MAX, self.retry_backoff_max),
            Broken::time(Self::SHUTDOWN_TIMEOUT, self.shutdown_timeout),
            Broken::count(Self::MAX_EVENT_SIZE, self.max_event_size),
            Broken::time(Self::METRICS_INTERVAL, self.metrics_interval),
            Broken::time(Self::DEDUP_WINDOW, self.dedup_window),
        ])
    }
}
