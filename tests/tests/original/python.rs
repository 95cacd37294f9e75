//! What the original Python services do with JSON and timestamps, written in Rust so the tests
//! can produce and check their exact formats: `json.dumps` as pydantic's `.json()` calls it,
//! `repr` of a float, and `datetime.fromisoformat` (Python 3.11) for the timestamps we write.

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use serde_json::Value;

/// `json.dumps(obj)` with its defaults (separators `", "` and `": "`), of an object whose keys
/// are in the given order, as pydantic's `.json()` writes a model: its fields in class order.
/// With `ensure_ascii` (Python's default) every character outside printable ASCII is escaped as
/// `\uXXXX`, astral ones as a surrogate pair.
pub fn dumps_object(entries: &[(String, Value)], ensure_ascii: bool) -> String {
    let mut out = String::from("{");
    for (index, (key, value)) in entries.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        string(key, ensure_ascii, &mut out);
        out.push_str(": ");
        dumps(value, ensure_ascii, &mut out);
    }
    out.push('}');
    out
}

fn dumps(value: &Value, ensure_ascii: bool, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(number) => match (number.as_i64(), number.as_u64(), number.as_f64()) {
            (Some(int), _, _) if !number.is_f64() => out.push_str(&int.to_string()),
            (_, Some(int), _) if !number.is_f64() => out.push_str(&int.to_string()),
            (_, _, Some(float)) => out.push_str(&float_repr(float)),
            _ => unreachable!("a JSON number is an integer or a float"),
        },
        Value::String(text) => string(text, ensure_ascii, out),
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                dumps(item, ensure_ascii, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let entries: Vec<(String, Value)> =
                map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            out.push_str(&dumps_object(&entries, ensure_ascii));
        }
    }
}

