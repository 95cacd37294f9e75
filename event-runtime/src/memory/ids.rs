//! Ids in the in-memory broker: the id an appended entry gets, and the range bounds of
//! `XRANGE`, as Redis gives and reads them.

use crate::error::{Error, ErrorKind, Result};
use crate::wire::EntryId;

/// The id `XADD <stream> *` gives the next entry: the clock's millisecond, or the last id's
/// millisecond with the next sequence when the clock has not moved on (or went back).
pub(crate) fn next_id(last: EntryId, now_ms: u64) -> EntryId {
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

/// The inclusive id range of `XRANGE <start> <end>`: `-` and `+` are the ends of the stream,
/// `<ms>` alone means the first (start) or last (end) sequence of that millisecond, and a `(`
/// prefix makes a bound exclusive. `None` when the range is empty.
pub(crate) fn range_bounds(start: &str, end: &str) -> Result<Option<(EntryId, EntryId)>> {
    let low = match start {
        "-" => Some(EntryId::ZERO),
        "+" => Some(EntryId::MAX),
        _ => match start.strip_prefix('(') {
            Some(exclusive) => successor(parse(exclusive, 0)?),
            None => Some(parse(start, 0)?),
        },
    };
    let high = match end {
        "-" => Some(EntryId::ZERO),
        "+" => Some(EntryId::MAX),
        _ => match end.strip_prefix('(') {
            Some(exclusive) => predecessor(parse(exclusive, u64::MAX)?),
            None => Some(parse(end, u64::MAX)?),
        },
    };
    Ok(match (low, high) {
        (Some(low), Some(high)) if low <= high => Some((low, high)),
        _ => None,
    })
}

/// An id as a command argument; a malformed one is the caller's mistake.
pub(crate) fn parse(text: &str, missing_seq: u64) -> Result<EntryId> {
    EntryId::parse(text, missing_seq)
        .map_err(|error| Error::new(ErrorKind::Usage, error.to_string()))
}

/// The next id, if there is one.
fn successor(id: EntryId) -> Option<EntryId> {
    match (id.seq.checked_add(1), id.ms.checked_add(1)) {
        (Some(seq), _) => Some(EntryId { ms: id.ms, seq }),
        (None, Some(ms)) => Some(EntryId { ms, seq: 0 }),
        (None, None) => None,
    }
}

/// The previous id, if there is one.
fn predecessor(id: EntryId) -> Option<EntryId> {
    match (id.seq.checked_sub(1), id.ms.checked_sub(1)) {
        (Some(seq), _) => Some(EntryId { ms: id.ms, seq }),
        (None, Some(ms)) => Some(EntryId { ms, seq: u64::MAX }),
        (None, None) => None,
    }
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
            assert_eq!(next_id(last, now), expected, "{last} at {now}");
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
}
