//! Which catalogue the commands use (named, found, or broken: reported before anything
//! runs), the built-in one, and the same commands against a Redis Cluster.

use super::*;

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
