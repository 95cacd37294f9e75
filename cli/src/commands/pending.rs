//! `events pending <type> --group G`: the entries a group has read and not acknowledged,
//! oldest first, with their consumer, idle time and delivery count, and the group's consumers
//! with what each holds and how long it has been idle. `--prune-idle 1h` removes the consumers
//! idle that long that hold nothing (processes gone without leaving the group) and says what
//! to do about those that hold entries; `--dry-run` only says it.

use std::time::{Duration, SystemTime};

use anyhow::bail;

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
    /// Remove the consumers idle at least this long (`90s`, `30m`, `1h`, `2d`) that hold no
    /// entry; consumers that hold entries are kept and listed with what to do.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub prune_idle: Option<Duration>,
    /// With --prune-idle: say what would be removed, remove nothing.
    #[arg(long, requires = "prune_idle")]
    pub dry_run: bool,
}

/// `500ms`, `90s`, `30m`, `1h`, `2d`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("`{text}` has no unit: write e.g. `90s`, `30m`, `1h` or `2d`"))?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` does not start with a whole number"))?;
    let seconds = match unit {
        "ms" => return Ok(Duration::from_millis(number)),
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "unknown unit `{unit}` in `{text}`: use ms, s, m, h or d"
            ));
        }
    };
    number
        .checked_mul(seconds)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("`{text}` is too long"))
}

#[derive(Debug, Serialize)]
struct Report {
    stream: String,
    group: String,
    pending: usize,
    consumers: usize,
    lag: Option<usize>,
    entries: Vec<Entry>,
    /// Every consumer of the group.
    consumer_list: Vec<ConsumerRow>,
    /// With --prune-idle: what happened (or would happen) to each idle consumer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pruned: Option<Vec<Pruned>>,
}

#[derive(Debug, Serialize)]
struct ConsumerRow {
    name: String,
    pending: usize,
    idle_ms: u64,
}

#[derive(Debug, Serialize)]
struct Pruned {
    consumer: String,
    idle_ms: u64,
    pending: usize,
    /// `removed`, `would remove`, or `kept`.
    action: &'static str,
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
    let consumer_list: Vec<ConsumerRow> = admin
        .consumers(&key, &args.group)
        .await?
        .into_iter()
        .map(|consumer| ConsumerRow {
            name: consumer.name,
            pending: consumer.pending,
            idle_ms: consumer.idle_ms,
        })
        .collect();
    let pruned = match args.prune_idle {
        Some(idle) => Some(
            prune(
                &admin,
                &key,
                &args.group,
                &consumer_list,
                idle,
                args.dry_run,
            )
            .await?,
        ),
        None => None,
    };
    let report = Report {
        stream: key,
        group: group.name,
        pending: group.pending,
        consumers: group.consumers,
        lag: group.lag,
        entries,
        consumer_list,
        pruned,
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
    if !report.consumer_list.is_empty() {
        let mut table = Table::new(&["consumer", "pending", "idle"]);
        for consumer in &report.consumer_list {
            table.row(vec![
                consumer.name.clone(),
                consumer.pending.to_string(),
                human_duration(consumer.idle_ms),
            ]);
        }
        text.push('\n');
        text.push_str(&table.render());
    }
    for pruned in report.pruned.iter().flatten() {
        let idle = human_duration(pruned.idle_ms);
        text.push_str(&match pruned.action {
            "kept" => format!(
                "kept `{}` (idle {idle}): it holds {} pending entries, which removing it would drop; a running consumer of the group claims them once idle for its claim_min_idle, then prune again\n",
                pruned.consumer, pruned.pending
            ),
            action => format!("{action} `{}` (idle {idle}, no pending entry)\n", pruned.consumer),
        });
    }
    print(&text)?;
    Ok(Outcome::Clean)
}

/// Removes (or, `dry_run`, names) the consumers idle at least `idle` that hold nothing.
async fn prune(
    admin: &Admin,
    key: &str,
    group: &str,
    consumers: &[ConsumerRow],
    idle: Duration,
    dry_run: bool,
) -> anyhow::Result<Vec<Pruned>> {
    let mut pruned = Vec::new();
    for consumer in consumers {
        if u128::from(consumer.idle_ms) < idle.as_millis() {
            continue;
        }
        let action = match (consumer.pending, dry_run) {
            (0, true) => "would remove",
            (0, false) => {
                let dropped = admin.delete_consumer(key, group, &consumer.name).await?;
                if dropped > 0 {
                    // It read entries between XINFO and XGROUP: not dead after all.
                    bail!(
                        "consumer `{}` took {dropped} entries while being pruned; they are no longer pending for anyone: re-deliver them with `events replay --group {group}`",
                        consumer.name
                    );
                }
                "removed"
            }
            (_, _) => "kept",
        };
        pruned.push(Pruned {
            consumer: consumer.name.clone(),
            idle_ms: consumer.idle_ms,
            pending: consumer.pending,
            action,
        });
    }
    Ok(pruned)
}
