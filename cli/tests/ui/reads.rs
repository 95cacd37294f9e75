//! What the console answers over HTTP: the page and its files with their headers, info, the
//! catalogue and its JSON Schemas, streams and their history (also while Redis is away), dead
//! letters with sensitive fields hidden unless asked, and the tail.

use event_runtime::testing::RedisServer;
use serde_json::{Value, json};

use crate::console::{on_redis, stream};
use crate::fixture::{self, DLQ, GROUP, STREAM, first_name};
use crate::support::{connection, events, show};

#[test]
fn the_page_and_its_files_are_served_with_strict_headers() {
    let server = RedisServer::start().expect("redis-server");
    let console = on_redis(&server.url(), &[]);
    let page = console.get("/");
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .is_some_and(|v| v.starts_with("text/html"))
    );
    assert!(page.text().contains("/assets/app.js"));
    let policy = page.header("content-security-policy").expect("a CSP");
    assert!(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    for file in [
        "app.js",
        "catalogue.js",
        "streams.js",
        "dead_letters.js",
        "tail.js",
        "chart.js",
    ] {
        let asset = console.get(&format!("/assets/{file}"));
        assert_eq!(asset.status, 200, "{file}");
        assert!(
            asset
                .header("content-type")
                .is_some_and(|v| v.starts_with("text/javascript"))
        );
    }
    assert_eq!(
        console.get("/assets/app.css").header("content-type"),
        Some("text/css; charset=utf-8")
    );
    assert_eq!(console.get("/assets/../Cargo.toml").status, 404);
    assert_eq!(console.get("/assets/nothing.js").status, 404);
    assert_eq!(console.get("/etc/passwd").status, 404);
    let api = console.get("/api/info");
    assert_eq!(api.header("cache-control"), Some("no-store"));
    assert!(api.header("access-control-allow-origin").is_none());
}

#[test]
fn info_names_the_catalogue_and_the_backend() {
    let server = RedisServer::start().expect("redis-server");
    let console = on_redis(&server.url(), &[]);
    let info = console.json("/api/info");
    assert_eq!(info["catalogue"]["name"], "property-maintenance");
    assert_eq!(info["backend"]["kind"], "redis");
    assert_eq!(info["backend"]["requeue"], true);
    assert_eq!(info["writes"], false);
    assert_eq!(info["token_required"], false);
    assert_eq!(info["envelope_fields"][0], "event_id");
    let location = info["backend"]["location"].as_str().expect("a location");
    assert!(location.contains(&server.port().to_string()), "{location}");
}

