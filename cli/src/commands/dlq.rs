//! `events dlq list|show|requeue|purge <type>`: the dead-letter stream `events:dlq:<type>`.
//!
//! `requeue` hands a dead letter back to the group that gave up on it, and to that group only:
//! the original entry (still in `events:<type>`, same id, same `event_id`) is made pending
//! again for the group (`XCLAIM ... FORCE`), its subscribers claim it on their next claim pass
//! and run their handler, and the dead letter is deleted. Other groups of the stream see
//! nothing, and no copy is appended. A dead letter whose original entry was trimmed away
//! stays in the dead-letter stream and is reported.

use std::collections::BTreeMap;

use anyhow::bail;
use event_runtime::transport::RESPONSE_TIMEOUT;
use event_runtime::wire::{StreamEntry, provenance};
use serde::Serialize;

use super::catalogue_arg::CatalogueArg;
use super::inspect::Inspector;
use crate::Outcome;
use crate::admin::Admin;
use crate::table::{Progress, Table, print, print_json};

/// Arguments of `events dlq`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

/// What to do with the dead letters.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// List dead letters, oldest first: id, original entry, group, attempts, error.
    List {
        /// The event type, e.g. `user.created`.
        event_type: String,
        /// Most dead letters listed.
        #[arg(long, default_value_t = 50)]
        count: usize,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one dead letter: its provenance, the event as pretty JSON, and what the catalogue
    /// says of it now.
    Show {
        /// The event type.
        event_type: String,
        /// The id of the dead letter (as listed).
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        catalogue: CatalogueArg,
    },
    /// Hand dead letters back to the group that dead-lettered them (only that group) and
    /// delete them from the dead-letter stream.
    Requeue(Selection),
    /// Delete dead letters for good (with `--all`, the dead-letter stream itself).
    Purge(Selection),
}

