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
//! still fail after `EVENT_SUBSCRIBER_MAX_DELIVERIES` attempts land in
//! `events:dlq:user.created` (`redis-cli XRANGE events:dlq:user.created - +`).
//!
//! Metrics (see `event_runtime::observe` for the list) are served in the Prometheus text
//! format at `http://127.0.0.1:9464/metrics` (`METRICS_ADDR` to change it):
//! `curl -s 127.0.0.1:9464/metrics | grep ^events_`. Spans of handled events carry
//! `event_id`, `event_type` and `correlation_id`; `RUST_LOG=event_runtime=debug` shows them.

#![allow(clippy::print_stdout)]

#[path = "shared/events.rs"]
mod events;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use event_runtime::{Config, HandlerError, Subscriber};
use events::UserCreatedV2;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Retries, dead letters and recovered groups are logged; RUST_LOG=debug shows more.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    // The recorder goes in before the subscriber is built.
    let metrics = PrometheusBuilder::new().install_recorder()?;
    let address = std::env::var("METRICS_ADDR").unwrap_or_else(|_| "127.0.0.1:9464".to_owned());
    let listener = tokio::net::TcpListener::bind(&address).await?;
    println!("metrics at http://{address}/metrics");
    tokio::spawn(serve_metrics(listener, metrics));

    let mut config = Config::from_env()?;
    // The gauges every 5 s: a setting in code (`EVENT_SUBSCRIBER_METRICS_INTERVAL` is its
    // variable), like every other one, before the subscriber is built.
    config.subscriber.metrics_interval = Duration::from_secs(5);
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
        .await?;
    Ok(())
}

/// Answers every connection with the metrics in the Prometheus text format: enough for a
/// scraper, without an HTTP server dependency.
async fn serve_metrics(listener: tokio::net::TcpListener, metrics: PrometheusHandle) {
    loop {
        let Ok((mut socket, _)) = listener.accept().await else {
            continue;
        };
        metrics.run_upkeep();
        let body = metrics.render();
        tokio::spawn(async move {
            let mut request = [0u8; 1024];
            let _ = socket.read(&mut request).await;
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain; version=0.0.4\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        });
    }
}
