use event_runtime::{Envelope, Event, Registry};
use serde::{Deserialize, Serialize};

/// The only error: the name. Publishing the type, registering it and naming it as `previous`
/// add none of their own.
#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "Parcel-Shipped", version = 1)]
struct ParcelShippedV1 {
    #[serde(flatten)]
    envelope: Envelope,
}

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 2, previous = ParcelShippedV1)]
struct ParcelShippedV2 {
    #[serde(flatten)]
    envelope: Envelope,
}

impl From<ParcelShippedV1> for ParcelShippedV2 {
    fn from(v1: ParcelShippedV1) -> Self {
        Self {
            envelope: v1.envelope,
        }
    }
}

fn main() {
    let event = ParcelShippedV1 {
        envelope: Envelope::new(),
    };
    let _ = event_runtime::encode(&event);
    let _ = event.envelope().event_id;
    let _ = Registry::new()
        .with::<ParcelShippedV1>()
        .with::<ParcelShippedV2>();
}
