//! (f) `FLUSHALL` under a running subscriber: its reads and acknowledgements meet `NOGROUP`;
//! it recreates the group (from the start of the stream) and handles what is published after,
//! instead of stopping (FastStream #2611).

use std::time::Duration;

use event_runtime::Publisher;

use crate::report::Report;
use crate::support::{
    STREAM, Tally, command, config, eventually, group_state, probes, server, subscriber,
};

const BEFORE: u64 = 500;
const SENT: u64 = 1_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nogroup_after_flushall_recreates_the_group_and_continues() {
    let mut report = Report::new(
        "nogroup_after_flushall",
        "FLUSHALL after 500 events were handled, under two running subscribers; 500 more published",
    );
    let server = server();
    let url = server.url();
    let settings = config(&url);
    let tally = Tally::default();
    let running = vec![
        subscriber(&settings, "a", tally.clone()).await,
        subscriber(&settings, "b", tally.clone()).await,
    ];
    let publisher = Publisher::new(&settings).await.expect("publisher");
    publisher
        .publish_batch(&probes(0..BEFORE))
        .await
        .expect("first half");
    eventually("the first half handled", Duration::from_secs(20), || {
        let missing = tally.missing(0..BEFORE).len();
        async move { missing == 0 }
    })
    .await;
    eventually(
        "the first half acknowledged",
        Duration::from_secs(10),
        || {
            let url = url.clone();
            async move { group_state(&url, STREAM).await.pending == 0 }
        },
    )
    .await;

    let _: String = command(&url, &redis::cmd("FLUSHALL")).await;
    // Let the subscribers run into the missing group before anything is published again.
    tokio::time::sleep(Duration::from_millis(300)).await;
    publisher
        .publish_batch(&probes(BEFORE..SENT))
        .await
        .expect("second half");

    eventually("the second half handled", Duration::from_secs(20), || {
        let missing = tally.missing(BEFORE..SENT).len();
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
    // The first half's acknowledgements were flushed with the stream: count them as the
    // test saw them before the flush.
    report.acked = BEFORE + state.acked();
    report.handled = tally.handled();
    report.duplicates = tally.duplicates();
    report.lost = tally.missing(0..SENT).len() as u64;
    report.notes = format!(
        "group recreated after FLUSHALL; {} entries after it, all acknowledged",
        state.length
    );
    assert_eq!(state.length, SENT - BEFORE);
    report.finish();
}
