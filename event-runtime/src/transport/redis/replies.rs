//! Replies of redis-rs turned into the runtime's terms: stream entries with their fields in
//! the documented order, errors for replies of an unexpected shape. A group read's reply is
//! taken apart here in one pass ([`GroupEntries`]), its field values moved out of the reply
//! rather than copied.

use redis::streams::StreamId;
use redis::{FromRedisValue, ParsingError, Value};

use crate::error::{Error, ErrorKind};
use crate::wire::{StreamEntry, field};

/// Turns redis-rs's entry (a hash map of values) into ours.
pub(super) fn convert(entry: StreamId) -> StreamEntry {
    let mut fields: Vec<(String, Vec<u8>)> = entry
        .map
        .into_iter()
        .map(|(name, value)| (name, value_bytes(value)))
        .collect();
    fields.sort_by(|a, b| {
        field_rank(&a.0)
            .cmp(&field_rank(&b.0))
            .then_with(|| a.0.cmp(&b.0))
    });
    StreamEntry {
        id: entry.id,
        fields,
    }
}

/// redis-rs returns fields as a hash map; put the standard ones first in the documented order.
fn field_rank(name: &str) -> usize {
    field::ALL
        .iter()
        .position(|known| *known == name)
        .unwrap_or(usize::MAX)
}

/// The entries of an `XREADGROUP` reply per stream, in the order Redis sent them, each with its
/// fields as stored (`nil`, no stream had entries, is an empty list). RESP2 replies are arrays
/// of `[stream, [[id, [field, value, ...]], ...]]`, RESP3 replies a map from stream to entries.
///
/// redis-rs's `StreamReadReply` copies the whole reply before it reads it, then puts each
/// entry's fields into a hash map: reading a batch of 500 entries that way costs more than the
/// entries' handlers.
#[derive(Debug, Default)]
pub(super) struct GroupEntries(pub(super) Vec<(String, Vec<StreamEntry>)>);

