use event_runtime::{Envelope, Event};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 1)]
struct ParcelShippedV1<T> {
    #[serde(flatten)]
    envelope: Envelope,
    payload: T,
}

fn main() {}
