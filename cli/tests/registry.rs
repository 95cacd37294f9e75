//! `events registry` and `events lint --against fleet` against a real redis-server, on
//! registry records written as the wire format page documents them (as a service in another
//! language would register): the fleet's tables and JSON, and what deploying local schemas
//! would break.

mod support;

use std::path::Path;

use event_codegen::compat::fingerprint::fingerprint;
use event_runtime::testing::RedisServer;
use redis::Commands;
use serde_json::Value;

use support::{connection, run_at, show, text};

/// Registers one instance's record of `event_type` (and the type in the index), now.
fn register(conn: &mut redis::Connection, event_type: &str, fields: &[(&str, &str)]) {
    let mut record: Vec<(&str, &str)> = vec![
        ("host", "h"),
        ("pid", "7"),
        ("started", "1"),
        ("heartbeat_ms", "10000"),
        ("stale_after_ms", "30000"),
        ("forget_after_ms", "600000"),
    ];
    // The given fields, then the defaults they do not override.
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    record.retain(|(name, _)| !fields.iter().any(|(given, _)| given == name));
    all.extend(record);
    let key = format!("events:registry:{{events:{event_type}}}");
    let _: String = conn.xadd(&key, "*", &all).expect("XADD record");
    let service = fields
        .iter()
        .find(|(name, _)| *name == "service")
        .expect("service")
        .1;
    let _: String = conn
        .xadd(
            "events:registry:types",
            "*",
            &[
                ("service", service),
                ("instance", "i"),
                ("types", event_type),
            ],
        )
        .expect("XADD index");
}

fn producer(
    service: &str,
    instance: &str,
    produces: &str,
    fingerprints: &str,
) -> Vec<(String, String)> {
    vec![
        ("service".into(), service.into()),
        ("instance".into(), instance.into()),
        ("role".into(), "producer".into()),
        ("produces".into(), produces.into()),
        ("fingerprints".into(), fingerprints.into()),
    ]
}

fn consumer(service: &str, instance: &str, group: &str, reads: &str) -> Vec<(String, String)> {
    vec![
        ("service".into(), service.into()),
        ("instance".into(), instance.into()),
        ("role".into(), "consumer".into()),
        ("group".into(), group.into()),
        ("knows".into(), reads.into()),
        ("reads".into(), reads.into()),
        ("fingerprints".into(), "{}".into()),
    ]
}

fn add(
    conn: &mut redis::Connection,
    event_type: &str,
    fields: &[(String, String)],
    extra: &[(&str, &str)],
) {
    let mut all: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    all.extend_from_slice(extra);
    register(conn, event_type, &all);
}

