//! The operator commands (`stats`, `pending`, `dlq`, `replay`, `tail`) against a real
//! redis-server started for the test, on data written in the documented wire format.

mod support;

use std::process::Stdio;
use std::time::Duration;

use event_runtime::config::{HardCap, Retention};
use event_runtime::testing::RedisServer;
use event_runtime::wire::trimmed_key;
use redis::Commands;
use serde_json::Value;

use support::{connection, consume, events_at, run_at};

const STREAM: &str = "events:user.created";
const DLQ: &str = "events:dlq:user.created";

/// Runs a command that must succeed; returns its stdout.
fn ok(url: &str, args: &[&str]) -> String {
    let output = run_at(url, args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        output.status.code(),
        Some(0),
        "events {args:?}\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn json(url: &str, args: &[&str]) -> Value {
    let stdout = ok(url, args);
    serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("{error}: {stdout}"))
}

fn event_data(n: i64) -> String {
    serde_json::json!({
        "event_type": "user.created",
        "version": "v2",
        "event_id": format!("0190a000-0000-7000-8000-00000000000{n}"),
        "timestamp": "2025-09-26T10:30:00Z",
        "source_service": "users",
        "correlation_id": null,
        "user_id": n,
        "metadata": {},
        "telegram_id": 1000 + n,
        "first_name": format!("User{n}"),
        "full_name": format!("User{n}"),
        "role": "executor",
    })
    .to_string()
}

fn add(conn: &mut redis::Connection, n: i64) -> String {
    conn.xadd(
        STREAM,
        "*",
        &[
            (
                "event_id",
                format!("0190a000-0000-7000-8000-00000000000{n}"),
            ),
            ("event_type", "user.created".to_owned()),
            ("version", "v2".to_owned()),
            ("timestamp", "2025-09-26T10:30:00Z".to_owned()),
            ("event_data", event_data(n)),
        ],
    )
    .expect("XADD")
}

/// Five events; group `mailer` read three (c1) and acknowledged the first; the first is also
/// in the dead-letter stream, as the subscriber writes it.
fn fixture(url: &str) -> (Vec<String>, String) {
    let mut conn = connection(url);
    let ids: Vec<String> = (1..=5).map(|n| add(&mut conn, n)).collect();
    let _: () = redis::cmd("XGROUP")
        .arg(&["CREATE", STREAM, "mailer", "0"])
        .query(&mut conn)
        .expect("XGROUP CREATE");
    let _: redis::Value = redis::cmd("XREADGROUP")
        .arg(&[
            "GROUP", "mailer", "c1", "COUNT", "3", "STREAMS", STREAM, ">",
        ])
        .query(&mut conn)
        .expect("XREADGROUP");
    let _: u64 = conn.xack(STREAM, "mailer", &[&ids[0]]).expect("XACK");
    let letter: String = conn
        .xadd(
            DLQ,
            "*",
            &[
                ("original_stream", STREAM.to_owned()),
                ("original_id", ids[0].clone()),
                ("group", "mailer".to_owned()),
                ("consumer", "c1".to_owned()),
                ("error", "mail server said no".to_owned()),
                ("attempts", "3".to_owned()),
                ("dead_lettered_at", "2025-09-26T10:31:00.000Z".to_owned()),
                (
                    "event_id",
                    "0190a000-0000-7000-8000-000000000001".to_owned(),
                ),
                ("event_type", "user.created".to_owned()),
                ("version", "v2".to_owned()),
                ("event_data", event_data(1)),
            ],
        )
        .expect("XADD dlq");
    (ids, letter)
}

