//! Test support (feature `testing`): throw-away Redis servers and what tests of a service
//! need around them.
//!
//! - [`RedisServer`] (`server.rs`): a `redis-server` per test on a free loopback port below
//!   55000, with its own directory and append-only file, killed on drop; a test may
//!   [`restart`](RedisServer::restart) it; [`RedisServer::start_tls`] speaks TLS only.
//! - [`RedisCluster`] (`cluster.rs`): three masters and three replicas; a test may
//!   [`kill`](RedisCluster::kill) a master and
//!   [`wait_for_failover`](RedisCluster::wait_for_failover).
//! - [`fast_config`] (`config.rs`): settings for tests: short blocks, claims and backoffs.
//! - [`Recorder`] (`recorder.rs`): a handler that records what it gets, for the test to read.
//! - [`eventually`] (`eventually.rs`): polls a condition until it holds, failing with what
//!   it waited for.
//!
//! Waiting for a subscriber to finish its work is the subscriber's own
//! [`settled`](crate::RunningSubscriber::settled): every entry acknowledged or dead-lettered.
//!
//! ```no_run
//! use event_runtime::testing::{RedisServer, fast_config};
//!
//! let server = RedisServer::start().expect("redis-server");
//! let config = fast_config(server.url());
//! // ... the server is killed and its directory removed when `server` is dropped.
//! ```

mod cluster;
mod config;
mod eventually;
mod recorder;
mod server;

pub use cluster::RedisCluster;
pub use config::fast_config;
pub use eventually::eventually;
pub use recorder::Recorder;
pub use server::{RedisServer, ServerError, ServerTls};
