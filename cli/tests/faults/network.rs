//! (c) The network between the runtime and Redis fails: a TCP proxy inside the test drops
//! every connection (twice) and stops forwarding for 3 s (longer than the subscriber's read
//! timeout) while events are published and consumed through it.

use std::time::Duration;

use event_runtime::Publisher;

use crate::proxy::Proxy;
use crate::report::Report;
use crate::support::{
    PacedPublishing, STREAM, Tally, config, group_state, server, shut_down, two_subscribers,
    wait_until_settled,
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
    let running = two_subscribers(&settings, &tally).await;
    let publisher = Publisher::new(&settings).await.expect("publisher");
    let connections_before = proxy.connections();
    let publishing = PacedPublishing::start(publisher, SENT, CHUNK, Duration::from_millis(40));

    publishing.reached(SENT / 4).await;
    proxy.cut();
    publishing.reached(SENT / 2).await;
    proxy.stall(true);
    tokio::time::sleep(Duration::from_secs(3)).await;
    proxy.stall(false);
    publishing.reached(3 * SENT / 4).await;
    proxy.cut();
    let failures = publishing.finish().await;

    wait_until_settled(&server.url(), &tally, 0..SENT, Duration::from_secs(30)).await;
    shut_down(running).await;

    let state = group_state(&server.url(), STREAM).await;
    report.count(SENT, &state, &tally);
    report.notes = format!(
        "2 cuts and a 3 s stall; {} new connections after the start; {} stream entries; {failures} publish calls failed and were retried",
        proxy.connections() - connections_before,
        state.length
    );
    assert_eq!(state.acked(), state.length, "every entry acknowledged");
    report.finish();
}
