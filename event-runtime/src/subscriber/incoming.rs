//! From a stream entry to a [`RawEvent`], or the reason it must be dead-lettered; the checks
//! themselves are [`crate::wire::parse_entry`], public so that they can be fuzzed and reused.

use super::handler::RawEvent;
use crate::wire::{StreamEntry, parse_entry};

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
    let head = parse_entry(event_type, stream, &entry.fields, max_size)
        .map_err(|error| error.message().to_owned())?;
    Ok(Incoming {
        event: RawEvent {
            stream: stream.to_owned(),
            id: entry.id.clone(),
            event_type: event_type.to_owned(),
            version: head.version,
            event_data: head.event_data.to_owned(),
            deliveries,
        },
        event_id: head.event_id,
        correlation_id: head.correlation_id,
    })
}
