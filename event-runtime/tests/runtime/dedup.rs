//! Effectively-once handling (`dedup`): an entry delivered again after its handler ran and
//! its acknowledgement was lost runs the handler once with deduplication on and twice without;
//! the same event published twice runs once, also across a restart; an id older than the
//! window is forgotten. On the in-memory broker and on a redis-server as the least-privilege
//! ACL user (stream commands only).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use event_runtime::memory::MemoryBroker;
use event_runtime::testing::{RedisServer, eventually, fast_config};
use event_runtime::wire::handled_key;
use event_runtime::{Config, HandlerError, Publisher, RunningSubscriber, Subscriber};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use tokio::sync::Semaphore;

use crate::common::{UserCreatedV1, user};
use crate::fleet::LEAST_PRIVILEGE;

const STREAM: &str = "events:user.created";
const WINDOW: Duration = Duration::from_secs(60);

/// Where the test runs: the in-memory broker, or a redis-server with the ACL user.
enum Backend {
    Memory(MemoryBroker),
    Redis(RedisServer),
}

impl Backend {
    fn config(&self) -> Config {
        match self {
            Backend::Memory(_) => fast_config("redis://127.0.0.1:1"),
            Backend::Redis(server) => {
                let mut config = fast_config(server.url());
                config.redis_url = format!("redis://app:s3cret@127.0.0.1:{}/0", server.port());
                config
            }
        }
    }

    async fn publisher(&self, config: &Config) -> Publisher {
        match self {
            Backend::Memory(broker) => Publisher::in_memory(broker, config),
            Backend::Redis(_) => Publisher::new(config).await.expect("publisher"),
        }
    }

    /// Records of handled events of group `tests` on the stream.
    async fn records(&self) -> usize {
        let key = handled_key(STREAM, "tests");
        match self {
            Backend::Memory(broker) => broker.entries(&key).len(),
            Backend::Redis(server) => {
                let mut conn = crate::common::redis(server).await;
                redis::cmd("XLEN")
                    .arg(&key)
                    .query_async::<usize>(&mut conn)
                    .await
                    .expect("XLEN")
            }
        }
    }
}

fn redis_backend(extra: &[&str]) -> Backend {
    let mut args = LEAST_PRIVILEGE.to_vec();
    args.extend_from_slice(extra);
    Backend::Redis(RedisServer::start_with_args(&args).expect("redis-server"))
}

/// A subscriber named `name` of group `tests` that counts its handler's runs of account 1;
/// the first run of account 1 waits for `gate`.
async fn consumer(
    backend: &Backend,
    config: &Config,
    name: &str,
    dedup: Option<Duration>,
    runs: &Arc<AtomicUsize>,
    gate: &Arc<Semaphore>,
) -> RunningSubscriber {
    let mut config = config.clone();
    config.subscriber.consumer_name = Some(name.to_owned());
    config.subscriber.concurrency = 1;
    // Refused acknowledgements make entries come back several times; none is dead-lettered.
    config.subscriber.max_deliveries = 20;
    let (runs, gate) = (runs.clone(), gate.clone());
    let mut builder = Subscriber::builder(&config).on(move |event: UserCreatedV1| {
        let (runs, gate) = (runs.clone(), gate.clone());
        async move {
            if event.account_id == 1 {
                let _ = gate.acquire().await.map_err(HandlerError::new)?;
                runs.fetch_add(1, Ordering::SeqCst);
            }
            Ok::<(), HandlerError>(())
        }
    });
    if let Some(window) = dedup {
        builder = builder.deduplicate(window);
    }
    if let Backend::Memory(broker) = backend {
        builder = builder.in_memory(broker);
    }
    builder.build().await.expect("subscriber").spawn()
}

/// Consumer `a` handles account 1 but its acknowledgement is lost (refused): it stops, and
/// consumer `b`, which started while `a`'s handler ran (and read the group's record then, for
/// an entry of its own), claims the entry. Returns how many times the handler ran for it.
async fn lost_acknowledgement(backend: &Backend, dedup: Option<Duration>) -> usize {
    let config = backend.config();
    let runs = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(Semaphore::new(0));
    refuse_acks(backend, true).await;
    let a = consumer(backend, &config, "a", dedup, &runs, &gate).await;
    let publisher = backend.publisher(&config).await;
    publisher.publish(&user(1)).await.expect("publish");
    eventually("a runs the handler", Duration::from_secs(10), || {
        let pending = pending(backend);
        async move { pending.await == 1 }
    })
    .await;
    // `a`'s one handler slot is taken: `b` reads the next entry, and the record with it.
    let b = consumer(backend, &config, "b", dedup, &runs, &gate).await;
    publisher.publish(&user(2)).await.expect("publish");
    eventually("b reads the second entry", Duration::from_secs(10), || {
        let pending = pending(backend);
        async move { pending.await == 2 }
    })
    .await;
    gate.add_permits(100);
    eventually("a's handler ran", Duration::from_secs(10), || {
        std::future::ready(runs.load(Ordering::SeqCst) == 1)
    })
    .await;
    // A graceful shutdown waits for the acknowledgement, which fails: the entry stays
    // pending, as when the process dies between the record and the acknowledgement.
    a.shutdown().await.expect("shutdown");
    refuse_acks(backend, false).await;
    b.settled(Duration::from_secs(10)).await.expect("settled");
    b.shutdown().await.expect("shutdown");
    runs.load(Ordering::SeqCst)
}

/// Entries of the stream pending for group `tests`.
async fn pending(backend: &Backend) -> u64 {
    match backend {
        Backend::Memory(broker) => broker.pending_count(STREAM, "tests"),
        Backend::Redis(server) => {
            let mut conn = crate::common::redis(server).await;
            crate::common::pending_count(&mut conn, STREAM, "tests").await as u64
        }
    }
}

