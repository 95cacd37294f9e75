//! `events bench`: throughput and latency of the runtime, next to the same Redis commands sent
//! with raw redis-rs in the same run, as the ceiling.
//!
//! Every scenario uses the catalogue's `user.created` v2 (about 400 bytes of `event_data`):
//!
//! | scenario | runtime | raw redis-rs ceiling |
//! |---|---|---|
//! | publish, one at a time | `publish(&event).await` in a loop | `XADD` awaited in a loop |
//! | publish, 64 callers | 64 tasks sharing one `Publisher` | 64 tasks sharing one multiplexed connection |
//! | batch publish | `publish_batch` (`--batch-size` per round trip) | pipelined `XADD`, same size |
//! | consume, 1/2/4 consumers | `Subscriber`s of one group, typed handler (decode, validate) | `XREADGROUP COUNT 500` + one `XACK` per batch |
//! | end-to-end latency | publish paced at 1k and 10k events/s -> handler | `XADD` paced the same -> `XREADGROUP BLOCK` |
//!
//! The publisher runs with pub/sub off and no trimming, so that both sides send the same
//! commands (`XADD <stream> * <5 fields>`). Events are built before the clock starts (building
//! them is the caller's work) and published again and again: each publish validates, fills
//! the envelope and encodes anew, while the raw side sends ready-made fields. Consumption ends when every entry is
//! acknowledged. Latency is measured from the event's envelope timestamp (set right before
//! publishing) to the handler. Peak memory is this process's `VmHWM`.
//!
//! Without `REDIS_URL` the bench starts a `redis-server` of its own (no persistence) on a free
//! port. With `REDIS_URL` it refuses to run when `events:user.created` exists, and deletes
//! what it wrote at the end.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use event_runtime::testing::RedisServer;
use event_runtime::{
    Config, Envelope, Event, HandlerError, PubSubPolicy, Publisher, Retention, StartPosition,
    Subscriber,
};
use redis::aio::MultiplexedConnection;
use serde::Serialize;

use crate::Outcome;
use crate::catalogue::events::UserCreatedV2;
use crate::table::{Progress, Table, print};

/// Arguments of `events bench`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Events published one awaited call at a time.
    #[arg(long, default_value_t = 5_000)]
    pub sequential: usize,
    /// Events published by the 64 concurrent callers (in total).
    #[arg(long, default_value_t = 50_000)]
    pub concurrent: usize,
    /// Events published in batches.
    #[arg(long, default_value_t = 200_000)]
    pub batched: usize,
    /// Events per batch (one pipelined round trip).
    #[arg(long, default_value_t = 100)]
    pub batch_size: usize,
    /// Events consumed by each consumer group.
    #[arg(long, default_value_t = 200_000)]
    pub consumed: usize,
    /// Runs of each throughput scenario (runtime and raw alternating); the best run counts,
    /// which keeps other load on the machine from deciding the figures.
    #[arg(long, default_value_t = 2)]
    pub rounds: usize,
    /// Seconds of each end-to-end latency run (at 1k/s and at 10k/s).
    #[arg(long, default_value_t = 5)]
    pub latency_seconds: u64,
    /// Print the results as JSON.
    #[arg(long)]
    pub json: bool,
}

const STREAM: &str = "events:user.created";
const CALLERS: usize = 64;
const RAW_READ_COUNT: usize = 500;

/// One line of the results.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// What was measured.
    pub scenario: String,
    /// `events/s`, `ms` or `MiB`.
    pub unit: &'static str,
    /// The runtime's figure.
    pub runtime: f64,
    /// The raw redis-rs figure, when there is one.
    pub raw: Option<f64>,
    /// `runtime / raw`.
    pub ratio: Option<f64>,
}

/// The whole report (`--json`).
#[derive(Debug, Serialize)]
pub struct Report {
    pub event_type: &'static str,
    pub event_version: u32,
    pub event_data_bytes: usize,
    pub redis: String,
    pub redis_version: String,
    pub cores: usize,
    pub results: Vec<Row>,
}

fn row(scenario: impl Into<String>, unit: &'static str, runtime: f64, raw: Option<f64>) -> Row {
    Row {
        scenario: scenario.into(),
        unit,
        runtime,
        ratio: raw.filter(|raw| *raw > 0.0).map(|raw| runtime / raw),
        raw,
    }
}

