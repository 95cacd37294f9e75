//! A master killed mid-run: with durable publish (`WAIT` for one replica), no event whose
//! publish was confirmed is lost when its replica takes over.

use std::collections::HashSet;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use event_runtime::config::{Durability, Partitioning};
use event_runtime::wire::stream_keys;
use event_runtime::{Publisher, Subscriber};
use tokio::task::JoinSet;

use crate::support::{Keyed, Report, Tally, config, connection, start_cluster};

const TOTAL: i64 = 4_000;

/// Four publishers publish 4,000 keyed events (a type spread over six partitions, so over
/// every master) with `WAIT 1` after each write, while a subscriber consumes them. At a third
/// of the run the master of partition 0 is killed (`SIGKILL`); its replica is promoted, and
/// the killed node is started again once the cluster is up, to rejoin as a replica (until
/// then the promoted master has no replica, and durable publishes to its slots are not
/// confirmed: the publishers publish those events again, as an application would). Every
/// event whose publish was confirmed must be handled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_with_durable_publish_loses_no_acknowledged_event() {
    let mut report = Report::new(
        "failover_durable_publish",
        "a master SIGKILLed at 1/3 of 4,000 durable publishes (WAIT 1 replica) over 6 partitions; its replica promoted, the node restarted as a replica",
    );
    let mut cluster = start_cluster();
    let mut config = config(&cluster);
    config.publisher.durable = Some(Durability::new(1, Duration::from_millis(1000)));
    config
        .partitions
        .insert("cluster.keyed".to_owned(), Partitioning::new(6, "key"));
    config.subscriber.claim_min_idle = Duration::from_secs(2);
    config.subscriber.consumer_group = "failover".to_owned();

    let tally = Tally::default();
    let subscriber = Subscriber::builder(&config)
        .on(tally.recorder(|event: &Keyed| event.n))
        .build()
        .await
        .expect("subscriber")
        .spawn();

    let next = Arc::new(AtomicI64::new(0));
    let confirmed: Arc<Mutex<Vec<i64>>> = Arc::default();
    let unconfirmed = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let mut publishers = JoinSet::new();
    for _ in 0..4 {
        let publisher = Publisher::new(&config).await.expect("publisher");
        let (next, confirmed, unconfirmed, failed) = (
            next.clone(),
            confirmed.clone(),
            unconfirmed.clone(),
            failed.clone(),
        );
        publishers.spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                if n >= TOTAL {
                    return;
                }
                // One event, published until Redis and a replica confirm it (same event id).
                let event = Keyed::new(n, &format!("key-{}", n % 60), n / 60);
                let started = Instant::now();
                loop {
                    match publisher.publish(&event).await {
                        Ok(_) => break,
                        Err(error) if error.is_not_replicated() => {
                            unconfirmed.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(error) => {
                            failed.fetch_add(1, Ordering::SeqCst);
                            assert!(
                                started.elapsed() < Duration::from_secs(120),
                                "event {n} could not be published for 2 minutes: {error}"
                            );
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                confirmed.lock().expect("confirmed").push(n);
            }
        });
    }

    let stream = stream_keys("cluster.keyed", config.partitioning("cluster.keyed"))[1].clone();
    let started = Instant::now();
    while (confirmed.lock().expect("confirmed").len() as i64) < TOTAL / 3 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "publishing stalled"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let killed = tokio::task::block_in_place(|| {
        let master = cluster
            .master_for_key(&stream)
            .expect("master of partition 0");
        cluster.kill(master);
        let killed_at = Instant::now();
        cluster
            .wait_for_failover(Duration::from_secs(60))
            .expect("the replica takes over");
        let failover = killed_at.elapsed();
        cluster
            .restart(master)
            .expect("the killed node starts again");
        cluster
            .wait_for_failover(Duration::from_secs(60))
            .expect("the old master rejoins as a replica");
        (master, failover, killed_at.elapsed())
    });
    while let Some(done) = publishers.join_next().await {
        done.expect("publisher task");
    }
    let confirmed = confirmed.lock().expect("confirmed").clone();
    assert_eq!(confirmed.len() as i64, TOTAL);
    // Everything confirmed is handled: wait for it, then count.
    let handled_all = {
        let started = Instant::now();
        loop {
            let handled: HashSet<i64> = tally.all().into_iter().collect();
            if confirmed.iter().all(|n| handled.contains(n)) {
                break true;
            }
            if started.elapsed() > Duration::from_secs(90) {
                break false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    subscriber.shutdown().await.expect("shutdown");

    let handled: HashSet<i64> = tally.all().into_iter().collect();
    let times = tally.times();
    report.sent = confirmed.len() as u64;
    report.handled = handled.len() as u64;
    report.duplicates = times.values().map(|count| count - 1).sum();
    report.lost = confirmed.iter().filter(|n| !handled.contains(n)).count() as u64;
    report.acked = acknowledged(&cluster, &config).await;
    report.notes = format!(
        "master :{} killed; failover in {:.1} s, back as a replica after {:.1} s; {} publishes not confirmed by a replica and {} failed, all published again",
        killed.0,
        killed.1.as_secs_f64(),
        killed.2.as_secs_f64(),
        unconfirmed.load(Ordering::SeqCst),
        failed.load(Ordering::SeqCst),
    );
    assert!(handled_all || report.lost > 0);
    report.finish();
}

/// Entries of the partitions the group has read and acknowledged (read minus pending), from
/// `XINFO GROUPS`.
async fn acknowledged(
    cluster: &event_runtime::testing::RedisCluster,
    config: &event_runtime::Config,
) -> u64 {
    let mut conn = connection(cluster).await;
    let mut total = 0;
    for stream in stream_keys("cluster.keyed", config.partitioning("cluster.keyed")) {
        let groups: redis::streams::StreamInfoGroupsReply = redis::cmd("XINFO")
            .arg("GROUPS")
            .arg(&stream)
            .query_async(&mut conn)
            .await
            .expect("XINFO GROUPS");
        for group in groups.groups {
            let read = group.entries_read.unwrap_or_default() as u64;
            total += read.saturating_sub(group.pending as u64);
        }
    }
    total
}
