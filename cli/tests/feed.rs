//! Feeding a consumer by hand, on a service's own catalogue and on the built-in one:
//! `events publish` (from `--data` and stdin, bad lines, `--dry-run`), `events listen`, and
//! `events consume` (checks by default, `--raw`, `--count` with dead letters), against a real
//! `redis-server` per test, and against a Redis Cluster.
//!
//! The scratch service's schemas are written to a temporary directory that is also the
//! working directory of the commands, so `./schemas` is found there without `--schemas`.

mod support;

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

#[test]
fn publish_from_data_and_stdin_writes_what_a_service_writes_and_rejects_bad_lines_by_number() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let service = service();
    let dir = service.path();

    let output = events(
        &url,
        dir,
        &[
            "publish",
            "parcel.shipped",
            "--version",
            "v1",
            "--data",
            r#"{"parcel_id": 7, "weight_grams": 1200, "carrier": "DHL"}"#,
        ],
        "",
    );
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("schemas: catalogue `parcels` 1.0.0 from ./schemas: 1 event types\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("publish: 1 published (parcel.shipped), 0 rejected"),
        "{stderr}"
    );
    let receipt = &json_lines(&output.stdout)[0];
    assert_eq!(receipt["stream"], STREAM);
    assert_eq!(receipt["version"], "v1");

    let stored = entries(&url, STREAM);
    assert_eq!(stored.len(), 1);
    let (id, fields) = &stored[0];
    assert_eq!(receipt["id"], id.as_str());
    let names: Vec<&str> = fields.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "event_id",
            "event_type",
            "version",
            "timestamp",
            "event_data"
        ],
        "the entry fields of the wire format, in order"
    );
    let data: Value = serde_json::from_str(field(fields, "event_data")).expect("event_data");
    assert_eq!(data["event_id"], field(fields, "event_id"));
    assert_eq!(receipt["event_id"], field(fields, "event_id"));
    assert_eq!(data["timestamp"], field(fields, "timestamp"));
    assert_eq!(field(fields, "version"), "v1");
    assert_eq!(
        data["source_service"], "parcel-desk",
        "filled as the Publisher fills it"
    );
    assert_eq!(data["weight_grams"], 1200);
    let event_id = uuid::Uuid::parse_str(field(fields, "event_id")).expect("uuid");
    assert_eq!(event_id.get_version_num(), 7, "a new UUIDv7");

    // JSON lines on stdin: line numbers, reasons, nothing of a bad line written.
    let lines = [
        GOOD_V2,
        r#"{"parcel_id": "nine", "weight": 1, "carrier": "UPS", "label": "x"}"#,
        "",
        r#"{"event_id": "0191d3a4-5b6c-7d8e-9f00-112233445566", "timestamp": "2025-09-26T10:30:00", "correlation_id": "req-789", "source_service": "depot-3", "parcel_id": 10, "weight": 0.4, "carrier": "GLS", "label": "GLS #10"}"#,
        "not json",
        r#"{"version": "v1", "parcel_id": 11, "weight_grams": 0, "carrier": "DHL"}"#,
        r#"{"event_type": "parcel.lost", "parcel_id": 12}"#,
        r#"{"parcel_id": 13, "weight": 1.5, "carrier": "DHL"}"#,
    ];
    let output = events(&url, dir, &["publish", "parcel.shipped"], &lines.join("\n"));
    assert_eq!(
        code(&output),
        Some(1),
        "rejected lines: exit 1\n{}",
        show(&output)
    );
    let stderr = text(&output.stderr);
    for expected in [
        "line 2: rejected, nothing written: parcel.shipped v2: field `parcel_id`: invalid type: string \"nine\", expected i64\n",
        "line 5: rejected, nothing written: not JSON: expected ident at line 1 column 2\n",
        "line 6: rejected, nothing written: parcel.shipped v1 is invalid: `weight_grams` must be at least 1, found 0\n",
        "line 7: rejected, nothing written: its `event_type` is \"parcel.lost\", but this publishes `parcel.shipped`\n",
        "line 8: rejected, nothing written: parcel.shipped v2: field `label`: missing field `label`\n",
        "publish: 2 published (parcel.shipped), 5 rejected\n",
    ] {
        assert!(stderr.contains(expected), "{expected}\nin:\n{stderr}");
    }
    assert!(
        !stderr.contains("line 3"),
        "empty lines are skipped: {stderr}"
    );
    let receipts = json_lines(&output.stdout);
    assert_eq!(receipts.len(), 2);
    let stored = entries(&url, STREAM);
    assert_eq!(stored.len(), 3, "the two good lines only");
    let given: Value = serde_json::from_str(field(&stored[2].1, "event_data")).expect("json");
    assert_eq!(
        given["event_id"], "0191d3a4-5b6c-7d8e-9f00-112233445566",
        "kept"
    );
    assert_eq!(
        given["timestamp"], "2025-09-26T10:30:00Z",
        "kept, naive read as UTC"
    );
    assert_eq!(field(&stored[2].1, "timestamp"), "2025-09-26T10:30:00Z");
    assert_eq!(given["correlation_id"], "req-789");
    assert_eq!(given["source_service"], "depot-3", "given, so not filled");
    assert_eq!(given["express"], false, "the default written out");

    // --version contradicting a line's own version.
    let output = events(
        &url,
        dir,
        &["publish", "parcel.shipped", "--version", "v2"],
        r#"{"version": "v1", "parcel_id": 14, "weight_grams": 5, "carrier": "DHL"}"#,
    );
    assert_eq!(code(&output), Some(1), "{}", show(&output));
    assert!(
        text(&output.stderr).contains(
            "line 1: rejected, nothing written: its `version` is v1, but --version says v2"
        ),
        "{}",
        show(&output)
    );
    assert_eq!(entries(&url, STREAM).len(), 3);
}

