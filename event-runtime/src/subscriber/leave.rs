//! Leaving the group at a graceful shutdown: a consumer that holds no entry removes itself
//! (`XGROUP DELCONSUMER`), so restarts of a service do not pile up dead consumers in
//! `XINFO CONSUMERS`. One that still holds entries stays, so they are not dropped: the group's
//! other consumers claim them after `claim_min_idle`.

use std::sync::Arc;

use super::Shared;
use crate::backend::ConsumerRemoval;

pub(super) async fn leave_group(shared: &Arc<Shared>) {
    let mut removed = 0;
    for subscription in &shared.subscriptions {
        match shared
            .transport
            .remove_consumer(&subscription.key, &shared.group, &shared.consumer)
            .await
        {
            Ok(ConsumerRemoval::Removed) => removed += 1,
            Ok(ConsumerRemoval::Absent) => {}
            Ok(ConsumerRemoval::Holds) => tracing::info!(
                stream = %subscription.key,
                group = %shared.group,
                consumer = %shared.consumer,
                "the consumer stays in the group: entries are still pending for it"
            ),
            Err(error) => tracing::warn!(
                stream = %subscription.key,
                error = %error,
                "could not remove the consumer from its group"
            ),
        }
    }
    if removed > 0 {
        tracing::debug!(group = %shared.group, consumer = %shared.consumer, streams = removed, "left the consumer group");
    }
}
