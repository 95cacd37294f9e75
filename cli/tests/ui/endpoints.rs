//! Every endpoint of `events ui` over HTTP: what it answers, and what it refuses (writes of a
//! read-only console, writes without the page's header, content type or origin, bad names,
//! ids, counts and parameters, foreign Host headers, missing or wrong tokens).

use event_runtime::testing::{RedisCluster, RedisServer};
use serde_json::{Value, json};

use crate::console::{Console, Options};
use crate::fixture::{self, GROUP, STREAM, first_name};
use crate::http::Request;
use crate::support::{connection, events, show};

const DLQ: &str = "events:dlq:user.created";

fn on_redis(url: &str, args: &[&str]) -> Console {
    Console::start(Options {
        redis_url: Some(url),
        args,
        ..Options::default()
    })
}

fn stream<'a>(streams: &'a Value, key: &str) -> &'a Value {
    streams["streams"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["stream"] == key)
        .unwrap_or_else(|| panic!("no {key} in {streams}"))
}

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
fn info_names_the_catalogue_the_backend_and_what_is_not_there_yet() {
    let server = RedisServer::start().expect("redis-server");
    let console = on_redis(&server.url(), &[]);
    let info = console.json("/api/info");
    assert_eq!(info["catalogue"]["name"], "property-maintenance");
    assert_eq!(info["backend"]["kind"], "redis");
    assert_eq!(info["backend"]["requeue"], true);
    assert_eq!(info["writes"], false);
    assert_eq!(info["token_required"], false);
    assert_eq!(info["envelope_fields"][0], "event_id");
    assert_eq!(info["fleet"]["available"], false);
    assert!(
        info["fleet"]["reason"]
            .as_str()
            .unwrap_or("")
            .contains("registry")
    );
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
fn a_read_only_console_refuses_every_write() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let filled = fixture::fill(&mut connection(&url), DLQ);
    let console = on_redis(&url, &[]);
    for action in ["requeue", "purge"] {
        let refused = console.send(Request::write(
            &format!("/api/dead-letters/user.created/{action}"),
            &json!({ "ids": [filled.letter] }),
        ));
        assert_eq!(refused.status, 403, "{action}: {}", refused.text());
        assert!(refused.error().contains("read-only"), "{}", refused.text());
        assert!(
            refused.json()["hint"]
                .as_str()
                .unwrap_or("")
                .contains("--allow-writes")
        );
    }
    assert_eq!(fixture::len(&mut connection(&url), DLQ), 1);
    console.log_with("POST /api/dead-letters/user.created/requeue 403");
}

#[test]
fn requeue_and_purge_need_the_page_s_header_json_and_origin_and_then_act() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let mut conn = connection(&url);
    let filled = fixture::fill(&mut conn, DLQ);
    let console = on_redis(&url, &["--allow-writes"]);
    let requeue = "/api/dead-letters/user.created/requeue";
    let body = json!({ "ids": [filled.letter] });
    let own_origin = format!("http://{}", console.address);

    let refusals = [
        (
            Request::write(requeue, &body).without("X-Events-UI"),
            403,
            "X-Events-UI",
        ),
        (
            Request::write(requeue, &body).header("Content-Type", "text/plain"),
            415,
            "JSON",
        ),
        (
            Request::write(requeue, &body).header("Origin", "http://evil.example"),
            403,
            "own page",
        ),
        (
            Request::write(requeue, &body).header("Origin", "null"),
            403,
            "own page",
        ),
        (Request::get(requeue), 405, "takes POST"),
        (
            Request::write(requeue, &json!({})),
            400,
            "name the dead letters",
        ),
        (
            Request::write(requeue, &json!({ "ids": ["x"] })),
            400,
            "not a stream entry id",
        ),
        (
            Request::write(requeue, &json!({ "ids": ["1-0"], "all": true })),
            400,
            "not both",
        ),
        (
            Request::write(requeue, &json!({ "ids": ["1-0"] })),
            404,
            "has no entry 1-0",
        ),
        (
            Request::write(requeue, &body).body(vec![b' '; 70 * 1024]),
            413,
            "larger than",
        ),
        (
            Request::write("/api/dead-letters/User/requeue", &body),
            400,
            "not an event type",
        ),
    ];
    for (request, status, message) in refusals {
        let response = console.send(request.clone());
        assert_eq!(response.status, status, "{request:?}: {}", response.text());
        assert!(
            response.error().contains(message),
            "{request:?}: {}",
            response.text()
        );
    }
    assert_eq!(console.get(requeue).header("allow"), Some("POST"));
    assert_eq!(fixture::len(&mut conn, DLQ), 1, "nothing was done");

    let requeued = console.send(Request::write(requeue, &body).header("Origin", &own_origin));
    assert_eq!(requeued.status, 200, "{}", requeued.text());
    assert_eq!(requeued.json()["requeued"], json!([filled.letter]));
    assert_eq!(fixture::len(&mut conn, DLQ), 0);
    assert!(
        fixture::pending(&mut conn)
            .contains(&(filled.ids[0].clone(), "events-redeliver".to_owned())),
        "the original entry is pending again for the group: {:?}",
        fixture::pending(&mut conn)
    );
    assert_eq!(fixture::len(&mut conn, STREAM), 5, "nothing appended");
    console.log_with("requeue of 1 dead letters of user.created");

    let first = fixture::dead_letter(&mut conn, DLQ, &filled.ids[1], 2);
    fixture::dead_letter(&mut conn, DLQ, &filled.ids[2], 3);
    let purge = "/api/dead-letters/user.created/purge";
    let purged = console.send(Request::write(purge, &json!({ "ids": [first] })));
    assert_eq!(purged.json(), json!({ "deleted": 1 }));
    assert_eq!(fixture::len(&mut conn, DLQ), 1);
    let all = console.send(Request::write(purge, &json!({ "all": true })));
    assert_eq!(all.json(), json!({ "deleted": 1 }));
    assert_eq!(fixture::len(&mut conn, DLQ), 0);
}