fn string(text: &str, ensure_ascii: bool, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            c if c < ' ' || ensure_ascii => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `repr(x)` of a finite Python float: the shortest digits that read back as `x`, positional
/// for exponents from -4 to 15 (`0.0001`, `1000000000000000.0`, always with a fraction),
/// scientific outside (`1e-05`, `1.5e+16`).
pub fn float_repr(x: f64) -> String {
    assert!(x.is_finite(), "JSON has no {x}");
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.to_owned();
    }
    // Rust's `{:e}` gives the shortest round-trip digits too: `-1.5e-5`, `1e16`.
    let scientific = format!("{x:e}");
    let (mantissa, exponent) = scientific.split_once('e').expect("has an exponent");
    let exponent: i32 = exponent.parse().expect("integer exponent");
    let sign = if mantissa.starts_with('-') { "-" } else { "" };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if (-4..16).contains(&exponent) {
        let point = exponent + 1;
        if point <= 0 {
            let zeros = "0".repeat(point.unsigned_abs() as usize);
            format!("{sign}0.{zeros}{digits}")
        } else {
            let point = point as usize;
            let whole = format!("{digits:0<point$}");
            let (whole, fraction) = whole.split_at(point);
            let fraction = if fraction.is_empty() { "0" } else { fraction };
            format!("{sign}{whole}.{fraction}")
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        format!(
            "{sign}{first}{rest}e{exponent_sign}{:02}",
            exponent.unsigned_abs()
        )
    }
}

/// A timestamp as Python 3.11's `datetime.fromisoformat` reads it, restricted to the forms
/// the two sides write: `YYYY-MM-DDTHH:MM:SS`, an optional fraction (1 to 9 digits; Python
/// keeps 6), and an optional `Z` or `+HH:MM`/`-HH:MM`. `None` for anything else, so a format
/// we start writing that Python may not read fails the tests. Returns the wall-clock time and
/// the offset in seconds (`None`: naive).
pub fn fromisoformat(text: &str) -> Option<(NaiveDateTime, Option<i32>)> {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        (!part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
    if bytes.len() < 19 || bytes[4] != b'-' || bytes[7] != b'-' || bytes[10] != b'T' {
        return None;
    }
    if bytes[13] != b':' || bytes[16] != b':' {
        return None;
    }
    let year = digits(0..4)?;
    if year == 0 {
        return None; // datetime.MINYEAR is 1
    }
    let date = NaiveDate::from_ymd_opt(year as i32, digits(5..7)?, digits(8..10)?)?;
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    let mut rest = &text[19..];
    let mut micros = 0;
    if let Some(after) = rest.strip_prefix('.') {
        let count = after.bytes().take_while(u8::is_ascii_digit).count();
        if !(1..=9).contains(&count) {
            return None;
        }
        let fraction = format!("{:0<6}", &after[..count.min(6)]);
        micros = fraction.parse().ok()?;
        rest = &after[count..];
    }
    let time = NaiveTime::from_hms_micro_opt(hour, minute, second, micros)?;
    let offset = match rest {
        "" => None,
        "Z" => Some(0),
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let bytes = rest.as_bytes();
            if rest.len() != 6 || bytes[3] != b':' {
                return None;
            }
            let (hours, minutes) = (digits_of(&rest[1..3])?, digits_of(&rest[4..6])?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            Some(sign * (hours * 3600 + minutes * 60) as i32)
        }
    };
    Some((NaiveDateTime::new(date, time), offset))
}

fn digits_of(text: &str) -> Option<u32> {
    text.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| text.parse().ok())
        .flatten()
}

/// The instant a timestamp stands for, reading a naive one as UTC (as our readers do), in
/// microseconds since the epoch: Python's precision.
pub fn instant_micros(text: &str) -> Option<i64> {
    let (wall, offset) = fromisoformat(text)?;
    let utc = match offset {
        None => wall.and_utc(),
        Some(seconds) => FixedOffset::east_opt(seconds)?
            .from_local_datetime(&wall)
            .single()?
            .with_timezone(&Utc),
    };
    Some(utc.timestamp_micros())
}

#[test]
fn float_repr_matches_python() {
    // Each right-hand side is `repr()` in CPython 3.11.
    for (value, repr) in [
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (1.0, "1.0"),
        (1.5, "1.5"),
        (-2.25, "-2.25"),
        (0.1, "0.1"),
        (123456.789, "123456.789"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (1.5e-7, "1.5e-07"),
        (1e15, "1000000000000000.0"),
        (1e16, "1e+16"),
        (1.2345e20, "1.2345e+20"),
        (-1.7976931348623157e308, "-1.7976931348623157e+308"),
        (5e-324, "5e-324"),
        (9007199254740993.0, "9007199254740992.0"),
    ] {
        assert_eq!(float_repr(value), repr, "{value:e}");
    }
}

#[test]
fn dumps_matches_python() {
    // `json.dumps({"a": "é\n🚰", "b": [1, 2.5, None, True], "c": {}})` in CPython 3.11.
    let entries = vec![
        ("a".to_owned(), Value::from("é\n🚰\u{7f}")),
        ("b".to_owned(), serde_json::json!([1, 2.5, null, true])),
        ("c".to_owned(), serde_json::json!({})),
    ];
    assert_eq!(
        dumps_object(&entries, true),
        r#"{"a": "\u00e9\n\ud83d\udeb0\u007f", "b": [1, 2.5, null, true], "c": {}}"#
    );
    assert_eq!(
        dumps_object(&entries[..1], false),
        "{\"a\": \"é\\n🚰\u{7f}\"}"
    );
}

#[test]
fn fromisoformat_reads_the_forms_both_sides_write() {
    let at = |text: &str| fromisoformat(text).map(|(wall, offset)| (wall.to_string(), offset));
    assert_eq!(
        at("2025-09-26T00:00:00"),
        Some(("2025-09-26 00:00:00".to_owned(), None))
    );
    assert_eq!(
        at("2025-09-26T10:30:00.123456"),
        Some(("2025-09-26 10:30:00.123456".to_owned(), None))
    );
    assert_eq!(
        at("2025-09-26T10:30:00.123456789Z"),
        Some(("2025-09-26 10:30:00.123456".to_owned(), Some(0)))
    );
    assert_eq!(
        at("2025-09-26T10:30:00-05:30"),
        Some(("2025-09-26 10:30:00".to_owned(), Some(-19800)))
    );
    assert_eq!(
        instant_micros("2025-09-26T12:30:00+02:00"),
        instant_micros("2025-09-26T10:30:00")
    );
    // CPython 3.11 rejects these too.
    for bad in [
        "2025-13-01T00:00:00",
        "0000-01-01T00:00:00",
        "2025-09-26T24:00:00",
        "2025-09-26T10:30:00.",
        "2025-09-26 10:30:00+02:00x",
        "2025-09-26T10:30:00+24:00",
    ] {
        assert_eq!(fromisoformat(bad), None, "{bad}");
    }
    // CPython 3.11 reads these, but neither side writes them: refused, so that a change of
    // what we write is noticed and checked by hand.
    for other in [
        "2025-09-26",
        "2025-09-26 10:30:00",
        "2025-09-26T10:30:00+0200",
        "2025-09-26T10:30:00.1234567890",
    ] {
        assert_eq!(fromisoformat(other), None, "{other}");
    }
}
