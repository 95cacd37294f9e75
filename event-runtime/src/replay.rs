//! Replay: read a time window of a stream again, without touching any consumer group.

use std::future::Future;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::config::{Config, Partitioning};
use crate::error::{Error, ErrorKind, Result};
use crate::event::Event;
use crate::memory::MemoryBroker;
use crate::subscriber::{HandlerError, RawEvent, incoming};
use crate::transport::{CONNECT_TIMEOUT, RESPONSE_TIMEOUT, Transport};
use crate::wire::stream_keys;

/// What a replay did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReplayReport {
    /// Events the handler accepted.
    pub handled: u64,
    /// Entries that could not be decoded (logged with the reason) and were skipped.
    pub skipped: u64,
}

/// Reads streams by time window: `XRANGE <from_ms> <to_ms>` paged with `COUNT` and an
/// exclusive `(` continuation. Both bounds are inclusive, down to every entry of the last
/// millisecond (`<to_ms>` as an end id means `<to_ms>-<largest sequence>`).
///
/// A partitioned type ([`Config::partitions`]) is replayed stream by stream: `events:<type>`,
/// then each partition in turn; each key's events stay in the order they were published.
#[derive(Debug, Clone)]
pub struct Replayer {
    transport: Transport,
    page_size: usize,
    max_event_size: usize,
    partitions: BTreeMap<String, Partitioning>,
}

impl Replayer {
    /// Connects to `config.subscriber_url()`.
    pub async fn connect(config: &Config) -> Result<Self> {
        let transport = Transport::connect(
            config.subscriber_url(),
            &config.tls,
            RESPONSE_TIMEOUT,
            CONNECT_TIMEOUT,
        )
        .await?;
        Ok(Self {
            transport,
            page_size: 500,
            max_event_size: config.subscriber.max_event_size,
            partitions: config.partitions.clone(),
        })
    }

    /// Replays from an in-memory broker, with the `subscriber` settings of `config`.
    pub fn in_memory(broker: &MemoryBroker, config: &Config) -> Self {
        Self {
            transport: Transport::memory(broker),
            page_size: 500,
            max_event_size: config.subscriber.max_event_size,
            partitions: config.partitions.clone(),
        }
    }

    /// Entries per `XRANGE` round trip (default 500).
    #[must_use]
    pub fn page_size(mut self, page_size: usize) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    /// Replays the events of `E`'s type from `from` to `to` (both inclusive), upgrading older
    /// versions to `E`, in stream order. Stops at the first handler error.
    pub async fn replay<E, F, Fut>(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        mut handler: F,
    ) -> Result<ReplayReport>
    where
        E: Event,
        F: FnMut(E) -> Fut,
        Fut: Future<Output = Result<(), HandlerError>>,
    {
        self.replay_raw(E::EVENT_TYPE, from, to, |raw| {
                let decoded = E::decode_version(raw.version, &raw.event_data);
                let running = match decoded {
                    Ok(event) => Some(handler(event)),
                    Err(error) => {
                        tracing::warn!(stream = %raw.stream, id = %raw.id, error = %error, "replay skipped an entry that does not decode");
                        None
                    }
                };
                async move {
                    match running {
                        Some(running) => running.await.map(|()| true),
                        None => Ok(false),
                    }
                }
        })
        .await
    }

    /// Replays entries of `event_type` undecoded. Handler returns `Ok(true)` when it handled the
    /// entry, `Ok(false)` when it skipped it.
    pub async fn replay_raw<F, Fut>(
        &self,
        event_type: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        mut handler: F,
    ) -> Result<ReplayReport>
    where
        F: FnMut(RawEvent) -> Fut,
        Fut: Future<Output = Result<bool, HandlerError>>,
    {
        if from > to {
            return Err(Error::new(
                ErrorKind::Usage,
                format!("replay window starts ({from}) after it ends ({to})"),
            ));
        }
        let mut report = ReplayReport::default();
        for stream in stream_keys(event_type, self.partitions.get(event_type)) {
            self.replay_stream(event_type, &stream, from, to, &mut handler, &mut report)
                .await?;
        }
        Ok(report)
    }

    /// Replays one stream's window into `report`.
    async fn replay_stream<F, Fut>(
        &self,
        event_type: &str,
        stream: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        handler: &mut F,
        report: &mut ReplayReport,
    ) -> Result<()>
    where
        F: FnMut(RawEvent) -> Fut,
        Fut: Future<Output = Result<bool, HandlerError>>,
    {
        let mut start = millis(from).to_string();
        let end = millis(to).to_string();
        loop {
            let page = self
                .transport
                .range(stream, &start, &end, self.page_size)
                .await?;
            let Some(last) = page.last() else {
                return Ok(());
            };
            start = format!("({}", last.id);
            let full = page.len() == self.page_size;
            for entry in page {
                let raw = match incoming::parse(event_type, stream, &entry, 1, self.max_event_size)
                {
                    Ok(incoming) => incoming.delivery.to_raw(),
                    Err(reason) => {
                        tracing::warn!(stream = %stream, id = %entry.id, reason, "replay skipped an entry");
                        report.skipped += 1;
                        continue;
                    }
                };
                match handler(raw).await {
                    Ok(true) => report.handled += 1,
                    Ok(false) => report.skipped += 1,
                    Err(error) => {
                        return Err(Error::new(
                            ErrorKind::Handler,
                            format!(
                                "replay of {stream} stopped at entry {} after {} events: {error}",
                                entry.id, report.handled
                            ),
                        ));
                    }
                }
            }
            if !full {
                return Ok(());
            }
        }
    }
}

fn millis(time: DateTime<Utc>) -> u64 {
    u64::try_from(time.timestamp_millis()).unwrap_or(0)
}
