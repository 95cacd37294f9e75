use event_runtime::{Envelope, Event};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 2, previous = Self)]
struct ParcelShippedV2 {
    #[serde(flatten)]
    envelope: Envelope,
}

fn main() {}
