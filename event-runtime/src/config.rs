//! Settings of the publisher and the subscriber, from environment variables or code.
//!
//! Every setting has a documented default, so `Config::from_env()` works with no variable
//! set (it then talks to `redis://127.0.0.1:6379/0`). Durations are whole milliseconds.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `REDIS_URL` | `redis://127.0.0.1:6379/0` | Redis for everything (`redis://`, `rediss://` with the `tls` feature, `redis+unix://`; `user:password@` for ACL users); a comma-separated list of node URLs means a Redis Cluster (see [Redis Cluster](self#redis-cluster)) |
//! | `EVENT_SERVICE_NAME` | the executable's name | `source_service` of published events; default consumer group |
//! | `EVENT_PUBLISHER_REDIS_URL` | `REDIS_URL` | Redis for the publisher only |
//! | `EVENT_PUBLISHER_MAX_BATCH_SIZE` | `100` | events per pipelined round trip in `publish_batch` |
//! | `EVENT_PUBLISHER_PUBLISH_TIMEOUT` | `5000` | ms a publish may take, retries included |
//! | `EVENT_PUBLISHER_MAX_EVENT_SIZE` | `1048576` | largest `event_data` in bytes |
//! | `EVENT_PUBLISHER_STREAM_MAXLEN` | `1000000` | keep about this many entries per stream (`MAXLEN ~`); `0` = no limit |
//! | `EVENT_PUBLISHER_STREAM_MAX_AGE` | unset | instead keep about this many ms of history (`MINID ~`) |
//! | `EVENT_PUBLISHER_PUBSUB` | `all` | event types also sent to pub/sub: `all`, `none`, or a comma list |
//! | `EVENT_PUBLISHER_DURABLE_REPLICAS` | `0` (off) | after each write, wait until this many replicas have it (`WAIT`); fewer in time is an error |
//! | `EVENT_PUBLISHER_DURABLE_TIMEOUT` | `1000` | ms `WAIT` waits for those replicas; below `EVENT_PUBLISHER_PUBLISH_TIMEOUT` |
//! | `EVENT_PARTITIONS` | unset | event types spread over several streams by a payload field, per-key order kept: `user.created:4:user_id,request.created:8:request_number` (see [Partitions](self#partitions)) |
//! | `EVENT_SUBSCRIBER_REDIS_URL` | `REDIS_URL` | Redis for the subscriber only |
//! | `EVENT_SUBSCRIBER_CONSUMER_GROUP` | `EVENT_SERVICE_NAME` | the consumer group |
//! | `EVENT_SUBSCRIBER_CONSUMER_NAME` | `<host>-<pid>-<random>` | this process's name in the group; must be unique |
//! | `EVENT_SUBSCRIBER_BATCH_SIZE` | `10` | most entries read per stream and call |
//! | `EVENT_SUBSCRIBER_BLOCK_TIME` | `1000` | ms one read waits for new entries |
//! | `EVENT_SUBSCRIBER_MAX_RETRIES` | `3` | deliveries (attempts) before an entry is dead-lettered |
//! | `EVENT_SUBSCRIBER_CONCURRENCY` | `16` | handlers running at once |
//! | `EVENT_SUBSCRIBER_STREAM_CONCURRENCY` | unset: no limit | handlers running at once per stream (per partition); `1` keeps each partition's, so each key's, order while partitions run in parallel |
//! | `EVENT_SUBSCRIBER_CLAIM_MIN_IDLE` | `30000` | ms an entry stays unacknowledged before another consumer may take it |
//! | `EVENT_SUBSCRIBER_CLAIM_INTERVAL` | `1000` | ms between two claim passes |
//! | `EVENT_SUBSCRIBER_RETRY_BACKOFF` | `1000` | ms before the first retry; doubles per attempt |
//! | `EVENT_SUBSCRIBER_RETRY_BACKOFF_MAX` | `30000` | longest wait between retries (never above the claim idle time) |
//! | `EVENT_SUBSCRIBER_START` | `backlog` | where a *new* group starts: `backlog` (every entry) or `new` (only entries added later) |
//! | `EVENT_SUBSCRIBER_SHUTDOWN_TIMEOUT` | `30000` | ms graceful shutdown waits for running handlers |
//! | `EVENT_SUBSCRIBER_MAX_EVENT_SIZE` | `1048576` | larger entries are dead-lettered unread |
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

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

/// Default Redis URL.
pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379/0";
/// Default size limit of `event_data`: 1 MiB.
pub const DEFAULT_MAX_EVENT_SIZE: usize = 1024 * 1024;

/// A malformed setting: names the variable, the value (passwords hidden) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}={value:?} is invalid: {message}")]
pub struct ConfigError {
    variable: String,
    value: String,
    message: String,
}

impl ConfigError {
    fn new(variable: &str, value: &str, message: impl Into<String>) -> Self {
        let value = if variable.ends_with("REDIS_URL") {
            redact_url(value)
        } else {
            value.to_owned()
        };
        Self {
            variable: variable.to_owned(),
            value,
            message: message.into(),
        }
    }

    /// The environment variable (or setting) at fault.
    pub fn variable(&self) -> &str {
        &self.variable
    }

    /// The value found, with any password replaced by `***`.
    pub fn value(&self) -> &str {
        &self.value
    }
}

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

/// Certificates for `rediss://` connections (feature `tls`); see [TLS](self#tls).
///
/// Empty by default: the server's certificate must then chain to a public (webpki) root.
/// `Debug` shows sizes only, never the private key.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsConfig {
    /// PEM certificates of the CAs trusted to sign the server's certificate, *instead of* the
    /// public roots (`EVENT_REDIS_TLS_CA_FILE`).
    pub ca_pem: Option<Vec<u8>>,
    /// A client certificate and its key, for servers that require one (mutual TLS).
    pub client_identity: Option<ClientIdentity>,
}

