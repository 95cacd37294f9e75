use event_runtime::{Envelope, Event};
use serde::{Deserialize, Serialize};

fn check(_: &ParcelShippedV1) -> Result<(), event_runtime::ValidationError> {
    Ok(())
}

#[derive(Debug, Serialize, Deserialize, Event)]
#[event(name = parcel.shipped, version, validate = "check", description = 3)]
struct ParcelShippedV1 {
    #[serde(flatten)]
    envelope: Envelope,
}

fn main() {}
