//! The fleet registry: what the running services produce and read, kept in the Redis they
//! share, so that tools and the services themselves see the fleet and not one repository.
//!
//! Every [`Publisher`](crate::Publisher) that [registers](crate::Publisher::register) and
//! every [`Subscriber`](crate::Subscriber) registers at start: its service, its instance
//! (host, pid, a start id), its role, and per event type the version it publishes, or its
//! consumer group and the newest version it reads, with the fingerprint of each version's wire
//! shape; each version's JSON Schema is stored once per fingerprint. A heartbeat appends the
//! records again every [`heartbeat`](crate::config::RegistryConfig::heartbeat); an instance
//! that stops is stale after `stale_after` missed heartbeats and gone after `forget_after`.
//! At start, a publisher checks what it is about to publish against the fleet
//! ([`CheckLevel`](crate::config::CheckLevel): `off`, `warn` or `refuse`): a version edited in
//! place, and a version that a live consumer group cannot read.
//!
//! Everything is kept in streams under `events:registry:`, each event type's keys in the hash
//! slot of its stream (`events:registry:{events:<type>}`), so that an ACL user limited to
//! stream commands on `events:*` registers and reads it, on one server or a Redis Cluster; the
//! wire format page documents the keys and fields for other languages. [`FleetReader`] reads
//! it: the `events registry` command and the console's Fleet page are built on it.
//!
//! Files: `record.rs` (the stored fields, both ways), `view.rs` (the fleet from records: newest
//! per instance, stale, groups, disagreeing fingerprints), `checks.rs` (the start-up checks),
//! `register.rs` (registration and heartbeat), `announce.rs` (what a registry or a handler
//! announces), `read.rs` (reading streams a page at a time).

pub(crate) mod announce;
mod checks;
mod read;
mod record;
mod register;
mod view;

pub(crate) use announce::TypeAnnouncement;
pub use record::{InstanceId, Readable, Role, SchemaRecord, TypeRecord};
pub(crate) use register::{Registration, register};
pub use view::{Disagreement, FingerprintUse, Fleet, FleetType, GroupView, Member};

use crate::config::Config;
use crate::error::Result;
use crate::memory::MemoryBroker;
use crate::transport::{CONNECT_TIMEOUT, RESPONSE_TIMEOUT, Transport};
use crate::wire::stream_key;

/// Reads the fleet registry: the registered types, what the fleet registered about each, and
/// the schemas it stored.
///
/// ```
/// # async fn run() -> Result<(), event_runtime::Error> {
/// use event_runtime::fleet::FleetReader;
///
/// let reader = FleetReader::connect(&event_runtime::Config::from_env()?).await?;
/// let fleet = reader.read().await?;
/// for (event_type, view) in &fleet.types {
///     println!("{event_type}: producers publish {:?}", view.produced_versions());
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct FleetReader {
    transport: Transport,
}

impl FleetReader {
    /// Connects to the Redis of `config` (`REDIS_URL`: one server or a cluster).
    pub async fn connect(config: &Config) -> Result<Self> {
        let transport = Transport::connect(
            &config.redis_url,
            &config.tls,
            RESPONSE_TIMEOUT,
            CONNECT_TIMEOUT,
        )
        .await?;
        Ok(Self { transport })
    }

    /// Reads the registry of an in-memory broker.
    pub fn in_memory(broker: &MemoryBroker) -> Self {
        Self {
            transport: Transport::memory(broker),
        }
    }

    /// Every registered event type, sorted.
    pub async fn types(&self) -> Result<Vec<String>> {
        read::registered_types(&self.transport).await
    }

    /// The whole fleet: every registered type, with each consumer group's lag on the type's
    /// stream `events:<type>` (the partitions of a partitioned type are not counted).
    pub async fn read(&self) -> Result<Fleet> {
        let types = self.types().await?;
        let names: Vec<&str> = types.iter().map(String::as_str).collect();
        self.read_types(&names).await
    }

    /// What the fleet registered about `types` (a type nobody registered is left out).
    pub async fn read_types(&self, types: &[&str]) -> Result<Fleet> {
        let read_at_ms = record::now_ms();
        let mut fleet = Fleet {
            read_at_ms,
            ..Fleet::default()
        };
        for mut view in read::read_types(&self.transport, types).await? {
            if view.producers.is_empty() && view.consumers.is_empty() {
                continue;
            }
            let stream = stream_key(&view.event_type);
            for group in &mut view.groups {
                group.lag = self
                    .transport
                    .group_figures(&stream, &group.group)
                    .await
                    .ok()
                    .and_then(|figures| figures.lag);
            }
            fleet.types.insert(view.event_type.clone(), view);
        }
        Ok(fleet)
    }

    /// The JSON Schemas stored for `event_type`, by version and fingerprint.
    pub async fn schemas(&self, event_type: &str) -> Result<Vec<SchemaRecord>> {
        read::schemas(&self.transport, event_type).await
    }
}