#[test]
fn the_catalogue_has_versions_fields_migrations_and_schemas_to_download() {
    let server = RedisServer::start().expect("redis-server");
    let console = on_redis(&server.url(), &[]);
    let catalogue = console.json("/api/catalogue");
    assert_eq!(catalogue["events"].as_array().map(Vec::len), Some(22));
    let event = catalogue["events"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["name"] == "user.created")
        .expect("user.created");
    assert_eq!(event["compatibility"], "BACKWARD");
    let tags: Vec<&str> = event["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["tag"].as_str())
        .collect();
    assert_eq!(tags, ["v1", "v2"]);
    let rows = &event["versions"][1]["migration"]["rows"];
    let full_name = rows
        .as_array()
        .into_iter()
        .flatten()
        .find(|row| row["field"] == "full_name")
        .expect("full_name in the migration");
    assert_eq!(full_name["change"], "added");
    assert_eq!(full_name["notes"][0], "template `{first_name} {last_name}`");
    let phone = event["versions"][0]["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["name"] == "phone_number")
        .expect("phone_number");
    assert_eq!(phone["sensitive"], true);
    assert_eq!(phone["optional"], true);

    let schema = console.get("/api/schemas/user.created/v2");
    assert_eq!(schema.status, 200);
    assert_eq!(
        schema.header("content-disposition"),
        Some("attachment; filename=\"user.created.v2.schema.json\"")
    );
    assert_eq!(schema.json()["title"], "UserCreatedV2");
    let exported = events()
        .args(["export", "jsonschema", "../schemas", "--out"])
        .arg(std::env::temp_dir().join(format!("ui-schemas-{}", std::process::id())))
        .output()
        .expect("events export");
    assert!(exported.status.success(), "{}", show(&exported));
    let file = std::env::temp_dir()
        .join(format!("ui-schemas-{}", std::process::id()))
        .join("user.created.v2.schema.json");
    let exported_text = std::fs::read_to_string(&file).expect("the exported schema");
    assert_eq!(schema.text(), exported_text, "the download is the export");
    assert_eq!(console.get("/api/schemas/user.created/v9").status, 404);
    assert_eq!(console.get("/api/schemas/parcel.shipped/v1").status, 404);
    assert_eq!(console.get("/api/schemas/user.created/two").status, 400);
}

#[test]
fn streams_show_groups_consumers_lag_and_dead_letters_and_their_history() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let mut conn = connection(&url);
    fixture::fill(&mut conn, DLQ);
    let console = on_redis(&url, &[]);
    let streams = console.json("/api/streams");
    let users = stream(&streams, STREAM);
    assert_eq!(users["event_type"], "user.created");
    assert_eq!(users["length"], 5);
    assert_eq!(users["dead_letters"], 1);
    let group = &users["groups"][0];
    assert_eq!(group["group"], GROUP);
    assert_eq!(group["pending"], 2);
    assert_eq!(group["lag"], 2);
    assert_eq!(group["consumers"][0]["name"], "c1");
    assert_eq!(group["consumers"][0]["pending"], 2);
    assert_eq!(group["consumers"][0]["idle"], false);
    assert!(group["oldest_pending_age_ms"].as_u64().is_some());

    for n in 6..=8 {
        fixture::add(&mut conn, n);
    }
    let streams = console.wait_for("/api/streams", "the new entries sampled", |streams| {
        stream(streams, STREAM)["length"] == 8
    });
    assert_eq!(stream(&streams, STREAM)["groups"][0]["lag"], 5);
    let history = console.json("/api/history");
    let columns = history["t"].as_array().map_or(0, Vec::len);
    assert!(columns >= 2, "{history}");
    let lag = &history["streams"][STREAM]["groups"][GROUP]["lag"];
    assert_eq!(lag.as_array().map(Vec::len), Some(columns));
    assert_eq!(lag[0], 2);
    assert_eq!(lag[columns - 1], 5);
    assert_eq!(history["streams"][STREAM]["length"][columns - 1], 8);
}

#[test]
fn while_redis_is_down_the_last_figures_stay_and_a_restarted_redis_is_read_again() {
    let mut server = RedisServer::start().expect("redis-server");
    let url = server.url();
    fixture::fill(&mut connection(&url), DLQ);
    let console = on_redis(&url, &[]);
    assert_eq!(stream(&console.json("/api/streams"), STREAM)["length"], 5);

    server.stop();
    let down = console.wait_for("/api/streams", "the sampling failure", |streams| {
        !streams["error"].is_null()
    });
    assert_eq!(stream(&down, STREAM)["length"], 5, "the last figures stay");
    let refused = console.get("/api/dead-letters/user.created");
    assert_eq!(refused.status, 503, "{}", refused.text());
    assert!(
        refused.error().contains("the backend failed"),
        "{}",
        refused.text()
    );
    std::thread::sleep(std::time::Duration::from_millis(1000));
    let log = console.log_with("sampling the streams failed");
    assert_eq!(
        log.matches("sampling the streams failed").count(),
        1,
        "a failure is told once, not at every sample: {log}"
    );

    server.restart().expect("redis-server restarts");
    console.wait_for(
        "/api/streams",
        "sampling on the restarted server",
        |streams| streams["error"].is_null(),
    );
    console.log_with("sampling the streams works again");
    let list = console.get("/api/dead-letters/user.created");
    assert_eq!(
        list.status,
        200,
        "requests use the new connection: {}",
        list.text()
    );
}

#[test]
fn dead_letters_are_listed_and_shown_with_sensitive_fields_hidden_unless_asked() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let filled = fixture::fill(&mut connection(&url), DLQ);
    let console = on_redis(&url, &[]);
    let list = console.json("/api/dead-letters/user.created");
    assert_eq!(list["key"], DLQ);
    assert_eq!(list["total"], 1);
    let letter = &list["letters"][0];
    assert_eq!(letter["id"], filled.letter.as_str());
    assert_eq!(letter["provenance"]["group"], GROUP);
    assert_eq!(letter["provenance"]["original_id"], filled.ids[0].as_str());
    assert_eq!(letter["provenance"]["error"], "mail server said no");
    assert!(!list.to_string().contains(&first_name(1)), "{list}");

    let shown = console.json(&format!("/api/dead-letters/user.created/{}", filled.letter));
    assert_eq!(shown["event"]["first_name"], "[redacted]");
    assert_eq!(shown["event"]["full_name"], "[redacted]");
    assert_eq!(shown["event"]["role"], "executor");
    assert_eq!(
        shown["redacted"]["fields"],
        json!(["first_name", "full_name"])
    );
    assert_eq!(shown["catalogue"], "ok: the event decodes and is valid");
    assert_eq!(shown["revealed"], false);
    assert!(!shown.to_string().contains(&first_name(1)), "{shown}");
    assert!(!console.log().contains("shown"), "{}", console.log());

    let revealed = console.json(&format!(
        "/api/dead-letters/user.created/{}?reveal=sensitive",
        filled.letter
    ));
    assert_eq!(revealed["event"]["first_name"], first_name(1).as_str());
    assert_eq!(revealed["revealed"], true);
    let log = console.log_with(&format!(
        "sensitive fields of dead letter {}",
        filled.letter
    ));
    assert!(
        !log.contains(&first_name(1)),
        "the log holds no value: {log}"
    );

    let missing = console.get("/api/dead-letters/user.created/1-0");
    assert_eq!(missing.status, 404);
    assert!(
        missing.error().contains("has no entry `1-0`"),
        "{}",
        missing.text()
    );
    let none = console.json("/api/dead-letters/user.deleted");
    assert_eq!(none["total"], 0);
}

