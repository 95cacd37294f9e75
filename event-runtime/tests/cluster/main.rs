//! The runtime on a Redis Cluster (three masters, three replicas; see
//! `event_runtime::testing::RedisCluster`), one cluster per test: failover with durable
//! publish, partitions spread over slots, dead letters in their stream's slot, reads of
//! streams in many slots, live pub/sub across nodes, `WAIT`, the fleet registry of two types,
//! effectively-once handling's records in their streams' slots.
//!
//! Six `redis-server` processes per test: this target needs the `cluster-tests` feature and
//! runs in a CI step of its own:
//!
//! ```text
//! cargo test -p event-runtime --features cluster-tests --test cluster -- --nocapture
//! ```
//!
//! The failover test prints one line of counts (sent, acked, handled, duplicates, lost) and,
//! with `RELIABILITY_REPORT=<file>`, appends it there as a JSON line, like the fault tests.

#![allow(
    clippy::print_stderr,
    reason = "the tests report their counts on stderr, shown with --nocapture"
)]

mod dedup;
mod failover;
mod fleet;
mod slots;
mod support;
