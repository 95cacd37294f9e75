//! The chaos soak: faults combined on a seeded schedule, with publishers and consumers in
//! processes of their own, and the invariants checked every second (`check.rs` lists them).
//!
//! ```text
//! chaos-soak run [--duration 60s] [--seed N] [--scenario NAME] [--rate N] [--verbose]
//! ```
//!
//! `run` goes through the scenarios of `run.rs` (one `redis-server` with deduplication on,
//! the same with it off, a Redis Cluster with it on), each for its share of `--duration`
//! (`30m`, `90s`, `1h`), prints the seed first and a report per scenario, and exits with 0
//! when every invariant held, 1 when one broke, 2 when the soak could not be set up. The seed
//! is `--seed`, or `CHAOS_SOAK_SEED`, or drawn from the clock; the same seed (and duration)
//! replays the same faults at the same offsets and the same slow and failing events.
//! `--rate`: events per second of each of the two publishers (50).
//!
//! The workers are this binary too, started by the driver: `publish` and `consume` (not
//! meant to be run by hand; `worker.rs`). The short run is `tests/soak.rs`, the long one
//! `scripts/chaos-soak 30m`.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the soak's output is its report, on stdout; errors go to stderr"
)]

mod check;
mod fleet;
mod plan;
// The TCP proxy of the fault tests, which can cut every connection and stall them.
#[path = "../../../../cli/tests/faults/proxy.rs"]
mod proxy;
mod report;
mod run;
mod target;
mod worker;

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use crate::run::{SCENARIOS, Settings};
use crate::worker::WorkerArgs;

const USAGE: &str =
    "usage: chaos-soak run [--duration 60s] [--seed N] [--scenario NAME] [--rate N] [--verbose]";

/// `30m`, `90s`, `1h`, or seconds.
fn parse_duration(text: &str) -> Option<Duration> {
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let number: u64 = number.parse().ok()?;
    let seconds = match unit {
        "s" => number,
        "m" => number * 60,
        "h" => number * 3600,
        _ => return None,
    };
    Some(Duration::from_secs(seconds))
}

/// `--flag value` pairs and lone `--flag`s of a command line.
fn flags(args: &[String]) -> Result<Vec<(String, Option<String>)>, String> {
    let mut out = Vec::new();
    let mut args = args.iter().peekable();
    while let Some(arg) = args.next() {
        let Some(flag) = arg.strip_prefix("--") else {
            return Err(format!("unexpected argument `{arg}`\n{USAGE}"));
        };
        let value = match args.peek() {
            Some(next) if !next.starts_with("--") => args.next().cloned(),
            _ => None,
        };
        out.push((flag.to_owned(), value));
    }
    Ok(out)
}

fn value<'a>(flags: &'a [(String, Option<String>)], name: &str) -> Option<&'a str> {
    flags
        .iter()
        .find(|(flag, _)| flag == name)
        .and_then(|(_, value)| value.as_deref())
}

fn number(flags: &[(String, Option<String>)], name: &str) -> Result<Option<u64>, String> {
    value(flags, name)
        .map(|text| {
            text.parse()
                .map_err(|_| format!("--{name} takes a number, not `{text}`"))
        })
        .transpose()
}

fn worker_args(flags: &[(String, Option<String>)]) -> Result<WorkerArgs, String> {
    let required = |name: &str| {
        value(flags, name)
            .map(str::to_owned)
            .ok_or(format!("--{name} is missing"))
    };
    Ok(WorkerArgs {
        url: required("url")?,
        ledger: required("ledger")?,
        seed: number(flags, "seed")?.unwrap_or(0),
        name: required("name")?,
        dedup: value(flags, "dedup") == Some("on"),
        rate: number(flags, "rate")?.unwrap_or(50),
    })
}