#[test]
fn dry_run_prints_exactly_what_publish_stores_and_writes_nothing() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let service = service();
    let dir = service.path();
    let input = r#"{"event_id": "0191d3a4-5b6c-7d8e-9f00-aabbccddeeff", "timestamp": "2025-09-26 10:30:00.25", "metadata": {"desk": 3}, "parcel_id": 8, "weight": 2, "carrier": "UPS", "label": "  UPS #8 "}"#;
    let dry = events(
        &url,
        dir,
        &["publish", "parcel.shipped", "--dry-run"],
        input,
    );
    assert_eq!(code(&dry), Some(0), "{}", show(&dry));
    assert!(
        text(&dry.stderr).contains("publish --dry-run: 1 valid, 0 rejected; nothing was written")
    );
    assert!(entries(&url, STREAM).is_empty(), "a dry run writes nothing");
    let wire = text(&dry.stdout);
    assert_eq!(
        wire,
        "{\"event_type\":\"parcel.shipped\",\"version\":\"v2\",\"event_id\":\"0191d3a4-5b6c-7d8e-9f00-aabbccddeeff\",\"timestamp\":\"2025-09-26T10:30:00.250Z\",\"source_service\":\"parcel-desk\",\"correlation_id\":null,\"user_id\":null,\"metadata\":{\"desk\":3},\"parcel_id\":8,\"weight\":2.0,\"carrier\":\"UPS\",\"label\":\"  UPS #8 \",\"express\":false}\n"
    );

    let output = events(&url, dir, &["publish", "parcel.shipped"], input);
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    let stored = entries(&url, STREAM);
    assert_eq!(
        field(&stored[0].1, "event_data"),
        wire.trim_end(),
        "byte for byte"
    );

    // The dry run's output is publish input again: the same event, once more.
    let again = events(&url, dir, &["publish", "parcel.shipped"], &wire);
    assert_eq!(code(&again), Some(0), "{}", show(&again));
    let stored = entries(&url, STREAM);
    assert_eq!(field(&stored[1].1, "event_data"), wire.trim_end());
}

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

#[test]
fn listen_prints_what_publish_sends_until_its_count() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let service = service();
    let dir = service.path();
    let (listener, _) = listen(
        &url,
        dir,
        &["listen", "parcel.shipped", "user.created", "--count", "3"],
    );
    let parcels = events(
        &url,
        dir,
        &["publish", "parcel.shipped"],
        &[
            GOOD_V2,
            r#"{"version": "v1", "parcel_id": 7, "weight_grams": 1200, "carrier": "DHL"}"#,
        ]
        .join("\n"),
    );
    assert_eq!(code(&parcels), Some(0), "{}", show(&parcels));
    // Another type, from the built-in catalogue.
    let user = events(
        &url,
        dir,
        &[
            "publish",
            "user.created",
            "--version",
            "v1",
            "--schemas",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas"),
            "--data",
            r#"{"user_id": 42, "telegram_id": 5, "first_name": "Ada", "role": "executor"}"#,
        ],
        "",
    );
    assert_eq!(code(&user), Some(0), "{}", show(&user));
    let heard = wait(listener, Duration::from_secs(30));
    assert_eq!(code(&heard), Some(0), "{}", show(&heard));
    let mut stored: Vec<String> = entries(&url, STREAM)
        .iter()
        .map(|(_, fields)| field(fields, "event_data").to_owned())
        .collect();
    stored.extend(
        entries(&url, "events:user.created")
            .iter()
            .map(|(_, fields)| field(fields, "event_data").to_owned()),
    );
    let lines: Vec<String> = text(&heard.stdout).lines().map(str::to_owned).collect();
    assert_eq!(lines, stored, "each message as published, one line each");
}

