//! `events`: check, generate, lint and export event schemas; run and operate event streams.

mod admin;
mod commands;
mod connect;
mod table;

use event_cli::catalogue;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Schema-first events: check and generate schemas, run and operate event streams.
#[derive(Debug, Parser)]
#[command(name = "events", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate schemas and print every problem found (exit 1 on errors).
    Check(commands::check::Args),
    /// Print the Rust code generated from the schemas.
    Generate(commands::generate::Args),
    /// Record the released state of the schemas in DIR/events.lock.json.
    Lock(commands::lock::Args),
    /// Check schema changes for compatibility against the lockfile, a git ref or a directory.
    Lint(commands::lint::Args),
    /// Export JSON Schema, AsyncAPI or Markdown documents of the schemas.
    Export(commands::export::Args),
    /// Publish and consume example events end to end: on Redis at REDIS_URL, else on the
    /// in-memory broker.
    Demo(commands::demo::Args),
    /// Publish events given as JSON (--data, or one per line on stdin), checked against the
    /// catalogue (exit 1 if any is rejected).
    Publish(commands::publish::Args),
    /// Print live pub/sub messages of event types as JSON lines (stored nowhere, acknowledged
    /// by no one).
    Listen(commands::listen::Args),
    /// Consume an event type through a consumer group, checking each event against the
    /// catalogue and printing it as a JSON line (invalid ones are dead-lettered).
    Consume(commands::consume::Args),
    /// Per stream and group: length, consumers, pending, lag, oldest pending, dead letters.
    Stats(commands::stats::Args),
    /// The running fleet per event type, as it registered itself in Redis: producers and
    /// versions, consumer groups with the newest version they read and their lag,
    /// fingerprints that disagree (exit 1), stale instances.
    Registry(commands::registry::Args),
    /// Follow new events of a type as pretty JSON, with what the catalogue finds wrong (joins
    /// no group).
    Tail(commands::tail::Args),
    /// List, show, requeue or purge dead letters of a type.
    Dlq(commands::dlq::Args),
    /// Print a time window of a stream, or re-deliver it to one consumer group.
    Replay(commands::replay::Args),
    /// List the entries a consumer group has read and not acknowledged.
    Pending(commands::pending::Args),
    /// A web console: the catalogue, streams and groups with live charts, dead letters
    /// (requeue and purge with --allow-writes), a live tail; on REDIS_URL, else in memory.
    Ui(commands::ui::Args),
    /// Throughput and latency of the runtime next to raw redis-rs, on REDIS_URL or a
    /// redis-server of its own (build with --release).
    Bench(commands::bench::Args),
}

/// Exit codes: success, findings (schema errors), and usage or I/O problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything is fine.
    Clean,
    /// The input has problems (schema errors).
    Findings,
}

/// Runs an async command on a multi-threaded tokio runtime.
fn block_on(command: impl Future<Output = anyhow::Result<Outcome>>) -> anyhow::Result<Outcome> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| anyhow::anyhow!("cannot start the async runtime: {error}"))?
        .block_on(command)
}

/// Runs an async command on one thread: tasks start in the order they were spawned (the
/// consumer's handlers, so its lines come out in stream order).
fn block_on_one_thread(
    command: impl Future<Output = anyhow::Result<Outcome>>,
) -> anyhow::Result<Outcome> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| anyhow::anyhow!("cannot start the async runtime: {error}"))?
        .block_on(command)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => commands::check::run(&args),
        Command::Generate(args) => commands::generate::run(&args),
        Command::Lock(args) => commands::lock::run(&args),
        Command::Lint(args) => commands::lint::run(&args),
        Command::Export(args) => commands::export::run(&args),
        Command::Demo(args) => block_on(commands::demo::run(&args)),
        Command::Publish(args) => block_on(commands::publish::run(&args)),
        Command::Listen(args) => block_on(commands::listen::run(&args)),
        Command::Consume(args) => block_on_one_thread(commands::consume::run(&args)),
        Command::Stats(args) => block_on(commands::stats::run(&args)),
        Command::Registry(args) => block_on(commands::registry::run(&args)),
        Command::Tail(args) => block_on(commands::tail::run(&args)),
        Command::Dlq(args) => block_on(commands::dlq::run(&args)),
        Command::Replay(args) => block_on(commands::replay::run(&args)),
        Command::Pending(args) => block_on(commands::pending::run(&args)),
        Command::Ui(args) => block_on(commands::ui::run(&args)),
        Command::Bench(args) => block_on(commands::bench::run(&args)),
    };
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(error) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {error:#}");
            }
            ExitCode::from(2)
        }
    }
}