/// A client certificate and its private key, both PEM (`EVENT_REDIS_TLS_CERT_FILE`,
/// `EVENT_REDIS_TLS_KEY_FILE`).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientIdentity {
    /// The certificate chain, leaf first.
    pub certificate_chain_pem: Vec<u8>,
    /// The private key: PKCS#8, PKCS#1 or SEC1.
    pub private_key_pem: Vec<u8>,
}

impl TlsConfig {
    /// No private CA, no client certificate.
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts the CA certificates in `pem` (instead of the public roots).
    #[must_use]
    pub fn trust_ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_pem = Some(pem.into());
        self
    }

    /// Presents this certificate chain and key to the server (mutual TLS).
    #[must_use]
    pub fn client_identity_pem(
        mut self,
        certificate_chain: impl Into<Vec<u8>>,
        private_key: impl Into<Vec<u8>>,
    ) -> Self {
        self.client_identity = Some(ClientIdentity {
            certificate_chain_pem: certificate_chain.into(),
            private_key_pem: private_key.into(),
        });
        self
    }

    /// Whether nothing is set (public roots, no client certificate).
    pub fn is_empty(&self) -> bool {
        self.ca_pem.is_none() && self.client_identity.is_none()
    }
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfig")
            .field(
                "ca_pem",
                &self.ca_pem.as_ref().map(|pem| PemSize(pem.len())),
            )
            .field("client_identity", &self.client_identity)
            .finish()
    }
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientIdentity")
            .field(
                "certificate_chain_pem",
                &PemSize(self.certificate_chain_pem.len()),
            )
            .field("private_key_pem", &format_args!("<hidden>"))
            .finish()
    }
}

/// Shows PEM data as its size.
struct PemSize(usize);

impl fmt::Debug for PemSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes of PEM>", self.0)
    }
}

/// Publisher settings; see the [module docs](self) for the variables.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PublisherConfig {
    /// Overrides [`Config::redis_url`] for the publisher.
    pub redis_url: Option<String>,
    /// Events per pipelined round trip in `publish_batch`.
    pub max_batch_size: usize,
    /// How long one publish (or one batch chunk) may take, retries included.
    pub publish_timeout: Duration,
    /// Largest `event_data` accepted, in bytes.
    pub max_event_size: usize,
    /// How much history each stream keeps.
    pub retention: Retention,
    /// Which event types are also published to pub/sub.
    pub pubsub: PubSubPolicy,
    /// Wait for replicas after each write; `None` (the default) does not wait.
    pub durable: Option<Durability>,
}

/// Subscriber settings; see the [module docs](self) for the variables.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SubscriberConfig {
    /// Overrides [`Config::redis_url`] for the subscriber.
    pub redis_url: Option<String>,
    /// The consumer group.
    pub consumer_group: String,
    /// This consumer's name; `None` picks a unique one per process.
    pub consumer_name: Option<String>,
    /// Most entries read per stream and call.
    pub batch_size: usize,
    /// How long one read waits for new entries.
    pub block_time: Duration,
    /// Deliveries (attempts) of an entry before it is dead-lettered.
    pub max_retries: u32,
    /// Handlers running at once.
    pub concurrency: usize,
    /// Handlers running at once per stream (each partition of a partitioned type is a
    /// stream); `None` (the default) limits only the total. A failed entry waiting for its
    /// retry counts as running, so with `Some(1)` a stream's entries are handled one after
    /// the other, in stream order, also across failures (until one is dead-lettered).
    pub stream_concurrency: Option<usize>,
    /// How long an entry stays unacknowledged before another consumer may claim it. Handlers
    /// that run longer are kept claimed by this consumer while they run.
    pub claim_min_idle: Duration,
    /// Time between two claim passes.
    pub claim_interval: Duration,
    /// Wait before the first retry of a failed entry; doubles with each attempt.
    pub retry_backoff: Duration,
    /// Longest wait between two attempts (capped by `claim_min_idle`).
    pub retry_backoff_max: Duration,
    /// Where a group that does not exist yet starts.
    pub start_position: StartPosition,
    /// How long graceful shutdown waits for running handlers.
    pub shutdown_timeout: Duration,
    /// Entries with larger `event_data` are dead-lettered without being decoded.
    pub max_event_size: usize,
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

/// Where a consumer group that does not exist yet starts reading. An existing group always
/// continues where it stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartPosition {
    /// Every entry still in the stream (`XGROUP CREATE ... 0`).
    Backlog,
    /// Only entries added after the group was created (`XGROUP CREATE ... $`).
    NewOnly,
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

impl SubscriberConfig {
    fn with_group(consumer_group: String) -> Self {
        Self {
            redis_url: None,
            consumer_group,
            consumer_name: None,
            batch_size: 10,
            block_time: Duration::from_millis(1000),
            max_retries: 3,
            concurrency: 16,
            stream_concurrency: None,
            claim_min_idle: Duration::from_millis(30_000),
            claim_interval: Duration::from_millis(1000),
            retry_backoff: Duration::from_millis(1000),
            retry_backoff_max: Duration::from_millis(30_000),
            start_position: StartPosition::Backlog,
            shutdown_timeout: Duration::from_millis(30_000),
            max_event_size: DEFAULT_MAX_EVENT_SIZE,
        }
    }

