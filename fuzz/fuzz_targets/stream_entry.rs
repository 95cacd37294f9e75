//! Stream entries: `event_runtime::wire::parse_entry` and the generated catalogue's registry
//! never panic on what a stream may hold, and what decodes also encodes and prints.
//!
//! Input (the format of `tests/hostile/entries/*.entry`): the first line is the event type,
//! every further line a field, `name=value`, the value raw bytes up to the end of the line.

#![no_main]

use std::sync::LazyLock;

use event_runtime::Registry;
use event_runtime::wire::{parse_entry, version_tag};
use libfuzzer_sys::fuzz_target;

static REGISTRY: LazyLock<Registry> = LazyLock::new(event_tests::events::registry);

/// The default `max_event_size` of a subscriber.
const MAX_SIZE: usize = 1024 * 1024;

fn split(data: &[u8]) -> (String, Vec<(String, Vec<u8>)>) {
    let mut lines = data.split(|byte| *byte == b'\n');
    let event_type = String::from_utf8_lossy(lines.next().unwrap_or_default())
        .trim()
        .to_owned();
    let fields = lines
        .map(|line| {
            let at = line
                .iter()
                .position(|byte| *byte == b'=')
                .unwrap_or(line.len());
            let value = line.get(at + 1..).unwrap_or_default();
            (
                String::from_utf8_lossy(&line[..at]).into_owned(),
                value.to_vec(),
            )
        })
        .collect();
    (event_type, fields)
}

fuzz_target!(|data: &[u8]| {
    let (event_type, fields) = split(data);
    let stream = format!("events:{event_type}");
    let Ok(head) = parse_entry(&event_type, &stream, &fields, MAX_SIZE) else {
        return;
    };
    let _ = REGISTRY.decode(&event_type, &version_tag(head.version), head.event_data);
    for to in REGISTRY.versions(&event_type) {
        if let Ok(event) = REGISTRY.decode_as(&event_type, head.version, head.event_data, to) {
            let _ = format!("{event:?}");
            let json = event.to_json().expect("a decoded event encodes");
            REGISTRY
                .decode_as(&event_type, to, &json, to)
                .expect("an encoded event decodes again");
        }
    }
});
