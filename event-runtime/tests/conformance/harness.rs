//! The backends under test, fast settings, and the counting every case reports.

use std::collections::HashMap;
use std::future::Future;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use event_runtime::config::Retention;
use event_runtime::memory::MemoryBroker;
pub use event_runtime::testing::eventually;
use event_runtime::testing::{RedisCluster, RedisServer, fast_config};
use event_runtime::{Config, Event, HandlerError, Publisher, SubscriberBuilder};

use crate::events::Numbered;

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A `redis-server` of the test's own, with AOF.
    Redis,
    /// An `event_runtime::memory::MemoryBroker`.
    Memory,
    /// A Redis Cluster of the test's own: three masters, three replicas, AOF.
    Cluster,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Redis => "redis",
            Kind::Memory => "memory",
            Kind::Cluster => "cluster",
        }
    }
}

/// A running backend: what the cases publish to and consume from.
#[derive(Debug)]
pub enum Backend {
    /// The server, and the tmpfs directory of a [`durable`](Backend::durable) one.
    Redis(
        RedisServer,
        #[expect(dead_code, reason = "held for its `Drop`, which removes the directory")]
        Option<ShmDir>,
    ),
    Memory(MemoryBroker),
    Cluster(RedisCluster),
}

/// A directory on `/dev/shm`, removed on drop.
#[derive(Debug)]
pub struct ShmDir(PathBuf);

impl ShmDir {
    fn create() -> Option<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let path = PathBuf::from("/dev/shm").join(format!(
            "conformance-redis-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&path).ok().map(|()| Self(path))
    }
}

impl Drop for ShmDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Backend {
    pub fn start(kind: Kind) -> Self {
        match kind {
            Kind::Redis => Backend::Redis(
                RedisServer::start().unwrap_or_else(|error| panic!("{error}")),
                None,
            ),
            Kind::Memory => Backend::Memory(MemoryBroker::new()),
            Kind::Cluster => {
                Backend::Cluster(RedisCluster::start().unwrap_or_else(|error| panic!("{error}")))
            }
        }
    }

    /// Settings for tests: short blocking reads and backoffs. Claims wait 5 s, so that no
    /// entry is claimed from a consumer that is merely slow on a loaded machine (which
    /// at-least-once delivery allows, but these cases count as a duplicate); the cases that
    /// need claims shorten it.
    pub fn config(&self) -> Config {
        let mut config = match self {
            Backend::Redis(server, _) => fast_config(server.url()),
            Backend::Memory(_) => fast_config(Config::default().redis_url),
            Backend::Cluster(cluster) => fast_config(cluster.url()),
        };
        config.service_name = "conformance".to_owned();
        config.publisher.publish_timeout = Duration::from_secs(15);
        config.publisher.retention = Retention::Unbounded;
        let subscriber = &mut config.subscriber;
        subscriber.consumer_group = "conformance".to_owned();
        subscriber.claim_min_idle = Duration::from_secs(5);
        subscriber.claim_interval = Duration::from_millis(50);
        subscriber.shutdown_timeout = Duration::from_secs(10);
        config
    }

    pub async fn publisher(&self, config: &Config) -> Publisher {
        match self {
            Backend::Redis(..) | Backend::Cluster(_) => {
                Publisher::new(config).await.expect("publisher")
            }
            Backend::Memory(broker) => Publisher::in_memory(broker, config),
        }
    }

    pub fn subscriber(&self, config: &Config) -> SubscriberBuilder {
        let builder = event_runtime::Subscriber::builder(config);
        match self {
            Backend::Redis(..) | Backend::Cluster(_) => builder,
            Backend::Memory(broker) => builder.in_memory(broker),
        }
    }

    /// The same kind of backend, configured so that a restart loses no acknowledged write:
    /// Redis with `appendfsync always` (with `everysec`, the default of the test servers,
    /// Redis may reply before a write reaches the AOF file, and a `SIGKILL` then loses up to
    /// about two seconds of acknowledged writes, as documented), its files on the tmpfs
    /// `/dev/shm` where there is one, so that fsync costs nothing (the data survives the
    /// process, which is what a restart tests). The memory broker is unchanged: it keeps its
    /// data across a simulated restart. A cluster is started again the same way
    /// ([`RedisCluster::start_durable`]).
    pub fn durable(self) -> Self {
        match self {
            Backend::Redis(server, _) => {
                drop(server);
                let shm = ShmDir::create();
                let mut args = vec!["--appendfsync", "always"];
                if let Some(shm) = &shm {
                    args.extend(["--dir", shm.0.to_str().expect("UTF-8 path")]);
                }
                let server =
                    RedisServer::start_with_args(&args).unwrap_or_else(|error| panic!("{error}"));
                Backend::Redis(server, shm)
            }
            memory @ Backend::Memory(_) => memory,
            Backend::Cluster(cluster) => {
                drop(cluster);
                Backend::Cluster(
                    RedisCluster::start_durable().unwrap_or_else(|error| panic!("{error}")),
                )
            }
        }
    }

