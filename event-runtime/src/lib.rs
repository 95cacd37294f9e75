//! Runtime of schema-first events.
//!
//! Events are described in YAML and compiled by `event-codegen` (from `build.rs`) into
//! versioned structs, or written by hand with `#[derive(Event)]`. This crate holds what those
//! structs implement and use: the [`Event`] trait, the [`Envelope`], the [`Registry`], the wire
//! format ([`encode`], [`decode_exact`]) and constraint checks ([`validate`]).
//!
//! ```
//! use event_runtime::{Envelope, Event};
//! use serde::{Deserialize, Serialize};
//!
//! /// A parcel left the warehouse.
//! #[derive(Debug, Serialize, Deserialize, Event)]
//! #[event(name = "parcel.shipped", version = 1)]
//! struct ParcelShippedV1 {
//!     #[serde(flatten)]
//!     envelope: Envelope,
//!     parcel_id: i64,
//! }
//!
//! let event = ParcelShippedV1 { envelope: Envelope::new(), parcel_id: 7 };
//! let json = event_runtime::encode(&event)?;
//! assert!(json.starts_with(r#"{"event_type":"parcel.shipped","version":"v1","event_id":"#));
//! let back: ParcelShippedV1 = event_runtime::decode_exact(&json)?;
//! assert_eq!(back.parcel_id, 7);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Moving events over Redis (feature `redis`, on by default)
//!
//! - [`Publisher`]: validates, enforces the size limit, and writes each event to its stream
//!   `events:<type>` (and the pub/sub channel `events.<type>`) in one transaction.
//! - [`Subscriber`]: consumes through a consumer group, at least once: handlers run
//!   concurrently, successes are acknowledged, failures are retried with backoff and claimed
//!   from dead consumers, and what cannot be handled goes to `events:dlq:<type>`. Handlers
//!   receive the version they ask for; older entries are upgraded.
//! - [`LiveSubscription`]: real-time pub/sub, at most once.
//! - [`Replayer`]: a time window of a stream, again, without touching any group.
//! - [`Config`]: every setting, from environment variables ([`Config::from_env`]).
//! - [`memory::MemoryBroker`]: the same semantics in process, for unit tests and for running
//!   without Redis (`Publisher::in_memory`, `Subscriber::builder(..).in_memory(..)`).
//! - `testing::RedisServer` (feature `testing`): a `redis-server` per test, and
//!   `testing::RedisCluster`, a throw-away Redis Cluster.
//!
//! A `REDIS_URL` that lists several node URLs, comma-separated, is a Redis Cluster: the
//! runtime then keeps every command within one hash slot (see [`config`]). Event types can
//! be spread over several streams by a payload field ([`partition`], `EVENT_PARTITIONS`), and
//! publishing can wait for replicas (`EVENT_PUBLISHER_DURABLE_REPLICAS`).
//!
//! `docs/wire-format.md` describes exactly what is stored, for services in other languages.
//! The `tls` feature adds `rediss://` URLs. Without default features the crate is the core
//! alone, with neither tokio nor redis in its dependency tree.

pub mod config;
mod envelope;
mod error;
mod event;
mod event_id;
pub mod partition;
mod registry;
mod runtime_error;
pub mod types;
pub mod validate;
pub mod wire;

#[cfg(feature = "redis")]
pub mod health;
#[cfg(feature = "redis")]
pub mod memory;
#[cfg(feature = "redis")]
mod publisher;
#[cfg(feature = "redis")]
pub mod pubsub;
#[cfg(feature = "redis")]
pub mod replay;
#[cfg(feature = "redis")]
pub mod subscriber;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(feature = "redis")]
pub mod transport;

// One-pass encoding with the publisher's envelope values; metrics, spans and the handling
// context.
mod fill;
#[cfg(feature = "redis")]
pub mod observe;

pub use envelope::{ENVELOPE_FIELDS, Envelope};
pub use error::{DecodeError, EncodeError};
pub use event::{DynEvent, Event};
pub use event_id::EventId;
pub use registry::{EventEntry, Registry};
pub use validate::{ValidationError, Violation};
pub use wire::{decode_exact, encode, encode_validated};

pub use config::{
    Config, ConfigError, Durability, Partitioning, PubSubPolicy, PublisherConfig, Retention,
    StartPosition, SubscriberConfig,
};
pub use runtime_error::{Error, ErrorKind, Result};

#[cfg(feature = "redis")]
pub use health::{HealthStatus, PublisherHealth, SubscriberHealth};
#[cfg(feature = "redis")]
pub use publisher::{EncodedEvent, PublishOptions, PublishReceipt, Publisher};
#[cfg(feature = "redis")]
pub use pubsub::{LiveSubscription, RawLiveSubscription};
#[cfg(feature = "redis")]
pub use replay::{ReplayReport, Replayer};
#[cfg(feature = "redis")]
pub use subscriber::{
    HandlerError, RawEvent, RunningSubscriber, Subscriber, SubscriberBuilder, SubscriberHandle,
};

#[cfg(feature = "derive")]
pub use event_macros::Event;

/// Items used by generated code and `#[derive(Event)]`; not part of the stable API.
#[doc(hidden)]
pub mod __private {
    pub use chrono;
    pub use regex_lite::Regex;
    pub use serde;
    pub use serde_json;
    pub use std::collections::BTreeMap;
    pub use std::sync::LazyLock;
    pub use uuid;
}
