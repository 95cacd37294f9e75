use event_runtime::{Envelope, Event};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(nmae = "parcel.shipped", version = 1, colour = "red")]
struct ParcelShippedV1 {
    #[serde(flatten)]
    envelope: Envelope,
}

fn main() {}
