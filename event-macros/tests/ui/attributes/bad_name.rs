use event_runtime::{Envelope, Event};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "Parcel.Shipped", version = 1)]
struct ParcelShippedV1 {
    #[serde(flatten)]
    envelope: Envelope,
}

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel_shipped", version = 1)]
struct ParcelShippedV2 {
    #[serde(flatten)]
    envelope: Envelope,
}

fn main() {}