#[test]
fn the_tail_reads_the_last_entries_and_those_after_an_id() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let filled = fixture::fill(&mut connection(&url), DLQ);
    let console = on_redis(&url, &[]);
    let last = console.json("/api/streams/user.created/entries?count=2");
    let ids: Vec<&str> = last["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert_eq!(ids, [filled.ids[3].as_str(), filled.ids[4].as_str()]);
    assert_eq!(last["last_id"], filled.ids[4].as_str());
    assert_eq!(last["entries"][0]["event"]["first_name"], "[redacted]");
    assert_eq!(last["entries"][0]["problem"], Value::Null);
    let after = console.json(&format!(
        "/api/streams/user.created/entries?after={}",
        filled.ids[2]
    ));
    assert_eq!(after["entries"].as_array().map(Vec::len), Some(2));
    let nothing = console.json(&format!(
        "/api/streams/user.created/entries?after={}",
        filled.ids[4]
    ));
    assert_eq!(nothing["entries"], json!([]));
    assert_eq!(nothing["last_id"], filled.ids[4].as_str());
    let broken: String = redis::cmd("XADD")
        .arg(STREAM)
        .arg("*")
        .arg("event_id")
        .arg("e")
        .arg("version")
        .arg("v2")
        .arg("event_data")
        .arg("{\"version\":\"v2\",\"telegram_id\":\"not a number\"}")
        .query(&mut connection(&url))
        .expect("XADD");
    let tail = console.json(&format!(
        "/api/streams/user.created/entries?after={}",
        filled.ids[4]
    ));
    assert_eq!(tail["entries"][0]["id"], broken.as_str());
    assert!(tail["entries"][0]["problem"].as_str().is_some(), "{tail}");
}