#[test]
fn registry_shows_producers_groups_lag_disagreements_and_stale_instances() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let mut conn = connection(&url);
    let (a, b) = ("a".repeat(64), "b".repeat(64));
    add(
        &mut conn,
        "user.created",
        &producer(
            "users",
            "h-1-x",
            "2",
            &format!(r#"{{"1":"{a}","2":"{a}"}}"#),
        ),
        &[],
    );
    add(
        &mut conn,
        "user.created",
        &producer("signup", "h-2-y", "2", &format!(r#"{{"2":"{b}"}}"#)),
        &[],
    );
    add(
        &mut conn,
        "user.created",
        &consumer("billing", "h-3-z", "billing", "1"),
        &[],
    );
    add(
        &mut conn,
        "user.created",
        &consumer("audit", "h-4-w", "audit", "any"),
        &[("stale_after_ms", "1")],
    );
    let _: () = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg("events:user.created")
        .arg("billing")
        .arg("$")
        .arg("MKSTREAM")
        .query(&mut conn)
        .expect("group");
    for n in 0..3 {
        let _: String = conn
            .xadd("events:user.created", "*", &[("n", n)])
            .expect("entry");
    }
    std::thread::sleep(std::time::Duration::from_millis(5));

    let output = run_at(&url, &["registry"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "fingerprints disagree: {}",
        show(&output)
    );
    let table = text(&output.stdout);
    for row in [
        [
            "user.created",
            "producer",
            "users",
            "h-1-x",
            "v2",
            "-",
            "-",
            "aaaaaaaaaaaa",
            "live",
        ],
        [
            "user.created",
            "producer",
            "signup",
            "h-2-y",
            "v2",
            "-",
            "-",
            "bbbbbbbbbbbb",
            "live",
        ],
        [
            "user.created",
            "consumer",
            "billing",
            "h-3-z",
            "v1",
            "v1",
            "billing",
            "-",
            "live",
        ],
        [
            "user.created",
            "consumer",
            "audit",
            "h-4-w",
            "-",
            "any",
            "audit",
            "-",
            "STALE",
        ],
    ] {
        let found = table.lines().any(|line| {
            let cells: Vec<&str> = line.split_whitespace().collect();
            cells.len() >= row.len() && cells[..row.len()] == row
        });
        assert!(found, "no row {row:?} in\n{table}");
    }
    assert!(
        table.lines().any(|line| {
            let cells: Vec<&str> = line.split_whitespace().collect();
            cells == ["user.created", "billing", "billing", "v1", "1", "0", "3"]
        }),
        "the billing group with lag 3:\n{table}"
    );
    assert!(
        table.contains("fingerprints that disagree")
            && table.contains(
                "user.created v2: aaaaaaaaaaaa by users/h-1-x; bbbbbbbbbbbb by signup/h-2-y"
            ),
        "{table}"
    );

    let output = run_at(&url, &["registry", "--json"]);
    let json: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", show(&output)));
    let view = &json["types"]["user.created"];
    assert_eq!(view["producers"][0]["service"], "signup", "{view:#}");
    assert_eq!(view["producers"][1]["produces"], 2);
    let groups = view["groups"].as_array().expect("groups");
    assert_eq!(groups[0]["group"], "audit");
    assert_eq!(groups[0]["reads"], "any");
    assert_eq!(groups[0]["stale"], 1);
    assert_eq!(groups[1]["group"], "billing");
    assert_eq!(groups[1]["reads"], 1);
    assert_eq!(groups[1]["lag"], 3);
    assert_eq!(view["disagreements"][0]["version"], 2);
    assert_eq!(view["consumers"][0]["stale"], true);
}

#[test]
fn registry_shows_only_the_types_asked_for() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let mut conn = connection(&url);
    add(
        &mut conn,
        "user.created",
        &producer("users", "h-1-x", "2", "{}"),
        &[],
    );
    add(
        &mut conn,
        "request.created",
        &producer("desk", "h-2-y", "1", "{}"),
        &[],
    );
    let output = run_at(&url, &["registry", "request.created", "--json"]);
    let json: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", show(&output)));
    let types: Vec<&String> = json["types"].as_object().expect("types").keys().collect();
    assert_eq!(types, ["request.created"], "{json:#}");
    let output = run_at(&url, &["registry", "User Created"]);
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(
        text(&output.stderr).contains("not an event type"),
        "{}",
        show(&output)
    );
}

#[test]
fn an_empty_registry_says_so() {
    let server = RedisServer::start().expect("redis-server");
    let output = run_at(&server.url(), &["registry"]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    assert!(
        text(&output.stdout).contains("no instance registered"),
        "{}",
        show(&output)
    );
}

const CATALOGUE: &str = "catalogue: { name: parcels, version: 1.1.0 }\n";
const EVENTS: &str = "events:
  parcel.shipped:
    description: A parcel left the warehouse.
    versions:
      v1:
        description: First version.
        fields:
          parcel_id: { type: int64, description: Id of the parcel. }
      v2:
        description: Adds the tracking code.
        fields:
          parcel_id: { type: int64, description: Id of the parcel. }
          tracking_code: { type: string, description: Tracking code., optional: true }
";

/// The fingerprints of the local schemas, by version.
fn local_fingerprints(dir: &Path) -> Vec<String> {
    let catalogue = event_codegen::load_dir(dir)
        .expect("read")
        .into_result()
        .expect("schemas compile");
    let event = &catalogue.events["parcel.shipped"];
    event
        .versions
        .iter()
        .map(|version| fingerprint(&catalogue, event, version))
        .collect()
}

#[test]
fn lint_against_the_fleet_reports_what_deploying_would_break() {
    let dir = tempfile::tempdir().expect("temp dir");
    let schemas = dir.path().join("schemas");
    std::fs::create_dir_all(&schemas).expect("dir");
    std::fs::write(schemas.join("catalogue.yaml"), CATALOGUE).expect("write");
    std::fs::write(schemas.join("parcels.yaml"), EVENTS).expect("write");
    let dir_arg = schemas.to_str().expect("utf-8");
    let [v1, v2] = &local_fingerprints(&schemas)[..] else {
        panic!("two versions");
    };
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let mut conn = connection(&url);

    // A fleet built from these schemas: nothing breaks.
    let same = format!(r#"{{"1":"{v1}","2":"{v2}"}}"#);
    add(
        &mut conn,
        "parcel.shipped",
        &producer("warehouse", "h-1-x", "2", &same),
        &[],
    );
    add(
        &mut conn,
        "parcel.shipped",
        &consumer("billing", "h-2-y", "billing", "2"),
        &[],
    );
    let output = run_at(&url, &["lint", dir_arg, "--against", "fleet"]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    assert!(
        text(&output.stdout).contains("the running fleet"),
        "{}",
        show(&output)
    );

    // A group still on v1, and a service whose v1 was edited in place.
    add(
        &mut conn,
        "parcel.shipped",
        &consumer("audit", "h-3-z", "audit", "1"),
        &[],
    );
    let edited = format!(r#"{{"1":"{}"}}"#, "e".repeat(64));
    add(
        &mut conn,
        "parcel.shipped",
        &producer("returns", "h-4-w", "1", &edited),
        &[],
    );
    let output = run_at(&url, &["lint", dir_arg, "--against", "fleet"]);
    assert_eq!(output.status.code(), Some(1), "{}", show(&output));
    let report = text(&output.stdout);
    assert!(
        report.contains("FLEET_READER_BEHIND")
            && report
                .contains("deploying this would break consumer group `audit` of service audit"),
        "{report}"
    );
    assert!(
        report.contains("FLEET_VERSION_EDITED") && report.contains("returns/h-4-w"),
        "{report}"
    );
    assert!(
        report.contains("parcels.yaml:"),
        "findings point into the schemas: {report}"
    );

    // The same through a URL, as JSON.
    let output = run_at(
        "redis://127.0.0.1:1/0",
        &["lint", dir_arg, "--against", &url, "--format", "json"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", show(&output));
    let json: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", show(&output)));
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|finding| finding["rule"].as_str())
        .collect();
    assert!(rules.contains(&"FLEET_READER_BEHIND"), "{json:#}");
    assert!(rules.contains(&"FLEET_VERSION_EDITED"), "{json:#}");

    // JUnit: one test case per rule of the fleet, none of the baseline's.
    let output = run_at(
        &url,
        &["lint", dir_arg, "--against", "fleet", "--format", "junit"],
    );
    let junit = text(&output.stdout);
    assert!(
        junit.contains(r#"tests="3" failures="2""#)
            && junit.contains(r#"name="FLEET_VERSION_UNKNOWN"/>"#)
            && !junit.contains("FIELD_REMOVED"),
        "{junit}"
    );

    // A producer of a version these schemas lack, at level BACKWARD.
    add(
        &mut conn,
        "parcel.shipped",
        &producer("warehouse", "h-5-v", "3", "{}"),
        &[],
    );
    let output = run_at(&url, &["lint", dir_arg, "--against", "fleet"]);
    assert!(
        text(&output.stdout).contains("FLEET_VERSION_UNKNOWN"),
        "{}",
        show(&output)
    );

    // No Redis: exit 2 with the hint.
    let output = run_at(
        "redis://127.0.0.1:1/0",
        &["lint", dir_arg, "--against", "fleet"],
    );
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(
        text(&output.stderr).contains("cannot reach Redis"),
        "{}",
        show(&output)
    );
}

/// A service built from `schemas/` stores each version's JSON Schema once per fingerprint,
/// and the reader gets them back as the generated code carries them.
#[tokio::test]
async fn the_generated_json_schemas_are_stored_once_per_version_and_fingerprint() {
    use event_cli::catalogue::events;
    use event_runtime::fleet::FleetReader;
    use event_runtime::memory::MemoryBroker;
    use event_runtime::{Config, Publisher};

    let broker = MemoryBroker::new();
    let registry = events::registry();
    for service in ["users", "signup"] {
        let mut config = Config::new("redis://unused");
        config.service_name = service.to_owned();
        let publisher = Publisher::in_memory(&broker, &config);
        publisher.register(&registry).await.expect("registered");
    }
    let stored = broker.entries(&event_runtime::wire::registry_schemas_key("user.created"));
    assert_eq!(
        stored.len(),
        registry.versions("user.created").len(),
        "the second service stored nothing again"
    );
    let reader = FleetReader::in_memory(&broker);
    let schemas = reader.schemas("user.created").await.expect("schemas");
    let versions: Vec<u32> = schemas.iter().map(|schema| schema.version).collect();
    assert_eq!(versions, registry.versions("user.created"), "once each");
    for schema in &schemas {
        let entry = registry
            .entry("user.created", schema.version)
            .expect("a version of the registry");
        assert_eq!(Some(schema.fingerprint.as_str()), entry.fingerprint);
        assert_eq!(Some(schema.schema.as_str()), entry.json_schema);
        assert_eq!(schema.service, "users", "the first to store it");
        let json: Value = serde_json::from_str(&schema.schema).expect("JSON");
        assert!(json["$schema"].is_string(), "{json}");
    }
}
