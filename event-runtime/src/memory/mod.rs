//! An in-process broker with the semantics of Redis Streams, for tests and for running without
//! Redis.
//!
//! A [`MemoryBroker`] holds streams, consumer groups and pub/sub channels in memory. Publishers,
//! subscribers, replayers and live subscriptions made from clones of one broker see each
//! other's events exactly as they would through one Redis server: consumer groups start at the
//! backlog or at the end, every delivered entry sits in the reading consumer's pending list
//! with a delivery count and an idle time until it is acknowledged, failed entries are retried
//! and claimed from dead consumers, entries past `max_deliveries` go to the dead-letter stream,
//! replay reads time windows with both bounds inclusive, retention trims streams, and pub/sub
//! is at most once. The conformance suite (`event-runtime/tests/conformance/`) runs the same
//! tests on this broker and on Redis.
//!
//! ```
//! use event_runtime::memory::MemoryBroker;
//! use event_runtime::{Config, Envelope, Event, HandlerError, Publisher, Subscriber};
//!
//! #[derive(Debug, serde::Serialize, serde::Deserialize, Event)]
//! #[event(name = "parcel.shipped", version = 1)]
//! struct ParcelShippedV1 {
//!     #[serde(flatten)]
//!     envelope: Envelope,
//!     parcel_id: i64,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), event_runtime::Error> {
//! let broker = MemoryBroker::new();
//! let mut config = Config::default(); // every setting applies; the Redis URLs are not used
//! config.subscriber.consumer_group = "notifier".to_owned();
//!
//! let (handled, mut seen) = tokio::sync::mpsc::unbounded_channel();
//! let subscriber = Subscriber::builder(&config)
//!     .in_memory(&broker)
//!     .on(move |event: ParcelShippedV1| {
//!         let handled = handled.clone();
//!         async move { handled.send(event.parcel_id).map_err(HandlerError::new) }
//!     })
//!     .build()
//!     .await?
//!     .spawn();
//!
//! let publisher = Publisher::in_memory(&broker, &config);
//! publisher.publish(&ParcelShippedV1 { envelope: Envelope::new(), parcel_id: 7 }).await?;
//!
//! assert_eq!(seen.recv().await, Some(7));
//! subscriber.shutdown().await?;
//! assert_eq!(broker.pending_count("events:parcel.shipped", "notifier"), 0);
//! assert!(broker.dead_letters("parcel.shipped").is_empty());
//! # Ok(())
//! # }
//! ```
//!
//! What differs from Redis, on purpose: nothing survives the process; `MAXLEN ~`/`MINID ~`
//! trim exactly (which `~` allows); a live subscription that falls 4,096 messages behind
//! loses the newest ones (Redis disconnects a slow subscriber instead); ids follow the
//! wall clock like Redis's. [`stop`](MemoryBroker::stop) and [`start`](MemoryBroker::start)
//! simulate an outage of the server, for tests of what happens meanwhile.

mod dedup;
mod ids;
mod retention;
mod stream;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::{Notify, mpsc};
use tokio::time::Instant;

use self::ids::range_bounds;
use self::stream::{GroupStart, NoGroup, Stream};
use crate::backend::{Claimed, ConsumerRemoval, GroupFigures, GroupRead, OutgoingEntry};
use crate::config::Retention;
use crate::error::{Error, ErrorKind, Result};
use crate::wire::{EntryId, StreamEntry};

/// Messages a live subscription may fall behind before it loses the newest ones.
const LIVE_BUFFER: usize = 4096;

/// An in-process broker with the semantics of Redis Streams; see the [module docs](self).
///
/// Cheap to clone: clones share the same streams, groups and channels. Make one per test and
/// hand clones to every publisher and subscriber of that test.
#[derive(Clone)]
pub struct MemoryBroker {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    /// Woken on every change a blocked group read may wait for.
    changed: Notify,
    name: String,
}