async fn refuse_acks(backend: &Backend, refuse: bool) {
    match backend {
        Backend::Memory(broker) => broker.refuse_acks(refuse),
        Backend::Redis(server) => {
            let mut conn = crate::common::redis(server).await;
            redis::cmd("ACL")
                .arg("SETUSER")
                .arg("app")
                .arg(if refuse { "-xack" } else { "+xack" })
                .query_async::<()>(&mut conn)
                .await
                .expect("ACL SETUSER");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_acknowledgement_runs_the_handler_once_with_dedup_in_memory() {
    let on = Backend::Memory(MemoryBroker::new());
    assert_eq!(lost_acknowledgement(&on, Some(WINDOW)).await, 1);
    assert_eq!(on.records().await, 2, "accounts 1 and 2");
    let off = Backend::Memory(MemoryBroker::new());
    assert_eq!(lost_acknowledgement(&off, None).await, 2);
    assert_eq!(off.records().await, 0, "nothing recorded without dedup");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_acknowledgement_runs_the_handler_once_with_dedup_on_redis_as_the_acl_user() {
    let on = redis_backend(&[]);
    assert_eq!(lost_acknowledgement(&on, Some(WINDOW)).await, 1);
    assert_eq!(on.records().await, 2, "accounts 1 and 2");
    let off = redis_backend(&[]);
    assert_eq!(lost_acknowledgement(&off, None).await, 2);
    assert_eq!(off.records().await, 0, "nothing recorded without dedup");
}

/// Publishes the same event twice, each consumed by a subscriber of its own (the second
/// starts after the first stopped); returns how many times the handler ran.
async fn published_twice(backend: &Backend, mut config: Config, pause: Duration) -> usize {
    config.subscriber.dedup = true;
    let runs = Arc::new(AtomicUsize::new(0));
    let publisher = backend.publisher(&config).await;
    let event = user(1);
    for round in 0..2 {
        if round == 1 {
            tokio::time::sleep(pause).await;
        }
        let gate = Arc::new(Semaphore::new(100));
        let running = consumer(backend, &config, "c", None, &runs, &gate).await;
        publisher.publish(&event).await.expect("publish");
        running
            .settled(Duration::from_secs(10))
            .await
            .expect("settled");
        running.shutdown().await.expect("shutdown");
    }
    runs.load(Ordering::SeqCst)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_event_published_twice_runs_once_in_memory_and_on_redis() {
    let memory = Backend::Memory(MemoryBroker::new());
    assert_eq!(
        published_twice(&memory, memory.config(), Duration::ZERO).await,
        1
    );
    if let Backend::Memory(broker) = &memory {
        assert_eq!(broker.entries(STREAM).len(), 2, "two entries, one run");
    }
    let redis = redis_backend(&[]);
    assert_eq!(
        published_twice(&redis, redis.config(), Duration::ZERO).await,
        1
    );
    assert_eq!(redis.records().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_older_than_the_window_is_forgotten() {
    let memory = Backend::Memory(MemoryBroker::new());
    let redis = redis_backend(&[]);
    for backend in [&memory, &redis] {
        let mut config = backend.config();
        config.subscriber.dedup_window = Duration::from_millis(200);
        assert_eq!(
            published_twice(backend, config, Duration::from_millis(400)).await,
            2
        );
    }
    // The in-memory broker trims exactly; Redis's `MINID ~` trims whole nodes, later.
    assert_eq!(memory.records().await, 1, "the older record was trimmed");
}

/// A skipped duplicate counts in `events_deduplicated_total{event_type, group}`. (On a
/// recorder of this test's own, on one thread: the metrics test of `observe` holds the global
/// one.)
#[test]
fn a_skipped_duplicate_is_counted() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let runs = metrics::with_local_recorder(&recorder, || {
        runtime.block_on(async {
            let backend = Backend::Memory(MemoryBroker::new());
            published_twice(&backend, backend.config(), Duration::ZERO).await
        })
    });
    assert_eq!(runs, 1);
    let counted: Vec<(String, u64)> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter(|(key, ..)| key.key().name() == "events_deduplicated_total")
        .filter_map(|(key, _, _, value)| match value {
            DebugValue::Counter(count) => {
                let mut labels: Vec<String> = key
                    .key()
                    .labels()
                    .map(|label| format!("{}={}", label.key(), label.value()))
                    .collect();
                labels.sort();
                Some((labels.join(","), count))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        counted,
        [("event_type=user.created,group=tests".to_owned(), 1)]
    );
}

/// Two copies of one event read together by one subscriber whose handlers run concurrently:
/// the second waits for the first, and finds it handled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_copies_read_together_run_once() {
    for backend in [Backend::Memory(MemoryBroker::new()), redis_backend(&[])] {
        let config = backend.config();
        let publisher = backend.publisher(&config).await;
        let event = user(1);
        publisher
            .publish_batch(&[event.clone(), event])
            .await
            .expect("publish");
        let runs = Arc::new(AtomicUsize::new(0));
        let counting = runs.clone();
        let mut builder =
            Subscriber::builder(&config)
                .deduplicate(WINDOW)
                .on(move |_: UserCreatedV1| {
                    counting.fetch_add(1, Ordering::SeqCst);
                    async {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        Ok::<(), HandlerError>(())
                    }
                });
        if let Backend::Memory(broker) = &backend {
            builder = builder.in_memory(broker);
        }
        let running = builder.build().await.expect("subscriber").spawn();
        running
            .settled(Duration::from_secs(10))
            .await
            .expect("settled");
        running.shutdown().await.expect("shutdown");
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }
}
