use event_runtime::{Envelope, Event};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 1)]
struct ParcelShippedV1 {
    #[serde(flatten)]
    envelope: Envelope,
}

/// Skips version 2: the chain must step down one version at a time.
#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 3, previous = ParcelShippedV1)]
struct ParcelShippedV3 {
    #[serde(flatten)]
    envelope: Envelope,
}

impl From<ParcelShippedV1> for ParcelShippedV3 {
    fn from(v1: ParcelShippedV1) -> Self {
        Self {
            envelope: v1.envelope,
        }
    }
}

fn main() {}
