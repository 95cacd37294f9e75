//! The polled gauges: per subscribed type, the group's lag and pending count and the length of
//! the type's dead-letter stream, every `metrics_interval` while the subscriber runs.

use std::sync::Arc;

use super::Shared;

pub(super) async fn run(shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        for subscription in &shared.subscriptions {
            let figures = shared
                .transport
                .group_figures(&subscription.key, &shared.group)
                .await;
            let dead_letters = shared.transport.length(&subscription.dead_letter_key).await;
            match (figures, dead_letters) {
                (Ok(figures), Ok(dead_letters)) => {
                    subscription
                        .labels
                        .group_figures(figures.pending, figures.lag, dead_letters);
                }
                (Err(error), _) | (_, Err(error)) => {
                    tracing::debug!(error = %error, stream = %subscription.key, "could not poll the group's figures for metrics");
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(shared.metrics_interval) => {}
            _ = shutdown.changed() => return,
        }
        if shared.shutting_down() {
            return;
        }
    }
}
