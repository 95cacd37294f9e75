//! Consuming through a consumer group: at-least-once, with retries, claiming, dead letters.
//!
//! A [`Subscriber`] runs four kinds of tasks:
//! - the **reader** (`reader.rs`) reads new entries (`XREADGROUP ... >`) on a connection of its
//!   own, as many as there are free handler slots, or, while the handlers keep up, a read
//!   ahead of an adaptive size whose entries wait for the read's slots;
//! - **handlers** (`dispatch.rs`) run concurrently up to `concurrency`, the entries of one read
//!   on one task; successes are queued for acknowledgement together, a failure stays
//!   pending, an undecodable entry is dead-lettered;
//! - the **acker** (`acker.rs`) acknowledges successes in batches (`XACK`);
//! - the **claimer** (`claimer.rs`) retries failed entries after their backoff (`XCLAIM`), takes
//!   over entries idle longer than `claim_min_idle` from any consumer, dead ones included
//!   (`XAUTOCLAIM`), acknowledges entries whose data was trimmed, and keeps entries of long
//!   running handlers from being claimed by others.
//!
//! The settings are [`SubscriberConfig`](crate::config::SubscriberConfig)'s; see
//! [`SubscriberBuilder::in_memory`] to consume from a
//! [`MemoryBroker`](crate::memory::MemoryBroker) instead of Redis.

mod acker;
mod builder;
mod claimer;
mod dead_letter;
mod dedup;
mod dispatch;
mod gauges;
pub(crate) mod handler;
mod in_flight;
pub(crate) mod incoming;
mod leave;
mod limit;
mod read_ahead;
mod reader;
mod settle;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

pub use builder::SubscriberBuilder;
pub use handler::{HandlerError, RawEvent};

use crate::config::{Config, StartPosition, SubscriberConfig};
use crate::error::Result;
use crate::health::{HealthStatus, SubscriberHealth};
use crate::transport::Transport;
use acker::AckMessage;
use handler::ErasedHandler;

/// Consumes events of one or more types through a consumer group.
///
/// ```no_run
/// # use event_runtime::{Config, Subscriber, HandlerError};
/// # #[derive(Debug, serde::Serialize, serde::Deserialize, event_runtime::Event)]
/// # #[event(name = "user.created", version = 1)]
/// # struct UserCreatedV1 { #[serde(flatten)] envelope: event_runtime::Envelope, account_id: i64 }
/// # async fn run() -> Result<(), event_runtime::Error> {
/// let mut config = Config::from_env()?;
/// config.subscriber.consumer_group = "welcome-mails".to_owned();
/// let subscriber = Subscriber::builder(&config)
///     .on(|event: UserCreatedV1| async move {
///         println!("welcome, account {}", event.account_id);
///         Ok::<(), HandlerError>(())
///     })
///     .build()
///     .await?;
/// subscriber.run_until(async { tokio::signal::ctrl_c().await.ok(); }).await
/// # }
/// ```
#[derive(Debug)]
pub struct Subscriber {
    shared: Arc<Shared>,
    reader: Transport,
    acks: mpsc::UnboundedReceiver<AckMessage>,
}

/// Controls a subscriber from elsewhere: shut it down, ask for its health. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SubscriberHandle {
    shared: Arc<Shared>,
}

/// A subscriber running on its own task; see [`Subscriber::spawn`].
#[derive(Debug)]
pub struct RunningSubscriber {
    handle: SubscriberHandle,
    task: tokio::task::JoinHandle<Result<()>>,
}

