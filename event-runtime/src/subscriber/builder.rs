//! Building a [`Subscriber`]: settings, handlers, connections, groups.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use super::handler::{ErasedHandler, HandlerError, Raw, RawEvent, Typed};
use super::{Shared, Subscriber, Subscription};
use crate::config::{Config, Partitioning, StartPosition, SubscriberConfig, TlsConfig};
use crate::event::Event;
use crate::memory::MemoryBroker;
use crate::observe::GroupLabels;
use crate::runtime_error::{Error, ErrorKind, Result};
use crate::transport::redis::RedisTransport;
use crate::transport::{Transport, stream_keys};

/// Settings and handlers of a [`Subscriber`]. Starts from the `subscriber` section of a
/// [`Config`]; every setter overrides one setting.
#[must_use = "a builder does nothing until `build` is awaited"]
pub struct SubscriberBuilder {
    redis_url: String,
    tls: TlsConfig,
    settings: SubscriberConfig,
    /// Partitioned types: their partitions are read too.
    partitions: BTreeMap<String, Partitioning>,
    handlers: Vec<(String, Arc<dyn ErasedHandler>)>,
    /// Set by [`in_memory`](Self::in_memory): no Redis connection.
    broker: Option<MemoryBroker>,
    metrics_interval: Duration,
    /// Set by [`limit`](Self::limit).
    limit: Option<usize>,
}

impl std::fmt::Debug for SubscriberBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let types: Vec<&str> = self
            .handlers
            .iter()
            .map(|(event_type, _)| event_type.as_str())
            .collect();
        f.debug_struct("SubscriberBuilder")
            .field("settings", &self.settings)
            .field("handlers", &types)
            .finish_non_exhaustive()
    }
}

impl SubscriberBuilder {
    pub(super) fn new(config: &Config) -> Self {
        Self {
            redis_url: config.subscriber_url().to_owned(),
            tls: config.tls.clone(),
            settings: config.subscriber.clone(),
            partitions: config.partitions.clone(),
            handlers: Vec::new(),
            broker: None,
            metrics_interval: Duration::from_secs(10),
            limit: None,
        }
    }

    /// Consumes from an in-memory broker instead of Redis (the Redis URLs of the config are
    /// not used); see [`MemoryBroker`] for an example.
    pub fn in_memory(mut self, broker: &MemoryBroker) -> Self {
        self.broker = Some(broker.clone());
        self
    }

