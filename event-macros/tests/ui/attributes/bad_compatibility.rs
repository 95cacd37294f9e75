use event_runtime::{Envelope, Event};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 1, compatibility = "full")]
struct ParcelShippedV1 {
    #[serde(flatten)]
    envelope: Envelope,
}

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 2, compatibility = "SIDEWAYS")]
struct ParcelShippedV2 {
    #[serde(flatten)]
    envelope: Envelope,
}

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 3, compatibility = FULL)]
struct ParcelShippedV3 {
    #[serde(flatten)]
    envelope: Envelope,
}

fn main() {}
