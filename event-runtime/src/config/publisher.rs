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
    /// `EVENT_PUBLISHER_STREAM_MAX_AGE`): under [`Trimming::Acknowledged`], the budget for
    /// entries every consumer group has acknowledged.
    pub retention: Retention,
    /// Whether trimming waits for the consumer groups (`EVENT_PUBLISHER_STREAM_TRIM`).
    pub trimming: Trimming,
    /// Under [`Trimming::Acknowledged`], the size or age past which entries a group has not
    /// acknowledged are trimmed too, and reported as lost (`EVENT_PUBLISHER_STREAM_HARD_MAXLEN`,
    /// `EVENT_PUBLISHER_STREAM_HARD_MAX_AGE`).
    pub hard_cap: HardCap,
    /// Under [`Trimming::Acknowledged`], the time between two trimming passes over the
    /// streams the publisher wrote to (`EVENT_PUBLISHER_RETENTION_INTERVAL`).
    pub retention_interval: Duration,
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
            trimming: Trimming::Acknowledged,
            hard_cap: HardCap::Times(10),
            retention_interval: Duration::from_millis(1000),
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
    pub(crate) const STREAM_MAXLEN: Setting =
        Setting::new("publisher.retention", "EVENT_PUBLISHER_STREAM_MAXLEN");
    pub(crate) const HARD_MAXLEN: Setting =
        Setting::new("publisher.hard_cap", "EVENT_PUBLISHER_STREAM_HARD_MAXLEN");
    pub(crate) const HARD_MAX_AGE: Setting =
        Setting::new("publisher.hard_cap", "EVENT_PUBLISHER_STREAM_HARD_MAX_AGE");
    pub(crate) const RETENTION_INTERVAL: Setting = Setting::new(
        "publisher.retention_interval",
        "EVENT_PUBLISHER_RETENTION_INTERVAL",
    );
    pub(crate) const DURABLE_REPLICAS: Setting = Setting::new(
        "publisher.durable.replicas",
        "EVENT_PUBLISHER_DURABLE_REPLICAS",
    );
    pub(crate) const DURABLE_TIMEOUT: Setting = Setting::new(
        "publisher.durable.timeout",
        "EVENT_PUBLISHER_DURABLE_TIMEOUT",
    );

    /// The rules of the publisher's settings: counts and times of at least 1, a hard cap not
    /// below the budget of its kind, and a durable wait shorter than the publish timeout that
    /// includes it. `Config::from_env` reports a
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
            self.hard_cap_broken(),
            Broken::time(Self::RETENTION_INTERVAL, self.retention_interval),
            durable,
        ])
    }

    /// A hard cap of zero (a factor, or an age), or one below the budget of its kind.
    fn hard_cap_broken(&self) -> Option<Broken> {
        match (self.hard_cap, self.retention) {
            (HardCap::Times(factor), _) => Broken::count(Self::HARD_MAXLEN, factor as usize),
            (HardCap::Limit(Retention::MaxAge(age)), budget) => {
                Broken::time(Self::HARD_MAX_AGE, age).or_else(|| match budget {
                    Retention::MaxAge(kept) if age < kept => Some(Broken::new(
                        Self::HARD_MAX_AGE,
                        age.as_millis().to_string(),
                        Rule::NotBelow(Self::STREAM_MAX_AGE, kept.as_millis().to_string()),
                    )),
                    _ => None,
                })
            }
            (HardCap::Limit(Retention::MaxLen(cap)), Retention::MaxLen(kept)) if cap < kept => {
                Some(Broken::new(
                    Self::HARD_MAXLEN,
                    cap.to_string(),
                    Rule::NotBelow(Self::STREAM_MAXLEN, kept.to_string()),
                ))
            }
            (HardCap::Limit(_), _) => None,
        }
    }

    /// The hard cap as a limit: [`HardCap::Times`] applied to the budget.
    pub fn hard_limit(&self) -> Retention {
        self.hard_cap.limit(self.retention)
    }
}

/// How much history a stream keeps. Under [`Trimming::Plain`] trimming is approximate
/// (`~`): Redis trims whole nodes, which is much cheaper, so a stream may hold a little more
/// than asked. Under [`Trimming::Acknowledged`] it is the budget of acknowledged entries,
/// trimmed exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// Never trim.
    Unbounded,
    /// Keep about this many entries (`XADD ... MAXLEN ~ n`).
    MaxLen(usize),
    /// Keep about this much time (`XADD ... MINID ~ <now - age>`).
    MaxAge(Duration),
}

/// How the publisher trims its streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Trimming {
    /// The default (`EVENT_PUBLISHER_STREAM_TRIM=acknowledged`): an entry is trimmed only
    /// once every consumer group of its stream has acknowledged it, and then only past the
    /// [`Retention`] budget. A background task of the publisher trims each stream it wrote to
    /// at most every `retention_interval` (`XTRIM <stream> MINID <id>`), never on the publish
    /// path. Past the [`HardCap`], entries a group has not acknowledged are trimmed too, and
    /// the loss is reported: the metric `events_retention_forced_trim_total`, an error log,
    /// and a record in `events:trimmed:{<stream>}` that `events stats` shows.
    #[default]
    Acknowledged,
    /// Trim to the budget on every append (`XADD ... MAXLEN ~ n` or `MINID ~ <id>`), whatever
    /// the consumer groups have read (`EVENT_PUBLISHER_STREAM_TRIM=plain`): a group that is
    /// down while more than the budget arrives loses the oldest entries, silently.
    Plain,
}