#[test]
fn schemas_names_the_catalogue_the_console_shows() {
    let dir = tempfile::tempdir().expect("a schema directory");
    std::fs::write(
        dir.path().join("parcels.yaml"),
        "catalogue:\n  name: parcels\n  version: 1.0.0\n\nevents:\n  parcel.shipped:\n    description: A parcel left.\n    versions:\n      v1:\n        description: First.\n        fields:\n          parcel_id: { type: int64, description: Id. }\n          receiver: { type: string, description: Who., sensitive: true }\n",
    )
    .expect("a schema file");
    let server = RedisServer::start().expect("redis-server");
    let schemas = dir.path().to_string_lossy().into_owned();
    let console = on_redis(&server.url(), &["--schemas", &schemas]);
    let catalogue = console.json("/api/catalogue");
    assert_eq!(catalogue["name"], "parcels");
    assert_eq!(catalogue["events"][0]["name"], "parcel.shipped");
    assert_eq!(
        catalogue["events"][0]["versions"][0]["fields"][1]["sensitive"],
        true
    );
    console.log_with("catalogue `parcels` 1.0.0 from");
}

#[test]
fn the_fleet_shows_producers_groups_disagreements_and_stale_instances() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let mut conn = connection(&url);
    let console = on_redis(&url, &[]);
    let empty = console.json("/api/fleet");
    assert_eq!(empty["types"], json!({}), "{empty}");

    fixture::fleet(&mut conn);
    fixture::fill(&mut conn, DLQ);
    std::thread::sleep(std::time::Duration::from_millis(5));
    let fleet = console.json("/api/fleet");
    let view = &fleet["types"]["user.created"];
    let producers: Vec<(&str, u64)> = view["producers"]
        .as_array()
        .expect("producers")
        .iter()
        .map(|p| {
            (
                p["service"].as_str().unwrap_or(""),
                p["produces"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(producers, [("signup", 2), ("users", 2)], "{view:#}");
    let groups = view["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 2, "{view:#}");
    assert_eq!(groups[0]["group"], "audit");
    assert_eq!(groups[0]["stale"], 1);
    assert_eq!(groups[1]["group"], GROUP);
    assert_eq!(groups[1]["reads"], 2);
    assert_eq!(groups[1]["live"], 1);
    // The fixture's group has read 3 of its 5 entries.
    assert_eq!(groups[1]["lag"], 2, "{view:#}");
    assert_eq!(view["disagreements"][0]["version"], 2);
    assert_eq!(
        view["disagreements"][0]["fingerprints"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    // user.created is in the console's catalogue; the fixture's made-up fingerprints are not
    // its.
    let ours = &fleet["catalogue"]["user.created"];
    assert!(
        ours["2"].as_str().is_some_and(|fp| fp.len() == 64),
        "{fleet:#}"
    );
    assert_ne!(ours["2"], view["producers"][0]["fingerprints"]["2"]);
    let audit = view["consumers"]
        .as_array()
        .expect("consumers")
        .iter()
        .find(|c| c["service"] == "audit")
        .expect("audit");
    assert_eq!(audit["stale"], true);
}

#[test]
fn the_demo_world_registers_its_publisher_and_groups() {
    let console = crate::console::Console::start(crate::console::Options::default());
    let fleet = console.json("/api/fleet");
    let view = &fleet["types"]["user.created"];
    assert_eq!(
        view["producers"][0]["service"], "events-ui-demo",
        "{fleet:#}"
    );
    assert_eq!(view["producers"][0]["produces"], 2);
    let groups: Vec<&str> = view["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .filter_map(|g| g["group"].as_str())
        .collect();
    assert_eq!(groups, ["events-demo", "reports"], "{fleet:#}");
    assert_eq!(
        fleet["types"]["request.created"]["producers"][0]["produces"], 1,
        "{fleet:#}"
    );
    // Built from the catalogue the console shows: the generated code's fingerprints are the
    // ones the console computes from the schemas.
    for version in ["1", "2"] {
        let registered = &view["producers"][0]["fingerprints"][version];
        assert!(registered.is_string(), "{fleet:#}");
        assert_eq!(
            registered, &fleet["catalogue"]["user.created"][version],
            "{fleet:#}"
        );
    }
}
