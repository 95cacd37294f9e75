//! From a stream entry to a [`RawEvent`], or the reason it must be dead-lettered.
//!
//! Accepts what we write (`event_id`, `event_type`, `version`, `timestamp`, `event_data`) and
//! what the original services wrote (only `event_id`, `event_data`, `timestamp`; type and
//! version inside `event_data`). Reasons never quote field values.

use serde::Deserialize;
use serde_json::Value;

use super::handler::RawEvent;
use crate::transport::StreamEntry;
use crate::wire::parse_version;

/// The keys of `event_data` needed before decoding; lenient about their types.
#[derive(Deserialize)]
struct Head {
    #[serde(default)]
    event_type: Option<Value>,
    #[serde(default)]
    version: Option<Value>,
    #[serde(default)]
    event_id: Option<Value>,
    #[serde(default)]
    correlation_id: Option<Value>,
}

/// A parsed entry plus what goes into the handler's tracing span.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub(crate) event: RawEvent,
    pub(crate) event_id: String,
    pub(crate) correlation_id: String,
}

/// Checks an entry of the stream of `event_type`.
pub(crate) fn parse(
    event_type: &str,
    stream: &str,
    entry: &StreamEntry,
    deliveries: u32,
    max_size: usize,
) -> Result<Incoming, String> {
    let Some(data) = entry.field("event_data") else {
        let names: Vec<&str> = entry.fields.iter().map(|(name, _)| name.as_str()).collect();
        return Err(format!(
            "the entry has no `event_data` field (fields: {})",
            names.join(", ")
        ));
    };
    if data.len() > max_size {
        return Err(format!(
            "event_data is {} bytes, over the limit of {max_size} bytes",
            data.len()
        ));
    }
    let Ok(event_data) = std::str::from_utf8(data) else {
        return Err("event_data is not UTF-8".to_owned());
    };
    let head: Head = match serde_json::from_str::<Value>(event_data) {
        Err(error) => {
            return Err(format!(
                "event_data is not valid JSON: {} (line {}, column {})",
                strip_position(&error.to_string()),
                error.line(),
                error.column()
            ));
        }
        Ok(Value::Object(map)) => Head::deserialize(Value::Object(map))
            .map_err(|_| "event_data has an unreadable head".to_owned())?,
        Ok(_) => return Err("event_data is not a JSON object".to_owned()),
    };

    let written_type = entry
        .text("event_type")
        .map(str::to_owned)
        .or_else(|| text(head.event_type.as_ref()));
    if let Some(written_type) = written_type.filter(|written| written != event_type) {
        return Err(format!(
            "event_type `{written_type}` does not match the stream `{stream}`"
        ));
    }

    let version = match entry.field("version") {
        Some(raw) => {
            let tag = String::from_utf8_lossy(raw);
            parse_version(&tag)
                .ok_or_else(|| format!("unknown version `{tag}` (expected `v1`, `v2`, ...)"))?
        }
        None => match &head.version {
            Some(Value::String(tag)) => parse_version(tag)
                .ok_or_else(|| format!("unknown version `{tag}` (expected `v1`, `v2`, ...)"))?,
            Some(Value::Number(number)) => number
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("unknown version `{number}`"))?,
            _ => return Err("no `version` in the entry nor in its event_data".to_owned()),
        },
    };

    let event_id = entry
        .text("event_id")
        .map(str::to_owned)
        .or_else(|| text(head.event_id.as_ref()))
        .unwrap_or_default();
    Ok(Incoming {
        event: RawEvent {
            stream: stream.to_owned(),
            id: entry.id.clone(),
            event_type: event_type.to_owned(),
            version,
            event_data: event_data.to_owned(),
            deliveries,
        },
        event_id,
        correlation_id: text(head.correlation_id.as_ref()).unwrap_or_default(),
    })
}

fn text(value: Option<&Value>) -> Option<String> {
    match value {
        Some(Value::String(text)) => Some(text.clone()),
        _ => None,
    }
}

fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |index| &message[..index])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(fields: &[(&str, &str)]) -> StreamEntry {
        StreamEntry {
            id: "1-0".to_owned(),
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.as_bytes().to_vec()))
                .collect(),
        }
    }

    fn check(fields: &[(&str, &str)], expected: Result<u32, &str>) {
        let found = parse("user.created", "events:user.created", &entry(fields), 1, 64)
            .map(|incoming| incoming.event.version);
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
}