    /// The numbers of the events of `E`'s stream, as stored.
    pub async fn stored<E: Numbered>(&self) -> Vec<i64> {
        let stream = format!("events:{}", E::EVENT_TYPE);
        let data: Vec<String> = match self {
            Backend::Redis(server, _) => {
                let mut conn = redis_connection(server).await;
                let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
                    .arg(&stream)
                    .arg("-")
                    .arg("+")
                    .query_async(&mut conn)
                    .await
                    .expect("XRANGE");
                reply
                    .ids
                    .iter()
                    .filter_map(|entry| entry.get::<String>("event_data"))
                    .collect()
            }
            Backend::Memory(broker) => broker
                .entries(&stream)
                .iter()
                .filter_map(|entry| entry.text("event_data").map(str::to_owned))
                .collect(),
            Backend::Cluster(cluster) => {
                let mut conn = cluster_connection(cluster).await;
                let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
                    .arg(&stream)
                    .arg("-")
                    .arg("+")
                    .query_async(&mut conn)
                    .await
                    .expect("XRANGE");
                reply
                    .ids
                    .iter()
                    .filter_map(|entry| entry.get::<String>("event_data"))
                    .collect()
            }
        };
        data.iter()
            .filter_map(|json| event_runtime::decode_exact::<E>(json).ok())
            .map(|event| event.number())
            .collect()
    }

    /// Restarts the broker: Redis is killed (`SIGKILL`) and started again from its AOF; the
    /// memory broker is stopped for as long as a Redis restart takes, which drops its
    /// "connections" (blocked reads fail, every call fails meanwhile), and keeps its data. A
    /// cluster has all its masters killed and started again (with every master down, no
    /// replica can be elected: they come back as masters, from their AOF).
    pub async fn restart(&mut self) {
        match self {
            Backend::Redis(server, _) => tokio::task::block_in_place(|| {
                server.restart().unwrap_or_else(|error| panic!("{error}"));
            }),
            Backend::Cluster(cluster) => tokio::task::block_in_place(|| {
                cluster
                    .restart_masters()
                    .unwrap_or_else(|error| panic!("{error}"));
            }),
            Backend::Memory(broker) => {
                broker.stop();
                tokio::time::sleep(Duration::from_millis(150)).await;
                broker.start();
            }
        }
    }

    /// Entries of `E`'s stream pending for `group`.
    pub async fn pending<E: Event>(&self, group: &str) -> u64 {
        let stream = format!("events:{}", E::EVENT_TYPE);
        match self {
            Backend::Redis(server, _) => {
                let mut conn = redis_connection(server).await;
                let reply: Result<redis::streams::StreamPendingReply, _> = redis::cmd("XPENDING")
                    .arg(&stream)
                    .arg(group)
                    .query_async(&mut conn)
                    .await;
                reply.map_or(0, |reply| reply.count() as u64)
            }
            Backend::Memory(broker) => broker.pending_count(&stream, group),
            Backend::Cluster(cluster) => {
                let mut conn = cluster_connection(cluster).await;
                let reply: Result<redis::streams::StreamPendingReply, _> = redis::cmd("XPENDING")
                    .arg(&stream)
                    .arg(group)
                    .query_async(&mut conn)
                    .await;
                reply.map_or(0, |reply| reply.count() as u64)
            }
        }
    }

    /// Entries in `E`'s dead-letter stream.
    pub async fn dead_letters<E: Event>(&self) -> u64 {
        match self {
            Backend::Redis(server, _) => {
                let mut conn = redis_connection(server).await;
                redis::cmd("XLEN")
                    .arg(format!("events:dlq:{}", E::EVENT_TYPE))
                    .query_async(&mut conn)
                    .await
                    .expect("XLEN")
            }
            Backend::Memory(broker) => broker.dead_letters(E::EVENT_TYPE).len() as u64,
            Backend::Cluster(cluster) => {
                let mut conn = cluster_connection(cluster).await;
                redis::cmd("XLEN")
                    .arg(event_runtime::wire::cluster_dead_letter_key(E::EVENT_TYPE))
                    .query_async(&mut conn)
                    .await
                    .expect("XLEN")
            }
        }
    }

