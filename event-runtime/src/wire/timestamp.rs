//! Timestamps on the wire: RFC 3339 in UTC with `Z` on write; on read also offsets (converted
//! to UTC) and naive timestamps (`2025-09-26T10:30:00`, read as UTC, as the original services
//! wrote them). Used for the entry's `timestamp` field and every `datetime` in `event_data`
//! (through the serde adapters of `adapters.rs`).

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

/// A timestamp as the runtime writes it: RFC 3339 with `Z`, with as many fraction digits as
/// needed (`2025-09-26T10:30:00Z`, `2025-09-26T10:30:00.250Z`).
pub fn format_timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
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
    fn timestamps_are_written_with_z_and_the_fraction_they_need() {
        let at = parse_timestamp("2025-09-26T10:30:00.250+00:00").expect("valid");
        assert_eq!(format_timestamp(at), "2025-09-26T10:30:00.250Z");
        let whole = parse_timestamp("2025-09-26T10:30:00Z").expect("valid");
        assert_eq!(format_timestamp(whole), "2025-09-26T10:30:00Z");
    }
}
