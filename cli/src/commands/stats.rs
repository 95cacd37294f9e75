//! `events stats`: per stream and group, length, consumers (and how many have been idle for
//! an hour or more: processes gone without leaving the group), pending, lag, the age of the
//! oldest pending entry, dead letters, and the entries retention trimmed before the group
//! acknowledged them (the record `events:trimmed:{<stream>}` of forced trims).

use std::time::SystemTime;

use event_runtime::transport::RESPONSE_TIMEOUT;
use event_runtime::wire::{EntryId, event_type_of, trimmed_key};
use serde::Serialize;

use crate::Outcome;
use crate::admin::Admin;
use crate::table::{Progress, Table, human_duration, print, print_json};

/// Arguments of `events stats`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// One stream.
#[derive(Debug, Serialize)]
pub struct StreamStats {
    pub stream: String,
    /// The stream's event type (a partition's too); empty for a stream of no event type.
    pub event_type: String,
    pub length: u64,
    pub dead_letters: u64,
    pub groups: Vec<GroupStats>,
    /// Forced trims past the hard cap, oldest first: one per group that lost entries.
    pub forced_trims: Vec<ForcedTrim>,
}

/// Entries of one group that one forced trim removed before the group acknowledged them.
#[derive(Debug, Serialize)]
pub struct ForcedTrim {
    pub group: String,
    pub lost: u64,
    pub first_id: String,
    pub last_id: String,
    pub hard_cap: String,
    pub trimmed_at: String,
}

/// How long a consumer has not read for `stats` to count it as idle.
pub const IDLE_CONSUMER: std::time::Duration = std::time::Duration::from_secs(3600);

/// One consumer group of a stream.
#[derive(Debug, Serialize)]
pub struct GroupStats {
    pub group: String,
    pub consumers: usize,
    /// Consumers that have not read nor claimed for [`IDLE_CONSUMER`] or longer: usually
    /// processes gone without leaving the group (`events pending --prune-idle` removes them).
    pub idle_consumers: usize,
    pub pending: usize,
    /// `null` when Redis cannot tell (after deletions or trimming in the unread range).
    pub lag: Option<usize>,
    pub last_delivered_id: String,
    /// Age of the oldest pending entry (from its id's timestamp), in milliseconds.
    pub oldest_pending_age_ms: Option<u64>,
    /// Entries forced trims removed before the group acknowledged them (in the record kept).
    pub lost_to_retention: u64,
}

/// Gathers the figures of every event stream.
pub async fn collect(admin: &Admin) -> anyhow::Result<Vec<StreamStats>> {
    let keys = admin.event_streams().await?;
    let progress = Progress::counting(keys.len() as u64, "streams");
    progress.update("stats");
    let mut streams = Vec::with_capacity(keys.len());
    for key in &keys {
        progress.advance(1);
        // A partition (`events:<type>:p<k>`) has its type's dead letters.
        let event_type = event_type_of(key).unwrap_or_default().to_owned();
        let length = admin.len(key).await?;
        let dead_letters = if event_type.is_empty() {
            0
        } else {
            admin.len(&admin.dead_letter_key(&event_type)).await?
        };
        let forced_trims = forced_trims(admin, key).await?;
        let mut groups = Vec::new();
        for group in admin.groups(key).await? {
            let oldest = if group.pending > 0 {
                admin.oldest_pending(key, &group.name).await?
            } else {
                None
            };
            let lost_to_retention = forced_trims
                .iter()
                .filter(|trim| trim.group == group.name)
                .map(|trim| trim.lost)
                .sum();
            let idle_consumers = if group.consumers > 0 {
                admin
                    .consumers(key, &group.name)
                    .await?
                    .iter()
                    .filter(|consumer| u128::from(consumer.idle_ms) >= IDLE_CONSUMER.as_millis())
                    .count()
            } else {
                0
            };
            groups.push(GroupStats {
                idle_consumers,
                oldest_pending_age_ms: oldest
                    .and_then(|id| id.parse::<EntryId>().ok())
                    .map(|id| id.age_ms(SystemTime::now())),
                group: group.name,
                consumers: group.consumers,
                pending: group.pending,
                lag: group.lag,
                last_delivered_id: group.last_delivered_id,
                lost_to_retention,
            });
        }
        streams.push(StreamStats {
            stream: key.clone(),
            event_type,
            length,
            dead_letters,
            groups,
            forced_trims,
        });
    }
    if keys.len() > 20 {
        progress.done(&format!("stats: {} streams", keys.len()));
    }
    Ok(streams)
}

/// The record of forced trims of `stream`, oldest first.
async fn forced_trims(admin: &Admin, stream: &str) -> anyhow::Result<Vec<ForcedTrim>> {
    let entries = admin
        .range(&trimmed_key(stream), "-", "+", 10_000, false)
        .await?;
    Ok(entries
        .iter()
        .map(|entry| {
            let text = |name: &str| entry.text(name).unwrap_or_default().to_owned();
            ForcedTrim {
                group: text("group"),
                lost: text("lost").parse().unwrap_or_default(),
                first_id: text("first_id"),
                last_id: text("last_id"),
                hard_cap: text("hard_cap"),
                trimmed_at: text("trimmed_at"),
            }
        })
        .collect())
}

/// The human table: one row per group (a stream without groups has one row), and a line per
/// stream whose groups lost entries to forced trims.
pub fn render(streams: &[StreamStats]) -> String {
    let mut table = Table::new(&[
        "stream",
        "length",
        "dead letters",
        "group",
        "consumers",
        "idle 1h+",
        "pending",
        "lag",
        "oldest pending",
        "lost to retention",
    ]);
    for stream in streams {
        let head = |table: &mut Table, rest: Vec<String>| {
            let mut cells = vec![
                stream.stream.clone(),
                stream.length.to_string(),
                stream.dead_letters.to_string(),
            ];
            cells.extend(rest);
            table.row(cells);
        };
        if stream.groups.is_empty() {
            head(&mut table, vec!["-".into(); 7]);
        }
        for group in &stream.groups {
            head(
                &mut table,
                vec![
                    group.group.clone(),
                    group.consumers.to_string(),
                    group.idle_consumers.to_string(),
                    group.pending.to_string(),
                    group
                        .lag
                        .map_or_else(|| "?".to_owned(), |lag| lag.to_string()),
                    group
                        .oldest_pending_age_ms
                        .map_or_else(|| "-".to_owned(), human_duration),
                    group.lost_to_retention.to_string(),
                ],
            );
        }
    }
    if table.is_empty() {
        return "no event streams (events:<type>) in this database\n".to_owned();
    }
    let mut text = table.render();
    for stream in streams {
        if let Some(last) = stream.forced_trims.last() {
            let lost: u64 = stream.forced_trims.iter().map(|trim| trim.lost).sum();
            text.push_str(&format!(
                "{}: {lost} entries trimmed past the hard cap before their groups acknowledged them, last at {} ({} lost {}, ids {} to {}; {})\n",
                stream.stream,
                last.trimmed_at,
                last.group,
                last.lost,
                last.first_id,
                last.last_id,
                trimmed_key(&stream.stream)
            ));
        }
    }
    text
}

/// Runs the command.
pub async fn run(args: &Args) -> anyhow::Result<Outcome> {
    let admin = Admin::from_env(RESPONSE_TIMEOUT).await?;
    let streams = collect(&admin).await?;
    if args.json {
        print_json(&streams)?;
    } else {
        print(&render(&streams))?;
    }
    Ok(Outcome::Clean)
}
