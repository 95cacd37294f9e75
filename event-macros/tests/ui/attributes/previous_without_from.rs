use event_runtime::{Envelope, Event};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 1)]
struct ParcelShippedV1 {
    #[serde(flatten)]
    envelope: Envelope,
}

/// No `From<ParcelShippedV1>`: data of version 1 could not be upgraded.
#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 2, previous = ParcelShippedV1)]
struct ParcelShippedV2 {
    #[serde(flatten)]
    envelope: Envelope,
}

fn main() {}
