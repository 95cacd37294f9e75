//! The console without Redis: an in-memory broker (`event_runtime::memory::MemoryBroker`)
//! that `events ui` fills itself, since what `events demo` did in memory ended with its
//! process.
//!
//! It runs the demo's scenario (the same events and handlers: v1 users read as v2, a work
//! order whose printer fails twice, a notification to recipient 0 that always fails and ends
//! as a dead letter), then keeps a little traffic going so that the Streams page moves: a
//! burst of registrations every few seconds, read by the demo's group and by a slow
//! `reports` group that lags behind each burst, and now and then another poison
//! notification. The figures are the broker's own (pending and lag from the running
//! subscribers' health, lengths and dead letters from the broker); nothing outlives the
//! process. The broker offers no operator re-delivery, so requeue needs Redis here; purge
//! works.

use std::time::Duration;

use anyhow::{Context, bail};
use event_runtime::fleet::FleetReader;
use event_runtime::memory::MemoryBroker;
use event_runtime::wire::EntryId;
use event_runtime::{Config, HandlerError, Publisher, RunningSubscriber, Subscriber};
use hyper::StatusCode;
use serde_json::{Value, json};

use super::backend::{StreamEntry, dead_letter_key, stream_key};
use super::error::ApiError;
use super::figures::{ConsumerFigures, GroupFigures, Snapshot, StreamFigures, now_ms};
use super::input::Selection;
use crate::catalogue::events::{NotificationSendV1, RequestCreatedV2, Urgency, UserCreatedV2};
use crate::commands::demo::{notification, published, request_v1, user_v1};

/// The types the demo world publishes.
const TYPES: [&str; 3] = ["user.created", "request.created", "notification.send"];

/// The group of `events demo`.
const DEMO_GROUP: &str = "events-demo";

/// A group that reads registrations slowly, so that bursts show as lag.
const SLOW_GROUP: &str = "reports";

/// Time between bursts of traffic.
const BURST_EVERY: Duration = Duration::from_secs(8);

/// Dead letters the traffic may add, at most (one every few bursts).
const MAX_EXTRA_DEAD_LETTERS: usize = 10;

/// The in-memory world and what runs in it.
#[derive(Debug)]
pub struct DemoWorld {
    broker: MemoryBroker,
    subscribers: Vec<RunningSubscriber>,
    traffic: tokio::task::JoinHandle<()>,
}

