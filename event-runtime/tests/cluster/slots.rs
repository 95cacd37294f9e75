//! No command crosses slots: partitions spread over nodes with per-key order, dead letters
//! in the slot of their stream, one subscriber reading types in many slots, live pub/sub
//! across nodes, and `WAIT` on a cluster.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use event_runtime::config::{Durability, Partitioning};
use event_runtime::wire::{cluster_dead_letter_key, partition_key, stream_keys};
use event_runtime::{ErrorKind, HandlerError, LiveSubscription, Publisher, Subscriber};

use crate::support::{
    Alpha, Beta, Delta, Epsilon, Gamma, Keyed, Poison, Tally, config, connection, start_cluster,
};

const WAIT: Duration = Duration::from_secs(60);

/// A type spread over eight partitions lands on several masters; one subscriber with one
/// handler per partition (partitions in parallel) sees every key's events in publish order,
/// from single publishes and from batches (which go out as one pipeline per slot).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partitions_spread_over_masters_and_keep_per_key_order() {
    let cluster = start_cluster();
    let mut config = config(&cluster);
    config
        .partitions
        .insert("cluster.keyed".to_owned(), Partitioning::new(8, "key"));
    let masters: HashSet<u16> = (0..8)
        .map(|partition| {
            cluster
                .master_for_key(&partition_key("cluster.keyed", partition))
                .expect("master")
        })
        .collect();
    assert!(
        masters.len() >= 2,
        "all partitions on one master: {masters:?}"
    );

    let order: Arc<Mutex<BTreeMap<String, Vec<i64>>>> = Arc::default();
    let handler_order = order.clone();
    let tally = Tally::default();
    let handler_tally = tally.clone();
    let mut config = config.clone();
    config.subscriber.concurrency = 8;
    config.subscriber.stream_concurrency = Some(1);
    let subscriber = Subscriber::builder(&config)
        .on(move |event: Keyed| {
            handler_tally.handled(event.n);
            handler_order
                .lock()
                .expect("order")
                .entry(event.key)
                .or_default()
                .push(event.seq);
            async { Ok::<(), HandlerError>(()) }
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();
    let publisher = Publisher::new(&config).await.expect("publisher");
    let events: Vec<Keyed> = (0..1_000)
        .map(|n| Keyed::new(n, &format!("key-{}", n % 20), n / 20))
        .collect();
    let mut streams = HashSet::new();
    for event in &events[..500] {
        streams.insert(publisher.publish(event).await.expect("publish").stream);
    }
    for chunk in events[500..].chunks(50) {
        for receipt in publisher.publish_batch(chunk).await.expect("batch") {
            streams.insert(receipt.stream);
        }
    }
    assert!(
        streams.len() >= 6,
        "20 keys used {} partitions",
        streams.len()
    );
    tally.wait_for(1_000, WAIT).await;
    subscriber.shutdown().await.expect("shutdown");
    let order = order.lock().expect("order").clone();
    assert_eq!(order.len(), 20);
    for (key, seqs) in order {
        assert_eq!(seqs, (0..50).collect::<Vec<_>>(), "order of {key}");
    }
    assert_eq!(tally.all().len(), 1_000, "no duplicates");
}

/// A poison event moves to `events:dlq:{events:<type>}`, in the slot of its stream (one
/// `MULTI`), and one of a partitioned type to the type's dead-letter stream too (written,
/// then acknowledged); nothing stays pending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_go_to_the_types_dead_letter_stream() {
    let cluster = start_cluster();
    let mut config = config(&cluster);
    config
        .partitions
        .insert("cluster.keyed".to_owned(), Partitioning::new(3, "key"));
    let tally = Tally::default();
    let subscriber = Subscriber::builder(&config)
        .on(|_: Poison| async { Err::<(), _>(HandlerError::permanent("poison")) })
        .on(|event: Keyed| async move {
            if event.n == 7 {
                Err(HandlerError::permanent("poison key"))
            } else {
                Ok(())
            }
        })
        .on(tally.recorder(|event: &Alpha| event.n))
        .build()
        .await
        .expect("subscriber")
        .spawn();
    let publisher = Publisher::new(&config).await.expect("publisher");
    publisher.publish(&Poison::new(1)).await.expect("publish");
    for n in 0..10 {
        publisher
            .publish(&Keyed::new(n, &format!("key-{n}"), 0))
            .await
            .expect("publish");
    }
    publisher.publish(&Alpha::new(1)).await.expect("publish");
    tally.wait_for(1, WAIT).await;
    let mut conn = connection(&cluster).await;
    let started = Instant::now();
    loop {
        let poison: u64 = redis::cmd("XLEN")
            .arg(cluster_dead_letter_key("cluster.poison"))
            .query_async(&mut conn)
            .await
            .expect("XLEN");
        let keyed: u64 = redis::cmd("XLEN")
            .arg(cluster_dead_letter_key("cluster.keyed"))
            .query_async(&mut conn)
            .await
            .expect("XLEN");
        if poison == 1 && keyed == 1 {
            break;
        }
        assert!(
            started.elapsed() < WAIT,
            "dead letters: {poison} and {keyed}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    subscriber.shutdown().await.expect("shutdown");
    let keyed: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
        .arg(cluster_dead_letter_key("cluster.keyed"))
        .arg("-")
        .arg("+")
        .query_async(&mut conn)
        .await
        .expect("XRANGE");
    let original: String = keyed.ids[0].get("original_stream").expect("provenance");
    assert!(original.starts_with("events:cluster.keyed:p"), "{original}");
    let streams = stream_keys("cluster.keyed", config.partitioning("cluster.keyed"))
        .into_iter()
        .chain(["events:cluster.poison".to_owned()]);
    for stream in streams {
        let pending: redis::streams::StreamPendingReply = redis::cmd("XPENDING")
            .arg(&stream)
            .arg("cluster-tests")
            .query_async(&mut conn)
            .await
            .expect("XPENDING");
        assert_eq!(pending.count(), 0, "{stream}");
    }
}

/// One subscriber of five types, whose streams sit in different slots, gets every event
/// (one `XREADGROUP` per slot), and an event of one type is not held up for long by reads
/// that block on the others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_subscriber_reads_types_in_many_slots() {
    let cluster = start_cluster();
    let mut config = config(&cluster);
    config.subscriber.block_time = Duration::from_millis(1000);
    let tally = Tally::default();
    let arrived: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let handler_arrived = arrived.clone();
    let epsilon_tally = tally.clone();
    let subscriber = Subscriber::builder(&config)
        .on(tally.recorder(|event: &Alpha| event.n))
        .on(tally.recorder(|event: &Beta| 1_000 + event.n))
        .on(tally.recorder(|event: &Gamma| 2_000 + event.n))
        .on(tally.recorder(|event: &Delta| 3_000 + event.n))
        .on(move |event: Epsilon| {
            handler_arrived
                .lock()
                .expect("arrived")
                .push(Instant::now());
            epsilon_tally.handled(4_000 + event.n);
            async { Ok::<(), HandlerError>(()) }
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();
    let publisher = Publisher::new(&config).await.expect("publisher");
    for n in 0..50 {
        publisher.publish(&Alpha::new(n)).await.expect("publish");
        publisher.publish(&Beta::new(n)).await.expect("publish");
        publisher.publish(&Gamma::new(n)).await.expect("publish");
        publisher.publish(&Delta::new(n)).await.expect("publish");
    }
    tally.wait_for(200, WAIT).await;
    // Idle now: every read blocks. Events of the fifth type still arrive within about the
    // block time.
    let mut latencies = Vec::new();
    for n in 0..5 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let sent = Instant::now();
        publisher.publish(&Epsilon::new(n)).await.expect("publish");
        tally.wait_for(201 + n as usize, WAIT).await;
        let at = *arrived.lock().expect("arrived").last().expect("arrived");
        latencies.push(at.duration_since(sent));
    }
    subscriber.shutdown().await.expect("shutdown");
    assert_eq!(tally.all().len(), 205, "no duplicates");
    let slowest = latencies.iter().max().copied().unwrap_or_default();
    eprintln!("cluster one_subscriber_reads_types_in_many_slots: idle latencies {latencies:?}");
    assert!(
        slowest < Duration::from_millis(2_500),
        "an event waited {slowest:?} (block time 1 s)"
    );
}

/// A live subscription (on the first node of the list) hears what `MULTI XADD PUBLISH EXEC`
/// published on the masters of other slots: classic `PUBLISH` is broadcast to every node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_subscribers_hear_events_published_on_other_nodes() {
    let cluster = start_cluster();
    let config = config(&cluster);
    let subscribed_to = cluster.ports()[0];
    let masters: Vec<u16> = ["alpha", "beta", "gamma", "delta", "epsilon"]
        .iter()
        .map(|name| {
            cluster
                .master_for_key(&format!("events:cluster.{name}"))
                .expect("master")
        })
        .collect();
    assert!(
        masters.iter().any(|master| *master != subscribed_to),
        "every stream on the subscribed node: {masters:?}"
    );
    let publisher = Publisher::new(&config).await.expect("publisher");
    macro_rules! hears {
        ($($event:ident = $n:expr),*) => {{
            let mut heard = Vec::new();
            $(
                let mut live = LiveSubscription::<$event>::connect(&config)
                    .await
                    .expect("subscribe");
                publisher.publish(&$event::new($n)).await.expect("publish");
                let event = tokio::time::timeout(Duration::from_secs(5), live.next())
                    .await
                    .expect("in time")
                    .expect("open")
                    .expect("decodes");
                heard.push(event.n);
            )*
            heard
        }};
    }
    let heard = hears!(Alpha = 1, Beta = 2, Gamma = 3, Delta = 4, Epsilon = 5);
    assert_eq!(heard, [1, 2, 3, 4, 5]);
}

/// `WAIT` on a cluster: one replica per master acknowledges; two cannot, which is an error
/// of kind `NotReplicated` after the write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn durable_publish_waits_for_replicas() {
    let cluster = start_cluster();
    let mut config = config(&cluster);
    config.publisher.durable = Some(Durability::new(1, Duration::from_millis(2_000)));
    let publisher = Publisher::new(&config).await.expect("publisher");
    let batch: Vec<Alpha> = (0..20).map(Alpha::new).collect();
    publisher
        .publish_batch(&batch)
        .await
        .expect("durable batch");
    publisher
        .publish(&Beta::new(1))
        .await
        .expect("durable publish");

    config.publisher.durable = Some(Durability::new(2, Duration::from_millis(200)));
    let publisher = Publisher::new(&config).await.expect("publisher");
    let error = publisher
        .publish(&Gamma::new(1))
        .await
        .expect_err("only one replica");
    assert_eq!(error.kind(), ErrorKind::NotReplicated, "{error}");
    assert!(
        error
            .to_string()
            .contains("acknowledged by 1 of 2 replicas within 200 ms"),
        "{error}"
    );
    let mut conn = connection(&cluster).await;
    let written: u64 = redis::cmd("XLEN")
        .arg("events:cluster.gamma")
        .query_async(&mut conn)
        .await
        .expect("XLEN");
    assert_eq!(written, 1, "the event is written all the same");
}

