//! A consumer's end: removing it from its group when it holds nothing (`XGROUP DELCONSUMER`),
//! and ending its blocked read at shutdown (`CLIENT UNBLOCK`) instead of waiting out `BLOCK`.

use redis::streams::StreamPendingCountReply;

use super::RedisTransport;
use super::connection::RedisConnection;
use crate::backend::ConsumerRemoval;
use crate::error::Result;

impl RedisTransport {
    /// Removes `consumer` from `group` on `stream` unless entries are pending for it
    /// (`XPENDING ... 1 <consumer>`, then `XGROUP DELCONSUMER`, which would drop them).
    pub(crate) async fn remove_consumer(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
    ) -> Result<ConsumerRemoval> {
        let mut pending = redis::cmd("XPENDING");
        pending
            .arg(stream)
            .arg(group)
            .arg("-")
            .arg("+")
            .arg(1)
            .arg(consumer);
        match self.query::<StreamPendingCountReply>(&pending).await {
            Ok(reply) if !reply.ids.is_empty() => return Ok(ConsumerRemoval::Holds),
            Ok(_) => {}
            Err(error) if error.is_no_group() => return Ok(ConsumerRemoval::Absent),
            Err(error) => return Err(error),
        }
        let mut delete = redis::cmd("XGROUP");
        delete
            .arg("DELCONSUMER")
            .arg(stream)
            .arg(group)
            .arg(consumer);
        match self.query::<i64>(&delete).await {
            Ok(_) => Ok(ConsumerRemoval::Removed),
            Err(error) if error.is_no_group() => Ok(ConsumerRemoval::Absent),
            Err(error) => Err(error),
        }
    }

    /// Asks `CLIENT ID` of this connection before a blocking read, once per connection.
    pub(super) async fn learn_client_id(&self) {
        if !matches!(self.conn, RedisConnection::Single(_)) || lock(&self.client_id).is_some() {
            return;
        }
        let mut ask = redis::cmd("CLIENT");
        ask.arg("ID");
        if let Ok(id) = self.query::<i64>(&ask).await {
            *lock(&self.client_id) = Some(id);
        }
    }

    /// After an error the connection may be a new one, with another id.
    pub(super) fn forget_client_id(&self) {
        lock(&self.client_id).take();
    }

    /// Ends the blocking read of `reader` now (`CLIENT UNBLOCK <id>`, sent on this
    /// connection): the read returns as if its block time had passed, so no entry is left
    /// delivered but unhandled. Without the id (a cluster, or not learnt yet) or the right to
    /// send it (an ACL user without `CLIENT`), the read runs out its block time instead.
    pub(crate) async fn unblock(&self, reader: &RedisTransport) {
        let Some(id) = *lock(&reader.client_id) else {
            return;
        };
        let mut unblock = redis::cmd("CLIENT");
        unblock.arg("UNBLOCK").arg(id);
        if let Err(error) = self.query::<i64>(&unblock).await {
            tracing::debug!(error = %error, "CLIENT UNBLOCK refused; the read ends at its block time");
        }
    }
}

fn lock(id: &std::sync::Mutex<Option<i64>>) -> std::sync::MutexGuard<'_, Option<i64>> {
    id.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
