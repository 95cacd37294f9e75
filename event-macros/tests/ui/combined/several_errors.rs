use event_runtime::Event;
use serde::{Deserialize, Serialize};

/// Every problem of this struct is reported in one compile, each at its own token.
#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "ParcelShipped", verison = 2, previous = Self)]
#[event(name = "parcel.shipped")]
struct ParcelShippedV2 {
    #[event(secret)]
    phone_number: String,
    version: String,
}

fn main() {}
