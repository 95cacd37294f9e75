//! Building a [`Subscriber`]: handlers, the backend, connections, groups. The settings are
//! the config's (`config/subscriber.rs`, their one home), checked here as they are.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use super::handler::{ErasedHandler, HandlerError, Raw, RawEvent, Typed};
use super::{Shared, Subscriber, Subscription};
use crate::config::{Config, Partitioning, RegistryConfig, SubscriberConfig, TlsConfig};
use crate::error::{Error, ErrorKind, Result};
use crate::event::Event;
use crate::fleet::{self, Role, TypeAnnouncement};
use crate::memory::MemoryBroker;
use crate::observe::GroupLabels;
use crate::transport::{CONNECT_TIMEOUT, RESPONSE_TIMEOUT, Transport};
use crate::wire::stream_keys;

/// Handlers of a [`Subscriber`], with the `subscriber` settings of a [`Config`]: change a
/// setting on the config before building ([`SubscriberConfig`] lists them, each with its
/// variable), what the builder adds is what is not a setting: the handlers, the in-memory
/// backend, a limit.
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
    /// Set by [`limit`](Self::limit).
    limit: Option<usize>,
    /// The fleet registry's settings, and the service registered.
    registry: RegistryConfig,
    service_name: String,
    /// What each handler announces to the fleet registry.
    announced: Vec<TypeAnnouncement>,
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
            limit: None,
            registry: config.registry.clone(),
            service_name: config.service_name.clone(),
            announced: Vec::new(),
        }
    }

    /// Consumes from an in-memory broker instead of Redis (the Redis URLs of the config are
    /// not used); see [`MemoryBroker`] for an example.
    pub fn in_memory(mut self, broker: &MemoryBroker) -> Self {
        self.broker = Some(broker.clone());
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
    /// `E` through the migration chain; entries of newer versions are read as `E` when the
    /// type's level (`E::COMPATIBILITY`) is `FORWARD`, `FULL` or a transitive form of them;
    /// entries that cannot be read (newer versions under other levels, broken data) are
    /// dead-lettered with the reason. The event type is inferred from the closure's argument
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
        self.announced.push(fleet::announce::consuming::<E>());
        self
    }

    /// Like [`on`](Self::on), with state the handler reads: `state` is put in an [`Arc`] once
    /// and each call gets a clone of it, so the handler needs no clones of its own.
    ///
    /// ```no_run
    /// # use event_runtime::{Config, Subscriber, HandlerError};
    /// # #[derive(Debug, serde::Serialize, serde::Deserialize, event_runtime::Event)]
    /// # #[event(name = "user.created", version = 1)]
    /// # struct UserCreatedV1 { #[serde(flatten)] envelope: event_runtime::Envelope, account_id: i64 }
    /// # async fn run(config: Config) -> Result<(), event_runtime::Error> {
    /// struct Mailer { sender: String }
    ///
    /// let subscriber = Subscriber::builder(&config)
    ///     .on_with(Mailer { sender: "hello@example.com".into() }, |mailer, event: UserCreatedV1| async move {
    ///         println!("{} welcomes account {}", mailer.sender, event.account_id);
    ///         Ok::<(), HandlerError>(())
    ///     })
    ///     .build()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn on_with<S, E, F, Fut>(self, state: S, handler: F) -> Self
    where
        S: Send + Sync + 'static,
        E: Event,
        F: Fn(Arc<S>, E) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        let state = Arc::new(state);
        self.on(move |event: E| handler(state.clone(), event))
    }

    /// Sets [`SubscriberConfig::max_deliveries`]: deliveries of an entry (its first one
    /// included) before it is dead-lettered.
    pub fn max_deliveries(mut self, deliveries: u32) -> Self {
        self.settings.max_deliveries = deliveries;
        self
    }

    /// Turns on effectively-once handling ([`SubscriberConfig::dedup`]): an entry whose
    /// `event_id` the group handled within `window` is acknowledged without running its
    /// handler. The README's "Effectively once" says what it promises and what it cannot.
    pub fn deduplicate(mut self, window: Duration) -> Self {
        self.settings.dedup = true;
        self.settings.dedup_window = window;
        self
    }

    /// The old name of [`max_deliveries`](Self::max_deliveries), which it always counted.
    #[deprecated(note = "it counts deliveries, not retries: use `max_deliveries`")]
    pub fn max_retries(self, deliveries: u32) -> Self {
        self.max_deliveries(deliveries)
    }

    /// Handles entries of `event_type` undecoded: the handler gets the stream, entry id,
    /// version and `event_data`. Structurally broken entries (no `event_data`, not JSON, no
    /// version) are dead-lettered before reaching it.
    pub fn on_raw<F, Fut>(mut self, event_type: impl Into<String>, handler: F) -> Self
    where
        F: Fn(RawEvent) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        let event_type = event_type.into();
        self.announced
            .push(fleet::announce::consuming_raw(&event_type));
        self.handlers.push((event_type, Arc::new(Raw(handler))));
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
            limit,
            registry,
            service_name,
            announced,
        } = self;
        settings.check()?;
        check(&handlers)?;
        if limit == Some(0) {
            return Err(Error::new(
                ErrorKind::Usage,
                "the limit of entries must be at least 1",
            ));
        }
        let consumer = settings
            .consumer_name
            .clone()
            .unwrap_or_else(|| default_consumer_name(&service_name));
        settings.consumer_name = Some(consumer.clone());

        let (transport, reader) = match broker {
            Some(broker) => (Transport::memory(&broker), Transport::memory(&broker)),
            None => {
                let transport =
                    Transport::connect(&redis_url, &tls, RESPONSE_TIMEOUT, CONNECT_TIMEOUT).await?;
                // The blocking read waits up to `block_time` for an answer: give it room.
                let read_timeout =
                    settings.block_time + settings.block_time / 2 + Duration::from_secs(2);
                let reader =
                    Transport::connect(&redis_url, &tls, read_timeout, CONNECT_TIMEOUT).await?;
                (transport, reader)
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
        let subscriptions_len = subscriptions.len();
        let (acks, ack_receiver) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            transport,
            group: settings.consumer_group.clone(),
            consumer,
            subscriptions,
            permits: Arc::new(Semaphore::new(settings.concurrency)),
            acks,
            retries: Mutex::new(Vec::new()),
            retry_scheduled: tokio::sync::Notify::new(),
            release_slots: tokio::sync::Notify::new(),
            in_flight: Mutex::new(HashMap::new()),
            last_failure: Mutex::new(std::time::Instant::now()),
            last_read_at: Mutex::new(None),
            running: AtomicBool::new(false),
            shutdown: watch::Sender::new(false),
            tasks: Mutex::new(JoinSet::new()),
            limit: limit.map(|total| Arc::new(super::limit::Limit::new(total))),
            registration: Mutex::new(None),
            dedup: settings
                .dedup
                .then(|| super::dedup::Dedup::new(subscriptions_len, settings.dedup_window)),
            read_ahead: super::read_ahead::ReadAhead::default(),
            settings,
        });
        shared.ensure_groups(false).await?;
        let registration = fleet::register(
            &shared.transport,
            &registry,
            &service_name,
            Role::Consumer,
            Some(shared.group.clone()),
            announced,
            CONNECT_TIMEOUT,
        )
        .await?;
        *super::lock(&shared.registration) = registration;
        Ok(Subscriber {
            shared,
            reader,
            acks: ack_receiver,
        })
    }
}

/// One handler per event type, at least one.
fn check(handlers: &[(String, Arc<dyn ErasedHandler>)]) -> Result<()> {
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
    Ok(())
}

/// `<service>-<host>-<pid>`, and `-<n>` for the n-th subscriber of the process from the
/// second on: unique per process, and an operator reading `XINFO CONSUMERS` or
/// `events pending` sees which service, machine and process each consumer is.
fn default_consumer_name(service: &str) -> String {
    static SUBSCRIBERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|host| host.trim().to_owned())
        .filter(|host| !host.is_empty() && !host.contains(char::is_whitespace))
        .unwrap_or_else(|| "host".to_owned());
    let name = format!("{service}-{host}-{}", std::process::id());
    match SUBSCRIBERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) {
        0 => name,
        earlier => format!("{name}-{}", earlier + 1),
    }
}
