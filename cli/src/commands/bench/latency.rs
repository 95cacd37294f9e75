//! The end-to-end latency scenario: events published at a paced rate (1k and 10k/s) and the
//! time from their envelope timestamp to the handler (raw: paced `XADD` -> `XREADGROUP BLOCK`
//! on a connection of its own -> `XACK`), as p50, p99 and p99.9.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::bail;
use chrono::Utc;
use event_runtime::config::StartPosition;
use event_runtime::wire::{field, format_timestamp};
use event_runtime::{HandlerError, Subscriber};

use super::event::{UserCreatedV2, sample, xadd};
use super::report::{Row, row};
use super::target::Bench;
use super::{RAW_READ_COUNT, STREAM, wait_until};

impl Bench {
    pub(super) async fn latency(&self, rate: u64, seconds: u64) -> anyhow::Result<Vec<Row>> {
        self.progress
            .update(&format!("bench: end-to-end latency at {rate}/s"));
        self.reset().await?;
        let total = rate * seconds;

        // Runtime: paced publishes -> subscriber -> handler.
        let samples = Arc::new(Mutex::new(Vec::with_capacity(total as usize)));
        let recorder = samples.clone();
        let mut config = self.config.clone();
        let settings = &mut config.subscriber;
        settings.consumer_group = format!("bench-latency-{rate}");
        settings.consumer_name = Some("bench-latency".to_owned());
        settings.batch_size = 500;
        settings.concurrency = 1000;
        settings.start_position = StartPosition::NewOnly;
        let subscriber = Subscriber::builder(&config)
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
        let raw_samples = Arc::new(Mutex::new(Vec::with_capacity(total as usize)));
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
                        let written: Option<String> = entry.get(field::TIMESTAMP);
                        let micros = written
                            .as_deref()
                            .and_then(event_runtime::wire::parse_timestamp)
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
            if let Some((_, at)) = fields
                .iter_mut()
                .find(|(name, _)| *name == field::TIMESTAMP)
            {
                *at = format_timestamp(Utc::now());
            }
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