/// A user.created v2 of about 400 bytes on the wire.
fn sample(n: u64) -> UserCreatedV2 {
    let id = i64::try_from(n % 1_000_000_000).unwrap_or(0) + 1;
    UserCreatedV2 {
        envelope: Envelope::new()
            .with_user_id(id)
            .with_correlation_id(format!("bench-{n}")),
        telegram_id: 500_000_000 + id,
        username: None,
        first_name: "John".to_owned(),
        last_name: Some("Doe".to_owned()),
        full_name: "John Doe".to_owned(),
        phone_number: Some("+44 7700 900123".to_owned()),
        role: "executor".to_owned(),
        specializations: Some(vec!["plumbing".to_owned()]),
        is_verified: false,
        permissions: vec!["requests:read".to_owned()],
    }
}

/// The stream fields the runtime writes for an event, for the raw side.
fn raw_fields(event: &UserCreatedV2, event_data: &str) -> Vec<(&'static str, String)> {
    let envelope = event.envelope();
    vec![
        ("event_id", envelope.event_id.to_string()),
        ("event_type", UserCreatedV2::EVENT_TYPE.to_owned()),
        ("version", "v2".to_owned()),
        (
            "timestamp",
            envelope
                .timestamp
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        ),
        ("event_data", event_data.to_owned()),
    ]
}

