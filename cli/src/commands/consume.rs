//! `events consume <type> --group G [--count N] [--version vK]`: consume through a consumer
//! group and print each handled event as one JSON line.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use anyhow::{Context, bail};
use event_runtime::{HandlerError, RawEvent, Registry, Subscriber, SubscriberHandle};

use crate::Outcome;
use crate::catalogue::events;

/// Arguments of `events consume`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The event type, e.g. `user.created`.
    pub event_type: String,
    /// The consumer group (created on demand, reading the stream's backlog).
    #[arg(long)]
    pub group: String,
    /// Exit after this many events (acknowledged); without it, run until Ctrl-C.
    #[arg(long)]
    pub count: Option<usize>,
    /// Upgrade every event to this version (`v2`) before printing; without it, print each
    /// event as written.
    #[arg(long)]
    pub version: Option<String>,
    /// This consumer's name in the group (default: unique per process).
    #[arg(long)]
    pub consumer: Option<String>,
}

/// Turns one entry into the JSON line to print.
fn render(
    registry: &Registry,
    target: Option<u32>,
    event: &RawEvent,
) -> Result<String, HandlerError> {
    let Some(target) = target else {
        let value: serde_json::Value =
            serde_json::from_str(&event.event_data).map_err(HandlerError::permanent)?;
        return Ok(value.to_string());
    };
    let upgraded = registry
        .decode_as(&event.event_type, event.version, &event.event_data, target)
        .map_err(HandlerError::permanent)?;
    upgraded.to_json().map_err(HandlerError::permanent)
}

/// Runs the command.
pub async fn run(args: &Args) -> anyhow::Result<Outcome> {
    let registry = events::registry();
    let target = match &args.version {
        Some(tag) => {
            let number = event_runtime::wire::parse_version(tag)
                .with_context(|| format!("`{tag}` is not a version; write it as `v2`"))?;
            let known = registry.versions(&args.event_type);
            if known.is_empty() {
                bail!(
                    "`{}` is not an event type of the catalogue; known types: {}",
                    args.event_type,
                    registry.event_types().join(", ")
                );
            }
            if !known.contains(&number) {
                bail!(
                    "`{}` has no version {tag}; known: {known:?}",
                    args.event_type
                );
            }
            Some(number)
        }
        None => None,
    };
    let config = super::connect::config_from_env()?;
    let count = args.count;
    let handled = Arc::new(AtomicUsize::new(0));
    let mut builder = Subscriber::builder(&config).group(args.group.clone());
    if let Some(name) = &args.consumer {
        builder = builder.consumer_name(name.clone());
    }
    if count.is_some() {
        // Never take more entries than are still wanted: unread ones stay for others.
        builder = builder.batch_size(1).concurrency(1);
    }
    let counter = Arc::clone(&handled);
    // Set once the subscriber runs: the handler of the last wanted event stops the reader
    // before it returns, so no further entry is read (and left pending) by this consumer.
    let stopper: Arc<OnceLock<SubscriberHandle>> = Arc::default();
    let handler_stopper = Arc::clone(&stopper);
    let subscriber = builder
        .on_raw(args.event_type.clone(), move |event: RawEvent| {
            let line = render(&registry, target, &event);
            let counter = Arc::clone(&counter);
            let stopper = Arc::clone(&handler_stopper);
            async move {
                let line = line?;
                let mut stdout = std::io::stdout().lock();
                writeln!(stdout, "{line}").map_err(HandlerError::new)?;
                stdout.flush().map_err(HandlerError::new)?;
                let handled = counter.fetch_add(1, Ordering::SeqCst) + 1;
                if count.is_some_and(|count| handled >= count) {
                    if let Some(handle) = stopper.get() {
                        handle.shutdown();
                    }
                }
                Ok(())
            }
        })
        .build()
        .await
        .map_err(|error| super::connect::unreachable(&config, error))?;
    let _ = stopper.set(subscriber.handle());
    let running = subscriber.spawn();
    let handle = running.handle();
    let watcher = tokio::spawn(async move {
        loop {
            if count.is_some_and(|count| handled.load(Ordering::SeqCst) >= count) {
                break;
            }
            tokio::select! {
                _ = tokio::signal::ctrl_c() => break,
                () = tokio::time::sleep(std::time::Duration::from_millis(20)) => {}
            }
        }
        handle.shutdown();
    });
    running
        .join()
        .await
        .context("the consumer stopped with an error")?;
    watcher.abort();
    Ok(Outcome::Clean)
}
