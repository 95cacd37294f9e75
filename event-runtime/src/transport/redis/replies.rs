//! Replies of redis-rs turned into the runtime's terms: stream entries with their fields in
//! the documented order, errors for replies of an unexpected shape.

use redis::Value;
use redis::streams::StreamId;

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