async fn soak(flags: &[(String, Option<String>)]) -> Result<bool, String> {
    let length = match value(flags, "duration") {
        Some(text) => parse_duration(text).ok_or(format!("--duration `{text}`: e.g. 60s, 30m"))?,
        None => Duration::from_secs(60),
    };
    let seed = match number(flags, "seed")? {
        Some(seed) => seed,
        None => match std::env::var("CHAOS_SOAK_SEED") {
            Ok(text) => text
                .parse()
                .map_err(|_| format!("CHAOS_SOAK_SEED `{text}` is not a number"))?,
            Err(_) => worker::now_ms() % 1_000_000,
        },
    };
    let scenarios: Vec<_> = match value(flags, "scenario") {
        Some(name) => {
            let found = SCENARIOS.iter().find(|scenario| scenario.name == name);
            let names: Vec<&str> = SCENARIOS.iter().map(|scenario| scenario.name).collect();
            vec![*found.ok_or(format!(
                "no scenario `{name}` (known: {})",
                names.join(", ")
            ))?]
        }
        None => SCENARIOS.to_vec(),
    };
    let total_share: u32 = scenarios.iter().map(|scenario| scenario.share).sum();
    let exe = std::env::current_exe().map_err(|e| format!("this binary's path: {e}"))?;
    let verbose = flags.iter().any(|(flag, _)| flag == "verbose");
    println!(
        "chaos soak: seed {seed}, {} s in all (replay: chaos-soak run --seed {seed} --duration {}s)",
        length.as_secs(),
        length.as_secs()
    );
    let mut reports = Vec::new();
    let mut passed = true;
    for scenario in &scenarios {
        let settings = Settings {
            seed,
            length: length * scenario.share / total_share,
            rate: number(flags, "rate")?.unwrap_or(50),
            exe: exe.clone(),
            progress_every: if length > Duration::from_secs(300) {
                Duration::from_secs(30)
            } else {
                Duration::from_secs(5)
            },
            verbose,
        };
        let outcome = run::run(scenario, &settings).await?;
        let report = report::text(scenario, &settings, &outcome);
        if let Some(path) = std::env::var_os("RELIABILITY_REPORT") {
            let line = report::json(scenario, &settings, &outcome);
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| format!("RELIABILITY_REPORT: {e}"))?;
            writeln!(file, "{line}").map_err(|e| format!("RELIABILITY_REPORT: {e}"))?;
        }
        println!("{report}");
        passed &= outcome.passed();
        reports.push(report);
    }
    println!(
        "\n== chaos soak, seed {seed}: {}",
        if passed { "PASS" } else { "FAIL" }
    );
    for report in reports {
        println!("{report}");
    }
    Ok(passed)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let flags = match flags(rest) {
        Ok(flags) => flags,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    if command != "run" {
        // The runtime's warnings and errors go to the worker's log file.
        tracing_subscriber::fmt()
            .with_max_level(tracing_subscriber::filter::LevelFilter::INFO)
            .with_ansi(false)
            .with_writer(std::io::stderr)
            .init();
    }
    if command != "run" {
        // A worker ends with its driver, however the driver ended.
        let parent = std::os::unix::process::parent_id();
        tokio::spawn(async move {
            while std::os::unix::process::parent_id() == parent {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            std::process::exit(3);
        });
    }
    let result = match command.as_str() {
        // Ctrl-C drops the run: its workers are killed and its servers stopped.
        "run" => tokio::select! {
            result = soak(&flags) => result,
            _ = tokio::signal::ctrl_c() => Err("interrupted".to_owned()),
        },
        "publish" => match worker_args(&flags) {
            Ok(args) => worker::publish(args).await.map(|()| true),
            Err(error) => Err(error),
        },
        "consume" => match worker_args(&flags) {
            Ok(args) => worker::consume(args).await.map(|()| true),
            Err(error) => Err(error),
        },
        other => Err(format!("unknown command `{other}`\n{USAGE}")),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("chaos-soak {command}: {error}");
            ExitCode::from(2)
        }
    }
}
