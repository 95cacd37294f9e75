//! `events consume <type> --group G [--count N] [--version vK] [--raw]`: consume through a
//! consumer group and print each event as one JSON line.
//!
//! Every entry is checked against the catalogue (`--schemas`) as a service's consumer would
//! check it: decoded at the version it was written at, validated, and upgraded to `--version`
//! when one is given. An entry that fails is dead-lettered with the reason, as the runtime
//! does, and said on stderr; `--raw` prints entries as written, unchecked. `--count N` stops
//! once N entries are settled, printed or dead-lettered (also those the runtime dead-letters
//! before any check, such as an entry without `event_data`), and reads at most N entries,
//! in batches of what is still wanted. The subscriber runs on one thread, so that the lines
//! come out in stream order.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use anyhow::{Context, bail};
use event_cli::schemas::{DecodeError, Schemas};
use event_runtime::{HandlerError, RawEvent, Subscriber};

use super::catalogue_arg::{CatalogueArg, note, require_type, require_version};
use crate::Outcome;

/// Most entries read at once when `--count` allows more.
const MOST_PER_READ: usize = 100;

/// Arguments of `events consume`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The event type, e.g. `user.created`.
    pub event_type: String,
    /// The consumer group (created on demand, reading the stream's backlog).
    #[arg(long)]
    pub group: String,
    /// Take at most this many entries and exit once each is settled (printed, or
    /// dead-lettered); without it, run until Ctrl-C.
    #[arg(long)]
    pub count: Option<usize>,
    /// Upgrade every event to this version (`v2`) before printing; without it, print each
    /// event at the version it was written at.
    #[arg(long)]
    pub version: Option<String>,
    /// Print entries' event data as written, without checking them against the catalogue.
    #[arg(long, conflicts_with = "version")]
    pub raw: bool,
    /// This consumer's name in the group (default: unique per process).
    #[arg(long)]
    pub consumer: Option<String>,
    #[command(flatten)]
    pub catalogue: CatalogueArg,
}

/// How each entry becomes a line.
enum Check {
    /// `--raw`: as written.
    Raw,
    /// Decoded, validated, and upgraded to `target` when set.
    Schema {
        schemas: Box<Schemas>,
        target: Option<u32>,
    },
}

impl Check {
    /// The line to print, or why the entry is dead-lettered.
    fn line(&self, event: &RawEvent) -> Result<String, String> {
        let Check::Schema { schemas, target } = self else {
            return Ok(event.event_data.clone());
        };
        let target = target.unwrap_or(event.version);
        schemas
            .decode_as(&event.event_type, event.version, &event.event_data, target)
            .map(|decoded| decoded.to_json())
            .map_err(|error| format!("cannot decode as {} v{target}: {error}", event.event_type))
    }
}

/// Refuses a `--version` that older events can only reach through a Rust function of the
/// service (`migrate_with`, `migrate: { with: ... }`): the interpreter cannot run it, and the
/// events are fine, so they must not be dead-lettered for it.
fn check_reachable(schemas: &Schemas, event_type: &str, target: u32) -> anyhow::Result<()> {
    let Some(event) = schemas.event(event_type) else {
        return Ok(());
    };
    for version in event
        .versions
        .iter()
        .filter(|v| v.number > 1 && v.number <= target)
    {
        if let Some(function) = migration_function(version) {
            let error = DecodeError::VersionFunction {
                event_type: event_type.to_owned(),
                version: version.number,
                previous: version.number - 1,
                function,
            };
            bail!(
                "cannot upgrade to v{target} here: {error}\n\
                 hint: consume with --version v{} or lower, or without --version",
                version.number - 1
            );
        }
    }
    Ok(())
}

/// The Rust function a version's migration calls, if any.
fn migration_function(version: &event_codegen::ir::VersionDef) -> Option<String> {
    use event_codegen::ir::{FieldSource, Migration};
    match version.migration.as_ref()? {
        Migration::Function { path, .. } => Some(path.clone()),
        Migration::Fields(sources) => sources.iter().find_map(|source| match &source.source {
            FieldSource::Function(path) => Some(path.clone()),
            _ => None,
        }),
    }
}

/// Runs the command.
pub async fn run(args: &Args) -> anyhow::Result<Outcome> {
    let check = if args.raw {
        Check::Raw
    } else {
        let schemas = args.catalogue.load()?;
        require_type(&schemas, &args.event_type)?;
        let target = match &args.version {
            Some(tag) => {
                let target = require_version(&schemas, &args.event_type, tag)?;
                check_reachable(&schemas, &args.event_type, target)?;
                Some(target)
            }
            None => None,
        };
        Check::Schema {
            schemas: Box::new(schemas),
            target,
        }
    };
    let mut config = crate::connect::config_from_env()?;
    config.subscriber.consumer_group = args.group.clone();
    if let Some(name) = &args.consumer {
        config.subscriber.consumer_name = Some(name.clone());
    }
    if let Some(count) = args.count {
        if count == 0 {
            bail!("--count must be at least 1");
        }
        // Never take more entries than are wanted: unread ones stay for the group.
        let per_read = count.min(MOST_PER_READ);
        config.subscriber.batch_size = per_read;
        config.subscriber.concurrency = per_read;
    }
    let mut builder = Subscriber::builder(&config);
    if let Some(count) = args.count {
        builder = builder.limit(count);
    }
    let printed = Arc::new(AtomicU64::new(0));
    let rejected = Arc::new(AtomicU64::new(0));
    let (handler_printed, handler_rejected) = (Arc::clone(&printed), Arc::clone(&rejected));
    let check = Arc::new(check);
    let subscriber = builder
        .on_raw(args.event_type.clone(), move |event: RawEvent| {
            // Checked and printed before the first await: handlers start in the order the
            // entries were read, on one thread, so lines come out in stream order.
            let outcome = match check.line(&event) {
                Ok(line) => {
                    let mut stdout = std::io::stdout().lock();
                    writeln!(stdout, "{line}")
                        .and_then(|()| stdout.flush())
                        .map(|()| {
                            handler_printed.fetch_add(1, Ordering::SeqCst);
                        })
                        .map_err(HandlerError::new)
                }
                Err(reason) => {
                    handler_rejected.fetch_add(1, Ordering::SeqCst);
                    note(&format!(
                        "dead-lettered {} {}: {reason}",
                        event.stream, event.id
                    ));
                    Err(HandlerError::permanent(reason))
                }
            };
            std::future::ready(outcome)
        })
        .build()
        .await
        .map_err(|error| crate::connect::unreachable(&config, error))?;
    let running = subscriber.spawn();
    let handle = running.handle();
    let interrupted = Arc::new(AtomicBool::new(false));
    let watcher = tokio::spawn({
        let interrupted = Arc::clone(&interrupted);
        async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                interrupted.store(true, Ordering::SeqCst);
                handle.shutdown();
            }
        }
    });
    running
        .join()
        .await
        .context("the consumer stopped with an error")?;
    watcher.abort();
    let printed = printed.load(Ordering::SeqCst);
    let rejected = rejected.load(Ordering::SeqCst);
    let mut summary = format!("consume: {printed} printed, {rejected} dead-lettered as invalid");
    if let (Some(count), false) = (args.count, interrupted.load(Ordering::SeqCst)) {
        // All `count` entries are settled: the rest were dead-lettered before any check.
        let unreadable = (count as u64).saturating_sub(printed + rejected);
        if unreadable > 0 {
            summary.push_str(&format!(
                ", {unreadable} dead-lettered as unreadable (see `events dlq list {}`)",
                args.event_type
            ));
        }
    }
    note(&summary);
    Ok(Outcome::Clean)
}
