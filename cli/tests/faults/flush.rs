//! (f) `FLUSHALL` under a running subscriber: its reads and acknowledgements meet `NOGROUP`;
//! it recreates the group (from the start of the stream) and handles what is published after,
//! instead of stopping (FastStream #2611).

use std::time::Duration;

use event_runtime::Publisher;

use crate::report::Report;
use crate::support::{
    STREAM, Tally, command, config, group_state, probes, server, shut_down, two_subscribers,
    wait_until_settled,
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
    let running = two_subscribers(&settings, &tally).await;
    let publisher = Publisher::new(&settings).await.expect("publisher");
    publisher
        .publish_batch(&probes(0..BEFORE))
        .await
        .expect("first half");
    wait_until_settled(&url, &tally, 0..BEFORE, Duration::from_secs(20)).await;

    let _: String = command(&url, &redis::cmd("FLUSHALL")).await;
    // Let the subscribers run into the missing group before anything is published again.
    tokio::time::sleep(Duration::from_millis(300)).await;
    publisher
        .publish_batch(&probes(BEFORE..SENT))
        .await
        .expect("second half");

    wait_until_settled(&url, &tally, BEFORE..SENT, Duration::from_secs(20)).await;
    shut_down(running).await;

    let state = group_state(&url, STREAM).await;
    report.count(SENT, &state, &tally);
    // The first half's acknowledgements were flushed with the stream: count them as the
    // test saw them before the flush.
    report.acked = BEFORE + state.acked();
    report.notes = format!(
        "group recreated after FLUSHALL; {} entries after it, all acknowledged",
        state.length
    );
    assert_eq!(state.length, SENT - BEFORE);
    report.finish();
}
