//! Publishes `parcel.shipped` events to the Redis at `REDIS_URL`:
//! `cargo run -p parcels --bin publish -- 3` publishes three.

use event_runtime::{Config, Envelope, PublishOptions, Publisher};
use parcels::events::ParcelShippedV2;

#[tokio::main]
async fn main() -> Result<(), event_runtime::Error> {
    let count: i64 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let config = Config::from_env()?;
    let publisher = Publisher::new(&config).await?;
    for parcel_id in 1..=count {
        let event = ParcelShippedV2 {
            envelope: Envelope::new(),
            parcel_id,
            carrier_name: "DHL".into(),
            service_level: "express".into(),
            label: format!("DHL #{parcel_id}"),
        };
        publisher
            .publish_with(&event, &PublishOptions::new().correlation_id("req-789"))
            .await?;
    }
    Ok(())
}