    /// The entries of any stream (`XRANGE <key> - +`): each id with its fields as text.
    pub async fn stream(&self, key: &str) -> Vec<(String, HashMap<String, String>)> {
        let text = |fields: &[(String, Vec<u8>)]| {
            fields
                .iter()
                .map(|(name, value)| (name.clone(), String::from_utf8_lossy(value).into_owned()))
                .collect()
        };
        let reply: redis::streams::StreamRangeReply = match self {
            Backend::Memory(broker) => {
                return broker
                    .entries(key)
                    .into_iter()
                    .map(|entry| (entry.id.clone(), text(&entry.fields)))
                    .collect();
            }
            Backend::Redis(server, _) => redis::cmd("XRANGE")
                .arg(key)
                .arg("-")
                .arg("+")
                .query_async(&mut redis_connection(server).await)
                .await
                .expect("XRANGE"),
            Backend::Cluster(cluster) => redis::cmd("XRANGE")
                .arg(key)
                .arg("-")
                .arg("+")
                .query_async(&mut cluster_connection(cluster).await)
                .await
                .expect("XRANGE"),
        };
        reply
            .ids
            .into_iter()
            .map(|entry| {
                let fields = entry
                    .map
                    .iter()
                    .filter_map(|(name, value)| {
                        redis::from_redis_value_ref::<String>(value)
                            .ok()
                            .map(|value| (name.clone(), value))
                    })
                    .collect();
                (entry.id, fields)
            })
            .collect()
    }
}

async fn cluster_connection(cluster: &RedisCluster) -> redis::cluster_async::ClusterConnection {
    redis::cluster::ClusterClient::new(cluster.node_urls())
        .expect("cluster client")
        .get_async_connection()
        .await
        .expect("cluster connection")
}

async fn redis_connection(server: &RedisServer) -> redis::aio::MultiplexedConnection {
    redis::Client::open(server.url())
        .expect("client")
        .get_multiplexed_async_connection()
        .await
        .expect("connection")
}

/// Publishes `E::numbered(n)` for each `n` one by one; returns the numbers Redis took.
pub async fn publish_each<E: Numbered>(
    publisher: &Publisher,
    numbers: impl IntoIterator<Item = i64>,
) -> Vec<i64> {
    let mut sent = Vec::new();
    for n in numbers {
        publisher.publish(&E::numbered(n)).await.expect("publish");
        sent.push(n);
    }
    sent
}

/// Publishes `E::numbered(n)` for each `n` in batches of 100.
pub async fn publish_batches<E: Numbered>(
    publisher: &Publisher,
    numbers: impl IntoIterator<Item = i64>,
) -> Vec<i64> {
    let events: Vec<E> = numbers.into_iter().map(E::numbered).collect();
    let mut sent = Vec::new();
    for chunk in events.chunks(100) {
        publisher.publish_batch(chunk).await.expect("publish batch");
        sent.extend(chunk.iter().map(Numbered::number));
    }
    sent
}

/// What handlers did: each successful handling by number, and failed attempts.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    handled: Arc<Mutex<Vec<i64>>>,
    failed: Arc<AtomicU64>,
}

impl Tally {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a success.
    pub fn handled(&self, n: i64) {
        self.handled.lock().expect("tally").push(n);
    }

    /// Records a failed attempt and returns the error the handler returns.
    pub fn failed(&self, why: &str) -> HandlerError {
        self.failed.fetch_add(1, Ordering::SeqCst);
        HandlerError::new(why)
    }

    pub fn failures(&self) -> u64 {
        self.failed.load(Ordering::SeqCst)
    }

    pub fn all(&self) -> Vec<i64> {
        self.handled.lock().expect("tally").clone()
    }

    /// Numbers handled at least once.
    pub fn distinct(&self) -> usize {
        let mut all = self.all();
        all.sort_unstable();
        all.dedup();
        all.len()
    }