#[derive(Default)]
struct State {
    streams: BTreeMap<String, Stream>,
    channels: HashMap<String, Vec<mpsc::Sender<Arc<[u8]>>>>,
    stopped: bool,
    /// Counts outages, so a read that waited across one fails like a dropped connection.
    outages: u64,
    /// Set by [`MemoryBroker::refuse_acks`].
    refusing_acks: bool,
}

impl std::fmt::Debug for MemoryBroker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("MemoryBroker")
            .field("name", &self.inner.name)
            .field("streams", &state.streams.len())
            .field("stopped", &state.stopped)
            .finish_non_exhaustive()
    }
}

impl Default for MemoryBroker {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryBroker {
    /// An empty broker.
    pub fn new() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self {
            inner: Arc::new(Inner {
                state: Mutex::new(State::default()),
                changed: Notify::new(),
                name: format!("memory://broker-{}", NEXT.fetch_add(1, Ordering::Relaxed)),
            }),
        }
    }

    /// Every entry of a stream (`events:<type>`, `events:dlq:<type>`), oldest first.
    pub fn entries(&self, stream: &str) -> Vec<StreamEntry> {
        self.lock()
            .streams
            .get(stream)
            .map(|stream| stream.range(EntryId::ZERO, EntryId::MAX, usize::MAX))
            .unwrap_or_default()
    }

    /// The dead letters of an event type (the entries of `events:dlq:<type>`), oldest first.
    pub fn dead_letters(&self, event_type: &str) -> Vec<StreamEntry> {
        self.entries(&crate::wire::dead_letter_key(event_type))
    }

    /// Entries delivered to `group` and not acknowledged yet (`XPENDING`); 0 when the stream
    /// or the group does not exist.
    pub fn pending_count(&self, stream: &str, group: &str) -> u64 {
        self.lock()
            .streams
            .get(stream)
            .and_then(|stream| stream.pending_count(group, None).ok())
            .unwrap_or(0)
    }

