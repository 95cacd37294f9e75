//! What the tests that run the `events` binary share: the binary with colours off (on the
//! Redis at a URL), what it printed, and a connection to look at what Redis holds.

#![allow(dead_code, reason = "each test file uses the part it needs")]

use std::process::{Command, Output};

use serde_json::Value;

/// The `events` binary, colours off.
pub fn events() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_events"));
    command.env("NO_COLOR", "1");
    command
}

/// The `events` binary on the Redis at `url` (`REDIS_URL`), colours off.
pub fn events_at(url: &str) -> Command {
    let mut command = events();
    command.env("REDIS_URL", url);
    command
}

/// Runs `events <args>` and returns what it did.
pub fn run(args: &[&str]) -> Output {
    events()
        .args(args)
        .output()
        .expect("the events binary runs")
}

/// Runs `events <args>` on the Redis at `url` and returns what it did.
pub fn run_at(url: &str, args: &[&str]) -> Output {
    events_at(url)
        .args(args)
        .output()
        .expect("the events binary runs")
}

/// `consume <event_type> --group <group> --count <count>`, then `extra`.
pub fn consume<'a>(
    event_type: &'a str,
    group: &'a str,
    count: &'a str,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec!["consume", event_type, "--group", group, "--count", count];
    args.extend_from_slice(extra);
    args
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Exit code, stdout and stderr, for assertion messages.
pub fn show(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr)
    )
}

/// One JSON value per line of output.
pub fn json_lines(stdout: &[u8]) -> Vec<Value> {
    text(stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("{error}: {line}")))
        .collect()
}

/// A plain connection to look at (and write) what Redis holds.
pub fn connection(url: &str) -> redis::Connection {
    redis::Client::open(url)
        .expect("client")
        .get_connection()
        .expect("connection")
}
