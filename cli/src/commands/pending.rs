//! `events pending <type> --group G`: the entries a group has read and not acknowledged,
//! oldest first, with their consumer, idle time and delivery count.

use std::time::SystemTime;

use event_runtime::transport::RESPONSE_TIMEOUT;
use event_runtime::wire::{EntryId, stream_key};
use serde::Serialize;

use crate::Outcome;
use crate::admin::Admin;
use crate::table::{Table, human_duration, print, print_json};

/// Arguments of `events pending`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The event type, e.g. `user.created`.
    pub event_type: String,
    /// The consumer group.
    #[arg(long)]
    pub group: String,
    /// Most entries listed.
    #[arg(long, default_value_t = 100)]
    pub count: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    stream: String,
    group: String,
    pending: usize,
    consumers: usize,
    lag: Option<usize>,
    entries: Vec<Entry>,
}

#[derive(Debug, Serialize)]
struct Entry {
    id: String,
    consumer: String,
    idle_ms: u64,
    deliveries: u64,
    age_ms: Option<u64>,
}

/// Runs the command.
pub async fn run(args: &Args) -> anyhow::Result<Outcome> {
    let admin = Admin::from_env(RESPONSE_TIMEOUT).await?;
    let key = stream_key(&args.event_type);
    let group = admin.group(&key, &args.group).await?;
    let entries: Vec<Entry> = admin
        .pending(&key, &args.group, args.count.max(1))
        .await?
        .into_iter()
        .map(|pending| Entry {
            age_ms: pending
                .id
                .parse::<EntryId>()
                .ok()
                .map(|id| id.age_ms(SystemTime::now())),
            id: pending.id,
            consumer: pending.consumer,
            idle_ms: pending.idle_ms,
            deliveries: pending.deliveries,
        })
        .collect();
    let report = Report {
        stream: key,
        group: group.name,
        pending: group.pending,
        consumers: group.consumers,
        lag: group.lag,
        entries,
    };
    if args.json {
        print_json(&report)?;
        return Ok(Outcome::Clean);
    }
    let mut text = format!(
        "{} group `{}`: {} pending, {} consumers, lag {}\n",
        report.stream,
        report.group,
        report.pending,
        report.consumers,
        report
            .lag
            .map_or_else(|| "unknown".to_owned(), |lag| lag.to_string())
    );
    if !report.entries.is_empty() {
        let mut table = Table::new(&["id", "consumer", "idle", "deliveries", "age"]);
        for entry in &report.entries {
            table.row(vec![
                entry.id.clone(),
                entry.consumer.clone(),
                human_duration(entry.idle_ms),
                entry.deliveries.to_string(),
                entry.age_ms.map_or_else(|| "-".to_owned(), human_duration),
            ]);
        }
        text.push('\n');
        text.push_str(&table.render());
        if report.pending > report.entries.len() {
            text.push_str(&format!(
                "... {} more (--count to list more)\n",
                report.pending - report.entries.len()
            ));
        }
    }
    print(&text)?;
    Ok(Outcome::Clean)
}
