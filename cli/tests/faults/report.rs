//! One line per fault test: what it injected and what it counted. Printed on stderr (shown
//! with `--nocapture`) and, when `RELIABILITY_REPORT` names a file, appended to it as a JSON
//! line for `scripts/reliability-report`.

use std::io::Write;
use std::time::Instant;

use crate::support::{GroupState, Tally};

/// The counts of one fault test.
///
/// - `sent`: events whose publish was acknowledged by Redis (or entries written raw);
/// - `acked`: entries of the stream the group delivered and acknowledged (read from Redis);
/// - `handled`: distinct events a handler completed;
/// - `duplicates`: completed handler runs beyond the first per event (at-least-once);
/// - `dead_letters`: entries moved to the dead-letter stream;
/// - `lost`: sent events neither handled nor dead-lettered (nor removed on purpose by the test,
///   e.g. trimmed). Must be 0.
#[derive(Debug)]
pub struct Report {
    pub test: &'static str,
    pub injects: &'static str,
    pub sent: u64,
    pub acked: u64,
    pub handled: u64,
    pub duplicates: u64,
    pub dead_letters: u64,
    pub lost: u64,
    /// What else the test measured (claims, restarts, reconnections, trimmed entries).
    pub notes: String,
    started: Instant,
}

impl Report {
    pub fn new(test: &'static str, injects: &'static str) -> Self {
        Self {
            test,
            injects,
            sent: 0,
            acked: 0,
            handled: 0,
            duplicates: 0,
            dead_letters: 0,
            lost: 0,
            notes: String::new(),
            started: Instant::now(),
        }
    }

    /// The counts of a run in which probes `0..sent` were published: `acked` from the group's
    /// state, `handled` and `duplicates` from the tally, and `lost` the probes never handled.
    pub fn count(&mut self, sent: u64, state: &GroupState, tally: &Tally) {
        self.sent = sent;
        self.acked = state.acked();
        self.handled = tally.handled();
        self.duplicates = tally.duplicates();
        self.lost = tally.missing(0..sent).len() as u64;
    }

    /// Prints and records the line, then asserts that nothing was lost.
    pub fn finish(self) {
        let seconds = (self.started.elapsed().as_secs_f64() * 10.0).round() / 10.0;
        #[allow(clippy::print_stderr, reason = "the report line is the test's output")]
        {
            eprintln!(
                "fault {:<34} sent {:>6}  acked {:>6}  handled {:>6}  duplicates {:>3}  dead letters {:>2}  lost {}  {seconds:.1} s  ({})",
                self.test,
                self.sent,
                self.acked,
                self.handled,
                self.duplicates,
                self.dead_letters,
                self.lost,
                self.notes
            );
        }
        if let Some(path) = std::env::var_os("RELIABILITY_REPORT") {
            let line = serde_json::json!({
                "suite": "faults",
                "backend": "redis",
                "test": self.test,
                "injects": self.injects,
                "sent": self.sent,
                "acked": self.acked,
                "handled": self.handled,
                "duplicates": self.duplicates,
                "dead_letters": self.dead_letters,
                "lost": self.lost,
                "notes": self.notes,
                "seconds": seconds,
            });
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .expect("RELIABILITY_REPORT file opens");
            writeln!(file, "{line}").expect("RELIABILITY_REPORT file is written");
        }
        assert_eq!(self.lost, 0, "{}: events were lost", self.test);
    }
}
