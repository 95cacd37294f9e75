//! (c) The network between the runtime and Redis fails: a TCP proxy inside the test drops
//! every connection (twice) and stops forwarding for 3 s (longer than the subscriber's read
//! timeout) while events are published and consumed through it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use event_runtime::Publisher;

use crate::proxy::Proxy;
use crate::report::Report;
use crate::support::{
    STREAM, Tally, config, eventually, group_state, probes, publish_until_written, server,
    subscriber,
};

const SENT: u64 = 2_000;
const CHUNK: u64 = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_cut_and_stalled_reconnect_and_continue() {
    let mut report = Report::new(
        "connections_cut_and_stalled",
        "a TCP proxy drops every connection at 1/4 and 3/4 of the run and forwards nothing for 3 s at 1/2",
    );
    let server = server();
    let proxy = Proxy::start(server.port()).await;
    let settings = config(&proxy.url());
    let tally = Tally::default();
    let running = vec![
        subscriber(&settings, "a", tally.clone()).await,
        subscriber(&settings, "b", tally.clone()).await,
    ];
    let publisher = Publisher::new(&settings).await.expect("publisher");
    let connections_before = proxy.connections();
    let published = Arc::new(AtomicU64::new(0));
    let progress = published.clone();
    let publishing = tokio::spawn(async move {
        let mut failures = 0;
        for start in (0..SENT).step_by(CHUNK as usize) {
            failures += publish_until_written(&publisher, &probes(start..start + CHUNK)).await;
            progress.store(start + CHUNK, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
        failures
    });
    let reached = |at: u64| {
        let published = published.clone();
        async move {
            eventually("publishing progresses", Duration::from_secs(30), || {
                let published = published.load(Ordering::SeqCst);
                async move { published >= at }
            })
            .await;
        }
    };

    reached(SENT / 4).await;
    proxy.cut();
    reached(SENT / 2).await;
    proxy.stall(true);
    tokio::time::sleep(Duration::from_secs(3)).await;
    proxy.stall(false);
    reached(3 * SENT / 4).await;
    proxy.cut();
    let failures = publishing.await.expect("publishing task");

    eventually("every event handled", Duration::from_secs(30), || {
        let missing = tally.missing(0..SENT).len();
        async move { missing == 0 }
    })
    .await;
    eventually("nothing pending", Duration::from_secs(10), || {
        let url = server.url();
        async move { group_state(&url, STREAM).await.pending == 0 }
    })
    .await;
    for subscriber in running {
        subscriber.shutdown().await.expect("shutdown");
    }

    let state = group_state(&server.url(), STREAM).await;
    report.sent = SENT;
    report.acked = state.acked();
    report.handled = tally.handled();
    report.duplicates = tally.duplicates();
    report.lost = tally.missing(0..SENT).len() as u64;
    report.notes = format!(
        "2 cuts and a 3 s stall; {} new connections after the start; {} stream entries; {failures} publish calls failed and were retried",
        proxy.connections() - connections_before,
        state.length
    );
    assert_eq!(state.acked(), state.length, "every entry acknowledged");
    report.finish();
}
