use event_runtime::Event;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 1)]
struct ParcelShippedV1 {
    parcel_id: i64,
}

fn main() {}
