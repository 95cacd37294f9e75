//! The consume scenarios: 1, 2 and 4 consumers of one group reading the filled stream to the
//! end, runtime `Subscriber`s with a typed handler (decode, validate) against raw
//! `XREADGROUP COUNT 500` + one `XACK` per batch. A run ends when every entry is acknowledged.
//! The subscribers run tuned (batch 500, concurrency 1000), and once more, with 1 consumer,
//! with the settings a service gets by default ([`Settings`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::bail;
use event_runtime::config::StartPosition;
use event_runtime::{Config, HandlerError, Subscriber};
use redis::aio::MultiplexedConnection;

use super::event::UserCreatedV2;
use super::report::{Row, row};
use super::target::Bench;
use super::{RAW_READ_COUNT, STREAM, per_second, wait_until};

/// The subscriber's settings in a consume scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Settings {
    /// Batch 500, concurrency 1000: the most a read may bring.
    Tuned,
    /// `SubscriberConfig`'s defaults (batch 10, concurrency 16), as a service gets them.
    Defaults,
}

impl Bench {
    pub(super) async fn consume(
        &self,
        count: usize,
        consumers: usize,
        round: usize,
        settings: Settings,
    ) -> anyhow::Result<Row> {
        self.progress
            .update(&format!("bench: consume, {consumers} consumers"));
        // Runtime: `consumers` subscribers in one group, typed handler.
        let group = format!("bench-runtime-{consumers}-{round}-{settings:?}");
        let handled = Arc::new(AtomicU64::new(0));
        let mut running = Vec::new();
        for index in 0..consumers {
            let counter = handled.clone();
            let mut config = self.config.clone();
            let tuning = &mut config.subscriber;
            tuning.consumer_group = group.clone();
            tuning.consumer_name = Some(format!("bench-{index}"));
            let defaults = Config::default().subscriber;
            (tuning.batch_size, tuning.concurrency) = match settings {
                Settings::Tuned => (500, 1000),
                Settings::Defaults => (defaults.batch_size, defaults.concurrency),
            };
            tuning.block_time = Duration::from_millis(100);
            tuning.start_position = StartPosition::Backlog;
            let subscriber = Subscriber::builder(&config)
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
        let group = format!("bench-raw-{consumers}-{round}-{settings:?}");
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
        let consumers = match consumers {
            1 => "1 consumer".to_owned(),
            _ => format!("{consumers} consumers in a group"),
        };
        let label = match settings {
            Settings::Tuned => format!("consume, {consumers}"),
            Settings::Defaults => {
                let defaults = Config::default().subscriber;
                format!(
                    "consume, {consumers}, default settings (batch {}, concurrency {})",
                    defaults.batch_size, defaults.concurrency
                )
            }
        };
        Ok(row(label, "events/s", runtime, Some(raw)))
    }
}

/// Waits until `group` has nothing pending (every handled entry acknowledged), at most 30 s.
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

impl Bench {
    /// `--drain`: a subscriber with the default settings drains a backlog of `count` entries;
    /// its rate and the process's peak memory while it drains (`VmHWM`, reset once the
    /// backlog is written, where Linux allows it).
    pub(super) async fn drain(&self, count: usize) -> anyhow::Result<Vec<Row>> {
        self.reset().await?;
        self.progress
            .update(&format!("bench: filling a backlog of {count} entries"));
        super::publish::fill(&mut self.conn.clone(), &self.template, count, 500).await?;
        self.progress
            .update(&format!("bench: draining {count} entries"));
        let reset = super::memory::reset_peak();
        let group = "bench-drain";
        let handled = Arc::new(AtomicU64::new(0));
        let counter = handled.clone();
        let mut config = self.config.clone();
        let defaults = Config::default().subscriber;
        let settings = &mut config.subscriber;
        settings.consumer_group = group.to_owned();
        settings.consumer_name = Some("bench-drain".to_owned());
        settings.batch_size = defaults.batch_size;
        settings.concurrency = defaults.concurrency;
        settings.start_position = StartPosition::Backlog;
        let subscriber = Subscriber::builder(&config)
            .on(move |_event: UserCreatedV2| {
                counter.fetch_add(1, Ordering::Relaxed);
                std::future::ready(Ok::<(), HandlerError>(()))
            })
            .build()
            .await?;
        let started = Instant::now();
        let running = subscriber.spawn();
        let seconds = 60 + (count / 10_000) as u64;
        wait_until(|| handled.load(Ordering::Relaxed) >= count as u64, seconds).await?;
        wait_for_no_pending(&mut self.conn.clone(), group).await?;
        let rate = per_second(count, started.elapsed());
        running.shutdown().await?;
        let peak = super::memory::peak_mib();
        self.reset().await?;
        let mut rows = vec![row(
            format!("drain a backlog of {count} entries, default settings"),
            "events/s",
            rate,
            None,
        )];
        if let (Ok(()), Some(peak)) = (reset, peak) {
            rows.push(row(
                format!("peak memory while draining {count} entries (VmHWM)"),
                "MiB",
                peak,
                None,
            ));
        }
        Ok(rows)
    }
}
