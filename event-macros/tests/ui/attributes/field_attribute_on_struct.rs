use event_runtime::{Envelope, Event};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 1, sensitive)]
struct ParcelShippedV1 {
    #[serde(flatten)]
    envelope: Envelope,
}

fn main() {}
