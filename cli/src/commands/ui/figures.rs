//! The figures of the Streams page: a snapshot of every stream and group (length, dead
//! letters, pending, lag, consumers), taken by a sampler every `--sample-ms`, and the history
//! of the last minutes that the charts draw. Pages read the latest snapshot; they never make
//! Redis do the work again, however many are open.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};

/// How far back the charts go.
pub const WINDOW: Duration = Duration::from_secs(10 * 60);

/// A consumer is marked idle once it has not read for this long.
pub const IDLE_AFTER_MS: u64 = 60_000;

/// Every stream at one moment.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    /// When it was taken, in milliseconds since the Unix epoch.
    pub sampled_at_ms: u64,
    pub streams: Vec<StreamFigures>,
}

/// One event stream (`events:<type>`, or a partition `events:<type>:p<k>`).
#[derive(Debug, Clone, Serialize)]
pub struct StreamFigures {
    pub stream: String,
    pub event_type: String,
    pub length: u64,
    /// Entries of the type's dead-letter stream (shared by its partitions).
    pub dead_letters: u64,
    pub groups: Vec<GroupFigures>,
}

/// One consumer group of a stream.
#[derive(Debug, Clone, Serialize)]
pub struct GroupFigures {
    pub group: String,
    pub pending: u64,
    /// `None` when the backend cannot tell (Redis, after deletions in the unread range).
    pub lag: Option<u64>,
    /// Age of the oldest pending entry, from its id, in milliseconds.
    pub oldest_pending_age_ms: Option<u64>,
    pub consumers: Vec<ConsumerFigures>,
}

/// One consumer of a group.
#[derive(Debug, Clone, Serialize)]
pub struct ConsumerFigures {
    pub name: String,
    pub pending: u64,
    /// Milliseconds since it last read, when known.
    pub idle_ms: Option<u64>,
    /// Idle for longer than [`IDLE_AFTER_MS`].
    pub idle: bool,
}

impl ConsumerFigures {
    pub fn new(name: String, pending: u64, idle_ms: Option<u64>) -> Self {
        Self {
            name,
            pending,
            idle_ms,
            idle: idle_ms.is_some_and(|idle| idle > IDLE_AFTER_MS),
        }
    }
}

/// The event type of a stream key: `events:user.created:p3` -> `user.created`.
pub fn event_type_of(stream: &str) -> String {
    let name = stream.strip_prefix("events:").unwrap_or(stream);
    match name.rsplit_once(":p") {
        Some((event_type, partition))
            if !partition.is_empty() && partition.bytes().all(|b| b.is_ascii_digit()) =>
        {
            event_type.to_owned()
        }
        _ => name.to_owned(),
    }
}

/// The latest snapshot and the samples of the last [`WINDOW`].
#[derive(Debug)]
pub struct Figures {
    interval: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    latest: Option<Arc<Snapshot>>,
    /// The last sampling failure, cleared by the next success.
    error: Option<String>,
    samples: VecDeque<Arc<Snapshot>>,
}

