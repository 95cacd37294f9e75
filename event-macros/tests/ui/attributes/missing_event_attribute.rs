use event_runtime::{Envelope, Event};
use serde::{Deserialize, Serialize};

/// No `#[event(...)]` at all: one error, on the struct's name.
#[derive(Debug, Serialize, Deserialize, Event)]
struct ParcelShippedV1 {
    #[serde(flatten)]
    envelope: Envelope,
}

fn main() {}
