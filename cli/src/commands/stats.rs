//! `events stats`: per stream and group, length, consumers, pending, lag, the age of the
//! oldest pending entry, and dead letters.

use std::time::SystemTime;

use event_runtime::transport::RESPONSE_TIMEOUT;
use event_runtime::wire::{EntryId, event_type_of};
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
}

/// One consumer group of a stream.
#[derive(Debug, Serialize)]
pub struct GroupStats {
    pub group: String,
    pub consumers: usize,
    pub pending: usize,
    /// `null` when Redis cannot tell (after deletions or trimming in the unread range).
    pub lag: Option<usize>,
    pub last_delivered_id: String,
    /// Age of the oldest pending entry (from its id's timestamp), in milliseconds.
    pub oldest_pending_age_ms: Option<u64>,
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
        let mut groups = Vec::new();
        for group in admin.groups(key).await? {
            let oldest = if group.pending > 0 {
                admin.oldest_pending(key, &group.name).await?
            } else {
                None
            };
            groups.push(GroupStats {
                oldest_pending_age_ms: oldest
                    .and_then(|id| id.parse::<EntryId>().ok())
                    .map(|id| id.age_ms(SystemTime::now())),
                group: group.name,
                consumers: group.consumers,
                pending: group.pending,
                lag: group.lag,
                last_delivered_id: group.last_delivered_id,
            });
        }
        streams.push(StreamStats {
            stream: key.clone(),
            event_type,
            length,
            dead_letters,
            groups,
        });
    }
    if keys.len() > 20 {
        progress.done(&format!("stats: {} streams", keys.len()));
    }
    Ok(streams)
}

/// The human table: one row per group (a stream without groups has one row).
pub fn render(streams: &[StreamStats]) -> String {
    let mut table = Table::new(&[
        "stream",
        "length",
        "dead letters",
        "group",
        "consumers",
        "pending",
        "lag",
        "oldest pending",
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
            head(
                &mut table,
                vec!["-".into(), "-".into(), "-".into(), "-".into(), "-".into()],
            );
        }
        for group in &stream.groups {
            head(
                &mut table,
                vec![
                    group.group.clone(),
                    group.consumers.to_string(),
                    group.pending.to_string(),
                    group
                        .lag
                        .map_or_else(|| "?".to_owned(), |lag| lag.to_string()),
                    group
                        .oldest_pending_age_ms
                        .map_or_else(|| "-".to_owned(), human_duration),
                ],
            );
        }
    }
    if table.is_empty() {
        return "no event streams (events:<type>) in this database\n".to_owned();
    }
    table.render()
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