#[test]
fn bad_names_ids_counts_and_parameters_are_refused_with_what_was_expected() {
    let server = RedisServer::start().expect("redis-server");
    let console = on_redis(&server.url(), &[]);
    let cases = [
        ("/api/dead-letters/User.Created", 400, "not an event type"),
        (
            "/api/dead-letters/user.created;DEL",
            400,
            "not an event type",
        ),
        (
            "/api/dead-letters/user.created/abc",
            400,
            "not a stream entry id",
        ),
        (
            "/api/dead-letters/user.created?count=0",
            400,
            "not a count from 1 to 500",
        ),
        (
            "/api/dead-letters/user.created?count=100000",
            400,
            "not a count from 1 to 500",
        ),
        (
            "/api/dead-letters/user.created?after=(1-0",
            400,
            "characters",
        ),
        (
            "/api/dead-letters/user.created?cnt=5",
            400,
            "unknown parameter `cnt`",
        ),
        (
            "/api/dead-letters/user.created?count=5&count=6",
            400,
            "given twice",
        ),
        (
            "/api/dead-letters/user.created/1-0?reveal=yes",
            400,
            "reveal=sensitive",
        ),
        (
            "/api/streams/user.created/entries?after=12",
            400,
            "not a stream entry id",
        ),
        ("/api/streams?x=1", 400, "takes no parameters"),
        ("/api/nothing", 404, "no such endpoint"),
        ("/api/streams/user.created", 404, "no such endpoint"),
    ];
    for (path, status, message) in cases {
        let response = console.get(path);
        assert_eq!(response.status, status, "{path}: {}", response.text());
        assert!(
            response.error().contains(message),
            "{path}: {}",
            response.text()
        );
    }
    let delete = console.send(Request::new("DELETE", "/api/streams"));
    assert_eq!(delete.status, 405);
    assert_eq!(delete.header("allow"), Some("GET"));
    let log = console.log_with("GET /api/dead-letters/User.Created 400");
    assert!(
        !log.contains("count=100000"),
        "queries are not logged: {log}"
    );
}

#[test]
fn without_a_token_only_loopback_host_names_are_answered() {
    let server = RedisServer::start().expect("redis-server");
    let console = on_redis(&server.url(), &[]);
    let port = console
        .address
        .rsplit(':')
        .next()
        .expect("a port")
        .to_owned();
    for host in [
        "evil.example",
        &format!("evil.example:{port}"),
        "127.0.0.1:1",
    ] {
        let response = console.send(Request::get("/api/info").header("Host", host));
        assert_eq!(response.status, 421, "{host}: {}", response.text());
    }
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}")] {
        assert_eq!(
            console
                .send(Request::get("/api/info").header("Host", &host))
                .status,
            200
        );
    }
}

#[test]
fn a_token_guards_the_api_but_not_the_page() {
    let server = RedisServer::start().expect("redis-server");
    let token = "0123456789abcdef0123";
    let console = Console::start(Options {
        redis_url: Some(&server.url()),
        token: Some(token),
        ..Options::default()
    });
    let missing = console.get("/api/info");
    assert_eq!(missing.status, 401);
    assert_eq!(
        missing.header("www-authenticate"),
        Some("Bearer realm=\"events ui\"")
    );
    let wrong = console
        .send(Request::get("/api/info").header("Authorization", "Bearer 0123456789abcdef0124"));
    assert_eq!(wrong.status, 401);
    let right =
        console.send(Request::get("/api/info").header("Authorization", &format!("Bearer {token}")));
    assert_eq!(right.status, 200);
    assert_eq!(right.json()["token_required"], true);
    assert_eq!(
        console.get("/").status,
        200,
        "the page asks for the token itself"
    );
    let written = console.send(Request::write(
        "/api/dead-letters/user.created/purge",
        &json!({ "all": true }),
    ));
    assert_eq!(written.status, 401);
    let log = console.log_with("POST /api/dead-letters/user.created/purge 401");
    assert!(!log.contains(token), "the token is never logged: {log}");
}

