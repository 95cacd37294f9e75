//! Consuming through groups: sharing, fan-out to groups, upgrades, old formats, garbage,
//! start positions, health, builder mistakes. A subscriber's life is `lifecycle.rs`.

use std::collections::HashSet;
use std::time::Duration;

use event_runtime::config::StartPosition;
use event_runtime::{ErrorKind, HandlerError, Publisher, RawEvent, Subscriber};

use crate::common::{
    Recorder, UserCreatedV1, UserCreatedV2, config, entries, eventually, pending_count, redis,
    server, user,
};

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn two_consumers_in_one_group_split_the_work_without_duplicates() {
    let server = server();
    let settings = config(&server);
    let seen: Recorder<(String, i64)> = Recorder::new();
    let mut running = Vec::new();
    for name in ["a", "b"] {
        let seen = seen.clone();
        let mut settings = settings.clone();
        settings.subscriber.consumer_name = Some(name.into());
        settings.subscriber.concurrency = 4;
        let subscriber = Subscriber::builder(&settings)
            .on(move |event: UserCreatedV1| {
                let seen = seen.clone();
                async move {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    seen.push((name.to_owned(), event.account_id));
                    Ok::<(), HandlerError>(())
                }
            })
            .build()
            .await
            .expect("subscriber");
        running.push(subscriber.spawn());
    }
    let publisher = Publisher::new(&settings).await.expect("publisher");
    let events: Vec<_> = (0..100).map(user).collect();
    publisher.publish_batch(&events).await.expect("batch");
    eventually("100 events handled", WAIT, || async { seen.len() >= 100 }).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    for subscriber in running {
        subscriber.shutdown().await.expect("shutdown");
    }
    let all = seen.all();
    assert_eq!(all.len(), 100, "duplicates");
    let distinct: HashSet<i64> = all.iter().map(|(_, id)| *id).collect();
    assert_eq!(distinct.len(), 100);
    for name in ["a", "b"] {
        assert!(
            all.iter().any(|(who, _)| who == name),
            "consumer {name} got nothing"
        );
    }
    let mut conn = redis(&server).await;
    assert_eq!(
        pending_count(&mut conn, "events:user.created", "tests").await,
        0
    );
}

#[tokio::test]
async fn two_groups_each_get_everything() {
    let server = server();
    let settings = config(&server);
    let mut running = Vec::new();
    let mut seens = Vec::new();
    for group in ["billing", "mailer"] {
        let seen: Recorder<i64> = Recorder::new();
        seens.push(seen.clone());
        let mut settings = settings.clone();
        settings.subscriber.consumer_group = group.into();
        let subscriber = Subscriber::builder(&settings)
            .on(move |event: UserCreatedV1| {
                let seen = seen.clone();
                async move {
                    seen.push(event.account_id);
                    Ok::<(), HandlerError>(())
                }
            })
            .build()
            .await
            .expect("subscriber");
        running.push(subscriber.spawn());
    }
    let publisher = Publisher::new(&settings).await.expect("publisher");
    publisher
        .publish_batch(&(0..30).map(user).collect::<Vec<_>>())
        .await
        .expect("batch");
    for seen in &seens {
        eventually("each group handles all 30", WAIT, || async {
            seen.len() >= 30
        })
        .await;
    }
    for subscriber in running {
        subscriber.shutdown().await.expect("shutdown");
    }
    for seen in seens {
        let mut ids = seen.all();
        ids.sort_unstable();
        assert_eq!(ids, (0..30).collect::<Vec<_>>());
    }
}

