use event_runtime::{Envelope, Event};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 1)]
struct ParcelShippedV1 {
    #[serde(flatten)]
    #[event(sensitive)]
    envelope: Envelope,
    #[event(sensitive = true)]
    phone_number: String,
    #[event(sensitive, sensitive)]
    address: String,
    #[event(name = "parcel.address")]
    city: String,
}

fn main() {}
