//! Consumes `parcel.shipped` events from the Redis at `REDIS_URL` as the group
//! `shipping-notifier`, until Ctrl-C or, with a number, until that many are handled:
//! `cargo run -p parcels --bin consume -- 3`.

use std::sync::Arc;

use event_runtime::{Config, Subscriber};
use parcels::{Notifier, handlers};

#[tokio::main]
async fn main() -> Result<(), event_runtime::Error> {
    let mut config = Config::from_env()?;
    config.subscriber.consumer_group = "shipping-notifier".to_owned();
    let notifier = Arc::new(Notifier::default());
    let mut subscriber = handlers(Subscriber::builder(&config), notifier.clone());
    if let Some(count) = std::env::args().nth(1).and_then(|n| n.parse().ok()) {
        subscriber = subscriber.limit(count);
    }
    subscriber.build().await?.run_until_ctrl_c().await?;
    println!("notified {} parcels", notifier.sent().len());
    Ok(())
}
