//! Tests of the Redis runtime against real `redis-server`s, one per test (see
//! `event_runtime::testing`). One test binary, so that it is linked once.

mod by_name;
mod common;
mod consume;
mod dedup;
mod fleet;
mod fleet_checks;
mod harness;
mod lifecycle;
mod observe;
mod partitions;
mod publish;
mod pubsub;
mod replay;
mod retention;
mod retry;
