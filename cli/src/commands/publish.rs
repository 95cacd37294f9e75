//! `events publish <type> [--version vN] [--data JSON]`: publish events given as JSON, one
//! with `--data` or one per line on stdin, to feed a consumer by hand.
//!
//! Each event is what a service of the catalogue (`--schemas`) would publish: its envelope
//! filled as the runtime's `Publisher` fills it (a new UUIDv7 `event_id` and the current
//! `timestamp` unless given, `source_service` from `EVENT_SERVICE_NAME` unless given; every
//! field given is kept), checked against its version's schema, encoded as the generated code
//! encodes it, and written by the runtime's `Publisher` (`publish_encoded`): the same stream
//! entry, pub/sub message, partition and cluster rules as a service's publish. A line that
//! fails is reported with its number and reason, and nothing of it is written; the others
//! are published. `--dry-run` prints the wire JSON of each event instead of writing it.

use std::io::BufRead;

use anyhow::Context;
use chrono::Utc;
use event_cli::schemas::Schemas;
use event_runtime::{EncodedEvent, ErrorKind, EventId, Publisher};
use serde::Serialize;
use serde_json::Value;

use super::catalogue_arg::{CatalogueArg, note, require_type, require_version};
use crate::Outcome;
use crate::table::{Progress, print};

/// Arguments of `events publish`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The event type, e.g. `user.created`.
    pub event_type: String,
    /// The version the events are written at (`v2`) [default: each event's own `version`, else
    /// the newest]
    #[arg(long)]
    pub version: Option<String>,
    /// One event as a JSON object; without it, JSON objects are read from stdin, one per line.
    #[arg(long, value_name = "JSON")]
    pub data: Option<String>,
    /// Check the events and print the wire JSON of each instead of writing it.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub catalogue: CatalogueArg,
}

/// What is printed for each event published.
#[derive(Serialize)]
struct Receipt<'a> {
    stream: &'a str,
    id: &'a str,
    event_id: EventId,
    version: String,
}

/// The keys of an input line needed before decoding it.
struct Head {
    event_type: Option<Value>,
    version: Option<Value>,
}

/// Publishes (or, dry, prints) events one by one and counts them.
struct Feeder<'a> {
    schemas: &'a Schemas,
    event_type: &'a str,
    /// `--version`.
    forced: Option<u32>,
    /// `EVENT_SERVICE_NAME`: the `source_service` of events that give none.
    service_name: String,
    /// `None` for `--dry-run`.
    publisher: Option<Publisher>,
    published: u64,
    rejected: u64,
    /// Shown while a stream of lines is read (a big file), on a terminal only.
    progress: Option<Progress>,
}

