//! The Redis under test and the faults done to it: one `redis-server` (AOF with `appendfsync
//! always`, so that every acknowledged write survives a restart) that workers reach through
//! the TCP proxy of the fault tests, or a Redis Cluster (3 masters, 3 replicas, `appendfsync
//! always`) that workers reach directly. The checker reads both directly.

use event_runtime::Envelope;
use event_runtime::testing::{RedisCluster, RedisServer};
use event_runtime::wire::{cluster_dead_letter_key, dead_letter_key, trimmed_key};

use crate::plan::{Fault, Topology};
use crate::proxy::Proxy;
use crate::worker::{EVENT_TYPE, STREAM};

pub enum Target {
    Single { server: RedisServer, proxy: Proxy },
    Cluster { cluster: RedisCluster },
}

/// The checker's connection to the Redis under test.
pub enum Store {
    Single(redis::aio::ConnectionManager),
    Cluster(redis::cluster_async::ClusterConnection),
}

impl Store {
    pub async fn query<T: redis::FromRedisValue>(&mut self, cmd: &redis::Cmd) -> Result<T, String> {
        let result = match self {
            Store::Single(conn) => cmd.query_async(conn).await,
            Store::Cluster(conn) => cmd.query_async(conn).await,
        };
        result.map_err(|error| error.to_string())
    }
}

impl Target {
    pub async fn start(topology: Topology) -> Result<Self, String> {
        match topology {
            Topology::Single => {
                let server = tokio::task::block_in_place(|| {
                    RedisServer::start_with_args(&["--appendfsync", "always"])
                })
                .map_err(|error| error.to_string())?;
                let proxy = Proxy::start(server.port()).await;
                Ok(Target::Single { server, proxy })
            }
            Topology::Cluster => {
                let cluster = tokio::task::block_in_place(RedisCluster::start_durable)
                    .map_err(|error| error.to_string())?;
                Ok(Target::Cluster { cluster })
            }
        }
    }

    /// The URL workers get (the proxy's, on one server).
    pub fn worker_url(&self) -> String {
        match self {
            Target::Single { proxy, .. } => proxy.url(),
            Target::Cluster { cluster } => cluster.url(),
        }
    }

    pub async fn connect(&self) -> Result<Store, String> {
        match self {
            Target::Single { server, .. } => {
                let config = redis::aio::ConnectionManagerConfig::new()
                    .set_response_timeout(Some(std::time::Duration::from_secs(5)));
                let client = redis::Client::open(server.url()).map_err(|e| e.to_string())?;
                client
                    .get_connection_manager_with_config(config)
                    .await
                    .map(Store::Single)
                    .map_err(|error| error.to_string())
            }
            Target::Cluster { cluster } => {
                let client = redis::cluster::ClusterClient::new(cluster.node_urls())
                    .map_err(|error| error.to_string())?;
                client
                    .get_async_connection()
                    .await
                    .map(Store::Cluster)
                    .map_err(|error| error.to_string())
            }
        }
    }

    /// The stream's dead-letter stream.
    pub fn dead_letter_key(&self) -> String {
        match self {
            Target::Single { .. } => dead_letter_key(EVENT_TYPE),
            Target::Cluster { .. } => cluster_dead_letter_key(EVENT_TYPE),
        }
    }

    /// The record of forced trims of the stream (it stays empty: no unacknowledged entry may
    /// be trimmed).
    pub fn trimmed_key(&self) -> String {
        trimmed_key(STREAM)
    }

    /// Connections the proxy accepted (reconnections included), on one server.
    pub fn connections(&self) -> Option<u64> {
        match self {
            Target::Single { proxy, .. } => Some(proxy.connections()),
            Target::Cluster { .. } => None,
        }
    }

    /// Does a fault to Redis or the network; the workers' faults are the fleet's.
    pub fn apply(&mut self, fault: &Fault) -> Result<(), String> {
        match (self, fault) {
            (Target::Single { server, .. }, Fault::RestartRedis) => {
                tokio::task::block_in_place(|| server.restart()).map_err(|e| e.to_string())
            }
            (Target::Single { proxy, .. }, Fault::Cut) => {
                proxy.cut();
                Ok(())
            }
            (Target::Single { proxy, .. }, Fault::Stall | Fault::Unstall) => {
                proxy.stall(*fault == Fault::Stall);
                Ok(())
            }
            (Target::Cluster { cluster }, Fault::FailOver) => tokio::task::block_in_place(|| {
                let master = cluster.master_for_key(STREAM)?;
                cluster.fail_over(master).map(|_| ())
            })
            .map_err(|error| error.to_string()),
            (_, fault) => Err(format!("`{fault}` does not apply to this topology")),
        }
    }
}

/// Writes one poison entry: a `soak.probe` whose `seq` is a string, which no handler can
/// decode. Returns its entry id.
pub async fn write_poison(store: &mut Store) -> Result<String, String> {
    let event_id = Envelope::new().event_id.to_string();
    let data = format!(
        r#"{{"event_type":"{EVENT_TYPE}","version":"v1","event_id":"{event_id}","timestamp":"2026-01-01T00:00:00Z","publisher":9,"seq":"poison","payload":"poison"}}"#
    );
    store
        .query(
            redis::cmd("XADD")
                .arg(STREAM)
                .arg("*")
                .arg("event_id")
                .arg(&event_id)
                .arg("event_type")
                .arg(EVENT_TYPE)
                .arg("version")
                .arg("v1")
                .arg("event_data")
                .arg(data),
        )
        .await
}

/// Writes again `count` entries of the stream, from the `offset`-th newest on (fewer when the
/// stream is shorter), each with the same fields (the same `event_id`): one event as two
/// entries. Poison entries are passed over. Returns how many were written.
pub async fn write_copies(store: &mut Store, count: u64, offset: u64) -> Result<u64, String> {
    let newest: redis::streams::StreamRangeReply = store
        .query(
            redis::cmd("XREVRANGE")
                .arg(STREAM)
                .arg("+")
                .arg("-")
                .arg("COUNT")
                .arg(offset + count),
        )
        .await?;
    let mut written = 0;
    for entry in newest.ids.iter().skip(offset as usize) {
        let data: String = entry.get("event_data").unwrap_or_default();
        let good = serde_json::from_str::<serde_json::Value>(&data)
            .is_ok_and(|value| value.get("seq").is_some_and(serde_json::Value::is_u64));
        if !good {
            continue;
        }
        let mut copy = redis::cmd("XADD");
        copy.arg(STREAM).arg("*");
        for field in entry.map.keys() {
            let value: Vec<u8> = entry.get(field).unwrap_or_default();
            copy.arg(field).arg(value);
        }
        let _: String = store.query(&copy).await?;
        written += 1;
    }
    Ok(written)
}
