//! The polled gauges: per subscribed type, the group's lag and pending count and the length of
//! the type's dead-letter stream, every `metrics_interval` while the subscriber runs. A
//! partitioned type's figures are the sums over its streams.

use std::sync::Arc;

use super::{Shared, Subscription};

pub(super) async fn run(shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        // The streams of one type are next to each other (see the builder).
        for streams in shared
            .subscriptions
            .chunk_by(|a, b| a.event_type == b.event_type)
        {
            poll(&shared, streams).await;
        }
        tokio::select! {
            _ = tokio::time::sleep(shared.settings.metrics_interval) => {}
            _ = shutdown.changed() => return,
        }
        if shared.shutting_down() {
            return;
        }
    }
}

/// Sets the gauges of one type from its streams.
async fn poll(shared: &Shared, streams: &[Subscription]) {
    let Some(first) = streams.first() else {
        return;
    };
    let (mut pending, mut lag) = (0, Some(0));
    for subscription in streams {
        match shared
            .transport
            .group_figures(&subscription.key, &shared.group)
            .await
        {
            Ok(figures) => {
                pending += figures.pending;
                lag = lag.zip(figures.lag).map(|(a, b)| a + b);
            }
            Err(error) => {
                tracing::debug!(error = %error, stream = %subscription.key, "could not poll the group's figures for metrics");
                return;
            }
        }
    }
    match shared.transport.length(&first.dead_letter_key).await {
        Ok(dead_letters) => first.labels.group_figures(pending, lag, dead_letters),
        Err(error) => {
            tracing::debug!(error = %error, stream = %first.dead_letter_key, "could not poll the dead-letter stream's length for metrics");
        }
    }
}