impl Feeder<'_> {
    /// One input: published, printed, or rejected (said on stderr). `Err` only when
    /// publishing cannot go on (Redis unreachable).
    async fn feed(&mut self, place: &str, text: &str) -> anyhow::Result<()> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(());
        }
        let event = match self.prepare(text) {
            Ok(event) => event,
            Err(reason) => {
                self.reject(place, &reason);
                return Ok(());
            }
        };
        let Some(publisher) = &self.publisher else {
            self.output(&format!("{}\n", event.event_data))?;
            self.published += 1;
            return Ok(());
        };
        match publisher.publish_encoded(&event).await {
            Ok(receipt) => {
                let line = Receipt {
                    stream: &receipt.stream,
                    id: &receipt.stream_id,
                    event_id: receipt.event_id.clone(),
                    version: format!("v{}", event.version),
                };
                let line = format!("{}\n", serde_json::to_string(&line)?);
                self.output(&line)?;
                self.published += 1;
                Ok(())
            }
            Err(error) if matches!(error.kind(), ErrorKind::Invalid | ErrorKind::TooLarge) => {
                self.reject(place, &error.to_string());
                Ok(())
            }
            Err(error) => Err(anyhow::Error::new(error).context(format!(
                "publishing {place} ({} published before it)",
                self.published
            ))),
        }
    }

    fn reject(&mut self, place: &str, reason: &str) {
        self.rejected += 1;
        let line = format!("{place}: rejected, nothing written: {reason}");
        match &self.progress {
            Some(progress) => progress.suspend(|| note(&line)),
            None => note(&line),
        }
    }

    /// Prints one line of output (a receipt, or the wire JSON of a dry run).
    fn output(&self, text: &str) -> anyhow::Result<()> {
        match &self.progress {
            Some(progress) => progress.suspend(|| print(text)),
            None => print(text),
        }
    }

    /// Shows the counts so far on the progress line.
    fn show_progress(&self) {
        if let Some(progress) = &self.progress {
            progress.update(&format!(
                "publish: {} {}, {} rejected",
                self.published,
                if self.publisher.is_some() {
                    "published"
                } else {
                    "valid"
                },
                self.rejected
            ));
        }
    }

    /// The event of one input, checked and encoded, or why not.
    fn prepare(&self, text: &str) -> Result<EncodedEvent, String> {
        let object: serde_json::Map<String, Value> =
            serde_json::from_str(text).map_err(|error| {
                if error.is_data() {
                    "not a JSON object".to_owned()
                } else {
                    format!("not JSON: {error}")
                }
            })?;
        let head = Head {
            event_type: object.get("event_type").cloned(),
            version: object.get("version").cloned(),
        };
        if let Some(given) = head.event_type {
            if given.as_str() != Some(self.event_type) {
                return Err(format!(
                    "its `event_type` is {given}, but this publishes `{}`",
                    self.event_type
                ));
            }
        }
        let written = match &head.version {
            None => None,
            Some(Value::String(tag)) => event_runtime::wire::parse_version(tag),
            Some(Value::Number(number)) => number
                .as_u64()
                .and_then(|number| u32::try_from(number).ok())
                .filter(|number| *number > 0),
            Some(_) => None,
        };
        if let (Some(given), None) = (&head.version, written) {
            return Err(format!(
                "its `version` {given} is not a version such as \"v2\""
            ));
        }
        let version = match (self.forced, written) {
            (Some(forced), Some(written)) if forced != written => {
                return Err(format!(
                    "its `version` is v{written}, but --version says v{forced}"
                ));
            }
            (Some(version), _) | (None, Some(version)) => version,
            (None, None) => self.schemas.latest_version(self.event_type).unwrap_or(1),
        };
        let mut event = self
            .schemas
            .decode_new(self.event_type, version, text, EventId::new(), Utc::now())
            .map_err(|error| error.to_string())?;
        // As the runtime's publisher: `source_service` when the event leaves it empty.
        let envelope = event.envelope_mut();
        if envelope.source_service.is_empty() && !self.service_name.is_empty() {
            envelope.source_service.clone_from(&self.service_name);
        }
        Ok(EncodedEvent {
            event_type: self.event_type.to_owned(),
            version,
            event_id: event.envelope().event_id.clone(),
            timestamp: event.envelope().timestamp,
            event_data: event.to_json(),
        })
    }
}

/// Runs the command.
pub async fn run(args: &Args) -> anyhow::Result<Outcome> {
    let schemas = args.catalogue.load()?;
    require_type(&schemas, &args.event_type)?;
    let forced = args
        .version
        .as_deref()
        .map(|tag| require_version(&schemas, &args.event_type, tag))
        .transpose()?;
    let config = crate::connect::config_from_env()?;
    let publisher = if args.dry_run {
        None
    } else {
        Some(
            Publisher::new(&config)
                .await
                .map_err(|error| crate::connect::unreachable(&config, error))?,
        )
    };
    let mut feeder = Feeder {
        schemas: &schemas,
        event_type: &args.event_type,
        forced,
        service_name: config.service_name.clone(),
        publisher,
        published: 0,
        rejected: 0,
        progress: None,
    };
    match &args.data {
        Some(data) => feeder.feed("--data", data).await?,
        None => {
            if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                note("publish: reading events from stdin, one JSON object per line (Ctrl-D ends)");
            } else {
                feeder.progress = Some(Progress::new());
            }
            // Lines are read on a thread of their own, so that typing by hand works too.
            let (lines, mut incoming) = tokio::sync::mpsc::channel::<std::io::Result<String>>(64);
            std::thread::spawn(move || {
                for line in std::io::stdin().lock().lines() {
                    if lines.blocking_send(line).is_err() {
                        break;
                    }
                }
            });
            let mut number = 0usize;
            while let Some(line) = incoming.recv().await {
                number += 1;
                let line = line.context("cannot read stdin")?;
                feeder.feed(&format!("line {number}"), &line).await?;
                feeder.show_progress();
            }
            // The summary below says it all: the progress line only goes away.
            drop(feeder.progress.take());
        }
    }
    let (published, rejected) = (feeder.published, feeder.rejected);
    note(&if args.dry_run {
        format!("publish --dry-run: {published} valid, {rejected} rejected; nothing was written")
    } else {
        format!(
            "publish: {published} published ({}), {rejected} rejected",
            args.event_type
        )
    });
    Ok(if rejected > 0 {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}
