//! The invariants, checked every second while faults happen and again while the run settles:
//!
//! - **0 lost**: every event a publisher got a receipt for is handled; while running, the
//!   oldest receipted event not handled yet is younger than [`Bounds::unhandled_age`];
//! - **duplicates** counted and explained: a run after the first of an event is *after a kill*
//!   (the first run's process was SIGKILLed within 5 s of its end, and with deduplication on
//!   the group has no record of the entry from before the second run: the process died between
//!   its handler and its record, the limit the README documents), *published twice* (two
//!   entries of one `event_id`: a publisher retried a batch Redis had written, or the soak
//!   wrote it again; run by two consumers, as the README says can happen, never by one, nor
//!   by a consumer started after the first entry's record), or *unexplained*. With
//!   deduplication on, none may be unexplained; off, all of them are bounded by
//!   [`Bounds::duplicates_per_fault`] times the faults;
//! - **memory**: every worker process's `VmRSS` below [`Bounds::rss_kib`];
//! - **no consumer stuck**: no pending entry idle longer than [`Bounds::pending_idle`] (a live
//!   consumer's, or a dead one's that nobody claims); once publishing stops, the work left
//!   shrinks every 10 s until none is;
//! - **poison**: every poison entry is dead-lettered within [`Bounds::poison_within`], exactly
//!   once, and no good event is;
//! - **trims**: retention never trims an unacknowledged entry (the forced-trim record stays
//!   empty), and the stream stays within ten times its budget.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use event_runtime::wire::handled_key;
use redis::aio::ConnectionManager;

use crate::fleet::{Fleet, rss_kib};
use crate::target::Store;
use crate::worker::{DUPS, FIRST, GROUP, RETENTION, RUNS, STREAM, acked_key};

/// The limits the invariants hold the run to.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub unhandled_age: Duration,
    pub pending_idle: Duration,
    pub rss_kib: u64,
    pub duplicates_per_fault: u64,
    pub poison_within: Duration,
}

pub const BOUNDS: Bounds = Bounds {
    unhandled_age: Duration::from_secs(60),
    pending_idle: Duration::from_secs(30),
    rss_kib: 256 * 1024,
    duplicates_per_fault: 64,
    poison_within: Duration::from_secs(30),
};

/// One publisher's receipts and how far its events are handled.
#[derive(Debug, Default)]
struct Progress {
    /// Events `0..acked` have a receipt.
    acked: u64,
    /// Events `0..handled` are all handled.
    handled: u64,
    /// When `acked` grew, oldest first; entries at or below `handled` dropped.
    receipts: VecDeque<(Instant, u64)>,
}

/// Handler runs beyond the first, by cause.
#[derive(Debug, Default, Clone, Copy)]
pub struct Duplicates {
    pub after_kill: u64,
    pub published_twice: u64,
    pub unexplained: u64,
}

impl Duplicates {
    pub fn total(&self) -> u64 {
        self.after_kill + self.published_twice + self.unexplained
    }
}

#[derive(Debug)]
struct Poison {
    id: String,
    written: Instant,
    letters: u64,
}

/// What the checker saw; the report prints it.
#[derive(Debug, Default)]
pub struct Seen {
    pub receipted: u64,
    pub handled: u64,
    pub duplicates: Duplicates,
    pub poison: u64,
    pub poison_dead_lettered: u64,
    /// Entries written again by the soak (copies of events, same `event_id`).
    pub copies: u64,
    pub max_unhandled_age: Duration,
    pub max_pending_idle: Duration,
    pub max_pending: u64,
    pub max_rss_kib: HashMap<&'static str, u64>,
    pub max_stream_length: u64,
    pub max_redis_memory: u64,
    /// Records of forced trims (retention trimming unacknowledged entries past its hard cap).
    pub forced_trims: u64,
    /// Checker reads of the Redis under test that failed (it was restarting).
    pub failed_reads: u64,
    pub violations: Vec<String>,
}

pub struct Checker {
    ledger: ConnectionManager,
    dedup: bool,
    dead_letters: String,
    trimmed: String,
    progress: Vec<Progress>,
    dups_read: usize,
    poison: Vec<Poison>,
    letters_after: String,
    /// Entries pending at the last round.
    pending_now: u64,
    pub seen: Seen,
}

impl Checker {
    pub fn new(
        ledger: ConnectionManager,
        publishers: u32,
        dedup: bool,
        dead_letters: String,
        trimmed: String,
    ) -> Self {
        Self {
            ledger,
            dedup,
            dead_letters,
            trimmed,
            progress: (0..publishers).map(|_| Progress::default()).collect(),
            dups_read: 0,
            poison: Vec::new(),
            letters_after: "-".to_owned(),
            pending_now: 0,
            seen: Seen::default(),
        }
    }

