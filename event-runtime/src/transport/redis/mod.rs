//! The Redis backend: every Redis command the runtime sends is under this folder.
//! `connection.rs` opens connections (one server or a cluster, TLS), `commands.rs` holds the
//! commands, `retention.rs` those of group-aware trimming, `slots.rs` keeps each command and
//! pipeline within one hash slot, `replies.rs` turns replies into the runtime's terms.
//!
//! On a Redis Cluster no command spans two hash slots: a multi-stream read or acknowledgement
//! is split into one command (or pipeline) per slot, a batch of appends into one pipeline per
//! slot, and every `MULTI` holds the keys of one slot only (a stream and its dead-letter
//! stream share a slot by their key names). `PUBLISH` has no key and may sit in any
//! transaction: a cluster broadcasts it to every node.

mod commands;
mod connection;
mod consumers;
mod dedup;
mod replies;
mod retention;
mod slots;

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use redis::{Client, FromRedisValue, Value};

use crate::config::TlsConfig;
use crate::error::{Result, is_cluster_redirect};
pub use connection::RedisConnection;

/// The runtime's transport over Redis: a [`RedisConnection`] that reconnects on its own, and
/// what pub/sub subscriptions connect with.
///
/// Cheap to clone; clones share one multiplexed connection (per node). Blocking reads must
/// not go through a shared one: the subscriber opens a [`RedisTransport`] of its own for
/// them, with a response timeout longer than its `BLOCK` time.
#[derive(Clone)]
pub(crate) struct RedisTransport {
    /// Clients for dedicated pub/sub connections: the server, or every cluster node in the
    /// order given (a subscription takes the first that answers).
    clients: Vec<Client>,
    conn: RedisConnection,
    location: String,
    /// Which slot group a cluster read blocks on next.
    next_block: Arc<AtomicUsize>,
    /// `CLIENT ID` of this connection on a single server, learnt before its first blocking
    /// read (and again after an error, which may mean a new connection), so that another
    /// connection can end a blocked read at shutdown (`consumers.rs`).
    client_id: Arc<std::sync::Mutex<Option<i64>>>,
}

impl std::fmt::Debug for RedisTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisTransport")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl RedisTransport {
    /// Connects, waiting at most `connect_timeout`; commands then time out after
    /// `response_timeout`. `tls` applies to `rediss://` URLs only.
    pub(crate) async fn connect(
        url: &str,
        tls: &TlsConfig,
        response_timeout: Duration,
        connect_timeout: Duration,
    ) -> Result<Self> {
        let opened = RedisConnection::open(url, tls, response_timeout, connect_timeout).await?;
        Ok(Self {
            clients: opened.clients,
            conn: opened.connection,
            location: opened.location,
            next_block: Arc::default(),
            client_id: Arc::default(),
        })
    }

    /// Whether this is a Redis Cluster.
    pub(crate) fn is_cluster(&self) -> bool {
        self.conn.is_cluster()
    }

    /// The URL, password hidden, for messages.
    pub(crate) fn location(&self) -> &str {
        &self.location
    }

    async fn query<T: FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T> {
        Ok(cmd.query_async(&mut self.conn.clone()).await?)
    }

    /// Sends a pipeline whose keys are all in the slot of `key`.
    ///
    /// On a cluster it is routed to the master of that slot explicitly: redis-rs would take
    /// the channel of a `PUBLISH` for a key and refuse the pipeline as crossing slots. A
    /// `MOVED` or `ASK` in a pipeline's replies makes redis-rs send the whole pipeline again
    /// to the node named, which is right because the pipeline is single-slot: every command
    /// got the redirection, none ran. When its retries run out (a slot moving for long), the
    /// error reaches us: a single command on `key` then makes the client learn the slot's
    /// node, and the error is returned as retryable.
    async fn query_pipe<T: FromRedisValue>(&self, pipe: &redis::Pipeline, key: &str) -> Result<T> {
        match &self.conn {
            RedisConnection::Single(conn) => Ok(pipe.query_async(&mut conn.clone()).await?),
            RedisConnection::Cluster(conn) => {
                match slots::query_cluster_pipe(conn, pipe, key).await {
                    Ok(reply) => Ok(reply),
                    Err(error) => {
                        if is_cluster_redirect(&error) {
                            let mut probe = redis::cmd("EXISTS");
                            probe.arg(key);
                            let _ = probe.query_async::<Value>(&mut conn.clone()).await;
                        }
                        Err(error.into())
                    }
                }
            }
        }
    }
}
