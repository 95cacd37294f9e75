//! `events ui`: a web console for the catalogue and the running streams.
//!
//! One process serves a page (embedded files, plain JavaScript) and a JSON API over HTTP/1 on
//! loopback. It shows the catalogue as the generator's IR describes it (events, versions,
//! fields, migrations as diffs, JSON Schemas to download), the streams and consumer groups
//! of the Redis at `REDIS_URL` (length, pending, lag, consumers, dead letters, with charts of
//! the last minutes), the dead letters of a type with their provenance (requeue and purge
//! behind `--allow-writes`), and a live tail of a type. Without `REDIS_URL` (or with
//! `--demo`) it runs an in-memory demo world instead (`demo_world.rs`).
//!
//! One file per job: `server.rs` (HTTP, the order of checks, headers, logging), `routes.rs`
//! (every URL), `api.rs` (the JSON endpoints), `access.rs` (loopback, token, CSRF rules),
//! `input.rs` (every input checked), `redact.rs` (sensitive fields), `catalogue.rs` (the
//! catalogue's JSON and migration diffs), `figures.rs` (snapshots and their history),
//! `backend.rs` (Redis or the demo world), `demo_world.rs`, `assets.rs` (the embedded page).

mod access;
mod api;
mod assets;
mod backend;
mod catalogue;
mod demo_world;
mod error;
mod figures;
mod input;
mod redact;
mod routes;
mod server;

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use event_cli::schemas::Schemas;
use hyper::body::Bytes;
use tokio::sync::Notify;

use self::access::Access;
use self::backend::Backend;
use self::figures::Figures;
use super::catalogue_arg::CatalogueArg;
use super::inspect::Inspector;
use crate::Outcome;

/// Arguments of `events ui`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on. Anything but loopback needs a bearer token in EVENT_UI_TOKEN.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Allow the write actions of the page: requeue and purge dead letters.
    #[arg(long)]
    pub allow_writes: bool,
    /// Show the in-memory demo world even when REDIS_URL is set.
    #[arg(long)]
    pub demo: bool,
    /// How often the figures of streams and groups are sampled, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 2000,
          value_parser = clap::value_parser!(u64).range(100..=60_000))]
    pub sample_ms: u64,
    #[command(flatten)]
    pub catalogue: CatalogueArg,
}

/// Everything a request may need.
#[derive(Debug)]
pub struct Console {
    schemas: Schemas,
    /// `GET /api/catalogue`, built once.
    catalogue: Bytes,
    backend: Backend,
    figures: Figures,
    access: Access,
    writes: bool,
    /// Wakes the sampler early (after a write).
    resample: Notify,
    /// One per event type of the catalogue, made when first needed.
    inspectors: Mutex<BTreeMap<String, Arc<Inspector>>>,
}

impl Console {
    /// What the catalogue says of entries of `event_type`; `None` for a type it lacks.
    fn inspector(&self, event_type: &str) -> Option<Arc<Inspector>> {
        self.schemas.event(event_type)?;
        let mut inspectors = self
            .inspectors
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let inspector = inspectors
            .entry(event_type.to_owned())
            .or_insert_with(|| Arc::new(Inspector::new(self.schemas.clone(), event_type)));
        Some(Arc::clone(inspector))
    }
}

/// Runs the command until Ctrl-C.
pub async fn run(args: &Args) -> anyhow::Result<Outcome> {
    let schemas = args.catalogue.load()?;
    let token = Access::token_from_env()?;
    // Refuse an exposed address before connecting to anything.
    Access::new(token.clone(), args.listen)?;
    let backend = if args.demo || std::env::var_os("REDIS_URL").is_none() {
        note("no REDIS_URL (or --demo): starting the in-memory demo world");
        Backend::Demo(demo_world::DemoWorld::start().await?)
    } else {
        Backend::redis().await?
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let bound = listener.local_addr().context("the address listened on")?;
    let document = catalogue::document(schemas.catalogue(), &schemas.describe());
    let console = Arc::new(Console {
        catalogue: Bytes::from(serde_json::to_vec(&document)?),
        schemas,
        backend,
        figures: Figures::new(Duration::from_millis(args.sample_ms)),
        access: Access::new(token, bound)?,
        writes: args.allow_writes,
        resample: Notify::new(),
        inspectors: Mutex::default(),
    });
    // The first figures before the first page, so it never opens on nothing.
    sample(&console).await;
    let sampler = tokio::spawn(sample_forever(
        Arc::clone(&console),
        Duration::from_millis(args.sample_ms),
    ));
    announce(&console, bound)?;
    let served = server::serve(listener, Arc::clone(&console), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    sampler.abort();
    let _ = sampler.await;
    if let Ok(console) = Arc::try_unwrap(console) {
        console.backend.stop().await;
    }
    served.map(|()| Outcome::Clean)
}

/// Takes one snapshot into the figures; a failure is logged once, not at every sample, and
/// so is the recovery.
async fn sample(console: &Console) {
    match console.backend.snapshot().await {
        Ok(snapshot) => {
            if console.figures.record(snapshot) {
                server::log("sampling the streams works again");
            }
        }
        Err(error) => {
            let error = format!("{error:#}");
            if console.figures.fail(error.clone()) {
                server::log(&format!(
                    "sampling the streams failed (the pages show the last figures): {error}"
                ));
            }
            // The connection may be the one that broke; the next sample takes a new one.
            let _ = console.backend.reconnect().await;
        }
    }
}

async fn sample_forever(console: Arc<Console>, interval: Duration) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = console.resample.notified() => {}
        }
        sample(&console).await;
    }
}

/// The address on stdout (the one line a script waits for), the rest on stderr.
fn announce(console: &Console, bound: SocketAddr) -> anyhow::Result<()> {
    let backend = console.backend.describe();
    note(&format!(
        "backend: {}; writes {}{}",
        backend["location"].as_str().unwrap_or("?"),
        if console.writes {
            "allowed (--allow-writes)"
        } else {
            "off (read-only; --allow-writes to requeue and purge)"
        },
        if console.access.token_required() {
            "; API requests need the bearer token of EVENT_UI_TOKEN"
        } else {
            ""
        },
    ));
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "events ui: serving http://{bound}/ (Ctrl-C to stop)"
    )?;
    stdout.flush()?;
    Ok(())
}

fn note(line: &str) {
    super::catalogue_arg::note(line);
}
