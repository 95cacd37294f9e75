//! Stream entries: what is stored ([`StreamEntry`]), the layout of the entry of an event
//! ([`entry_fields`]), and back from the stored fields of an entry to what decoding needs, or
//! the reason the entry must be dead-lettered ([`parse_entry`]).
//!
//! Accepts what we write (`event_id`, `event_type`, `version`, `timestamp`, `event_data`) and
//! what the original services wrote (only `event_id`, `event_data`, `timestamp`; type and
//! version inside `event_data`). Reasons never quote payload values, and quote entry fields
//! (type, version, field names) only cut to a few dozen characters, so a hostile entry cannot
//! blow up a log line or a dead letter.
//!
//! The head of `event_data` (its `event_type`, `version`, `event_id`, `correlation_id`) is
//! read here and only here, for stream entries and pub/sub messages alike ([`DataHead`]).

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::{field, format_timestamp, parse_version, strip_position, version_tag};

/// One stream entry as stored: its id and its fields, in stored order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamEntry {
    /// The entry id, `<ms>-<seq>` (see [`EntryId`](super::EntryId)).
    pub id: String,
    /// Field names and raw values.
    pub fields: Vec<(String, Vec<u8>)>,
}

impl StreamEntry {
    /// The raw value of a field.
    pub fn field(&self, name: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_slice())
    }

    /// A field as text, if present and UTF-8.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.field(name)
            .and_then(|value| std::str::from_utf8(value).ok())
    }
}

/// The fields of the stream entry of an encoded event, in the order the publisher writes
/// them: `event_id`, `event_type`, `version` (`v<N>`), `timestamp` (RFC 3339, see
/// [`format_timestamp`]) and `event_data`. Whoever writes entries of their own (a benchmark's
/// raw side, a publisher in a test) writes exactly what the runtime writes with this.
///
/// ```
/// use event_runtime::wire::entry_fields;
///
/// let at = "2025-09-26T10:30:00Z".parse()?;
/// let fields = entry_fields("user.created", 2, "e-1", at, r#"{"user_id":7}"#.to_owned());
/// assert_eq!(fields[2], ("version", "v2".to_owned()));
/// assert_eq!(fields[3], ("timestamp", "2025-09-26T10:30:00Z".to_owned()));
/// # Ok::<(), chrono::ParseError>(())
/// ```
pub fn entry_fields(
    event_type: &str,
    version: u32,
    event_id: &str,
    timestamp: DateTime<Utc>,
    event_data: String,
) -> Vec<(&'static str, String)> {
    vec![
        (field::EVENT_ID, event_id.to_owned()),
        (field::EVENT_TYPE, event_type.to_owned()),
        (field::VERSION, version_tag(version)),
        (field::TIMESTAMP, format_timestamp(timestamp)),
        (field::EVENT_DATA, event_data),
    ]
}

/// Longest piece of an entry quoted in an [`EntryError`], in characters.
const MAX_QUOTED: usize = 64;

/// The head of a stream entry, checked: see [`parse_entry`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EntryHead<'a> {
    /// The version the entry was written at.
    pub version: u32,
    /// The wire JSON, checked to be a UTF-8 JSON object within the size limit.
    pub event_data: &'a str,
    /// The event id (from the entry's fields, else from `event_data`); empty when absent.
    pub event_id: String,
    /// The correlation id from `event_data`; empty when absent.
    pub correlation_id: String,
}

/// Why a stream entry cannot be decoded. The message names what is wrong without quoting
/// payload values; it goes into dead letters and logs as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EntryError(String);

impl EntryError {
    /// The reason, e.g. ``no `version` in the entry nor in its event_data``.
    pub fn message(&self) -> &str {
        &self.0
    }
}

/// The keys of `event_data` needed before decoding, read without building the payload;
/// lenient about their types (a `version` may be `"v2"`, `"2"` or `2`).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DataHead {
    #[serde(default)]
    event_type: Option<Value>,
    #[serde(default)]
    version: Option<Value>,
    #[serde(default)]
    event_id: Option<Value>,
    #[serde(default)]
    correlation_id: Option<Value>,
}

impl DataHead {
    /// Reads the head of `event_data`, which must be a JSON object.
    pub(crate) fn read(event_data: &str) -> Result<Self, EntryError> {
        // The head alone, skipping the payload without building it; only when that fails is
        // the whole document parsed, to say why (and to read the head of an object serde
        // rejects as a struct, e.g. one with a repeated key).
        // (A struct also reads from a JSON array: only objects take the direct way.)
        let direct = if event_data.trim_start().starts_with('{') {
            serde_json::from_str::<Self>(event_data).ok()
        } else {
            None
        };
        match direct.ok_or_else(|| serde_json::from_str::<Value>(event_data)) {
            Ok(head) => Ok(head),
            Err(Err(error)) => Err(EntryError(format!(
                "event_data is not valid JSON: {} (line {}, column {})",
                strip_position(&error.to_string()),
                error.line(),
                error.column()
            ))),
            Err(Ok(Value::Object(map))) => Self::deserialize(Value::Object(map))
                .map_err(|_| EntryError("event_data has an unreadable head".to_owned())),
            Err(Ok(_)) => Err(EntryError("event_data is not a JSON object".to_owned())),
        }
    }

