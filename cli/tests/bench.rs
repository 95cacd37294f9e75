//! `events bench` at its smallest sizes: without `REDIS_URL` it starts a `redis-server` of its
//! own (no test support in the binary), measures every scenario and leaves no server behind;
//! without `redis-server` it says how to get one; it refuses a Redis where its stream exists.

mod support;

use std::net::TcpStream;
use std::process::{Command, Output};

use event_runtime::testing::RedisServer;
use serde_json::Value;

use support::{connection, events, show};

/// The smallest run `--help` allows: one round, 1 s of latency at each rate.
const SMALLEST: [&str; 13] = [
    "bench",
    "--sequential",
    "10",
    "--concurrent",
    "64",
    "--batched",
    "10",
    "--consumed",
    "10",
    "--rounds",
    "1",
    "--latency-seconds",
    "1",
];

fn bench(configure: impl FnOnce(&mut Command) -> &mut Command, extra: &[&str]) -> Output {
    let mut command = events();
    command.args(SMALLEST).args(extra);
    configure(&mut command)
        .output()
        .expect("the events binary runs")
}

#[test]
fn without_redis_url_the_bench_runs_on_a_server_of_its_own_and_stops_it() {
    let output = bench(|command| command.env_remove("REDIS_URL"), &["--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let report: Value = serde_json::from_slice(&output.stdout).expect("one JSON report");
    let redis = report["redis"].as_str().expect("redis");
    let port: u16 = redis
        .strip_prefix("a temporary redis-server on 127.0.0.1:")
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("where it ran: {redis}"));
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "its redis-server on port {port} is gone once the bench ends"
    );
    assert_eq!(report["event_type"], "user.created");
    assert_eq!(report["event_version"], 2);
    assert!(report["redis_version"].as_str().is_some_and(|v| v != "?"));
    let scenarios: Vec<&str> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|row| row["scenario"].as_str().expect("scenario"))
        .collect();
    let mut expected = vec![
        "publish, one awaited call at a time".to_owned(),
        "publish, 64 concurrent callers".to_owned(),
        "publish, 64 concurrent callers, default settings (pub/sub, retention)".to_owned(),
        "batch publish (100 per round trip; raw: pipelined XADD)".to_owned(),
        "consume, 1 consumer".to_owned(),
        "consume, 1 consumer, default settings (batch 10, concurrency 16)".to_owned(),
        "consume, 2 consumers in a group".to_owned(),
        "consume, 4 consumers in a group".to_owned(),
    ];
    for rate in [1000, 10000] {
        for quantile in ["p50", "p99", "p99.9"] {
            expected.push(format!("end-to-end {quantile} at {rate}/s"));
        }
    }
    expected.push("peak memory of the bench process (VmHWM)".to_owned());
    assert_eq!(scenarios, expected, "{}", show(&output));
    for row in report["results"].as_array().expect("results") {
        assert!(row["runtime"].as_f64().is_some_and(|v| v > 0.0), "{row}");
    }
}

#[test]
fn without_redis_url_or_redis_server_the_bench_says_how_to_get_one() {
    let output = bench(
        |command| command.env_remove("REDIS_URL").env("PATH", "/nonexistent"),
        &[],
    );
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(
            "REDIS_URL is not set and no temporary Redis could be started: redis-server not found on PATH: install it with `apt-get install redis-server`"
        ),
        "{}",
        show(&output)
    );
}

#[test]
fn the_bench_refuses_a_redis_where_its_stream_exists() {
    let server = RedisServer::start().expect("redis-server");
    let mut conn = connection(&server.url());
    let _: String = redis::cmd("XADD")
        .arg(&["events:user.created", "*", "someone", "else's"])
        .query(&mut conn)
        .expect("XADD");
    let output = bench(|command| command.env("REDIS_URL", server.url()), &[]);
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(&format!(
            "events:user.created exists at {}: the bench writes and deletes that stream",
            server.url()
        )),
        "{}",
        show(&output)
    );
    let length: u64 = redis::cmd("XLEN")
        .arg("events:user.created")
        .query(&mut conn)
        .expect("XLEN");
    assert_eq!(length, 1, "untouched");
}
