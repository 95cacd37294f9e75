//! Hash slots on a Redis Cluster: which keys share a slot, and sending a pipeline to the
//! master of its slot. On one server every key is in the one "slot".

use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::Slot;
use redis::{FromRedisValue, Value};

use super::RedisTransport;

impl RedisTransport {
    /// Indexes of `keys` grouped by hash slot, in order of first appearance: one group of all
    /// of them on a single server.
    pub(super) fn slot_groups<'a>(&self, keys: impl Iterator<Item = &'a str>) -> Vec<Vec<usize>> {
        if !self.is_cluster() {
            let all: Vec<usize> = keys.enumerate().map(|(index, _)| index).collect();
            return if all.is_empty() {
                Vec::new()
            } else {
                vec![all]
            };
        }
        let mut groups: Vec<(Slot, Vec<usize>)> = Vec::new();
        for (index, key) in keys.enumerate() {
            let slot = Slot::for_key(key);
            match groups.iter_mut().find(|(known, _)| *known == slot) {
                Some((_, indexes)) => indexes.push(index),
                None => groups.push((slot, vec![index])),
            }
        }
        groups.into_iter().map(|(_, indexes)| indexes).collect()
    }

    /// Whether two keys are in one hash slot (always on a single server).
    pub(super) fn same_slot(&self, first: &str, second: &str) -> bool {
        !self.is_cluster() || Slot::for_key(first) == Slot::for_key(second)
    }
}

/// Sends `pipe` to the master of `key`'s slot, and reads its replies as
/// `Pipeline::query_async` does (ignored commands left out, errors raised).
pub(super) async fn query_cluster_pipe<T: FromRedisValue>(
    conn: &ClusterConnection,
    pipe: &redis::Pipeline,
    key: &str,
) -> redis::RedisResult<T> {
    let (offset, count) = if pipe.is_transaction() {
        (pipe.len() + 1, 1)
    } else {
        (0, pipe.len())
    };
    let route = redis::cluster_routing::SingleNodeRoutingInfo::SpecificNode(
        redis::cluster_routing::Route::with_key(key, redis::cluster_routing::SlotAddr::Master),
    );
    let replies = conn
        .clone()
        .route_pipeline(pipe.clone(), offset, count, route)
        .await?;
    pipe.query_async(&mut Replies(Some(replies))).await
}

/// Hands replies already received to `Pipeline::query_async`, which turns them into the
/// pipeline's result.
struct Replies(Option<Vec<Value>>);

impl redis::aio::ConnectionLike for Replies {
    fn req_packed_command<'a>(&'a mut self, _: &'a redis::Cmd) -> redis::RedisFuture<'a, Value> {
        Box::pin(async { Err(unexpected_use()) })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        _: &'a redis::Pipeline,
        _: usize,
        _: usize,
    ) -> redis::RedisFuture<'a, Vec<Value>> {
        let replies = self.0.take();
        Box::pin(async move { replies.ok_or_else(unexpected_use) })
    }

    fn get_db(&self) -> i64 {
        0
    }
}

fn unexpected_use() -> redis::RedisError {
    redis::RedisError::from((redis::ErrorKind::Client, "pipeline replies used twice"))
}
