//! Partitions on one Redis server and on the in-memory broker: where events go, per-key
//! order, the plain stream read too, replay, dead letters; and durable publish without
//! replicas. (The same on a Redis Cluster: `tests/cluster/`.)

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use event_runtime::config::{Durability, Partitioning};
use event_runtime::memory::MemoryBroker;
use event_runtime::wire::{dead_letter_key, partition_key, partition_of_text};
use event_runtime::{
    Config, Envelope, ErrorKind, Event, HandlerError, Publisher, Replayer, Subscriber,
    SubscriberBuilder,
};
use serde::{Deserialize, Serialize};

use crate::common::{config, eventually, pending_count, redis, server};

/// An event with an ordering key (the partition key) and the key's sequence number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[event(name = "shard.keyed", version = 1)]
struct Keyed {
    #[serde(flatten)]
    envelope: Envelope,
    key: Option<String>,
    seq: i64,
    #[serde(default)]
    tags: Vec<String>,
}

fn keyed(key: &str, seq: i64) -> Keyed {
    Keyed {
        envelope: Envelope::new(),
        key: Some(key.to_owned()),
        seq,
        tags: Vec::new(),
    }
}

fn partitioned(mut config: Config) -> Config {
    config
        .partitions
        .insert("shard.keyed".to_owned(), Partitioning::new(4, "key"));
    config
}

/// A backend: a redis-server of the test's own, or a memory broker.
enum Backend {
    Redis(event_runtime::testing::RedisServer),
    Memory(MemoryBroker),
}

impl Backend {
    fn all() -> [Backend; 2] {
        [
            Backend::Redis(server()),
            Backend::Memory(MemoryBroker::new()),
        ]
    }

    fn config(&self) -> Config {
        match self {
            Backend::Redis(server) => partitioned(config(server)),
            Backend::Memory(_) => {
                let mut config = partitioned(Config::default());
                config.subscriber.consumer_group = "tests".to_owned();
                config.subscriber.block_time = Duration::from_millis(50);
                config
            }
        }
    }

    async fn publisher(&self, config: &Config) -> Publisher {
        match self {
            Backend::Redis(_) => Publisher::new(config).await.expect("publisher"),
            Backend::Memory(broker) => Publisher::in_memory(broker, config),
        }
    }

    fn subscriber(&self, config: &Config) -> SubscriberBuilder {
        match self {
            Backend::Redis(_) => Subscriber::builder(config),
            Backend::Memory(broker) => Subscriber::builder(config).in_memory(broker),
        }
    }

    async fn replayer(&self, config: &Config) -> Replayer {
        match self {
            Backend::Redis(_) => Replayer::connect(config).await.expect("replayer"),
            Backend::Memory(broker) => Replayer::in_memory(broker, config),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Backend::Redis(_) => "redis",
            Backend::Memory(_) => "memory",
        }
    }
}

