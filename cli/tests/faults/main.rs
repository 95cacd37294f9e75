//! Fault injection against real `redis-server` processes: a consumer process killed with
//! SIGKILL, Redis restarted, connections cut and stalled by a TCP proxy, a slow handler,
//! trimming under pending entries, `FLUSHALL`, and a poison entry among 10,000.
//!
//! Each test prints one line with what it sent, what the group acknowledged, what handlers
//! handled, the duplicates and the lost (which must be 0); with `RELIABILITY_REPORT=<file>`
//! the lines are also appended to the file as JSON, for `scripts/reliability-report`, which
//! renders `docs/reliability.md`.
//!
//! About ten seconds in all; run them alone, with their lines, with
//!
//! ```text
//! cargo test -p event-cli --test faults -- --nocapture
//! ```

mod flush;
mod kill;
mod network;
mod poison;
mod proxy;
mod report;
mod restart;
mod slow;
mod support;
mod trim;
