//! Where the console's stream data comes from: the Redis at `REDIS_URL` (one server or a
//! cluster), through `crate::admin` like every operator command, or the in-memory demo world
//! ([`DemoWorld`]). The API handlers ask this one type and never which backend it is.
//!
//! The console runs for days, unlike the operator commands: when sampling fails, the
//! sampler asks for a new connection ([`Backend::reconnect`]), so a restarted Redis is
//! picked up again (a single server's multiplexed connection does not reconnect by itself).

use serde_json::{Value, json};

use super::demo_world::DemoWorld;
use super::error::ApiError;
use super::figures::{
    ConsumerFigures, GroupFigures, Snapshot, StreamFigures, event_type_of, now_ms,
};
use super::input::Selection;
use std::sync::Arc;

use crate::admin::Admin;
use event_runtime::fleet::{Fleet, FleetReader};
use event_runtime::transport::RESPONSE_TIMEOUT;
use event_runtime::wire::EntryId;

// The runtime's names of stored entries and keys, for the whole console.
pub use event_runtime::wire::{StreamEntry, dead_letter_key, stream_key};

/// The backend of a running console.
pub enum Backend {
    Redis(Box<RedisBackend>),
    Demo(DemoWorld),
}

/// The Redis of `REDIS_URL`.
pub struct RedisBackend {
    config: event_runtime::Config,
    /// The fleet registry, read through the runtime (its connection reconnects by itself).
    fleet: FleetReader,
    /// Replaced by [`Backend::reconnect`]; requests take the current one.
    admin: std::sync::RwLock<Arc<Admin>>,
    /// The URL without its password.
    location: String,
    cluster: bool,
}

impl RedisBackend {
    fn admin(&self) -> Arc<Admin> {
        Arc::clone(
            &self
                .admin
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Backend::Redis(redis) => write!(f, "Backend::Redis({})", redis.location),
            Backend::Demo(world) => write!(f, "Backend::Demo({world:?})"),
        }
    }
}

impl Backend {
    /// The Redis of the environment (`REDIS_URL`).
    pub async fn redis() -> anyhow::Result<Self> {
        let config = crate::connect::config_from_env()?;
        let admin = Admin::connect(&config, RESPONSE_TIMEOUT).await?;
        let fleet = FleetReader::connect(&config)
            .await
            .map_err(|error| crate::connect::unreachable(&config, error))?;
        Ok(Backend::Redis(Box::new(RedisBackend {
            fleet,
            admin: std::sync::RwLock::new(Arc::new(admin)),
            location: event_runtime::config::redact_url(&config.redis_url),
            cluster: event_runtime::config::cluster_nodes(&config.redis_url).is_some(),
            config,
        })))
    }

    /// A new connection to Redis in place of the current one (after a failure).
    pub async fn reconnect(&self) -> anyhow::Result<()> {
        if let Backend::Redis(redis) = self {
            let fresh = Admin::connect(&redis.config, RESPONSE_TIMEOUT).await?;
            *redis
                .admin
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(fresh);
        }
        Ok(())
    }

    /// `GET /api/info`'s `backend`.
    pub fn describe(&self) -> Value {
        match self {
            Backend::Redis(redis) => json!({
                "kind": if redis.cluster { "cluster" } else { "redis" },
                "location": redis.location,
                "requeue": true,
                "note": null,
            }),
            Backend::Demo(_) => json!({
                "kind": "memory",
                "location": "in-memory demo broker",
                "requeue": false,
                "note": "No REDIS_URL: this is an in-memory broker that events ui filled itself with \
                         the demo's events and keeps busy with a little traffic. What `events demo` \
                         did in memory ended with its process. Nothing here outlives this one; \
                         requeue needs Redis.",
            }),
        }
    }

    /// Every event stream with its groups and consumers.
    pub async fn snapshot(&self) -> anyhow::Result<Snapshot> {
        let admin = match self {
            Backend::Redis(redis) => redis.admin(),
            Backend::Demo(world) => return world.snapshot().await,
        };
        let mut streams = Vec::new();
        let mut dead_letters: Vec<(String, u64)> = Vec::new();
        for key in admin.event_streams().await? {
            let event_type = event_type_of(&key);
            let dead = match dead_letters.iter().find(|(seen, _)| *seen == event_type) {
                Some((_, count)) => *count,
                None => {
                    let count = admin.len(&admin.dead_letter_key(&event_type)).await?;
                    dead_letters.push((event_type.clone(), count));
                    count
                }
            };
            let mut groups = Vec::new();
            for group in admin.groups(&key).await? {
                let oldest = if group.pending > 0 {
                    admin.oldest_pending(&key, &group.name).await?
                } else {
                    None
                };
                let consumers = admin
                    .consumers(&key, &group.name)
                    .await?
                    .into_iter()
                    .map(|c| ConsumerFigures::new(c.name, c.pending as u64, Some(c.idle_ms)))
                    .collect();
                groups.push(GroupFigures {
                    group: group.name,
                    pending: group.pending as u64,
                    lag: group.lag.map(|lag| lag as u64),
                    oldest_pending_age_ms: oldest
                        .and_then(|id| id.parse::<EntryId>().ok())
                        .map(|id| id.age_ms(std::time::SystemTime::now())),
                    consumers,
                });
            }
            streams.push(StreamFigures {
                length: admin.len(&key).await?,
                stream: key,
                event_type,
                dead_letters: dead,
                groups,
            });
        }
        Ok(Snapshot {
            sampled_at_ms: now_ms(),
            streams,
        })
    }

