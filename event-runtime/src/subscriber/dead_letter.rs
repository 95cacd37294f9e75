//! Dead letters: an entry that cannot be handled moves to `events:dlq:<type>` with its
//! provenance, and is acknowledged in the same transaction.

use std::time::Duration;

use chrono::{SecondsFormat, Utc};

use super::Shared;
use crate::wire::{StreamEntry, provenance};

/// The fields of the dead-letter entry: provenance ([`provenance::ALL`], in that order), then
/// every original field (one whose name collides with a provenance field is kept as
/// `original_<name>`).
pub(crate) fn fields(
    shared: &Shared,
    stream: usize,
    entry: &StreamEntry,
    reason: &str,
    attempts: u32,
) -> Vec<(String, Vec<u8>)> {
    let values = [
        shared.subscriptions[stream].key.clone(),
        entry.id.clone(),
        shared.group.clone(),
        shared.consumer.clone(),
        reason.to_owned(),
        attempts.to_string(),
        Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
    ];
    let mut fields: Vec<(String, Vec<u8>)> = provenance::ALL
        .iter()
        .zip(values)
        .map(|(name, value)| ((*name).to_owned(), value.into_bytes()))
        .collect();
    for (name, value) in &entry.fields {
        let name = if provenance::ALL.contains(&name.as_str()) {
            format!("original_{name}")
        } else {
            name.clone()
        };
        fields.push((name, value.clone()));
    }
    fields
}

/// Writes the dead letter and acknowledges the entry atomically. On failure the entry stays
/// pending: it is claimed again later and ends up here once Redis is back. A limited
/// subscriber counts the entry as settled once its dead letter is written.
pub(super) async fn send(
    shared: &Shared,
    stream: usize,
    entry: &StreamEntry,
    reason: &str,
    attempts: u32,
    outcome: crate::observe::Consumed,
) {
    let subscription = &shared.subscriptions[stream];
    let fields = fields(shared, stream, entry, reason, attempts);
    let mut delay = Duration::from_millis(50);
    for attempt in 1..=3 {
        let written = shared
            .transport
            .dead_letter(
                &subscription.dead_letter_key,
                &fields,
                &subscription.key,
                &shared.group,
                &entry.id,
            )
            .await;
        match written {
            Ok(()) => {
                tracing::warn!(
                    stream = %subscription.key,
                    id = %entry.id,
                    dead_letter_stream = %subscription.dead_letter_key,
                    attempts,
                    error = reason,
                    "entry dead-lettered"
                );
                subscription.labels.consumed(outcome);
                super::limit::settled(shared);
                return;
            }
            Err(error) if error.is_retryable() && attempt < 3 => {
                tokio::time::sleep(delay).await;
                delay *= 4;
            }
            Err(error) => {
                tracing::error!(
                    stream = %subscription.key,
                    id = %entry.id,
                    error = %error,
                    "could not dead-letter the entry; it stays pending and will be claimed again"
                );
                return;
            }
        }
    }
}
