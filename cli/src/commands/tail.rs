//! `events tail <type>`: follow new events of a stream and print them as pretty JSON, without
//! joining any consumer group (nothing is acknowledged or claimed).

use std::time::Duration;

use event_runtime::transport::{StreamEntry, stream_key};

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
    /// One compact JSON object per line (the stream id added as `_stream_id`).
    #[arg(long)]
    pub json: bool,
}

/// The event of an entry as JSON: its `event_data`, or the raw fields when it has none.
pub fn event_json(entry: &StreamEntry) -> serde_json::Value {
    if let Some(data) = entry.text("event_data") {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(data) {
            return value;
        }
    }
    let fields: serde_json::Map<String, serde_json::Value> = entry
        .fields
        .iter()
        .map(|(name, value)| {
            (
                name.clone(),
                serde_json::Value::String(String::from_utf8_lossy(value).into_owned()),
            )
        })
        .collect();
    serde_json::Value::Object(fields)
}

/// One entry as printed by `tail` and `replay`.
pub fn render(stream: &str, entry: &StreamEntry, json: bool) -> anyhow::Result<String> {
    let mut event = event_json(entry);
    if json {
        if let serde_json::Value::Object(map) = &mut event {
            map.insert(
                "_stream_id".to_owned(),
                serde_json::Value::String(entry.id.clone()),
            );
        }
        Ok(format!("{}\n", serde_json::to_string(&event)?))
    } else {
        Ok(format!(
            "# {stream} {}\n{}\n",
            entry.id,
            serde_json::to_string_pretty(&event)?
        ))
    }
}

/// Runs the command.
pub async fn run(args: &Args) -> anyhow::Result<Outcome> {
    let config = super::connect::config_from_env()?;
    let block = Duration::from_millis(1000);
    let admin = Admin::connect(&config, block + Duration::from_secs(5)).await?;
    let key = stream_key(&args.event_type);
    let mut printed = 0usize;
    let mut last_id = "$".to_owned();
    if args.last > 0 {
        let mut recent = admin.range(&key, "-", "+", args.last, true).await?;
        recent.reverse();
        for entry in &recent {
            print(&render(&key, entry, args.json)?)?;
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
            print(&render(&key, &entry, args.json)?)?;
            last_id.clone_from(&entry.id);
            printed += 1;
            if args.count.is_some_and(|count| printed >= count) {
                return Ok(Outcome::Clean);
            }
        }
    }
}