impl FromRedisValue for GroupEntries {
    fn from_redis_value(value: Value) -> Result<Self, ParsingError> {
        let streams = match value {
            Value::Nil => return Ok(Self::default()),
            Value::Array(streams) => streams
                .into_iter()
                .map(|stream| match stream {
                    Value::Array(pair) => two(pair),
                    other => Err(shape("a stream of an XREADGROUP reply", &other)),
                })
                .collect::<Result<Vec<_>, _>>()?,
            Value::Map(streams) => streams,
            other => return Err(shape("an XREADGROUP reply", &other)),
        };
        streams
            .into_iter()
            .map(|(key, entries)| {
                let key = text(key)?;
                let entries = match entries {
                    Value::Array(entries) => entries
                        .into_iter()
                        .map(entry)
                        .collect::<Result<Vec<_>, _>>()?,
                    Value::Nil => Vec::new(),
                    other => return Err(shape("the entries of a stream", &other)),
                };
                Ok((key, entries))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }
}

/// One entry: `[id, [field, value, ...]]` (the fields `nil` for an entry deleted since).
fn entry(value: Value) -> Result<StreamEntry, ParsingError> {
    let Value::Array(pair) = value else {
        return Err(shape("a stream entry", &value));
    };
    let (id, fields) = two(pair)?;
    let fields = match fields {
        Value::Array(flat) => {
            let mut fields = Vec::with_capacity(flat.len() / 2);
            let mut flat = flat.into_iter();
            while let (Some(name), Some(value)) = (flat.next(), flat.next()) {
                fields.push((text(name)?, value_bytes(value)));
            }
            fields
        }
        Value::Map(pairs) => pairs
            .into_iter()
            .map(|(name, value)| Ok((text(name)?, value_bytes(value))))
            .collect::<Result<Vec<_>, ParsingError>>()?,
        Value::Nil => Vec::new(),
        other => return Err(shape("the fields of a stream entry", &other)),
    };
    Ok(StreamEntry {
        id: text(id)?,
        fields,
    })
}

fn two(pair: Vec<Value>) -> Result<(Value, Value), ParsingError> {
    let count = pair.len();
    let mut items = pair.into_iter();
    match (items.next(), items.next(), items.next()) {
        (Some(first), Some(second), None) => Ok((first, second)),
        _ => Err(ParsingError::from(format!(
            "expected a pair in an XREADGROUP reply, got {count} items"
        ))),
    }
}

fn text(value: Value) -> Result<String, ParsingError> {
    match value {
        Value::BulkString(bytes) => Ok(String::from_utf8(bytes)?),
        Value::SimpleString(text) => Ok(text),
        other => Err(shape("a name or id", &other)),
    }
}

fn shape(what: &str, got: &Value) -> ParsingError {
    let kind = match got {
        Value::Nil => "nil",
        Value::Int(_) => "an integer",
        Value::BulkString(_) | Value::SimpleString(_) | Value::VerbatimString { .. } => "a string",
        Value::Array(_) | Value::Set(_) => "an array",
        Value::Map(_) => "a map",
        _ => "another kind of value",
    };
    ParsingError::from(format!("expected {what}, got {kind}"))
}

fn value_bytes(value: Value) -> Vec<u8> {
    match value {
        Value::BulkString(bytes) => bytes,
        Value::SimpleString(text) => text.into_bytes(),
        Value::Int(number) => number.to_string().into_bytes(),
        Value::Nil => Vec::new(),
        other => format!("{other:?}").into_bytes(),
    }
}

pub(super) fn unexpected(command: &str) -> Error {
    Error::new(ErrorKind::Redis, format!("unexpected reply to {command}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(text: &str) -> Value {
        Value::BulkString(text.as_bytes().to_vec())
    }

    /// The read as text: `<stream>: <id> <field>=<value> ...; <id> ... | <stream>: ...`.
    fn check(reply: Value, expected: &str) {
        let GroupEntries(read) = GroupEntries::from_redis_value(reply).expect("a group read");
        let shown: Vec<String> = read
            .iter()
            .map(|(key, entries)| {
                let entries: Vec<String> = entries
                    .iter()
                    .map(|entry| {
                        let mut text = entry.id.clone();
                        for (name, value) in &entry.fields {
                            text.push_str(&format!(" {name}={}", String::from_utf8_lossy(value)));
                        }
                        text
                    })
                    .collect();
                format!("{key}: {}", entries.join("; "))
            })
            .collect();
        assert_eq!(shown.join(" | "), expected);
    }

    #[test]
    fn group_reads_keep_streams_entries_and_fields_in_the_order_sent() {
        let entry = |id: &str, fields: &[&str]| {
            Value::Array(vec![
                bulk(id),
                Value::Array(fields.iter().map(|text| bulk(text)).collect()),
            ])
        };
        let resp2 = Value::Array(vec![
            Value::Array(vec![
                bulk("events:b"),
                Value::Array(vec![
                    entry("1-0", &["version", "v1", "event_data", "{}", "z", "last"]),
                    entry("2-0", &["event_data", "{}"]),
                ]),
            ]),
            Value::Array(vec![bulk("events:a"), Value::Array(vec![])]),
        ]);
        check(
            resp2,
            "events:b: 1-0 version=v1 event_data={} z=last; 2-0 event_data={} | events:a: ",
        );
        let resp3 = Value::Map(vec![(
            bulk("events:a"),
            Value::Array(vec![
                entry("3-0", &["event_data", "{}"]),
                Value::Array(vec![bulk("4-0"), Value::Nil]),
            ]),
        )]);
        check(resp3, "events:a: 3-0 event_data={}; 4-0");
        check(Value::Nil, "");
    }

    #[test]
    fn replies_of_another_shape_are_errors_that_say_what_was_expected() {
        let cases = [
            (
                Value::Int(3),
                "expected an XREADGROUP reply, got an integer",
            ),
            (
                Value::Array(vec![Value::Array(vec![bulk("events:a")])]),
                "expected a pair in an XREADGROUP reply, got 1 items",
            ),
            (
                Value::Array(vec![Value::Array(vec![bulk("events:a"), bulk("x")])]),
                "expected the entries of a stream, got a string",
            ),
            (
                Value::Array(vec![Value::Array(vec![
                    bulk("events:a"),
                    Value::Array(vec![Value::Array(vec![Value::Int(1), Value::Nil])]),
                ])]),
                "expected a name or id, got an integer",
            ),
        ];
        for (reply, message) in cases {
            let error = GroupEntries::from_redis_value(reply).expect_err("refused");
            assert!(error.to_string().contains(message), "{error}");
        }
    }
}
