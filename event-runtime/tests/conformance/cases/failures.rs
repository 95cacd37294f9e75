//! Handlers that fail or never finish: redelivery, ordering while unacknowledged, recovery.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use event_runtime::{HandlerError, RawEvent};
use tokio::sync::Semaphore;

use crate::events::Message;
use crate::harness::{Backend, Counts, Outcome, Tally, eventually, publish_batches, publish_each};

const WAIT: Duration = Duration::from_secs(30);

/// Watermill's ResendOnError: the first delivery of events 0 and 1 fails; all 100 arrive,
/// each handled successfully once, and nothing is dead-lettered.
pub async fn resend_on_error(backend: Backend) -> Outcome {
    let config = backend.config();
    let tally = Tally::new();
    let nacked: Arc<Mutex<HashSet<i64>>> = Arc::default();
    let handler_tally = tally.clone();
    let subscriber = backend
        .subscriber(&config)
        .on(move |event: Message| {
            let first_time = event.n < 2 && nacked.lock().expect("nacked").insert(event.n);
            let result = if first_time {
                Err(handler_tally.failed("nack"))
            } else {
                handler_tally.handled(event.n);
                Ok(())
            };
            async move { result }
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();
    let publisher = backend.publisher(&config).await;
    let sent = publish_each::<Message>(&publisher, 0..100).await;
    tally.wait_for(100, WAIT).await;
    subscriber.shutdown().await.expect("shutdown");
    assert_eq!(tally.failures(), 2);
    assert_eq!(backend.dead_letters::<Message>().await, 0);
    assert_eq!(backend.pending::<Message>("conformance").await, 0);
    Outcome::exact(Counts::of(&sent, &tally))
}

/// Watermill's NoAck, for ordered delivery (one handler at a time): event 1 is not delivered
/// while event 0 is unacknowledged, and is right after.
pub async fn no_ack_holds_the_next_event(backend: Backend) -> Outcome {
    let config = backend.config();
    let tally = Tally::new();
    let delivered: Arc<Mutex<Vec<i64>>> = Arc::default();
    let release = Arc::new(Semaphore::new(0));
    let (handler_tally, handler_delivered, handler_release) =
        (tally.clone(), delivered.clone(), release.clone());
    let mut config = config.clone();
    config.subscriber.concurrency = 1;
    config.subscriber.batch_size = 1;
    let subscriber = backend
        .subscriber(&config)
        .on(move |event: Message| {
            let (tally, delivered, release) = (
                handler_tally.clone(),
                handler_delivered.clone(),
                handler_release.clone(),
            );
            async move {
                delivered.lock().expect("delivered").push(event.n);
                if event.n == 0 {
                    let _permit = release.acquire().await.map_err(HandlerError::new)?;
                }
                tally.handled(event.n);
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();
    let publisher = backend.publisher(&config).await;
    let sent = publish_each::<Message>(&publisher, 0..2).await;
    eventually("event 0 delivered", WAIT, || async {
        !delivered.lock().expect("delivered").is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        *delivered.lock().expect("delivered"),
        [0],
        "event 1 was delivered while event 0 was unacknowledged"
    );
    release.add_permits(1);
    tally.wait_for(2, WAIT).await;
    subscriber.shutdown().await.expect("shutdown");
    assert_eq!(*delivered.lock().expect("delivered"), [0, 1]);
    Outcome::exact(Counts::of(&sent, &tally))
}

/// The number of a raw `conformance.message`.
fn number(event: &RawEvent) -> Result<i64, HandlerError> {
    let data: serde_json::Value = serde_json::from_str(&event.event_data)?;
    data["n"].as_i64().ok_or_else(|| HandlerError::new("no n"))
}

/// An unacknowledged event is delivered again: a consumer takes four events and never
/// finishes them (it is shut down with a short deadline, as a crashed one would leave them);
/// another consumer of the group claims them once idle and handles them, on their second
/// delivery.
pub async fn unacknowledged_is_redelivered(backend: Backend) -> Outcome {
    let mut config = backend.config();
    config.subscriber.claim_min_idle = Duration::from_millis(300);
    let taken: Arc<Mutex<Vec<i64>>> = Arc::default();
    let handler_taken = taken.clone();
    let mut stuck_config = config.clone();
    stuck_config.subscriber.consumer_name = Some("stuck".into());
    stuck_config.subscriber.concurrency = 4;
    stuck_config.subscriber.shutdown_timeout = Duration::from_millis(100);
    let stuck = backend
        .subscriber(&stuck_config)
        .on_raw("conformance.message", move |event: RawEvent| {
            let taken = handler_taken.clone();
            async move {
                taken.lock().expect("taken").push(number(&event)?);
                tokio::time::sleep(Duration::from_secs(3_600)).await;
                Ok(())
            }
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();
    let publisher = backend.publisher(&config).await;
    let sent = publish_each::<Message>(&publisher, 0..10).await;
    eventually("four events taken", WAIT, || async {
        taken.lock().expect("taken").len() == 4
    })
    .await;
    stuck.shutdown().await.expect("shutdown");

    let tally = Tally::new();
    let redelivered: Arc<Mutex<Vec<(i64, u32)>>> = Arc::default();
    let (handler_tally, handler_redelivered) = (tally.clone(), redelivered.clone());
    let mut rescuer_config = config.clone();
    rescuer_config.subscriber.consumer_name = Some("rescuer".into());
    let rescuer = backend
        .subscriber(&rescuer_config)
        .on_raw("conformance.message", move |event: RawEvent| {
            let n = number(&event);
            let (tally, redelivered) = (handler_tally.clone(), handler_redelivered.clone());
            async move {
                let n = n?;
                redelivered
                    .lock()
                    .expect("redelivered")
                    .push((n, event.deliveries));
                tally.handled(n);
                Ok(())
            }
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();
    tally.wait_for(10, WAIT).await;
    rescuer.shutdown().await.expect("shutdown");
    let taken = taken.lock().expect("taken").clone();
    for (n, deliveries) in redelivered.lock().expect("redelivered").iter() {
        let expected = if taken.contains(n) { 2 } else { 1 };
        assert_eq!(*deliveries, expected, "deliveries of event {n}");
    }
    assert_eq!(backend.pending::<Message>("conformance").await, 0);
    Outcome::exact(Counts::of(&sent, &tally))
}

/// Watermill's ContinueAfterErrors: three consumers in turn fail every event they get (and
/// are closed); a fourth handles all of them. Failed entries stay pending and are claimed
/// from the closed consumers; nothing is dead-lettered within the allowed attempts.
pub async fn continue_after_errors(backend: Backend) -> Outcome {
    let mut config = backend.config();
    config.subscriber.claim_min_idle = Duration::from_millis(300);
    config.subscriber.max_deliveries = 100;
    let publisher = backend.publisher(&config).await;
    let sent = publish_batches::<Message>(&publisher, 0..100).await;
    let tally = Tally::new();
    for round in 0..3 {
        let failed: Arc<Mutex<HashSet<i64>>> = Arc::default();
        let (handler_tally, handler_failed) = (tally.clone(), failed.clone());
        let mut config = config.clone();
        config.subscriber.consumer_name = Some(format!("failing-{round}"));
        let failing = backend
            .subscriber(&config)
            .on(move |event: Message| {
                handler_failed.lock().expect("failed").insert(event.n);
                let error = handler_tally.failed("the database is down");
                async move { Err::<(), HandlerError>(error) }
            })
            .build()
            .await
            .expect("subscriber")
            .spawn();
        eventually("every event failed once more", WAIT, || async {
            failed.lock().expect("failed").len() == 100
        })
        .await;
        failing.shutdown().await.expect("shutdown");
    }
    let mut config = config.clone();
    config.subscriber.consumer_name = Some("healthy".into());
    let healthy = backend
        .subscriber(&config)
        .on(tally.recorder::<Message>())
        .build()
        .await
        .expect("subscriber")
        .spawn();
    tally.wait_for(100, WAIT).await;
    healthy.shutdown().await.expect("shutdown");
    assert!(tally.failures() >= 300, "{} failures", tally.failures());
    assert_eq!(backend.dead_letters::<Message>().await, 0);
    assert_eq!(backend.pending::<Message>("conformance").await, 0);
    Outcome::exact(Counts::of(&sent, &tally))
}
