//! `events tail <type>`: follow new events of a stream and print them as pretty JSON, without
//! joining any consumer group (nothing is acknowledged or claimed). Each event is checked
//! against the catalogue (`--schemas`); an event a consumer would dead-letter is shown with
//! the reason.

use std::time::Duration;

use event_runtime::wire::{StreamEntry, stream_key};

use super::catalogue_arg::CatalogueArg;
use super::entries;
use super::inspect::Inspector;
use crate::Outcome;
use crate::admin::Admin;
use crate::table::print;

/// Arguments of `events tail`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The event type, e.g. `user.created`.
    pub event_type: String,
    /// Start with the last N events already in the stream.
    #[arg(long, default_value_t = 0)]
    pub last: usize,
    /// Exit after printing this many events; without it, follow until Ctrl-C.
    #[arg(long)]
    pub count: Option<usize>,
    /// One compact JSON object per line (the stream id added as `_stream_id`, and
    /// `_problem` for an event that does not decode with the catalogue).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub catalogue: CatalogueArg,
}

/// Runs the command.
pub async fn run(args: &Args) -> anyhow::Result<Outcome> {
    let inspector = Inspector::new(args.catalogue.load()?, &args.event_type);
    let key = stream_key(&args.event_type);
    let show = |entry: &StreamEntry| {
        let problem = inspector.problem(&key, &entry.fields);
        entries::render(
            &key,
            &entry.id,
            entries::event_json(entry),
            args.json,
            problem.as_deref(),
        )
    };
    let block = Duration::from_millis(1000);
    let admin = Admin::from_env(block + Duration::from_secs(5)).await?;
    let mut printed = 0usize;
    let mut last_id = "$".to_owned();
    if args.last > 0 {
        let mut recent = admin.range(&key, "-", "+", args.last, true).await?;
        recent.reverse();
        for entry in &recent {
            print(&show(entry)?)?;
            printed += 1;
        }
        if let Some(entry) = recent.last() {
            last_id.clone_from(&entry.id);
        }
    }
    if last_id == "$" {
        // Pin the position now, so nothing added between two reads is missed.
        last_id = admin
            .range(&key, "-", "+", 1, true)
            .await?
            .pop()
            .map_or_else(|| "0-0".to_owned(), |entry| entry.id);
    }
    loop {
        if args.count.is_some_and(|count| printed >= count) {
            return Ok(Outcome::Clean);
        }
        let read = tokio::select! {
            read = admin.read_after(&key, &last_id, 100, block) => read?,
            _ = tokio::signal::ctrl_c() => return Ok(Outcome::Clean),
        };
        for entry in read {
            print(&show(&entry)?)?;
            last_id.clone_from(&entry.id);
            printed += 1;
            if args.count.is_some_and(|count| printed >= count) {
                return Ok(Outcome::Clean);
            }
        }
    }
}