    /// The wait before attempt `deliveries + 1` of an entry delivered `deliveries` times:
    /// `retry_backoff * 2^(deliveries - 1)`, at most `retry_backoff_max` and `claim_min_idle`.
    pub fn retry_delay(&self, deliveries: u32) -> Duration {
        let exponent = deliveries.saturating_sub(1).min(20);
        let delay = self.retry_backoff.saturating_mul(1u32 << exponent);
        delay.min(self.retry_backoff_max).min(self.claim_min_idle)
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
    pub fn from_lookup(
        mut lookup: impl FnMut(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut read =
            |name: &str| lookup(name).map(|value| (name.to_owned(), value.trim().to_owned()));

        let redis_url = match read("REDIS_URL") {
            Some((name, value)) => check_urls(&name, value)?,
            None => DEFAULT_REDIS_URL.to_owned(),
        };
        let mut config = Config::new(redis_url);
        if let Some((_, value)) = read("EVENT_SERVICE_NAME").filter(|(_, value)| !value.is_empty())
        {
            config.service_name = value.clone();
            config.subscriber.consumer_group = value;
        }

        let publisher = &mut config.publisher;
        if let Some((name, value)) = read("EVENT_PUBLISHER_REDIS_URL") {
            publisher.redis_url = Some(check_urls(&name, value)?);
        }
        if let Some(entry) = read("EVENT_PUBLISHER_MAX_BATCH_SIZE") {
            publisher.max_batch_size = positive(&entry)?;
        }
        if let Some(entry) = read("EVENT_PUBLISHER_PUBLISH_TIMEOUT") {
            publisher.publish_timeout = millis(&entry)?;
        }
        if let Some(entry) = read("EVENT_PUBLISHER_MAX_EVENT_SIZE") {
            publisher.max_event_size = positive(&entry)?;
        }
        let max_len = read("EVENT_PUBLISHER_STREAM_MAXLEN");
        let max_age = read("EVENT_PUBLISHER_STREAM_MAX_AGE");
        publisher.retention = match (max_len, max_age) {
            (Some((name, value)), Some(_)) => {
                return Err(ConfigError::new(
                    &name,
                    &value,
                    "set either EVENT_PUBLISHER_STREAM_MAXLEN or EVENT_PUBLISHER_STREAM_MAX_AGE, not both",
                ));
            }
            (Some(entry), None) => match number(&entry)? {
                0 => Retention::Unbounded,
                n => Retention::MaxLen(n),
            },
            (None, Some(entry)) => Retention::MaxAge(millis(&entry)?),
            (None, None) => publisher.retention,
        };
        if let Some((name, value)) = read("EVENT_PUBLISHER_PUBSUB") {
            publisher.pubsub = pubsub_policy(&name, &value)?;
        }
        publisher.durable = durability(&mut read, publisher.publish_timeout)?;
        if let Some((name, value)) = read("EVENT_PARTITIONS") {
            config.partitions = partitions(&name, &value)?;
        }

        let subscriber = &mut config.subscriber;
        if let Some((name, value)) = read("EVENT_SUBSCRIBER_REDIS_URL") {
            subscriber.redis_url = Some(check_urls(&name, value)?);
        }
        if let Some((name, value)) = read("EVENT_SUBSCRIBER_CONSUMER_GROUP") {
            subscriber.consumer_group = non_empty_name(&name, value)?;
        }
        if let Some((name, value)) = read("EVENT_SUBSCRIBER_CONSUMER_NAME") {
            subscriber.consumer_name = Some(non_empty_name(&name, value)?);
        }
        if let Some(entry) = read("EVENT_SUBSCRIBER_BATCH_SIZE") {
            subscriber.batch_size = positive(&entry)?;
        }
        if let Some(entry) = read("EVENT_SUBSCRIBER_BLOCK_TIME") {
            subscriber.block_time = millis(&entry)?;
        }
        if let Some(entry) = read("EVENT_SUBSCRIBER_MAX_RETRIES") {
            subscriber.max_retries = u32::try_from(positive(&entry)?)
                .map_err(|_| ConfigError::new(&entry.0, &entry.1, "is too large"))?;
        }
        if let Some(entry) = read("EVENT_SUBSCRIBER_CONCURRENCY") {
            subscriber.concurrency = positive(&entry)?;
        }
        if let Some(entry) = read("EVENT_SUBSCRIBER_STREAM_CONCURRENCY") {
            subscriber.stream_concurrency = Some(positive(&entry)?);
        }
        if let Some(entry) = read("EVENT_SUBSCRIBER_CLAIM_MIN_IDLE") {
            subscriber.claim_min_idle = millis(&entry)?;
        }
        if let Some(entry) = read("EVENT_SUBSCRIBER_CLAIM_INTERVAL") {
            subscriber.claim_interval = millis(&entry)?;
        }
        if let Some(entry) = read("EVENT_SUBSCRIBER_RETRY_BACKOFF") {
            subscriber.retry_backoff = millis(&entry)?;
        }
        if let Some(entry) = read("EVENT_SUBSCRIBER_RETRY_BACKOFF_MAX") {
            subscriber.retry_backoff_max = millis(&entry)?;
        }
        if let Some((name, value)) = read("EVENT_SUBSCRIBER_START") {
            subscriber.start_position = match value.to_ascii_lowercase().as_str() {
                "backlog" | "0" | "earliest" => StartPosition::Backlog,
                "new" | "$" | "latest" => StartPosition::NewOnly,
                _ => {
                    return Err(ConfigError::new(
                        &name,
                        &value,
                        "expected `backlog` or `new`",
                    ));
                }
            };
        }
        if let Some(entry) = read("EVENT_SUBSCRIBER_SHUTDOWN_TIMEOUT") {
            subscriber.shutdown_timeout = millis(&entry)?;
        }
        if let Some(entry) = read("EVENT_SUBSCRIBER_MAX_EVENT_SIZE") {
            subscriber.max_event_size = positive(&entry)?;
        }
        config.tls = tls_settings(&mut read, &config)?;
        Ok(config)
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

/// The node URLs of a Redis Cluster setting (two or more comma-separated URLs); `None` for a
/// single server's URL.
pub fn cluster_nodes(url: &str) -> Option<Vec<&str>> {
    let nodes: Vec<&str> = url
        .split(',')
        .map(str::trim)
        .filter(|node| !node.is_empty())
        .collect();
    (nodes.len() > 1).then_some(nodes)
}

fn number((name, value): &(String, String)) -> Result<usize, ConfigError> {
    value
        .parse::<usize>()
        .map_err(|_| ConfigError::new(name, value, "expected a whole number"))
}

fn positive(entry: &(String, String)) -> Result<usize, ConfigError> {
    match number(entry)? {
        0 => Err(ConfigError::new(&entry.0, &entry.1, "must be at least 1")),
        n => Ok(n),
    }
}

fn millis(entry: &(String, String)) -> Result<Duration, ConfigError> {
    let (name, value) = entry;
    let digits = value.strip_suffix("ms").unwrap_or(value);
    match digits.parse::<u64>() {
        Ok(0) => Err(ConfigError::new(
            name,
            value,
            "must be at least 1 millisecond",
        )),
        Ok(ms) => Ok(Duration::from_millis(ms)),
        Err(_) => Err(ConfigError::new(
            name,
            value,
            "expected whole milliseconds, e.g. `5000`",
        )),
    }
}

fn non_empty_name(name: &str, value: String) -> Result<String, ConfigError> {
    if value.is_empty() || value.chars().any(char::is_whitespace) {
        return Err(ConfigError::new(
            name,
            &value,
            "must be non-empty and without spaces",
        ));
    }
    Ok(value)
}

fn pubsub_policy(name: &str, value: &str) -> Result<PubSubPolicy, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "all" | "true" | "1" => return Ok(PubSubPolicy::All),
        "none" | "false" | "0" | "" => return Ok(PubSubPolicy::None),
        _ => {}
    }
    let mut types = BTreeSet::new();
    for event_type in value.split(',').map(str::trim) {
        let valid = event_type.split_once('.').is_some_and(|(domain, action)| {
            let part = |s: &str| {
                !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            };
            part(domain) && part(action)
        });
        if !valid {
            return Err(ConfigError::new(
                name,
                value,
                format!(
                    "`{event_type}` is not an event type; expected `all`, `none` or a comma list like `user.created,request.created`"
                ),
            ));
        }
        types.insert(event_type.to_owned());
    }
    Ok(PubSubPolicy::Only(types))
}

/// `EVENT_PUBLISHER_DURABLE_REPLICAS` and `_TIMEOUT`.
fn durability(
    read: &mut impl FnMut(&str) -> Option<(String, String)>,
    publish_timeout: Duration,
) -> Result<Option<Durability>, ConfigError> {
    let replicas = read("EVENT_PUBLISHER_DURABLE_REPLICAS");
    let timeout = read("EVENT_PUBLISHER_DURABLE_TIMEOUT");
    let replicas = match &replicas {
        Some(entry) => u32::try_from(number(entry)?)
            .map_err(|_| ConfigError::new(&entry.0, &entry.1, "is too large"))?,
        None => 0,
    };
    if replicas == 0 {
        return match timeout {
            Some((name, value)) => Err(ConfigError::new(
                &name,
                &value,
                "has no effect without EVENT_PUBLISHER_DURABLE_REPLICAS (at least 1)",
            )),
            None => Ok(None),
        };
    }
    let timeout = match &timeout {
        Some(entry) => millis(entry)?,
        None => Duration::from_millis(1000),
    };
    if timeout >= publish_timeout {
        return Err(ConfigError::new(
            "EVENT_PUBLISHER_DURABLE_TIMEOUT",
            &timeout.as_millis().to_string(),
            format!(
                "must be below EVENT_PUBLISHER_PUBLISH_TIMEOUT ({} ms), which includes the wait",
                publish_timeout.as_millis()
            ),
        ));
    }
    Ok(Some(Durability::new(replicas, timeout)))
}

/// `EVENT_PARTITIONS=user.created:4:user_id,request.created:8:request_number`.
fn partitions(name: &str, value: &str) -> Result<BTreeMap<String, Partitioning>, ConfigError> {
    let mut partitions = BTreeMap::new();
    for item in value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
    {
        let fail = |message: String| Err(ConfigError::new(name, value, message));
        let parts: Vec<&str> = item.split(':').map(str::trim).collect();
        let [event_type, count, key] = parts[..] else {
            return fail(format!(
                "`{item}` is not `<event type>:<partitions>:<key field>`, e.g. `user.created:4:user_id`"
            ));
        };
        if !event_names::is_event_name(event_type) {
            return fail(format!("`{event_type}` is not an event type"));
        }
        let count = match count.parse::<u16>() {
            Ok(count) if (1..=Partitioning::MAX_COUNT).contains(&count) => count,
            _ => {
                return fail(format!(
                    "`{count}` partitions of {event_type}: expected 1 to {}",
                    Partitioning::MAX_COUNT
                ));
            }
        };
        let field = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !field {
            return fail(format!("`{key}` is not a field name"));
        }
        if partitions
            .insert(event_type.to_owned(), Partitioning::new(count, key))
            .is_some()
        {
            return fail(format!("{event_type} is listed twice"));
        }
    }
    Ok(partitions)
}

/// `EVENT_REDIS_TLS_*`: reads the files they name. Empty values count as unset.
fn tls_settings(
    read: &mut impl FnMut(&str) -> Option<(String, String)>,
    config: &Config,
) -> Result<TlsConfig, ConfigError> {
    let mut read = |name: &str| read(name).filter(|(_, path)| !path.is_empty());
    let ca = read("EVENT_REDIS_TLS_CA_FILE");
    let cert = read("EVENT_REDIS_TLS_CERT_FILE");
    let key = read("EVENT_REDIS_TLS_KEY_FILE");
    let Some((first_name, first_path)) = ca.as_ref().or(cert.as_ref()).or(key.as_ref()) else {
        return Ok(TlsConfig::default());
    };
    let mut tls = TlsConfig::default();
    if let Some(entry) = &ca {
        tls.ca_pem = Some(pem_file(entry, "CERTIFICATE", "a PEM certificate")?);
    }
    match (&cert, &key) {
        (Some(cert), Some(key)) => {
            tls.client_identity = Some(ClientIdentity {
                certificate_chain_pem: pem_file(cert, "CERTIFICATE", "a PEM certificate")?,
                private_key_pem: pem_file(key, "PRIVATE KEY", "a PEM private key")?,
            });
        }
        (Some((name, path)), None) => {
            return Err(ConfigError::new(
                name,
                path,
                "needs EVENT_REDIS_TLS_KEY_FILE too (the certificate's private key)",
            ));
        }
        (None, Some((name, path))) => {
            return Err(ConfigError::new(
                name,
                path,
                "needs EVENT_REDIS_TLS_CERT_FILE too (the certificate of this key)",
            ));
        }
        (None, None) => {}
    }
    if !cfg!(feature = "tls") {
        return Err(ConfigError::new(
            first_name,
            first_path,
            "TLS needs the `tls` feature of event-runtime",
        ));
    }
    let uses_tls = [config.publisher_url(), config.subscriber_url()]
        .iter()
        .any(|url| url.trim_start().starts_with("rediss://"));
    if !uses_tls {
        return Err(ConfigError::new(
            first_name,
            first_path,
            "is set but no Redis URL uses `rediss://` (TLS)",
        ));
    }
    Ok(tls)
}

/// Reads a PEM file and checks that it holds a `-----BEGIN <...label>-----` block (`label`
/// `PRIVATE KEY` matches `RSA PRIVATE KEY` and `EC PRIVATE KEY` too).
fn pem_file(
    (name, path): &(String, String),
    label: &str,
    what: &str,
) -> Result<Vec<u8>, ConfigError> {
    let pem = std::fs::read(path)
        .map_err(|error| ConfigError::new(name, path, format!("cannot be read: {error}")))?;
    let text = String::from_utf8_lossy(&pem);
    let labels: Vec<&str> = text
        .split("-----BEGIN ")
        .skip(1)
        .filter_map(|block| block.split_once("-----").map(|(label, _)| label))
        .collect();
    if labels.contains(&"ENCRYPTED PRIVATE KEY") {
        return Err(ConfigError::new(
            name,
            path,
            "is an encrypted private key; decrypt it first (`openssl pkey -in <file> -out <new file>`)",
        ));
    }
    if !labels.iter().any(|found| found.ends_with(label)) {
        return Err(ConfigError::new(
            name,
            path,
            format!("is not {what} file (no `-----BEGIN {label}-----` block)"),
        ));
    }
    Ok(pem)
}

/// One URL, or a comma-separated list of cluster node URLs (returned without the blanks
/// around the commas).
fn check_urls(name: &str, value: String) -> Result<String, ConfigError> {
    let Some(nodes) = cluster_nodes(&value) else {
        return check_url(name, value.trim_end_matches(',').trim().to_owned());
    };
    let mut schemes = BTreeSet::new();
    for node in &nodes {
        let checked = check_url(name, (*node).to_owned()).map_err(|error| {
            ConfigError::new(
                name,
                &value,
                format!("node `{}`: {}", redact_url(node), error.message),
            )
        })?;
        let (scheme, rest) = checked.split_once("://").unwrap_or_default();
        if scheme != "redis" && scheme != "rediss" {
            return Err(ConfigError::new(
                name,
                &value,
                format!(
                    "node `{}`: a Redis Cluster is reached over `redis://` or `rediss://`, not `{scheme}://`",
                    redact_url(node)
                ),
            ));
        }
        schemes.insert(scheme.to_owned());
        let path = rest.split_once('/').map_or("", |(_, path)| path);
        let database = path.split('?').next().unwrap_or_default();
        if !database.is_empty() && database != "0" {
            return Err(ConfigError::new(
                name,
                &value,
                format!(
                    "node `{}`: a Redis Cluster has database 0 only, not `/{database}`",
                    redact_url(node)
                ),
            ));
        }
    }
    if schemes.len() > 1 {
        return Err(ConfigError::new(
            name,
            &value,
            "the cluster's nodes mix `redis://` and `rediss://`; use one scheme for all",
        ));
    }
    Ok(nodes.join(","))
}

fn check_url(name: &str, value: String) -> Result<String, ConfigError> {
    let Some((scheme, rest)) = value.split_once("://") else {
        return Err(ConfigError::new(
            name,
            &value,
            "expected a URL like `redis://host:6379/0`",
        ));
    };
    match scheme {
        "redis" | "redis+unix" | "unix" => {}
        "rediss" if cfg!(feature = "tls") => {}
        "rediss" => {
            return Err(ConfigError::new(
                name,
                &value,
                "`rediss://` (TLS) needs the `tls` feature of event-runtime",
            ));
        }
        _ => {
            return Err(ConfigError::new(
                name,
                &value,
                format!("unknown scheme `{scheme}`; expected `redis`, `rediss` or `redis+unix`"),
            ));
        }
    }
    if rest.is_empty() {
        return Err(ConfigError::new(name, &value, "the URL has no host"));
    }
    Ok(value)
}

/// A Redis URL (or a comma-separated list of them) fit for messages: every password replaced
/// by `***`.
pub fn redact_url(url: &str) -> String {
    if url.contains(',') {
        return url
            .split(',')
            .map(redact_one_url)
            .collect::<Vec<_>>()
            .join(",");
    }
    redact_one_url(url)
}

fn redact_one_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or("", |(user, _)| user);
            format!("{scheme}://{user}:***@{host}{path}")
        }
        None => url.to_owned(),
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

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
    fn defaults_apply_when_nothing_is_set() {
        let config = parse(&[]).expect("defaults");
        assert_eq!(config.redis_url, DEFAULT_REDIS_URL);
        assert_eq!(config.publisher.max_batch_size, 100);
        assert_eq!(
            config.publisher.publish_timeout,
            Duration::from_millis(5000)
        );
        assert_eq!(config.publisher.max_event_size, 1024 * 1024);
        assert_eq!(config.publisher.retention, Retention::MaxLen(1_000_000));
        assert_eq!(config.publisher.pubsub, PubSubPolicy::All);
        assert_eq!(config.subscriber.batch_size, 10);
        assert_eq!(config.subscriber.block_time, Duration::from_millis(1000));
        assert_eq!(config.subscriber.max_retries, 3);
        assert_eq!(config.subscriber.start_position, StartPosition::Backlog);
        assert_eq!(config.subscriber.consumer_name, None);
        assert_eq!(config.subscriber.stream_concurrency, None);
        assert_eq!(config.subscriber.consumer_group, config.service_name);
    }

