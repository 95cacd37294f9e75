//! Events, settings and counting shared by the cluster tests.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use event_runtime::config::Retention;
use event_runtime::testing::RedisCluster;
use event_runtime::{Config, Envelope, Event, HandlerError};
use serde::{Deserialize, Serialize};

/// An event with a number, an ordering key and the key's sequence number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[event(name = "cluster.keyed", version = 1)]
pub struct Keyed {
    #[serde(flatten)]
    pub envelope: Envelope,
    pub n: i64,
    pub key: String,
    pub seq: i64,
}

impl Keyed {
    pub fn new(n: i64, key: &str, seq: i64) -> Self {
        Self {
            envelope: Envelope::new(),
            n,
            key: key.to_owned(),
            seq,
        }
    }
}

macro_rules! numbered_events {
    ($($name:ident = $event_type:tt),* $(,)?) => {$(
        #[doc = concat!("`", $event_type, "`: a number.")]
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
        #[event(name = $event_type, version = 1)]
        pub struct $name {
            #[serde(flatten)]
            pub envelope: Envelope,
            pub n: i64,
        }

        impl $name {
            pub fn new(n: i64) -> Self {
                Self { envelope: Envelope::new(), n }
            }
        }
    )*};
}

numbered_events! {
    Poison = "cluster.poison",
    Alpha = "cluster.alpha",
    Beta = "cluster.beta",
    Gamma = "cluster.gamma",
    Delta = "cluster.delta",
    Epsilon = "cluster.epsilon",
}

pub fn start_cluster() -> RedisCluster {
    RedisCluster::start().unwrap_or_else(|error| panic!("{error}"))
}

/// Fast settings for tests, on `cluster`.
pub fn config(cluster: &RedisCluster) -> Config {
    let mut config = Config::new(cluster.url());
    config.service_name = "cluster-tests".to_owned();
    config.publisher.publish_timeout = Duration::from_secs(20);
    config.publisher.retention = Retention::Unbounded;
    let subscriber = &mut config.subscriber;
    subscriber.consumer_group = "cluster-tests".to_owned();
    subscriber.block_time = Duration::from_millis(100);
    subscriber.claim_min_idle = Duration::from_secs(5);
    subscriber.claim_interval = Duration::from_millis(100);
    subscriber.retry_backoff = Duration::from_millis(20);
    subscriber.retry_backoff_max = Duration::from_millis(100);
    subscriber.shutdown_timeout = Duration::from_secs(10);
    config
}

/// A connection of the test's own to the cluster, for checks.
pub async fn connection(cluster: &RedisCluster) -> redis::cluster_async::ClusterConnection {
    redis::cluster::ClusterClient::new(cluster.node_urls())
        .expect("cluster client")
        .get_async_connection()
        .await
        .expect("cluster connection")
}

/// Successful handlings by number, with what each carried.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    handled: Arc<Mutex<Vec<i64>>>,
}

impl Tally {
    pub fn handled(&self, n: i64) {
        self.handled.lock().expect("tally").push(n);
    }

    pub fn all(&self) -> Vec<i64> {
        self.handled.lock().expect("tally").clone()
    }

    pub fn distinct(&self) -> usize {
        let mut all = self.all();
        all.sort_unstable();
        all.dedup();
        all.len()
    }

    /// How many times each number was handled.
    pub fn times(&self) -> HashMap<i64, u64> {
        let mut times = HashMap::new();
        for n in self.all() {
            *times.entry(n).or_default() += 1;
        }
        times
    }

    /// A handler that records and succeeds.
    pub fn recorder<E: Event>(
        &self,
        number: fn(&E) -> i64,
    ) -> impl Fn(E) -> std::future::Ready<Result<(), HandlerError>> + Send + Sync + 'static {
        let tally = self.clone();
        move |event: E| {
            tally.handled(number(&event));
            std::future::ready(Ok(()))
        }
    }

    /// Waits until `expected` distinct numbers were handled; panics after `within`.
    pub async fn wait_for(&self, expected: usize, within: Duration) {
        let started = Instant::now();
        while self.distinct() < expected {
            assert!(
                started.elapsed() < within,
                "timed out after {within:?}: {} of {expected} handled",
                self.distinct()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// The counts of a reliability test, as the fault tests report them: `sent` publishes Redis
/// confirmed, `acked` entries the group acknowledged, `handled` distinct events handled,
/// `duplicates` handlings beyond the first, `lost` confirmed events never handled (must be 0).
#[derive(Debug)]
pub struct Report {
    pub test: &'static str,
    pub injects: &'static str,
    pub sent: u64,
    pub acked: u64,
    pub handled: u64,
    pub duplicates: u64,
    pub lost: u64,
    pub notes: String,
    pub started: Instant,
}

impl Report {
    pub fn new(test: &'static str, injects: &'static str) -> Self {
        Self {
            test,
            injects,
            sent: 0,
            acked: 0,
            handled: 0,
            duplicates: 0,
            lost: 0,
            notes: String::new(),
            started: Instant::now(),
        }
    }

    /// Prints the line, appends it to `RELIABILITY_REPORT` if set, and asserts nothing was lost.
    pub fn finish(self) {
        let seconds = (self.started.elapsed().as_secs_f64() * 10.0).round() / 10.0;
        eprintln!(
            "cluster {:<34} sent {:>6}  acked {:>6}  handled {:>6}  duplicates {:>3}  lost {}  {seconds:.1} s  ({})",
            self.test, self.sent, self.acked, self.handled, self.duplicates, self.lost, self.notes
        );
        if let Some(path) = std::env::var_os("RELIABILITY_REPORT") {
            let line = serde_json::json!({
                "suite": "cluster",
                "backend": "cluster",
                "test": self.test,
                "injects": self.injects,
                "sent": self.sent,
                "acked": self.acked,
                "handled": self.handled,
                "duplicates": self.duplicates,
                "dead_letters": 0,
                "lost": self.lost,
                "notes": self.notes,
                "seconds": seconds,
            });
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .expect("RELIABILITY_REPORT file opens");
            writeln!(file, "{line}").expect("RELIABILITY_REPORT file is written");
        }
        assert_eq!(self.lost, 0, "{}: events were lost", self.test);
    }
}
