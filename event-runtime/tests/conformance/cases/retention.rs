//! Group-aware retention: a consumer group that is stopped while three times the retention
//! budget is published loses nothing, and past the hard cap the entries it loses are
//! reported with exact counts in the record `events:trimmed:{<stream>}`.

use std::time::Duration;

use event_runtime::config::{HardCap, Retention, Trimming};
use event_runtime::wire::{EntryId, trimmed_key};
use event_runtime::{Config, Publisher};

use crate::events::{Message, Numbered};
use crate::harness::{Backend, Counts, Outcome, Tally, eventually, publish_batches};

const WAIT: Duration = Duration::from_secs(60);
const BUDGET: usize = 100;
const STREAM: &str = "events:conformance.message";

/// Settings with a small budget, trimmed every 50 ms, consumed by group `group`.
fn settings(backend: &Backend, group: &str) -> Config {
    let mut config = backend.config();
    config.publisher.retention = Retention::MaxLen(BUDGET);
    config.publisher.trimming = Trimming::Acknowledged;
    config.publisher.retention_interval = Duration::from_millis(50);
    config.subscriber.consumer_group = group.to_owned();
    config
}

/// A subscriber of group `group` that records what it handles.
async fn consume(
    backend: &Backend,
    config: &Config,
    tally: &Tally,
) -> event_runtime::RunningSubscriber {
    backend
        .subscriber(config)
        .on(tally.recorder::<Message>())
        .build()
        .await
        .expect("subscriber")
        .spawn()
}

/// Entries in the stream now.
async fn length(backend: &Backend) -> usize {
    backend.stored::<Message>().await.len()
}

/// Group `stopped` handles 50 events and is shut down; 250 more arrive (300 in all, three
/// budgets) while group `live` keeps up. Retention trims only what both acknowledged (the
/// first 50), nothing the stopped group has not read; restarted, it handles the 250 others.
/// Once it has, the stream is trimmed to the budget exactly.
pub async fn stopped_group_loses_nothing_to_retention(backend: Backend) -> Outcome {
    let stopped_config = settings(&backend, "stopped");
    let live_config = settings(&backend, "live");
    let (stopped, live) = (Tally::new(), Tally::new());
    let publisher = backend.publisher(&live_config).await;

    let first_run = consume(&backend, &stopped_config, &stopped).await;
    let live_run = consume(&backend, &live_config, &live).await;
    let mut sent = publish_batches::<Message>(&publisher, 0..50).await;
    stopped.wait_for(50, WAIT).await;
    first_run.shutdown().await.expect("shutdown");

    sent.extend(publish_batches::<Message>(&publisher, 50..300).await);
    live.wait_for(300, WAIT).await;
    // Retention runs every 50 ms: the first 50 go, the 250 the stopped group needs stay.
    eventually("the acknowledged entries trimmed", WAIT, || async {
        length(&backend).await == 250
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        backend.stored::<Message>().await,
        (50..300).collect::<Vec<i64>>(),
        "retention trimmed entries the stopped group had not read"
    );

    let second_run = consume(&backend, &stopped_config, &stopped).await;
    stopped.wait_for(300, WAIT).await;
    eventually("the stream trimmed to the budget", WAIT, || async {
        length(&backend).await == BUDGET
    })
    .await;
    second_run.shutdown().await.expect("shutdown");
    live_run.shutdown().await.expect("shutdown");
    assert!(
        backend.stream(&trimmed_key(STREAM)).await.is_empty(),
        "nothing was forced"
    );
    drop(publisher);
    Outcome::exact(Counts::sum([
        Counts::of(&sent, &stopped),
        Counts::of(&sent, &live),
    ]))
}

/// Past the hard cap the stopped group loses entries, and the record says exactly which:
/// 300 events sit in the stream unread by group `stopped` (group `live` has handled them
/// all); a publisher with a hard cap of 150 appends one more, and its retention trims the
/// 151 oldest. The record holds one entry: `stopped` lost 151, from event 0 to event 150.
/// Restarted, the stopped group handles the 150 that remain.
pub async fn hard_cap_reports_what_each_group_lost(backend: Backend) -> Outcome {
    let mut untrimmed = settings(&backend, "stopped");
    untrimmed.publisher.trimming = Trimming::Plain;
    untrimmed.publisher.retention = Retention::Unbounded;
    let (stopped, live) = (Tally::new(), Tally::new());
    // The stopped group exists before anything is published, and has read nothing.
    consume(&backend, &untrimmed, &stopped)
        .await
        .shutdown()
        .await
        .expect("shutdown");
    let live_run = consume(&backend, &settings(&backend, "live"), &live).await;
    let publisher = backend.publisher(&untrimmed).await;
    publish_batches::<Message>(&publisher, 0..300).await;
    live.wait_for(300, WAIT).await;
    eventually("the live group acknowledged everything", WAIT, || async {
        backend.pending::<Message>("live").await == 0
    })
    .await;
    let published: Vec<EntryId> = entry_ids(&backend).await;

    let mut capped = settings(&backend, "stopped");
    capped.publisher.hard_cap = HardCap::Limit(Retention::MaxLen(150));
    let capped_publisher: Publisher = backend.publisher(&capped).await;
    capped_publisher
        .publish(&Message::numbered(300))
        .await
        .expect("publish");
    let key = trimmed_key(STREAM);
    eventually("the forced trim recorded", WAIT, || async {
        !backend.stream(&key).await.is_empty()
    })
    .await;
    let records = backend.stream(&key).await;
    assert_eq!(records.len(), 1, "one group lost entries: {records:?}");
    let record = &records[0].1;
    assert_eq!(record["group"], "stopped", "{record:?}");
    assert_eq!(record["lost"], "151", "{record:?}");
    assert_eq!(record["hard_cap"], "maxlen 150", "{record:?}");
    assert_eq!(
        backend.stored::<Message>().await,
        (151..=300).collect::<Vec<i64>>()
    );
    assert_eq!(record["first_id"], published[0].to_string(), "{record:?}");
    assert_eq!(record["last_id"], published[150].to_string(), "{record:?}");

    let rest = consume(&backend, &capped, &stopped).await;
    stopped.wait_for(150, WAIT).await;
    rest.shutdown().await.expect("shutdown");
    live.wait_for(301, WAIT).await;
    live_run.shutdown().await.expect("shutdown");
    let kept: Vec<i64> = (151..=300).collect();
    assert_eq!(
        records.len(),
        backend.stream(&key).await.len(),
        "one forced trim only"
    );
    Outcome::exact(Counts::sum([
        Counts::of(&kept, &stopped),
        Counts::of(&(0..=300).collect::<Vec<i64>>(), &live),
    ]))
}

/// The ids in the stream, oldest first.
async fn entry_ids(backend: &Backend) -> Vec<EntryId> {
    backend
        .stream(STREAM)
        .await
        .into_iter()
        .map(|(id, _)| id.parse().expect("an entry id"))
        .collect()
}