    /// The `version` of `event_data`: `"v2"`, `"2"` or `2`; `None` when there is none, an
    /// error when it names no version.
    pub(crate) fn version(&self) -> Result<Option<u32>, EntryError> {
        match &self.version {
            Some(Value::String(tag)) => parse_version(tag)
                .map(Some)
                .ok_or_else(|| unknown_version(tag.as_bytes())),
            Some(Value::Number(number)) => number
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| *n > 0)
                .map(Some)
                .ok_or_else(|| {
                    EntryError(format!(
                        "unknown version `{}`",
                        quote(number.to_string().as_bytes())
                    ))
                }),
            _ => Ok(None),
        }
    }
}

fn unknown_version(tag: &[u8]) -> EntryError {
    EntryError(format!(
        "unknown version `{}` (expected `v1`, `v2`, ...)",
        quote(tag)
    ))
}

/// Checks the fields of an entry of `stream`, the stream of `event_type`: an `event_data` of
/// at most `max_size` bytes that is a UTF-8 JSON object, a type that matches the stream, and a
/// known version. Decoding the payload (and upgrading it) is the next step, e.g.
/// [`Registry::decode_as`](crate::Registry::decode_as) with `head.version`.
///
/// ```
/// use event_runtime::wire::parse_entry;
///
/// let fields = vec![
///     ("version".to_owned(), b"v1".to_vec()),
///     ("event_data".to_owned(), br#"{"event_id":"e-1","user_id":7}"#.to_vec()),
/// ];
/// let head = parse_entry("user.created", "events:user.created", &fields, 1 << 20)?;
/// assert_eq!((head.version, head.event_id.as_str()), (1, "e-1"));
///
/// let garbage = vec![("event_data".to_owned(), b"{not json".to_vec())];
/// let error = parse_entry("user.created", "events:user.created", &garbage, 1 << 20).unwrap_err();
/// assert_eq!(error.message(), "event_data is not valid JSON: key must be a string (line 1, column 2)");
/// # Ok::<(), event_runtime::wire::EntryError>(())
/// ```
pub fn parse_entry<'a>(
    event_type: &str,
    stream: &str,
    fields: &'a [(String, Vec<u8>)],
    max_size: usize,
) -> Result<EntryHead<'a>, EntryError> {
    let value = |name: &str| {
        fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_slice())
    };
    let text = |name: &str| value(name).and_then(|value| std::str::from_utf8(value).ok());
    let fail = |message: String| Err(EntryError(message));

    let Some(data) = value(field::EVENT_DATA) else {
        let mut names: Vec<String> = fields
            .iter()
            .take(8)
            .map(|(name, _)| quote(name.as_bytes()))
            .collect();
        if fields.len() > names.len() {
            names.push(format!("and {} more", fields.len() - names.len()));
        }
        return fail(format!(
            "the entry has no `event_data` field (fields: {})",
            names.join(", ")
        ));
    };
    if data.len() > max_size {
        return fail(format!(
            "event_data is {} bytes, over the limit of {max_size} bytes",
            data.len()
        ));
    }
    let Ok(event_data) = std::str::from_utf8(data) else {
        return fail("event_data is not UTF-8".to_owned());
    };
    let head = DataHead::read(event_data)?;

    let written_type = match value(field::EVENT_TYPE) {
        Some(raw) => Some(raw.to_vec()),
        None => string(head.event_type.as_ref()).map(String::into_bytes),
    };
    if let Some(written_type) = written_type.filter(|written| written != event_type.as_bytes()) {
        return fail(format!(
            "event_type `{}` does not match the stream `{stream}`",
            quote(&written_type)
        ));
    }

    let version = match value(field::VERSION) {
        Some(raw) => std::str::from_utf8(raw)
            .ok()
            .and_then(parse_version)
            .ok_or_else(|| unknown_version(raw))?,
        None => head.version()?.ok_or_else(|| {
            EntryError("no `version` in the entry nor in its event_data".to_owned())
        })?,
    };

    // The entry's fields and `event_data` must not tell two stories.
    if let Some(inner) = string(head.event_type.as_ref()).filter(|inner| inner != event_type) {
        return fail(format!(
            "event_data says event_type `{}`, the entry `{event_type}`",
            quote(inner.as_bytes())
        ));
    }
    let inner_version = match &head.version {
        Some(Value::String(tag)) => Some(parse_version(tag)),
        Some(Value::Number(number)) => Some(number.as_u64().and_then(|n| u32::try_from(n).ok())),
        _ => None,
    };
    if let Some(inner) = inner_version.filter(|inner| *inner != Some(version)) {
        let shown = head
            .version
            .as_ref()
            .map(Value::to_string)
            .unwrap_or_default();
        let shown = match inner {
            Some(number) => format!("v{number}"),
            None => quote(shown.as_bytes()),
        };
        return fail(format!(
            "event_data says version {shown}, the entry v{version}"
        ));
    }

    let event_id = text(field::EVENT_ID)
        .map(str::to_owned)
        .or_else(|| string(head.event_id.as_ref()))
        .unwrap_or_default();
    Ok(EntryHead {
        version,
        event_data,
        event_id,
        correlation_id: string(head.correlation_id.as_ref()).unwrap_or_default(),
    })
}