#[test]
fn stats_report_what_a_forced_trim_took_from_each_group() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    // Group `mailer`: the first acknowledged, the next two pending, the last two unread.
    let (ids, _) = fixture(&url);
    // A publisher whose hard cap is 2 entries appends a sixth: its retention trims the four
    // oldest, three of which `mailer` had not acknowledged (two pending, one unread).
    let mut config = event_runtime::Config::new(url.clone());
    config.publisher.retention = Retention::MaxLen(1);
    config.publisher.hard_cap = HardCap::Limit(Retention::MaxLen(2));
    config.publisher.retention_interval = Duration::from_millis(20);
    let runtime = tokio::runtime::Runtime::new().expect("tokio");
    runtime.block_on(async {
        let publisher = event_runtime::Publisher::new(&config)
            .await
            .expect("publisher");
        publisher
            .publish_encoded(&event_runtime::EncodedEvent {
                event_type: "user.created".to_owned(),
                version: 2,
                event_id: "0190a000-0000-7000-8000-000000000006".into(),
                timestamp: chrono::Utc::now(),
                event_data: event_data(6),
            })
            .await
            .expect("publish");
        let mut conn = connection(&url);
        let started = std::time::Instant::now();
        while conn.xlen::<_, u64>(trimmed_key(STREAM)).expect("XLEN") == 0 {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no forced trim"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });

    let stats = json(&url, &["stats", "--json"]);
    assert_eq!(
        stats.as_array().map(Vec::len),
        Some(1),
        "the record is no stream: {stats}"
    );
    let stream = &stats[0];
    assert_eq!(stream["length"], 2, "{stats}");
    assert_eq!(stream["groups"][0]["lost_to_retention"], 3, "{stats}");
    let trim = &stream["forced_trims"][0];
    assert_eq!(trim["group"], "mailer", "{stats}");
    assert_eq!(trim["lost"], 3, "{stats}");
    assert_eq!(trim["first_id"], ids[1].as_str(), "{stats}");
    assert_eq!(trim["last_id"], ids[3].as_str(), "{stats}");
    assert_eq!(trim["hard_cap"], "maxlen 2", "{stats}");

    let table = ok(&url, &["stats"]);
    assert!(table.contains("lost to retention"), "{table}");
    assert!(
        table.contains(
            "events:user.created: 3 entries trimmed past the hard cap before their groups acknowledged them"
        ) && table.contains(&format!("mailer lost 3, ids {} to {}", ids[1], ids[3])),
        "{table}"
    );
}

/// `events replay user.created --from 0 --group <group> --json`: its report.
fn redeliver_everything(url: &str, group: &str) -> Value {
    json(
        url,
        &[
            "replay",
            "user.created",
            "--from",
            "0",
            "--group",
            group,
            "--json",
        ],
    )
}

fn pending_of(conn: &mut redis::Connection, group: &str) -> Vec<(String, String)> {
    let reply: redis::streams::StreamPendingCountReply = redis::cmd("XPENDING")
        .arg(STREAM)
        .arg(group)
        .arg("-")
        .arg("+")
        .arg(100)
        .query(conn)
        .expect("XPENDING");
    reply.ids.into_iter().map(|p| (p.id, p.consumer)).collect()
}

#[test]
fn stats_and_pending_report_streams_groups_and_dead_letters() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let (ids, _) = fixture(&url);

    let stats = json(&url, &["stats", "--json"]);
    let stream = &stats[0];
    assert_eq!(stream["stream"], STREAM, "{stats}");
    assert_eq!(stream["length"], 5);
    assert_eq!(stream["dead_letters"], 1);
    assert_eq!(
        stats.as_array().map(Vec::len),
        Some(1),
        "the DLQ is no stream of its own: {stats}"
    );
    let group = &stream["groups"][0];
    assert_eq!(group["group"], "mailer");
    assert_eq!(group["consumers"], 1);
    assert_eq!(group["pending"], 2);
    assert_eq!(group["lag"], 2);
    assert!(group["oldest_pending_age_ms"].as_u64().is_some(), "{group}");

    let table = ok(&url, &["stats"]);
    assert!(table.starts_with("stream "), "{table}");
    assert!(
        table.contains("events:user.created") && table.contains("mailer"),
        "{table}"
    );

    let pending = json(
        &url,
        &["pending", "user.created", "--group", "mailer", "--json"],
    );
    assert_eq!(pending["pending"], 2, "{pending}");
    let listed: Vec<&str> = pending["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| entry["id"].as_str().expect("id"))
        .collect();
    assert_eq!(listed, [ids[1].as_str(), ids[2].as_str()]);
    assert_eq!(pending["entries"][0]["consumer"], "c1");
    assert_eq!(pending["entries"][0]["deliveries"], 1);
    let text = ok(&url, &["pending", "user.created", "--group", "mailer"]);
    assert!(text.contains("2 pending, 1 consumers, lag 2"), "{text}");

    let missing = run_at(&url, &["pending", "user.created", "--group", "nobody"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr)
            .contains("no consumer group `nobody`; its groups: mailer"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );

    let empty = RedisServer::start().expect("redis-server");
    assert!(ok(&empty.url(), &["stats"]).contains("no event streams"));
}

#[test]
fn stats_reads_the_dead_letters_of_a_partition_stream_s_type() {
    // A partitioned type's streams are `events:<type>:p<k>`; their dead letters go to the
    // type's one dead-letter stream, which stats must read for each of them.
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let mut conn = connection(&url);
    let partition = "events:user.created:p3";
    let _: String = conn
        .xadd(
            partition,
            "*",
            &[("version", "v2".to_owned()), ("event_data", event_data(1))],
        )
        .expect("XADD partition");
    for attempt in 0..2 {
        let _: String = conn
            .xadd(
                DLQ,
                "*",
                &[
                    ("original_stream", partition.to_owned()),
                    ("error", format!("attempt {attempt}")),
                ],
            )
            .expect("XADD dlq");
    }

    let stats = json(&url, &["stats", "--json"]);
    let stream = &stats[0];
    assert_eq!(stream["stream"], partition, "{stats}");
    assert_eq!(stream["event_type"], "user.created", "{stats}");
    assert_eq!(stream["dead_letters"], 2, "{stats}");
}

#[test]
fn dead_letters_are_listed_shown_requeued_to_their_group_and_purged() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let (ids, letter) = fixture(&url);
    let mut conn = connection(&url);

    let list = ok(&url, &["dlq", "list", "user.created"]);
    assert!(list.contains("1 dead letters"), "{list}");
    assert!(
        list.contains(&letter) && list.contains("mail server said no"),
        "{list}"
    );
    let listed = json(&url, &["dlq", "list", "user.created", "--json"]);
    assert_eq!(listed[0]["provenance"]["original_id"], ids[0].as_str());
    assert_eq!(listed[0]["event"]["first_name"], "User1");

    let shown = ok(&url, &["dlq", "show", "user.created", &letter]);
    assert!(shown.contains("attempts          3"), "{shown}");
    assert!(shown.contains("\"first_name\": \"User1\""), "{shown}");

    // A second group that handled everything must see nothing of the requeue.
    let _: () = redis::cmd("XGROUP")
        .arg(&["CREATE", STREAM, "audit", "$"])
        .query(&mut conn)
        .expect("XGROUP CREATE");
    let requeued = json(&url, &["dlq", "requeue", "user.created", &letter, "--json"]);
    assert_eq!(requeued["requeued"][0], letter.as_str(), "{requeued}");
    let mailer = pending_of(&mut conn, "mailer");
    assert!(
        mailer.contains(&(ids[0].clone(), "events-redeliver".to_owned())),
        "the original entry is pending for its group again: {mailer:?}"
    );
    assert!(pending_of(&mut conn, "audit").is_empty());
    let length: u64 = conn.xlen(STREAM).expect("XLEN");
    assert_eq!(length, 5, "no copy appended");
    let left: u64 = conn.xlen(DLQ).expect("XLEN");
    assert_eq!(left, 0);

    // A dead letter whose original entry was trimmed stays, and says so.
    let _: u64 = conn.xdel(STREAM, &[&ids[0]]).expect("XDEL");
    let (_, second) = fixture_letter(&mut conn, &ids[0]);
    let kept = ok(&url, &["dlq", "requeue", "user.created", "--all"]);
    assert!(
        kept.contains("1 kept: their original entry is no longer in the stream"),
        "{kept}"
    );
    assert!(kept.contains(&second), "{kept}");

    let refused = run_at(&url, &["dlq", "purge", "user.created"]);
    assert_eq!(refused.status.code(), Some(2), "purge needs ids or --all");
    let purged = json(&url, &["dlq", "purge", "user.created", "--all", "--json"]);
    assert_eq!(purged["deleted"], 1);
    let left: u64 = conn.xlen(DLQ).expect("XLEN");
    assert_eq!(left, 0);
}

fn fixture_letter(conn: &mut redis::Connection, original: &str) -> ((), String) {
    let id: String = conn
        .xadd(
            DLQ,
            "*",
            &[
                ("original_stream", STREAM),
                ("original_id", original),
                ("group", "mailer"),
                ("error", "boom"),
                ("event_data", "{}"),
            ],
        )
        .expect("XADD dlq");
    ((), id)
}

#[test]
fn replay_prints_a_window_or_redelivers_it_to_one_group() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let (ids, _) = fixture(&url);
    let mut conn = connection(&url);

    let printed = ok(&url, &["replay", "user.created", "--from", "0", "--json"]);
    let lines: Vec<Value> = printed
        .lines()
        .map(|line| serde_json::from_str(line).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 5, "{printed}");
    assert_eq!(lines[4]["_stream_id"], ids[4].as_str());
    let pretty = ok(
        &url,
        &["replay", "user.created", "--from", "-1h", "--to", "now"],
    );
    assert!(
        pretty.contains(&format!("# {STREAM} {}", ids[0])),
        "{pretty}"
    );
    assert!(pretty.contains("  \"first_name\": \"User1\""), "{pretty}");

    // The group read 1..3 (1 acknowledged, 2 and 3 pending with c1) and not 4, 5.
    let report = redeliver_everything(&url, "mailer");
    assert_eq!(report["scanned"], 5, "{report}");
    assert_eq!(report["queued"], 1, "{report}");
    assert_eq!(report["already_pending"], 2, "{report}");
    assert_eq!(report["not_yet_read"], 2, "{report}");
    let mailer = pending_of(&mut conn, "mailer");
    assert_eq!(
        mailer,
        [
            (ids[0].clone(), "events-redeliver".to_owned()),
            (ids[1].clone(), "c1".to_owned()),
            (ids[2].clone(), "c1".to_owned()),
        ]
    );
    let length: u64 = conn.xlen(STREAM).expect("XLEN");
    assert_eq!(length, 5, "nothing appended");

    let backwards = run_at(
        &url,
        &["replay", "user.created", "--from", "now", "--to", "-1h"],
    );
    assert_eq!(backwards.status.code(), Some(2));
}

#[test]
fn tail_prints_recent_and_new_events() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let (ids, _) = fixture(&url);
    let child = events_at(&url)
        .args([
            "tail",
            "user.created",
            "--last",
            "1",
            "--count",
            "2",
            "--json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("events tail");
    std::thread::sleep(Duration::from_millis(700));
    let mut conn = connection(&url);
    let new = add(&mut conn, 6);
    let output = child.wait_with_output().expect("tail ends after --count");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let seen: Vec<String> = stdout
        .lines()
        .map(|line| {
            let event: Value = serde_json::from_str(line).expect("json line");
            event["_stream_id"].as_str().expect("id").to_owned()
        })
        .collect();
    assert_eq!(seen, [ids[4].clone(), new], "{stdout}");
}

#[test]
fn a_redelivered_window_reaches_the_group_s_running_consumer_again() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let mut conn = connection(&url);
    let ids: Vec<String> = (1..=2).map(|n| add(&mut conn, n)).collect();
    let _: () = redis::cmd("XGROUP")
        .arg(&["CREATE", STREAM, "audit", "0"])
        .query(&mut conn)
        .expect("XGROUP CREATE");

    let first = ok(&url, &consume("user.created", "mailer", "2", &[]));
    assert_eq!(first.lines().count(), 2, "{first}");
    assert!(
        pending_of(&mut conn, "mailer").is_empty(),
        "both acknowledged"
    );

    let report = redeliver_everything(&url, "mailer");
    assert_eq!(report["queued"], 2, "{report}");

    // The group's consumer claims the re-delivered entries and handles them once more.
    let again = ok(&url, &consume("user.created", "mailer", "2", &[]));
    let seen: Vec<i64> = again
        .lines()
        .map(|line| {
            let event: Value = serde_json::from_str(line).expect("json line");
            event["user_id"].as_i64().expect("user_id")
        })
        .collect();
    assert_eq!(seen, [1, 2], "{again}");
    assert!(
        pending_of(&mut conn, "mailer").is_empty(),
        "handled again and acknowledged"
    );
    let audit = json(
        &url,
        &["pending", "user.created", "--group", "audit", "--json"],
    );
    assert_eq!(audit["pending"], 0, "the other group saw nothing: {audit}");
    assert_eq!(audit["lag"], 2, "and still has both to read: {audit}");
    let length: u64 = conn.xlen(STREAM).expect("XLEN");
    assert_eq!(length, ids.len() as u64);
}

#[test]
fn redelivery_reads_a_window_longer_than_a_page_to_its_end() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let mut conn = connection(&url);
    // Three pages of `XRANGE` (500 each), the last one short.
    let mut pipe = redis::pipe();
    for n in 0..1_201 {
        pipe.cmd("XADD")
            .arg(STREAM)
            .arg("*")
            .arg("event_data")
            .arg(event_data(n))
            .ignore();
    }
    let _: () = pipe.query(&mut conn).expect("XADD");
    // The group has read everything and acknowledged it.
    let _: () = redis::cmd("XGROUP")
        .arg(&["CREATE", STREAM, "mailer", "$"])
        .query(&mut conn)
        .expect("XGROUP CREATE");

    let report = redeliver_everything(&url, "mailer");
    assert_eq!(report["scanned"], 1_201, "{report}");
    assert_eq!(report["queued"], 1_201, "{report}");
    let group = json(
        &url,
        &["pending", "user.created", "--group", "mailer", "--json"],
    );
    assert_eq!(group["pending"], 1_201, "{group}");
}
