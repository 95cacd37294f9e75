//! `events replay <type> --from T --to T [--group G]`: a time window of a stream, again.
//!
//! Without `--group` the events of the window are printed (read-only; no group is touched),
//! each checked against the catalogue (`--schemas`): an event a consumer would dead-letter is
//! shown with the reason.
//! With `--group G` the window is re-delivered to that group, and to that group only: its
//! entries (same ids, same `event_id`s) are made pending again for the group
//! (`XCLAIM ... FORCE`), and the group's running subscribers claim them on their next claim
//! pass and run their handler once more. Nothing is appended to the stream, so other groups,
//! the stream's length and its order are untouched. Entries a consumer of the group holds
//! already are left with it; entries the group has not read yet are left for its normal
//! reading (they are delivered anyway). Handlers must be idempotent, as for any redelivery.

use std::time::Duration;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use event_runtime::wire::{EntryId, stream_key};
use event_runtime::{HandlerError, Replayer};
use serde::Serialize;

use super::catalogue_arg::CatalogueArg;
use super::entries;
use super::inspect::Inspector;
use crate::Outcome;
use crate::admin::Admin;
use crate::table::{Progress, parse_time, print};

/// Arguments of `events replay`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The event type, e.g. `user.created`.
    pub event_type: String,
    /// Start of the window, inclusive: RFC 3339, a date, epoch milliseconds, or `-15m`.
    #[arg(long, allow_hyphen_values = true)]
    pub from: String,
    /// End of the window, inclusive (every entry of its millisecond).
    #[arg(long, default_value = "now", allow_hyphen_values = true)]
    pub to: String,
    /// Re-deliver the window to this consumer group (only) instead of printing it.
    #[arg(long)]
    pub group: Option<String>,
    /// Print one JSON object per line (events, or the re-delivery report).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub catalogue: CatalogueArg,
}

#[derive(Debug, Default, Serialize)]
struct Redelivery {
    stream: String,
    group: String,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    /// Entries in the window.
    scanned: u64,
    /// Entries made pending again for the group.
    queued: u64,
    /// Entries a consumer of the group holds already (left with it).
    already_pending: u64,
    /// Entries the group has not read yet (left for its normal reading).
    not_yet_read: u64,
}

fn millis(time: DateTime<Utc>) -> u64 {
    u64::try_from(time.timestamp_millis()).unwrap_or(0)
}

/// Runs the command.
pub async fn run(args: &Args) -> anyhow::Result<Outcome> {
    let from = parse_time(&args.from)?;
    let to = parse_time(&args.to)?;
    if from > to {
        bail!("the window starts ({from}) after it ends ({to})");
    }
    let config = crate::connect::config_from_env()?;
    let Some(group) = &args.group else {
        let inspector = Inspector::new(args.catalogue.load()?, &args.event_type);
        let replayer = Replayer::connect(&config)
            .await
            .map_err(|error| crate::connect::unreachable(&config, error))?;
        let json = args.json;
        let report = replayer
            .replay_raw(&args.event_type, from, to, |raw| {
                let problem = inspector.problem_of(raw.version, &raw.event_data);
                let printed = entries::render(
                    &raw.stream,
                    &raw.id,
                    entries::event_data_json(&raw.event_data),
                    json,
                    problem.as_deref(),
                );
                async move {
                    print(&printed.map_err(HandlerError::new)?).map_err(HandlerError::new)?;
                    Ok(true)
                }
            })
            .await?;
        Progress::new().done(&format!(
            "replay: {} events printed, {} skipped (not events of {})",
            report.handled, report.skipped, args.event_type
        ));
        return Ok(Outcome::Clean);
    };

    let admin = Admin::connect(&config, Duration::from_secs(30)).await?;
    let key = stream_key(&args.event_type);
    let last_delivered: EntryId = admin
        .group(&key, group)
        .await?
        .last_delivered_id
        .parse()
        .context("the group's last delivered id")?;
    let mut report = Redelivery {
        stream: key.clone(),
        group: group.clone(),
        from,
        to,
        ..Redelivery::default()
    };
    let progress = Progress::new();
    let mut pages = admin.pages(&key, &millis(from).to_string(), &millis(to).to_string());
    while let Some(page) = pages.next().await? {
        report.scanned += page.len() as u64;
        let (read, unread): (Vec<String>, Vec<String>) = page
            .into_iter()
            .map(|entry| entry.id)
            .partition(|id| id.parse::<EntryId>().is_ok_and(|id| id <= last_delivered));
        report.not_yet_read += unread.len() as u64;
        let queued = admin.redeliver(&key, group, &read).await?;
        report.queued += queued.len() as u64;
        report.already_pending += (read.len() - queued.len()) as u64;
        progress.update(&format!(
            "replay: {} scanned, {} queued for `{group}`",
            report.scanned, report.queued
        ));
    }
    if args.json {
        print(&format!("{}\n", serde_json::to_string(&report)?))?;
    } else {
        print(&format!(
            "re-delivering {} entries of {key} ({} to {}) to group `{group}`; its subscribers claim them on their next claim pass\n\
             {} already pending in the group (left with their consumer), {} not read by the group yet (delivered normally)\n",
            report.queued,
            from.to_rfc3339(),
            to.to_rfc3339(),
            report.already_pending,
            report.not_yet_read
        ))?;
    }
    Ok(Outcome::Clean)
}
