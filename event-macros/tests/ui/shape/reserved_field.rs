use event_runtime::{Envelope, Event};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 1)]
struct ParcelShippedV1 {
    #[serde(flatten)]
    envelope: Envelope,
    user_id: i64,
    #[serde(rename = "timestamp")]
    shipped_at: String,
}

fn main() {}