#[tokio::test]
async fn v1_entries_reach_a_v2_handler_upgraded() {
    let server = server();
    let settings = config(&server);
    let publisher = Publisher::new(&settings).await.expect("publisher");
    let published = user(3);
    publisher.publish(&published).await.expect("v1");
    let seen: Recorder<UserCreatedV2> = Recorder::new();
    let handler_seen = seen.clone();
    let subscriber = Subscriber::builder(&settings)
        .on(move |event: UserCreatedV2| {
            let seen = handler_seen.clone();
            async move {
                seen.push(event);
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();
    eventually("the v1 event reaches the v2 handler", WAIT, || async {
        seen.len() == 1
    })
    .await;
    subscriber.shutdown().await.expect("shutdown");
    let event = &seen.all()[0];
    assert_eq!(event.full_name, "Ada Lovelace");
    assert_eq!(event.permissions, Vec::<String>::new());
    assert_eq!(event.envelope.event_id, published.envelope.event_id);
    assert_eq!(event.envelope.source_service, "tests");
}

#[tokio::test]
async fn entries_of_the_original_services_are_consumed() {
    let server = server();
    let settings = config(&server);
    let mut conn = redis(&server).await;
    // What the Python services wrote: three fields, a naive timestamp, explicit nulls.
    let data = r#"{"event_id": "123e4567-e89b-12d3-a456-426614174000", "event_type": "user.created", "version": "v1", "timestamp": "2025-09-26T10:30:00", "source_service": null, "correlation_id": null, "user_id": null, "metadata": null, "account_id": 123, "first_name": "Test", "last_name": null, "phone_number": null}"#;
    let _: String = redis::cmd("XADD")
        .arg("events:user.created")
        .arg("*")
        .arg("event_id")
        .arg("123e4567-e89b-12d3-a456-426614174000")
        .arg("event_data")
        .arg(data)
        .arg("timestamp")
        .arg("2025-09-26T10:30:00")
        .query_async(&mut conn)
        .await
        .expect("XADD");
    let seen: Recorder<UserCreatedV2> = Recorder::new();
    let handler_seen = seen.clone();
    let subscriber = Subscriber::builder(&settings)
        .on(move |event: UserCreatedV2| {
            let seen = handler_seen.clone();
            async move {
                seen.push(event);
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();
    eventually("the Python entry is handled", WAIT, || async {
        seen.len() == 1
    })
    .await;
    subscriber.shutdown().await.expect("shutdown");
    let event = &seen.all()[0];
    assert_eq!(event.account_id, 123);
    assert_eq!(event.full_name, "Test");
    assert_eq!(
        event.envelope.timestamp.to_rfc3339(),
        "2025-09-26T10:30:00+00:00"
    );
    assert_eq!(event.envelope.source_service, "");
    assert_eq!(entries(&mut conn, "events:dlq:user.created").await.len(), 0);
}

#[tokio::test]
async fn garbage_is_dead_lettered_with_reasons_and_the_consumer_keeps_going() {
    let server = server();
    let mut settings = config(&server);
    settings.subscriber.max_event_size = 2048;
    let mut conn = redis(&server).await;
    let good = r#"{"event_type":"user.created","version":"v1","event_id":"0190a6a0-0000-7000-8000-000000000001","timestamp":"2025-09-26T10:30:00Z","account_id":1,"first_name":"Ok"}"#;
    let huge = format!(r#"{{"version":"v1","pad":"{}"}}"#, "x".repeat(4096));
    let garbage: Vec<Vec<(&str, String)>> = vec![
        vec![("event_id", "no-data".to_owned())],
        vec![
            ("version", "v1".to_owned()),
            ("event_data", "{not json".to_owned()),
        ],
        vec![
            ("version", "v1".to_owned()),
            (
                "event_data",
                good.replace(r#""account_id":1"#, r#""account_id":"abc""#),
            ),
        ],
        vec![
            ("version", "v1".to_owned()),
            (
                "event_data",
                good.replace(
                    "\"first_name\":\"Ok\"",
                    "\"first_name\":\"Ok\",\"phone_number\":5550123",
                ),
            ),
        ],
        vec![
            ("version", "v9".to_owned()),
            ("event_data", good.replace("\"v1\"", "\"v9\"")),
        ],
        vec![("version", "v1".to_owned()), ("event_data", huge)],
        vec![
            ("version", "v1".to_owned()),
            ("event_data", good.to_owned()),
        ],
    ];
    for fields in &garbage {
        let mut cmd = redis::cmd("XADD");
        cmd.arg("events:user.created").arg("*");
        for (name, value) in fields {
            cmd.arg(*name).arg(value);
        }
        let _: String = cmd.query_async(&mut conn).await.expect("XADD");
    }
    let seen: Recorder<i64> = Recorder::new();
    let handler_seen = seen.clone();
    let subscriber = Subscriber::builder(&settings)
        .on(move |event: UserCreatedV1| {
            let seen = handler_seen.clone();
            async move {
                seen.push(event.account_id);
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();
    eventually("the good entry is handled", WAIT, || async {
        seen.len() == 1
    })
    .await;
    let mut dead = Vec::new();
    for _ in 0..500 {
        dead = entries(&mut conn, "events:dlq:user.created").await;
        if dead.len() >= 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    subscriber.shutdown().await.expect("shutdown");
    let reasons: Vec<&str> = dead
        .iter()
        .map(|(_, fields)| fields["error"].as_str())
        .collect();
    let expected = [
        "the entry has no `event_data` field (fields: event_id)",
        "event_data is not valid JSON: key must be a string (line 1, column 2)",
        "cannot decode as user.created v1: user.created v1: field `account_id`: invalid type: string \"abc\", expected i64",
        "cannot decode as user.created v1: user.created v1: field `phone_number`: invalid value (not shown: sensitive field)",
        "cannot decode as user.created v1: user.created v9 is newer than v1, which this service reads, and user.created is BACKWARD, which does not promise that readers of v1 read v9: deploy consumers built with v9 first",
        "event_data is 4121 bytes, over the limit of 2048 bytes",
    ];
    assert_eq!(reasons, expected);
    assert!(
        !reasons.iter().any(|reason| reason.contains("5550123")),
        "sensitive value in a reason"
    );
    for (index, (_, fields)) in dead.iter().enumerate() {
        assert_eq!(fields["original_stream"], "events:user.created");
        assert_eq!(fields["group"], "tests");
        assert_eq!(fields["attempts"], "1");
        assert!(
            fields.contains_key("original_id")
                && fields.contains_key("consumer")
                && fields.contains_key("dead_lettered_at")
        );
        if index > 0 {
            assert!(
                fields.contains_key("event_data"),
                "original fields are kept"
            );
        }
    }
    assert_eq!(
        pending_count(&mut conn, "events:user.created", "tests").await,
        0
    );
}

#[tokio::test]
async fn new_groups_start_where_told_and_raw_handlers_see_entries() {
    let server = server();
    let settings = config(&server);
    let publisher = Publisher::new(&settings).await.expect("publisher");
    publisher.publish(&user(1)).await.expect("backlog");
    let seen: Recorder<RawEvent> = Recorder::new();
    let handler_seen = seen.clone();
    let mut settings = settings.clone();
    settings.subscriber.consumer_group = "new-only".into();
    settings.subscriber.start_position = StartPosition::NewOnly;
    let subscriber = Subscriber::builder(&settings)
        .on_raw("user.created", move |event: RawEvent| {
            let seen = handler_seen.clone();
            async move {
                seen.push(event);
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();
    let receipt = publisher.publish(&user(2)).await.expect("new");
    eventually("the new entry", WAIT, || async { seen.len() == 1 }).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    subscriber.shutdown().await.expect("shutdown");
    let raw = &seen.all()[0];
    assert_eq!(raw.id, receipt.stream_id);
    assert_eq!(
        (
            raw.stream.as_str(),
            raw.event_type.as_str(),
            raw.version,
            raw.deliveries
        ),
        ("events:user.created", "user.created", 1, 1)
    );
    assert!(raw.event_data.contains(r#""account_id":2"#));
    assert_eq!(seen.len(), 1, "the backlog is skipped by a new-only group");
}

#[tokio::test]
async fn subscriber_health_reports_real_pending_counts_and_lag() {
    let server = server();
    let settings = config(&server);
    let publisher = Publisher::new(&settings).await.expect("publisher");
    let release = std::sync::Arc::new(tokio::sync::Notify::new());
    let handler_release = release.clone();
    let mut settings = settings.clone();
    settings.subscriber.consumer_group = "health".into();
    settings.subscriber.consumer_name = Some("health-1".into());
    settings.subscriber.concurrency = 2;
    let subscriber = Subscriber::builder(&settings)
        .on(move |_: UserCreatedV1| {
            let release = handler_release.clone();
            async move {
                release.notified().await;
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .await
        .expect("subscriber");
    let handle = subscriber.handle();
    let before = serde_json::to_value(handle.health().await).expect("json");
    assert_eq!(before["status"], "degraded", "not running yet: {before}");
    let running = subscriber.spawn();
    publisher
        .publish_batch(&(0..5).map(user).collect::<Vec<_>>())
        .await
        .expect("batch");
    eventually("two in flight, three waiting", WAIT, || async {
        let health = handle.health().await;
        health.pending_messages.get("user.created") == Some(&2)
            && health.lag.get("user.created") == Some(&Some(3))
    })
    .await;
    let json = serde_json::to_value(handle.health().await).expect("json");
    let keys: Vec<&str> = json
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "consumer_group",
            "consumer_name",
            "lag",
            "last_read_at",
            "pending_messages",
            "redis_connected",
            "status",
            "subscribed_events"
        ]
    );
    assert_eq!(json["status"], "healthy");
    assert_eq!(
        json["subscribed_events"],
        serde_json::json!(["user.created"])
    );
    assert_eq!(
        json["pending_messages"],
        serde_json::json!({"user.created": 2})
    );
    assert_eq!(json["lag"], serde_json::json!({"user.created": 3}));
    assert_eq!(json["consumer_group"], "health");
    assert_eq!(json["consumer_name"], "health-1");
    assert!(json["last_read_at"].is_string());
    for _ in 0..5 {
        release.notify_one();
    }
    release.notify_waiters();
    eventually("all handled", WAIT, || async {
        release.notify_waiters();
        handle.health().await.pending_messages.get("user.created") == Some(&0)
    })
    .await;
    running.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn builder_mistakes_are_reported() {
    let server = server();
    let settings = config(&server);
    let error = Subscriber::builder(&settings)
        .build()
        .await
        .expect_err("no handler");
    assert_eq!(error.kind(), ErrorKind::Usage);
    assert!(error.to_string().contains("no handler"));
    let ok = |_: UserCreatedV1| async { Ok::<(), HandlerError>(()) };
    let error = Subscriber::builder(&settings)
        .on(ok)
        .on(ok)
        .build()
        .await
        .expect_err("two handlers");
    assert!(
        error
            .to_string()
            .contains("two handlers for `user.created`"),
        "{error}"
    );
    let mut no_batch = settings.clone();
    no_batch.subscriber.batch_size = 0;
    let error = Subscriber::builder(&no_batch)
        .on(ok)
        .build()
        .await
        .expect_err("batch 0");
    assert!(
        error.to_string().contains("batch_size must be at least 1"),
        "{error}"
    );
    let subscriber = Subscriber::builder(&settings)
        .on(ok)
        .build()
        .await
        .expect("defaults");
    let name = subscriber.consumer_name().to_owned();
    let other = Subscriber::builder(&settings)
        .on(ok)
        .build()
        .await
        .expect("defaults");
    assert_ne!(
        name,
        other.consumer_name(),
        "each subscriber gets a unique consumer name"
    );
    assert!(
        name.contains(&format!("-{}-", std::process::id())),
        "{name}"
    );
}