/// A planned failover under running clients: the publisher's and subscriber's connections
/// still route the slot to the old master, which answers `MOVED` (to whole pipelines and
/// transactions too, which are sent again to the new master); nothing is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planned_failover_moves_slots_under_running_clients() {
    let cluster = start_cluster();
    let config = config(&cluster);
    let tally = Tally::default();
    let subscriber = Subscriber::builder(&config)
        .on(tally.recorder(|event: &Alpha| event.n))
        .build()
        .await
        .expect("subscriber")
        .spawn();
    let publisher = Publisher::new(&config).await.expect("publisher");
    let batch: Vec<Alpha> = (0..100).map(Alpha::new).collect();
    publisher.publish_batch(&batch).await.expect("batch");
    for n in 100..200 {
        publisher.publish(&Alpha::new(n)).await.expect("publish");
    }
    tally.wait_for(200, WAIT).await;
    let old = cluster
        .master_for_key("events:cluster.alpha")
        .expect("master");
    let new = tokio::task::block_in_place(|| cluster.fail_over(old)).expect("failover");
    assert_eq!(
        cluster
            .master_for_key("events:cluster.alpha")
            .expect("master"),
        new
    );
    // The publisher's connection still knows the old layout: these go to the old master
    // first and come back with MOVED.
    let batch: Vec<Alpha> = (200..300).map(Alpha::new).collect();
    publisher
        .publish_batch(&batch)
        .await
        .expect("batch after failover");
    for n in 300..400 {
        publisher
            .publish(&Alpha::new(n))
            .await
            .expect("publish after failover");
    }
    tally.wait_for(400, WAIT).await;
    subscriber.shutdown().await.expect("shutdown");
    let times = tally.times();
    assert_eq!(times.len(), 400);
    eprintln!(
        "cluster planned failover {old} -> {new}: 400 handled, {} duplicates",
        times.values().map(|count| count - 1).sum::<u64>()
    );
}