#[test]
fn other_addresses_and_short_tokens_are_refused_at_start() {
    let exposed = events()
        .args(["ui", "--listen", "0.0.0.0:0"])
        .env_remove("EVENT_UI_TOKEN")
        .env_remove("REDIS_URL")
        .output()
        .expect("events ui");
    assert_eq!(exposed.status.code(), Some(2), "{}", show(&exposed));
    assert!(
        String::from_utf8_lossy(&exposed.stderr).contains("EVENT_UI_TOKEN"),
        "{}",
        show(&exposed)
    );
    let short = events()
        .args(["ui", "--listen", "127.0.0.1:0"])
        .env("EVENT_UI_TOKEN", "short")
        .output()
        .expect("events ui");
    assert_eq!(short.status.code(), Some(2), "{}", show(&short));
    assert!(
        String::from_utf8_lossy(&short.stderr).contains("at least 16"),
        "{}",
        show(&short)
    );
}

#[test]
fn without_redis_the_demo_world_shows_the_demo_s_dead_letter() {
    let console = Console::start(Options {
        args: &["--allow-writes"],
        ..Options::default()
    });
    let info = console.json("/api/info");
    assert_eq!(info["backend"]["kind"], "memory");
    assert_eq!(info["backend"]["requeue"], false);
    assert!(
        info["backend"]["note"]
            .as_str()
            .unwrap_or("")
            .contains("ended with its process")
    );
    let streams = console.json("/api/streams");
    let notes = stream(&streams, "events:notification.send");
    assert!(notes["dead_letters"].as_u64() >= Some(1), "{notes}");
    assert_eq!(notes["groups"][0]["group"], "events-demo");
    let users = stream(&streams, "events:user.created");
    let groups: Vec<&str> = users["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| g["group"].as_str())
        .collect();
    assert_eq!(groups, ["events-demo", "reports"]);
    let letters = console.json("/api/dead-letters/notification.send");
    let letter = &letters["letters"][0];
    assert!(
        letter["provenance"]["error"]
            .as_str()
            .unwrap_or("")
            .contains("no chat for recipient 0"),
        "{letters}"
    );
    let id = letter["id"].as_str().expect("an id");
    let shown = console.json(&format!("/api/dead-letters/notification.send/{id}"));
    assert_eq!(shown["catalogue"], "ok: the event decodes and is valid");
    assert_eq!(shown["event"]["recipient_id"], 0);

    let requeue = console.send(Request::write(
        "/api/dead-letters/notification.send/requeue",
        &json!({ "ids": [id] }),
    ));
    assert_eq!(requeue.status, 409, "{}", requeue.text());
    assert!(
        requeue.json()["hint"]
            .as_str()
            .unwrap_or("")
            .contains("REDIS_URL")
    );
    let purged = console.send(Request::write(
        "/api/dead-letters/notification.send/purge",
        &json!({ "ids": [id] }),
    ));
    assert_eq!(purged.json(), json!({ "deleted": 1 }), "{}", purged.text());
    let after = console.json("/api/dead-letters/notification.send");
    assert!(!after.to_string().contains(id), "{after}");
}

#[test]
fn streams_and_dead_letters_on_a_redis_cluster() {
    let cluster = RedisCluster::start().expect("redis cluster");
    let url = cluster.url();
    let nodes: Vec<String> = url.split(',').map(str::to_owned).collect();
    let mut conn = redis::cluster::ClusterClient::new(nodes)
        .expect("cluster client")
        .get_connection()
        .expect("cluster connection");
    let dlq = "events:dlq:{events:user.created}";
    let filled = fixture::fill(&mut conn, dlq);
    let console = on_redis(&url, &["--allow-writes"]);
    assert_eq!(console.json("/api/info")["backend"]["kind"], "cluster");
    let streams = console.json("/api/streams");
    let users = stream(&streams, STREAM);
    assert_eq!(users["dead_letters"], 1);
    assert_eq!(users["groups"][0]["pending"], 2);
    assert_eq!(users["groups"][0]["consumers"][0]["name"], "c1");
    let list = console.json("/api/dead-letters/user.created");
    assert_eq!(list["key"], dlq);
    let requeued = console.send(Request::write(
        "/api/dead-letters/user.created/requeue",
        &json!({ "ids": [filled.letter] }),
    ));
    assert_eq!(
        requeued.json()["requeued"],
        json!([filled.letter]),
        "{}",
        requeued.text()
    );
    assert_eq!(fixture::len(&mut conn, dlq), 0);
}