/// One subscribed stream.
struct Subscription {
    event_type: String,
    key: String,
    dead_letter_key: String,
    handler: Arc<dyn ErasedHandler>,
    /// Metrics labels of this type in this group.
    labels: crate::observe::GroupLabels,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// A failed entry waiting for its next attempt.
#[derive(Debug, Clone)]
struct Retry {
    stream: usize,
    id: String,
    due: Instant,
    /// `XCLAIM` takes it back only if nobody touched it for this long.
    min_idle: Duration,
}

/// State shared by the subscriber's tasks.
#[derive(Debug)]
struct Shared {
    transport: Transport,
    settings: SubscriberConfig,
    group: String,
    consumer: String,
    subscriptions: Vec<Subscription>,
    permits: Arc<Semaphore>,
    acks: mpsc::UnboundedSender<AckMessage>,
    retries: Mutex<Vec<Retry>>,
    /// Wakes the retry task when a retry is scheduled, so it sleeps until the earliest one.
    retry_scheduled: tokio::sync::Notify,
    /// Asks the reader to end its blocked read and give back the handler slots it holds: a
    /// due retry or a claim waits for a slot (`claimer.rs`), and must not wait `block_time`.
    release_slots: tokio::sync::Notify,
    /// Entries whose handler is running, with when they were last claimed or touched.
    in_flight: Mutex<HashMap<(usize, String), Instant>>,
    /// When Redis last failed to answer this subscriber's reader or claimer (at first, when
    /// the subscriber was built). Idle times measured across an outage do not show that an
    /// entry's owner is gone (its touches could not reach Redis either), so entries of other
    /// consumers are claimed only once Redis has answered for half a `claim_min_idle` since:
    /// the time a live owner takes to touch its entries again (`claimer.rs`).
    last_failure: Mutex<Instant>,
    last_read_at: Mutex<Option<DateTime<Utc>>>,
    running: AtomicBool,
    shutdown: watch::Sender<bool>,
    tasks: Mutex<JoinSet<()>>,
    /// Set by [`SubscriberBuilder::limit`]: the entries still to take and settle.
    limit: Option<Arc<limit::Limit>>,
    /// The registration in the fleet registry, until the subscriber stops.
    registration: Mutex<Option<crate::fleet::Registration>>,
    /// With effectively-once handling on, the `event_id`s the group handled.
    dedup: Option<dedup::Dedup>,
    /// Whether a read ahead waits for slots, and the size of the next (`read_ahead.rs`).
    read_ahead: read_ahead::ReadAhead,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these short locks leaves consistent data: keep going.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Shared {
    /// Notes that Redis failed to answer just now (see `last_failure`).
    fn failed(&self) {
        *lock(&self.last_failure) = Instant::now();
    }

    fn stream_index(&self, key: &str) -> Option<usize> {
        self.subscriptions
            .iter()
            .position(|subscription| subscription.key == key)
    }

    fn shutting_down(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// Creates the group on every stream where it is missing. `recovering`: after `NOGROUP`,
    /// which means the stream was deleted (or the database flushed) under us.
    async fn ensure_groups(&self, recovering: bool) -> Result<()> {
        let start = match (recovering, self.settings.start_position) {
            (true, _) | (false, StartPosition::Backlog) => "0",
            (false, StartPosition::NewOnly) => "$",
        };
        for subscription in &self.subscriptions {
            let created = self
                .transport
                .ensure_group(&subscription.key, &self.group, start)
                .await?;
            if created && recovering {
                tracing::warn!(
                    stream = %subscription.key,
                    group = %self.group,
                    "consumer group was missing (stream deleted or database flushed); recreated it from the start of the stream"
                );
                metrics::counter!("events_groups_recreated_total", "event_type" => subscription.event_type.clone()).increment(1);
            } else if created {
                tracing::info!(stream = %subscription.key, group = %self.group, start, "created consumer group");
            }
        }
        Ok(())
    }

    async fn health(&self) -> SubscriberHealth {
        let mut pending_messages = BTreeMap::new();
        let mut lag = BTreeMap::new();
        let mut error = None;
        for subscription in &self.subscriptions {
            match self
                .transport
                .group_figures(&subscription.key, &self.group)
                .await
            {
                // A partitioned type has several streams: its figures are their sums (a lag
                // Redis cannot tell for one of them makes the type's unknown).
                Ok(figures) => {
                    *pending_messages
                        .entry(subscription.event_type.clone())
                        .or_insert(0) += figures.pending;
                    lag.entry(subscription.event_type.clone())
                        .and_modify(|total: &mut Option<u64>| {
                            *total = total.zip(figures.lag).map(|(a, b)| a + b);
                        })
                        .or_insert(figures.lag);
                }
                Err(failure) => {
                    error = Some(failure.to_string());
                    break;
                }
            }
        }
        let running = self.running.load(Ordering::SeqCst);
        let status = match (&error, running) {
            (Some(_), _) => HealthStatus::Unhealthy,
            (None, false) => HealthStatus::Degraded,
            (None, true) => HealthStatus::Healthy,
        };
        let mut subscribed_events: Vec<String> = self
            .subscriptions
            .iter()
            .map(|s| s.event_type.clone())
            .collect();
        subscribed_events.sort();
        subscribed_events.dedup();
        SubscriberHealth {
            status,
            redis_connected: error.is_none(),
            subscribed_events,
            pending_messages,
            lag,
            consumer_group: self.group.clone(),
            consumer_name: self.consumer.clone(),
            last_read_at: *lock(&self.last_read_at),
            error,
        }
    }
}

impl Subscriber {
    /// Starts building a subscriber from the `subscriber` settings of `config`.
    pub fn builder(config: &Config) -> SubscriberBuilder {
        SubscriberBuilder::new(config)
    }

    /// A handle to shut the subscriber down or ask for its health.
    pub fn handle(&self) -> SubscriberHandle {
        SubscriberHandle {
            shared: self.shared.clone(),
        }
    }

    /// This consumer's name in the group.
    pub fn consumer_name(&self) -> &str {
        &self.shared.consumer
    }

    /// The consumer group.
    pub fn group(&self) -> &str {
        &self.shared.group
    }

    /// Consumes until [`SubscriberHandle::shutdown`], then shuts down gracefully: stops
    /// reading, lets running handlers finish within `shutdown_timeout`, acknowledges what
    /// succeeded and leaves everything else pending for the group.
    pub async fn run(self) -> Result<()> {
        let Subscriber {
            shared,
            reader,
            acks,
        } = self;
        shared.running.store(true, Ordering::SeqCst);
        let acker = tokio::spawn(acker::run(shared.clone(), acks));
        let claimer = tokio::spawn(claimer::run(shared.clone()));
        let retrier = tokio::spawn(claimer::run_retries(shared.clone()));
        let gauges = tokio::spawn(gauges::run(shared.clone()));
        reader::run(&shared, &reader).await;
        gauges.abort();
        let _ = claimer.await;
        let _ = retrier.await;
        // Retries not run stay pending for the group.
        lock(&shared.retries).clear();
        finish_handlers(&shared).await;
        let (flushed, done) = tokio::sync::oneshot::channel();
        if shared.acks.send(AckMessage::Flush(flushed)).is_ok() {
            let _ = done.await;
        }
        acker.abort();
        leave::leave_group(&shared).await;
        lock(&shared.registration).take();
        shared.running.store(false, Ordering::SeqCst);
        tracing::info!(group = %shared.group, consumer = %shared.consumer, "subscriber stopped");
        Ok(())
    }

    /// Like [`run`](Subscriber::run), shutting down when `signal` completes
    /// (e.g. `tokio::signal::ctrl_c()`).
    pub async fn run_until(self, signal: impl Future<Output = ()> + Send + 'static) -> Result<()> {
        let handle = self.handle();
        let watcher = tokio::spawn(async move {
            signal.await;
            handle.shutdown();
        });
        let result = self.run().await;
        watcher.abort();
        result
    }

    /// Like [`run`](Subscriber::run), shutting down at Ctrl-C (`SIGINT`); with
    /// [`SubscriberBuilder::limit`], also once that many entries are settled.
    pub async fn run_until_ctrl_c(self) -> Result<()> {
        self.run_until(async {
            if let Err(error) = tokio::signal::ctrl_c().await {
                tracing::warn!(error = %error, "cannot listen for Ctrl-C; running until shut down");
                std::future::pending::<()>().await;
            }
        })
        .await
    }

    /// Runs the subscriber on a task of its own.
    pub fn spawn(self) -> RunningSubscriber {
        let handle = self.handle();
        RunningSubscriber {
            handle,
            task: tokio::spawn(self.run()),
        }
    }
}

/// Waits for running handlers up to the shutdown timeout, then cancels the rest; their
/// entries stay pending and another consumer (or this one, restarted) claims them.
async fn finish_handlers(shared: &Arc<Shared>) {
    let all = u32::try_from(shared.settings.concurrency).unwrap_or(u32::MAX);
    let deadline = shared.settings.shutdown_timeout;
    if tokio::time::timeout(deadline, shared.permits.acquire_many(all))
        .await
        .is_err()
    {
        let mut tasks = std::mem::take(&mut *lock(&shared.tasks));
        tracing::warn!(
            running = tasks.len(),
            timeout_ms = deadline.as_millis() as u64,
            "handlers still running at the shutdown deadline were cancelled; their entries stay pending"
        );
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
    }
}

impl SubscriberHandle {
    /// Asks the subscriber to shut down gracefully. Returns at once.
    pub fn shutdown(&self) {
        self.shared.shutdown.send_replace(true);
    }

    /// Whether the subscriber is running.
    pub fn is_running(&self) -> bool {
        self.shared.running.load(Ordering::SeqCst)
    }

    /// Health: pending counts and lag per type (asked from Redis), identity, last read.
    pub async fn health(&self) -> SubscriberHealth {
        self.shared.health().await
    }
}

impl RunningSubscriber {
    /// A handle to the running subscriber.
    pub fn handle(&self) -> SubscriberHandle {
        self.handle.clone()
    }

    /// Shuts down gracefully and waits until it has.
    pub async fn shutdown(self) -> Result<()> {
        self.handle.shutdown();
        self.join().await
    }

    /// Waits until the subscriber stops.
    pub async fn join(self) -> Result<()> {
        match self.task.await {
            Ok(result) => result,
            Err(error) => Err(crate::error::Error::new(
                crate::error::ErrorKind::Handler,
                format!("the subscriber task failed: {error}"),
            )),
        }
    }
}
