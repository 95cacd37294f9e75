//! Group-aware retention on the in-memory broker: where each group of a stream is, trimming,
//! and the forced trim that reads what it removes, each under the broker's lock.

use crate::backend::{ForcedTrim, StreamGroups, TrimTo};
use crate::config::Retention;
use crate::error::Result;
use crate::wire::EntryId;

use super::{MemoryBroker, now_ms};

impl MemoryBroker {
    /// The stream's length and its groups' positions (`XLEN`, `XINFO GROUPS`, `XPENDING`).
    pub(crate) fn stream_groups(&self, stream: &str) -> Result<StreamGroups> {
        let state = self.answer()?;
        Ok(state
            .streams
            .get(stream)
            .map(|stream| StreamGroups {
                length: stream.len() as u64,
                groups: stream.positions(),
            })
            .unwrap_or_default())
    }

    /// The stream's length and the ids of its `count` oldest entries, read together.
    pub(crate) fn oldest(&self, stream: &str, count: usize) -> Result<(u64, Vec<EntryId>)> {
        let state = self.answer()?;
        Ok(state
            .streams
            .get(stream)
            .map(|stream| (stream.len() as u64, stream.oldest_ids(count)))
            .unwrap_or_default())
    }

    /// `XTRIM`: exactly below an id, or to a retention (exactly, which `~` allows); how many
    /// entries it removed.
    pub(crate) fn trim(&self, stream: &str, to: TrimTo) -> Result<u64> {
        let mut state = self.answer()?;
        let Some(stream) = state.streams.get_mut(stream) else {
            return Ok(0);
        };
        let removed = match to {
            TrimTo::MinId(min) => stream.trim_before(min),
            TrimTo::About(Retention::Unbounded) => 0,
            TrimTo::About(Retention::MaxLen(max)) => stream.trim_to_len(max),
            TrimTo::About(Retention::MaxAge(age)) => {
                let age = u64::try_from(age.as_millis()).unwrap_or(u64::MAX);
                stream.trim_before(EntryId {
                    ms: now_ms().saturating_sub(age),
                    seq: 0,
                })
            }
        };
        Ok(removed as u64)
    }

    /// Trims every entry below `to`, reading what is removed from `[from, to)` and where
    /// `groups` are, atomically.
    pub(crate) fn trim_forced(
        &self,
        stream: &str,
        from: EntryId,
        to: EntryId,
        groups: &[String],
    ) -> Result<ForcedTrim> {
        let mut state = self.answer()?;
        Ok(state
            .streams
            .get_mut(stream)
            .map(|stream| stream.trim_forced(from, to, groups))
            .unwrap_or_default())
    }
}
