//! `events bench`: throughput and latency of the runtime, next to the same Redis commands sent
//! with raw redis-rs in the same run, as the ceiling.
//!
//! Every scenario uses the catalogue's `user.created` v2 (about 400 bytes of `event_data`):
//!
//! | scenario | runtime | raw redis-rs ceiling |
//! |---|---|---|
//! | publish, one at a time | `publish(&event).await` in a loop | `XADD` awaited in a loop |
//! | publish, 64 callers | 64 tasks sharing one `Publisher` | 64 tasks sharing one multiplexed connection |
//! | publish, 64 callers, default settings | the same, pub/sub and group-aware retention on | the same, `MULTI XADD PUBLISH EXEC` |
//! | batch publish | `publish_batch` (`--batch-size` per round trip) | pipelined `XADD`, same size |
//! | consume, 1/2/4 consumers | `Subscriber`s of one group, typed handler (decode, validate), batch 500, concurrency 1000 | `XREADGROUP COUNT 500` + one `XACK` per batch |
//! | consume, 1 consumer, default settings | the same with `SubscriberConfig`'s defaults (batch 10, concurrency 16) | the same |
//! | drain (`--drain N`) | a subscriber with the defaults drains N entries; the peak memory meanwhile | - |
//! | end-to-end latency | publish paced at 1k and 10k events/s -> handler | `XADD` paced the same -> `XREADGROUP BLOCK` |
//!
//! The publisher runs with pub/sub off and no trimming, so that both sides send the same
//! commands (`XADD <stream> * <5 fields>`), except in the row of default settings. Events are
//! built before the clock starts (building them is the caller's work) and published again and again: each publish validates, fills
//! the envelope and encodes anew, while the raw side sends ready-made fields. Consumption ends when every entry is
//! acknowledged. Latency is measured from the event's envelope timestamp (set right before
//! publishing) to the handler. Peak memory is this process's `VmHWM`.
//!
//! Without `REDIS_URL` the bench starts a `redis-server` of its own (no persistence) on a free
//! port ([`server`]). With `REDIS_URL` it refuses to run when `events:user.created` exists, and
//! deletes what it wrote at the end.
//!
//! This file holds the arguments and runs the scenarios in order; [`target`] connects to the
//! Redis measured, [`event`] holds the event sent, [`publish`], [`consume`], [`latency`] and
//! [`memory`] measure, [`report`] prints.

mod consume;
mod event;
mod latency;
mod memory;
mod publish;
mod report;
mod server;
mod target;

use std::time::{Duration, Instant};

use anyhow::bail;
use event_runtime::Event;

use self::consume::Settings;
use self::event::UserCreatedV2;
use self::report::{Report, Row, best, render, row};
use self::target::Bench;
use crate::Outcome;
use crate::table::{print, print_json};

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
    /// Only these scenarios (comma-separated); all of them by default.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub only: Vec<Scenario>,
    /// Also drain a backlog of this many entries with a subscriber's default settings, and
    /// report the peak memory while it drains (e.g. 1000000).
    #[arg(long)]
    pub drain: Option<usize>,
    /// Print the results as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The groups of scenarios `--only` picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// Publishing: one at a time, 64 callers, batches.
    Publish,
    /// Consuming: 1, 2 and 4 consumers, and 1 with the default settings.
    Consume,
    /// End-to-end latency at 1k/s and 10k/s.
    Latency,
}

/// The stream every scenario writes and reads.
const STREAM: &str = "events:user.created";
/// Callers of the concurrent publish scenario.
const CALLERS: usize = 64;
/// Entries per `XREADGROUP` of the raw consumers.
const RAW_READ_COUNT: usize = 500;

/// Events per second.
fn per_second(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64().max(1e-9)
}

/// Polls `done` until it holds; an error after `seconds`.
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

/// Every scenario in order, each throughput scenario `rounds` times (the best run counts).
async fn scenarios(bench: &Bench, args: &Args) -> anyhow::Result<Vec<Row>> {
    let runs = |scenario| args.only.is_empty() || args.only.contains(&scenario);
    let mut results = Vec::new();
    if runs(Scenario::Publish) {
        results.extend(publishing(bench, args).await?);
    }
    if runs(Scenario::Consume) {
        results.extend(consuming(bench, args).await?);
    }
    if runs(Scenario::Latency) {
        for rate in [1_000, 10_000] {
            results.extend(bench.latency(rate, args.latency_seconds.max(1)).await?);
        }
    }
    if let Some(peak) = memory::peak_mib() {
        results.push(row(
            "peak memory of the bench process (VmHWM)",
            "MiB",
            peak,
            None,
        ));
    }
    if let Some(count) = args.drain {
        results.extend(bench.drain(count.max(1)).await?);
    }
    Ok(results)
}

/// The best of `rounds` runs of one scenario (at least one).
async fn best_of<F, Fut>(rounds: usize, mut scenario: F) -> anyhow::Result<Row>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = anyhow::Result<Row>>,
{
    let mut runs = Vec::new();
    for round in 0..rounds.max(1) {
        runs.push(scenario(round).await?);
    }
    Ok(best(runs))
}

/// The publish scenarios, each `rounds` times.
async fn publishing(bench: &Bench, args: &Args) -> anyhow::Result<Vec<Row>> {
    let concurrent = args.concurrent.max(CALLERS);
    Ok(vec![
        best_of(args.rounds, |_| {
            bench.publish_sequential(args.sequential.max(1))
        })
        .await?,
        best_of(args.rounds, |_| bench.publish_concurrent(concurrent)).await?,
        best_of(args.rounds, |_| {
            bench.publish_concurrent_defaults(concurrent)
        })
        .await?,
        best_of(args.rounds, |_| bench.publish_batched(args.batched.max(1))).await?,
    ])
}

/// The consume scenarios from one filled stream, each `rounds` times.
async fn consuming(bench: &Bench, args: &Args) -> anyhow::Result<Vec<Row>> {
    let mut results = Vec::new();
    bench.reset().await?;
    bench
        .progress
        .update("bench: filling the stream to consume");
    publish::fill(
        &mut bench.conn.clone(),
        &bench.template,
        args.consumed.max(1),
        500,
    )
    .await?;
    let runs = [(1, Settings::Tuned), (1, Settings::Defaults)]
        .into_iter()
        .chain([(2, Settings::Tuned), (4, Settings::Tuned)]);
    for (consumers, settings) in runs {
        results.push(
            best_of(args.rounds, |round| {
                bench.consume(args.consumed.max(1), consumers, round, settings)
            })
            .await?,
        );
    }
    Ok(results)
}

/// Runs the command.
pub async fn run(args: &Args) -> anyhow::Result<Outcome> {
    let (bench, target) = Bench::open(args.batch_size).await?;
    let outcome = scenarios(&bench, args).await;
    let _ = bench.reset().await;
    let results = outcome?;
    bench.progress.done("bench: done");
    let report = Report {
        event_type: UserCreatedV2::EVENT_TYPE,
        event_version: UserCreatedV2::VERSION,
        event_data_bytes: target.event_data_bytes,
        redis: target.location,
        redis_version: target.redis_version,
        cores: std::thread::available_parallelism().map_or(1, usize::from),
        results,
    };
    if args.json {
        print_json(&report)?;
    } else {
        print(&render(&report))?;
    }
    drop(target.server);
    Ok(Outcome::Clean)
}
