use event_runtime::{Envelope, Event};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 0)]
struct Zero {
    #[serde(flatten)]
    envelope: Envelope,
}

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = -1)]
struct Negative {
    #[serde(flatten)]
    envelope: Envelope,
}

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = "v2")]
struct Text {
    #[serde(flatten)]
    envelope: Envelope,
}

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 1.5)]
struct Fraction {
    #[serde(flatten)]
    envelope: Envelope,
}

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 99999999999)]
struct TooLarge {
    #[serde(flatten)]
    envelope: Envelope,
}

fn main() {}