#[test]
fn consume_count_ends_with_dead_lettered_entries_among_them_and_takes_no_more() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let service = service();
    let dir = service.path();
    let publish = |line: &str| {
        let output = events(&url, dir, &["publish", "parcel.shipped"], line);
        assert_eq!(code(&output), Some(0), "{}", show(&output));
    };
    publish(GOOD_V2);
    // Invalid for the schema (weight 0 < 1), written by someone else.
    xadd(
        &url,
        STREAM,
        &[
            ("event_id", "0191d3a4-5b6c-7d8e-9f00-000000000009"),
            (
                "event_data",
                r#"{"event_type":"parcel.shipped","version":"v1","event_id":"0191d3a4-5b6c-7d8e-9f00-000000000009","timestamp":"2025-09-26T10:30:00","parcel_id":9,"weight_grams":0,"carrier":"DHL"}"#,
            ),
            ("timestamp", "2025-09-26T10:30:00"),
        ],
    );
    // Not an event at all: the runtime dead-letters it before any check.
    xadd(&url, STREAM, &[("junk", "no event_data")]);
    publish(r#"{"version": "v1", "parcel_id": 7, "weight_grams": 1200, "carrier": "DHL"}"#);
    publish(r#"{"parcel_id": 99, "weight": 1, "carrier": "GLS", "label": "left for later"}"#);

    let output = events(&url, dir, &consume("parcel.shipped", "ops", "4", &[]), "");
    assert_eq!(code(&output), Some(0), "ends by itself\n{}", show(&output));
    let printed = json_lines(&output.stdout);
    assert_eq!(printed.len(), 2, "{}", show(&output));
    assert_eq!(printed[0]["parcel_id"], 8);
    assert_eq!(printed[1]["parcel_id"], 7);
    assert_eq!(printed[1]["version"], "v1", "each event at its own version");
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("cannot decode as parcel.shipped v1: parcel.shipped v1 is invalid: `weight_grams` must be at least 1, found 0"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "consume: 2 printed, 1 dead-lettered as invalid, 1 dead-lettered as unreadable"
        ),
        "{stderr}"
    );
    let dead = entries(&url, "events:dlq:parcel.shipped");
    assert_eq!(dead.len(), 2);
    assert!(
        field(&dead[0].1, "error").contains("`weight_grams` must be at least 1, found 0"),
        "the reason, as the runtime writes it: {:?}",
        dead[0].1
    );
    // The fifth entry was not taken: it is still there for the group.
    let groups: redis::streams::StreamInfoGroupsReply = redis::cmd("XINFO")
        .arg("GROUPS")
        .arg(STREAM)
        .query(&mut connection(&url))
        .expect("XINFO");
    assert_eq!(groups.groups[0].lag, Some(1), "one left unread");
    assert_eq!(groups.groups[0].pending, 0, "nothing left pending");
    let rest = events(
        &url,
        dir,
        &consume("parcel.shipped", "ops", "1", &["--version", "v2"]),
        "",
    );
    assert_eq!(code(&rest), Some(0), "{}", show(&rest));
    assert_eq!(json_lines(&rest.stdout)[0]["label"], "left for later");
}