    #[test]
    fn every_seed_setting_is_read() {
        let config = parse(&[
            ("REDIS_URL", "redis://cache:6379/1"),
            (
                "EVENT_PUBLISHER_REDIS_URL",
                "redis://app:s3cret@events:6380/0",
            ),
            ("EVENT_PUBLISHER_MAX_BATCH_SIZE", "250"),
            ("EVENT_PUBLISHER_PUBLISH_TIMEOUT", "1500"),
            ("EVENT_SUBSCRIBER_CONSUMER_GROUP", "my-service"),
            ("EVENT_SUBSCRIBER_BATCH_SIZE", "50"),
            ("EVENT_SUBSCRIBER_BLOCK_TIME", "200"),
            ("EVENT_SUBSCRIBER_MAX_RETRIES", "5"),
        ])
        .expect("valid");
        assert_eq!(config.redis_url, "redis://cache:6379/1");
        assert_eq!(config.publisher_url(), "redis://app:s3cret@events:6380/0");
        assert_eq!(config.subscriber_url(), "redis://cache:6379/1");
        assert_eq!(config.publisher.max_batch_size, 250);
        assert_eq!(
            config.publisher.publish_timeout,
            Duration::from_millis(1500)
        );
        assert_eq!(config.subscriber.consumer_group, "my-service");
        assert_eq!(config.subscriber.batch_size, 50);
        assert_eq!(config.subscriber.block_time, Duration::from_millis(200));
        assert_eq!(config.subscriber.max_retries, 5);
    }

