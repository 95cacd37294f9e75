//! A publishing service: writes a few `user.created` events, v1 and v2, to Redis Streams.
//!
//! Run it against a local Redis (start one with `redis-server` in another terminal):
//!
//! ```sh
//! REDIS_URL=redis://127.0.0.1:6379/0 EVENT_SERVICE_NAME=users \
//!     cargo run -p event-runtime --example publisher_service
//! ```
//!
//! Then run `consumer_service` to consume them, or look at them with
//! `redis-cli XRANGE events:user.created - +`. Every setting of `Config::from_env` can be
//! given as an environment variable (see the `event_runtime::config` docs).

#![allow(clippy::print_stdout)]

#[path = "shared/events.rs"]
mod events;

use event_runtime::{Config, Envelope, PublishOptions, Publisher};
use events::{UserCreatedV1, UserCreatedV2};

#[tokio::main]
async fn main() -> Result<(), event_runtime::Error> {
    // Retries, dead letters and recovered groups are logged; RUST_LOG=debug shows more.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let config = Config::from_env()?;
    let publisher = Publisher::new(&config).await?;
    println!(
        "{}",
        serde_json::to_string(&publisher.health().await).unwrap_or_default()
    );

    // One event, with a correlation id tying it to the request that caused it.
    let ada = UserCreatedV2 {
        envelope: Envelope::new(),
        account_id: 1,
        first_name: "Ada".to_owned(),
        last_name: Some("Lovelace".to_owned()),
        full_name: "Ada Lovelace".to_owned(),
        permissions: vec!["requests:create".to_owned()],
    };
    let receipt = publisher
        .publish_with(
            &ada,
            &PublishOptions::new().correlation_id("req-789").user_id(1),
        )
        .await?;
    println!(
        "published {} as {} in {}",
        receipt.event_id, receipt.stream_id, receipt.stream
    );

    // An older publisher's v1 events, in one pipelined batch; v2 consumers get them upgraded.
    let batch: Vec<UserCreatedV1> = (2..=4)
        .map(|account_id| UserCreatedV1 {
            envelope: Envelope::new(),
            account_id,
            first_name: format!("User {account_id}"),
            last_name: None,
        })
        .collect();
    for receipt in publisher.publish_batch(&batch).await? {
        println!("published {} as {}", receipt.event_id, receipt.stream_id);
    }
    Ok(())
}
