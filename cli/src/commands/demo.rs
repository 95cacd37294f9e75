//! `events demo`: publish and consume real events end to end, and say what happened.
//!
//! The demo runs against `REDIS_URL` when it is set (a comma-separated list of node URLs is a
//! Redis Cluster). Otherwise it runs on the embedded
//! in-memory backend (`event_runtime::memory::MemoryBroker`, the same semantics as Redis
//! Streams, in process), so it needs nothing installed, and says so. It shows:
//! v1 events read by a v2 handler (upgraded on the way in), a handler that fails twice and then
//! succeeds (retried, not lost), and a poison event that always fails (moved to the dead-letter
//! stream with its provenance after the allowed attempts).

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use event_runtime::config::{StartPosition, cluster_nodes};
use event_runtime::memory::MemoryBroker;
use event_runtime::transport::RESPONSE_TIMEOUT;
use event_runtime::wire::provenance;
use event_runtime::{
    Config, Envelope, HandlerError, PublishOptions, Publisher, Registry, Subscriber,
    SubscriberBuilder,
};

use crate::Outcome;
use crate::admin::Admin;
use crate::catalogue::events::{
    NotificationPriority, NotificationSendV1, NotificationType, RequestCreatedV1, RequestCreatedV2,
    Urgency, UserCreatedV1, UserCreatedV2,
};

/// What the demo publishes, as it registers in the fleet registry: users at v2 (and v1, the
/// old producer it plays too), work orders at v1, notifications at v1.
pub(super) fn published() -> Registry {
    Registry::new()
        .with::<UserCreatedV1>()
        .with::<UserCreatedV2>()
        .with::<RequestCreatedV1>()
        .with::<NotificationSendV1>()
}

/// Arguments of `events demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Give up waiting for the expected outcome after this many seconds.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
}

/// Where the demo's events go.
enum Backend {
    /// `REDIS_URL` from the environment.
    Redis(Config),
    /// No `REDIS_URL`: the embedded in-memory broker.
    Memory(Config, MemoryBroker),
}

impl Backend {
    fn from_env() -> anyhow::Result<Self> {
        let config = crate::connect::config_from_env()?;
        Ok(if std::env::var_os("REDIS_URL").is_some() {
            Backend::Redis(config)
        } else {
            Backend::Memory(config, MemoryBroker::new())
        })
    }

    fn describe(&self) -> String {
        match self {
            Backend::Redis(config) if cluster_nodes(&config.redis_url).is_some() => format!(
                "using the Redis Cluster at {} (REDIS_URL)",
                event_runtime::config::redact_url(&config.redis_url)
            ),
            Backend::Redis(config) => format!(
                "using Redis at {} (REDIS_URL)",
                event_runtime::config::redact_url(&config.redis_url)
            ),
            Backend::Memory(..) => "no REDIS_URL: using the embedded in-memory backend \
                 (set REDIS_URL=redis://HOST:6379/0 to run it on Redis)"
                .to_owned(),
        }
    }

    /// A subscriber of `group` on this backend, with the demo's settings: quick retries and
    /// claims, only this run's events.
    fn subscriber(&self, group: &str) -> SubscriberBuilder {
        let (Backend::Redis(config) | Backend::Memory(config, _)) = self;
        let mut config = config.clone();
        let settings = &mut config.subscriber;
        settings.consumer_group = group.to_owned();
        // Only this run's events, also on a shared Redis.
        settings.start_position = StartPosition::NewOnly;
        settings.max_deliveries = 3;
        settings.claim_min_idle = Duration::from_millis(200);
        settings.claim_interval = Duration::from_millis(100);
        settings.retry_backoff = Duration::from_millis(50);
        settings.retry_backoff_max = Duration::from_millis(200);
        match self {
            Backend::Redis(_) => Subscriber::builder(&config),
            Backend::Memory(_, broker) => Subscriber::builder(&config).in_memory(broker),
        }
    }

    async fn publisher(&self) -> anyhow::Result<Publisher> {
        let publisher = match self {
            Backend::Redis(config) => Publisher::new(config)
                .await
                .map_err(|error| self.failure(error))?,
            Backend::Memory(config, broker) => Publisher::in_memory(broker, config),
        };
        publisher
            .register(&published())
            .await
            .map_err(|error| self.failure(error))?;
        Ok(publisher)
    }