    #[test]
    fn added_settings_are_read() {
        let config = parse(&[
            ("EVENT_SERVICE_NAME", "billing"),
            ("EVENT_PUBLISHER_MAX_EVENT_SIZE", "2048"),
            ("EVENT_PUBLISHER_STREAM_MAX_AGE", "86400000"),
            ("EVENT_PUBLISHER_PUBSUB", "user.created, request.created"),
            ("EVENT_SUBSCRIBER_CONSUMER_NAME", "billing-1"),
            ("EVENT_SUBSCRIBER_CONCURRENCY", "4"),
            ("EVENT_SUBSCRIBER_STREAM_CONCURRENCY", "1"),
            ("EVENT_SUBSCRIBER_CLAIM_MIN_IDLE", "60000"),
            ("EVENT_SUBSCRIBER_CLAIM_INTERVAL", "500"),
            ("EVENT_SUBSCRIBER_RETRY_BACKOFF", "100"),
            ("EVENT_SUBSCRIBER_RETRY_BACKOFF_MAX", "800"),
            ("EVENT_SUBSCRIBER_START", "new"),
            ("EVENT_SUBSCRIBER_SHUTDOWN_TIMEOUT", "2000ms"),
            ("EVENT_SUBSCRIBER_MAX_EVENT_SIZE", "4096"),
        ])
        .expect("valid");
        assert_eq!(config.service_name, "billing");
        assert_eq!(config.subscriber.consumer_group, "billing");
        assert_eq!(config.publisher.max_event_size, 2048);
        assert_eq!(
            config.publisher.retention,
            Retention::MaxAge(Duration::from_secs(86_400))
        );
        assert!(config.publisher.pubsub.enabled_for("request.created"));
        assert!(!config.publisher.pubsub.enabled_for("user.updated"));
        let subscriber = &config.subscriber;
        assert_eq!(subscriber.consumer_name.as_deref(), Some("billing-1"));
        assert_eq!(subscriber.concurrency, 4);
        assert_eq!(subscriber.stream_concurrency, Some(1));
        assert_eq!(subscriber.claim_min_idle, Duration::from_secs(60));
        assert_eq!(subscriber.claim_interval, Duration::from_millis(500));
        assert_eq!(subscriber.start_position, StartPosition::NewOnly);
        assert_eq!(subscriber.shutdown_timeout, Duration::from_secs(2));
        assert_eq!(subscriber.max_event_size, 4096);
        assert_eq!(subscriber.retry_delay(1), Duration::from_millis(100));
        assert_eq!(subscriber.retry_delay(3), Duration::from_millis(400));
        assert_eq!(subscriber.retry_delay(10), Duration::from_millis(800));
        assert_eq!(
            parse(&[("EVENT_PUBLISHER_STREAM_MAXLEN", "0")])
                .expect("valid")
                .publisher
                .retention,
            Retention::Unbounded
        );
    }