impl Figures {
    pub fn new(interval: Duration) -> Self {
        Self {
            interval,
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records a snapshot, dropping samples older than the window; says whether it ends a
    /// run of failures.
    pub fn record(&self, snapshot: Snapshot) -> bool {
        let snapshot = Arc::new(snapshot);
        let oldest = snapshot
            .sampled_at_ms
            .saturating_sub(WINDOW.as_millis() as u64);
        let mut state = self.lock();
        state.samples.push_back(Arc::clone(&snapshot));
        while state
            .samples
            .front()
            .is_some_and(|sample| sample.sampled_at_ms < oldest)
        {
            state.samples.pop_front();
        }
        state.latest = Some(snapshot);
        state.error.take().is_some()
    }

    /// Records a failed sampling; the last snapshot stays, marked stale by the error. Says
    /// whether it begins a run of failures (the last sampling worked).
    pub fn fail(&self, error: String) -> bool {
        self.lock().error.replace(error).is_none()
    }

    /// `GET /api/streams`: the latest snapshot, with the sampling interval and the last error.
    pub fn streams_json(&self) -> Value {
        let state = self.lock();
        json!({
            "interval_ms": self.interval.as_millis() as u64,
            "idle_after_ms": IDLE_AFTER_MS,
            "error": state.error,
            "sampled_at_ms": state.latest.as_ref().map(|s| s.sampled_at_ms),
            "streams": state.latest.as_ref().map_or(&[][..], |s| &s.streams[..]),
        })
    }

    /// `GET /api/history`: one column per sample (`t`, milliseconds since the epoch), and per
    /// stream its length and per group its lag and pending count, `null` where a sample did
    /// not have them.
    pub fn history_json(&self) -> Value {
        let state = self.lock();
        let samples = &state.samples;
        let times: Vec<u64> = samples.iter().map(|s| s.sampled_at_ms).collect();
        let mut streams: BTreeMap<&str, StreamSeries<'_>> = BTreeMap::new();
        for (column, sample) in samples.iter().enumerate() {
            for stream in &sample.streams {
                let series = streams
                    .entry(&stream.stream)
                    .or_insert_with(|| StreamSeries::new(samples.len()));
                series.length[column] = Some(stream.length);
                for group in &stream.groups {
                    let group_series = series
                        .groups
                        .entry(&group.group)
                        .or_insert_with(|| GroupSeries::new(samples.len()));
                    group_series.lag[column] = group.lag;
                    group_series.pending[column] = Some(group.pending);
                }
            }
        }
        json!({
            "interval_ms": self.interval.as_millis() as u64,
            "window_ms": WINDOW.as_millis() as u64,
            "t": times,
            "streams": streams,
        })
    }
}

#[derive(Debug, Serialize)]
struct StreamSeries<'a> {
    length: Vec<Option<u64>>,
    groups: BTreeMap<&'a str, GroupSeries>,
}

impl StreamSeries<'_> {
    fn new(columns: usize) -> Self {
        Self {
            length: vec![None; columns],
            groups: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Serialize)]
struct GroupSeries {
    lag: Vec<Option<u64>>,
    pending: Vec<Option<u64>>,
}

impl GroupSeries {
    fn new(columns: usize) -> Self {
        Self {
            lag: vec![None; columns],
            pending: vec![None; columns],
        }
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(at: u64, length: u64, lag: Option<u64>) -> Snapshot {
        Snapshot {
            sampled_at_ms: at,
            streams: vec![StreamFigures {
                stream: "events:user.created".into(),
                event_type: "user.created".into(),
                length,
                dead_letters: 0,
                groups: vec![GroupFigures {
                    group: "mailer".into(),
                    pending: 1,
                    lag,
                    oldest_pending_age_ms: None,
                    consumers: Vec::new(),
                }],
            }],
        }
    }

    #[test]
    fn partitions_belong_to_their_type() {
        assert_eq!(event_type_of("events:user.created"), "user.created");
        assert_eq!(event_type_of("events:user.created:p3"), "user.created");
        assert_eq!(event_type_of("events:user.created:px"), "user.created:px");
    }

    #[test]
    fn history_keeps_the_window_and_aligns_columns() {
        let figures = Figures::new(Duration::from_secs(2));
        let minute = 60_000;
        figures.record(snapshot(0, 1, Some(1)));
        figures.record(snapshot(5 * minute, 2, None));
        figures.record(snapshot(11 * minute, 3, Some(3)));
        let history = figures.history_json();
        assert_eq!(history["t"], json!([5 * minute, 11 * minute]));
        let stream = &history["streams"]["events:user.created"];
        assert_eq!(stream["length"], json!([2, 3]));
        assert_eq!(stream["groups"]["mailer"]["lag"], json!([null, 3]));
    }

    #[test]
    fn a_failure_keeps_the_last_snapshot() {
        let figures = Figures::new(Duration::from_secs(2));
        assert!(!figures.record(snapshot(1, 1, Some(0))));
        assert!(figures.fail("XLEN: connection refused".into()));
        assert!(!figures.fail("XLEN: broken pipe".into()), "told once");
        let streams = figures.streams_json();
        assert_eq!(streams["error"], "XLEN: broken pipe");
        assert_eq!(streams["streams"][0]["length"], 1);
        assert!(
            figures.record(snapshot(2, 1, Some(0))),
            "the failures ended"
        );
        assert_eq!(figures.streams_json()["error"], Value::Null);
    }

    #[test]
    fn consumers_idle_for_a_minute_are_marked() {
        assert!(!ConsumerFigures::new("a".into(), 0, Some(IDLE_AFTER_MS)).idle);
        assert!(ConsumerFigures::new("a".into(), 0, Some(IDLE_AFTER_MS + 1)).idle);
        assert!(!ConsumerFigures::new("a".into(), 0, None).idle);
    }
}