    /// A failure to start publishing or consuming.
    fn failure(&self, error: event_runtime::Error) -> anyhow::Error {
        match self {
            Backend::Redis(config) => crate::connect::unreachable(config, error),
            Backend::Memory(..) => anyhow::Error::new(error).context("starting the demo"),
        }
    }

    /// The dead letters of `event_type`, each as its fields.
    async fn dead_letters(&self, event_type: &str) -> anyhow::Result<Vec<HashMap<String, String>>> {
        let entries = match self {
            Backend::Redis(config) => {
                let admin = Admin::connect(config, RESPONSE_TIMEOUT).await?;
                let key = admin.dead_letter_key(event_type);
                admin.pages(&key, "-", "+").all().await?
            }
            Backend::Memory(_, broker) => broker.dead_letters(event_type),
        };
        Ok(entries
            .iter()
            .map(|entry| {
                entry
                    .fields
                    .iter()
                    .map(|(key, value)| (key.clone(), String::from_utf8_lossy(value).into_owned()))
                    .collect()
            })
            .collect())
    }
}

/// What the handlers saw, shared between them and the report.
#[derive(Default)]
struct Observed {
    users: Vec<String>,
    requests: Vec<String>,
    notifications: usize,
    attempts: HashMap<String, u32>,
}

type Shared = Arc<Mutex<Observed>>;

fn lock(observed: &Shared) -> std::sync::MutexGuard<'_, Observed> {
    // A handler that panicked cannot leave the counters half-written; keep going.
    observed
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(super) fn user_v1(first: &str, last: Option<&str>, user_id: i64) -> UserCreatedV1 {
    UserCreatedV1 {
        envelope: Envelope::new().with_user_id(user_id),
        telegram_id: 900_000 + user_id,
        username: None,
        first_name: first.to_owned(),
        last_name: last.map(str::to_owned),
        phone_number: Some("+44 7700 900123".to_owned()),
        role: "executor".to_owned(),
        specializations: Some(vec!["plumbing".to_owned()]),
        is_verified: false,
    }
}

pub(super) fn request_v1(number: &str, urgency: Urgency, description: &str) -> RequestCreatedV1 {
    RequestCreatedV1 {
        envelope: Envelope::new(),
        request_number: number.to_owned(),
        creator_id: 12345,
        description: description.to_owned(),
        location: "Flat 4, 12 Baker Street".to_owned(),
        urgency,
        specialization_required: Some("plumbing".to_owned()),
        estimated_duration: Some(90),
        photos: None,
    }
}

pub(super) fn notification(recipient_id: i64, message: &str) -> NotificationSendV1 {
    NotificationSendV1 {
        envelope: Envelope::new(),
        recipient_id,
        message: message.to_owned(),
        notification_type: NotificationType::Telegram,
        channel: "telegram".to_owned(),
        priority: NotificationPriority::Normal,
        template_id: None,
        template_data: None,
    }
}

