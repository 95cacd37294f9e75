//! Shared pieces of the fault tests: the probe event, a tally of handled events, fast
//! settings, subscribers and paced publishing, waiting for the group to settle, and a look at
//! what Redis holds.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use event_runtime::testing::eventually;
use event_runtime::testing::{RedisServer, fast_config};
use event_runtime::{
    Config, Envelope, Event, HandlerError, Publisher, RunningSubscriber, Subscriber,
};
use serde::{Deserialize, Serialize};

/// The stream of the probe events.
pub const STREAM: &str = "events:fault.probe";
/// Its dead-letter stream.
pub const DEAD_LETTERS: &str = "events:dlq:fault.probe";
/// The consumer group of every test.
pub const GROUP: &str = "workers";

/// What every fault test publishes: a sequence number to count by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[event(name = "fault.probe", version = 1)]
pub struct ProbeV1 {
    #[serde(flatten)]
    pub envelope: Envelope,
    pub seq: u64,
    pub payload: String,
}

pub fn probe(seq: u64) -> ProbeV1 {
    ProbeV1 {
        envelope: Envelope::new(),
        seq,
        payload: format!("probe {seq}"),
    }
}

pub fn probes(range: Range<u64>) -> Vec<ProbeV1> {
    range.map(probe).collect()
}

/// A fresh `redis-server` (AOF on) for one test.
pub fn server() -> RedisServer {
    RedisServer::start().unwrap_or_else(|error| panic!("{error}"))
}

/// Settings tuned for fault tests: short blocks, claims and backoffs.
pub fn config(url: &str) -> Config {
    let mut config = fast_config(url);
    config.service_name = "faults".to_owned();
    config.publisher.publish_timeout = Duration::from_secs(10);
    let subscriber = &mut config.subscriber;
    subscriber.consumer_group = GROUP.to_owned();
    subscriber.block_time = Duration::from_millis(100);
    subscriber.claim_min_idle = Duration::from_millis(500);
    subscriber.claim_interval = Duration::from_millis(50);
    subscriber.retry_backoff_max = Duration::from_millis(200);
    subscriber.concurrency = 16;
    subscriber.batch_size = 64;
    config
}

/// Completed handler runs per sequence number, shared by handlers and the test.
#[derive(Debug, Clone, Default)]
pub struct Tally(Arc<Mutex<HashMap<u64, u64>>>);

impl Tally {
    pub fn record(&self, seq: u64) {
        *self.0.lock().expect("tally").entry(seq).or_default() += 1;
    }

    /// Distinct events handled.
    pub fn handled(&self) -> u64 {
        self.0.lock().expect("tally").len() as u64
    }

    /// Runs beyond the first per event.
    pub fn duplicates(&self) -> u64 {
        self.0
            .lock()
            .expect("tally")
            .values()
            .map(|runs| runs - 1)
            .sum()
    }

    pub fn contains(&self, seq: u64) -> bool {
        self.0.lock().expect("tally").contains_key(&seq)
    }

    /// Which of `expected` were never handled.
    pub fn missing(&self, expected: impl IntoIterator<Item = u64>) -> BTreeSet<u64> {
        let seen = self.0.lock().expect("tally");
        expected
            .into_iter()
            .filter(|seq| !seen.contains_key(seq))
            .collect()
    }
}

/// A plain connection for looking at (and tampering with) what is stored. Reading 10,000
/// entries on a busy machine can take longer than redis-rs's default 500 ms.
pub async fn redis(url: &str) -> redis::aio::MultiplexedConnection {
    let config =
        redis::AsyncConnectionConfig::new().set_response_timeout(Some(Duration::from_secs(30)));
    redis::Client::open(url)
        .expect("client")
        .get_multiplexed_async_connection_with_config(&config)
        .await
        .expect("connection")
}

/// Runs one command on a fresh connection (the test's own, not through any proxy).
pub async fn command<T: redis::FromRedisValue>(url: &str, cmd: &redis::Cmd) -> T {
    cmd.query_async(&mut redis(url).await)
        .await
        .unwrap_or_else(|error| panic!("{cmd:?}: {error}"))
}

/// What the group's state in Redis says.
#[derive(Debug, Clone, Copy)]
pub struct GroupState {
    /// Entries in the stream.
    pub length: u64,
    /// Entries at or before the group's last delivered id: delivered at least once.
    pub delivered: u64,
    /// Delivered and not acknowledged.
    pub pending: u64,
}

impl GroupState {
    /// Delivered and acknowledged.
    pub fn acked(&self) -> u64 {
        self.delivered - self.pending
    }
}

