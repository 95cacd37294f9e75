//! Entry ids as Redis writes them (`<ms>-<seq>`), and the range bounds of `XRANGE`.

use std::fmt;

use crate::runtime_error::{Error, ErrorKind, Result};

/// A stream entry id: milliseconds since the Unix epoch, and a sequence within the millisecond.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct EntryId {
    pub(crate) ms: u64,
    pub(crate) seq: u64,
}

impl EntryId {
    pub(crate) const ZERO: EntryId = EntryId { ms: 0, seq: 0 };
    pub(crate) const MAX: EntryId = EntryId {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    /// The id `append` gives the next entry: the clock's millisecond, or the last id's
    /// millisecond with the next sequence when the clock has not moved on (or went back).
    pub(crate) fn next_after(last: EntryId, now_ms: u64) -> EntryId {
        if now_ms > last.ms {
            EntryId { ms: now_ms, seq: 0 }
        } else if last.seq < u64::MAX {
            EntryId {
                ms: last.ms,
                seq: last.seq + 1,
            }
        } else {
            EntryId {
                ms: last.ms.saturating_add(1),
                seq: 0,
            }
        }
    }

    /// `<ms>-<seq>`, or `<ms>` alone (sequence `missing_seq`).
    pub(crate) fn parse(text: &str, missing_seq: u64) -> Result<EntryId> {
        let invalid = || {
            Error::new(
                ErrorKind::Usage,
                format!("invalid stream id `{text}`: expected `<ms>-<seq>` or `<ms>`"),
            )
        };
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

    fn successor(self) -> Option<EntryId> {
        match (self.seq.checked_add(1), self.ms.checked_add(1)) {
            (Some(seq), _) => Some(EntryId { ms: self.ms, seq }),
            (None, Some(ms)) => Some(EntryId { ms, seq: 0 }),
            (None, None) => None,
        }
    }

    fn predecessor(self) -> Option<EntryId> {
        match (self.seq.checked_sub(1), self.ms.checked_sub(1)) {
            (Some(seq), _) => Some(EntryId { ms: self.ms, seq }),
            (None, Some(ms)) => Some(EntryId { ms, seq: u64::MAX }),
            (None, None) => None,
        }
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// The inclusive id range of `XRANGE <start> <end>`: `-` and `+` are the ends of the stream,
/// `<ms>` alone means the first (start) or last (end) sequence of that millisecond, and a `(`
/// prefix makes a bound exclusive. `None` when the range is empty.
pub(crate) fn range_bounds(start: &str, end: &str) -> Result<Option<(EntryId, EntryId)>> {
    let low = match start {
        "-" => Some(EntryId::ZERO),
        "+" => Some(EntryId::MAX),
        _ => match start.strip_prefix('(') {
            Some(exclusive) => EntryId::parse(exclusive, 0)?.successor(),
            None => Some(EntryId::parse(start, 0)?),
        },
    };
    let high = match end {
        "-" => Some(EntryId::ZERO),
        "+" => Some(EntryId::MAX),
        _ => match end.strip_prefix('(') {
            Some(exclusive) => EntryId::parse(exclusive, u64::MAX)?.predecessor(),
            None => Some(EntryId::parse(end, u64::MAX)?),
        },
    };
    Ok(match (low, high) {
        (Some(low), Some(high)) if low <= high => Some((low, high)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ms: u64, seq: u64) -> EntryId {
        EntryId { ms, seq }
    }

    #[test]
    fn ids_follow_the_clock_and_never_go_back() {
        let cases = [
            (id(0, 0), 5, id(5, 0)),
            (id(5, 0), 5, id(5, 1)),
            (id(5, 1), 4, id(5, 2)),
            (id(5, u64::MAX), 5, id(6, 0)),
        ];
        for (last, now, expected) in cases {
            assert_eq!(EntryId::next_after(last, now), expected, "{last} at {now}");
        }
    }

    #[test]
    fn range_bounds_read_like_xrange() {
        type Case = (&'static str, &'static str, Option<(EntryId, EntryId)>);
        let cases: [Case; 7] = [
            ("-", "+", Some((EntryId::ZERO, EntryId::MAX))),
            ("5", "7", Some((id(5, 0), id(7, u64::MAX)))),
            ("5-3", "5-3", Some((id(5, 3), id(5, 3)))),
            ("(5-3", "+", Some((id(5, 4), EntryId::MAX))),
            (
                "(5-18446744073709551615",
                "6",
                Some((id(6, 0), id(6, u64::MAX))),
            ),
            ("-", "(5-0", Some((EntryId::ZERO, id(4, u64::MAX)))),
            ("7", "5", None),
        ];
        for (start, end, expected) in cases {
            assert_eq!(
                range_bounds(start, end).expect("valid"),
                expected,
                "{start} {end}"
            );
        }
        let error = range_bounds("x-1", "+").expect_err("invalid");
        assert_eq!(
            error.to_string(),
            "invalid stream id `x-1`: expected `<ms>-<seq>` or `<ms>`"
        );
    }

    #[test]
    fn ids_print_as_redis_writes_them() {
        assert_eq!(id(1_700_000_000_000, 3).to_string(), "1700000000000-3");
        assert_eq!(EntryId::parse("12-4", 0).expect("valid"), id(12, 4));
    }
}
