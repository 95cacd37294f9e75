//! A subscriber's life: graceful shutdown and its deadline, a lost group recreated, a Redis
//! restart survived.

use std::collections::HashSet;
use std::time::Duration;

use event_runtime::{HandlerError, Publisher, Subscriber};

use crate::common::{
    Recorder, UserCreatedV1, config, eventually, pending_count, redis, server, user,
};

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn graceful_shutdown_finishes_running_handlers_and_loses_nothing() {
    let server = server();
    let settings = config(&server);
    let publisher = Publisher::new(&settings).await.expect("publisher");
    publisher
        .publish_batch(&(0..40).map(user).collect::<Vec<_>>())
        .await
        .expect("batch");
    let seen: Recorder<i64> = Recorder::new();
    let build = |seen: Recorder<i64>| {
        let mut settings = settings.clone();
        settings.subscriber.concurrency = 5;
        Subscriber::builder(&settings).on(move |event: UserCreatedV1| {
            let seen = seen.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(30)).await;
                seen.push(event.account_id);
                Ok::<(), HandlerError>(())
            }
        })
    };
    let first = build(seen.clone())
        .build()
        .await
        .expect("subscriber")
        .spawn();
    eventually("some handled", WAIT, || async { seen.len() >= 8 }).await;
    first.shutdown().await.expect("shutdown");
    let handled_before = seen.len();
    assert!(handled_before < 40, "shut down too late to test anything");
    let mut conn = redis(&server).await;
    assert_eq!(
        pending_count(&mut conn, "events:user.created", "tests").await,
        0,
        "running handlers finish and are acknowledged before shutdown returns"
    );
    let second = build(seen.clone())
        .build()
        .await
        .expect("subscriber")
        .spawn();
    eventually("the rest handled by the next consumer", WAIT, || async {
        seen.len() >= 40
    })
    .await;
    second.shutdown().await.expect("shutdown");
    let mut ids = seen.all();
    ids.sort_unstable();
    assert_eq!(ids, (0..40).collect::<Vec<_>>());
}

#[tokio::test]
async fn shutdown_deadline_leaves_unfinished_entries_pending() {
    let server = server();
    let settings = config(&server);
    let publisher = Publisher::new(&settings).await.expect("publisher");
    publisher.publish(&user(1)).await.expect("publish");
    let started: Recorder<i64> = Recorder::new();
    let handler_started = started.clone();
    let mut settings = settings.clone();
    settings.subscriber.shutdown_timeout = Duration::from_millis(100);
    let subscriber = Subscriber::builder(&settings)
        .on(move |event: UserCreatedV1| {
            let started = handler_started.clone();
            async move {
                started.push(event.account_id);
                tokio::time::sleep(Duration::from_secs(30)).await;
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();
    eventually("the handler started", WAIT, || async { started.len() == 1 }).await;
    let shutdown = tokio::time::timeout(Duration::from_secs(2), subscriber.shutdown()).await;
    shutdown
        .expect("shutdown respects its deadline")
        .expect("shutdown");
    let mut conn = redis(&server).await;
    assert_eq!(
        pending_count(&mut conn, "events:user.created", "tests").await,
        1
    );
}

#[tokio::test]
async fn a_lost_group_is_recreated_and_consumption_goes_on() {
    let server = server();
    let settings = config(&server);
    let publisher = Publisher::new(&settings).await.expect("publisher");
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
    publisher.publish(&user(1)).await.expect("publish");
    eventually("first event", WAIT, || async { seen.len() == 1 }).await;
    let mut conn = redis(&server).await;
    let _: () = redis::cmd("FLUSHALL")
        .query_async(&mut conn)
        .await
        .expect("FLUSHALL");
    publisher
        .publish(&user(2))
        .await
        .expect("publish after the flush");
    eventually("event after the flush", WAIT, || async { seen.len() == 2 }).await;
    let _: () = redis::cmd("DEL")
        .arg("events:user.created")
        .query_async(&mut conn)
        .await
        .expect("DEL");
    publisher
        .publish(&user(3))
        .await
        .expect("publish after DEL");
    eventually("event after the stream was deleted", WAIT, || async {
        seen.len() == 3
    })
    .await;
    subscriber.shutdown().await.expect("shutdown");
    assert_eq!(seen.all(), [1, 2, 3]);
}

#[tokio::test]
async fn consumption_survives_a_redis_restart() {
    let mut server = server();
    let settings = config(&server);
    let publisher = Publisher::new(&settings).await.expect("publisher");
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
    publisher
        .publish_batch(&(0..5).map(user).collect::<Vec<_>>())
        .await
        .expect("before");
    eventually("first half", WAIT, || async { seen.len() >= 5 }).await;
    server.restart().expect("restart");
    publisher
        .publish_batch(&(5..10).map(user).collect::<Vec<_>>())
        .await
        .expect("after");
    eventually("second half after the restart", WAIT, || async {
        seen.all().into_iter().collect::<HashSet<_>>().len() == 10
    })
    .await;
    subscriber.shutdown().await.expect("shutdown");
}
