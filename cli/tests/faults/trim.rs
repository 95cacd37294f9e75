//! (e) Trimming while entries are pending: an operator's `XTRIM` (or a publisher with
//! `EVENT_PUBLISHER_STREAM_TRIM=plain`, or a forced trim past the hard cap) removes entries
//! pending to a dead consumer and entries waiting for their retry. The publisher's default
//! retention never does this below its hard cap (it trims only what every group
//! acknowledged: the conformance cases `retention::*`), so the trim here is made by hand. The
//! subscriber acknowledges the trimmed ones (they are not claimed again and again, as
//! Watermill's were), handles everything still in the stream, and leaves nothing pending.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use event_runtime::{HandlerError, Publisher, Subscriber};

use crate::report::Report;
use crate::support::{
    GROUP, ProbeV1, STREAM, Tally, command, config, eventually, group_state, probes, server,
    wait_until_settled,
};

const SENT: u64 = 300;
const KEPT: u64 = 150;
const DEAD_HOLDS: u64 = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trimming_while_entries_are_pending() {
    let mut report = Report::new(
        "trim_while_pending",
        "XTRIM MAXLEN 150 of 300 entries: 100 pending to a dead consumer, others pending for a retry",
    );
    let server = server();
    let url = server.url();
    let mut settings = config(&url);
    // First deliveries fail; their retry waits long enough for the trim to catch some.
    settings.subscriber.retry_backoff = Duration::from_millis(400);
    let publisher = Publisher::new(&settings).await.expect("publisher");
    publisher
        .publish_batch(&probes(0..SENT))
        .await
        .expect("publish");

    // A consumer reads the first 100 entries and dies without acknowledging any.
    let _: String = command(
        &url,
        redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(STREAM)
            .arg(GROUP)
            .arg("0"),
    )
    .await;
    let _: redis::Value = command(
        &url,
        redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg(GROUP)
            .arg("dead")
            .arg("COUNT")
            .arg(DEAD_HOLDS)
            .arg("STREAMS")
            .arg(STREAM)
            .arg(">"),
    )
    .await;

    // The live consumer fails each event's first delivery.
    let tally = Tally::default();
    let attempts: Arc<Mutex<HashMap<u64, u32>>> = Arc::default();
    let (handler_tally, handler_attempts) = (tally.clone(), attempts.clone());
    let mut settings = settings.clone();
    settings.subscriber.consumer_name = Some("live".into());
    let running = Subscriber::builder(&settings)
        .on(move |event: ProbeV1| {
            let tally = handler_tally.clone();
            let attempts = handler_attempts.clone();
            async move {
                let attempt = {
                    let mut attempts = attempts.lock().expect("attempts");
                    let attempt = attempts.entry(event.seq).or_default();
                    *attempt += 1;
                    *attempt
                };
                if attempt == 1 {
                    return Err(HandlerError::new("first delivery fails on purpose"));
                }
                tally.record(event.seq);
                Ok(())
            }
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();
    eventually("first deliveries failed", Duration::from_secs(10), || {
        let failed = attempts.lock().expect("attempts").len();
        async move { failed >= 50 }
    })
    .await;
    let trimmed: u64 = command(
        &url,
        redis::cmd("XTRIM").arg(STREAM).arg("MAXLEN").arg(KEPT),
    )
    .await;
    let handled_before_trim = tally.handled();
    let waiting_retry = {
        let attempts = attempts.lock().expect("attempts");
        (DEAD_HOLDS..SENT - KEPT)
            .filter(|seq| attempts.contains_key(seq) && !tally.contains(*seq))
            .count()
    };

    wait_until_settled(&url, &tally, SENT - KEPT..SENT, Duration::from_secs(20)).await;
    running.shutdown().await.expect("shutdown");

    let state = group_state(&url, STREAM).await;
    report.count(SENT, &state, &tally);
    // Lost: kept entries never handled, or trimmed entries left in the pending list.
    report.lost = tally.missing(SENT - KEPT..SENT).len() as u64 + state.pending;
    report.notes = format!(
        "{trimmed} trimmed by a manual XTRIM (the test's doing, not the runtime's): {DEAD_HOLDS} pending to the dead consumer, {waiting_retry} pending for a retry, {handled_before_trim} handled before; all trimmed pending entries acknowledged, 0 left pending"
    );
    assert_eq!(trimmed, SENT - KEPT);
    assert_eq!(state.length, KEPT);
    report.finish();
}
