//! Requeue and purge over HTTP: refused by a read-only console, refused without the page's
//! header, JSON or own origin and with bad bodies, then done as `events dlq` does them; on a
//! Redis Cluster and on the in-memory demo world too.

use event_runtime::testing::{RedisCluster, RedisServer};
use serde_json::json;

use crate::console::{Console, Options, on_redis, stream};
use crate::fixture::{self, DLQ, STREAM};
use crate::http::Request;
use crate::support::connection;

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
