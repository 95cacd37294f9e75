//! A forced trim, said loudly: per consumer group that lost entries, the counter
//! `events_retention_forced_trim_total{event_type, group}` (entries lost), an error log naming
//! the stream, the groups and the counts, and an entry in the record
//! `events:trimmed:{<stream>}` (group, count, first and last id lost, the hard cap), which
//! `events stats` shows.

use std::sync::Arc;

use chrono::Utc;

use super::rule::Loss;
use crate::backend::OutgoingEntry;
use crate::config::Retention;
use crate::error::Result;
use crate::transport::Transport;
use crate::wire::{event_type_of, trimmed_key};

/// Records kept per stream (`MAXLEN ~`).
const RECORDS_KEPT: usize = 1000;

/// Reports what each group lost to a forced trim of `stream` that removed `trimmed` entries
/// in all, past the hard cap `cap`.
pub(super) async fn report(
    transport: &Transport,
    stream: &str,
    cap: Retention,
    losses: &[Loss],
    trimmed: u64,
) -> Result<()> {
    if losses.is_empty() {
        return Ok(());
    }
    let event_type = event_type_of(stream).unwrap_or(stream);
    let label = metrics::SharedString::from(Arc::<str>::from(event_type));
    for loss in losses {
        metrics::counter!(
            "events_retention_forced_trim_total",
            "event_type" => label.clone(),
            "group" => metrics::SharedString::from(Arc::<str>::from(loss.group.as_str()))
        )
        .increment(loss.count);
    }
    let groups: Vec<String> = losses
        .iter()
        .map(|loss| {
            format!(
                "{} lost {} (ids {} to {})",
                loss.group, loss.count, loss.first, loss.last
            )
        })
        .collect();
    let cap = describe(cap);
    tracing::error!(
        stream,
        trimmed,
        hard_cap = %cap,
        groups = %groups.join("; "),
        "the stream passed its hard cap: entries consumer groups had not acknowledged were trimmed and are lost to them: {}",
        groups.join("; ")
    );
    let at = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let records: Vec<OutgoingEntry> = losses
        .iter()
        .map(|loss| OutgoingEntry {
            stream: trimmed_key(stream),
            fields: vec![
                ("group", loss.group.clone()),
                ("lost", loss.count.to_string()),
                ("first_id", loss.first.to_string()),
                ("last_id", loss.last.to_string()),
                ("hard_cap", cap.clone()),
                ("trimmed_at", at.clone()),
            ],
            broadcast: None,
        })
        .collect();
    transport
        .append(&records, Retention::MaxLen(RECORDS_KEPT), None)
        .await?;
    Ok(())
}

/// `maxlen 1000`, `max_age 60000 ms`, or `none`.
fn describe(cap: Retention) -> String {
    match cap {
        Retention::Unbounded => "none".to_owned(),
        Retention::MaxLen(max) => format!("maxlen {max}"),
        Retention::MaxAge(age) => format!("max_age {} ms", age.as_millis()),
    }
}