    #[test]
    fn malformed_values_name_the_variable_and_the_value() {
        assert_eq!(
            error(&[("EVENT_SUBSCRIBER_BATCH_SIZE", "ten")]),
            r#"EVENT_SUBSCRIBER_BATCH_SIZE="ten" is invalid: expected a whole number"#
        );
        assert_eq!(
            error(&[("EVENT_SUBSCRIBER_BLOCK_TIME", "0")]),
            r#"EVENT_SUBSCRIBER_BLOCK_TIME="0" is invalid: must be at least 1 millisecond"#
        );
        assert_eq!(
            error(&[("EVENT_PUBLISHER_PUBLISH_TIMEOUT", "5s")]),
            r#"EVENT_PUBLISHER_PUBLISH_TIMEOUT="5s" is invalid: expected whole milliseconds, e.g. `5000`"#
        );
        assert_eq!(
            error(&[("EVENT_SUBSCRIBER_MAX_RETRIES", "-1")]),
            r#"EVENT_SUBSCRIBER_MAX_RETRIES="-1" is invalid: expected a whole number"#
        );
        assert!(
            error(&[("EVENT_SUBSCRIBER_START", "middle")]).contains("expected `backlog` or `new`")
        );
        assert!(
            error(&[("EVENT_PUBLISHER_PUBSUB", "users")]).contains("`users` is not an event type")
        );
        assert!(
            error(&[
                ("EVENT_PUBLISHER_STREAM_MAXLEN", "10"),
                ("EVENT_PUBLISHER_STREAM_MAX_AGE", "10")
            ])
            .contains("not both")
        );
    }

