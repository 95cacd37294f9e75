//! One retention pass over one stream: first the hard cap (a forced trim of entries some
//! group has not acknowledged, reported), then the budget of acknowledged entries (`XTRIM
//! <stream> MINID <id>`, exact, never at or past the oldest entry a group still needs). A
//! stream without groups is trimmed to the budget alone (`MAXLEN ~`, `MINID ~`).
//!
//! With a length budget the pass reads the oldest entries to find the id it trims below (a
//! Redis 7 stream has no "id at offset"): at most `PAGE` of them per step, with the stream's
//! length in the same transaction, so that publishers trimming one stream side by side never
//! trim it below the budget; a pass costs a read of what it trims; nothing to trim costs `XLEN`
//! (and a read of the oldest entry for an age).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::report::report;
use super::rule::{acknowledged_below, after, losses};
use crate::backend::TrimTo;
use crate::config::{PublisherConfig, Retention};
use crate::error::Result;
use crate::transport::Transport;
use crate::wire::EntryId;

/// Entries read (and trimmed) per step.
const PAGE: usize = 1000;
/// Steps per pass: the rest waits for the next pass.
const STEPS: usize = 100;

/// Trims `stream` per the budget and the hard cap of `settings`.
pub(super) async fn trim(
    transport: &Transport,
    settings: &PublisherConfig,
    stream: &str,
) -> Result<()> {
    let budget = settings.retention;
    let hard = settings.hard_limit();
    // Once a forced trim has taken its last page, the rest of the pass is the budget's.
    let mut capped = false;
    for _ in 0..STEPS {
        // The common case: a stream within both limits costs `XLEN` (and, for an age, a
        // read of its oldest entry).
        let length = transport.length(stream).await?;
        if length == 0 {
            return Ok(());
        }
        let oldest =
            if matches!(budget, Retention::MaxAge(_)) || matches!(hard, Retention::MaxAge(_)) {
                let first = transport.range(stream, "-", "+", 1).await?;
                first.first().and_then(|entry| entry.id.parse().ok())
            } else {
                None
            };
        let over_budget = !within(budget, length, oldest);
        let over_cap = !capped && !within(hard, length, oldest);
        if !over_budget && !over_cap {
            return Ok(());
        }
        let state = transport.stream_groups(stream).await?;
        let Some(acknowledged) = acknowledged_below(&state.groups) else {
            if over_budget {
                transport.trim(stream, TrimTo::About(budget)).await?;
            }
            return Ok(());
        };
        if over_cap {
            if let Some((cap, more)) = limit(transport, stream, hard, state.length).await? {
                if cap > acknowledged {
                    let groups: Vec<String> = state
                        .groups
                        .iter()
                        .map(|group| group.name.clone())
                        .collect();
                    let forced = transport
                        .trim_forced(stream, acknowledged, cap, &groups)
                        .await?;
                    report(transport, stream, hard, &losses(&forced), forced.trimmed).await?;
                    capped = !more;
                    continue;
                }
            }
        }
        if !over_budget {
            return Ok(());
        }
        let (target, more) = match budget {
            Retention::Unbounded => return Ok(()),
            Retention::MaxAge(age) => (acknowledged.min(id_of_age(age)), false),
            Retention::MaxLen(kept) => {
                let planned = usize::try_from(state.length)
                    .unwrap_or(usize::MAX)
                    .saturating_sub(kept);
                let (length, oldest) = transport.oldest(stream, planned.clamp(1, PAGE)).await?;
                let excess = usize::try_from(length)
                    .unwrap_or(usize::MAX)
                    .saturating_sub(kept);
                let take = oldest
                    .iter()
                    .take(excess)
                    .take_while(|id| **id < acknowledged)
                    .count();
                let Some(last_removed) = take.checked_sub(1).map(|last| oldest[last]) else {
                    return Ok(());
                };
                (after(last_removed), take == oldest.len() && excess > take)
            }
        };
        transport.trim(stream, TrimTo::MinId(target)).await?;
        if !more {
            return Ok(());
        }
    }
    Ok(())
}

/// Whether a stream of `length` entries, the oldest `oldest`, is within `limit`.
fn within(limit: Retention, length: u64, oldest: Option<EntryId>) -> bool {
    match limit {
        Retention::Unbounded => true,
        Retention::MaxLen(max) => length <= max as u64,
        Retention::MaxAge(age) => oldest.is_none_or(|oldest| oldest >= id_of_age(age)),
    }
}

/// The id below which `limit` removes entries, and whether more remain past it after this
/// step; `None` when the stream is within it.
async fn limit(
    transport: &Transport,
    stream: &str,
    limit: Retention,
    length: u64,
) -> Result<Option<(EntryId, bool)>> {
    match limit {
        Retention::Unbounded => Ok(None),
        Retention::MaxAge(age) => Ok(Some((id_of_age(age), false))),
        Retention::MaxLen(max) => {
            let planned = usize::try_from(length)
                .unwrap_or(usize::MAX)
                .saturating_sub(max);
            if planned == 0 {
                return Ok(None);
            }
            // The length and the oldest ids of one snapshot: with a length read apart from
            // the ids, a trim by another publisher in between would push the cap past `max`.
            let (length, oldest) = transport.oldest(stream, planned.min(PAGE)).await?;
            let excess = usize::try_from(length)
                .unwrap_or(usize::MAX)
                .saturating_sub(max);
            let take = excess.min(oldest.len());
            Ok(take
                .checked_sub(1)
                .map(|last| (after(oldest[last]), excess > take)))
        }
    }
}

/// The id of `now - age`: entries below it are older than `age`.
fn id_of_age(age: Duration) -> EntryId {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    EntryId {
        ms: u64::try_from(now.saturating_sub(age).as_millis()).unwrap_or(u64::MAX),
        seq: 0,
    }
}
