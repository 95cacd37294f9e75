use event_runtime::{Envelope, Event};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 1)]
struct ParcelShippedV1 {
    #[serde(flatten)]
    #[event(envelope)]
    head: Envelope,
    #[serde(flatten)]
    #[event(envelope)]
    other: Envelope,
}

fn main() {}
