//! The fleet registry: publishers and subscribers register, a heartbeat keeps them alive, a
//! stopped one goes stale and is then forgotten; the same on a redis-server, with a
//! least-privilege ACL user, and on the in-memory broker; Redis being away at start is no
//! error.

use std::time::Duration;

use event_runtime::fleet::{Fleet, FleetReader, Readable};
use event_runtime::memory::MemoryBroker;
use event_runtime::testing::RedisServer;
use event_runtime::{Config, Publisher, Registry, Subscriber};

use crate::common::{UserCreatedV1, UserCreatedV2, config, eventually, server};

/// The ACL user the runtime needs at least: keys `events:*`, channels `events.*`, stream,
/// pub/sub and transaction commands, and the connection's own (`HELLO`, `PING`, `CLIENT`).
/// (The default user stays on for the test server's own readiness check.)
pub const LEAST_PRIVILEGE: &[&str] = &[
    "--user",
    "app",
    "on",
    ">s3cret",
    "~events:*",
    "&events.*",
    "+@stream",
    "+@pubsub",
    "+@transaction",
    "+@connection",
];

/// Fast heartbeats: stale after 2 missed (200 ms), forgotten after 6 (600 ms).
fn fast(mut config: Config) -> Config {
    config.registry.heartbeat = Duration::from_millis(100);
    config.registry.stale_after = 2;
    config.registry.forget_after = 6;
    config
}

fn produces() -> Registry {
    Registry::new()
        .with::<UserCreatedV1>()
        .with::<UserCreatedV2>()
}

async fn subscriber(config: &Config, broker: Option<&MemoryBroker>) -> Subscriber {
    let mut builder = Subscriber::builder(config).on(|_: UserCreatedV1| async { Ok(()) });
    if let Some(broker) = broker {
        builder = builder.in_memory(broker);
    }
    builder.build().await.expect("subscriber")
}

/// Checks what one producer of v2 and one consumer group reading v1 look like.
fn assert_one_producer_and_one_group(fleet: &Fleet) {
    let view = &fleet.types["user.created"];
    assert_eq!(view.producers.len(), 1, "{view:?}");
    let producer = &view.producers[0];
    assert_eq!(producer.record.id.service, "tests");
    assert_eq!(producer.record.produces, Some(2));
    assert!(!producer.stale);
    assert_eq!(view.groups.len(), 1, "{view:?}");
    let group = &view.groups[0];
    assert_eq!(group.group, "tests");
    assert_eq!(group.services, ["tests"]);
    assert_eq!(group.live, 1);
    assert!(group.reads >= Readable::UpTo(1), "{group:?}");
    assert_eq!(view.consumers[0].record.knows, Some(1));
    assert!(view.disagreements.is_empty(), "{view:?}");
}

#[tokio::test]
async fn publishers_and_subscribers_register_on_redis() {
    let server = server();
    let config = config(&server);
    let publisher = Publisher::new(&config).await.expect("publisher");
    publisher.register(&produces()).await.expect("registered");
    let _subscriber = subscriber(&config, None).await;
    let reader = FleetReader::connect(&config).await.expect("reader");
    assert_eq!(reader.types().await.expect("types"), ["user.created"]);
    let fleet = reader.read().await.expect("fleet");
    assert_one_producer_and_one_group(&fleet);
    // The group exists and nothing waits: its lag is known and zero.
    assert_eq!(fleet.types["user.created"].groups[0].lag, Some(0));
}

#[tokio::test]
async fn the_in_memory_broker_keeps_the_same_registry() {
    let broker = MemoryBroker::new();
    let config = Config::new("redis://unused");
    let mut config = config;
    config.service_name = "tests".to_owned();
    config.subscriber.consumer_group = "tests".to_owned();
    let publisher = Publisher::in_memory(&broker, &config);
    publisher.register(&produces()).await.expect("registered");
    let _subscriber = subscriber(&config, Some(&broker)).await;
    let fleet = FleetReader::in_memory(&broker).read().await.expect("fleet");
    assert_one_producer_and_one_group(&fleet);
}

#[tokio::test]
async fn a_least_privilege_acl_user_registers_and_reads_the_fleet() {
    let server = RedisServer::start_with_args(LEAST_PRIVILEGE).expect("redis-server");
    let mut config = config(&server);
    config.redis_url = format!("redis://app:s3cret@127.0.0.1:{}/0", server.port());
    let publisher = Publisher::new(&config).await.expect("publisher");
    publisher.register(&produces()).await.expect("registered");
    let _subscriber = subscriber(&config, None).await;
    let fleet = FleetReader::connect(&config)
        .await
        .expect("reader")
        .read()
        .await
        .expect("fleet read by the ACL user");
    assert_one_producer_and_one_group(&fleet);
}

#[tokio::test]
async fn a_stopped_instance_goes_stale_and_is_then_forgotten() {
    let server = server();
    let config = fast(config(&server));
    let reader = FleetReader::connect(&config).await.expect("reader");
    let publisher = Publisher::new(&config).await.expect("publisher");
    publisher.register(&produces()).await.expect("registered");

    // Heartbeats keep it live well past the stale time.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let fleet = reader.read().await.expect("fleet");
    assert!(!fleet.types["user.created"].producers[0].stale);

    drop(publisher);
    eventually(
        "the stopped publisher is stale",
        Duration::from_secs(2),
        || async {
            let fleet = reader.read().await.expect("fleet");
            fleet.types["user.created"].producers[0].stale
        },
    )
    .await;
    eventually(
        "the stopped publisher is forgotten",
        Duration::from_secs(3),
        || async {
            let fleet = reader.read().await.expect("fleet");
            !fleet.types.contains_key("user.created")
        },
    )
    .await;
}

#[tokio::test]
async fn redis_away_at_start_is_no_error_and_the_heartbeat_registers_later() {
    let mut server = server();
    let config = fast(config(&server));
    let publisher = Publisher::new(&config).await.expect("publisher");
    server.stop();
    let started = std::time::Instant::now();
    publisher
        .register(&produces())
        .await
        .expect("registering without Redis is logged, not an error");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    server.restart().expect("restart");
    let reader = FleetReader::connect(&config).await.expect("reader");
    eventually(
        "the heartbeat registered",
        Duration::from_secs(5),
        || async {
            reader
                .read()
                .await
                .is_ok_and(|fleet| fleet.types.contains_key("user.created"))
        },
    )
    .await;
}

#[tokio::test]
async fn registration_off_registers_nothing() {
    let server = server();
    let mut config = config(&server);
    config.registry.enabled = false;
    let publisher = Publisher::new(&config).await.expect("publisher");
    publisher.register(&produces()).await.expect("registered");
    let _subscriber = subscriber(&config, None).await;
    let reader = FleetReader::connect(&config).await.expect("reader");
    assert!(reader.types().await.expect("types").is_empty());
}