    /// Appends an entry with these fields as they are (`XADD <stream> * ...`) and returns its
    /// id: for tests that need entries the publisher would not write, such as the original
    /// services' three-field format or broken data.
    pub fn append(&self, stream: &str, fields: &[(&str, &str)]) -> String {
        let fields = fields
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.as_bytes().to_vec()))
            .collect();
        let id = {
            let mut state = self.lock();
            state
                .streams
                .entry(stream.to_owned())
                .or_default()
                .append(fields, now_ms())
        };
        self.inner.changed.notify_waiters();
        id.to_string()
    }

    /// Deletes entries (`XDEL`); returns how many existed. Their pending entries stay until
    /// a claim reports them deleted, as with Redis.
    pub fn delete(&self, stream: &str, ids: &[&str]) -> usize {
        let ids: Vec<EntryId> = ids
            .iter()
            .filter_map(|id| id.parse::<EntryId>().ok())
            .collect();
        self.lock()
            .streams
            .get_mut(stream)
            .map_or(0, |stream| stream.delete(&ids))
    }

    /// Simulates an outage, as when the Redis server goes down: until [`start`](Self::start),
    /// every operation fails with a connection error ([`Error::is_connection`]), blocked reads
    /// return that error, and live subscriptions end. Nothing stored is lost (as with a Redis
    /// server that restarts from its append-only file).
    pub fn stop(&self) {
        {
            let mut state = self.lock();
            state.stopped = true;
            state.outages += 1;
            state.channels.clear();
        }
        self.inner.changed.notify_waiters();
    }

    /// Ends an outage begun with [`stop`](Self::stop).
    pub fn start(&self) {
        self.lock().stopped = false;
        self.inner.changed.notify_waiters();
    }

    /// Whether the broker answers (not [`stop`](Self::stop)ped).
    pub fn is_running(&self) -> bool {
        !self.lock().stopped
    }

    /// `memory://broker-<n>`: names this broker in health reports and messages.
    pub(crate) fn location(&self) -> &str {
        &self.inner.name
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every operation leaves the state consistent before it can panic: keep going.
        self.inner
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The state, or a connection error during an outage.
    fn answer(&self) -> Result<MutexGuard<'_, State>> {
        let state = self.lock();
        if state.stopped {
            return Err(unreachable(&self.inner.name));
        }
        Ok(state)
    }

    pub(crate) fn ping(&self) -> Result<()> {
        self.answer().map(drop)
    }

    /// Appends entries (each with its pub/sub copy) atomically, trimming per `retention`.
    pub(crate) fn append_entries(
        &self,
        entries: &[OutgoingEntry],
        retention: Retention,
    ) -> Result<Vec<String>> {
        let mut ids = Vec::with_capacity(entries.len());
        {
            let mut state = self.answer()?;
            for entry in entries {
                let now = now_ms();
                let fields = entry
                    .fields
                    .iter()
                    .map(|(name, value)| ((*name).to_owned(), value.clone().into_bytes()))
                    .collect();
                let stream = state.streams.entry(entry.stream.clone()).or_default();
                ids.push(stream.append(fields, now).to_string());
                match retention {
                    Retention::Unbounded => {}
                    Retention::MaxLen(max) => {
                        stream.trim_to_len(max);
                    }
                    Retention::MaxAge(age) => {
                        let oldest =
                            now.saturating_sub(u64::try_from(age.as_millis()).unwrap_or(u64::MAX));
                        stream.trim_before(EntryId { ms: oldest, seq: 0 });
                    }
                }
                if let Some(channel) = &entry.broadcast {
                    broadcast(&mut state, channel, entry.event_data().as_bytes());
                }
            }
        }
        self.inner.changed.notify_waiters();
        Ok(ids)
    }

    /// `XGROUP CREATE <stream> <group> <start> MKSTREAM`; `false` when it exists.
    pub(crate) fn ensure_group(&self, stream: &str, group: &str, start: &str) -> Result<bool> {
        let start = match start {
            "$" => GroupStart::End,
            id => GroupStart::After(ids::parse(id, 0)?),
        };
        let created = self
            .answer()?
            .streams
            .entry(stream.to_owned())
            .or_default()
            .create_group(group, start);
        self.inner.changed.notify_waiters();
        Ok(created)
    }

    /// `XREADGROUP ... COUNT <count> BLOCK <block> STREAMS <streams> > ...`: new entries of
    /// each stream (at most `count` per stream), waiting up to `block` for some to arrive.
    pub(crate) async fn read_group(
        &self,
        group: &str,
        consumer: &str,
        streams: &[&str],
        count: usize,
        block: Duration,
    ) -> Result<GroupRead> {
        let deadline = Instant::now() + block;
        let outages = self.answer()?.outages;
        loop {
            let changed = self.inner.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            {
                let mut state = self.answer()?;
                if state.outages != outages {
                    return Err(unreachable(&self.inner.name));
                }
                let now = Instant::now();
                let mut batches = Vec::new();
                for key in streams {
                    let Some(stream) = state.streams.get_mut(*key) else {
                        return Ok(GroupRead::NoGroup);
                    };
                    match stream.read_group(group, consumer, count, now) {
                        Ok(entries) if entries.is_empty() => {}
                        Ok(entries) => batches.push(((*key).to_owned(), entries)),
                        Err(NoGroup) => return Ok(GroupRead::NoGroup),
                    }
                }
                if !batches.is_empty() {
                    return Ok(GroupRead::Entries(batches));
                }
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return Ok(GroupRead::Entries(Vec::new()));
            }
        }
    }

    /// `XACK` per stream.
    pub(crate) fn ack(&self, group: &str, acks: &[(String, Vec<String>)]) -> Result<()> {
        let mut state = self.answer_ack()?;
        for (key, ids) in acks {
            let ids = parse_ids(ids)?;
            if let Some(stream) = state.streams.get_mut(key) {
                stream
                    .ack(group, &ids)
                    .map_err(|NoGroup| no_group(key, group))?;
            }
        }
        Ok(())
    }

    /// One `XAUTOCLAIM` step from `cursor`.
    pub(crate) fn autoclaim(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        min_idle: Duration,
        cursor: &str,
        count: usize,
    ) -> Result<Claimed> {
        let cursor = ids::parse(cursor, 0)?;
        let mut state = self.answer()?;
        let claimed = state
            .streams
            .get_mut(stream)
            .ok_or(NoGroup)
            .and_then(|s| s.autoclaim(group, consumer, min_idle, cursor, count, Instant::now()))
            .map_err(|NoGroup| no_group(stream, group))?;
        Ok(Claimed {
            entries: claimed.entries,
            deleted: claimed.deleted,
            next: claimed.next.to_string(),
        })
    }

    /// `XCLAIM` of each id with its own min-idle time.
    pub(crate) fn claim(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        ids: &[(String, Duration)],
    ) -> Result<Vec<StreamEntry>> {
        let ids = ids
            .iter()
            .map(|(id, min_idle)| Ok((ids::parse(id, 0)?, *min_idle)))
            .collect::<Result<Vec<_>>>()?;
        self.with_group(stream, group, |s| {
            s.claim(group, consumer, &ids, Instant::now(), false)
        })
    }

    /// `XCLAIM ... 0 <ids> JUSTID`: resets idle times, counts no delivery.
    pub(crate) fn touch(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        ids: &[String],
    ) -> Result<()> {
        let ids: Vec<(EntryId, Duration)> = parse_ids(ids)?
            .into_iter()
            .map(|id| (id, Duration::ZERO))
            .collect();
        self.with_group(stream, group, |s| {
            s.claim(group, consumer, &ids, Instant::now(), true)
        })
        .map(drop)
    }

    /// Delivery counts of pending entries (`XPENDING` per id).
    pub(crate) fn deliveries(
        &self,
        stream: &str,
        group: &str,
        ids: &[String],
    ) -> Result<HashMap<String, u32>> {
        let ids = parse_ids(ids)?;
        self.with_group(stream, group, |s| s.deliveries(group, &ids))
    }

    /// Whether an entry has been pending at least `min_idle`.
    pub(crate) fn has_idle_pending(
        &self,
        stream: &str,
        group: &str,
        min_idle: Duration,
    ) -> Result<bool> {
        self.with_group(stream, group, |s| {
            s.has_idle_pending(group, min_idle, Instant::now())
        })
    }

    /// Appends a dead letter and acknowledges the original entry, atomically.
    pub(crate) fn dead_letter(
        &self,
        dead_letter_stream: &str,
        fields: &[(String, Vec<u8>)],
        stream: &str,
        group: &str,
        id: &str,
    ) -> Result<()> {
        let id = ids::parse(id, 0)?;
        {
            let mut state = self.answer()?;
            state
                .streams
                .entry(dead_letter_stream.to_owned())
                .or_default()
                .append(fields.to_vec(), now_ms());
            if let Some(original) = state.streams.get_mut(stream) {
                original
                    .ack(group, &[id])
                    .map_err(|NoGroup| no_group(stream, group))?;
            }
        }
        self.inner.changed.notify_waiters();
        Ok(())
    }

    /// `XGROUP DELCONSUMER` unless entries are pending for the consumer (this broker keeps
    /// consumers only through their pending entries, so there is nothing else to remove).
    pub(crate) fn remove_consumer(
        &self,
        key: &str,
        group: &str,
        consumer: &str,
    ) -> Result<ConsumerRemoval> {
        let state = self.answer()?;
        let pending = state
            .streams
            .get(key)
            .map(|stream| stream.pending_count(group, Some(consumer)));
        Ok(match pending {
            Some(Ok(0)) => ConsumerRemoval::Removed,
            Some(Ok(_)) => ConsumerRemoval::Holds,
            None | Some(Err(NoGroup)) => ConsumerRemoval::Absent,
        })
    }

    /// Pending count and lag of a group; zero and unknown when it does not exist.
    pub(crate) fn group_figures(&self, stream: &str, group: &str) -> Result<GroupFigures> {
        let state = self.answer()?;
        let Some(stream) = state.streams.get(stream) else {
            return Ok(GroupFigures::default());
        };
        match (stream.pending_count(group, None), stream.lag(group)) {
            (Ok(pending), Ok(lag)) => Ok(GroupFigures { pending, lag }),
            _ => Ok(GroupFigures::default()),
        }
    }

    /// `XLEN <stream>`: 0 for a missing stream.
    pub(crate) fn length(&self, stream: &str) -> Result<u64> {
        let state = self.answer()?;
        Ok(state
            .streams
            .get(stream)
            .map_or(0, |stream| stream.len() as u64))
    }

    /// `XRANGE <stream> <start> <end> COUNT <count>`.
    pub(crate) fn range(
        &self,
        stream: &str,
        start: &str,
        end: &str,
        count: usize,
    ) -> Result<Vec<StreamEntry>> {
        let bounds = range_bounds(start, end)?;
        let state = self.answer()?;
        Ok(match (state.streams.get(stream), bounds) {
            (Some(stream), Some((low, high))) => stream.range(low, high, count),
            _ => Vec::new(),
        })
    }

    /// Subscribes to a pub/sub channel: messages published from now on, until the receiver
    /// is dropped or the broker [`stop`](Self::stop)s.
    pub(crate) fn subscribe(&self, channel: &str) -> Result<mpsc::Receiver<Arc<[u8]>>> {
        let (sender, receiver) = mpsc::channel(LIVE_BUFFER);
        self.answer()?
            .channels
            .entry(channel.to_owned())
            .or_default()
            .push(sender);
        Ok(receiver)
    }

    fn with_group<T>(
        &self,
        stream: &str,
        group: &str,
        operation: impl FnOnce(&mut Stream) -> std::result::Result<T, NoGroup>,
    ) -> Result<T> {
        let mut state = self.answer()?;
        state
            .streams
            .get_mut(stream)
            .ok_or(NoGroup)
            .and_then(operation)
            .map_err(|NoGroup| no_group(stream, group))
    }
}

