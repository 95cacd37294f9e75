use event_runtime::{Envelope, Event};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 1)]
struct ParcelShippedV0 {
    #[serde(flatten)]
    envelope: Envelope,
}

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 1, previous = ParcelShippedV0)]
struct ParcelShippedV1 {
    #[serde(flatten)]
    envelope: Envelope,
}

fn main() {}