    /// What the fleet registered in the registry (`event_runtime::fleet`).
    pub async fn fleet(&self) -> anyhow::Result<Fleet> {
        let reader = match self {
            Backend::Redis(redis) => redis.fleet.clone(),
            Backend::Demo(world) => world.fleet_reader(),
        };
        Ok(reader.read().await?)
    }

    /// The dead-letter stream of a type.
    pub fn dead_letter_key(&self, event_type: &str) -> String {
        match self {
            Backend::Redis(redis) => redis.admin().dead_letter_key(event_type),
            Backend::Demo(_) => DemoWorld::dead_letter_key(event_type),
        }
    }

    /// Dead letters after `after` (from the first when `None`), oldest first, at most
    /// `count`, and how many the type has.
    pub async fn dead_letters(
        &self,
        event_type: &str,
        after: Option<&str>,
        count: usize,
    ) -> anyhow::Result<(u64, Vec<StreamEntry>)> {
        match self {
            Backend::Redis(redis) => {
                let admin = redis.admin();
                let key = admin.dead_letter_key(event_type);
                let start = after.map_or_else(|| "-".to_owned(), |id| format!("({id}"));
                let total = admin.len(&key).await?;
                Ok((total, admin.range(&key, &start, "+", count, false).await?))
            }
            Backend::Demo(world) => Ok(world.dead_letters(event_type, after, count)),
        }
    }

    /// One dead letter.
    pub async fn dead_letter(
        &self,
        event_type: &str,
        id: &str,
    ) -> anyhow::Result<Option<StreamEntry>> {
        match self {
            Backend::Redis(redis) => {
                let admin = redis.admin();
                let key = admin.dead_letter_key(event_type);
                Ok(admin.range(&key, id, id, 1, false).await?.pop())
            }
            Backend::Demo(world) => Ok(world.dead_letter(event_type, id)),
        }
    }

    /// Entries of `events:<type>` after `after`, oldest first, or the last `count` when
    /// `after` is `None` (the live tail).
    pub async fn entries(
        &self,
        event_type: &str,
        after: Option<&str>,
        count: usize,
    ) -> anyhow::Result<Vec<StreamEntry>> {
        match self {
            Backend::Redis(redis) => {
                let admin = redis.admin();
                let key = stream_key(event_type);
                match after {
                    Some(id) => {
                        admin
                            .range(&key, &format!("({id}"), "+", count, false)
                            .await
                    }
                    None => {
                        let mut recent = admin.range(&key, "-", "+", count, true).await?;
                        recent.reverse();
                        Ok(recent)
                    }
                }
            }
            Backend::Demo(world) => Ok(world.entries(event_type, after, count)),
        }
    }

    /// Hands dead letters back to the groups that dead-lettered them (`events dlq requeue`).
    pub async fn requeue(
        &self,
        event_type: &str,
        selection: &Selection,
    ) -> Result<Value, ApiError> {
        let admin = match self {
            Backend::Redis(redis) => redis.admin(),
            Backend::Demo(world) => return world.requeue(),
        };
        let key = admin.dead_letter_key(event_type);
        let entries = select(&admin, &key, selection).await?;
        let report = crate::commands::dlq::requeue(&admin, &key, entries).await?;
        serde_json::to_value(report)
            .map_err(|error| ApiError::backend(&anyhow::anyhow!("the requeue report: {error}")))
    }

    /// Deletes dead letters (`events dlq purge`).
    pub async fn purge(&self, event_type: &str, selection: &Selection) -> Result<Value, ApiError> {
        let admin = match self {
            Backend::Redis(redis) => redis.admin(),
            Backend::Demo(world) => return world.purge(event_type, selection),
        };
        let key = admin.dead_letter_key(event_type);
        let deleted = match selection {
            Selection::All => {
                let count = admin.len(&key).await?;
                admin.delete_key(&key).await?;
                count
            }
            Selection::Ids(ids) => {
                select(&admin, &key, selection).await?;
                admin.delete_entries(&key, ids).await?
            }
        };
        Ok(json!({ "deleted": deleted }))
    }

    /// Stops what the backend runs (the demo world's subscribers and traffic).
    pub async fn stop(self) {
        if let Backend::Demo(world) = self {
            world.stop().await;
        }
    }
}

/// The entries a selection names; every id must be there, or nothing is done.
async fn select(
    admin: &Admin,
    key: &str,
    selection: &Selection,
) -> Result<Vec<StreamEntry>, ApiError> {
    let ids = match selection {
        Selection::All => return Ok(admin.pages(key, "-", "+").all().await?),
        Selection::Ids(ids) => ids,
    };
    let mut entries = Vec::with_capacity(ids.len());
    let mut missing = Vec::new();
    for id in ids {
        match admin.range(key, id, id, 1, false).await?.pop() {
            Some(entry) => entries.push(entry),
            None => missing.push(id.as_str()),
        }
    }
    if !missing.is_empty() {
        return Err(ApiError::not_found(format!(
            "{key} has no entry {}; nothing was done",
            missing.join(", ")
        )));
    }
    Ok(entries)
}