/// Each key's events go to the partition its key text hashes to, keep their order through
/// a subscriber with one handler at a time (and through replay), and events of the plain
/// stream (a producer that does not partition) are consumed too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partitions_keep_per_key_order_and_the_plain_stream_is_read_too() {
    for backend in Backend::all() {
        let config = backend.config();
        let publisher = backend.publisher(&config).await;
        let events: Vec<Keyed> = (0..400)
            .map(|n| keyed(&format!("key-{}", n % 8), n / 8))
            .collect();
        for event in &events[..200] {
            let receipt = publisher.publish(event).await.expect("publish");
            let key = event.key.as_deref().expect("key");
            assert_eq!(
                receipt.stream,
                partition_key("shard.keyed", partition_of_text(key, 4)),
                "{}",
                backend.name()
            );
        }
        publisher
            .publish_batch(&events[200..])
            .await
            .expect("batch");
        // A producer without partitions (an original service, say) writes the plain stream.
        let mut plain_config = config.clone();
        plain_config.partitions.clear();
        let plain = backend.publisher(&plain_config).await;
        let receipt = plain.publish(&keyed("legacy", 0)).await.expect("publish");
        assert_eq!(receipt.stream, "events:shard.keyed");

        let order: Arc<Mutex<BTreeMap<String, Vec<i64>>>> = Arc::default();
        let seen = order.clone();
        let mut config = config.clone();
        config.subscriber.concurrency = 1;
        let subscriber = backend
            .subscriber(&config)
            .on(move |event: Keyed| {
                seen.lock()
                    .expect("order")
                    .entry(event.key.unwrap_or_default())
                    .or_default()
                    .push(event.seq);
                async { Ok::<(), HandlerError>(()) }
            })
            .build()
            .await
            .expect("subscriber")
            .spawn();
        eventually("every event handled", Duration::from_secs(30), || async {
            order
                .lock()
                .expect("order")
                .values()
                .map(Vec::len)
                .sum::<usize>()
                == 401
        })
        .await;
        let handle = subscriber.handle();
        let health = handle.health().await;
        assert_eq!(
            health.subscribed_events,
            ["shard.keyed"],
            "{}",
            backend.name()
        );
        assert_eq!(health.pending_messages.get("shard.keyed"), Some(&0));
        subscriber.shutdown().await.expect("shutdown");
        let order = order.lock().expect("order").clone();
        assert_eq!(order.len(), 9, "{}", backend.name());
        for (key, seqs) in &order {
            let expected: Vec<i64> = if key == "legacy" {
                vec![0]
            } else {
                (0..50).collect()
            };
            assert_eq!(seqs, &expected, "order of {key} on {}", backend.name());
        }

        // Replay reads the plain stream, then each partition: every key in order.
        let mut replayed: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        let report = backend
            .replayer(&config)
            .await
            .replay(
                Utc::now() - chrono::Duration::minutes(5),
                Utc::now(),
                |event: Keyed| {
                    replayed
                        .entry(event.key.unwrap_or_default())
                        .or_default()
                        .push(event.seq);
                    async { Ok(()) }
                },
            )
            .await
            .expect("replay");
        assert_eq!(report.handled, 401, "{}", backend.name());
        assert_eq!(replayed, order, "{}", backend.name());
    }
}

/// Events without a key go to partition 0; a key holding a list is refused before anything
/// is written.
#[tokio::test]
async fn keyless_events_go_to_partition_0_and_list_keys_are_refused() {
    let broker = MemoryBroker::new();
    let mut config = Config::default();
    config
        .partitions
        .insert("shard.keyed".to_owned(), Partitioning::new(4, "key"));
    let publisher = Publisher::in_memory(&broker, &config);
    let mut event = keyed("x", 0);
    event.key = None;
    let receipt = publisher.publish(&event).await.expect("publish");
    assert_eq!(receipt.stream, "events:shard.keyed:p0");

    config
        .partitions
        .insert("shard.keyed".to_owned(), Partitioning::new(4, "tags"));
    let publisher = Publisher::in_memory(&broker, &config);
    let error = publisher
        .publish(&keyed("x", 1))
        .await
        .expect_err("a list key");
    assert_eq!(error.kind(), ErrorKind::Invalid);
    assert!(
        error.to_string().contains(
            "shard.keyed v1 cannot be partitioned: the partition key `tags` holds a list or an object"
        ),
        "{error}"
    );
    assert_eq!(broker.entries("events:shard.keyed:p0").len(), 1);
}

