//! What the console refuses before any handler: bad names, ids, counts and parameters, Host
//! headers that are not its loopback names, missing or wrong tokens, and, at start, an
//! address other than loopback without a token or a token too short.

use event_runtime::testing::RedisServer;
use serde_json::json;

use crate::console::{Console, Options, on_redis};
use crate::http::Request;
use crate::support::{events, show};

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
        ("/api/fleet?type=user.created", 400, "takes no parameters"),
        ("/api/fleet/user.created", 404, "no such endpoint"),
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
    let post = console.send(Request::write("/api/fleet", &json!({})));
    assert_eq!(post.status, 405, "the fleet is read-only: {}", post.text());
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
    assert_eq!(
        console.get("/api/fleet").status,
        401,
        "the fleet needs it too"
    );
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
fn an_unreachable_redis_stops_the_console_at_start_with_a_hint() {
    let output = events()
        .args(["ui", "--listen", "127.0.0.1:0"])
        .env("REDIS_URL", "redis://127.0.0.1:1/0")
        .env_remove("EVENT_UI_TOKEN")
        .output()
        .expect("events ui");
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot reach Redis at redis://127.0.0.1:1/0"),
        "{stderr}"
    );
    assert!(stderr.contains("hint:"), "{stderr}");
}
