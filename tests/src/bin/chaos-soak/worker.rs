//! The worker processes of a soak: the driver starts this same binary as `publish` or
//! `consume`, with the address of the Redis under test (through the proxy on one server) and
//! of the ledger, a `redis-server` of its own that no fault touches.
//!
//! The ledger is where workers write what the checker reads, and it survives a SIGKILL of
//! the worker:
//!
//! - `soak:acked:<p>`: how many events publisher `p` got a receipt for (`0..n`, in order:
//!   a batch that fails is published again with the same events, the same `event_id`s);
//! - `soak:runs` (hash `<p>:<seq>` -> count): completed handler runs of each event;
//! - `soak:first` (hash `<p>:<seq>` -> `<consumer> <entry id> <start ms> <end ms>`): who
//!   ran it first, and when;
//! - `soak:dups` (list of `<p>:<seq> <consumer> <entry id> <start ms> <end ms>`): every run
//!   after the first;
//! - `soak:fails` (hash `<p>:<seq>` -> attempts): the attempts of failing handlers;
//! - `soak:stop`: set by the driver when publishers are to stop.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use event_runtime::config::{Retention, StartPosition};
use event_runtime::{Config, Envelope, Event, HandlerError, Publisher, RawEvent, Subscriber};
use serde::{Deserialize, Serialize};

use crate::plan::{Behaviour, behaviour};

/// The event type of the soak, its stream and consumer group.
pub const EVENT_TYPE: &str = "soak.probe";
pub const STREAM: &str = "events:soak.probe";
pub const GROUP: &str = "soak";

/// The ledger's keys (see the module docs).
pub const RUNS: &str = "soak:runs";
pub const FIRST: &str = "soak:first";
pub const DUPS: &str = "soak:dups";
pub const FAILS: &str = "soak:fails";
pub const STOP: &str = "soak:stop";

pub fn acked_key(publisher: u32) -> String {
    format!("soak:acked:{publisher}")
}

/// The retention budget of the stream: small, so that the publishers' retention trims all
/// through the run; the hard cap (10 times) is never reached while consumers keep up.
pub const RETENTION: usize = 2_000;

/// How long an entry stays unacknowledged before another consumer may claim it.
pub const CLAIM_MIN_IDLE: Duration = Duration::from_secs(6);

/// What the publishers send: who sent it and its place in that publisher's sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[event(name = "soak.probe", version = 1)]
pub struct SoakProbeV1 {
    #[serde(flatten)]
    pub envelope: Envelope,
    pub publisher: u32,
    pub seq: u64,
    pub payload: String,
}

/// Counts a completed run of an event, remembering the first and listing the others,
/// atomically (a SIGKILL cannot leave a run half recorded).
const RECORD_RUN: &str = r"
local runs = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
if runs == 1 then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
else
  redis.call('RPUSH', KEYS[3], ARGV[1] .. ' ' .. ARGV[2])
end
return runs
";

/// A worker's settings, from its command line.
#[derive(Debug, Clone)]
pub struct WorkerArgs {
    /// The Redis under test, as the runtime's `REDIS_URL`.
    pub url: String,
    /// The ledger's URL.
    pub ledger: String,
    pub seed: u64,
    /// Publisher index, or consumer name.
    pub name: String,
    /// Consumers: effectively-once handling on.
    pub dedup: bool,
    /// Publishers: events per second.
    pub rate: u64,
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |now| u64::try_from(now.as_millis()).unwrap_or(u64::MAX))
}

async fn ledger(url: &str) -> redis::RedisResult<redis::aio::ConnectionManager> {
    redis::Client::open(url)?.get_connection_manager().await
}

/// The runtime's settings of every worker: short blocks; entries of a killed consumer claimed
/// after 6 s (a consumer keeps its running entries claimed from 3 s of idleness on, so a
/// stall of up to 2 s or a restart does not let another consumer take them: two consumers
/// running one event at the same moment is what deduplication cannot prevent); retries that
/// never dead-letter a good event (failing handlers fail twice, a kill adds a delivery);
/// group-aware retention with a small budget.
fn config(args: &WorkerArgs) -> Config {
    let mut config = Config::new(args.url.clone());
    config.service_name = "soak".to_owned();
    config.publisher.publish_timeout = Duration::from_secs(10);
    config.publisher.retention = Retention::MaxLen(RETENTION);
    config.publisher.retention_interval = Duration::from_millis(500);
    let subscriber = &mut config.subscriber;
    subscriber.consumer_group = GROUP.to_owned();
    subscriber.consumer_name = Some(args.name.clone());
    subscriber.start_position = StartPosition::Backlog;
    subscriber.block_time = Duration::from_millis(100);
    subscriber.claim_min_idle = CLAIM_MIN_IDLE;
    subscriber.claim_interval = Duration::from_millis(100);
    subscriber.retry_backoff = Duration::from_millis(50);
    subscriber.retry_backoff_max = Duration::from_millis(500);
    subscriber.max_deliveries = 20;
    subscriber.concurrency = 16;
    subscriber.batch_size = 16;
    subscriber.shutdown_timeout = Duration::from_secs(3);
    subscriber.dedup = args.dedup;
    subscriber.dedup_window = Duration::from_secs(600);
    config
}

