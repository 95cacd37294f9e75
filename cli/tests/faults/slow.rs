//! (d) A slow but alive handler keeps its entries: a handler that works for 5x the claim idle
//! time is not claimed away by the other consumer of the group, and nothing runs twice.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use event_runtime::{Event, HandlerError, Publisher, RawEvent, RunningSubscriber, Subscriber};

use crate::report::Report;
use crate::support::{
    ProbeV1, STREAM, Tally, config, group_state, probes, server, shut_down, wait_until_settled,
};

const SENT: u64 = 24;
const WORK: Duration = Duration::from_millis(1_500);
const CLAIM_MIN_IDLE: Duration = Duration::from_millis(300);

async fn slow_subscriber(
    settings: &event_runtime::Config,
    name: &str,
    tally: Tally,
    deliveries: Arc<Mutex<Vec<u32>>>,
) -> RunningSubscriber {
    let mut settings = settings.clone();
    settings.subscriber.consumer_name = Some(name.into());
    settings.subscriber.concurrency = 16;
    settings.subscriber.claim_min_idle = CLAIM_MIN_IDLE;
    settings.subscriber.claim_interval = Duration::from_millis(25);
    Subscriber::builder(&settings)
        .on_raw("fault.probe", move |raw: RawEvent| {
            let tally = tally.clone();
            let deliveries = deliveries.clone();
            async move {
                let event = ProbeV1::decode_version(raw.version, &raw.event_data)
                    .map_err(HandlerError::permanent)?;
                deliveries.lock().expect("deliveries").push(raw.deliveries);
                tokio::time::sleep(WORK).await;
                tally.record(event.seq);
                Ok(())
            }
        })
        .build()
        .await
        .expect("subscriber")
        .spawn()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_handler_is_not_claimed_away_while_it_works() {
    let mut report = Report::new(
        "slow_handler_not_claimed",
        "handlers working 1.5 s, five times the claim idle time (0.3 s), with a second consumer sweeping every 25 ms",
    );
    let server = server();
    let url = server.url();
    let settings = config(&url);
    let tally = Tally::default();
    let deliveries = Arc::new(Mutex::new(Vec::new()));
    let running = vec![
        slow_subscriber(&settings, "a", tally.clone(), deliveries.clone()).await,
        slow_subscriber(&settings, "b", tally.clone(), deliveries.clone()).await,
    ];
    let publisher = Publisher::new(&settings).await.expect("publisher");
    publisher
        .publish_batch(&probes(0..SENT))
        .await
        .expect("publish");

    wait_until_settled(&url, &tally, 0..SENT, Duration::from_secs(20)).await;
    // Long enough for any wrongful claim to have started a second run.
    tokio::time::sleep(CLAIM_MIN_IDLE * 2).await;
    shut_down(running).await;

    let deliveries = deliveries.lock().expect("deliveries").clone();
    let state = group_state(&url, STREAM).await;
    report.count(SENT, &state, &tally);
    report.notes = format!(
        "{} handler starts for {SENT} events; highest delivery count {}",
        deliveries.len(),
        deliveries.iter().max().copied().unwrap_or(0)
    );
    assert_eq!(report.duplicates, 0, "a slow handler's entry ran twice");
    assert_eq!(deliveries.len() as u64, SENT, "an entry was started twice");
    assert!(deliveries.iter().all(|count| *count == 1), "{deliveries:?}");
    report.finish();
}
