//! Observability: metrics through the `metrics` facade (recorded by `metrics-util`'s debugging
//! recorder), among them the entries a forced trim took from a consumer group, and the
//! correlation id handed from a handled event to the events its handler publishes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use event_runtime::config::{HardCap, Retention};
use event_runtime::memory::MemoryBroker;
use event_runtime::observe::{current_correlation_id, with_correlation_id};
use event_runtime::wire::trimmed_key;
use event_runtime::{Config, Envelope, HandlerError, PublishOptions, Publisher, Subscriber};
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use metrics_util::{CompositeKey, MetricKind};
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};

use crate::common::{Recorder as Handled, config, eventually, redis, server};

/// Asked for by a test.
#[derive(Debug, Clone, Serialize, Deserialize, event_runtime::Event)]
#[event(name = "probe.requested", version = 1)]
struct ProbeRequestedV1 {
    #[serde(flatten)]
    envelope: Envelope,
    n: i64,
}

/// Published by the handler of `probe.requested`.
#[derive(Debug, Clone, Serialize, Deserialize, event_runtime::Event)]
#[event(name = "probe.answered", version = 1)]
struct ProbeAnsweredV1 {
    #[serde(flatten)]
    envelope: Envelope,
    n: i64,
}

/// Counted by the metrics test (a type of its own: the recorder is global to the binary).
#[derive(Debug, Clone, Serialize, Deserialize, event_runtime::Event)]
#[event(name = "probe.metered", version = 1)]
struct ProbeMeteredV1 {
    #[serde(flatten)]
    envelope: Envelope,
    n: i64,
}

fn probe<E: From<(Envelope, i64)>>(n: i64) -> E {
    E::from((Envelope::new(), n))
}

impl From<(Envelope, i64)> for ProbeRequestedV1 {
    fn from((envelope, n): (Envelope, i64)) -> Self {
        Self { envelope, n }
    }
}

