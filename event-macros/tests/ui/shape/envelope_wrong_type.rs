use event_runtime::Event;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 1)]
struct ParcelShippedV1 {
    #[serde(flatten)]
    envelope: std::collections::BTreeMap<String, String>,
}

fn main() {}
