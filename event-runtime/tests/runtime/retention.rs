//! Retention by age, on the in-memory broker (the conformance cases `retention::*` hold the
//! length budget and the hard cap on every backend): an age budget keeps what a group has not
//! acknowledged, however old, and an age hard cap forces the trim and records the loss; and
//! retention as the least-privilege ACL user.

use std::time::Duration;

use event_runtime::config::{HardCap, Retention, Trimming};
use event_runtime::memory::MemoryBroker;
use event_runtime::testing::RedisServer;
use event_runtime::wire::trimmed_key;
use event_runtime::{Config, HandlerError, Publisher, RunningSubscriber, Subscriber};

use crate::common::{UserCreatedV1, eventually, user};
use crate::fleet::LEAST_PRIVILEGE;

const STREAM: &str = "events:user.created";

fn settings(budget: Duration) -> Config {
    let mut config = Config::default();
    config.publisher.retention = Retention::MaxAge(budget);
    config.publisher.trimming = Trimming::Acknowledged;
    config.publisher.retention_interval = Duration::from_millis(20);
    config.subscriber.consumer_group = "behind".to_owned();
    config.subscriber.block_time = Duration::from_millis(20);
    config
}

/// A subscriber of group `behind` that handles every event.
async fn consume(broker: &MemoryBroker, config: &Config) -> RunningSubscriber {
    Subscriber::builder(config)
        .in_memory(broker)
        .on(|_: UserCreatedV1| std::future::ready(Ok::<(), HandlerError>(())))
        .build()
        .await
        .expect("subscriber")
        .spawn()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_age_budget_keeps_what_a_group_has_not_acknowledged() {
    let broker = MemoryBroker::new();
    let mut config = settings(Duration::from_millis(50));
    config.publisher.hard_cap = HardCap::Limit(Retention::Unbounded);
    // The group exists and is stopped before anything is published.
    consume(&broker, &config)
        .await
        .shutdown()
        .await
        .expect("shutdown");
    let publisher = Publisher::in_memory(&broker, &config);
    let events: Vec<UserCreatedV1> = (0..20).map(user).collect();
    publisher.publish_batch(&events).await.expect("publish");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        broker.entries(STREAM).len(),
        20,
        "six budgets old, and kept: the group has not read them"
    );

    let running = consume(&broker, &config).await;
    eventually(
        "the stream trimmed once the group acknowledged",
        Duration::from_secs(10),
        || std::future::ready(broker.entries(STREAM).is_empty()),
    )
    .await;
    running.shutdown().await.expect("shutdown");
    assert!(broker.entries(&trimmed_key(STREAM)).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_age_hard_cap_trims_what_a_group_has_not_acknowledged_and_records_it() {
    let broker = MemoryBroker::new();
    let mut config = settings(Duration::from_millis(50));
    config.publisher.hard_cap = HardCap::Limit(Retention::MaxAge(Duration::from_millis(200)));
    consume(&broker, &config)
        .await
        .shutdown()
        .await
        .expect("shutdown");
    let publisher = Publisher::in_memory(&broker, &config);
    let events: Vec<UserCreatedV1> = (0..20).map(user).collect();
    publisher.publish_batch(&events).await.expect("publish");
    let first = broker.entries(STREAM)[0].id.clone();
    let last = broker.entries(STREAM)[19].id.clone();
    eventually("the forced trim", Duration::from_secs(10), || {
        std::future::ready(broker.entries(STREAM).is_empty())
    })
    .await;
    let records = broker.entries(&trimmed_key(STREAM));
    assert_eq!(records.len(), 1, "{records:?}");
    let record = &records[0];
    assert_eq!(record.text("group"), Some("behind"));
    assert_eq!(record.text("lost"), Some("20"));
    assert_eq!(record.text("first_id"), Some(first.as_str()));
    assert_eq!(record.text("last_id"), Some(last.as_str()));
    assert_eq!(record.text("hard_cap"), Some("max_age 200 ms"));
}

/// Retention's commands (`XINFO GROUPS`, `XPENDING`, `XTRIM`, and the forced trim's `MULTI`)
/// are stream and transaction commands: the least-privilege ACL user runs them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_least_privilege_acl_user_trims_and_records_a_forced_trim() {
    let server = RedisServer::start_with_args(LEAST_PRIVILEGE).expect("redis-server");
    let mut config = crate::common::config(&server);
    config.redis_url = format!("redis://app:s3cret@127.0.0.1:{}/0", server.port());
    config.publisher.retention = Retention::MaxLen(5);
    config.publisher.hard_cap = HardCap::Limit(Retention::MaxLen(10));
    config.publisher.retention_interval = Duration::from_millis(20);
    config.subscriber.consumer_group = "behind".to_owned();
    Subscriber::builder(&config)
        .on(|_: UserCreatedV1| std::future::ready(Ok::<(), HandlerError>(())))
        .build()
        .await
        .expect("subscriber as the ACL user")
        .spawn()
        .shutdown()
        .await
        .expect("shutdown");
    let publisher = Publisher::new(&config).await.expect("publisher");
    let events: Vec<UserCreatedV1> = (0..15).map(user).collect();
    publisher.publish_batch(&events).await.expect("publish");
    let mut conn = crate::common::redis(&server).await;
    eventually("the forced trim recorded", Duration::from_secs(10), || {
        let mut conn = conn.clone();
        async move {
            redis::cmd("XLEN")
                .arg(trimmed_key(STREAM))
                .query_async::<u64>(&mut conn)
                .await
                .expect("XLEN")
                == 1
        }
    })
    .await;
    let length: u64 = redis::cmd("XLEN")
        .arg(STREAM)
        .query_async(&mut conn)
        .await
        .expect("XLEN");
    assert_eq!(length, 10);
    let records: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
        .arg(trimmed_key(STREAM))
        .arg("-")
        .arg("+")
        .query_async(&mut conn)
        .await
        .expect("XRANGE");
    assert_eq!(records.ids[0].get::<String>("lost").as_deref(), Some("5"));
    assert_eq!(
        records.ids[0].get::<String>("group").as_deref(),
        Some("behind")
    );
}

/// The trimming task lives as long as a clone of its publisher.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trimming_stops_with_the_last_clone_of_the_publisher() {
    let broker = MemoryBroker::new();
    let mut config = settings(Duration::from_secs(3600));
    config.publisher.retention = Retention::MaxLen(10);
    let publisher = Publisher::in_memory(&broker, &config);
    let clone = publisher.clone();
    let events: Vec<UserCreatedV1> = (0..5).map(user).collect();
    publisher.publish_batch(&events).await.expect("publish");
    drop(publisher);
    let raw = |n: usize| {
        for _ in 0..n {
            broker.append(STREAM, &[("event_data", "{}")]);
        }
    };
    raw(20);
    eventually(
        "trimmed while a clone lives",
        Duration::from_secs(10),
        || std::future::ready(broker.entries(STREAM).len() == 10),
    )
    .await;
    drop(clone);
    tokio::time::sleep(Duration::from_millis(50)).await;
    raw(20);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        broker.entries(STREAM).len(),
        30,
        "trimmed after the last clone"
    );
}

/// Two publishers of one stream trim it side by side: the losses they record add up to the
/// entries removed, none counted twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_publishers_never_count_one_loss_twice() {
    let broker = MemoryBroker::new();
    let mut config = settings(Duration::from_secs(3600));
    config.publisher.retention = Retention::MaxLen(10);
    config.publisher.hard_cap = HardCap::Limit(Retention::MaxLen(20));
    config.publisher.retention_interval = Duration::from_millis(1);
    consume(&broker, &config)
        .await
        .shutdown()
        .await
        .expect("shutdown");
    let (first, second) = (
        Publisher::in_memory(&broker, &config),
        Publisher::in_memory(&broker, &config),
    );
    for n in 0..100 {
        let publisher = if n % 2 == 0 { &first } else { &second };
        publisher.publish(&user(n)).await.expect("publish");
    }
    eventually("within the hard cap", Duration::from_secs(10), || {
        std::future::ready(broker.entries(STREAM).len() == 20)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let lost: u64 = broker
        .entries(&trimmed_key(STREAM))
        .iter()
        .map(|record| {
            record
                .text("lost")
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0)
        })
        .sum();
    assert_eq!(lost, 80, "100 published, 20 kept, none read");
}