impl From<(Envelope, i64)> for ProbeMeteredV1 {
    fn from((envelope, n): (Envelope, i64)) -> Self {
        Self { envelope, n }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_hand_their_correlation_id_to_what_they_publish() {
    let server = server();
    let config = config(&server);
    let publisher = Publisher::new(&config).await.expect("publisher");

    let answering = publisher.clone();
    let mut config = config.clone();
    config.subscriber.consumer_group = "answerer".into();
    let requests = Subscriber::builder(&config)
        .on(move |request: ProbeRequestedV1| {
            let publisher = answering.clone();
            async move {
                let answer = ProbeAnsweredV1 {
                    envelope: Envelope::new(),
                    n: request.n,
                };
                // No correlation id given: the handled event's is used.
                publisher.publish(&answer).await?;
                // Work handed to another task keeps it when wrapped.
                let id = current_correlation_id();
                let spawned = tokio::spawn(with_correlation_id(id.clone(), async {
                    current_correlation_id()
                }))
                .await
                .map_err(HandlerError::new)?;
                assert_eq!(spawned, id);
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();
    let seen: Handled<(i64, Option<String>, String)> = Handled::new();
    let recorder = seen.clone();
    let mut config = config.clone();
    config.subscriber.consumer_group = "audit".into();
    let answers = Subscriber::builder(&config)
        .on(move |answer: ProbeAnsweredV1| {
            recorder.push((
                answer.n,
                answer.envelope.correlation_id.clone(),
                answer.envelope.source_service.clone(),
            ));
            std::future::ready(Ok::<(), HandlerError>(()))
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();

    publisher
        .publish_with(
            &probe::<ProbeRequestedV1>(1),
            &PublishOptions::new().correlation_id("req-42"),
        )
        .await
        .expect("publish");
    let mut own = probe::<ProbeRequestedV1>(2);
    own.envelope.correlation_id = Some("from-envelope".to_owned());
    publisher.publish(&own).await.expect("publish");
    publisher
        .publish(&probe::<ProbeRequestedV1>(3))
        .await
        .expect("publish");
    assert_eq!(current_correlation_id(), None, "outside any handler");

    eventually("three answers", Duration::from_secs(10), || async {
        seen.len() == 3
    })
    .await;
    let mut answers_seen = seen.all();
    answers_seen.sort();
    assert_eq!(
        answers_seen,
        [
            (1, Some("req-42".to_owned()), "tests".to_owned()),
            (2, Some("from-envelope".to_owned()), "tests".to_owned()),
            (3, None, "tests".to_owned()),
        ]
    );
    requests.shutdown().await.expect("shutdown");
    answers.shutdown().await.expect("shutdown");
}

fn snapshotter() -> &'static Snapshotter {
    static SNAPSHOTTER: OnceLock<Snapshotter> = OnceLock::new();
    SNAPSHOTTER.get_or_init(|| {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        recorder
            .install()
            .expect("the only metrics recorder of this test binary");
        snapshotter
    })
}

/// What the metrics tests have seen, by name and labels: gauges, and counter increments and
/// histogram sample counts accumulated over snapshots. A snapshot drains both, and the tests of
/// this binary share one recorder, so every snapshot is accumulated in one place that each
/// test's view copies: a test taking a snapshot never takes away what another waits for.
#[derive(Default)]
struct Metrics {
    values: HashMap<String, f64>,
}

fn name(key: &CompositeKey) -> String {
    let mut labels: Vec<String> = key
        .key()
        .labels()
        .map(|label| format!("{}={}", label.key(), label.value()))
        .collect();
    labels.sort();
    format!("{}{{{}}}", key.key().name(), labels.join(","))
}

impl Metrics {
    fn update(&mut self) {
        static SEEN: Mutex<Option<HashMap<String, f64>>> = Mutex::new(None);
        let mut seen = SEEN.lock().unwrap_or_else(PoisonError::into_inner);
        let seen = seen.get_or_insert_with(HashMap::new);
        for (key, _, _, value) in snapshotter().snapshot().into_vec() {
            let name = name(&key);
            match (key.kind(), value) {
                (MetricKind::Counter, DebugValue::Counter(count)) => {
                    *seen.entry(name).or_default() += count as f64;
                }
                (MetricKind::Gauge, DebugValue::Gauge(gauge)) => {
                    seen.insert(name, gauge.into_inner());
                }
                (MetricKind::Histogram, DebugValue::Histogram(samples)) => {
                    *seen.entry(name).or_default() += samples.len() as f64;
                }
                _ => {}
            }
        }
        self.values.clone_from(seen);
    }

    fn get(&self, name: &str) -> f64 {
        self.values.get(name).copied().unwrap_or_default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumption_is_counted_timed_and_its_backlog_gauged() {
    snapshotter();
    let server = server();
    let config = config(&server);
    let publisher = Publisher::new(&config).await.expect("publisher");
    let attempts = Arc::new(Mutex::new(HashMap::<i64, u32>::new()));
    let counting = attempts.clone();
    let mut config = config.clone();
    config.subscriber.consumer_group = "metered".into();
    config.subscriber.metrics_interval = Duration::from_millis(20);
    let subscriber = Subscriber::builder(&config)
        .on(move |event: ProbeMeteredV1| {
            let attempt = {
                let mut attempts = counting.lock().expect("lock");
                let attempt = attempts.entry(event.n).or_insert(0);
                *attempt += 1;
                *attempt
            };
            std::future::ready(match (event.n, attempt) {
                (2, 1) => Err(HandlerError::new("try again")),
                (3, _) => Err(HandlerError::permanent("never")),
                _ => Ok(()),
            })
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();
    let events: Vec<ProbeMeteredV1> = (1..=3).map(probe).collect();
    publisher.publish_batch(&events).await.expect("publish");
    let mut conn = redis(&server).await;
    let _: String = conn
        .xadd(
            "events:probe.metered",
            "*",
            &[("version", "v1"), ("event_data", "not json")],
        )
        .await
        .expect("XADD");

    let labels = "event_type=probe.metered,group=metered";
    let mut seen = Metrics::default();
    eventually("every outcome counted", Duration::from_secs(10), || {
        seen.update();
        let done = ["ok", "retried", "dead_lettered", "invalid"]
            .iter()
            .map(|outcome| {
                seen.get(&format!(
                    "events_consumed_total{{{labels},outcome={outcome}}}"
                ))
            })
            .collect::<Vec<_>>()
            == [2.0, 1.0, 1.0, 1.0];
        std::future::ready(done)
    })
    .await;
    eventually("gauges polled", Duration::from_secs(5), || {
        seen.update();
        std::future::ready(
            seen.get(&format!("events_dead_letters{{{labels}}}")) == 2.0
                && seen.get(&format!("events_pending{{{labels}}}")) == 0.0
                && seen
                    .values
                    .contains_key(&format!("events_consumer_lag{{{labels}}}")),
        )
    })
    .await;
    assert_eq!(
        seen.get("events_published_total{event_type=probe.metered,service=tests}"),
        3.0
    );
    assert_eq!(
        seen.get(&format!("events_handler_duration_seconds{{{labels}}}")),
        4.0,
        "ok twice, the failure, the permanent failure"
    );
    assert!(seen.get(&format!("events_end_to_end_latency_seconds{{{labels}}}")) >= 3.0);
    subscriber.shutdown().await.expect("shutdown");
}

/// Trimmed past the hard cap by the retention test (a type of its own, as above).
#[derive(Debug, Clone, Serialize, Deserialize, event_runtime::Event)]
#[event(name = "probe.trimmed", version = 1)]
struct ProbeTrimmedV1 {
    #[serde(flatten)]
    envelope: Envelope,
    n: i64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forced_trim_counts_the_entries_each_group_lost() {
    snapshotter();
    let broker = MemoryBroker::new();
    let mut config = Config::default();
    config.publisher.retention = Retention::MaxLen(10);
    config.publisher.hard_cap = HardCap::Limit(Retention::MaxLen(20));
    config.publisher.retention_interval = Duration::from_millis(20);
    config.subscriber.consumer_group = "behind".into();
    // The group exists, reads nothing and is gone before anything is published.
    Subscriber::builder(&config)
        .in_memory(&broker)
        .on(|_: ProbeTrimmedV1| std::future::ready(Ok::<(), HandlerError>(())))
        .build()
        .await
        .expect("subscriber")
        .spawn()
        .shutdown()
        .await
        .expect("shutdown");
    let publisher = Publisher::in_memory(&broker, &config);
    let events: Vec<ProbeTrimmedV1> = (0..50)
        .map(|n| ProbeTrimmedV1 {
            envelope: Envelope::new(),
            n,
        })
        .collect();
    publisher.publish_batch(&events).await.expect("publish");
    let mut seen = Metrics::default();
    eventually("the loss counted", Duration::from_secs(10), || {
        seen.update();
        std::future::ready(
            seen.get("events_retention_forced_trim_total{event_type=probe.trimmed,group=behind}")
                > 0.0,
        )
    })
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    seen.update();
    assert_eq!(
        seen.get("events_retention_forced_trim_total{event_type=probe.trimmed,group=behind}"),
        30.0,
        "50 entries, a hard cap of 20: the 30 oldest, none of them read by the group"
    );
    assert_eq!(broker.entries("events:probe.trimmed").len(), 20);
    let records = broker.entries(&trimmed_key("events:probe.trimmed"));
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].text("lost"), Some("30"));
}
