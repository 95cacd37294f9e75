//! (b) `redis-server` killed and restarted (AOF on) twice while events are published and
//! consumed: publishers and subscribers reconnect, nothing acknowledged is lost.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use event_runtime::Publisher;

use crate::report::Report;
use crate::support::{
    STREAM, Tally, config, eventually, group_state, probes, publish_until_written, server,
    subscriber,
};

const SENT: u64 = 3_000;
const CHUNK: u64 = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restarted_during_publish_and_consume_loses_nothing() {
    let mut report = Report::new(
        "redis_restart_aof",
        "redis-server SIGKILLed and restarted with AOF at 1/3 and 2/3 of publishing, two subscribers consuming",
    );
    let mut server = server();
    let url = server.url();
    let settings = config(&url);
    let tally = Tally::default();
    let running = vec![
        subscriber(&settings, "a", tally.clone()).await,
        subscriber(&settings, "b", tally.clone()).await,
    ];
    let publisher = Publisher::new(&settings).await.expect("publisher");
    let published = Arc::new(AtomicU64::new(0));
    let progress = published.clone();
    let publishing = tokio::spawn(async move {
        let mut failures = 0;
        for start in (0..SENT).step_by(CHUNK as usize) {
            failures += publish_until_written(&publisher, &probes(start..start + CHUNK)).await;
            progress.store(start + CHUNK, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(15)).await;
        }
        failures
    });

    let mut moments = Vec::new();
    for at in [SENT / 3, 2 * SENT / 3] {
        eventually("publishing progresses", Duration::from_secs(30), || {
            let published = published.load(Ordering::SeqCst);
            async move { published >= at }
        })
        .await;
        moments.push(format!(
            "{} published / {} handled",
            published.load(Ordering::SeqCst),
            tally.handled()
        ));
        tokio::task::block_in_place(|| server.restart()).expect("redis-server restarts");
    }
    let failures = publishing.await.expect("publishing task");

    eventually("every event handled", Duration::from_secs(30), || {
        let missing = tally.missing(0..SENT).len();
        async move { missing == 0 }
    })
    .await;
    eventually("nothing pending", Duration::from_secs(10), || {
        let url = url.clone();
        async move { group_state(&url, STREAM).await.pending == 0 }
    })
    .await;
    for subscriber in running {
        subscriber.shutdown().await.expect("shutdown");
    }

    let state = group_state(&url, STREAM).await;
    report.sent = SENT;
    report.acked = state.acked();
    report.handled = tally.handled();
    report.duplicates = tally.duplicates();
    report.lost = tally.missing(0..SENT).len() as u64;
    report.notes = format!(
        "restarts at {}; {} stream entries for {SENT} events; {failures} publish calls failed and were retried with the same event ids",
        moments.join(" and at "),
        state.length
    );
    assert_eq!(state.acked(), state.length, "every entry acknowledged");
    report.finish();
}