/// Runs the command.
pub async fn run(args: &Args) -> anyhow::Result<Outcome> {
    let backend = Backend::from_env()?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "events demo: {}", backend.describe())?;

    let group = format!("events-demo-{}", std::process::id());
    let observed: Shared = Arc::default();
    let (users, requests, notes) = (
        Arc::clone(&observed),
        Arc::clone(&observed),
        Arc::clone(&observed),
    );
    let subscriber = backend
        .subscriber(&group)
        .on(move |event: UserCreatedV2| {
            let users = Arc::clone(&users);
            async move {
                lock(&users).users.push(event.full_name);
                Ok(())
            }
        })
        .on(move |event: RequestCreatedV2| {
            let requests = Arc::clone(&requests);
            async move {
                let mut seen = lock(&requests);
                let attempts = seen
                    .attempts
                    .entry(event.request_number.clone())
                    .or_default();
                *attempts += 1;
                // The printer for this request is out of paper twice before it works.
                if event.request_number.ends_with("-002") && *attempts <= 2 {
                    return Err(HandlerError::new(format!(
                        "work-order printer offline (attempt {attempts})"
                    )));
                }
                let line = format!(
                    "{} {:?} -> {:?}",
                    event.request_number, event.description, event.priority
                );
                seen.requests.push(line);
                Ok(())
            }
        })
        .on(move |event: NotificationSendV1| {
            let notes = Arc::clone(&notes);
            async move {
                if event.recipient_id == 0 {
                    return Err(HandlerError::new(
                        "no chat for recipient 0: the bot was never started",
                    ));
                }
                lock(&notes).notifications += 1;
                Ok(())
            }
        })
        .build()
        .await
        .map_err(|error| backend.failure(error))?;
    let running = subscriber.spawn();

    let publisher = backend.publisher().await?;
    let options = PublishOptions::new().correlation_id(format!("demo-{}", std::process::id()));
    let mut published = 0;
    for user in [
        user_v1("John", Some("Doe"), 101),
        user_v1("Amira", None, 102),
    ] {
        publisher
            .publish_with(&user, &options)
            .await
            .context("publishing user.created v1")?;
        published += 1;
    }
    let mut newer = UserCreatedV2::from(user_v1("Grace", Some("Hopper"), 103));
    newer.permissions = vec!["requests.assign".to_owned()];
    publisher
        .publish_with(&newer, &options)
        .await
        .context("publishing user.created v2")?;
    published += 1;
    let requests = [
        request_v1(
            "251126-001",
            Urgency::Critical,
            "water leaking through the ceiling",
        ),
        request_v1("251126-002", Urgency::Medium, "kitchen tap drips"),
        request_v1("251126-003", Urgency::Low, "loose skirting board"),
    ];
    let receipts = publisher
        .publish_batch(&requests)
        .await
        .context("publishing request.created v1")?;
    published += receipts.len();
    for note in [
        notification(101, "Your request 251126-001 was received"),
        notification(0, "poison"),
    ] {
        publisher
            .publish_with(&note, &options)
            .await
            .context("publishing notification.send v1")?;
        published += 1;
    }
    writeln!(
        out,
        "published {published} events: 3 user.created (2 as v1), 3 request.created (v1), 2 notification.send"
    )?;

    let dead_letters =
        wait_for_outcome(&backend, &observed, Duration::from_secs(args.timeout)).await?;
    let handle = running.handle();
    let health = handle.health().await;
    running
        .shutdown()
        .await
        .context("stopping the demo consumer")?;

    let seen = lock(&observed);
    writeln!(out, "\nconsumed through group `{group}`:")?;
    writeln!(
        out,
        "  user.created, read as v2 (v1 events upgraded on the way in; full_name computed):"
    )?;
    for name in &seen.users {
        writeln!(out, "    - {name:?}")?;
    }
    writeln!(
        out,
        "  request.created, read as v2 (urgency mapped to priority):"
    )?;
    for line in &seen.requests {
        writeln!(out, "    - {line}")?;
    }
    let retried: BTreeMap<&String, &u32> = seen.attempts.iter().filter(|(_, n)| **n > 1).collect();
    for (number, attempts) in retried {
        writeln!(
            out,
            "    retried: {number} failed twice, succeeded on attempt {attempts}, then acknowledged"
        )?;
    }
    writeln!(out, "  notification.send: {} delivered", seen.notifications)?;
    for entry in &dead_letters {
        writeln!(
            out,
            "    dead letter: {} entry {} after {} attempts: {}",
            entry
                .get(provenance::ORIGINAL_STREAM)
                .map_or("?", String::as_str),
            entry
                .get(provenance::ORIGINAL_ID)
                .map_or("?", String::as_str),
            entry.get(provenance::ATTEMPTS).map_or("?", String::as_str),
            entry.get(provenance::ERROR).map_or("?", String::as_str),
        )?;
    }
    let pending: u64 = health.pending_messages.values().sum();
    writeln!(
        out,
        "\nhealth: {} pending after shutdown, consumer {}",
        pending, health.consumer_name
    )?;
    writeln!(
        out,
        "nothing lost: every event was handled once or dead-lettered with its reason"
    )?;
    Ok(Outcome::Clean)
}

/// Waits until every expected outcome happened; returns the dead letters of this run.
async fn wait_for_outcome(
    backend: &Backend,
    observed: &Shared,
    timeout: Duration,
) -> anyhow::Result<Vec<HashMap<String, String>>> {
    let correlation = format!("demo-{}", std::process::id());
    let started = Instant::now();
    loop {
        let ours: Vec<HashMap<String, String>> = backend
            .dead_letters("notification.send")
            .await?
            .into_iter()
            .filter(|fields| {
                fields
                    .get("event_data")
                    .is_some_and(|data| data.contains(&correlation))
            })
            .collect();
        let done = {
            let seen = lock(observed);
            seen.users.len() == 3 && seen.requests.len() == 3 && seen.notifications == 1
        };
        if done && !ours.is_empty() {
            return Ok(ours);
        }
        if started.elapsed() > timeout {
            bail!(
                "the demo did not finish within {} s; is another consumer draining the streams?",
                timeout.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