#[test]
fn consume_checks_and_upgrades_by_default_and_raw_prints_as_written() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let service = service();
    let dir = service.path();
    let invalid = r#"{"event_type":"parcel.shipped","version":"v1","event_id":"0191d3a4-5b6c-7d8e-9f00-000000000009","timestamp":"2025-09-26T10:30:00","parcel_id":9,"weight_grams":0,"carrier":"DHL"}"#;
    let old = r#"{"event_type":"parcel.shipped","version":"v1","event_id":"0191d3a4-5b6c-7d8e-9f00-000000000007","timestamp":"2025-09-26T10:30:00","parcel_id":7,"weight_grams":1200,"carrier":"DHL"}"#;
    // The original services' format: event_id, event_data, timestamp only.
    for data in [invalid, old] {
        xadd(
            &url,
            STREAM,
            &[
                ("event_id", "x"),
                ("event_data", data),
                ("timestamp", "2025-09-26T10:30:00"),
            ],
        );
    }

    let checked = events(
        &url,
        dir,
        &consume("parcel.shipped", "checked", "2", &["--version", "v2"]),
        "",
    );
    assert_eq!(code(&checked), Some(0), "{}", show(&checked));
    let lines = json_lines(&checked.stdout);
    assert_eq!(
        lines.len(),
        1,
        "the invalid one is dead-lettered\n{}",
        show(&checked)
    );
    assert_eq!(
        lines[0],
        json!({
            "event_type": "parcel.shipped", "version": "v2",
            "event_id": "0191d3a4-5b6c-7d8e-9f00-000000000007", "timestamp": "2025-09-26T10:30:00Z",
            "source_service": "", "correlation_id": null, "user_id": null, "metadata": {},
            "parcel_id": 7, "weight": 1200.0, "carrier": "DHL", "label": "DHL #7", "express": false
        }),
        "upgraded by the service's own migration"
    );
    assert_eq!(entries(&url, "events:dlq:parcel.shipped").len(), 1);

    let raw = events(
        &url,
        dir,
        &consume("parcel.shipped", "raw", "2", &["--raw"]),
        "",
    );
    assert_eq!(code(&raw), Some(0), "{}", show(&raw));
    assert_eq!(
        text(&raw.stdout),
        format!("{invalid}\n{old}\n"),
        "as written, unchecked"
    );
    assert_eq!(
        entries(&url, "events:dlq:parcel.shipped").len(),
        1,
        "raw dead-letters nothing"
    );
}

#[test]
fn the_catalogue_is_named_and_problems_with_it_are_reported_before_anything_runs() {
    let service = service();
    let dir = service.path();
    let unreachable = "redis://127.0.0.1:1/0";

    // A type the catalogue does not define.
    let output = events(
        unreachable,
        dir,
        &["consume", "user.created", "--group", "g"],
        "",
    );
    assert_eq!(code(&output), Some(2));
    assert!(
        text(&output.stderr).contains(
            "`user.created` is not an event type of catalogue `parcels`; it has: parcel.shipped"
        ),
        "{}",
        show(&output)
    );

    // A version reached only through a Rust function of the service.
    let with_function = tempfile::tempdir().expect("temp dir");
    std::fs::write(with_function.path().join("catalogue.yaml"), CATALOGUE).expect("write");
    std::fs::write(
        with_function.path().join("parcel.yaml"),
        format!(
            "{PARCELS}      v3:\n        description: Built by a function.\n        migrate_with: crate::migrations::parcel_v2_to_v3\n        fields:\n          parcel_id:\n            type: int64\n            description: Id.\n"
        ),
    )
    .expect("write");
    let schemas = with_function.path().to_string_lossy().into_owned();
    let output = events(
        unreachable,
        dir,
        &[
            "consume",
            "parcel.shipped",
            "--group",
            "g",
            "--version",
            "v3",
            "--schemas",
            &schemas,
        ],
        "",
    );
    assert_eq!(code(&output), Some(2), "{}", show(&output));
    assert!(
        text(&output.stderr).contains("cannot upgrade to v3 here: parcel.shipped v3 is built from v2 by the Rust function `crate::migrations::parcel_v2_to_v3`"),
        "{}",
        show(&output)
    );

    // ./schemas with an error is an error, not a silent fallback to the built-in catalogue.
    std::fs::write(dir.join("schemas/broken.yaml"), "events:\n  bad name:\n").expect("write");
    let output = events(
        unreachable,
        dir,
        &["publish", "parcel.shipped", "--dry-run"],
        "",
    );
    assert_eq!(code(&output), Some(2), "{}", show(&output));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("the schemas in ./schemas have errors"),
        "{stderr}"
    );
    assert!(
        stderr.contains("schemas/broken.yaml"),
        "diagnostics with the file: {stderr}"
    );

    // No ./schemas: the built-in catalogue, and it says so.
    let empty = tempfile::tempdir().expect("temp dir");
    let output = events(
        unreachable,
        empty.path(),
        &[
            "publish",
            "user.created",
            "--version",
            "v1",
            "--dry-run",
            "--data",
            r#"{"user_id": 42, "telegram_id": 5, "first_name": "Ada", "role": "executor"}"#,
        ],
        "",
    );
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    assert!(
        text(&output.stderr).starts_with("schemas: catalogue `property-maintenance` "),
        "{}",
        show(&output)
    );
    assert!(
        text(&output.stderr).contains(
            " built into events (no schema files in ./schemas; --schemas DIR for another)"
        ),
        "{}",
        show(&output)
    );
}

