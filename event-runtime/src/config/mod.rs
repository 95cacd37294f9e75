//! Settings of the publisher and the subscriber, from environment variables or code.
//!
//! Every setting has one home: a field of [`Config`] (or of its [`PublisherConfig`] and
//! [`SubscriberConfig`] sections), with its variable and its default; code changes the
//! field, `Config::from_env` reads the variable into it. Every setting has a documented
//! default, so `Config::from_env()` works with no variable set (it then talks to
//! `redis://127.0.0.1:6379/0`). Durations are whole milliseconds. The rules a value must
//! follow are checked once, whichever way it was set: by `from_env`, naming the variable, and
//! again when a publisher or subscriber is built from the config, naming the field.
//!
//! The files: `mod.rs` ([`Config`], [`Partitioning`]), `publisher.rs` and `subscriber.rs`
//! (the sections, their defaults and checks), `env.rs` (reading the variables), `url.rs`
//! (Redis URLs and clusters), `tls.rs` (certificates and their files), `error.rs`
//! ([`ConfigError`] and the wording of broken rules).
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `REDIS_URL` | `redis://127.0.0.1:6379/0` | Redis for everything (`redis://`, `rediss://` with the `tls` feature, `redis+unix://`; `user:password@` for ACL users); a comma-separated list of node URLs means a Redis Cluster (see [Redis Cluster](self#redis-cluster)) |
//! | `EVENT_SERVICE_NAME` | the executable's name | `source_service` of published events; default consumer group |
//! | `EVENT_PUBLISHER_REDIS_URL` | `REDIS_URL` | Redis for the publisher only |
//! | `EVENT_PUBLISHER_MAX_BATCH_SIZE` | `100` | events per pipelined round trip in `publish_batch` |
//! | `EVENT_PUBLISHER_PUBLISH_TIMEOUT` | `5000` | ms a publish may take, retries included |
//! | `EVENT_PUBLISHER_MAX_EVENT_SIZE` | `1048576` | largest `event_data` in bytes |
//! | `EVENT_PUBLISHER_STREAM_MAXLEN` | `1000000` | the budget: keep this many entries per stream; `0` = no limit |
//! | `EVENT_PUBLISHER_STREAM_MAX_AGE` | unset | instead keep this many ms of history |
//! | `EVENT_PUBLISHER_STREAM_TRIM` | `acknowledged` | `acknowledged`: trim only entries every consumer group acknowledged, past the budget, in the background ([`Trimming`]); `plain`: trim to the budget on every append (`MAXLEN ~`, `MINID ~`), whatever the groups have read |
//! | `EVENT_PUBLISHER_STREAM_HARD_MAXLEN` | 10 × the budget | past this many entries, trim entries a group has not acknowledged too, and report them lost; `0` = never |
//! | `EVENT_PUBLISHER_STREAM_HARD_MAX_AGE` | 10 × the budget | instead, past this many ms of history |
//! | `EVENT_PUBLISHER_RETENTION_INTERVAL` | `1000` | ms between two trimming passes (`acknowledged` only) |
//! | `EVENT_PUBLISHER_PUBSUB` | `all` | event types also sent to pub/sub: `all`, `none`, or a comma list |
//! | `EVENT_PUBLISHER_DURABLE_REPLICAS` | `0` (off) | after each write, wait until this many replicas have it (`WAIT`); fewer in time is an error |
//! | `EVENT_PUBLISHER_DURABLE_TIMEOUT` | `1000` | ms `WAIT` waits for those replicas; below `EVENT_PUBLISHER_PUBLISH_TIMEOUT` |
//! | `EVENT_PARTITIONS` | unset | event types spread over several streams by a payload field, per-key order kept: `user.created:4:user_id,request.created:8:request_number` (see [Partitions](self#partitions)) |
//! | `EVENT_SUBSCRIBER_REDIS_URL` | `REDIS_URL` | Redis for the subscriber only |
//! | `EVENT_SUBSCRIBER_CONSUMER_GROUP` | `EVENT_SERVICE_NAME` | the consumer group |
//! | `EVENT_SUBSCRIBER_CONSUMER_NAME` | `<service>-<host>-<pid>` | this process's name in the group; must be unique; removed from the group at a graceful shutdown when it holds no entry |
//! | `EVENT_SUBSCRIBER_BATCH_SIZE` | `10` | most entries read per stream and call into free slots (more in a read ahead, up to 512, while handlers keep up) |
//! | `EVENT_SUBSCRIBER_BLOCK_TIME` | `1000` | ms one read waits for new entries |
//! | `EVENT_SUBSCRIBER_MAX_DELIVERIES` | `3` | deliveries (attempts) before an entry is dead-lettered |
//! | `EVENT_SUBSCRIBER_CONCURRENCY` | `16` | handlers running at once |
//! | `EVENT_SUBSCRIBER_STREAM_CONCURRENCY` | unset: no limit | handlers running at once per stream (per partition); `1` keeps each partition's, so each key's, order while partitions run in parallel |
//! | `EVENT_SUBSCRIBER_CLAIM_MIN_IDLE` | `30000` | ms an entry stays unacknowledged before another consumer may take it |
//! | `EVENT_SUBSCRIBER_CLAIM_INTERVAL` | `1000` | ms between two claim passes |
//! | `EVENT_SUBSCRIBER_RETRY_BACKOFF` | `1000` | ms before the first retry; doubles per attempt |
//! | `EVENT_SUBSCRIBER_RETRY_BACKOFF_MAX` | `30000` | longest wait between retries (never above the claim idle time) |
//! | `EVENT_SUBSCRIBER_START` | `backlog` | where a *new* group starts: `backlog` (every entry) or `new` (only entries added later) |
//! | `EVENT_SUBSCRIBER_SHUTDOWN_TIMEOUT` | `30000` | ms graceful shutdown waits for running handlers |
//! | `EVENT_SUBSCRIBER_MAX_EVENT_SIZE` | `1048576` | larger entries are dead-lettered unread |
//! | `EVENT_SUBSCRIBER_METRICS_INTERVAL` | `10000` | ms between two polls of the gauges of lag, pending entries and dead letters ([`observe`](crate::observe)) |
//! | `EVENT_SUBSCRIBER_DEDUP` | `off` | `on`: effectively-once handling, an entry whose `event_id` the group handled within the window is acknowledged without running its handler (README, "Effectively once") |
//! | `EVENT_SUBSCRIBER_DEDUP_WINDOW` | `86400000` (24 h) | ms the group remembers a handled `event_id` |
//! | `EVENT_REGISTRY` | `on` | publishers and subscribers register in the fleet registry in Redis (see the wire format page): `on` or `off` |
//! | `EVENT_REGISTRY_HEARTBEAT` | `10000` | ms between two heartbeats of a registered instance |
//! | `EVENT_REGISTRY_STALE_AFTER` | `3` | missed heartbeats after which an instance is stale |
//! | `EVENT_REGISTRY_FORGET_AFTER` | `60` | missed heartbeats after which an instance is gone from the registry |
//! | `EVENT_REGISTRY_CHECK_FINGERPRINTS` | `warn` | at start, a published version whose fingerprint differs from another live or recent instance's (edited in place): `off`, `warn` or `refuse` |
//! | `EVENT_REGISTRY_CHECK_READERS` | `warn` | at start, a published version that a live consumer group cannot read: `off`, `warn` or `refuse` |
//! | `EVENT_REDIS_TLS_CA_FILE` | unset: the public (webpki) roots | PEM file of the CA(s) that sign the server's certificate; trusted *instead of* the public roots |
//! | `EVENT_REDIS_TLS_CERT_FILE` | unset: no client certificate | PEM certificate chain presented to the server (mutual TLS); needs `EVENT_REDIS_TLS_KEY_FILE` |
//! | `EVENT_REDIS_TLS_KEY_FILE` | unset | PEM private key of that certificate (PKCS#8, PKCS#1 or SEC1) |
//!
//! # Redis Cluster
//!
//! A `REDIS_URL` (or `EVENT_PUBLISHER_REDIS_URL`, `EVENT_SUBSCRIBER_REDIS_URL`) holding two or
//! more URLs separated by commas is a Redis Cluster: the nodes to learn the cluster's layout
//! from (any of them will do; list several in case one is down), e.g.
//! `REDIS_URL=redis://10.0.0.1:6379,redis://10.0.0.2:6379,redis://10.0.0.3:6379`. Every URL
//! uses database 0 (the only one a cluster has) and the same scheme; credentials are taken
//! from the first URL. The runtime then never sends a command that spans two hash slots:
//! see the wire format page for the key names a cluster uses.
//!
//! # Partitions
//!
//! `EVENT_PARTITIONS` spreads the events of a type over `N` streams `events:<type>:p<k>`,
//! chosen by a payload field (`k` = FNV-1a 64 of the field's value, modulo `N`), so that a
//! hot type is not bound to one stream, one Redis thread or one cluster node. Events with the
//! same key land in the same partition in publish order; subscribers read every partition
//! (and the plain `events:<type>` stream, for producers that do not partition), and with
//! `EVENT_SUBSCRIBER_STREAM_CONCURRENCY=1` handle each partition one entry at a time while
//! partitions run in parallel, so every key's events in order. Publishers and subscribers of
//! a type must agree on `N`. In code, insert into [`Config::partitions`].
//!
//! # TLS
//!
//! `rediss://` URLs need the `tls` feature (rustls with the `ring` provider; off by default).
//! Without more settings the server's certificate must chain to a public root, as with managed
//! Redis services. For a private CA, set `EVENT_REDIS_TLS_CA_FILE`; for servers that check
//! client certificates (`tls-auth-clients yes`), also `EVENT_REDIS_TLS_CERT_FILE` and
//! `EVENT_REDIS_TLS_KEY_FILE`. The files are read once, by [`Config::from_env`]: an unreadable
//! file or one without the expected PEM block is a [`ConfigError`] naming the variable. They
//! apply to every `rediss://` URL of the config; setting them while no URL uses `rediss://` is
//! an error too, as it is a sign of a forgotten `s`. An ACL user and password go in the URL as
//! usual: `rediss://app:secret@redis.internal:6380/0`. In code, set [`Config::tls`]:
//!
//! ```no_run
//! # fn main() -> std::io::Result<()> {
//! use event_runtime::config::TlsConfig;
//!
//! let mut config = event_runtime::Config::new("rediss://app:secret@redis.internal:6380/0");
//! config.tls = TlsConfig::new().trust_ca_pem(std::fs::read("/etc/redis/ca.pem")?);
//! # Ok(())
//! # }
//! ```

mod env;
mod error;
mod publisher;
mod redact;
mod registry;
mod subscriber;
#[cfg(test)]
mod tests;
mod tls;
mod url;

use std::collections::BTreeMap;

pub(crate) use error::Broken;
pub use error::ConfigError;
pub use publisher::{Durability, HardCap, PubSubPolicy, PublisherConfig, Retention, Trimming};
pub use redact::redact_url;
pub use registry::{CheckLevel, RegistryConfig};
pub use subscriber::{StartPosition, SubscriberConfig};
pub use tls::{ClientIdentity, TlsConfig};
pub use url::cluster_nodes;

/// Default Redis URL.
pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379/0";
/// Default size limit of `event_data`: 1 MiB.
pub const DEFAULT_MAX_EVENT_SIZE: usize = 1024 * 1024;

/// Everything the runtime can be told. Fields are public: start from
/// [`Config::from_env`] or [`Config::new`] and change what you need.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Config {
    /// Redis for everything unless overridden per side (`REDIS_URL`).
    pub redis_url: String,
    /// The service's name: `source_service` of what it publishes (`EVENT_SERVICE_NAME`).
    pub service_name: String,
    /// Publisher settings.
    pub publisher: PublisherConfig,
    /// Subscriber settings.
    pub subscriber: SubscriberConfig,
    /// The fleet registry: registration, heartbeat, start-up checks (`EVENT_REGISTRY*`).
    pub registry: RegistryConfig,
    /// Certificates for `rediss://` URLs (`EVENT_REDIS_TLS_*`).
    pub tls: TlsConfig,
    /// Event types spread over several streams, by type (`EVENT_PARTITIONS`); see
    /// [Partitions](self#partitions).
    pub partitions: BTreeMap<String, Partitioning>,
}

/// How one event type is spread over streams: `count` partitions, chosen by the payload field
/// `key`. See [Partitions](self#partitions).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Partitioning {
    /// Number of partitions, `events:<type>:p0` to `events:<type>:p<count - 1>`.
    pub count: u16,
    /// The payload (or envelope) field whose value picks the partition.
    pub key: String,
}

