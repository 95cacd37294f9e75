//! (g) One poison entry among 10,000 good ones: it is dead-lettered at once with its reason and
//! provenance, and never stalls the 9,999 others.

use std::time::Duration;

use event_runtime::Publisher;

use crate::report::Report;
use crate::support::{
    DEAD_LETTERS, STREAM, Tally, command, config, group_state, probes, server, shut_down,
    two_subscribers, wait_until_settled,
};

const GOOD: u64 = 9_999;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_poison_entry_among_ten_thousand_is_dead_lettered() {
    let mut report = Report::new(
        "poison_entry_among_10000",
        "one entry whose `seq` is a string, written raw in the middle of 9,999 good events",
    );
    let server = server();
    let url = server.url();
    let mut settings = config(&url);
    settings.subscriber.concurrency = 64;
    settings.subscriber.batch_size = 200;
    let tally = Tally::default();
    let running = two_subscribers(&settings, &tally).await;
    let publisher = Publisher::new(&settings).await.expect("publisher");
    publisher
        .publish_batch(&probes(0..GOOD / 2))
        .await
        .expect("first half");
    let poison_data = serde_json::json!({
        "event_type": "fault.probe",
        "version": "v1",
        "event_id": "0198c0de-0000-7000-8000-000000000000",
        "timestamp": "2025-09-26T10:30:00Z",
        "seq": "not a number",
        "payload": "poison",
    })
    .to_string();
    let poison_id: String = command(
        &url,
        redis::cmd("XADD")
            .arg(STREAM)
            .arg("*")
            .arg("event_id")
            .arg("0198c0de-0000-7000-8000-000000000000")
            .arg("event_type")
            .arg("fault.probe")
            .arg("version")
            .arg("v1")
            .arg("event_data")
            .arg(&poison_data),
    )
    .await;
    publisher
        .publish_batch(&probes(GOOD / 2..GOOD))
        .await
        .expect("second half");

    wait_until_settled(&url, &tally, 0..GOOD, Duration::from_secs(60)).await;
    shut_down(running).await;

    let dead: redis::streams::StreamRangeReply = command(
        &url,
        redis::cmd("XRANGE").arg(DEAD_LETTERS).arg("-").arg("+"),
    )
    .await;
    assert_eq!(dead.ids.len(), 1, "exactly one dead letter");
    let letter = &dead.ids[0];
    let original_id: String = letter.get("original_id").expect("original_id");
    let error: String = letter.get("error").expect("error");
    let attempts: String = letter.get("attempts").expect("attempts");
    assert_eq!(original_id, poison_id);
    assert!(error.contains("field `seq`"), "{error}");
    assert_eq!(attempts, "1", "dead-lettered at its first delivery");

    let state = group_state(&url, STREAM).await;
    report.count(GOOD + 1, &state, &tally);
    report.dead_letters = dead.ids.len() as u64;
    // The poison entry has no `seq`: it is accounted for as a dead letter.
    report.lost = report.sent - report.handled - report.dead_letters;
    report.notes = format!("dead letter after 1 delivery: \"{error}\"");
    assert_eq!(state.acked(), GOOD + 1);
    report.finish();
}