/// Publishes batches of 10 events at `rate` events per second until the driver sets
/// `soak:stop`; each batch until Redis acknowledges it, then its receipt in the ledger.
pub async fn publish(args: WorkerArgs) -> Result<(), String> {
    let index: u32 = args.name.parse().map_err(|_| "a publisher index")?;
    let publisher = Publisher::new(&config(&args))
        .await
        .map_err(|error| format!("publisher: {error}"))?;
    let mut ledger = ledger(&args.ledger)
        .await
        .map_err(|error| format!("ledger: {error}"))?;
    const BATCH: u64 = 10;
    let pause = Duration::from_millis(1_000 * BATCH / args.rate.max(1));
    let mut next = 0u64;
    loop {
        let stop: Option<String> = redis::cmd("GET")
            .arg(STOP)
            .query_async(&mut ledger)
            .await
            .map_err(|error| format!("ledger: {error}"))?;
        if stop.is_some() {
            return Ok(());
        }
        let events: Vec<SoakProbeV1> = (next..next + BATCH)
            .map(|seq| SoakProbeV1 {
                envelope: Envelope::new(),
                publisher: index,
                seq,
                payload: format!("soak {index}:{seq} of seed {}", args.seed),
            })
            .collect();
        while publisher.publish_batch(&events).await.is_err() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        next += BATCH;
        let _: () = redis::cmd("SET")
            .arg(acked_key(index))
            .arg(next)
            .query_async(&mut ledger)
            .await
            .map_err(|error| format!("ledger: {error}"))?;
        tokio::time::sleep(pause).await;
    }
}

/// Consumes until SIGINT: each event's handler behaves as [`behaviour`] says, then records
/// its run in the ledger. Entries that do not decode (the poison) fail permanently and are
/// dead-lettered.
pub async fn consume(args: WorkerArgs) -> Result<(), String> {
    let ledger = ledger(&args.ledger)
        .await
        .map_err(|error| format!("ledger: {error}"))?;
    let (seed, name) = (args.seed, args.name.clone());
    let subscriber = Subscriber::builder(&config(&args))
        .on_raw(EVENT_TYPE, move |raw: RawEvent| {
            let mut ledger = ledger.clone();
            let name = name.clone();
            async move {
                let event = SoakProbeV1::decode_version(raw.version, &raw.event_data)
                    .map_err(HandlerError::permanent)?;
                let key = format!("{}:{}", event.publisher, event.seq);
                let started = now_ms();
                match behaviour(seed, event.publisher, event.seq) {
                    Behaviour::Normal => {}
                    Behaviour::Slow(work) => tokio::time::sleep(work).await,
                    Behaviour::Failing(failures) => {
                        let attempt: u64 = redis::cmd("HINCRBY")
                            .arg(FAILS)
                            .arg(&key)
                            .arg(1)
                            .query_async(&mut ledger)
                            .await
                            .map_err(HandlerError::new)?;
                        if attempt <= failures {
                            return Err(HandlerError::new(format!(
                                "attempt {attempt} fails on purpose"
                            )));
                        }
                    }
                }
                let _: u64 = redis::cmd("EVAL")
                    .arg(RECORD_RUN)
                    .arg(3)
                    .arg(RUNS)
                    .arg(FIRST)
                    .arg(DUPS)
                    .arg(&key)
                    .arg(format!("{name} {} {started} {}", raw.id, now_ms()))
                    .query_async(&mut ledger)
                    .await
                    .map_err(HandlerError::new)?;
                Ok(())
            }
        })
        .build()
        .await
        .map_err(|error| format!("subscriber: {error}"))?;
    subscriber
        .run_until_ctrl_c()
        .await
        .map_err(|error| format!("subscriber: {error}"))
}
