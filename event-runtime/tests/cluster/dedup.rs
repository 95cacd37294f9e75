//! Effectively-once handling on a Redis Cluster: each stream's record of handled events
//! (`events:handled:{<stream>}:<group>`) lives in the stream's slot, and the same event
//! published twice to each of two types in two slots runs its handler once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use event_runtime::wire::{handled_key, stream_key};
use event_runtime::{Publisher, Subscriber};
use redis::cluster_routing::Slot;

use crate::support::{Alpha, Beta, config, connection, start_cluster};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_events_published_twice_run_once_and_their_records_share_their_slots() {
    let streams = [stream_key("cluster.alpha"), stream_key("cluster.beta")];
    for stream in &streams {
        assert_eq!(
            Slot::for_key(handled_key(stream, "cluster-tests")),
            Slot::for_key(stream)
        );
    }
    let cluster = start_cluster();
    let mut config = config(&cluster);
    config.subscriber.dedup = true;
    let runs = Arc::new(AtomicUsize::new(0));
    let (alpha_runs, beta_runs) = (runs.clone(), runs.clone());
    let subscriber = Subscriber::builder(&config)
        .on(move |_: Alpha| {
            alpha_runs.fetch_add(1, Ordering::SeqCst);
            async { Ok(()) }
        })
        .on(move |_: Beta| {
            beta_runs.fetch_add(1, Ordering::SeqCst);
            async { Ok(()) }
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();
    let publisher = Publisher::new(&config).await.expect("publisher");
    let (alpha, beta) = (Alpha::new(1), Beta::new(2));
    for _ in 0..2 {
        publisher.publish(&alpha).await.expect("publish");
        publisher.publish(&beta).await.expect("publish");
        subscriber
            .settled(Duration::from_secs(20))
            .await
            .expect("settled");
    }
    subscriber.shutdown().await.expect("shutdown");
    assert_eq!(runs.load(Ordering::SeqCst), 2, "one run per event");
    let mut conn = connection(&cluster).await;
    for stream in &streams {
        let records: u64 = redis::cmd("XLEN")
            .arg(handled_key(stream, "cluster-tests"))
            .query_async(&mut conn)
            .await
            .expect("XLEN");
        assert_eq!(records, 1, "{stream}");
    }
}