/// The limit past which [`Trimming::Acknowledged`] trims entries a consumer group has not
/// acknowledged yet (and reports them lost).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HardCap {
    /// This many times the budget (the default is 10): `MaxLen(n)` becomes `MaxLen(10 n)`,
    /// `MaxAge(a)` becomes `MaxAge(10 a)`, and an unbounded budget has no cap.
    Times(u32),
    /// This limit, whatever the budget (`EVENT_PUBLISHER_STREAM_HARD_MAXLEN`,
    /// `EVENT_PUBLISHER_STREAM_HARD_MAX_AGE`); [`Retention::Unbounded`]: never trim what a
    /// group has not acknowledged.
    Limit(Retention),
}

impl HardCap {
    /// The limit this cap sets over the budget `budget`.
    pub fn limit(self, budget: Retention) -> Retention {
        match (self, budget) {
            (HardCap::Limit(limit), _) => limit,
            (HardCap::Times(_), Retention::Unbounded) => Retention::Unbounded,
            (HardCap::Times(factor), Retention::MaxLen(n)) => {
                Retention::MaxLen(n.saturating_mul(factor as usize))
            }
            (HardCap::Times(factor), Retention::MaxAge(age)) => {
                Retention::MaxAge(age.saturating_mul(factor))
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::time::Duration;

    use super::{HardCap, Retention, Trimming};
    use crate::config::{Config, ConfigError};

    fn parse(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    fn error(vars: &[(&str, &str)]) -> String {
        match parse(vars) {
            Ok(config) => panic!("expected an error, got {config:?}"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn trimming_waits_for_the_groups_by_default_with_a_hard_cap_of_ten_budgets() {
        let publisher = parse(&[]).expect("defaults").publisher;
        assert_eq!(publisher.trimming, Trimming::Acknowledged);
        assert_eq!(publisher.hard_cap, HardCap::Times(10));
        assert_eq!(publisher.hard_limit(), Retention::MaxLen(10_000_000));
        assert_eq!(publisher.retention_interval, Duration::from_secs(1));
        let by_age = parse(&[("EVENT_PUBLISHER_STREAM_MAX_AGE", "60000")]).expect("age");
        assert_eq!(
            by_age.publisher.hard_limit(),
            Retention::MaxAge(Duration::from_secs(600))
        );
        let unbounded = parse(&[("EVENT_PUBLISHER_STREAM_MAXLEN", "0")]).expect("unbounded");
        assert_eq!(unbounded.publisher.hard_limit(), Retention::Unbounded);
    }

    #[test]
    fn trimming_settings_are_read() {
        let publisher = parse(&[
            ("EVENT_PUBLISHER_STREAM_TRIM", "plain"),
            ("EVENT_PUBLISHER_STREAM_MAXLEN", "100"),
            ("EVENT_PUBLISHER_STREAM_HARD_MAXLEN", "250"),
            ("EVENT_PUBLISHER_RETENTION_INTERVAL", "200"),
        ])
        .expect("settings")
        .publisher;
        assert_eq!(publisher.trimming, Trimming::Plain);
        assert_eq!(publisher.hard_limit(), Retention::MaxLen(250));
        assert_eq!(publisher.retention_interval, Duration::from_millis(200));
        let by_age = parse(&[("EVENT_PUBLISHER_STREAM_HARD_MAX_AGE", "5000")]).expect("age");
        assert_eq!(
            by_age.publisher.hard_cap,
            HardCap::Limit(Retention::MaxAge(Duration::from_secs(5)))
        );
        let never = parse(&[("EVENT_PUBLISHER_STREAM_HARD_MAXLEN", "0")]).expect("never");
        assert_eq!(never.publisher.hard_limit(), Retention::Unbounded);
    }

    #[test]
    fn broken_trimming_settings_name_their_variable() {
        assert_eq!(
            error(&[("EVENT_PUBLISHER_STREAM_TRIM", "sometimes")]),
            "EVENT_PUBLISHER_STREAM_TRIM=\"sometimes\" is invalid: must be `acknowledged` or `plain`"
        );
        assert_eq!(
            error(&[
                ("EVENT_PUBLISHER_STREAM_MAXLEN", "100"),
                ("EVENT_PUBLISHER_STREAM_HARD_MAXLEN", "99")
            ]),
            "EVENT_PUBLISHER_STREAM_HARD_MAXLEN=\"99\" is invalid: must not be below EVENT_PUBLISHER_STREAM_MAXLEN (100)"
        );
        assert!(
            error(&[
                ("EVENT_PUBLISHER_STREAM_HARD_MAXLEN", "9"),
                ("EVENT_PUBLISHER_STREAM_HARD_MAX_AGE", "9")
            ])
            .contains("not both")
        );
        assert!(
            error(&[("EVENT_PUBLISHER_RETENTION_INTERVAL", "0")]).starts_with(
                "EVENT_PUBLISHER_RETENTION_INTERVAL=\"0\" is invalid: must be at least 1"
            )
        );
        let mut config = Config::default();
        config.publisher.hard_cap = HardCap::Times(0);
        assert_eq!(
            config.publisher.check().map_err(|broken| broken.for_code()),
            Err(
                "publisher.hard_cap must be at least 1 (EVENT_PUBLISHER_STREAM_HARD_MAXLEN)"
                    .to_owned()
            )
        );
    }
}
