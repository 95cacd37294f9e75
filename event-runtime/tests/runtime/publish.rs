//! Publishing: what is written, what is refused, retention, timeouts, credentials, health.

use std::time::{Duration, Instant};

use event_runtime::config::{Retention, Trimming};
use event_runtime::testing::RedisServer;
use event_runtime::{ErrorKind, PublishOptions, Publisher};

use crate::common::{config, entries, order, redis, server, user};

#[tokio::test]
async fn publish_writes_the_documented_entry() {
    let server = server();
    let publisher = Publisher::new(&config(&server)).await.expect("publisher");
    let event = user(7);
    let options = PublishOptions::new().correlation_id("req-789").user_id(42);
    let receipt = publisher
        .publish_with(&event, &options)
        .await
        .expect("published");
    assert_eq!(receipt.stream, "events:user.created");
    assert_eq!(receipt.event_id, event.envelope.event_id);

    let mut conn = redis(&server).await;
    let stored = entries(&mut conn, "events:user.created").await;
    assert_eq!(stored.len(), 1);
    let (id, fields) = &stored[0];
    assert_eq!(id, &receipt.stream_id);
    let mut names: Vec<&str> = fields.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "event_data",
            "event_id",
            "event_type",
            "timestamp",
            "version"
        ]
    );
    assert_eq!(fields["event_id"], event.envelope.event_id.to_string());
    assert_eq!(fields["event_type"], "user.created");
    assert_eq!(fields["version"], "v1");
    assert!(
        fields["timestamp"].ends_with('Z'),
        "{}",
        fields["timestamp"]
    );

    let data = &fields["event_data"];
    assert!(data.starts_with(&format!(
        r#"{{"event_type":"user.created","version":"v1","event_id":"{}","timestamp":"{}","source_service":"tests","correlation_id":"req-789""#,
        event.envelope.event_id, fields["timestamp"]
    )), "{data}");
    assert!(data.ends_with(r#""user_id":42,"metadata":{},"account_id":7,"first_name":"Ada","last_name":"Lovelace","phone_number":"+15550001"}"#), "{data}");
}

#[tokio::test]
async fn invalid_and_oversized_events_write_nothing() {
    let server = server();
    let mut settings = config(&server);
    settings.publisher.max_event_size = 300;
    let publisher = Publisher::new(&settings).await.expect("publisher");

    let mut bad = order(0);
    bad.card_number = "12".to_owned();
    let error = publisher.publish(&bad).await.expect_err("invalid");
    assert_eq!(error.kind(), ErrorKind::Invalid);
    assert!(error.is_rejected());
    let message = error.to_string();
    assert!(
        message.contains("`quantity` must be at least 1, found 0"),
        "{message}"
    );
    assert!(
        message.contains("`card_number` must be at least 12 characters long"),
        "{message}"
    );
    assert!(
        !message.contains("\"12\""),
        "sensitive value leaked: {message}"
    );

    let mut big = order(1);
    big.note = "x".repeat(400);
    let error = publisher.publish(&big).await.expect_err("too large");
    assert_eq!(error.kind(), ErrorKind::TooLarge);
    assert!(
        error
            .to_string()
            .contains("over the limit of 300 bytes; nothing was written"),
        "{error}"
    );

    let batch = vec![order(1), order(2), order(0)];
    let error = publisher
        .publish_batch(&batch)
        .await
        .expect_err("one invalid");
    assert_eq!(error.kind(), ErrorKind::Invalid);

    let mut conn = redis(&server).await;
    let exists: bool = redis::cmd("EXISTS")
        .arg("events:order.placed")
        .query_async(&mut conn)
        .await
        .expect("EXISTS");
    assert!(!exists, "nothing may be written");
}

#[tokio::test]
async fn batches_go_out_in_chunks_in_order() {
    let server = server();
    let mut settings = config(&server);
    settings.publisher.max_batch_size = 7;
    let publisher = Publisher::new(&settings).await.expect("publisher");
    let events: Vec<_> = (0..20).map(user).collect();
    let receipts = publisher.publish_batch(&events).await.expect("batch");
    assert_eq!(receipts.len(), 20);
    for (event, receipt) in events.iter().zip(&receipts) {
        assert_eq!(event.envelope.event_id, receipt.event_id);
    }
    let mut conn = redis(&server).await;
    let stored = entries(&mut conn, "events:user.created").await;
    let ids: Vec<&String> = stored.iter().map(|(id, _)| id).collect();
    let receipt_ids: Vec<&String> = receipts.iter().map(|receipt| &receipt.stream_id).collect();
    assert_eq!(ids, receipt_ids);
}

#[tokio::test]
async fn plain_trimming_trims_by_count_and_by_age_on_every_append() {
    // Small stream nodes, so approximate (`~`) trimming is visible with few entries.
    let server =
        RedisServer::start_with_args(&["--stream-node-max-entries", "5"]).expect("redis-server");
    let mut conn = redis(&server).await;

    let mut by_count = config(&server);
    by_count.publisher.trimming = Trimming::Plain;
    by_count.publisher.retention = Retention::MaxLen(10);
    let publisher = Publisher::new(&by_count).await.expect("publisher");
    let events: Vec<_> = (0..60).map(user).collect();
    publisher.publish_batch(&events).await.expect("batch");
    let length: usize = redis::cmd("XLEN")
        .arg("events:user.created")
        .query_async(&mut conn)
        .await
        .expect("XLEN");
    assert!((10..=15).contains(&length), "MAXLEN ~ 10 kept {length}");

    let mut by_age = config(&server);
    by_age.publisher.trimming = Trimming::Plain;
    by_age.publisher.retention = Retention::MaxAge(Duration::from_millis(50));
    let publisher = Publisher::new(&by_age).await.expect("publisher");
    let old: Vec<_> = (0..30).map(|n| order(n + 1)).collect();
    publisher.publish_batch(&old).await.expect("batch");
    tokio::time::sleep(Duration::from_millis(120)).await;
    publisher.publish(&order(99)).await.expect("publish");
    let length: usize = redis::cmd("XLEN")
        .arg("events:order.placed")
        .query_async(&mut conn)
        .await
        .expect("XLEN");
    assert!(
        length <= 5,
        "MINID ~ kept {length} entries older than the window"
    );
}

#[tokio::test]
async fn a_stream_without_groups_is_trimmed_to_the_budget_in_the_background() {
    let server =
        RedisServer::start_with_args(&["--stream-node-max-entries", "5"]).expect("redis-server");
    let mut conn = redis(&server).await;
    let mut settings = config(&server);
    settings.publisher.retention = Retention::MaxLen(10);
    settings.publisher.retention_interval = Duration::from_millis(50);
    let publisher = Publisher::new(&settings).await.expect("publisher");
    let events: Vec<_> = (0..60).map(user).collect();
    publisher.publish_batch(&events).await.expect("batch");
    let started = Instant::now();
    loop {
        let length: usize = redis::cmd("XLEN")
            .arg("events:user.created")
            .query_async(&mut conn)
            .await
            .expect("XLEN");
        if (10..=15).contains(&length) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still {length} entries: retention did not trim to about 10"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn publish_times_out_when_redis_is_unreachable() {
    let mut server = server();
    let mut settings = config(&server);
    settings.publisher.publish_timeout = Duration::from_millis(300);
    let publisher = Publisher::new(&settings).await.expect("publisher");
    server.stop();
    let started = Instant::now();
    let error = publisher.publish(&user(1)).await.expect_err("unreachable");
    assert!(error.is_timeout(), "{error:?}");
    assert!(error.is_retryable());
    let message = error.to_string();
    assert!(
        message.starts_with("could not publish user.created to Redis at redis://127.0.0.1:"),
        "{message}"
    );
    assert!(message.contains("within 300 ms"), "{message}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );

    let error = Publisher::new(&settings).await.expect_err("cannot connect");
    assert!(error.is_connection(), "{error:?}");
}

#[tokio::test]
async fn a_publish_retried_across_a_restart_keeps_its_event_id() {
    let mut server = server();
    let mut settings = config(&server);
    settings.publisher.publish_timeout = Duration::from_secs(10);
    let publisher = Publisher::new(&settings).await.expect("publisher");
    server.stop();
    let restarted = tokio::task::spawn_blocking(move || {
        std::thread::sleep(Duration::from_millis(300));
        server.restart().expect("restart");
        server
    });
    let event = user(5);
    let receipt = publisher
        .publish(&event)
        .await
        .expect("published after the restart");
    let server = restarted.await.expect("restart task");
    assert_eq!(receipt.event_id, event.envelope.event_id);
    let mut conn = redis(&server).await;
    let stored = entries(&mut conn, "events:user.created").await;
    assert!(!stored.is_empty());
    assert!(
        stored
            .iter()
            .all(|(_, fields)| fields["event_id"] == event.envelope.event_id.to_string())
    );
}

#[tokio::test]
async fn acl_user_and_password_in_the_url_work_and_stay_hidden() {
    let server =
        RedisServer::start_with_args(&["--user", "app", "on", ">s3cret", "~*", "&*", "+@all"])
            .expect("redis-server");
    let mut settings = config(&server);
    settings.redis_url = format!("redis://app:s3cret@127.0.0.1:{}/0", server.port());
    let publisher = Publisher::new(&settings)
        .await
        .expect("publisher with ACL user");
    publisher.publish(&user(1)).await.expect("published");
    let health = serde_json::to_value(publisher.health().await).expect("json");
    assert_eq!(
        health["redis_url"],
        format!("redis://app:***@127.0.0.1:{}/0", server.port())
    );

    settings.redis_url = format!("redis://app:wrong-password@127.0.0.1:{}/0", server.port());
    let error = Publisher::new(&settings).await.expect_err("wrong password");
    let message = error.to_string();
    assert!(!message.contains("wrong-password"), "{message}");
    assert!(message.contains("app:***@"), "{message}");
}

#[tokio::test]
async fn publisher_health_has_the_seed_shape() {
    let mut server = server();
    let publisher = Publisher::new(&config(&server)).await.expect("publisher");
    let health = serde_json::to_value(publisher.health().await).expect("json");
    assert_eq!(
        health,
        serde_json::json!({
            "status": "healthy",
            "redis_connected": true,
            "redis_url": server.url(),
            "service_name": "tests",
        })
    );
    server.stop();
    let health = publisher.health().await;
    let json = serde_json::to_value(&health).expect("json");
    assert_eq!(json["status"], "unhealthy");
    assert_eq!(json["redis_connected"], false);
    assert!(json["error"].is_string());
}