/// A partition's poison event goes to the type's dead-letter stream (on one server, in the
/// same transaction as its acknowledgement); nothing stays pending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_of_partitions_go_to_the_types_dead_letter_stream() {
    let server = server();
    let config = partitioned(config(&server));
    let publisher = Publisher::new(&config).await.expect("publisher");
    for seq in 0..8 {
        publisher
            .publish(&keyed(&format!("key-{seq}"), seq))
            .await
            .expect("publish");
    }
    let subscriber = Subscriber::builder(&config)
        .on(|event: Keyed| async move {
            if event.seq == 3 {
                Err(HandlerError::permanent("poison"))
            } else {
                Ok(())
            }
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();
    let mut conn = redis(&server).await;
    eventually("one dead letter", Duration::from_secs(10), || {
        let mut conn = conn.clone();
        async move {
            redis::cmd("XLEN")
                .arg(dead_letter_key("shard.keyed"))
                .query_async::<u64>(&mut conn)
                .await
                .expect("XLEN")
                == 1
        }
    })
    .await;
    subscriber.shutdown().await.expect("shutdown");
    for partition in 0..4 {
        let stream = partition_key("shard.keyed", partition);
        let exists: bool = redis::cmd("EXISTS")
            .arg(&stream)
            .query_async(&mut conn)
            .await
            .expect("EXISTS");
        if exists {
            assert_eq!(
                pending_count(&mut conn, &stream, "tests").await,
                0,
                "{stream}"
            );
        }
    }
}

/// Durable publish on a server without replicas: the event is written, and the publish is
/// an error of kind `NotReplicated`, not retried. A wait as long as the publish timeout is
/// refused.
#[tokio::test]
async fn durable_publish_without_replicas_is_not_replicated() {
    let server = server();
    let mut config = config(&server);
    config.publisher.durable = Some(Durability::new(1, Duration::from_millis(100)));
    let publisher = Publisher::new(&config).await.expect("publisher");
    let error = publisher
        .publish(&keyed("a", 1))
        .await
        .expect_err("no replica");
    assert_eq!(error.kind(), ErrorKind::NotReplicated);
    assert!(error.is_not_replicated() && !error.is_retryable());
    assert!(
        error
            .to_string()
            .contains("but acknowledged by 0 of 1 replicas within 100 ms (WAIT)"),
        "{error}"
    );
    let mut conn = redis(&server).await;
    let written: u64 = redis::cmd("XLEN")
        .arg("events:shard.keyed")
        .query_async(&mut conn)
        .await
        .expect("XLEN");
    assert_eq!(written, 1, "written once, not retried");

    config.publisher.durable = Some(Durability::new(1, config.publisher.publish_timeout));
    let refused = Publisher::new(&config).await.expect_err("wait too long");
    assert_eq!(refused.kind(), ErrorKind::Config);
}

/// `stream_concurrency(1)`: partitions are handled in parallel, each one entry after the
/// other, so every key keeps its order, also when a handler fails and its entry is retried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_handler_per_partition_keeps_key_order_in_parallel() {
    for backend in Backend::all() {
        let config = backend.config();
        let publisher = backend.publisher(&config).await;
        let events: Vec<Keyed> = (0..200)
            .map(|n| keyed(&format!("key-{}", n % 8), n / 8))
            .collect();
        publisher.publish_batch(&events).await.expect("batch");

        let order: Arc<Mutex<BTreeMap<String, Vec<i64>>>> = Arc::default();
        let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let failed_once = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (seen, handler_running, handler_most, handler_failed) = (
            order.clone(),
            running.clone(),
            most.clone(),
            failed_once.clone(),
        );
        let mut config = config.clone();
        config.subscriber.concurrency = 8;
        config.subscriber.stream_concurrency = Some(1);
        let subscriber = backend
            .subscriber(&config)
            .on(move |event: Keyed| {
                let (seen, running, most, failed_once) = (
                    seen.clone(),
                    handler_running.clone(),
                    handler_most.clone(),
                    handler_failed.clone(),
                );
                async move {
                    use std::sync::atomic::Ordering::SeqCst;
                    let now = running.fetch_add(1, SeqCst) + 1;
                    most.fetch_max(now, SeqCst);
                    tokio::time::sleep(Duration::from_millis(3)).await;
                    running.fetch_sub(1, SeqCst);
                    let key = event.key.clone().unwrap_or_default();
                    if key == "key-3" && event.seq == 5 && !failed_once.swap(true, SeqCst) {
                        return Err(HandlerError::new("once"));
                    }
                    seen.lock()
                        .expect("order")
                        .entry(key)
                        .or_default()
                        .push(event.seq);
                    Ok(())
                }
            })
            .build()
            .await
            .expect("subscriber")
            .spawn();
        eventually("every event handled", Duration::from_secs(30), || async {
            order
                .lock()
                .expect("order")
                .values()
                .map(Vec::len)
                .sum::<usize>()
                == 200
        })
        .await;
        subscriber.shutdown().await.expect("shutdown");
        for (key, seqs) in order.lock().expect("order").iter() {
            assert_eq!(
                seqs,
                &(0..25).collect::<Vec<_>>(),
                "order of {key} on {}",
                backend.name()
            );
        }
        let most = most.load(std::sync::atomic::Ordering::SeqCst);
        assert!(
            (2..=5).contains(&most),
            "{most} handlers at once on {} (4 partitions and the plain stream)",
            backend.name()
        );
    }
}