    /// A handler that records every event and succeeds.
    pub fn recorder<E: Numbered>(
        &self,
    ) -> impl Fn(E) -> std::future::Ready<Result<(), HandlerError>> + Send + Sync + 'static {
        let tally = self.clone();
        move |event: E| {
            tally.handled(event.number());
            std::future::ready(Ok(()))
        }
    }

    /// Waits until `expected` distinct numbers were handled; panics with the counts after
    /// `within`.
    pub async fn wait_for(&self, expected: usize, within: Duration) {
        assert!(
            self.wait_up_to(expected, within).await,
            "timed out after {within:?}: {} of {expected} handled ({} handlings, {} failures)",
            self.distinct(),
            self.all().len(),
            self.failures()
        );
    }

    /// Waits until `expected` distinct numbers were handled, at most `within`; whether they
    /// were.
    pub async fn wait_up_to(&self, expected: usize, within: Duration) -> bool {
        let started = Instant::now();
        while self.distinct() < expected {
            if started.elapsed() > within {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        true
    }
}

/// The figures every case reports: sent, handled (successful handlings), duplicates (second
/// and later successful handlings of one event), lost (sent, never handled), failed attempts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub sent: u64,
    pub handled: u64,
    pub duplicates: u64,
    pub lost: u64,
    pub failed: u64,
}

impl Counts {
    /// Counts of one consumer group that should have handled every number of `sent`.
    pub fn of(sent: &[i64], tally: &Tally) -> Self {
        let mut times: HashMap<i64, u64> = HashMap::new();
        let all = tally.all();
        for n in &all {
            *times.entry(*n).or_default() += 1;
        }
        let lost = sent.iter().filter(|n| !times.contains_key(n)).count() as u64;
        let duplicates = times.values().map(|count| count - 1).sum();
        Self {
            sent: sent.len() as u64,
            handled: all.len() as u64,
            duplicates,
            lost,
            failed: tally.failures(),
        }
    }

    /// Counts of several groups (or topics) together.
    pub fn sum(parts: impl IntoIterator<Item = Counts>) -> Self {
        parts
            .into_iter()
            .fold(Counts::default(), |total, part| Counts {
                sent: total.sent + part.sent,
                handled: total.handled + part.handled,
                duplicates: total.duplicates + part.duplicates,
                lost: total.lost + part.lost,
                failed: total.failed + part.failed,
            })
    }
}

/// What a case returns: its counts, and whether it injects redelivery (which makes
/// duplicates legitimate under at-least-once delivery).
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    pub counts: Counts,
    pub redelivery_injected: bool,
}

impl Outcome {
    /// No redelivery injected: duplicates are a failure.
    pub fn exact(counts: Counts) -> Self {
        Self {
            counts,
            redelivery_injected: false,
        }
    }

    /// The case injects redelivery (broker restarts): duplicates are allowed, loss is not.
    pub fn at_least_once(counts: Counts) -> Self {
        Self {
            counts,
            redelivery_injected: true,
        }
    }
}

/// Runs one case on a fresh backend, prints and records its counts, and checks the rules
/// every case shares: nothing lost; no duplicates unless the case injects redelivery.
pub async fn check<F, Fut>(kind: Kind, name: &str, case: F) -> Counts
where
    F: FnOnce(Backend) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let started = Instant::now();
    let outcome = case(Backend::start(kind)).await;
    let elapsed = started.elapsed();
    let Counts {
        sent,
        handled,
        duplicates,
        lost,
        failed,
    } = outcome.counts;
    eprintln!(
        "conformance {:<6} {name:<44} sent {sent:>6}  handled {handled:>6}  duplicates {duplicates:>3}  lost {lost}  failed attempts {failed:>4}  {:>6.2} s",
        kind.name(),
        elapsed.as_secs_f64()
    );
    record(kind, name, outcome.counts, elapsed);
    assert_eq!(
        lost,
        0,
        "{name} on {}: events were lost: {:?}",
        kind.name(),
        outcome.counts
    );
    if !outcome.redelivery_injected {
        assert_eq!(
            duplicates,
            0,
            "{name} on {}: duplicates without injected redelivery: {:?}",
            kind.name(),
            outcome.counts
        );
    }
    outcome.counts
}

/// Appends `{"backend":..,"test":..,"sent":..,...}` to the file named by `CONFORMANCE_REPORT`.
fn record(kind: Kind, name: &str, counts: Counts, elapsed: Duration) {
    let Some(path) = std::env::var_os("CONFORMANCE_REPORT") else {
        return;
    };
    let line = serde_json::json!({
        "backend": kind.name(),
        "test": name,
        "sent": counts.sent,
        "handled": counts.handled,
        "duplicates": counts.duplicates,
        "lost": counts.lost,
        "failed_attempts": counts.failed,
        "seconds": (elapsed.as_secs_f64() * 100.0).round() / 100.0,
    });
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .expect("CONFORMANCE_REPORT file opens");
    writeln!(file, "{line}").expect("CONFORMANCE_REPORT file is written");
}