pub async fn group_state(url: &str, stream: &str) -> GroupState {
    let mut conn = redis(url).await;
    let length: u64 = redis::cmd("XLEN")
        .arg(stream)
        .query_async(&mut conn)
        .await
        .expect("XLEN");
    let groups: redis::streams::StreamInfoGroupsReply = redis::cmd("XINFO")
        .arg("GROUPS")
        .arg(stream)
        .query_async(&mut conn)
        .await
        .expect("XINFO GROUPS");
    let group = groups
        .groups
        .into_iter()
        .find(|group| group.name == GROUP)
        .expect("the group exists");
    let ids: Vec<redis::streams::StreamId> = {
        let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
            .arg(stream)
            .arg("-")
            .arg(&group.last_delivered_id)
            .query_async(&mut conn)
            .await
            .expect("XRANGE");
        reply.ids
    };
    GroupState {
        length,
        delivered: ids.len() as u64,
        pending: group.pending as u64,
    }
}

/// Entries of a stream, oldest first: id and `seq` (from `event_data`, when it has one).
pub async fn stream_seqs(url: &str, stream: &str) -> Vec<(String, Option<u64>)> {
    let reply: redis::streams::StreamRangeReply =
        command(url, redis::cmd("XRANGE").arg(stream).arg("-").arg("+")).await;
    reply
        .ids
        .into_iter()
        .map(|entry| {
            let seq = entry
                .get::<String>("event_data")
                .and_then(|data| serde_json::from_str::<serde_json::Value>(&data).ok())
                .and_then(|value| value.get("seq").and_then(serde_json::Value::as_u64));
            (entry.id, seq)
        })
        .collect()
}

/// Ids pending for one consumer of the group.
pub async fn pending_of(url: &str, consumer: &str) -> Vec<String> {
    let reply: redis::streams::StreamPendingCountReply = command(
        url,
        redis::cmd("XPENDING")
            .arg(STREAM)
            .arg(GROUP)
            .arg("-")
            .arg("+")
            .arg(10_000)
            .arg(consumer),
    )
    .await;
    reply.ids.into_iter().map(|entry| entry.id).collect()
}

/// A subscriber named `name` in the group, counting each handled probe in `tally`.
pub async fn subscriber(config: &Config, name: &str, tally: Tally) -> RunningSubscriber {
    let mut config = config.clone();
    config.subscriber.consumer_name = Some(name.into());
    Subscriber::builder(&config)
        .on(move |event: ProbeV1| {
            let tally = tally.clone();
            async move {
                tally.record(event.seq);
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .await
        .expect("subscriber")
        .spawn()
}

/// Subscribers `a` and `b` of the group, each counting the probes it handles in `tally`.
pub async fn two_subscribers(config: &Config, tally: &Tally) -> Vec<RunningSubscriber> {
    vec![
        subscriber(config, "a", tally.clone()).await,
        subscriber(config, "b", tally.clone()).await,
    ]
}

/// Shuts every subscriber down, each within its shutdown timeout.
pub async fn shut_down(running: Vec<RunningSubscriber>) {
    for subscriber in running {
        subscriber.shutdown().await.expect("shutdown");
    }
}

/// Waits until every probe of `seqs` is handled (within `within`), then until the group has
/// nothing pending (within 10 s).
pub async fn wait_until_settled(url: &str, tally: &Tally, seqs: Range<u64>, within: Duration) {
    eventually(&format!("probes {seqs:?} handled"), within, || {
        let missing = tally.missing(seqs.clone()).len();
        async move { missing == 0 }
    })
    .await;
    eventually("nothing pending", Duration::from_secs(10), || async move {
        group_state(url, STREAM).await.pending == 0
    })
    .await;
}

/// Probes `0..sent` published in chunks of `chunk` on a task of their own, each chunk until
/// Redis acknowledges it (see [`publish_until_written`]), with `pause` between chunks: the
/// traffic a fault is injected into.
pub struct PacedPublishing {
    published: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<u64>,
}

impl PacedPublishing {
    pub fn start(publisher: Publisher, sent: u64, chunk: u64, pause: Duration) -> Self {
        let published = Arc::new(AtomicU64::new(0));
        let progress = published.clone();
        let task = tokio::spawn(async move {
            let mut failures = 0;
            for start in (0..sent).step_by(chunk as usize) {
                failures += publish_until_written(&publisher, &probes(start..start + chunk)).await;
                progress.store(start + chunk, Ordering::SeqCst);
                tokio::time::sleep(pause).await;
            }
            failures
        });
        Self { published, task }
    }

    /// Probes Redis has acknowledged so far.
    pub fn published(&self) -> u64 {
        self.published.load(Ordering::SeqCst)
    }

    /// Waits until at least `at` probes are acknowledged (within 30 s).
    pub async fn reached(&self, at: u64) {
        eventually("publishing progresses", Duration::from_secs(30), || {
            let published = self.published();
            async move { published >= at }
        })
        .await;
    }

    /// Waits for the last chunk; returns the publish calls that failed and were retried with
    /// the same event ids.
    pub async fn finish(self) -> u64 {
        self.task.await.expect("publishing task")
    }
}

/// Publishes `events` until Redis acknowledges them, counting failed attempts (each retried
/// with the same event ids).
pub async fn publish_until_written(publisher: &Publisher, events: &[ProbeV1]) -> u64 {
    let mut failures = 0;
    while publisher.publish_batch(events).await.is_err() {
        failures += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    failures
}
