//! Failures: retries with backoff, dead letters, claiming from dead consumers, trimmed
//! entries, crash loops, long-running handlers.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use event_runtime::{HandlerError, Publisher, RawEvent, Subscriber};

use crate::common::{
    Recorder, UserCreatedV1, config, entries, eventually, pending_count, redis, server, user,
};

// The timing of retries, shutdown and settling, on Redis and in memory.
#[path = "on_time.rs"]
mod on_time;

const WAIT: Duration = Duration::from_secs(10);
const STREAM: &str = "events:user.created";
const DEAD_LETTERS: &str = "events:dlq:user.created";

#[tokio::test]
async fn failing_twice_then_succeeding_is_handled_and_acknowledged() {
    let server = server();
    let settings = config(&server);
    Publisher::new(&settings)
        .await
        .expect("publisher")
        .publish(&user(1))
        .await
        .expect("publish");
    let deliveries: Recorder<u32> = Recorder::new();
    let handler_deliveries = deliveries.clone();
    let mut settings = settings.clone();
    settings.subscriber.max_deliveries = 3;
    let subscriber = Subscriber::builder(&settings)
        .on_raw("user.created", move |event: RawEvent| {
            let deliveries = handler_deliveries.clone();
            async move {
                deliveries.push(event.deliveries);
                if event.deliveries < 3 {
                    return Err(HandlerError::new("database unavailable"));
                }
                Ok(())
            }
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();
    eventually("third attempt", WAIT, || async { deliveries.len() >= 3 }).await;
    let mut conn = redis(&server).await;
    eventually("acknowledged", WAIT, || async {
        let mut conn = redis(&server).await;
        pending_count(&mut conn, STREAM, "tests").await == 0
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    subscriber.shutdown().await.expect("shutdown");
    assert_eq!(deliveries.all(), [1, 2, 3]);
    assert!(entries(&mut conn, DEAD_LETTERS).await.is_empty());
}

#[tokio::test]
async fn always_failing_is_dead_lettered_exactly_once_with_provenance() {
    let server = server();
    let settings = config(&server);
    let receipt = Publisher::new(&settings)
        .await
        .expect("publisher")
        .publish(&user(1))
        .await
        .expect("publish");
    let calls = Arc::new(AtomicU32::new(0));
    let handler_calls = calls.clone();
    let mut settings = settings.clone();
    settings.subscriber.consumer_name = Some("worker-1".into());
    settings.subscriber.max_deliveries = 3;
    let subscriber = Subscriber::builder(&settings)
        .on(move |_: UserCreatedV1| {
            let calls = handler_calls.clone();
            async move {
                calls.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(HandlerError::new("boom"))
            }
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();
    let mut conn = redis(&server).await;
    eventually("a dead letter", WAIT, || async {
        let mut conn = redis(&server).await;
        !entries(&mut conn, DEAD_LETTERS).await.is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    subscriber.shutdown().await.expect("shutdown");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "tried max_deliveries times"
    );
    let dead = entries(&mut conn, DEAD_LETTERS).await;
    assert_eq!(dead.len(), 1, "exactly one dead letter");
    let fields = &dead[0].1;
    assert_eq!(fields["original_stream"], STREAM);
    assert_eq!(fields["original_id"], receipt.stream_id);
    assert_eq!(fields["group"], "tests");
    assert_eq!(fields["consumer"], "worker-1");
    assert_eq!(fields["error"], "boom");
    assert_eq!(fields["attempts"], "3");
    assert!(fields["dead_lettered_at"].ends_with('Z'));
    assert_eq!(fields["event_id"], receipt.event_id.to_string());
    assert_eq!(fields["version"], "v1");
    assert!(fields["event_data"].contains(r#""account_id":1"#));
    assert_eq!(pending_count(&mut conn, STREAM, "tests").await, 0);
}

#[tokio::test]
async fn permanent_failures_skip_the_retries() {
    let server = server();
    let settings = config(&server);
    Publisher::new(&settings)
        .await
        .expect("publisher")
        .publish(&user(1))
        .await
        .expect("publish");
    let calls = Arc::new(AtomicU32::new(0));
    let handler_calls = calls.clone();
    let subscriber = Subscriber::builder(&settings)
        .on(move |_: UserCreatedV1| {
            let calls = handler_calls.clone();
            async move {
                calls.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(HandlerError::permanent("account closed"))
            }
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();
    eventually("a dead letter", WAIT, || async {
        let mut conn = redis(&server).await;
        !entries(&mut conn, DEAD_LETTERS).await.is_empty()
    })
    .await;
    subscriber.shutdown().await.expect("shutdown");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

/// Reads entries as a consumer that then "crashes": they stay in its pending list.
async fn read_and_crash(
    conn: &mut redis::aio::MultiplexedConnection,
    consumer: &str,
    count: usize,
) {
    let _: Option<redis::streams::StreamReadReply> = redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg("tests")
        .arg(consumer)
        .arg("COUNT")
        .arg(count)
        .arg("STREAMS")
        .arg(STREAM)
        .arg(">")
        .query_async(conn)
        .await
        .expect("XREADGROUP");
}

#[tokio::test]
async fn entries_of_a_dead_consumer_are_claimed_by_another() {
    let server = server();
    let settings = config(&server);
    let publisher = Publisher::new(&settings).await.expect("publisher");
    publisher
        .publish_batch(&(0..8).map(user).collect::<Vec<_>>())
        .await
        .expect("batch");
    let seen: Recorder<i64> = Recorder::new();
    let handler_seen = seen.clone();
    let subscriber = Subscriber::builder(&settings).on(move |event: UserCreatedV1| {
        let seen = handler_seen.clone();
        async move {
            seen.push(event.account_id);
            Ok::<(), HandlerError>(())
        }
    });
    let mut conn = redis(&server).await;
    // Creating the subscriber creates the group; a consumer then takes 5 entries and dies.
    let subscriber = subscriber.build().await.expect("subscriber");
    read_and_crash(&mut conn, "crashed-consumer", 5).await;
    let running = subscriber.spawn();
    eventually("all 8 handled, 5 of them claimed", WAIT, || async {
        seen.len() >= 8
    })
    .await;
    eventually("nothing pending", WAIT, || async {
        let mut conn = redis(&server).await;
        pending_count(&mut conn, STREAM, "tests").await == 0
    })
    .await;
    running.shutdown().await.expect("shutdown");
    let mut ids = seen.all();
    ids.sort_unstable();
    assert_eq!(ids, (0..8).collect::<Vec<_>>());
}

#[tokio::test]
async fn trimmed_pending_entries_are_acknowledged_not_retried() {
    let server = server();
    let settings = config(&server);
    let publisher = Publisher::new(&settings).await.expect("publisher");
    let receipts = publisher
        .publish_batch(&(0..5).map(user).collect::<Vec<_>>())
        .await
        .expect("batch");
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
        .expect("subscriber");
    let mut conn = redis(&server).await;
    read_and_crash(&mut conn, "crashed-consumer", 5).await;
    let deleted: Vec<&str> = receipts[..3]
        .iter()
        .map(|receipt| receipt.stream_id.as_str())
        .collect();
    let _: usize = redis::cmd("XDEL")
        .arg(STREAM)
        .arg(&deleted)
        .query_async(&mut conn)
        .await
        .expect("XDEL");
    let running = subscriber.spawn();
    eventually("the two surviving entries handled", WAIT, || async {
        seen.len() >= 2
    })
    .await;
    eventually("nothing pending", WAIT, || async {
        let mut conn = redis(&server).await;
        pending_count(&mut conn, STREAM, "tests").await == 0
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    running.shutdown().await.expect("shutdown");
    let mut ids = seen.all();
    ids.sort_unstable();
    assert_eq!(ids, [3, 4]);
    assert!(entries(&mut conn, DEAD_LETTERS).await.is_empty());
}

#[tokio::test]
async fn entries_redelivered_past_max_deliveries_are_dead_lettered_without_running() {
    // A poison entry that crashes every consumer that takes it never reaches a handler
    // again once it has used up its deliveries.
    let server = server();
    let settings = config(&server);
    Publisher::new(&settings)
        .await
        .expect("publisher")
        .publish(&user(1))
        .await
        .expect("publish");
    let calls = Arc::new(AtomicU32::new(0));
    let handler_calls = calls.clone();
    let mut settings = settings.clone();
    settings.subscriber.max_deliveries = 2;
    let subscriber = Subscriber::builder(&settings)
        .on(move |_: UserCreatedV1| {
            let calls = handler_calls.clone();
            async move {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .await
        .expect("subscriber");
    let mut conn = redis(&server).await;
    read_and_crash(&mut conn, "crash-1", 1).await;
    for consumer in ["crash-2", "crash-3"] {
        let _: redis::Value = redis::cmd("XAUTOCLAIM")
            .arg(STREAM)
            .arg("tests")
            .arg(consumer)
            .arg(0)
            .arg("0-0")
            .query_async(&mut conn)
            .await
            .expect("XAUTOCLAIM");
    }
    let running = subscriber.spawn();
    eventually("dead-lettered", WAIT, || async {
        let mut conn = redis(&server).await;
        !entries(&mut conn, DEAD_LETTERS).await.is_empty()
    })
    .await;
    running.shutdown().await.expect("shutdown");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    let dead = entries(&mut conn, DEAD_LETTERS).await;
    assert_eq!(dead[0].1["attempts"], "4");
    assert!(
        dead[0].1["error"].starts_with("delivered 4 times without being acknowledged"),
        "{}",
        dead[0].1["error"]
    );
}

#[tokio::test]
async fn long_running_handlers_keep_their_entries() {
    let server = server();
    let settings = config(&server);
    let publisher = Publisher::new(&settings).await.expect("publisher");
    let seen: Recorder<(String, i64)> = Recorder::new();
    let mut running = Vec::new();
    for name in ["slow-a", "slow-b"] {
        let seen = seen.clone();
        let mut settings = settings.clone();
        settings.subscriber.consumer_name = Some(name.into());
        settings.subscriber.concurrency = 2;
        let subscriber = Subscriber::builder(&settings)
            .on(move |event: UserCreatedV1| {
                let seen = seen.clone();
                async move {
                    // Over twice the claim idle time of 300 ms.
                    tokio::time::sleep(Duration::from_millis(800)).await;
                    seen.push((name.to_owned(), event.account_id));
                    Ok::<(), HandlerError>(())
                }
            })
            .build()
            .await
            .expect("subscriber");
        running.push(subscriber.spawn());
        if running.len() == 1 {
            publisher
                .publish_batch(&(0..2).map(user).collect::<Vec<_>>())
                .await
                .expect("batch");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    eventually("both handled", WAIT, || async { seen.len() >= 2 }).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    for subscriber in running {
        subscriber.shutdown().await.expect("shutdown");
    }
    let all = seen.all();
    assert_eq!(
        all.len(),
        2,
        "no entry was taken over while its handler ran: {all:?}"
    );
    assert!(all.iter().all(|(who, _)| who == "slow-a"));
}

#[tokio::test]
async fn retries_get_a_slot_while_the_reader_waits_on_an_idle_stream() {
    // One handler slot, held by the reader during each long blocking read: the claimer must
    // still get it for the retry.
    let server = server();
    let settings = config(&server);
    Publisher::new(&settings)
        .await
        .expect("publisher")
        .publish(&user(1))
        .await
        .expect("publish");
    let deliveries: Recorder<u32> = Recorder::new();
    let handler_deliveries = deliveries.clone();
    let mut settings = settings.clone();
    settings.subscriber.concurrency = 1;
    settings.subscriber.block_time = Duration::from_millis(400);
    let subscriber = Subscriber::builder(&settings)
        .on_raw("user.created", move |event: RawEvent| {
            let deliveries = handler_deliveries.clone();
            async move {
                deliveries.push(event.deliveries);
                if event.deliveries == 1 {
                    return Err(HandlerError::new("first attempt fails"));
                }
                Ok(())
            }
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();
    eventually("the retry ran", Duration::from_secs(3), || async {
        deliveries.len() >= 2
    })
    .await;
    subscriber.shutdown().await.expect("shutdown");
    assert_eq!(deliveries.all(), [1, 2]);
}

#[tokio::test]
async fn many_events_through_several_consumers_with_failures_all_arrive() {
    // Watermill's ResendOnError and ConcurrentSubscribe, scaled to the CI budget: every
    // tenth event fails on its first delivery; three consumers share the group.
    let server = server();
    let settings = config(&server);
    let seen: Recorder<i64> = Recorder::new();
    let mut running = Vec::new();
    for name in ["c1", "c2", "c3"] {
        let seen = seen.clone();
        let mut settings = settings.clone();
        settings.subscriber.consumer_name = Some(name.into());
        settings.subscriber.concurrency = 8;
        let subscriber = Subscriber::builder(&settings)
            .on_raw("user.created", move |event: RawEvent| {
                let seen = seen.clone();
                async move {
                    let value: serde_json::Value = serde_json::from_str(&event.event_data)?;
                    let id = value["account_id"].as_i64().ok_or("no account_id")?;
                    if id % 10 == 0 && event.deliveries == 1 {
                        return Err(HandlerError::new("transient"));
                    }
                    seen.push(id);
                    Ok(())
                }
            })
            .build()
            .await
            .expect("subscriber");
        running.push(subscriber.spawn());
    }
    let publishers: Vec<_> = (0..5)
        .map(|publisher_index| {
            let settings = settings.clone();
            tokio::spawn(async move {
                let publisher = Publisher::new(&settings).await.expect("publisher");
                let events: Vec<_> = (0..100).map(|n| user(publisher_index * 100 + n)).collect();
                publisher.publish_batch(&events).await.expect("batch");
            })
        })
        .collect();
    for publisher in publishers {
        publisher.await.expect("publisher task");
    }
    eventually("all 500 handled", Duration::from_secs(20), || async {
        seen.len() >= 500
    })
    .await;
    for subscriber in running {
        subscriber.shutdown().await.expect("shutdown");
    }
    let mut ids = seen.all();
    ids.sort_unstable();
    assert_eq!(
        ids,
        (0..500).collect::<Vec<_>>(),
        "every event exactly once after its successful attempt"
    );
    let mut conn = redis(&server).await;
    assert_eq!(pending_count(&mut conn, STREAM, "tests").await, 0);
    assert!(entries(&mut conn, DEAD_LETTERS).await.is_empty());
}
