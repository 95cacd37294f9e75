//! Runtime of schema-first events.
//!
//! Events are described in YAML and compiled by `event-codegen` (from `build.rs`) into
//! versioned structs, or written by hand with `#[derive(Event)]`. This crate holds what those
//! structs implement and use: the [`Event`] trait, the [`Envelope`], the [`Registry`], the wire
//! format ([`encode`], [`decode_exact`]) and constraint checks ([`ValidationError`]).
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
//! - [`Config`]: every setting, from environment variables ([`Config::from_env`]) or code.
//! - [`memory::MemoryBroker`]: the same semantics in process, for unit tests and for running
//!   without Redis (`Publisher::in_memory`, `Subscriber::builder(..).in_memory(..)`).
//! - `testing` (feature `testing`): a `redis-server` per test (`RedisServer`), a throw-away
//!   Redis Cluster (`RedisCluster`), and what tests of a service share: fast settings,
//!   waiting for a condition, a handler that records what it handled.
//!
//! A `REDIS_URL` that lists several node URLs, comma-separated, is a Redis Cluster: the
//! runtime then keeps every command within one hash slot (see [`config`]). Event types can
//! be spread over several streams by a payload field ([`wire::partition_of`],
//! `EVENT_PARTITIONS`), and publishing can wait for replicas
//! (`EVENT_PUBLISHER_DURABLE_REPLICAS`).
//!
//! `docs/wire-format.md` describes exactly what is stored, for services in other languages.
//! The `tls` feature adds `rediss://` URLs. Without default features the crate is the core
//! alone, with neither tokio nor redis in its dependency tree.
//!
//! # Where things are
//!
//! Every item has one path. The crate root holds what a service names in its own code: the
//! event model ([`Event`], [`Envelope`], [`Registry`]), encoding and decoding, the errors, the
//! [`Config`], and the publisher, subscriber, live subscription and replayer with what their
//! methods take and return. A module holds a vocabulary that only some code needs:
//!
//! - [`config`]: the settings inside a [`Config`], section by section;
//! - [`types`]: the Rust types of the schema's value types (`Decimal`, `DateTime`, ...);
//! - [`validate`]: writing the checks of a hand-written event's `validate` function;
//! - [`wire`]: the stored format, for tools and other languages: key names, entry fields and
//!   ids, dead-letter provenance, versions, timestamps, partitions;
//! - `health`, `memory`, `observe`, `transport` (feature `redis`): health reports, the
//!   in-memory broker, metric names and the correlation context, and the connection for
//!   administrative tools;
//! - `testing` (feature `testing`): test support.
//!
//! What generated code and `#[derive(Event)]` use and nothing else (the one `impl Event`
//! shape, serde adapters, re-exported crates) is in `__private`: not part of the API, and
//! free to change with the generator and the derive.

pub mod config;
mod envelope;
mod error;
mod event;
mod event_id;
mod registry;
pub mod types;
pub mod validate;
pub mod wire;

#[cfg(feature = "redis")]
mod backend;
#[cfg(feature = "redis")]
pub mod fleet;
#[cfg(feature = "redis")]
pub mod health;
#[cfg(feature = "redis")]
pub mod memory;
#[cfg(feature = "redis")]
pub mod observe;
#[cfg(feature = "redis")]
mod publisher;
#[cfg(feature = "redis")]
mod pubsub;
#[cfg(feature = "redis")]
mod replay;
#[cfg(feature = "redis")]
mod retention;
#[cfg(feature = "redis")]
mod subscriber;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(feature = "redis")]
pub mod transport;

pub use config::{Config, ConfigError};
pub use envelope::Envelope;
pub use error::{Error, ErrorKind, Result};
pub use event::Event;
pub use event::compatibility::{Compatibility, UnknownCompatibility};
pub use event::decode::{DecodeError, FieldFailure, decode_exact};
pub use event::encode::{EncodeError, encode, encode_validated};
pub use event_id::EventId;
/// Names of the envelope fields on the wire, `event_type` and `version` included; a payload
/// field may not use them. The one list, shared with the code generator and the derive.
pub use event_names::ENVELOPE_FIELDS;
pub use registry::{DynEvent, Registry, RegistryEntry};
pub use validate::{ValidationError, Violation};

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
    pub use crate::__impl_event as impl_event;
    pub use crate::event::impl_event::UpgradesTo;
    pub use crate::wire::adapters::{datetime, datetime_opt, null_as_default};
    pub use chrono;
    pub use regex_lite::Regex;
    pub use serde;
    pub use serde_json;
    pub use std::collections::BTreeMap;
    pub use std::sync::LazyLock;
    pub use uuid;
}
