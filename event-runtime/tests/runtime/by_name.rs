//! The runtime for tools that know event types by name only (`events publish`, `listen`,
//! `consume --count`): `Publisher::publish_encoded`, `RawLiveSubscription` and
//! `SubscriberBuilder::limit`.

use std::time::Duration;

use event_runtime::{
    EncodedEvent, HandlerError, Publisher, RawEvent, RawLiveSubscription, Subscriber,
};

use crate::common::{Recorder, config, entries, pending_count, redis, server, user};

#[tokio::test]
async fn an_encoded_event_is_written_as_a_typed_one_and_broadcast() {
    let server = server();
    let settings = config(&server);
    let mut live = RawLiveSubscription::connect(&settings, "user.created")
        .await
        .expect("live");
    assert_eq!(live.channel(), "events.user.created");
    let publisher = Publisher::new(&settings).await.expect("publisher");
    let typed = user(7);
    publisher.publish(&typed).await.expect("publish");
    let mut conn = redis(&server).await;
    let (_, stored) = entries(&mut conn, "events:user.created")
        .await
        .pop()
        .expect("the typed entry");

    // The same event again, by name, with the wire JSON the typed publish wrote.
    let encoded = EncodedEvent {
        event_type: "user.created".to_owned(),
        version: 1,
        event_id: typed.envelope.event_id.clone(),
        timestamp: typed.envelope.timestamp,
        event_data: stored["event_data"].clone(),
    };
    let receipt = publisher
        .publish_encoded(&encoded)
        .await
        .expect("publish encoded");
    assert_eq!(receipt.stream, "events:user.created");
    assert_eq!(receipt.event_id, typed.envelope.event_id);
    let written = entries(&mut conn, "events:user.created").await;
    assert_eq!(written.len(), 2);
    assert_eq!(written[1].1, stored, "the same entry fields, in full");
    let raw: Vec<(String, Vec<String>)> = redis::cmd("XRANGE")
        .arg("events:user.created")
        .arg(&receipt.stream_id)
        .arg(&receipt.stream_id)
        .query_async(&mut conn)
        .await
        .expect("XRANGE");
    let names: Vec<&str> = raw[0].1.iter().step_by(2).map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "event_id",
            "event_type",
            "version",
            "timestamp",
            "event_data"
        ],
        "the documented order"
    );

    for _ in 0..2 {
        let message = tokio::time::timeout(Duration::from_secs(5), live.next())
            .await
            .expect("in time")
            .expect("open")
            .expect("UTF-8");
        assert_eq!(message, stored["event_data"], "the message is event_data");
    }

    let mut oversized = encoded.clone();
    oversized.event_data = format!("{{\"pad\":\"{}\"}}", "x".repeat(2 << 20));
    let error = publisher
        .publish_encoded(&oversized)
        .await
        .expect_err("over the size limit");
    assert!(error.to_string().contains("nothing was written"), "{error}");
    assert_eq!(entries(&mut conn, "events:user.created").await.len(), 2);
}

#[tokio::test]
async fn a_limited_subscriber_takes_that_many_entries_settles_them_and_stops() {
    let server = server();
    let settings = config(&server);
    let publisher = Publisher::new(&settings).await.expect("publisher");
    let mut conn = redis(&server).await;
    // Entry 2 is not an event at all: the runtime dead-letters it before any handler.
    publisher.publish(&user(1)).await.expect("publish");
    let _: String = redis::cmd("XADD")
        .arg("events:user.created")
        .arg("*")
        .arg("junk")
        .arg("no event_data")
        .query_async(&mut conn)
        .await
        .expect("XADD");
    for id in 3..=6 {
        publisher.publish(&user(id)).await.expect("publish");
    }

    let seen: Recorder<String> = Recorder::new();
    let handled = seen.clone();
    let mut settings = settings.clone();
    settings.subscriber.consumer_group = "limited".into();
    // Room for all six in one read: the limit alone holds it to three.
    settings.subscriber.batch_size = 10;
    settings.subscriber.concurrency = 10;
    let subscriber = Subscriber::builder(&settings)
        .limit(3)
        .on_raw("user.created", move |event: RawEvent| {
            let handled = handled.clone();
            async move {
                handled.push(event.id);
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .await
        .expect("subscriber");
    // No shutdown asked: it stops by itself once three entries are settled.
    tokio::time::timeout(Duration::from_secs(10), subscriber.run())
        .await
        .expect("stops by itself")
        .expect("runs");
    assert_eq!(seen.len(), 2, "two events handled: {:?}", seen.all());
    let dead = entries(&mut conn, "events:dlq:user.created").await;
    assert_eq!(dead.len(), 1, "the third entry taken was dead-lettered");
    assert_eq!(
        pending_count(&mut conn, "events:user.created", "limited").await,
        0
    );
    let groups: redis::streams::StreamInfoGroupsReply = redis::cmd("XINFO")
        .arg("GROUPS")
        .arg("events:user.created")
        .query_async(&mut conn)
        .await
        .expect("XINFO");
    assert_eq!(
        groups.groups[0].lag,
        Some(3),
        "the three entries it did not take are left for the group"
    );
}

#[tokio::test]
async fn a_limited_subscriber_claims_idle_entries_of_other_consumers() {
    let server = server();
    let mut settings = config(&server);
    // Reads block long, as in production: the claimer still gets its share of the limit.
    settings.subscriber.block_time = Duration::from_secs(2);
    let publisher = Publisher::new(&settings).await.expect("publisher");
    let mut conn = redis(&server).await;
    publisher.publish(&user(1)).await.expect("publish");
    publisher.publish(&user(2)).await.expect("publish");
    // A consumer of the group read both and died.
    let _: () = redis::cmd("XGROUP")
        .arg(&["CREATE", "events:user.created", "limited", "0"])
        .query_async(&mut conn)
        .await
        .expect("XGROUP CREATE");
    let _: redis::Value = redis::cmd("XREADGROUP")
        .arg(&[
            "GROUP",
            "limited",
            "dead",
            "STREAMS",
            "events:user.created",
            ">",
        ])
        .query_async(&mut conn)
        .await
        .expect("XREADGROUP");
    tokio::time::sleep(settings.subscriber.claim_min_idle).await;

    let seen: Recorder<String> = Recorder::new();
    let handled = seen.clone();
    let mut settings = settings.clone();
    settings.subscriber.consumer_group = "limited".into();
    settings.subscriber.batch_size = 2;
    settings.subscriber.concurrency = 2;
    let subscriber = Subscriber::builder(&settings)
        .limit(2)
        .on_raw("user.created", move |event: RawEvent| {
            let handled = handled.clone();
            async move {
                handled.push(event.id);
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .await
        .expect("subscriber");
    tokio::time::timeout(Duration::from_secs(20), subscriber.run())
        .await
        .expect("claims both and stops by itself")
        .expect("runs");
    assert_eq!(seen.len(), 2, "{:?}", seen.all());
    assert_eq!(
        pending_count(&mut conn, "events:user.created", "limited").await,
        0
    );
}
