//! From a stream entry to a [`Delivery`], or the reason it must be dead-lettered; the checks
//! themselves are [`crate::wire::parse_entry`], public so that they can be fuzzed and reused.

use super::handler::Delivery;
use crate::wire::{StreamEntry, parse_entry};

/// A parsed entry, borrowed from it, plus what goes into the handler's tracing span.
#[derive(Debug)]
pub(crate) struct Incoming<'a> {
    pub(crate) delivery: Delivery<'a>,
    pub(crate) event_id: String,
    pub(crate) correlation_id: String,
}

/// Checks an entry of the stream of `event_type`.
pub(crate) fn parse<'a>(
    event_type: &'a str,
    stream: &'a str,
    entry: &'a StreamEntry,
    deliveries: u32,
    max_size: usize,
) -> Result<Incoming<'a>, String> {
    let head = parse_entry(event_type, stream, &entry.fields, max_size)
        .map_err(|error| error.message().to_owned())?;
    Ok(Incoming {
        delivery: Delivery {
            stream,
            id: &entry.id,
            event_type,
            version: head.version,
            event_data: head.event_data,
            deliveries,
        },
        event_id: head.event_id,
        correlation_id: head.correlation_id,
    })
}
