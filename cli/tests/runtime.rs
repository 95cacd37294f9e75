//! `events demo` on the in-memory backend and against a real redis-server started for the
//! test, and `events consume` against one; both against a Redis Cluster (`REDIS_URL` listing
//! its nodes), with the operator commands `stats` and `dlq list`.

mod support;

use std::process::Output;

use event_runtime::testing::RedisServer;

use support::{connection, consume, events, json_lines, run_at, text};

/// What the demo shows on every backend: upgrade, retry, dead letter, nothing pending.
fn assert_demo_outcome(output: &Output) {
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    assert!(
        stdout.contains("\"John Doe\""),
        "v1 upgraded with full_name: {stdout}"
    );
    assert!(stdout.contains("-> Emergency"), "urgency mapped: {stdout}");
    assert!(
        stdout.contains("failed twice, succeeded on attempt 3"),
        "{stdout}"
    );
    assert!(
        stdout.contains("dead letter: events:notification.send"),
        "{stdout}"
    );
    assert!(stdout.contains("after 3 attempts"), "{stdout}");
    assert!(stdout.contains("0 pending after shutdown"), "{stdout}");
}

#[test]
fn demo_shows_upgrade_retry_and_dead_letter_on_redis() {
    let server = RedisServer::start().expect("redis-server");
    let output = run_at(&server.url(), &["demo"]);
    assert_demo_outcome(&output);
    let stdout = text(&output.stdout);
    assert!(
        stdout.starts_with(&format!(
            "events demo: using Redis at {} (REDIS_URL)",
            server.url()
        )),
        "{stdout}"
    );
}

#[test]
fn demo_runs_on_the_in_memory_backend_without_redis_url() {
    // No REDIS_URL, and no redis-server to be found: nothing but the binary is needed.
    let output = events()
        .arg("demo")
        .env_remove("REDIS_URL")
        .env("PATH", "/nonexistent")
        .output()
        .expect("the events binary runs");
    assert_demo_outcome(&output);
    let stdout = text(&output.stdout);
    assert!(
        stdout.starts_with("events demo: no REDIS_URL: using the embedded in-memory backend"),
        "{stdout}"
    );
}

fn add_user_created_v1(url: &str, first_name: &str, last_name: Option<&str>) {
    let data = serde_json::json!({
        "event_id": "123e4567-e89b-12d3-a456-426614174000",
        "event_type": "user.created",
        "version": "v1",
        "timestamp": "2025-09-26T10:30:00",
        "user_id": 7,
        "telegram_id": 1,
        "first_name": first_name,
        "last_name": last_name,
        "role": "executor"
    })
    .to_string();
    // The original services' format: only event_id, event_data and timestamp.
    let _: String = redis::cmd("XADD")
        .arg("events:user.created")
        .arg("*")
        .arg("event_id")
        .arg("123e4567-e89b-12d3-a456-426614174000")
        .arg("event_data")
        .arg(data)
        .arg("timestamp")
        .arg("2025-09-26T10:30:00")
        .query(&mut connection(url))
        .expect("XADD");
}

#[test]
fn consume_upgrades_prints_json_lines_and_stops_after_count() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    for (first, last) in [
        ("Ada", Some("Lovelace")),
        ("Alan", None),
        ("Grace", Some("Hopper")),
    ] {
        add_user_created_v1(&url, first, last);
    }
    let output = run_at(
        &url,
        &consume("user.created", "cli-test", "2", &["--version", "v2"]),
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let lines = json_lines(&output.stdout);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["version"], "v2");
    assert_eq!(lines[0]["full_name"], "Ada Lovelace");
    assert_eq!(lines[1]["full_name"], "Alan");

    // The two were acknowledged; the third is still there for the group.
    let rest = run_at(&url, &consume("user.created", "cli-test", "1", &[]));
    assert_eq!(rest.status.code(), Some(0), "{}", text(&rest.stderr));
    let line: serde_json::Value = serde_json::from_str(text(&rest.stdout).trim()).expect("json");
    assert_eq!(
        line["version"], "v1",
        "printed as written without --version"
    );
    assert_eq!(line["first_name"], "Grace");
}

#[test]
fn consume_says_what_to_do_when_redis_is_unreachable() {
    let output = run_at(
        "redis://127.0.0.1:1/0",
        &consume("user.created", "g", "1", &[]),
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("cannot reach Redis at redis://127.0.0.1:1/0"),
        "{stderr}"
    );
    assert!(stderr.contains("hint:"), "{stderr}");
}

#[test]
fn consume_rejects_unknown_types_and_versions() {
    let output = run_at(
        "redis://127.0.0.1:1/0",
        &["consume", "user.nope", "--group", "g", "--version", "v1"],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(
            "`user.nope` is not an event type of catalogue `property-maintenance`; it has: "
        ),
        "{stderr}"
    );
    assert!(stderr.contains("hint: point --schemas at"), "{stderr}");
    let output = run_at(
        "redis://127.0.0.1:1/0",
        &["consume", "user.created", "--group", "g", "--version", "v9"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("has no version v9"));
}

/// `events consume` and `events demo` against a Redis Cluster: `REDIS_URL` lists its nodes.
#[test]
fn consume_and_demo_work_against_a_cluster() {
    let cluster = event_runtime::testing::RedisCluster::start().expect("redis cluster");
    let url = cluster.url();
    let publish = run_at(&url, &["demo", "--timeout", "60"]);
    assert_demo_outcome(&publish);
    let stdout = text(&publish.stdout);
    assert!(
        stdout.starts_with(&format!(
            "events demo: using the Redis Cluster at {url} (REDIS_URL)"
        )),
        "{stdout}"
    );

    // The demo's v1 users are in `events:user.created`, on whichever master holds its slot.
    let output = run_at(
        &url,
        &consume("user.created", "cli-cluster", "2", &["--version", "v2"]),
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let lines = json_lines(&output.stdout);
    assert_eq!(lines.len(), 2);
    assert!(
        lines
            .iter()
            .all(|line| line["version"] == "v2" && line["full_name"].is_string()),
        "{lines:?}"
    );

    // The operator commands too: stats scans every master; dead letters are in
    // events:dlq:{events:<type>}.
    let stats = run_at(&url, &["stats", "--json"]);
    assert_eq!(stats.status.code(), Some(0), "{}", text(&stats.stderr));
    let stats = text(&stats.stdout);
    for stream in [
        "events:user.created",
        "events:request.created",
        "events:notification.send",
    ] {
        assert!(
            stats.contains(&format!("\"{stream}\"")),
            "{stream}: {stats}"
        );
    }
    let dead = run_at(&url, &["dlq", "list", "notification.send", "--json"]);
    assert_eq!(dead.status.code(), Some(0), "{}", text(&dead.stderr));
    assert!(
        text(&dead.stdout).contains("\"original_stream\": \"events:notification.send\""),
        "{}",
        text(&dead.stdout)
    );
}
