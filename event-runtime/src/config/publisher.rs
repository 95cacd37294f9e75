//! The publisher's settings ([`PublisherConfig`]): their defaults, and their checks, made once
//! for settings read from the environment and settings made in code.

use std::collections::BTreeSet;
use std::time::Duration;

use super::DEFAULT_MAX_EVENT_SIZE;
use super::error::{Broken, Rule, Setting};

/// Publisher settings; see the [module docs](super) for the variables.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PublisherConfig {
    /// Overrides [`Config::redis_url`](super::Config::redis_url) for the publisher
    /// (`EVENT_PUBLISHER_REDIS_URL`).
    pub redis_url: Option<String>,
    /// Events per pipelined round trip in `publish_batch` (`EVENT_PUBLISHER_MAX_BATCH_SIZE`).
    pub max_batch_size: usize,
    /// How long one publish (or one batch chunk) may take, retries included
    /// (`EVENT_PUBLISHER_PUBLISH_TIMEOUT`).
    pub publish_timeout: Duration,
    /// Largest `event_data` accepted, in bytes (`EVENT_PUBLISHER_MAX_EVENT_SIZE`).
    pub max_event_size: usize,
    /// How much history each stream keeps (`EVENT_PUBLISHER_STREAM_MAXLEN`,
    /// `EVENT_PUBLISHER_STREAM_MAX_AGE`).
    pub retention: Retention,
    /// Which event types are also published to pub/sub (`EVENT_PUBLISHER_PUBSUB`).
    pub pubsub: PubSubPolicy,
    /// Wait for replicas after each write; `None` (the default) does not wait
    /// (`EVENT_PUBLISHER_DURABLE_REPLICAS`, `EVENT_PUBLISHER_DURABLE_TIMEOUT`).
    pub durable: Option<Durability>,
}

impl Default for PublisherConfig {
    fn default() -> Self {
        Self {
            redis_url: None,
            max_batch_size: 100,
            publish_timeout: Duration::from_millis(5000),
            max_event_size: DEFAULT_MAX_EVENT_SIZE,
            retention: Retention::MaxLen(1_000_000),
            pubsub: PubSubPolicy::All,
            durable: None,
        }
    }
}

impl PublisherConfig {
    pub(crate) const MAX_BATCH_SIZE: Setting =
        Setting::new("publisher.max_batch_size", "EVENT_PUBLISHER_MAX_BATCH_SIZE");
    pub(crate) const PUBLISH_TIMEOUT: Setting = Setting::new(
        "publisher.publish_timeout",
        "EVENT_PUBLISHER_PUBLISH_TIMEOUT",
    );
    pub(crate) const MAX_EVENT_SIZE: Setting =
        Setting::new("publisher.max_event_size", "EVENT_PUBLISHER_MAX_EVENT_SIZE");
    pub(crate) const STREAM_MAX_AGE: Setting =
        Setting::new("publisher.retention", "EVENT_PUBLISHER_STREAM_MAX_AGE");
    pub(crate) const DURABLE_REPLICAS: Setting = Setting::new(
        "publisher.durable.replicas",
        "EVENT_PUBLISHER_DURABLE_REPLICAS",
    );
    pub(crate) const DURABLE_TIMEOUT: Setting = Setting::new(
        "publisher.durable.timeout",
        "EVENT_PUBLISHER_DURABLE_TIMEOUT",
    );

    /// The rules of the publisher's settings: counts and times of at least 1, and a durable
    /// wait shorter than the publish timeout that includes it. `Config::from_env` reports a
    /// broken one by its variable, `Publisher::new` by its field.
    pub(crate) fn check(&self) -> Result<(), Broken> {
        let max_age = match self.retention {
            Retention::MaxAge(age) => Broken::time(Self::STREAM_MAX_AGE, age),
            Retention::Unbounded | Retention::MaxLen(_) => None,
        };
        let durable = self.durable.and_then(|durable| {
            Broken::count(Self::DURABLE_REPLICAS, durable.replicas as usize)
                .or_else(|| Broken::time(Self::DURABLE_TIMEOUT, durable.timeout))
                .or_else(|| {
                    (durable.timeout >= self.publish_timeout).then(|| {
                        Broken::new(
                            Self::DURABLE_TIMEOUT,
                            durable.timeout.as_millis().to_string(),
                            Rule::Below(Self::PUBLISH_TIMEOUT, self.publish_timeout),
                        )
                    })
                })
        });
        Broken::first([
            Broken::count(Self::MAX_BATCH_SIZE, self.max_batch_size),
            Broken::time(Self::PUBLISH_TIMEOUT, self.publish_timeout),
            Broken::count(Self::MAX_EVENT_SIZE, self.max_event_size),
            max_age,
            durable,
        ])
    }
}

/// How much history a stream keeps. Trimming is approximate (`~`): Redis trims whole
/// nodes, which is much cheaper, so a stream may hold a little more than asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// Never trim.
    Unbounded,
    /// Keep about this many entries (`XADD ... MAXLEN ~ n`).
    MaxLen(usize),
    /// Keep about this much time (`XADD ... MINID ~ <now - age>`).
    MaxAge(Duration),
}

/// Which event types the publisher also sends to pub/sub (`events.<type>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PubSubPolicy {
    /// Every type.
    All,
    /// None: streams only.
    None,
    /// Only these types.
    Only(BTreeSet<String>),
}

impl PubSubPolicy {
    /// Whether events of `event_type` go to pub/sub too.
    pub fn enabled_for(&self, event_type: &str) -> bool {
        match self {
            PubSubPolicy::All => true,
            PubSubPolicy::None => false,
            PubSubPolicy::Only(types) => types.contains(event_type),
        }
    }
}

/// Publishing waits for replicas: after each write, `WAIT <replicas> <timeout>` on the same
/// connection. Fewer replicas acknowledging in time is an error of kind
/// [`NotReplicated`](crate::ErrorKind::NotReplicated); the event was written to the master.
///
/// Redis replicates asynchronously: without it, a write the master acknowledged and died
/// before sending is lost when its replica takes over. `WAIT` holds the connection while it
/// waits, so other publishes sharing it wait too (for milliseconds while replicas keep up).
/// The in-memory broker has no replicas and ignores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Durability {
    /// Replicas that must have the write (`EVENT_PUBLISHER_DURABLE_REPLICAS`).
    pub replicas: u32,
    /// How long to wait for them (`EVENT_PUBLISHER_DURABLE_TIMEOUT`).
    pub timeout: Duration,
}

impl Durability {
    /// Wait for `replicas` replicas, at most `timeout`.
    pub fn new(replicas: u32, timeout: Duration) -> Self {
        Self { replicas, timeout }
    }
}
