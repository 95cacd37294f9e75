//! Stream entry ids as Redis writes them: `<ms>-<seq>`.

use std::fmt;
use std::str::FromStr;

/// The id of a stream entry: the millisecond Redis appended it (since the Unix epoch) and a
/// sequence number within that millisecond, written `<ms>-<seq>`.
///
/// Ids order as Redis orders entries: by millisecond, then by sequence. The millisecond is
/// when the entry was written, so an id also tells its age.
///
/// ```
/// use event_runtime::wire::EntryId;
///
/// let id: EntryId = "1700000000000-3".parse()?;
/// assert_eq!((id.ms, id.seq), (1_700_000_000_000, 3));
/// assert_eq!(id.to_string(), "1700000000000-3");
/// assert!(id < "1700000000000-10".parse()?);
/// assert_eq!("1700000000000".parse::<EntryId>()?, EntryId { ms: 1_700_000_000_000, seq: 0 });
/// assert!("17-x".parse::<EntryId>().is_err());
/// # Ok::<(), event_runtime::wire::EntryIdError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryId {
    /// Milliseconds since the Unix epoch.
    pub ms: u64,
    /// The sequence within the millisecond.
    pub seq: u64,
}

/// Text that is not an entry id; see [`EntryId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid stream id `{0}`: expected `<ms>-<seq>` or `<ms>`")]
pub struct EntryIdError(String);

impl EntryId {
    /// `0-0`, before every entry.
    pub const ZERO: EntryId = EntryId { ms: 0, seq: 0 };
    /// The largest id.
    pub const MAX: EntryId = EntryId {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    /// How long ago, in milliseconds, the entry was written, from the millisecond in its id;
    /// 0 for an id from the future (another machine's clock).
    pub fn age_ms(&self, now: std::time::SystemTime) -> u64 {
        let now = now
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| {
                u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
            });
        now.saturating_sub(self.ms)
    }

    /// `<ms>-<seq>`, or `<ms>` alone with the sequence `missing_seq` (the first or the last of
    /// that millisecond, as `XRANGE` reads a start or an end).
    pub(crate) fn parse(text: &str, missing_seq: u64) -> Result<EntryId, EntryIdError> {
        let invalid = || EntryIdError(text.to_owned());
        let (ms, seq) = match text.split_once('-') {
            Some((ms, seq)) => (ms, Some(seq)),
            None => (text, None),
        };
        let ms = ms.parse().map_err(|_| invalid())?;
        let seq = match seq {
            Some(seq) => seq.parse().map_err(|_| invalid())?,
            None => missing_seq,
        };
        Ok(EntryId { ms, seq })
    }
}

impl FromStr for EntryId {
    type Err = EntryIdError;

    /// `<ms>-<seq>`, or `<ms>` alone (sequence 0).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text, 0)
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ms: u64, seq: u64) -> EntryId {
        EntryId { ms, seq }
    }

    #[test]
    fn ids_print_as_redis_writes_them_and_order_numerically() {
        assert_eq!(id(1_700_000_000_000, 3).to_string(), "1700000000000-3");
        assert_eq!("12-4".parse::<EntryId>(), Ok(id(12, 4)));
        assert!(id(5, 10) > id(5, 9), "not as text");
        assert!(id(10, 0) > id(9, 99));
        assert_eq!(
            "x-1".parse::<EntryId>().map_err(|error| error.to_string()),
            Err("invalid stream id `x-1`: expected `<ms>-<seq>` or `<ms>`".to_owned())
        );
        let written = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_500);
        assert_eq!(id(1_000, 0).age_ms(written), 500);
        assert_eq!(id(2_000, 0).age_ms(written), 0, "from the future");
    }
}