/// Sends a message to every live subscriber of `channel`: at most once; a subscriber that is
/// gone is forgotten, one that is far behind misses this message.
fn broadcast(state: &mut State, channel: &str, message: &[u8]) {
    let Some(subscribers) = state.channels.get_mut(channel) else {
        return;
    };
    let message: Arc<[u8]> = Arc::from(message);
    subscribers.retain(|subscriber| match subscriber.try_send(message.clone()) {
        Ok(()) => true,
        Err(mpsc::error::TrySendError::Full(_)) => {
            tracing::debug!(
                channel,
                "a live subscriber is {LIVE_BUFFER} messages behind; it misses one"
            );
            true
        }
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    });
}

fn parse_ids(ids: &[String]) -> Result<Vec<EntryId>> {
    ids.iter().map(|id| ids::parse(id, 0)).collect()
}

fn now_ms() -> u64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(now.as_millis()).unwrap_or(u64::MAX)
}

fn unreachable(name: &str) -> Error {
    Error::new(
        ErrorKind::Connection,
        format!("the in-memory broker {name} is stopped (a simulated outage)"),
    )
}

fn no_group(stream: &str, group: &str) -> Error {
    Error::new(
        ErrorKind::Redis,
        format!("NOGROUP no stream `{stream}` or no consumer group `{group}` in it"),
    )
    .with_code("NOGROUP")
}
