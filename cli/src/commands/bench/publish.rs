//! The publish scenarios: one awaited call at a time, 64 concurrent callers, and batches
//! (raw: `XADD` awaited in a loop, from 64 tasks, and pipelined), all with pub/sub and
//! retention off; the 64 callers again with the publisher's default settings (raw: the same
//! commands, `MULTI XADD PUBLISH EXEC`); [`fill`] also fills the stream the consume scenarios
//! read.

use std::future::Future;
use std::time::{Duration, Instant};

use event_runtime::config::PublisherConfig;
use event_runtime::wire::{channel_name, field};
use event_runtime::{Event, Publisher};
use redis::aio::MultiplexedConnection;

use super::event::{UserCreatedV2, sample, xadd};
use super::report::{Row, row};
use super::target::Bench;
use super::{CALLERS, per_second};

impl Bench {
    pub(super) async fn publish_sequential(&self, count: usize) -> anyhow::Result<Row> {
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

    pub(super) async fn publish_concurrent(&self, count: usize) -> anyhow::Result<Row> {
        self.progress
            .update("bench: publish, 64 concurrent callers");
        self.reset().await?;
        let per_caller = count.div_ceil(CALLERS);
        let total = per_caller * CALLERS;
        let publisher = self.publisher().await?;
        let elapsed = publishing_callers(&publisher, per_caller).await?;
        let runtime = per_second(total, elapsed);
        self.reset().await?;
        let shared = self.connection().await?;
        let elapsed = callers(|_| {
            let mut conn = shared.clone();
            let fields = self.template.clone();
            async move {
                for _ in 0..per_caller {
                    xadd(&fields).query_async::<String>(&mut conn).await?;
                }
                Ok(())
            }
        })
        .await?;
        let raw = per_second(total, elapsed);
        Ok(row(
            format!("publish, {CALLERS} concurrent callers"),
            "events/s",
            runtime,
            Some(raw),
        ))
    }

    /// The 64 callers with the publisher's default settings, as a service gets them: pub/sub
    /// on (each entry `MULTI XADD PUBLISH EXEC`) and group-aware retention (its task trims
    /// in the background). Raw: the same transaction from 64 tasks on one connection.
    pub(super) async fn publish_concurrent_defaults(&self, count: usize) -> anyhow::Result<Row> {
        self.progress
            .update("bench: publish, 64 concurrent callers, default settings");
        self.reset().await?;
        let per_caller = count.div_ceil(CALLERS);
        let total = per_caller * CALLERS;
        let mut config = self.config.clone();
        let defaults = PublisherConfig::default();
        config.publisher.pubsub = defaults.pubsub;
        config.publisher.retention = defaults.retention;
        config.publisher.trimming = defaults.trimming;
        let publisher = Publisher::new(&config).await?;
        let elapsed = publishing_callers(&publisher, per_caller).await?;
        let runtime = per_second(total, elapsed);
        drop(publisher);
        self.reset().await?;
        let shared = self.connection().await?;
        let channel = channel_name(UserCreatedV2::EVENT_TYPE);
        let event_data = self
            .template
            .iter()
            .find(|(name, _)| *name == field::EVENT_DATA)
            .map(|(_, value)| value.clone())
            .unwrap_or_default();
        let elapsed = callers(|_| {
            let mut conn = shared.clone();
            let mut transaction = redis::pipe();
            transaction
                .atomic()
                .add_command(xadd(&self.template))
                .cmd("PUBLISH")
                .arg(&channel)
                .arg(&event_data)
                .ignore();
            async move {
                for _ in 0..per_caller {
                    transaction.query_async::<(String,)>(&mut conn).await?;
                }
                Ok(())
            }
        })
        .await?;
        let raw = per_second(total, elapsed);
        Ok(row(
            format!("publish, {CALLERS} concurrent callers, default settings (pub/sub, retention)"),
            "events/s",
            runtime,
            Some(raw),
        ))
    }

    pub(super) async fn publish_batched(&self, count: usize) -> anyhow::Result<Row> {
        self.progress.update("bench: batch publish");
        let size = self.batch_size.max(1);
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
}

/// Appends `count` entries with pipelined `XADD`s of `size`; returns entries per second.
pub(super) async fn fill(
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

/// [`CALLERS`] tasks sharing `publisher`, each publishing its own event `per_caller` times;
/// the time until all are done.
async fn publishing_callers(publisher: &Publisher, per_caller: usize) -> anyhow::Result<Duration> {
    callers(|caller| {
        let publisher = publisher.clone();
        let event = sample(caller as u64);
        async move {
            for _ in 0..per_caller {
                publisher.publish(&event).await?;
            }
            Ok(())
        }
    })
    .await
}

/// Runs `caller(n)` for `n` in `0..CALLERS` as tasks at once; the time until all are done.
async fn callers<F, Fut>(caller: F) -> anyhow::Result<Duration>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..CALLERS {
        tasks.spawn(caller(n));
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(started.elapsed())
}
