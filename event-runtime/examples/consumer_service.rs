//! A consuming service: handles `user.created` through a consumer group until Ctrl-C, then
//! shuts down gracefully.
//!
//! Run it against a local Redis (start one with `redis-server` in another terminal), then
//! publish with the `publisher_service` example:
//!
//! ```sh
//! REDIS_URL=redis://127.0.0.1:6379/0 EVENT_SUBSCRIBER_CONSUMER_GROUP=welcome-mails \
//!     cargo run -p event-runtime --example consumer_service
//! ```
//!
//! Start it twice to see two consumers share the group's work. The handler refuses accounts
//! with an id divisible by 4 twice before accepting them, to show retries; events that
//! still fail after `EVENT_SUBSCRIBER_MAX_RETRIES` attempts land in
//! `events:dlq:user.created` (`redis-cli XRANGE events:dlq:user.created - +`).

#![allow(clippy::print_stdout)]

#[path = "shared/events.rs"]
mod events;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use event_runtime::{Config, HandlerError, Subscriber};
use events::UserCreatedV2;

#[tokio::main]
async fn main() -> Result<(), event_runtime::Error> {
    // Retries, dead letters and recovered groups are logged; RUST_LOG=debug shows more.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let config = Config::from_env()?;
    let attempts: Arc<Mutex<HashMap<i64, u32>>> = Arc::default();
    let subscriber = Subscriber::builder(&config)
        .on(move |event: UserCreatedV2| {
            let attempts = attempts.clone();
            async move {
                let attempt = {
                    let mut attempts = attempts
                        .lock()
                        .map_err(|_| HandlerError::new("poisoned lock"))?;
                    let attempt = attempts.entry(event.account_id).or_insert(0);
                    *attempt += 1;
                    *attempt
                };
                if event.account_id % 4 == 0 && attempt < 3 {
                    return Err(HandlerError::new(format!(
                        "mail server busy (attempt {attempt})"
                    )));
                }
                println!(
                    "welcome mail to {} (account {}, event {}, from {})",
                    event.full_name,
                    event.account_id,
                    event.envelope.event_id,
                    event.envelope.source_service
                );
                Ok(())
            }
        })
        .build()
        .await?;
    println!(
        "consuming as `{}` in group `{}`; Ctrl-C to stop",
        subscriber.consumer_name(),
        subscriber.group()
    );

    let handle = subscriber.handle();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(10)).await;
            println!(
                "{}",
                serde_json::to_string(&handle.health().await).unwrap_or_default()
            );
        }
    });
    subscriber
        .run_until(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
