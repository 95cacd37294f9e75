use event_runtime::{Envelope, Event};
use serde::{Deserialize, Serialize};

fn check(_: &ParcelShippedV1) -> bool {
    true
}

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 1, validate = check)]
struct ParcelShippedV1 {
    #[serde(flatten)]
    envelope: Envelope,
}

fn main() {}