/// `publish`, `listen` and `consume` on a Redis Cluster (`REDIS_URL` lists its nodes).
#[test]
fn publish_listen_and_consume_work_against_a_cluster() {
    let cluster = event_runtime::testing::RedisCluster::start().expect("redis cluster");
    let url = cluster.url();
    let service = service();
    let dir = service.path();
    let (listener, _) = listen(&url, dir, &["listen", "parcel.shipped", "--count", "2"]);
    let output = events(
        &url,
        dir,
        &["publish", "parcel.shipped"],
        &[
            GOOD_V2,
            r#"{"version": "v1", "parcel_id": 7, "weight_grams": 1200, "carrier": "DHL"}"#,
            r#"{"parcel_id": "bad"}"#,
        ]
        .join("\n"),
    );
    assert_eq!(code(&output), Some(1), "one bad line\n{}", show(&output));
    assert_eq!(json_lines(&output.stdout).len(), 2, "{}", show(&output));
    let heard = wait(listener, Duration::from_secs(30));
    assert_eq!(code(&heard), Some(0), "{}", show(&heard));
    let heard = json_lines(&heard.stdout);
    assert_eq!(heard.len(), 2);
    assert_eq!(heard[0]["parcel_id"], 8);
    assert_eq!(heard[1]["parcel_id"], 7);

    let consumed = events(
        &url,
        dir,
        &consume("parcel.shipped", "ops", "2", &["--version", "v2"]),
        "",
    );
    assert_eq!(code(&consumed), Some(0), "{}", show(&consumed));
    let lines = json_lines(&consumed.stdout);
    assert_eq!(lines.len(), 2, "{}", show(&consumed));
    assert_eq!(lines[1]["label"], "DHL #7");
    assert_eq!(
        lines[1]["event_id"], heard[1]["event_id"],
        "the same event on both paths"
    );
}

/// The same on the catalogue built into `events` (no `./schemas` in the working directory).
#[test]
fn publish_listen_and_consume_work_on_the_built_in_catalogue() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let dir = elsewhere.path();
    let (listener, _) = listen(&url, dir, &["listen", "user.created", "--count", "1"]);
    let output = events(
        &url,
        dir,
        &["publish", "user.created", "--version", "v1"],
        &[
            r#"{"user_id": 42, "telegram_id": 5, "first_name": "Ada", "last_name": "Lovelace", "role": "executor"}"#,
            r#"{"telegram_id": 6, "first_name": "Alan", "role": "executor"}"#,
        ]
        .join("\n"),
    );
    assert_eq!(code(&output), Some(1), "{}", show(&output));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("schemas: catalogue `property-maintenance` "),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "line 2: rejected, nothing written: user.created v1 is invalid: `user_id` is required"
        ),
        "{stderr}"
    );
    let heard = wait(listener, Duration::from_secs(30));
    assert_eq!(code(&heard), Some(0), "{}", show(&heard));
    let stored = entries(&url, "events:user.created");
    assert_eq!(stored.len(), 1);
    assert_eq!(
        text(&heard.stdout).trim_end(),
        field(&stored[0].1, "event_data")
    );

    // An entry that breaks the schema, from another producer.
    xadd(
        &url,
        "events:user.created",
        &[
            ("event_id", "0191d3a4-5b6c-7d8e-9f00-000000000001"),
            (
                "event_data",
                r#"{"event_type":"user.created","version":"v1","event_id":"0191d3a4-5b6c-7d8e-9f00-000000000001","timestamp":"2025-09-26T10:30:00","user_id":7,"telegram_id":"not a number","first_name":"Grace","role":"executor"}"#,
            ),
            ("timestamp", "2025-09-26T10:30:00"),
        ],
    );
    let consumed = events(
        &url,
        dir,
        &consume("user.created", "mailer", "2", &["--version", "v2"]),
        "",
    );
    assert_eq!(code(&consumed), Some(0), "{}", show(&consumed));
    let lines = json_lines(&consumed.stdout);
    assert_eq!(lines.len(), 1, "{}", show(&consumed));
    assert_eq!(lines[0]["version"], "v2");
    assert_eq!(
        lines[0]["full_name"], "Ada Lovelace",
        "upgraded by the catalogue's template"
    );
    assert!(
        text(&consumed.stderr).contains("cannot decode as user.created v2: user.created v1: field `telegram_id`: invalid type: string \"not a number\", expected i64"),
        "{}",
        show(&consumed)
    );
    assert_eq!(entries(&url, "events:dlq:user.created").len(), 1);
}