    fn violation(&mut self, text: String) {
        if !self.seen.violations.contains(&text) {
            self.seen.violations.push(text);
        }
    }

    pub fn poison_written(&mut self, id: String) {
        self.seen.poison += 1;
        self.poison.push(Poison {
            id,
            written: Instant::now(),
            letters: 0,
        });
    }

    /// The work left: receipted events not handled yet, and poison not dead-lettered.
    pub fn remaining(&self) -> u64 {
        let events: u64 = self.progress.iter().map(|p| p.acked - p.handled).sum();
        events + self.poison.iter().filter(|p| p.letters == 0).count() as u64
    }

    /// Receipted events not handled, counted one by one (at the end of a run).
    pub async fn unhandled(&mut self) -> Result<u64, String> {
        let mut missing = 0;
        for (index, progress) in self.progress.iter().enumerate() {
            for start in (progress.handled..progress.acked).step_by(1000) {
                let keys: Vec<String> = (start..progress.acked.min(start + 1000))
                    .map(|seq| format!("{index}:{seq}"))
                    .collect();
                let runs: Vec<Option<u64>> = redis::cmd("HMGET")
                    .arg(RUNS)
                    .arg(&keys)
                    .query_async(&mut self.ledger)
                    .await
                    .map_err(|error| format!("ledger: {error}"))?;
                missing += runs.iter().filter(|runs| runs.is_none()).count() as u64;
            }
        }
        Ok(missing)
    }

    /// The work left, counted exactly: receipted events not handled, poison entries not
    /// dead-lettered, entries pending.
    pub async fn left(&mut self) -> Result<u64, String> {
        let poison = self.poison.iter().filter(|p| p.letters == 0).count() as u64;
        Ok(self.unhandled().await? + poison + self.pending_now)
    }

    /// Entries pending at the last round.
    pub fn pending(&self) -> u64 {
        self.pending_now
    }

    /// Whether the run is over: every receipted event handled, every poison entry
    /// dead-lettered, nothing pending.
    pub fn settled(&self) -> bool {
        self.remaining() == 0 && self.pending_now == 0
    }

    /// One round of checks. `faults`: faults injected so far (the duplicates' bound).
    pub async fn tick(
        &mut self,
        store: &mut Store,
        fleet: &std::sync::Mutex<Fleet>,
        faults: u64,
    ) -> Result<(), String> {
        self.receipts_handled().await?;
        self.duplicates(store, fleet, faults).await?;
        if let Err(error) = self.redis_side(store).await {
            self.seen.failed_reads += 1;
            if self.seen.failed_reads > 120 {
                self.violation(format!("the Redis under test unreadable: {error}"));
            }
        }
        let processes = fleet
            .lock()
            .map_err(|_| "fleet lock")?
            .processes()
            .map_err(|error| format!("a worker died on its own: {error}"));
        match processes {
            Ok(processes) => {
                for (role, pid) in processes {
                    let Some(rss) = rss_kib(pid) else { continue };
                    let max = self.seen.max_rss_kib.entry(role).or_default();
                    *max = (*max).max(rss);
                    if rss > BOUNDS.rss_kib {
                        self.violation(format!(
                            "a {role} (pid {pid}) uses {} MiB, over {} MiB",
                            rss / 1024,
                            BOUNDS.rss_kib / 1024
                        ));
                    }
                }
            }
            Err(error) => self.violation(error),
        }
        Ok(())
    }

    /// Receipts from the ledger, and how far each publisher's events are all handled.
    async fn receipts_handled(&mut self) -> Result<(), String> {
        let now = Instant::now();
        for index in 0..self.progress.len() {
            let acked: Option<u64> = redis::cmd("GET")
                .arg(acked_key(index as u32))
                .query_async(&mut self.ledger)
                .await
                .map_err(|error| format!("ledger: {error}"))?;
            let progress = &mut self.progress[index];
            let acked = acked.unwrap_or(0);
            if acked > progress.acked {
                progress.acked = acked;
                progress.receipts.push_back((now, acked));
            }
            while progress.handled < progress.acked {
                let chunk: Vec<String> = (progress.handled
                    ..progress.acked.min(progress.handled + 1000))
                    .map(|seq| format!("{index}:{seq}"))
                    .collect();
                let runs: Vec<Option<u64>> = redis::cmd("HMGET")
                    .arg(RUNS)
                    .arg(&chunk)
                    .query_async(&mut self.ledger)
                    .await
                    .map_err(|error| format!("ledger: {error}"))?;
                let done = runs.iter().take_while(|runs| runs.is_some()).count() as u64;
                progress.handled += done;
                if done < chunk.len() as u64 {
                    break;
                }
            }
            while progress
                .receipts
                .front()
                .is_some_and(|(_, acked)| *acked <= progress.handled)
            {
                progress.receipts.pop_front();
            }
            if let Some((at, _)) = progress.receipts.front() {
                let age = now.duration_since(*at);
                self.seen.max_unhandled_age = self.seen.max_unhandled_age.max(age);
                if age > BOUNDS.unhandled_age {
                    let seq = progress.handled;
                    self.violation(format!(
                        "event {index}:{seq} has a receipt and is not handled after {} s",
                        age.as_secs()
                    ));
                }
            }
        }
        self.seen.receipted = self.progress.iter().map(|p| p.acked).sum();
        self.seen.handled = redis::cmd("HLEN")
            .arg(RUNS)
            .query_async(&mut self.ledger)
            .await
            .map_err(|error| format!("ledger: {error}"))?;
        Ok(())
    }

