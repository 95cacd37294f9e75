use event_runtime::{Envelope, Event};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 1)]
struct ParcelShippedV1 {
    #[serde(flatten)]
    envelope: Envelope,
    #[event(sensitve)]
    phone_number: String,
    #[event(encrypted)]
    address: String,
}

fn main() {}