    /// The consumer group (`EVENT_SUBSCRIBER_CONSUMER_GROUP`).
    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.settings.consumer_group = group.into();
        self
    }

    /// This consumer's name; it must be unique within the group. By default each process
    /// gets `<host>-<pid>-<random>`.
    pub fn consumer_name(mut self, name: impl Into<String>) -> Self {
        self.settings.consumer_name = Some(name.into());
        self
    }

    /// Most entries read per stream and call.
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.settings.batch_size = batch_size;
        self
    }

    /// How long one read waits for new entries.
    pub fn block_time(mut self, block_time: Duration) -> Self {
        self.settings.block_time = block_time;
        self
    }

    /// Deliveries (attempts) of an entry before it is dead-lettered.
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.settings.max_retries = max_retries;
        self
    }

    /// Handlers running at once. The subscriber never reads more entries than it has free
    /// slots, so nothing waits in a local buffer.
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.settings.concurrency = concurrency;
        self
    }

    /// Handlers running at once per stream (`EVENT_SUBSCRIBER_STREAM_CONCURRENCY`; no limit
    /// by default). With `1`, each stream, so each partition of a partitioned type, is handled
    /// one entry after the other, in stream order (a failed entry holds its stream until it
    /// succeeds or is dead-lettered), while up to `concurrency` streams run in parallel: with
    /// partitions by key, every key's events are handled in publish order.
    pub fn stream_concurrency(mut self, per_stream: usize) -> Self {
        self.settings.stream_concurrency = Some(per_stream);
        self
    }

    /// How long an entry stays unacknowledged before another consumer may claim it, and how
    /// often the claimer looks.
    pub fn claim(mut self, min_idle: Duration, interval: Duration) -> Self {
        self.settings.claim_min_idle = min_idle;
        self.settings.claim_interval = interval;
        self
    }

    /// Wait before the first retry and the longest wait; doubles per attempt in between.
    pub fn retry_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.settings.retry_backoff = initial;
        self.settings.retry_backoff_max = max;
        self
    }

    /// Where the group starts if it does not exist yet.
    pub fn start_position(mut self, start: StartPosition) -> Self {
        self.settings.start_position = start;
        self
    }

    /// How long graceful shutdown waits for running handlers.
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.settings.shutdown_timeout = timeout;
        self
    }

    /// Larger entries are dead-lettered without being decoded.
    pub fn max_event_size(mut self, bytes: usize) -> Self {
        self.settings.max_event_size = bytes;
        self
    }

    /// How often the running subscriber polls its groups' lag, pending count and dead-letter
    /// stream length for the `events_consumer_lag`, `events_pending` and `events_dead_letters`
    /// gauges (default 10 s; see [`observe`](crate::observe)).
    pub fn metrics_interval(mut self, interval: Duration) -> Self {
        self.metrics_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// Takes at most `entries` entries from the group in all (reads, and claims of other
    /// consumers' idle entries; retries of its own do not count again), and shuts down by
    /// itself once each of them is settled: acknowledged, or dead-lettered, also when it never
    /// reached a handler. Entries it did not take stay for the group's other consumers. For
    /// tools that consume a fixed number of entries, as `events consume --count N` does; with
    /// `batch_size` and `concurrency` of at least `entries`, they arrive in one read.
    pub fn limit(mut self, entries: usize) -> Self {
        self.limit = Some(entries);
        self
    }

    /// Handles events of `E`'s type. Entries of older versions are decoded and upgraded to
    /// `E` through the migration chain; entries that cannot be (newer versions, broken data)
    /// are dead-lettered. The event type is inferred from the closure's argument
    /// (`.on(|event: UserCreatedV2| async move { ... })`) or named with a turbofish
    /// (`.on::<UserCreatedV2, _, _>(handler)`); see [`Subscriber`] for a whole example.
    pub fn on<E, F, Fut>(mut self, handler: F) -> Self
    where
        E: Event,
        F: Fn(E) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        self.handlers.push((
            E::EVENT_TYPE.to_owned(),
            Arc::new(Typed::<E, F>::new(handler)),
        ));
        self
    }

    /// Handles entries of `event_type` undecoded: the handler gets the stream, entry id,
    /// version and `event_data`. Structurally broken entries (no `event_data`, not JSON, no
    /// version) are dead-lettered before reaching it.
    pub fn on_raw<F, Fut>(mut self, event_type: impl Into<String>, handler: F) -> Self
    where
        F: Fn(RawEvent) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        self.handlers
            .push((event_type.into(), Arc::new(Raw(handler))));
        self
    }

    /// Checks the settings, connects (one connection for commands, one for blocking reads)
    /// and creates the consumer group on every stream where it is missing: the type's stream
    /// and, for a partitioned type, each of its partitions.
    pub async fn build(self) -> Result<Subscriber> {
        let SubscriberBuilder {
            redis_url,
            tls,
            mut settings,
            partitions,
            handlers,
            broker,
            metrics_interval,
            limit,
        } = self;
        check(&settings, &handlers)?;
        if limit == Some(0) {
            return Err(Error::new(
                ErrorKind::Usage,
                "the limit of entries must be at least 1",
            ));
        }
        let consumer = settings
            .consumer_name
            .clone()
            .unwrap_or_else(|| default_consumer_name(&settings.consumer_group));
        settings.consumer_name = Some(consumer.clone());

        let (transport, reader) = match broker {
            Some(broker) => (Transport::Memory(broker.clone()), Transport::Memory(broker)),
            None => {
                let connect_timeout = Duration::from_secs(5);
                let transport = RedisTransport::connect(
                    &redis_url,
                    &tls,
                    Duration::from_secs(10),
                    connect_timeout,
                )
                .await?;
                // The blocking read waits up to `block_time` for an answer: give it room.
                let read_timeout =
                    settings.block_time + settings.block_time / 2 + Duration::from_secs(2);
                let reader =
                    RedisTransport::connect(&redis_url, &tls, read_timeout, connect_timeout)
                        .await?;
                (Transport::Redis(transport), Transport::Redis(reader))
            }
        };

        let mut subscriptions = Vec::new();
        for (event_type, handler) in handlers {
            let labels = GroupLabels::new(&event_type, &settings.consumer_group);
            let dead_letter_key = transport.dead_letter_key(&event_type);
            for key in stream_keys(&event_type, partitions.get(&event_type)) {
                subscriptions.push(Subscription {
                    key,
                    dead_letter_key: dead_letter_key.clone(),
                    labels: labels.clone(),
                    event_type: event_type.clone(),
                    handler: handler.clone(),
                });
            }
        }
        let (acks, ack_receiver) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            transport,
            group: settings.consumer_group.clone(),
            consumer,
            subscriptions,
            permits: Arc::new(Semaphore::new(settings.concurrency)),
            acks,
            retries: Mutex::new(Vec::new()),
            in_flight: Mutex::new(HashMap::new()),
            last_read_at: Mutex::new(None),
            running: AtomicBool::new(false),
            shutdown: watch::Sender::new(false),
            tasks: Mutex::new(JoinSet::new()),
            metrics_interval,
            limit: limit.map(|total| Arc::new(super::limit::Limit::new(total))),
            settings,
        });
        shared.ensure_groups(false).await?;
        Ok(Subscriber {
            shared,
            reader,
            acks: ack_receiver,
        })
    }
}

