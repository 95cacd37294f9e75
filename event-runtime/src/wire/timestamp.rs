//! Timestamps on the wire: RFC 3339 in UTC with `Z` on write; on read also offsets (converted
//! to UTC) and naive timestamps (`2025-09-26T10:30:00`, read as UTC, as the original services
//! wrote them). Used for the entry's `timestamp` field and every `datetime` in `event_data`
//! (through the serde adapters of `adapters.rs`).

use chrono::{DateTime, Datelike, NaiveDateTime, SecondsFormat, Timelike, Utc};

/// A timestamp as the runtime writes it: RFC 3339 with `Z`, with as many fraction digits as
/// needed (`2025-09-26T10:30:00Z`, `2025-09-26T10:30:00.250Z`).
pub fn format_timestamp(at: DateTime<Utc>) -> String {
    TimestampText::new(at).as_str().to_owned()
}

/// The text [`format_timestamp`] writes, held on the stack: what the encoder and the stream
/// entry write without a `String` of their own per event.
///
/// Years 0 to 9999 without a leap second (every timestamp the runtime makes) are written
/// here, digit by digit; anything else as chrono writes it (`+10000-01-01T00:00:00Z`).
#[derive(Clone, Copy)]
pub(crate) struct TimestampText {
    /// Long enough for chrono's widest RFC 3339 text (a signed six-digit year and nine
    /// fraction digits).
    bytes: [u8; 40],
    len: usize,
}

impl TimestampText {
    pub(crate) fn new(at: DateTime<Utc>) -> Self {
        let mut text = Self {
            bytes: [0; 40],
            len: 0,
        };
        // The naive parts, each read once (`DateTime`'s own accessors apply the offset on
        // every call).
        let naive = at.naive_utc();
        let (date, time) = (naive.date(), naive.time());
        let year = date.year();
        let nanos = time.nanosecond();
        if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
            let chrono = at.to_rfc3339_opts(SecondsFormat::AutoSi, true);
            let len = chrono.len().min(text.bytes.len());
            text.bytes[..len].copy_from_slice(&chrono.as_bytes()[..len]);
            text.len = len;
            return text;
        }
        let year = year as u32;
        text.digits(year / 100, 2);
        text.digits(year % 100, 2);
        text.push(b'-');
        text.digits(date.month(), 2);
        text.push(b'-');
        text.digits(date.day(), 2);
        text.push(b'T');
        text.digits(time.hour(), 2);
        text.push(b':');
        text.digits(time.minute(), 2);
        text.push(b':');
        text.digits(time.second(), 2);
        // As chrono's `SecondsFormat::AutoSi`: none, milli-, micro- or nanoseconds.
        if nanos != 0 {
            text.push(b'.');
            if nanos % 1_000_000 == 0 {
                text.digits(nanos / 1_000_000, 3);
            } else if nanos % 1_000 == 0 {
                text.digits(nanos / 1_000, 6);
            } else {
                text.digits(nanos, 9);
            }
        }
        text.push(b'Z');
        text
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII digits and punctuation, or chrono's text, are ever written.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }

    fn push(&mut self, byte: u8) {
        self.bytes[self.len] = byte;
        self.len += 1;
    }

    /// `value` in exactly `width` decimal digits, zero-padded (the caller keeps it in range).
    fn digits(&mut self, mut value: u32, width: usize) {
        for slot in self.bytes[self.len..self.len + width].iter_mut().rev() {
            *slot = b'0' + (value % 10) as u8;
            value /= 10;
        }
        self.len += width;
    }
}

impl std::fmt::Debug for TimestampText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

/// Parses a timestamp as the runtime reads it: RFC 3339, or a naive timestamp (read as UTC).
///
/// ```
/// use event_runtime::wire::parse_timestamp;
///
/// let utc = parse_timestamp("2025-09-26T10:30:00Z");
/// assert!(utc.is_some());
/// assert_eq!(parse_timestamp("2025-09-26T10:30:00"), utc);
/// assert_eq!(parse_timestamp("2025-09-26T12:30:00+02:00"), utc);
/// assert_eq!(parse_timestamp("26/09/2025"), None);
/// ```
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(value) = DateTime::parse_from_rfc3339(text) {
        return Some(value.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|naive| naive.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_accept_rfc3339_offsets_and_naive_utc() {
        let expected = parse_timestamp("2025-09-26T10:30:00Z").expect("rfc 3339");
        assert_eq!(parse_timestamp("2025-09-26T10:30:00"), Some(expected));
        assert_eq!(parse_timestamp("2025-09-26 10:30:00"), Some(expected));
        assert_eq!(parse_timestamp("2025-09-26T12:30:00+02:00"), Some(expected));
        assert!(parse_timestamp("2025-09-26T10:30:00.123456").is_some());
        assert_eq!(parse_timestamp("26/09/2025"), None);
    }

    #[test]
    fn timestamps_are_written_as_chrono_writes_them() {
        use chrono::TimeZone;
        let check = |at: DateTime<Utc>| {
            assert_eq!(
                format_timestamp(at),
                at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
                "{at:?}"
            );
        };
        for nanos in [
            0,
            1,
            7,
            999,
            1_000,
            250_000,
            1_000_000,
            250_000_000,
            999_999_999,
        ] {
            for seconds in [0, 1_758_882_600, 253_402_300_799, -62_167_219_200, -1] {
                check(
                    Utc.timestamp_opt(seconds, nanos)
                        .single()
                        .expect("in range"),
                );
            }
        }
        // Outside 0..=9999 and leap seconds: chrono's own text.
        check(
            Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0)
                .single()
                .expect("valid"),
        );
        check(
            Utc.with_ymd_and_hms(-1, 12, 31, 23, 59, 59)
                .single()
                .expect("valid"),
        );
        let leap = NaiveDateTime::parse_from_str("2016-12-31T23:59:59", "%Y-%m-%dT%H:%M:%S")
            .expect("valid")
            .and_utc()
            .with_nanosecond(1_500_000_000)
            .expect("a leap second");
        check(leap);
        check(DateTime::<Utc>::MAX_UTC);
        check(DateTime::<Utc>::MIN_UTC);
    }

    proptest::proptest! {
        #[test]
        fn any_timestamp_is_written_as_chrono_writes_it(seconds in -62_167_219_200i64..253_402_300_800, nanos in 0u32..2_000_000_000) {
            use chrono::TimeZone;
            if let Some(at) = Utc.timestamp_opt(seconds, nanos).single() {
                proptest::prop_assert_eq!(format_timestamp(at), at.to_rfc3339_opts(SecondsFormat::AutoSi, true));
            }
        }
    }

    #[test]
    fn timestamps_are_written_with_z_and_the_fraction_they_need() {
        let at = parse_timestamp("2025-09-26T10:30:00.250+00:00").expect("valid");
        assert_eq!(format_timestamp(at), "2025-09-26T10:30:00.250Z");
        let whole = parse_timestamp("2025-09-26T10:30:00Z").expect("valid");
        assert_eq!(format_timestamp(whole), "2025-09-26T10:30:00Z");
    }
}
