//! (b) `redis-server` killed and restarted (AOF on) twice while events are published and
//! consumed: publishers and subscribers reconnect, nothing acknowledged is lost.

use std::time::Duration;

use event_runtime::Publisher;

use crate::report::Report;
use crate::support::{
    PacedPublishing, STREAM, Tally, config, group_state, server, shut_down, two_subscribers,
    wait_until_settled,
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
    let running = two_subscribers(&settings, &tally).await;
    let publisher = Publisher::new(&settings).await.expect("publisher");
    let publishing = PacedPublishing::start(publisher, SENT, CHUNK, Duration::from_millis(15));

    let mut moments = Vec::new();
    for at in [SENT / 3, 2 * SENT / 3] {
        publishing.reached(at).await;
        moments.push(format!(
            "{} published / {} handled",
            publishing.published(),
            tally.handled()
        ));
        tokio::task::block_in_place(|| server.restart()).expect("redis-server restarts");
    }
    let failures = publishing.finish().await;

    wait_until_settled(&url, &tally, 0..SENT, Duration::from_secs(30)).await;
    shut_down(running).await;

    let state = group_state(&url, STREAM).await;
    report.count(SENT, &state, &tally);
    report.notes = format!(
        "restarts at {}; {} stream entries for {SENT} events; {failures} publish calls failed and were retried with the same event ids",
        moments.join(" and at "),
        state.length
    );
    assert_eq!(state.acked(), state.length, "every entry acknowledged");
    report.finish();
}