impl DemoWorld {
    /// Starts the subscribers, publishes the demo's events and waits for its dead letter.
    pub async fn start() -> anyhow::Result<Self> {
        let broker = MemoryBroker::new();
        let mut config = Config::default();
        config.service_name = "events-ui-demo".to_owned();
        // The demo's group, as `events demo` sets it up: quick retries, three attempts.
        let mut demo_settings = config.clone();
        let subscriber = &mut demo_settings.subscriber;
        subscriber.consumer_group = DEMO_GROUP.to_owned();
        subscriber.max_deliveries = 3;
        subscriber.claim_min_idle = Duration::from_millis(200);
        subscriber.claim_interval = Duration::from_millis(100);
        subscriber.retry_backoff = Duration::from_millis(50);
        subscriber.retry_backoff_max = Duration::from_millis(200);
        let demo = Subscriber::builder(&demo_settings)
            .in_memory(&broker)
            .on(|_: UserCreatedV2| async { Ok(()) })
            .on({
                let attempts = std::sync::Arc::new(std::sync::Mutex::new(0u32));
                move |event: RequestCreatedV2| {
                    let attempts = std::sync::Arc::clone(&attempts);
                    async move {
                        // The printer for this work order is out of paper twice, as in the demo.
                        if event.request_number.ends_with("-002") {
                            let mut count = attempts
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner);
                            *count += 1;
                            if *count <= 2 {
                                return Err(HandlerError::new(format!(
                                    "work-order printer offline (attempt {count})"
                                )));
                            }
                        }
                        Ok(())
                    }
                }
            })
            .on(|event: NotificationSendV1| async move {
                if event.recipient_id == 0 {
                    return Err(HandlerError::new(
                        "no chat for recipient 0: the bot was never started",
                    ));
                }
                Ok(())
            })
            .build()
            .await
            .context("starting the demo's consumer group")?
            .spawn();
        // A slow reader of registrations, one at a time.
        let mut slow_settings = config.clone();
        slow_settings.subscriber.consumer_group = SLOW_GROUP.to_owned();
        slow_settings.subscriber.concurrency = 1;
        let reports = Subscriber::builder(&slow_settings)
            .in_memory(&broker)
            .on(|_: UserCreatedV2| async {
                tokio::time::sleep(Duration::from_millis(1500)).await;
                Ok(())
            })
            .build()
            .await
            .context("starting the reports group")?
            .spawn();
        let publisher = Publisher::in_memory(&broker, &config);
        // In the fleet registry as the producer of what it publishes, as `events demo` is.
        publisher
            .register(&published())
            .await
            .context("registering the demo's publisher")?;
        seed(&publisher).await?;
        wait_for_dead_letter(&broker).await?;
        let traffic = tokio::spawn(traffic(publisher, broker.clone()));
        Ok(Self {
            broker,
            subscribers: vec![demo, reports],
            traffic,
        })
    }

    /// Stops the traffic and the subscribers.
    pub async fn stop(self) {
        self.traffic.abort();
        for subscriber in self.subscribers {
            let _ = subscriber.shutdown().await;
        }
    }

    /// The fleet registry of the broker: the demo's publisher and its two groups.
    pub fn fleet_reader(&self) -> FleetReader {
        FleetReader::in_memory(&self.broker)
    }

    pub fn dead_letter_key(event_type: &str) -> String {
        dead_letter_key(event_type)
    }

    /// Every stream the world wrote, with its groups as their subscribers report them.
    pub async fn snapshot(&self) -> anyhow::Result<Snapshot> {
        let now = now_ms();
        let mut healths = Vec::new();
        for subscriber in &self.subscribers {
            healths.push(subscriber.handle().health().await);
        }
        let mut streams = Vec::new();
        for event_type in TYPES {
            let stream = stream_key(event_type);
            let length = self.broker.entries(&stream).len() as u64;
            if length == 0 {
                continue;
            }
            let groups = healths
                .iter()
                .filter_map(|health| {
                    let pending = *health.pending_messages.get(event_type)?;
                    let idle_ms = health
                        .last_read_at
                        .map(|at| now.saturating_sub(at.timestamp_millis().max(0) as u64));
                    Some(GroupFigures {
                        group: health.consumer_group.clone(),
                        pending,
                        lag: health.lag.get(event_type).copied().flatten(),
                        oldest_pending_age_ms: None,
                        consumers: vec![ConsumerFigures::new(
                            health.consumer_name.clone(),
                            pending,
                            idle_ms,
                        )],
                    })
                })
                .collect();
            streams.push(StreamFigures {
                stream,
                event_type: event_type.to_owned(),
                length,
                dead_letters: self.broker.dead_letters(event_type).len() as u64,
                groups,
            });
        }
        Ok(Snapshot {
            sampled_at_ms: now,
            streams,
        })
    }

    /// Dead letters after `after`, oldest first, and how many there are.
    pub fn dead_letters(
        &self,
        event_type: &str,
        after: Option<&str>,
        count: usize,
    ) -> (u64, Vec<StreamEntry>) {
        let all = self.broker.dead_letters(event_type);
        let total = all.len() as u64;
        (total, page(all, after, count))
    }

    pub fn dead_letter(&self, event_type: &str, id: &str) -> Option<StreamEntry> {
        self.broker
            .dead_letters(event_type)
            .into_iter()
            .find(|entry| entry.id == id)
    }

    /// Entries of the type's stream after `after`, or the last `count`.
    pub fn entries(&self, event_type: &str, after: Option<&str>, count: usize) -> Vec<StreamEntry> {
        let all = self.broker.entries(&stream_key(event_type));
        match after {
            Some(_) => page(all, after, count),
            None => {
                let skip = all.len().saturating_sub(count);
                all.into_iter().skip(skip).collect()
            }
        }
    }

    pub fn requeue(&self) -> Result<Value, ApiError> {
        Err(ApiError::new(
            StatusCode::CONFLICT,
            "requeue hands a dead letter back to its group through Redis (XCLAIM); the in-memory demo broker has no such operation",
        )
        .hint("run the console on Redis to requeue: REDIS_URL=redis://127.0.0.1:6379/0 events ui --allow-writes"))
    }

    pub fn purge(&self, event_type: &str, selection: &Selection) -> Result<Value, ApiError> {
        let key = dead_letter_key(event_type);
        let stored: Vec<String> = self
            .broker
            .dead_letters(event_type)
            .into_iter()
            .map(|entry| entry.id)
            .collect();
        let ids: Vec<&str> = match selection {
            Selection::All => stored.iter().map(String::as_str).collect(),
            Selection::Ids(ids) => {
                let missing: Vec<&str> = ids
                    .iter()
                    .filter(|id| !stored.contains(id))
                    .map(String::as_str)
                    .collect();
                if !missing.is_empty() {
                    return Err(ApiError::not_found(format!(
                        "{key} has no entry {}; nothing was deleted",
                        missing.join(", ")
                    )));
                }
                ids.iter().map(String::as_str).collect()
            }
        };
        let deleted = self.broker.delete(&key, &ids);
        Ok(json!({ "deleted": deleted }))
    }
}

