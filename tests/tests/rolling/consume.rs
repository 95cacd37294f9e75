//! An older consumer meets a newer producer: the `FULL` type's v2 events are handled as v1,
//! the `BACKWARD` type's are dead-lettered with the upgrade to make, and newer data that
//! breaks v1 (a required field missing, a constraint broken) is dead-lettered with the decode
//! failure. The older service's live subscriptions and replays read and refuse the same. In
//! memory and on a redis-server, through the same subscriber, pub/sub and replay code.

use event_runtime::testing::Recorder;
use event_runtime::{HandlerError, RunningSubscriber};

use super::{Broker, SETTLE, labelled_v2, older, weighed_v2};

const PARCELS: i64 = 5;

#[tokio::test]
async fn in_memory() {
    an_older_consumer_meets_a_newer_producer(Broker::memory()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_redis() {
    an_older_consumer_meets_a_newer_producer(Broker::redis()).await;
}

/// The older service's consumer of both types: what it handled, by type.
struct OlderConsumer {
    subscriber: RunningSubscriber,
    weighed: Recorder<(i64, i32)>,
    labelled: Recorder<i64>,
}

async fn older_consumer(broker: &Broker) -> OlderConsumer {
    let weighed = Recorder::new();
    let labelled = Recorder::new();
    let (weighed_record, labelled_record) = (weighed.clone(), labelled.clone());
    let subscriber = broker
        .subscriber(&broker.config("older-1"))
        .on(move |event: older::ParcelWeighedV1| {
            weighed_record.push((event.parcel_id, event.grams));
            async { Ok::<(), HandlerError>(()) }
        })
        .on(move |event: older::ParcelLabelledV1| {
            labelled_record.push(event.parcel_id);
            async { Ok::<(), HandlerError>(()) }
        })
        .build()
        .await
        .expect("the older consumer starts")
        .spawn();
    OlderConsumer {
        subscriber,
        weighed,
        labelled,
    }
}

async fn an_older_consumer_meets_a_newer_producer(broker: Broker) {
    let consumer = older_consumer(&broker).await;
    let live_config = broker.config("older-live");
    let mut live_weighed = broker.live::<older::ParcelWeighedV1>(&live_config).await;
    let mut live_labelled = broker.live::<older::ParcelLabelledV1>(&live_config).await;
    let publisher = broker.publisher(&broker.config("newer-producer")).await;
    for parcel in 1..=PARCELS {
        publisher
            .publish(&weighed_v2(parcel))
            .await
            .expect("publish");
        publisher
            .publish(&labelled_v2(parcel))
            .await
            .expect("publish");
    }
    // Newer data that v1 cannot read, from a producer that does not validate.
    let missing = r#"{"event_type":"parcel.weighed","version":"v2","event_id":"e-missing","timestamp":"2025-09-26T10:30:00Z","parcel_id":90,"scale":"dock-3"}"#;
    let broken = r#"{"event_type":"parcel.weighed","version":"v2","event_id":"e-broken","timestamp":"2025-09-26T10:30:00Z","parcel_id":91,"grams":0,"scale":"dock-3"}"#;
    for data in [missing, broken] {
        broker
            .append("parcel.weighed", &[("version", "v2"), ("event_data", data)])
            .await;
    }
    consumer
        .subscriber
        .settled(SETTLE)
        .await
        .expect("every entry handled or dead-lettered");
    consumer.subscriber.shutdown().await.expect("shutdown");

    let mut weighed = consumer.weighed.all();
    weighed.sort_unstable();
    let expected: Vec<(i64, i32)> = (1..=PARCELS)
        .map(|parcel| (parcel, 100 + i32::try_from(parcel).unwrap_or(0)))
        .collect();
    assert_eq!(weighed, expected, "FULL: every v2 event handled as v1");
    assert!(
        consumer.labelled.is_empty(),
        "BACKWARD: no v2 event handled as v1"
    );

    let labelled = broker.dead_letters("parcel.labelled").await;
    assert_eq!(labelled.len() as i64, PARCELS, "{labelled:?}");
    for dead in &labelled {
        assert_eq!(
            dead["error"],
            "cannot decode as parcel.labelled v1: parcel.labelled v2 is newer than v1, which this service reads, and parcel.labelled is BACKWARD, which does not promise that readers of v1 read v2: deploy consumers built with v2 first"
        );
        assert_eq!(dead["version"], "v2");
    }

    let weighed_dead: Vec<String> = broker
        .dead_letters("parcel.weighed")
        .await
        .into_iter()
        .map(|dead| dead["error"].clone())
        .collect();
    assert_eq!(
        weighed_dead,
        [
            "cannot decode as parcel.weighed v1: parcel.weighed v1: field `grams`: missing field `grams`",
            "cannot decode as parcel.weighed v1: parcel.weighed v1 is invalid: `grams` must be at least 1, found 0",
        ],
        "newer data that breaks v1 is dead-lettered with the decode failure"
    );

    // Live, the older service reads the FULL type's v2 messages as v1 and refuses the others.
    for parcel in 1..=PARCELS {
        let event = next(&mut live_weighed).await.expect("FULL: v2 read as v1");
        assert_eq!(event.parcel_id, parcel);
        let error = next(&mut live_labelled).await.expect_err("BACKWARD");
        assert!(
            error
                .to_string()
                .ends_with("deploy consumers built with v2 first"),
            "{error}"
        );
    }

    // The older service replays both streams: the same entries are read and skipped.
    let replayer = broker.replayer(&broker.config("older-replay")).await;
    let (from, to) = (
        chrono::Utc::now() - chrono::TimeDelta::hours(1),
        chrono::Utc::now(),
    );
    let replayed = Recorder::new();
    let record = replayed.clone();
    let report = replayer
        .replay(from, to, |event: older::ParcelWeighedV1| {
            record.push(event.parcel_id);
            async { Ok::<(), HandlerError>(()) }
        })
        .await
        .expect("replay");
    assert_eq!((report.handled, report.skipped), (5, 2), "{report:?}");
    assert_eq!(replayed.len() as i64, PARCELS);
    let report = replayer
        .replay(from, to, |_: older::ParcelLabelledV1| async {
            Ok::<(), HandlerError>(())
        })
        .await
        .expect("replay");
    assert_eq!((report.handled, report.skipped), (0, 5), "{report:?}");
}

/// The next message of a live subscription, waited for at most [`SETTLE`].
async fn next<E: event_runtime::Event>(
    live: &mut event_runtime::LiveSubscription<E>,
) -> event_runtime::Result<E> {
    tokio::time::timeout(SETTLE, live.next())
        .await
        .expect("a message in time")
        .expect("the subscription is open")
}