fn xadd(fields: &[(&'static str, String)]) -> redis::Cmd {
    let mut cmd = redis::cmd("XADD");
    cmd.arg(STREAM).arg("*");
    for (name, value) in fields {
        cmd.arg(*name).arg(value);
    }
    cmd
}

fn per_second(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64().max(1e-9)
}

struct Bench {
    config: Config,
    conn: MultiplexedConnection,
    client: redis::Client,
    args_batch: usize,
    progress: Progress,
    /// The stream fields of one event as the runtime writes them: what the raw side sends.
    template: Vec<(&'static str, String)>,
}

impl Bench {
    async fn reset(&self) -> anyhow::Result<()> {
        let mut conn = self.conn.clone();
        redis::cmd("DEL")
            .arg(STREAM)
            .arg("events:dlq:user.created")
            .query_async::<()>(&mut conn)
            .await
            .context("DEL")
    }

    async fn publisher(&self) -> anyhow::Result<Publisher> {
        Publisher::new(&self.config)
            .await
            .map_err(|error| super::connect::unreachable(&self.config, error))
    }

    /// A connection of its own with room for blocking reads.
    async fn connection(&self) -> anyhow::Result<MultiplexedConnection> {
        let settings =
            redis::AsyncConnectionConfig::new().set_response_timeout(Some(Duration::from_secs(30)));
        self.client
            .get_multiplexed_async_connection_with_config(&settings)
            .await
            .context("connecting to Redis")
    }

    async fn publish_sequential(&self, count: usize) -> anyhow::Result<Row> {
        self.progress.update("bench: publish, one at a time");
        self.reset().await?;
        let publisher = self.publisher().await?;
        let event = sample(0);
        let started = Instant::now();
        for _ in 0..count {
            publisher.publish(&event).await?;
        }
        let runtime = per_second(count, started.elapsed());
        self.reset().await?;
        // A connection of its own, as the publisher has.
        let mut conn = self.connection().await?;
        let started = Instant::now();
        for _ in 0..count {
            xadd(&self.template)
                .query_async::<String>(&mut conn)
                .await?;
        }
        let raw = per_second(count, started.elapsed());
        Ok(row(
            "publish, one awaited call at a time",
            "events/s",
            runtime,
            Some(raw),
        ))
    }

    async fn publish_concurrent(&self, count: usize) -> anyhow::Result<Row> {
        self.progress
            .update("bench: publish, 64 concurrent callers");
        self.reset().await?;
        let per_caller = count.div_ceil(CALLERS);
        let total = per_caller * CALLERS;
        let publisher = self.publisher().await?;
        let started = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for caller in 0..CALLERS {
            let publisher = publisher.clone();
            let event = sample(caller as u64);
            tasks.spawn(async move {
                for _ in 0..per_caller {
                    publisher.publish(&event).await?;
                }
                Ok::<(), event_runtime::Error>(())
            });
        }
        while let Some(done) = tasks.join_next().await {
            done??;
        }
        let runtime = per_second(total, started.elapsed());
        self.reset().await?;
        let shared = self.connection().await?;
        let started = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..CALLERS {
            let mut conn = shared.clone();
            let fields = self.template.clone();
            tasks.spawn(async move {
                for _ in 0..per_caller {
                    xadd(&fields).query_async::<String>(&mut conn).await?;
                }
                Ok::<(), anyhow::Error>(())
            });
        }
        while let Some(done) = tasks.join_next().await {
            done??;
        }
        let raw = per_second(total, started.elapsed());
        Ok(row(
            format!("publish, {CALLERS} concurrent callers"),
            "events/s",
            runtime,
            Some(raw),
        ))
    }

    async fn publish_batched(&self, count: usize) -> anyhow::Result<Row> {
        self.progress.update("bench: batch publish");
        let size = self.args_batch.max(1);
        self.reset().await?;
        let mut config = self.config.clone();
        config.publisher.max_batch_size = size;
        let publisher = Publisher::new(&config).await?;
        let batch: Vec<UserCreatedV2> = (0..size).map(|n| sample(n as u64)).collect();
        let started = Instant::now();
        let mut sent = 0;
        while sent < count {
            let chunk = &batch[..size.min(count - sent)];
            publisher.publish_batch(chunk).await?;
            sent += chunk.len();
        }
        let runtime = per_second(count, started.elapsed());
        self.reset().await?;
        let raw = fill(&mut self.connection().await?, &self.template, count, size).await?;
        Ok(row(
            format!("batch publish ({size} per round trip; raw: pipelined XADD)"),
            "events/s",
            runtime,
            Some(raw),
        ))
    }

    async fn consume(&self, count: usize, consumers: usize, round: usize) -> anyhow::Result<Row> {
        self.progress
            .update(&format!("bench: consume, {consumers} consumers"));
        // Runtime: `consumers` subscribers in one group, typed handler.
        let group = format!("bench-runtime-{consumers}-{round}");
        let handled = Arc::new(AtomicU64::new(0));
        let mut running = Vec::new();
        for index in 0..consumers {
            let counter = handled.clone();
            let subscriber = Subscriber::builder(&self.config)
                .group(group.clone())
                .consumer_name(format!("bench-{index}"))
                .batch_size(500)
                .concurrency(1000)
                .block_time(Duration::from_millis(100))
                .start_position(StartPosition::Backlog)
                .on(move |_event: UserCreatedV2| {
                    counter.fetch_add(1, Ordering::Relaxed);
                    std::future::ready(Ok::<(), HandlerError>(()))
                })
                .build()
                .await?;
            running.push(subscriber);
        }
        let started = Instant::now();
        let running: Vec<_> = running.into_iter().map(Subscriber::spawn).collect();
        wait_until(|| handled.load(Ordering::Relaxed) >= count as u64, 120).await?;
        wait_for_no_pending(&mut self.conn.clone(), &group).await?;
        let runtime = per_second(count, started.elapsed());
        for subscriber in running {
            subscriber.shutdown().await?;
        }

        // Raw: XREADGROUP COUNT 500 + one XACK per batch, one connection per consumer.
        let group = format!("bench-raw-{consumers}-{round}");
        let mut conn = self.conn.clone();
        redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(STREAM)
            .arg(&group)
            .arg("0")
            .query_async::<()>(&mut conn)
            .await?;
        let consumed = Arc::new(AtomicU64::new(0));
        let mut connections = Vec::new();
        for _ in 0..consumers {
            connections.push(self.connection().await?);
        }
        let started = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for (index, mut conn) in connections.into_iter().enumerate() {
            let consumed = consumed.clone();
            let group = group.clone();
            tasks.spawn(async move {
                let options = redis::streams::StreamReadOptions::default()
                    .group(&group, format!("raw-{index}"))
                    .count(RAW_READ_COUNT)
                    .block(100);
                while consumed.load(Ordering::Relaxed) < count as u64 {
                    let reply: Option<redis::streams::StreamReadReply> =
                        redis::AsyncCommands::xread_options(&mut conn, &[STREAM], &[">"], &options)
                            .await?;
                    let Some(reply) = reply else { continue };
                    for key in reply.keys {
                        if key.ids.is_empty() {
                            continue;
                        }
                        let ids: Vec<&str> = key.ids.iter().map(|id| id.id.as_str()).collect();
                        redis::AsyncCommands::xack::<_, _, _, u64>(&mut conn, STREAM, &group, &ids)
                            .await?;
                        consumed.fetch_add(ids.len() as u64, Ordering::Relaxed);
                    }
                }
                Ok::<(), anyhow::Error>(())
            });
        }
        while let Some(done) = tasks.join_next().await {
            done??;
        }
        let raw = per_second(count, started.elapsed());
        let label = if consumers == 1 {
            "consume, 1 consumer".to_owned()
        } else {
            format!("consume, {consumers} consumers in a group")
        };
        Ok(row(label, "events/s", runtime, Some(raw)))
    }

    async fn latency(&self, rate: u64, seconds: u64) -> anyhow::Result<Vec<Row>> {
        self.progress
            .update(&format!("bench: end-to-end latency at {rate}/s"));
        self.reset().await?;
        let total = rate * seconds;

        // Runtime: paced publishes -> subscriber -> handler.
        let samples = Arc::new(std::sync::Mutex::new(Vec::with_capacity(total as usize)));
        let recorder = samples.clone();
        let subscriber = Subscriber::builder(&self.config)
            .group(format!("bench-latency-{rate}"))
            .consumer_name("bench-latency")
            .batch_size(500)
            .concurrency(1000)
            .start_position(StartPosition::NewOnly)
            .on(move |event: UserCreatedV2| {
                let micros = (Utc::now() - event.envelope.timestamp)
                    .num_microseconds()
                    .unwrap_or(i64::MAX);
                if let Ok(mut samples) = recorder.lock() {
                    samples.push(u64::try_from(micros).unwrap_or(0));
                }
                std::future::ready(Ok::<(), HandlerError>(()))
            })
            .build()
            .await?
            .spawn();
        let publisher = self.publisher().await?;
        pace(rate, total, |n| {
            let publisher = publisher.clone();
            tokio::spawn(async move {
                let _ = publisher.publish(&sample(n)).await;
            });
        })
        .await;
        let received = || samples.lock().map_or(0, |samples| samples.len() as u64);
        wait_until(|| received() >= total, 30).await?;
        subscriber.shutdown().await?;
        let runtime = percentiles(&mut samples.lock().map(|s| s.clone()).unwrap_or_default());

        // Raw: paced XADD -> XREADGROUP BLOCK (own connection) -> XACK.
        self.reset().await?;
        let group = format!("bench-raw-latency-{rate}");
        let mut conn = self.conn.clone();
        redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(STREAM)
            .arg(&group)
            .arg("$")
            .arg("MKSTREAM")
            .query_async::<()>(&mut conn)
            .await?;
        let mut reader = self.connection().await?;
        let raw_samples = Arc::new(std::sync::Mutex::new(Vec::with_capacity(total as usize)));
        let recorder = raw_samples.clone();
        let consumer = tokio::spawn(async move {
            let options = redis::streams::StreamReadOptions::default()
                .group(&group, "raw-latency")
                .count(RAW_READ_COUNT)
                .block(1000);
            let mut seen = 0;
            while seen < total {
                let reply: Option<redis::streams::StreamReadReply> =
                    redis::AsyncCommands::xread_options(&mut reader, &[STREAM], &[">"], &options)
                        .await?;
                let Some(reply) = reply else { continue };
                for key in reply.keys {
                    let now = Utc::now();
                    let mut ids = Vec::with_capacity(key.ids.len());
                    for entry in &key.ids {
                        let written: Option<String> = entry.get("timestamp");
                        let micros = written
                            .as_deref()
                            .and_then(event_runtime::wire::datetime::parse)
                            .and_then(|at| (now - at).num_microseconds())
                            .unwrap_or(0);
                        if let Ok(mut samples) = recorder.lock() {
                            samples.push(u64::try_from(micros).unwrap_or(0));
                        }
                        ids.push(entry.id.as_str());
                    }
                    seen += ids.len() as u64;
                    if !ids.is_empty() {
                        redis::AsyncCommands::xack::<_, _, _, u64>(
                            &mut reader,
                            STREAM,
                            &group,
                            &ids,
                        )
                        .await?;
                    }
                }
            }
            Ok::<(), anyhow::Error>(())
        });
        let conn = self.conn.clone();
        pace(rate, total, |_| {
            let mut conn = conn.clone();
            let mut fields = self.template.clone();
            fields[3].1 = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
            tokio::spawn(async move {
                let _ = xadd(&fields).query_async::<String>(&mut conn).await;
            });
        })
        .await;
        match tokio::time::timeout(Duration::from_secs(30), consumer).await {
            Ok(done) => done??,
            Err(_) => bail!("the raw consumer did not receive every event within 30 s"),
        }
        let raw = percentiles(&mut raw_samples.lock().map(|s| s.clone()).unwrap_or_default());
        let label = |name: &str| format!("end-to-end {name} at {rate}/s");
        Ok(vec![
            row(label("p50"), "ms", runtime[0], Some(raw[0])),
            row(label("p99"), "ms", runtime[1], Some(raw[1])),
            row(label("p99.9"), "ms", runtime[2], Some(raw[2])),
        ])
    }
}

/// The best of several runs of one scenario: the highest throughput on each side.
fn best(runs: Vec<Row>) -> Row {
    let mut runs = runs.into_iter();
    let Some(mut best) = runs.next() else {
        return row("no run", "events/s", 0.0, None);
    };
    for run in runs {
        best.runtime = best.runtime.max(run.runtime);
        best.raw = match (best.raw, run.raw) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
    row(best.scenario, best.unit, best.runtime, best.raw)
}

/// Appends `count` entries with pipelined `XADD`s of `size`; returns entries per second.
async fn fill(
    conn: &mut MultiplexedConnection,
    fields: &[(&'static str, String)],
    count: usize,
    size: usize,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut sent = 0;
    while sent < count {
        let mut pipe = redis::pipe();
        for _ in sent..(sent + size).min(count) {
            pipe.add_command(xadd(fields)).ignore();
        }
        pipe.query_async::<()>(conn).await?;
        sent = (sent + size).min(count);
    }
    Ok(per_second(count, started.elapsed()))
}

/// Calls `send(n)` for n in 0..total at `rate` per second, paced every millisecond.
async fn pace(rate: u64, total: u64, mut send: impl FnMut(u64)) {
    let started = Instant::now();
    let mut interval = tokio::time::interval(Duration::from_millis(1));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut sent = 0;
    while sent < total {
        interval.tick().await;
        let due = ((started.elapsed().as_secs_f64() * rate as f64) as u64).min(total);
        while sent < due {
            send(sent);
            sent += 1;
        }
    }
}

/// p50, p99 and p99.9 in milliseconds.
fn percentiles(samples: &mut [u64]) -> [f64; 3] {
    samples.sort_unstable();
    let at = |q: f64| {
        if samples.is_empty() {
            return 0.0;
        }
        let index = ((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1;
        samples[index] as f64 / 1000.0
    };
    [at(0.50), at(0.99), at(0.999)]
}

async fn wait_until(done: impl Fn() -> bool, seconds: u64) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !done() {
        if Instant::now() > deadline {
            bail!("the scenario did not finish within {seconds} s");
        }
        tokio::time::sleep(Duration::from_micros(500)).await;
    }
    Ok(())
}

async fn wait_for_no_pending(conn: &mut MultiplexedConnection, group: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let reply: redis::streams::StreamPendingReply = redis::cmd("XPENDING")
            .arg(STREAM)
            .arg(group)
            .query_async(conn)
            .await?;
        if reply.count() == 0 {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{} entries still pending after 30 s", reply.count());
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// `VmHWM` of this process, in MiB.
fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// The human table.
pub fn render(report: &Report) -> String {
    let mut text = format!(
        "events bench: {} v{} ({} bytes of event_data), Redis {} at {}, {} cores\n\n",
        report.event_type,
        report.event_version,
        report.event_data_bytes,
        report.redis_version,
        report.redis,
        report.cores
    );
    let mut table = Table::new(&["scenario", "runtime", "raw redis-rs", "runtime / raw"]);
    let figure = |value: f64, unit: &str| match unit {
        "events/s" => format!("{} /s", thousands(value)),
        "ms" => format!("{value:.3} ms"),
        _ => format!("{value:.1} {unit}"),
    };
    for row in &report.results {
        table.row(vec![
            row.scenario.clone(),
            figure(row.runtime, row.unit),
            row.raw
                .map_or_else(|| "-".to_owned(), |raw| figure(raw, row.unit)),
            row.ratio.map_or_else(
                || "-".to_owned(),
                |ratio| {
                    if row.unit == "events/s" {
                        format!("{:.0}%", ratio * 100.0)
                    } else {
                        format!("{ratio:.2}x")
                    }
                },
            ),
        ]);
    }
    text.push_str(&table.render());
    text
}

fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Runs the command.
pub async fn run(args: &Args) -> anyhow::Result<Outcome> {
    let (mut config, server) = if std::env::var_os("REDIS_URL").is_some() {
        (super::connect::config_from_env()?, None)
    } else {
        let server = RedisServer::start_with_args(&["--appendonly", "no", "--save", ""]).map_err(
            |error| {
                anyhow::anyhow!(
                    "REDIS_URL is not set and no temporary Redis could be started: {error}"
                )
            },
        )?;
        let mut config = super::connect::config_from_env()?;
        config.redis_url = server.url();
        config.publisher.redis_url = None;
        config.subscriber.redis_url = None;
        (config, Some(server))
    };
    if event_runtime::config::cluster_nodes(&config.redis_url).is_some() {
        anyhow::bail!(
            "events bench measures one Redis server next to raw redis-rs; REDIS_URL lists several nodes (a Redis Cluster): point it at one server"
        );
    }
    config.service_name = "events-bench".to_owned();
    config.publisher.pubsub = PubSubPolicy::None;
    config.publisher.retention = Retention::Unbounded;
    let location = match &server {
        Some(server) => format!("a temporary redis-server on 127.0.0.1:{}", server.port()),
        None => event_runtime::config::redact_url(&config.redis_url),
    };
    let client = redis::Client::open(config.redis_url.as_str()).context("invalid REDIS_URL")?;
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .with_context(|| format!("cannot reach Redis at {location}"))?;
    let exists: bool = redis::cmd("EXISTS")
        .arg(STREAM)
        .query_async(&mut conn)
        .await?;
    if exists {
        bail!(
            "{STREAM} exists at {location}: the bench writes and deletes that stream, so it runs only where it does not exist (unset REDIS_URL to let it start a redis-server of its own)"
        );
    }
    let info: String = redis::cmd("INFO")
        .arg("server")
        .query_async(&mut conn)
        .await?;
    let redis_version = info
        .lines()
        .find_map(|line| line.strip_prefix("redis_version:"))
        .unwrap_or("?")
        .trim()
        .to_owned();

    let mut event = sample(0);
    event
        .envelope
        .source_service
        .clone_from(&config.service_name);
    let event_data = event_runtime::encode_validated(&event)?;
    let event_data_bytes = event_data.len();
    let template = raw_fields(&event, &event_data);
    let bench = Bench {
        template,
        config,
        conn,
        client,
        args_batch: args.batch_size,
        progress: Progress::new(),
    };
    let outcome = async {
        let rounds = args.rounds.max(1);
        let mut results = Vec::new();
        let mut runs = Vec::new();
        for _ in 0..rounds {
            runs.push(bench.publish_sequential(args.sequential.max(1)).await?);
        }
        results.push(best(runs));
        let mut runs = Vec::new();
        for _ in 0..rounds {
            runs.push(
                bench
                    .publish_concurrent(args.concurrent.max(CALLERS))
                    .await?,
            );
        }
        results.push(best(runs));
        let mut runs = Vec::new();
        for _ in 0..rounds {
            runs.push(bench.publish_batched(args.batched.max(1)).await?);
        }
        results.push(best(runs));
        bench.reset().await?;
        bench
            .progress
            .update("bench: filling the stream to consume");
        fill(
            &mut bench.conn.clone(),
            &bench.template,
            args.consumed.max(1),
            500,
        )
        .await?;
        for consumers in [1, 2, 4] {
            let mut runs = Vec::new();
            for round in 0..rounds {
                runs.push(
                    bench
                        .consume(args.consumed.max(1), consumers, round)
                        .await?,
                );
            }
            results.push(best(runs));
        }
        for rate in [1_000, 10_000] {
            results.extend(bench.latency(rate, args.latency_seconds.max(1)).await?);
        }
        if let Some(peak) = peak_memory_mib() {
            results.push(row(
                "peak memory of the bench process (VmHWM)",
                "MiB",
                peak,
                None,
            ));
        }
        Ok::<_, anyhow::Error>(results)
    }
    .await;
    let _ = bench.reset().await;
    let results = outcome?;
    bench.progress.done("bench: done");
    let report = Report {
        event_type: UserCreatedV2::EVENT_TYPE,
        event_version: UserCreatedV2::VERSION,
        event_data_bytes,
        redis: location,
        redis_version,
        cores: std::thread::available_parallelism().map_or(1, usize::from),
        results,
    };
    if args.json {
        print(&format!("{}\n", serde_json::to_string_pretty(&report)?))?;
    } else {
        print(&render(&report))?;
    }
    drop(server);
    Ok(Outcome::Clean)
}