    #[test]
    fn urls_are_checked_and_passwords_never_shown() {
        let message = error(&[("REDIS_URL", "http://user:hunter2@host/")]);
        assert!(message.contains("unknown scheme `http`"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
        assert!(message.contains("user:***@host"), "{message}");
        assert!(error(&[("REDIS_URL", "localhost:6379")]).contains("expected a URL"));
        let tls = parse(&[("REDIS_URL", "rediss://default:pw@redis.example:6380/0")]);
        assert_eq!(tls.is_ok(), cfg!(feature = "tls"));
        assert_eq!(redact_url("redis://:pw@h:1/0"), "redis://:***@h:1/0");
        assert_eq!(redact_url("redis://h:1/0"), "redis://h:1/0");
    }

    #[test]
    fn a_list_of_urls_is_a_cluster() {
        let config = parse(&[(
            "REDIS_URL",
            "redis://app:pw@10.0.0.1:7000, redis://app:pw@10.0.0.2:7000/0 ,redis://10.0.0.3:7000",
        )])
        .expect("valid");
        assert_eq!(
            config.redis_url,
            "redis://app:pw@10.0.0.1:7000,redis://app:pw@10.0.0.2:7000/0,redis://10.0.0.3:7000"
        );
        assert_eq!(
            cluster_nodes(&config.redis_url).map(|nodes| nodes.len()),
            Some(3)
        );
        assert_eq!(cluster_nodes("redis://127.0.0.1:6379/0"), None);
        assert_eq!(
            redact_url(&config.redis_url),
            "redis://app:***@10.0.0.1:7000,redis://app:***@10.0.0.2:7000/0,redis://10.0.0.3:7000"
        );
        // A trailing comma on a single URL is tolerated, and it is no cluster.
        let single = parse(&[("REDIS_URL", "redis://h:1/2,")]).expect("valid");
        assert_eq!(single.redis_url, "redis://h:1/2");
        let subscriber =
            parse(&[("EVENT_SUBSCRIBER_REDIS_URL", "redis://a:1,redis://b:2")]).expect("valid");
        assert_eq!(subscriber.subscriber_url(), "redis://a:1,redis://b:2");
    }

    #[test]
    fn cluster_urls_are_checked_and_passwords_never_shown() {
        let message = error(&[("REDIS_URL", "redis://a:1,redis://:hunter2@b:2/3")]);
        assert!(
            message.contains(
                "node `redis://:***@b:2/3`: a Redis Cluster has database 0 only, not `/3`"
            ),
            "{message}"
        );
        assert!(!message.contains("hunter2"), "{message}");
        let message = error(&[("REDIS_URL", "redis://a:1,http://:hunter2@b:2")]);
        assert!(message.contains("unknown scheme `http`"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
        assert!(
            error(&[("REDIS_URL", "redis://a:1,redis+unix:///tmp/redis.sock")])
                .contains("over `redis://` or `rediss://`")
        );
    }

    #[test]
    fn partitions_are_read() {
        let config = parse(&[(
            "EVENT_PARTITIONS",
            "user.created:4:user_id, request.created:16:request_number",
        )])
        .expect("valid");
        assert_eq!(
            config.partitioning("user.created"),
            Some(&Partitioning::new(4, "user_id"))
        );
        assert_eq!(
            config.partitioning("request.created"),
            Some(&Partitioning::new(16, "request_number"))
        );
        assert_eq!(config.partitioning("user.updated"), None);
        assert!(parse(&[]).expect("valid").partitions.is_empty());
        for (value, expected) in [
            (
                "user.created:4",
                "is not `<event type>:<partitions>:<key field>`",
            ),
            ("users:4:user_id", "`users` is not an event type"),
            ("user.created:0:user_id", "expected 1 to 1024"),
            ("user.created:5000:user_id", "expected 1 to 1024"),
            ("user.created:4:user id", "is not a field name"),
            ("user.created:4:a,user.created:2:b", "listed twice"),
        ] {
            let message = error(&[("EVENT_PARTITIONS", value)]);
            assert!(message.contains(expected), "{value}: {message}");
        }
    }

    #[test]
    fn durable_publish_is_read() {
        assert_eq!(parse(&[]).expect("valid").publisher.durable, None);
        let config = parse(&[("EVENT_PUBLISHER_DURABLE_REPLICAS", "1")]).expect("valid");
        assert_eq!(
            config.publisher.durable,
            Some(Durability::new(1, Duration::from_millis(1000)))
        );
        let config = parse(&[
            ("EVENT_PUBLISHER_DURABLE_REPLICAS", "2"),
            ("EVENT_PUBLISHER_DURABLE_TIMEOUT", "250"),
        ])
        .expect("valid");
        assert_eq!(
            config.publisher.durable,
            Some(Durability::new(2, Duration::from_millis(250)))
        );
        assert_eq!(
            parse(&[("EVENT_PUBLISHER_DURABLE_REPLICAS", "0")])
                .expect("valid")
                .publisher
                .durable,
            None
        );
        assert!(
            error(&[("EVENT_PUBLISHER_DURABLE_TIMEOUT", "250")])
                .contains("has no effect without EVENT_PUBLISHER_DURABLE_REPLICAS")
        );
        assert!(
            error(&[
                ("EVENT_PUBLISHER_DURABLE_REPLICAS", "1"),
                ("EVENT_PUBLISHER_DURABLE_TIMEOUT", "5000"),
            ])
            .contains("must be below EVENT_PUBLISHER_PUBLISH_TIMEOUT (5000 ms)")
        );
        assert!(
            error(&[("EVENT_PUBLISHER_DURABLE_REPLICAS", "one")])
                .contains("expected a whole number")
        );
    }

    /// Writes `files` (name, content) into a fresh directory; returns their paths.
    fn pem_files(test: &str, files: &[(&str, &str)]) -> Vec<String> {
        let dir = std::env::temp_dir().join(format!(
            "event-runtime-config-{}-{test}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        files
            .iter()
            .map(|(name, content)| {
                let path = dir.join(name);
                std::fs::write(&path, content).expect("write");
                path.to_string_lossy().into_owned()
            })
            .collect()
    }

    const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const KEY: &str = "-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\n";

    #[test]
    fn tls_files_are_read_for_rediss_urls() {
        let paths = pem_files(
            "read",
            &[("ca.pem", CERT), ("cert.pem", CERT), ("key.pem", KEY)],
        );
        let result = parse(&[
            ("REDIS_URL", "rediss://app:pw@redis.internal:6380/0"),
            ("EVENT_REDIS_TLS_CA_FILE", paths[0].as_str()),
            ("EVENT_REDIS_TLS_CERT_FILE", paths[1].as_str()),
            ("EVENT_REDIS_TLS_KEY_FILE", paths[2].as_str()),
        ]);
        if cfg!(feature = "tls") {
            let tls = result.expect("valid").tls;
            assert_eq!(tls.ca_pem.as_deref(), Some(CERT.as_bytes()));
            let identity = tls.client_identity.clone().expect("client identity");
            assert_eq!(identity.certificate_chain_pem, CERT.as_bytes());
            assert_eq!(identity.private_key_pem, KEY.as_bytes());
            let shown = format!("{tls:?}");
            assert!(!shown.contains("MHcC"), "{shown}");
            assert!(shown.contains("<hidden>"), "{shown}");
        } else {
            assert!(result.is_err());
        }
        // Empty values count as unset.
        let empty = parse(&[
            ("EVENT_REDIS_TLS_CA_FILE", ""),
            ("EVENT_REDIS_TLS_KEY_FILE", " "),
        ]);
        assert!(empty.expect("valid").tls.is_empty());
    }

    #[test]
    fn tls_files_that_are_missing_or_wrong_name_the_variable() {
        let paths = pem_files(
            "wrong",
            &[
                ("cert.pem", CERT),
                ("key.pem", KEY),
                ("notes.txt", "hello"),
                ("enc.pem", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIF\n"),
            ],
        );
        // File errors come first, whatever the URL and features.
        let missing = format!("{}.missing", paths[0]);
        let message = error(&[("EVENT_REDIS_TLS_CA_FILE", missing.as_str())]);
        assert!(
            message.starts_with(&format!(
                "EVENT_REDIS_TLS_CA_FILE={missing:?} is invalid: cannot be read: "
            )),
            "{message}"
        );
        assert_eq!(
            error(&[("EVENT_REDIS_TLS_CA_FILE", paths[2].as_str())]),
            format!(
                "EVENT_REDIS_TLS_CA_FILE={:?} is invalid: is not a PEM certificate file (no `-----BEGIN CERTIFICATE-----` block)",
                paths[2]
            )
        );
        assert!(
            error(&[
                ("EVENT_REDIS_TLS_CERT_FILE", paths[0].as_str()),
                ("EVENT_REDIS_TLS_KEY_FILE", paths[0].as_str())
            ])
            .contains("EVENT_REDIS_TLS_KEY_FILE=")
        );
        assert!(
            error(&[
                ("EVENT_REDIS_TLS_CERT_FILE", paths[0].as_str()),
                ("EVENT_REDIS_TLS_KEY_FILE", paths[3].as_str())
            ])
            .contains("is an encrypted private key")
        );
        assert!(
            error(&[("EVENT_REDIS_TLS_CERT_FILE", paths[0].as_str())])
                .contains("needs EVENT_REDIS_TLS_KEY_FILE too")
        );
        assert!(
            error(&[("EVENT_REDIS_TLS_KEY_FILE", paths[1].as_str())])
                .contains("needs EVENT_REDIS_TLS_CERT_FILE too")
        );
        let plain = error(&[("EVENT_REDIS_TLS_CA_FILE", paths[0].as_str())]);
        if cfg!(feature = "tls") {
            assert!(
                plain.ends_with("is set but no Redis URL uses `rediss://` (TLS)"),
                "{plain}"
            );
        } else {
            assert!(
                plain.ends_with("TLS needs the `tls` feature of event-runtime"),
                "{plain}"
            );
        }
    }

    #[test]
    fn test_binary_names_lose_their_hash() {
        assert_eq!(strip_test_hash("subscriber-0123456789abcdef"), "subscriber");
        assert_eq!(strip_test_hash("orders-service"), "orders-service");
    }
}