    /// Classifies the runs after the first recorded since the last round.
    async fn duplicates(
        &mut self,
        store: &mut Store,
        fleet: &std::sync::Mutex<Fleet>,
        faults: u64,
    ) -> Result<(), String> {
        let lines: Vec<String> = redis::cmd("LRANGE")
            .arg(DUPS)
            .arg(self.dups_read)
            .arg(-1)
            .query_async(&mut self.ledger)
            .await
            .map_err(|error| format!("ledger: {error}"))?;
        self.dups_read += lines.len();
        for line in lines {
            let mut parts = line.split(' ');
            let (Some(key), Some(consumer), Some(entry), Some(start)) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(format!("a malformed duplicate record: {line}"));
            };
            let first: String = redis::cmd("HGET")
                .arg(FIRST)
                .arg(key)
                .query_async(&mut self.ledger)
                .await
                .map_err(|error| format!("ledger: {error}"))?;
            let first_parts: Vec<&str> = first.split(' ').collect();
            let [first_consumer, first_entry, _, first_end] = first_parts[..] else {
                return Err(format!("a malformed first run record: {first}"));
            };
            let first_end: u64 = first_end.parse().unwrap_or(0);
            let (killed, second_started) = {
                let fleet = fleet.lock().map_err(|_| "fleet lock")?;
                (fleet.killed_at(first_consumer), fleet.started_at(consumer))
            };
            let start: u64 = start.parse().unwrap_or(0);
            // With deduplication on, the group's record of the entry, if it was written
            // before the second run began: then the second run should have been skipped.
            // For two entries of one event: the first one's record, if it was written before
            // the second run's consumer started (which then read it at its first entry).
            let recorded = if !self.dedup {
                None
            } else if first_entry == entry {
                recorded_between(store, entry, first_end.saturating_sub(1_000), start).await
            } else {
                let started = second_started.unwrap_or(0);
                if started > first_end {
                    recorded_between(store, first_entry, first_end.saturating_sub(1_000), started)
                        .await
                } else {
                    None
                }
            };
            let duplicates = &mut self.seen.duplicates;
            if first_entry != entry && self.dedup && first_consumer == consumer {
                // A consumer that handled one copy skips the other (it remembers the id, and
                // a copy arriving while the first runs waits for it).
                duplicates.unexplained += 1;
                self.violation(format!(
                    "event {key}, written as two entries, ran twice in one consumer with deduplication on: first {first}, again {line}"
                ));
            } else if let (true, Some(record)) = (first_entry != entry, &recorded) {
                duplicates.unexplained += 1;
                self.violation(format!(
                    "event {key}, written as two entries, ran again in {consumer}, started after the group recorded the first entry ({record}) with deduplication on: first {first}, again {line}"
                ));
            } else if first_entry != entry {
                duplicates.published_twice += 1;
            } else if let Some(record) = recorded {
                duplicates.unexplained += 1;
                self.violation(format!(
                    "event {key} ran twice with deduplication on, though the group recorded it ({record}) before the second run began: first by {first}, again by {line}"
                ));
            } else if killed.is_some_and(|at| at >= first_end && at - first_end <= 5_000) {
                duplicates.after_kill += 1;
            } else {
                duplicates.unexplained += 1;
                if self.dedup {
                    let overlap = if start < first_end {
                        " (the runs overlapped: the entry was claimed while its first run went on)"
                    } else {
                        ""
                    };
                    self.violation(format!(
                        "event {key} ran twice with deduplication on: first by {first}, again by {line}{overlap}"
                    ));
                }
            }
        }
        let total = self.seen.duplicates.total();
        let bound = BOUNDS.duplicates_per_fault * faults.max(1);
        if !self.dedup && total > bound {
            self.violation(format!(
                "{total} duplicate handler runs, over the bound of {bound} ({} per fault)",
                BOUNDS.duplicates_per_fault
            ));
        }
        Ok(())
    }

    /// Dead letters, pending entries, the stream's length and forced trims, Redis's memory.
    async fn redis_side(&mut self, store: &mut Store) -> Result<(), String> {
        let reply: redis::streams::StreamRangeReply = store
            .query(
                redis::cmd("XRANGE")
                    .arg(&self.dead_letters)
                    .arg(&self.letters_after)
                    .arg("+")
                    .arg("COUNT")
                    .arg(1000),
            )
            .await?;
        for letter in reply.ids {
            let original: String = letter.get("original_id").unwrap_or_default();
            match self.poison.iter_mut().find(|poison| poison.id == original) {
                Some(poison) => {
                    poison.letters += 1;
                    if poison.letters > 1 {
                        let text = format!(
                            "poison entry {original} dead-lettered {} times",
                            poison.letters
                        );
                        self.violation(text);
                    }
                }
                None => {
                    let error: String = letter.get("error").unwrap_or_default();
                    self.violation(format!(
                        "a good entry {original} was dead-lettered: {error}"
                    ));
                }
            }
            self.letters_after = format!("({}", letter.id);
        }
        self.seen.poison_dead_lettered =
            self.poison.iter().filter(|p| p.letters > 0).count() as u64;
        let late: Vec<String> = self
            .poison
            .iter()
            .filter(|p| p.letters == 0 && p.written.elapsed() > BOUNDS.poison_within)
            .map(|p| p.id.clone())
            .collect();
        for id in late {
            self.violation(format!(
                "poison entry {id} not dead-lettered within {} s",
                BOUNDS.poison_within.as_secs()
            ));
        }

        let pending: Vec<(String, String, u64, u64)> = match store
            .query(
                redis::cmd("XPENDING")
                    .arg(STREAM)
                    .arg(GROUP)
                    .arg("-")
                    .arg("+")
                    .arg(5000),
            )
            .await
        {
            Ok(pending) => pending,
            // Before the first consumer made the group.
            Err(error) if error.contains("NOGROUP") => Vec::new(),
            Err(error) => return Err(error),
        };
        self.seen.max_pending = self.seen.max_pending.max(pending.len() as u64);
        if let Some((id, consumer, idle, deliveries)) = pending.iter().max_by_key(|entry| entry.2) {
            let idle_for = Duration::from_millis(*idle);
            self.seen.max_pending_idle = self.seen.max_pending_idle.max(idle_for);
            if idle_for > BOUNDS.pending_idle {
                self.violation(format!(
                    "entry {id} pending to {consumer} for {} s ({deliveries} deliveries): a consumer is stuck",
                    idle_for.as_secs()
                ));
            }
        }
        self.pending_now = pending.len() as u64;

        let length: u64 = store.query(redis::cmd("XLEN").arg(STREAM)).await?;
        self.seen.max_stream_length = self.seen.max_stream_length.max(length);
        if length > 10 * RETENTION as u64 {
            self.violation(format!(
                "the stream holds {length} entries, over its hard cap"
            ));
        }
        let forced: u64 = store.query(redis::cmd("XLEN").arg(&self.trimmed)).await?;
        self.seen.forced_trims = forced;
        if forced > 0 {
            self.violation(format!(
                "retention trimmed unacknowledged entries ({forced} records in {})",
                self.trimmed
            ));
        }
        if let Store::Single(_) = store {
            let info: String = store.query(redis::cmd("INFO").arg("memory")).await?;
            if let Some(used) = info
                .lines()
                .find_map(|line| line.strip_prefix("used_memory:"))
                .and_then(|value| value.trim().parse::<u64>().ok())
            {
                self.seen.max_redis_memory = self.seen.max_redis_memory.max(used);
            }
        }
        Ok(())
    }
}

/// The id of the group's record (`events:handled:...`, deduplication's memory) of stream entry
/// `entry`, among the records written from `from_ms` until before `to_ms`; `None` when there is none, or
/// when Redis stays unreadable for 2 s.
async fn recorded_between(
    store: &mut Store,
    entry: &str,
    from_ms: u64,
    to_ms: u64,
) -> Option<String> {
    let key = handled_key(STREAM, GROUP);
    // Strictly before `to_ms`: a record of that very millisecond can be the second run's own
    // (a handler that returns at once is recorded in the millisecond it started).
    let last_ms = to_ms.checked_sub(1)?;
    for _ in 0..10 {
        let reply: Result<redis::streams::StreamRangeReply, String> = store
            .query(redis::cmd("XRANGE").arg(&key).arg(from_ms).arg(last_ms))
            .await;
        match reply {
            Ok(reply) => {
                return reply
                    .ids
                    .into_iter()
                    .find(|record| record.get::<String>("stream_id").as_deref() == Some(entry))
                    .map(|record| record.id);
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    None
}
