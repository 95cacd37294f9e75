//! Timing of the subscriber's work, on Redis and in memory alike: a failed entry comes back
//! after its backoff (not at the end of a blocking read or claim pass), shutdown ends a
//! blocked read at once, `settled` waits for acknowledgements and dead letters and names what
//! is unsettled, a consumer that holds nothing leaves its group when it stops, and a handler
//! running through an outage stays with its consumer.

use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use event_runtime::memory::MemoryBroker;
use event_runtime::testing::{Recorder, RedisServer, fast_config};
use event_runtime::{Config, ErrorKind, HandlerError, Publisher, Subscriber, SubscriberBuilder};

use crate::common::{UserCreatedV1, redis, user};

const STREAM: &str = "events:user.created";

/// One backend for a test: a Redis server of its own, or an in-memory broker.
enum Backend {
    Redis(RedisServer),
    Memory(MemoryBroker),
}

impl Backend {
    fn redis() -> Self {
        Backend::Redis(RedisServer::start().unwrap_or_else(|error| panic!("{error}")))
    }

    fn config(&self) -> Config {
        match self {
            Backend::Redis(server) => fast_config(server.url()),
            Backend::Memory(_) => fast_config("redis://unused"),
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
}

/// Backoff 200 ms while a read blocks 5 s (holding the only handler slot) and claim passes
/// come every 10 s: the second attempt starts after the backoff, and long before either.
async fn a_failed_entry_is_retried_after_its_backoff(backend: Backend) {
    let mut config = backend.config();
    config.subscriber.block_time = Duration::from_secs(5);
    config.subscriber.claim_interval = Duration::from_secs(10);
    config.subscriber.retry_backoff = Duration::from_millis(200);
    config.subscriber.retry_backoff_max = Duration::from_millis(200);
    // One handler slot, which the reader holds while its read blocks: the retry must get it
    // back without waiting for the read to end.
    config.subscriber.concurrency = 1;
    let attempts: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let record = attempts.clone();
    let subscriber = backend
        .subscriber(&config)
        .on(move |_: UserCreatedV1| {
            let record = record.clone();
            async move {
                let mut attempts = record.lock().expect("lock");
                attempts.push(Instant::now());
                if attempts.len() == 1 {
                    return Err(HandlerError::new("first attempt fails"));
                }
                Ok(())
            }
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();
    backend
        .publisher(&config)
        .await
        .publish(&user(1))
        .await
        .expect("publish");
    subscriber
        .settled(Duration::from_secs(4))
        .await
        .expect("settled");
    let attempts = attempts.lock().expect("lock").clone();
    assert_eq!(attempts.len(), 2, "one failure, one retry");
    let gap = attempts[1] - attempts[0];
    assert!(
        gap >= Duration::from_millis(200),
        "retried before its backoff: {gap:?}"
    );
    assert!(gap < Duration::from_millis(600), "retried late: {gap:?}");
    let stopping = Instant::now();
    subscriber.shutdown().await.expect("shutdown");
    // The read blocks for 5 s; shutdown ends it.
    assert!(
        stopping.elapsed() < Duration::from_millis(1000),
        "shutdown took {:?}",
        stopping.elapsed()
    );
}

#[tokio::test]
async fn retries_follow_their_backoff_on_redis() {
    a_failed_entry_is_retried_after_its_backoff(Backend::redis()).await;
}

#[tokio::test]
async fn retries_follow_their_backoff_in_memory() {
    a_failed_entry_is_retried_after_its_backoff(Backend::Memory(MemoryBroker::new())).await;
}

/// A handler that always fails: `settled` fails while the entry waits for retries and names
/// it; once dead-lettered, the entry is settled.
async fn settled_waits_for_dead_letters_and_names_what_is_left(backend: Backend) {
    let mut config = backend.config();
    config.subscriber.max_deliveries = 3;
    config.subscriber.retry_backoff = Duration::from_millis(300);
    config.subscriber.retry_backoff_max = Duration::from_millis(300);
    let subscriber = backend
        .subscriber(&config)
        .on(|_: UserCreatedV1| async { Err(HandlerError::new("always fails")) })
        .build()
        .await
        .expect("subscriber")
        .spawn();
    backend
        .publisher(&config)
        .await
        .publish(&user(1))
        .await
        .expect("publish");
    let early = subscriber
        .settled(Duration::from_millis(100))
        .await
        .expect_err("a failing handler leaves its entry unsettled");
    assert_eq!(early.kind(), ErrorKind::Timeout);
    let message = early.to_string();
    assert!(
        message.contains("did not settle within 100 ms"),
        "{message}"
    );
    assert!(
        message.contains("events:user.created: 0 not read yet, 1 delivered and not acknowledged"),
        "{message}"
    );
    subscriber
        .settled(Duration::from_secs(5))
        .await
        .expect("dead-lettered by now");
    subscriber.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn settled_names_unsettled_entries_on_redis() {
    settled_waits_for_dead_letters_and_names_what_is_left(Backend::redis()).await;
}

#[tokio::test]
async fn settled_names_unsettled_entries_in_memory() {
    settled_waits_for_dead_letters_and_names_what_is_left(Backend::Memory(MemoryBroker::new()))
        .await;
}

/// Three runs of a service, each stopped gracefully, leave one consumer in the group: the
/// running one, named after service, host and process.
#[tokio::test]
async fn restarts_leave_no_dead_consumers() {
    let backend = Backend::redis();
    let Backend::Redis(server) = &backend else {
        unreachable!()
    };
    let config = backend.config();
    let seen: Recorder<UserCreatedV1> = Recorder::new();
    for run in 0..3 {
        let subscriber = backend
            .subscriber(&config)
            .on(seen.handler::<UserCreatedV1>())
            .build()
            .await
            .expect("subscriber")
            .spawn();
        backend
            .publisher(&config)
            .await
            .publish(&user(run))
            .await
            .expect("publish");
        subscriber
            .settled(Duration::from_secs(5))
            .await
            .expect("settled");
        subscriber.shutdown().await.expect("shutdown");
    }
    assert_eq!(seen.len(), 3);
    let mut conn = redis(server).await;
    assert!(
        consumers(&mut conn).await.is_empty(),
        "every stopped consumer left"
    );
    let subscriber = backend
        .subscriber(&config)
        .on(seen.handler::<UserCreatedV1>())
        .build()
        .await
        .expect("subscriber");
    let name = subscriber.consumer_name().to_owned();
    assert!(name.starts_with("tests-"), "{name}");
    assert!(name.contains(&format!("-{}", std::process::id())), "{name}");
    let running = subscriber.spawn();
    // Redis adds a consumer to the group when it first reads an entry.
    backend
        .publisher(&config)
        .await
        .publish(&user(4))
        .await
        .expect("publish");
    running
        .settled(Duration::from_secs(5))
        .await
        .expect("settled");
    let names = consumers(&mut conn).await;
    assert_eq!(names, [name], "one consumer: the running one");
    running.shutdown().await.expect("shutdown");
}

/// The consumers of group `tests` on the stream, by name.
async fn consumers(conn: &mut redis::aio::MultiplexedConnection) -> Vec<String> {
    let infos: Vec<std::collections::HashMap<String, redis::Value>> = redis::cmd("XINFO")
        .arg("CONSUMERS")
        .arg(STREAM)
        .arg("tests")
        .query_async(conn)
        .await
        .expect("XINFO CONSUMERS");
    infos
        .iter()
        .map(|info| redis::from_redis_value_ref::<String>(&info["name"]).expect("name"))
        .collect()
}

/// A handler runs 3 s on consumer A while the broker is away for 1.2 s, longer than
/// `claim_min_idle` (1 s): A's touches fail meanwhile, so on the broker's return the entry
/// looks idle. Consumer B, whose reads failed too and whose claim passes come every 20 ms,
/// must leave it to A (whose next pass, within 150 ms, touches it) rather than run it a second
/// time beside A.
#[tokio::test]
async fn an_outage_does_not_hand_a_running_handler_to_another_consumer() {
    let broker = MemoryBroker::new();
    let mut config = fast_config("redis://unused");
    config.subscriber.claim_min_idle = Duration::from_secs(1);
    config.subscriber.claim_interval = Duration::from_millis(150);
    let starts: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let consumer = |config: &Config| {
        let starts = starts.clone();
        Subscriber::builder(config)
            .in_memory(&broker)
            .on(move |_: UserCreatedV1| {
                let starts = starts.clone();
                async move {
                    starts.lock().expect("lock").push(Instant::now());
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    Ok(())
                }
            })
    };
    let a = consumer(&config)
        .build()
        .await
        .expect("subscriber A")
        .spawn();
    Publisher::in_memory(&broker, &config)
        .publish(&user(1))
        .await
        .expect("publish");
    let deadline = Instant::now() + Duration::from_secs(5);
    while starts.lock().expect("lock").is_empty() {
        assert!(Instant::now() < deadline, "A never ran the handler");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    config.subscriber.claim_interval = Duration::from_millis(20);
    let b = consumer(&config)
        .build()
        .await
        .expect("subscriber B")
        .spawn();
    tokio::time::sleep(Duration::from_millis(100)).await;
    broker.stop();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    broker.start();
    a.settled(Duration::from_secs(6)).await.expect("settled");
    assert_eq!(
        starts.lock().expect("lock").len(),
        1,
        "the running handler's entry was claimed by the other consumer after the outage"
    );
    b.shutdown().await.expect("shutdown B");
    a.shutdown().await.expect("shutdown A");
}