fn string(value: Option<&Value>) -> Option<String> {
    match value {
        Some(Value::String(text)) => Some(text.clone()),
        _ => None,
    }
}

/// Text of an entry for a message: invalid UTF-8 replaced, control characters escaped, cut
/// to [`MAX_QUOTED`] characters.
fn quote(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut quoted: String = text
        .chars()
        .take(MAX_QUOTED)
        .flat_map(char::escape_debug)
        .collect();
    let length = text.chars().count();
    if length > MAX_QUOTED {
        quoted.push_str(&format!("... ({length} characters)"));
    }
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(fields: &[(&str, &str)], expected: Result<u32, &str>) {
        let fields: Vec<(String, Vec<u8>)> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.as_bytes().to_vec()))
            .collect();
        let found = parse_entry("user.created", "events:user.created", &fields, 64)
            .map(|head| head.version)
            .map_err(|error| error.message().to_owned());
        assert_eq!(found, expected.map_err(str::to_owned), "{fields:?}");
    }

    #[test]
    fn entries_parse_or_say_why_not() {
        check(&[("version", "v2"), ("event_data", "{}")], Ok(2));
        check(
            &[
                ("event_id", "x"),
                (
                    "event_data",
                    r#"{"version":"v1","event_type":"user.created"}"#,
                ),
            ],
            Ok(1),
        );
        check(&[("event_data", r#"{"version":3}"#)], Ok(3));
        check(
            &[("event_id", "x")],
            Err("the entry has no `event_data` field (fields: event_id)"),
        );
        check(
            &[("event_data", "{not json")],
            Err("event_data is not valid JSON: key must be a string (line 1, column 2)"),
        );
        check(
            &[("event_data", "[1]")],
            Err("event_data is not a JSON object"),
        );
        check(
            &[("event_data", "{}")],
            Err("no `version` in the entry nor in its event_data"),
        );
        check(
            &[("version", "v0"), ("event_data", "{}")],
            Err("unknown version `v0` (expected `v1`, `v2`, ...)"),
        );
        check(
            &[("event_data", r#"{"version":99999999999}"#)],
            Err("unknown version `99999999999`"),
        );
        check(
            &[
                ("event_type", "user.deleted"),
                ("version", "v1"),
                ("event_data", "{}"),
            ],
            Err("event_type `user.deleted` does not match the stream `events:user.created`"),
        );
        let big = format!(r#"{{"version":"v1","pad":"{}"}}"#, "x".repeat(64));
        check(
            &[("event_data", &big)],
            Err("event_data is 89 bytes, over the limit of 64 bytes"),
        );
    }

    #[test]
    fn entry_fields_and_event_data_must_agree() {
        check(
            &[
                ("event_type", "user.created"),
                ("version", "v1"),
                (
                    "event_data",
                    r#"{"event_type":"system.error","version":"v1"}"#,
                ),
            ],
            Err("event_data says event_type `system.error`, the entry `user.created`"),
        );
        check(
            &[("version", "v1"), ("event_data", r#"{"version":"v7"}"#)],
            Err("event_data says version v7, the entry v1"),
        );
        check(
            &[("version", "v2"), ("event_data", r#"{"version":"v2"}"#)],
            Ok(2),
        );
    }

    #[test]
    fn quoted_parts_of_hostile_entries_are_short_and_escaped() {
        let long_version = format!("v{}", "9".repeat(10_000));
        check(
            &[("version", &long_version), ("event_data", "{}")],
            Err(&format!(
                "unknown version `v{}... (10001 characters)` (expected `v1`, `v2`, ...)",
                "9".repeat(63)
            )),
        );
        check(
            &[("event_type", "a\nb\u{7}"), ("event_data", "{}")],
            Err(r"event_type `a\nb\u{7}` does not match the stream `events:user.created`"),
        );
        let many: Vec<(String, Vec<u8>)> = (0..20)
            .map(|index| (format!("f{index}"), Vec::new()))
            .collect();
        let error = parse_entry("t.a", "events:t.a", &many, 64).expect_err("no event_data");
        assert_eq!(
            error.message(),
            "the entry has no `event_data` field (fields: f0, f1, f2, f3, f4, f5, f6, f7, and 12 more)"
        );
        let bad_utf8 = vec![
            ("event_type".to_owned(), vec![0xff, 0xfe]),
            ("event_data".to_owned(), b"{}".to_vec()),
        ];
        let error = parse_entry("t.a", "events:t.a", &bad_utf8, 64).expect_err("bad type");
        assert_eq!(
            error.message(),
            "event_type `\u{fffd}\u{fffd}` does not match the stream `events:t.a`"
        );
    }
}
