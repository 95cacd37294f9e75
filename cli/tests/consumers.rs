//! The consumers of a group in `events pending` and `events stats`, and `--prune-idle`, which
//! removes the idle consumers that hold nothing, against a redis-server started for the test.

mod support;

use event_runtime::testing::RedisServer;
use redis::Commands;
use serde_json::Value;

use support::{connection, run_at, show};

const STREAM: &str = "events:user.created";

/// Runs a command that must succeed; returns its stdout.
fn ok(url: &str, args: &[&str]) -> String {
    let output = run_at(url, args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "events {args:?}\n{}",
        show(&output)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn json(url: &str, args: &[&str]) -> Value {
    let stdout = ok(url, args);
    serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("{error}: {stdout}"))
}

#[test]
fn pending_lists_consumers_and_prunes_the_idle_ones_that_hold_nothing() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let mut conn = connection(&url);
    for n in 0..3 {
        let _: String = conn
            .xadd(
                STREAM,
                "*",
                &[("version", "v2"), ("event_data", &format!("{{\"n\":{n}}}"))],
            )
            .expect("XADD");
    }
    let _: () = redis::cmd("XGROUP")
        .arg(&["CREATE", STREAM, "mailer", "0"])
        .query(&mut conn)
        .expect("XGROUP CREATE");
    let _: redis::Value = redis::cmd("XREADGROUP")
        .arg(&[
            "GROUP", "mailer", "c1", "COUNT", "2", "STREAMS", STREAM, ">",
        ])
        .query(&mut conn)
        .expect("XREADGROUP");
    let _: u64 = redis::cmd("XGROUP")
        .arg(&["CREATECONSUMER", STREAM, "mailer", "gone-host-41"])
        .query(&mut conn)
        .expect("XGROUP CREATECONSUMER");
    let names = |conn: &mut redis::Connection| -> Vec<String> {
        let infos: Vec<std::collections::HashMap<String, redis::Value>> = redis::cmd("XINFO")
            .arg(&["CONSUMERS", STREAM, "mailer"])
            .query(conn)
            .expect("XINFO CONSUMERS");
        infos
            .iter()
            .map(|info| redis::from_redis_value_ref::<String>(&info["name"]).expect("name"))
            .collect()
    };

    let listed = json(
        &url,
        &["pending", "user.created", "--group", "mailer", "--json"],
    );
    let consumers = listed["consumer_list"].as_array().expect("consumer_list");
    assert_eq!(consumers.len(), 2, "{listed}");
    assert_eq!(consumers[0]["name"], "c1");
    assert_eq!(consumers[0]["pending"], 2);
    assert!(consumers[1]["idle_ms"].as_u64().is_some(), "{listed}");

    let args = [
        "pending",
        "user.created",
        "--group",
        "mailer",
        "--prune-idle",
        "0s",
    ];
    let dry = ok(&url, &[&args[..], &["--dry-run"]].concat());
    assert!(dry.contains("would remove `gone-host-41`"), "{dry}");
    assert!(dry.contains("kept `c1`"), "{dry}");
    assert!(dry.contains("it holds 2 pending entries"), "{dry}");
    assert_eq!(
        names(&mut conn),
        ["c1", "gone-host-41"],
        "a dry run removes nothing"
    );

    let pruned = json(&url, &[&args[..], &["--json"]].concat());
    assert_eq!(pruned["pruned"][0]["consumer"], "c1", "{pruned}");
    assert_eq!(pruned["pruned"][0]["action"], "kept");
    assert_eq!(pruned["pruned"][1]["action"], "removed");
    assert_eq!(
        names(&mut conn),
        ["c1"],
        "the idle consumer holding nothing is gone"
    );
    // `stats` counts the consumers idle for an hour or more: none here, just started.
    let stats = json(&url, &["stats", "--json"]);
    assert_eq!(stats[0]["groups"][0]["consumers"], 1, "{stats}");
    assert_eq!(stats[0]["groups"][0]["idle_consumers"], 0, "{stats}");
    assert!(ok(&url, &["stats"]).contains("idle 1h+"));

    let bad = run_at(
        &url,
        &[
            "pending",
            "user.created",
            "--group",
            "mailer",
            "--prune-idle",
            "1 hour",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("unknown unit ` hour` in `1 hour`"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}