/// The dead letters `requeue` and `purge` act on.
#[derive(Debug, clap::Args)]
pub struct Selection {
    /// The event type.
    pub event_type: String,
    /// Ids of dead letters; see `--all`.
    pub ids: Vec<String>,
    /// Every dead letter of the type.
    #[arg(long, conflicts_with = "ids")]
    pub all: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// A dead letter, as printed.
#[derive(Debug, Serialize)]
struct DeadLetter {
    id: String,
    provenance: BTreeMap<String, String>,
    event: serde_json::Value,
    /// `dlq show`: what the catalogue says of the event now (`ok`, or why a consumer would
    /// dead-letter it again).
    #[serde(skip_serializing_if = "Option::is_none")]
    catalogue: Option<String>,
}

fn dead_letter(entry: &StreamEntry) -> DeadLetter {
    let provenance = provenance::ALL
        .iter()
        .filter_map(|name| {
            entry
                .text(name)
                .map(|value| ((*name).to_owned(), value.to_owned()))
        })
        .collect();
    DeadLetter {
        id: entry.id.clone(),
        provenance,
        event: super::entries::event_json(entry),
        catalogue: None,
    }
}

fn field(letter: &DeadLetter, name: &str) -> String {
    letter
        .provenance
        .get(name)
        .cloned()
        .unwrap_or_else(|| "-".to_owned())
}

fn shorten(text: &str, most: usize) -> String {
    if text.chars().count() <= most {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(most.saturating_sub(3)).collect();
    short.push_str("...");
    short
}

/// Every dead letter of a type, or the given ones.
async fn select(
    admin: &Admin,
    key: &str,
    ids: &[String],
    all: bool,
) -> anyhow::Result<Vec<StreamEntry>> {
    if !all && ids.is_empty() {
        bail!(
            "name the dead letters to act on (ids as `events dlq list` shows them), or pass --all"
        );
    }
    if all {
        return admin.pages(key, "-", "+").all().await;
    }
    let mut entries = Vec::new();
    for id in ids {
        match admin.range(key, id, id, 1, false).await?.pop() {
            Some(entry) => entries.push(entry),
            None => bail!("{key} has no entry `{id}`"),
        }
    }
    Ok(entries)
}

#[derive(Debug, Default, Serialize)]
pub(crate) struct RequeueReport {
    requeued: Vec<String>,
    /// Dead letters whose original entry is gone from the stream (trimmed or deleted).
    original_missing: Vec<String>,
    /// Dead letters whose original entry a consumer of the group holds already.
    already_pending: Vec<String>,
    /// Dead letters that could not be requeued, with the reason.
    failed: BTreeMap<String, String>,
}

/// Requeues dead letters of the dead-letter stream `key` (see the module docs); `events ui`
/// requeues through it too.
pub(crate) async fn requeue(
    admin: &Admin,
    key: &str,
    entries: Vec<StreamEntry>,
) -> anyhow::Result<RequeueReport> {
    let mut report = RequeueReport::default();
    // (original stream, group) -> [(dead letter id, original id)]
    let mut by_group: BTreeMap<(String, String), Vec<(String, String)>> = BTreeMap::new();
    for entry in entries {
        match (
            entry.text(provenance::ORIGINAL_STREAM),
            entry.text(provenance::GROUP),
            entry.text(provenance::ORIGINAL_ID),
        ) {
            (Some(stream), Some(group), Some(original)) => by_group
                .entry((stream.to_owned(), group.to_owned()))
                .or_default()
                .push((entry.id.clone(), original.to_owned())),
            _ => {
                report.failed.insert(
                    entry.id.clone(),
                    "no provenance (original_stream, group, original_id)".to_owned(),
                );
            }
        }
    }
    let total: usize = by_group.values().map(Vec::len).sum();
    let progress = Progress::counting(total as u64, "dead letters");
    progress.update("requeue");
    let mut done = 0;
    for ((stream, group), letters) in by_group {
        for chunk in letters.chunks(500) {
            let originals: Vec<String> =
                chunk.iter().map(|(_, original)| original.clone()).collect();
            let queued = match admin.redeliver(&stream, &group, &originals).await {
                Ok(queued) => queued,
                Err(error) => {
                    for (letter, _) in chunk {
                        report.failed.insert(letter.clone(), format!("{error:#}"));
                    }
                    continue;
                }
            };
            let mut delete = Vec::new();
            for (letter, original) in chunk {
                if queued.contains(original) {
                    delete.push(letter.clone());
                    report.requeued.push(letter.clone());
                } else if admin
                    .range(&stream, original, original, 1, false)
                    .await?
                    .is_empty()
                {
                    report.original_missing.push(letter.clone());
                } else {
                    // A consumer holds it: it is handled (or dead-lettered) again anyway.
                    delete.push(letter.clone());
                    report.already_pending.push(letter.clone());
                }
            }
            admin.delete_entries(key, &delete).await?;
            done += chunk.len();
            progress.advance(chunk.len() as u64);
        }
    }
    if total > 500 {
        progress.done(&format!("requeue: {done}/{total}"));
    }
    Ok(report)
}

/// Runs the command.
pub async fn run(args: &Args) -> anyhow::Result<Outcome> {
    let admin = Admin::from_env(RESPONSE_TIMEOUT).await?;
    match &args.action {
        Action::List {
            event_type,
            count,
            json,
        } => {
            let key = admin.dead_letter_key(event_type);
            let total = admin.len(&key).await?;
            let letters: Vec<DeadLetter> = admin
                .range(&key, "-", "+", (*count).max(1), false)
                .await?
                .iter()
                .map(dead_letter)
                .collect();
            if *json {
                print_json(&letters)?;
                return Ok(Outcome::Clean);
            }
            let mut text = format!("{key}: {total} dead letters\n");
            if !letters.is_empty() {
                let mut table = Table::new(&[
                    "id",
                    "original id",
                    "group",
                    "attempts",
                    "dead-lettered at",
                    "error",
                ]);
                for letter in &letters {
                    table.row(vec![
                        letter.id.clone(),
                        field(letter, provenance::ORIGINAL_ID),
                        field(letter, provenance::GROUP),
                        field(letter, provenance::ATTEMPTS),
                        field(letter, provenance::DEAD_LETTERED_AT),
                        shorten(&field(letter, provenance::ERROR), 72),
                    ]);
                }
                text.push('\n');
                text.push_str(&table.render());
                if total > letters.len() as u64 {
                    text.push_str(&format!(
                        "... {} more (--count to list more)\n",
                        total - letters.len() as u64
                    ));
                }
            }
            print(&text)?;
        }
        Action::Show {
            event_type,
            id,
            json,
            catalogue,
        } => {
            let inspector = Inspector::new(catalogue.load()?, event_type);
            let key = admin.dead_letter_key(event_type);
            let Some(entry) = admin.range(&key, id, id, 1, false).await?.pop() else {
                bail!("{key} has no entry `{id}`");
            };
            let mut letter = dead_letter(&entry);
            let stream = letter
                .provenance
                .get(provenance::ORIGINAL_STREAM)
                .cloned()
                .unwrap_or_else(|| event_runtime::wire::stream_key(event_type));
            letter.catalogue = Some(
                inspector
                    .problem(&stream, &entry.fields)
                    .unwrap_or_else(|| "ok: the event decodes and is valid".to_owned()),
            );
            if *json {
                print_json(&letter)?;
                return Ok(Outcome::Clean);
            }
            let mut text = format!("dead letter {} in {key}\n", letter.id);
            for name in provenance::ALL {
                text.push_str(&format!("  {name:<17} {}\n", field(&letter, name)));
            }
            if let Some(verdict) = &letter.catalogue {
                text.push_str(&format!("  {:<17} {verdict}\n", "catalogue"));
            }
            text.push_str(&format!(
                "event:\n{}\n",
                serde_json::to_string_pretty(&letter.event)?
            ));
            print(&text)?;
        }
        Action::Requeue(Selection {
            event_type,
            ids,
            all,
            json,
        }) => {
            let key = admin.dead_letter_key(event_type);
            let entries = select(&admin, &key, ids, *all).await?;
            let report = requeue(&admin, &key, entries).await?;
            if *json {
                print_json(&report)?;
            } else {
                let mut text = format!(
                    "requeued {} dead letters of {event_type} to the groups that dead-lettered them; their subscribers claim them on the next claim pass\n",
                    report.requeued.len()
                );
                if !report.already_pending.is_empty() {
                    text.push_str(&format!(
                        "{} were pending in their group already (deleted from the dead-letter stream)\n",
                        report.already_pending.len()
                    ));
                }
                if !report.original_missing.is_empty() {
                    text.push_str(&format!(
                        "{} kept: their original entry is no longer in the stream (trimmed): {}\n",
                        report.original_missing.len(),
                        report.original_missing.join(", ")
                    ));
                }
                for (letter, reason) in &report.failed {
                    text.push_str(&format!("{letter} kept: {reason}\n"));
                }
                print(&text)?;
            }
            if !report.failed.is_empty() {
                return Ok(Outcome::Findings);
            }
        }
        Action::Purge(Selection {
            event_type,
            ids,
            all,
            json,
        }) => {
            let key = admin.dead_letter_key(event_type);
            let deleted = if *all {
                let count = admin.len(&key).await?;
                admin.delete_key(&key).await?;
                count
            } else {
                select(&admin, &key, ids, false).await?;
                admin.delete_entries(&key, ids).await?
            };
            if *json {
                print(&format!("{}\n", serde_json::json!({ "deleted": deleted })))?;
            } else {
                print(&format!("deleted {deleted} dead letters from {key}\n"))?;
            }
        }
    }
    Ok(Outcome::Clean)
}
