//! Feeding a consumer by hand, on a service's own catalogue and on the built-in one:
//! `events publish` (from `--data` and stdin, bad lines, `--dry-run`), `events listen`, and
//! `events consume` (checks by default, `--raw`, `--count` with dead letters), against a real
//! `redis-server` per test, and against a Redis Cluster.
//!
//! The scratch service's schemas are written to a temporary directory that is also the
//! working directory of the commands, so `./schemas` is found there without `--schemas`.

#[path = "../support/mod.rs"]
mod support;

mod catalogues;
mod consume;
mod listen;
mod publish;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use event_runtime::testing::RedisServer;
use serde_json::{Value, json};

use support::{connection, consume, events_at, json_lines, show, text};

const STREAM: &str = "events:parcel.shipped";

const CATALOGUE: &str = "catalogue:
  name: parcels
  version: 1.0.0
  description: Events of the parcel service.
";

const PARCELS: &str = r#"events:
  parcel.shipped:
    description: A parcel left the warehouse.
    versions:
      v1:
        description: First version.
        fields:
          parcel_id:
            type: int64
            description: Id of the parcel.
          weight_grams:
            type: int32
            description: Weight in grams.
            min: 1
          carrier:
            type: string
            description: Carrier name.
      v2:
        description: Weight in kilograms and a label for people.
        fields:
          parcel_id:
            type: int64
            description: Id of the parcel.
          weight:
            type: float64
            description: Weight, from v1's grams (widened).
            renamed_from: weight_grams
          carrier:
            type: string
            description: Carrier name.
          label:
            type: string
            description: Carrier and parcel, for people.
            migrate:
              template: "{carrier} #{parcel_id}"
          express:
            type: bool
            description: Express delivery.
            default: false
"#;

/// A scratch service: a directory with `schemas/` holding the parcel catalogue.
fn service() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let schemas = dir.path().join("schemas");
    std::fs::create_dir(&schemas).expect("schemas dir");
    std::fs::write(schemas.join("catalogue.yaml"), CATALOGUE).expect("catalogue");
    std::fs::write(schemas.join("parcel.yaml"), PARCELS).expect("parcel");
    dir
}

/// `events <args>` in `dir`, publishing as the service `parcel-desk`.
fn command(url: &str, dir: &Path, args: &[&str]) -> Command {
    let mut command = events_at(url);
    command
        .args(args)
        .current_dir(dir)
        .env("EVENT_SERVICE_NAME", "parcel-desk");
    command
}

/// Runs `events` in `dir` with `stdin` as its standard input.
fn events(url: &str, dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = command(url, dir, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the events binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    wait(child, Duration::from_secs(60))
}

/// Waits for a child, killing it after `limit`.
fn wait(mut child: Child, limit: Duration) -> Output {
    let started = Instant::now();
    while child.try_wait().expect("try_wait").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let output = child.wait_with_output().expect("output");
            panic!(
                "still running after {limit:?}\n{}\n{}",
                text(&output.stdout),
                text(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn code(output: &Output) -> Option<i32> {
    output.status.code()
}

/// Every entry of a stream: id and fields in their stored order.
fn entries(url: &str, stream: &str) -> Vec<(String, Vec<(String, String)>)> {
    let raw: Vec<(String, Vec<String>)> = redis::cmd("XRANGE")
        .arg(stream)
        .arg("-")
        .arg("+")
        .query(&mut connection(url))
        .expect("XRANGE");
    raw.into_iter()
        .map(|(id, flat)| {
            let fields = flat
                .chunks(2)
                .map(|pair| (pair[0].clone(), pair[1].clone()))
                .collect();
            (id, fields)
        })
        .collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(key, _)| key == name)
        .map_or("", |(_, value)| value.as_str())
}

/// Appends a raw entry, as a producer outside the runtime might.
fn xadd(url: &str, stream: &str, fields: &[(&str, &str)]) -> String {
    let mut cmd = redis::cmd("XADD");
    cmd.arg(stream).arg("*");
    for (name, value) in fields {
        cmd.arg(*name).arg(*value);
    }
    cmd.query(&mut connection(url)).expect("XADD")
}

const GOOD_V2: &str =
    r#"{"parcel_id": 8, "weight": 2.5, "carrier": "UPS", "label": "UPS #8", "express": true}"#;

/// Starts `events listen` and returns once it is subscribed.
fn listen(url: &str, dir: &Path, args: &[&str]) -> (Child, mpsc::Receiver<String>) {
    let mut child = command(url, dir, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("events listen runs");
    let stderr = child.stderr.take().expect("stderr");
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    loop {
        match received.recv_timeout(Duration::from_secs(20)) {
            Ok(line) if line.starts_with("listen: subscribed to ") => return (child, received),
            Ok(_) => {}
            Err(error) => {
                let _ = child.kill();
                let output = child.wait_with_output().expect("output");
                panic!(
                    "listen never said it was subscribed ({error}): {}",
                    show(&output)
                );
            }
        }
    }
}