impl Partitioning {
    /// Largest number of partitions of one type.
    pub const MAX_COUNT: u16 = 1024;

    /// `count` partitions keyed by the field `key`.
    pub fn new(count: u16, key: impl Into<String>) -> Self {
        Self {
            count,
            key: key.into(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self::new(DEFAULT_REDIS_URL)
    }
}

impl Config {
    /// Defaults everywhere, with this Redis URL.
    pub fn new(redis_url: impl Into<String>) -> Self {
        let service_name = default_service_name();
        Self {
            redis_url: redis_url.into(),
            publisher: PublisherConfig::default(),
            subscriber: SubscriberConfig::with_group(service_name.clone()),
            registry: RegistryConfig::default(),
            service_name,
            tls: TlsConfig::default(),
            partitions: BTreeMap::new(),
        }
    }

    /// Reads the settings from the process environment; see the [module docs](self).
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut failure = None;
        let config = Self::from_lookup(|name| match std::env::var(name) {
            Ok(value) => Some(value),
            Err(std::env::VarError::NotPresent) => None,
            Err(std::env::VarError::NotUnicode(value)) => {
                failure.get_or_insert_with(|| {
                    ConfigError::new(name, &value.to_string_lossy(), "is not valid UTF-8")
                });
                None
            }
        })?;
        match failure {
            Some(error) => Err(error),
            None => Ok(config),
        }
    }

    /// Reads the settings through `lookup` (a variable's value, or `None` when unset). Tests
    /// use a map instead of the process environment.
    pub fn from_lookup(lookup: impl FnMut(&str) -> Option<String>) -> Result<Self, ConfigError> {
        env::read(lookup)
    }

    /// The rules of every setting, as settings made in code must follow them too.
    pub(crate) fn check(&self) -> Result<(), Broken> {
        self.publisher.check()?;
        self.subscriber.check()?;
        self.registry.check()
    }

    /// The Redis URL the publisher uses.
    pub fn publisher_url(&self) -> &str {
        self.publisher
            .redis_url
            .as_deref()
            .unwrap_or(&self.redis_url)
    }

    /// The Redis URL the subscriber uses.
    pub fn subscriber_url(&self) -> &str {
        self.subscriber
            .redis_url
            .as_deref()
            .unwrap_or(&self.redis_url)
    }

    /// How `event_type` is partitioned, if it is.
    pub fn partitioning(&self, event_type: &str) -> Option<&Partitioning> {
        self.partitions.get(event_type)
    }
}

fn default_service_name() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|path| {
            path.file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
        })
        .map(|name| strip_test_hash(&name).to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown-service".to_owned())
}

/// `cargo test` binaries are named `name-0123abcd...`; keep `name`.
fn strip_test_hash(name: &str) -> &str {
    match name.rsplit_once('-') {
        Some((stem, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            stem
        }
        _ => name,
    }
}
