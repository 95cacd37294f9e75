//! A rolling deployment of `parcel.weighed` v2 (`FULL`) on a redis-server, in either order.
//! Producers first: the newer producer publishes v2 while the older consumer still runs, and
//! reads it as v1. Consumers first: the newer consumer takes over the group while the older
//! producer still publishes v1, and upgrades it to v2. Older and newer services overlap as
//! they do while instances are replaced one by one. Either way every event is handled and
//! nothing is dead-lettered.

use std::collections::BTreeSet;

use event_runtime::testing::Recorder;
use event_runtime::{EventId, HandlerError, Publisher, RunningSubscriber};

use super::{Broker, SETTLE, newer, older, weighed_v1, weighed_v2};

/// Events published in each step of a deployment, per producer.
const BATCH: i64 = 10;

/// The consumers of one group and what each handled: event ids and, for the newer consumer,
/// the scale (v1 events arrive upgraded, with the default `main`).
#[derive(Default)]
struct Handled {
    older: Recorder<EventId>,
    newer: Recorder<(EventId, String)>,
}

impl Handled {
    async fn older_consumer(&self, broker: &Broker, name: &str) -> RunningSubscriber {
        let record = self.older.clone();
        broker
            .subscriber(&broker.config(name))
            .on(move |event: older::ParcelWeighedV1| {
                record.push(event.envelope.event_id);
                async { Ok::<(), HandlerError>(()) }
            })
            .build()
            .await
            .expect("the older consumer starts")
            .spawn()
    }

    async fn newer_consumer(&self, broker: &Broker, name: &str) -> RunningSubscriber {
        let record = self.newer.clone();
        broker
            .subscriber(&broker.config(name))
            .on(move |event: newer::ParcelWeighedV2| {
                record.push((event.envelope.event_id, event.scale));
                async { Ok::<(), HandlerError>(()) }
            })
            .build()
            .await
            .expect("the newer consumer starts")
            .spawn()
    }

    /// Every event id handled, by either consumer, once each.
    fn ids(&self) -> BTreeSet<EventId> {
        let older = self.older.all();
        let newer: Vec<EventId> = self.newer.all().into_iter().map(|(id, _)| id).collect();
        let all: BTreeSet<EventId> = older.iter().chain(&newer).cloned().collect();
        assert_eq!(
            all.len(),
            older.len() + newer.len(),
            "an event handled twice"
        );
        all
    }
}

/// Publishes `BATCH` events of each producer given, interleaved as two services publishing at
/// once would be; returns their ids by version.
async fn publish(
    older: Option<&Publisher>,
    newer: Option<&Publisher>,
    first_parcel: i64,
) -> (Vec<EventId>, Vec<EventId>) {
    let (mut v1, mut v2) = (Vec::new(), Vec::new());
    for parcel in first_parcel..first_parcel + BATCH {
        if let Some(publisher) = older {
            let event = weighed_v1(parcel);
            publisher.publish(&event).await.expect("publish v1");
            v1.push(event.envelope.event_id);
        }
        if let Some(publisher) = newer {
            let event = weighed_v2(parcel);
            publisher.publish(&event).await.expect("publish v2");
            v2.push(event.envelope.event_id);
        }
    }
    (v1, v2)
}

async fn settle(subscriber: &RunningSubscriber) {
    subscriber.settled(SETTLE).await.expect("settled");
}

async fn nothing_dead_lettered(broker: &Broker) {
    let dead = broker.dead_letters("parcel.weighed").await;
    assert!(dead.is_empty(), "dead letters: {dead:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn producers_first() {
    let broker = Broker::redis();
    let handled = Handled::default();
    let older_producer = broker.publisher(&broker.config("older-producer")).await;
    let consumer = handled.older_consumer(&broker, "older-1").await;
    let (before, _) = publish(Some(&older_producer), None, 1).await;

    // The newer producer is deployed while the older one still runs; the consumers are older.
    let newer_producer = broker.publisher(&broker.config("newer-producer")).await;
    let (overlap, newer_data) = publish(Some(&older_producer), Some(&newer_producer), 100).await;
    settle(&consumer).await;
    let read_by_older: BTreeSet<EventId> = handled.older.all().into_iter().collect();
    assert!(
        newer_data.iter().all(|id| read_by_older.contains(id)),
        "the older consumer read every v2 event as v1"
    );

    // The consumers follow: a newer instance joins the group, the older one leaves.
    let newer_consumer = handled.newer_consumer(&broker, "newer-1").await;
    consumer.shutdown().await.expect("shutdown");
    let (_, after) = publish(None, Some(&newer_producer), 200).await;
    settle(&newer_consumer).await;
    newer_consumer.shutdown().await.expect("shutdown");

    let published: BTreeSet<EventId> = [before, overlap, newer_data, after]
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(published.len() as i64, 4 * BATCH);
    assert_eq!(handled.ids(), published, "every event handled once");
    nothing_dead_lettered(&broker).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumers_first() {
    let broker = Broker::redis();
    let handled = Handled::default();
    let older_producer = broker.publisher(&broker.config("older-producer")).await;
    let consumer = handled.older_consumer(&broker, "older-1").await;
    let (before, _) = publish(Some(&older_producer), None, 1).await;
    settle(&consumer).await;

    // A newer consumer joins the group while the older one still runs, then the older one
    // leaves; the producers are older.
    let newer_consumer = handled.newer_consumer(&broker, "newer-1").await;
    let (overlap, _) = publish(Some(&older_producer), None, 100).await;
    settle(&consumer).await;
    consumer.shutdown().await.expect("shutdown");
    let (older_data, _) = publish(Some(&older_producer), None, 200).await;
    settle(&newer_consumer).await;
    let upgraded: Vec<(EventId, String)> = handled
        .newer
        .all()
        .into_iter()
        .filter(|(id, _)| older_data.contains(id))
        .collect();
    assert_eq!(
        upgraded.len(),
        older_data.len(),
        "the newer consumer read every v1 event"
    );
    assert!(
        upgraded.iter().all(|(_, scale)| scale == "main"),
        "v1 events are upgraded with v2's default"
    );

    // The producers follow, overlapping.
    let newer_producer = broker.publisher(&broker.config("newer-producer")).await;
    let (last_v1, newer_data) = publish(Some(&older_producer), Some(&newer_producer), 300).await;
    settle(&newer_consumer).await;
    newer_consumer.shutdown().await.expect("shutdown");

    let published: BTreeSet<EventId> = [before, overlap, older_data, last_v1, newer_data]
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(published.len() as i64, 5 * BATCH);
    assert_eq!(handled.ids(), published, "every event handled once");
    nothing_dead_lettered(&broker).await;
}