fn check(settings: &SubscriberConfig, handlers: &[(String, Arc<dyn ErasedHandler>)]) -> Result<()> {
    let usage = |message: String| Err(Error::new(ErrorKind::Usage, message));
    if handlers.is_empty() {
        return usage("the subscriber has no handler; add one with `on` or `on_raw`".to_owned());
    }
    for (index, (event_type, _)) in handlers.iter().enumerate() {
        if handlers[..index]
            .iter()
            .any(|(earlier, _)| earlier == event_type)
        {
            return usage(format!(
                "two handlers for `{event_type}`; a subscriber has one handler per event type (use another consumer group for a second one)"
            ));
        }
    }
    if settings.consumer_group.trim().is_empty() {
        return usage("the consumer group name is empty".to_owned());
    }
    let positive = [
        ("batch_size", settings.batch_size as u128),
        ("concurrency", settings.concurrency as u128),
        (
            "stream_concurrency",
            settings.stream_concurrency.map_or(1, |limit| limit as u128),
        ),
        ("max_retries", u128::from(settings.max_retries)),
        ("block_time", settings.block_time.as_millis()),
        ("claim min idle", settings.claim_min_idle.as_millis()),
        ("claim interval", settings.claim_interval.as_millis()),
        ("max_event_size", settings.max_event_size as u128),
    ];
    if let Some((name, _)) = positive.iter().find(|(_, value)| *value == 0) {
        return usage(format!(
            "{name} must be at least 1 (milliseconds for times)"
        ));
    }
    if settings.concurrency > Semaphore::MAX_PERMITS || settings.concurrency > u32::MAX as usize {
        return usage("concurrency is too large".to_owned());
    }
    Ok(())
}

/// `<host>-<pid>-<random>`: unique per process, readable in `XINFO CONSUMERS`.
fn default_consumer_name(group: &str) -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|host| host.trim().to_owned())
        .filter(|host| !host.is_empty())
        .unwrap_or_else(|| group.to_owned());
    let random = uuid::Uuid::now_v7().simple().to_string();
    let suffix = &random[random.len() - 6..];
    format!("{host}-{}-{suffix}", std::process::id())
}