/// Entries after `after` (all when `None`), at most `count`.
fn page(entries: Vec<StreamEntry>, after: Option<&str>, count: usize) -> Vec<StreamEntry> {
    let after: Option<EntryId> = after.map(|after| after.parse().unwrap_or_default());
    entries
        .into_iter()
        .filter(|entry| {
            after.is_none_or(|after| entry.id.parse::<EntryId>().is_ok_and(|id| id > after))
        })
        .take(count)
        .collect()
}

/// The events of `events demo`.
async fn seed(publisher: &Publisher) -> anyhow::Result<()> {
    for user in [
        user_v1("John", Some("Doe"), 101),
        user_v1("Amira", None, 102),
    ] {
        publisher.publish(&user).await?;
    }
    let mut newer = UserCreatedV2::from(user_v1("Grace", Some("Hopper"), 103));
    newer.permissions = vec!["requests.assign".to_owned()];
    publisher.publish(&newer).await?;
    publisher
        .publish_batch(&[
            request_v1(
                "251126-001",
                Urgency::Critical,
                "water leaking through the ceiling",
            ),
            request_v1("251126-002", Urgency::Medium, "kitchen tap drips"),
            request_v1("251126-003", Urgency::Low, "loose skirting board"),
        ])
        .await?;
    publisher
        .publish(&notification(101, "Your request 251126-001 was received"))
        .await?;
    publisher.publish(&notification(0, "poison")).await?;
    Ok(())
}

async fn wait_for_dead_letter(broker: &MemoryBroker) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    while broker.dead_letters("notification.send").is_empty() {
        if started.elapsed() > Duration::from_secs(20) {
            bail!("the demo's poison notification did not reach the dead-letter stream in 20 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// A burst of registrations every [`BURST_EVERY`], a work order with each, and a poison
/// notification every sixth burst while fewer than [`MAX_EXTRA_DEAD_LETTERS`] were added.
async fn traffic(publisher: Publisher, broker: MemoryBroker) {
    const NAMES: [(&str, Option<&str>); 6] = [
        ("Ada", Some("Lovelace")),
        ("Alan", Some("Turing")),
        ("Katherine", Some("Johnson")),
        ("Linus", None),
        ("Margaret", Some("Hamilton")),
        ("Edsger", Some("Dijkstra")),
    ];
    let mut user_id = 200;
    for burst in 1u64.. {
        tokio::time::sleep(BURST_EVERY).await;
        let size = 3 + (burst % 4) as usize;
        for _ in 0..size {
            user_id += 1;
            let (first, last) = NAMES[user_id as usize % NAMES.len()];
            let user = UserCreatedV2::from(user_v1(first, last, user_id));
            if publisher.publish(&user).await.is_err() {
                return;
            }
        }
        let number = format!("251127-{burst:03}");
        let _ = publisher
            .publish(&request_v1(&number, Urgency::Medium, "radiator cold"))
            .await;
        if burst % 6 == 0
            && broker.dead_letters("notification.send").len() <= MAX_EXTRA_DEAD_LETTERS
        {
            let _ = publisher.publish(&notification(0, "poison")).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str) -> StreamEntry {
        StreamEntry {
            id: id.to_owned(),
            fields: Vec::new(),
        }
    }

    #[test]
    fn pages_start_after_the_cursor() {
        let entries = || vec![entry("1-0"), entry("2-0"), entry("10-0")];
        let ids = |page: Vec<StreamEntry>| page.into_iter().map(|e| e.id).collect::<Vec<_>>();
        assert_eq!(ids(page(entries(), None, 2)), ["1-0", "2-0"]);
        assert_eq!(ids(page(entries(), Some("2-0"), 5)), ["10-0"]);
        assert!(page(entries(), Some("10-0"), 5).is_empty());
    }
}
