//! Subscribers and brokers coming and going: short-lived subscribers, cancellation, broker
//! restarts.

use std::collections::HashSet;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use event_runtime::HandlerError;
use tokio::task::JoinSet;

use crate::events::Message;
use crate::harness::{Backend, Counts, Outcome, Tally, eventually, publish_batches};

const WAIT: Duration = Duration::from_secs(60);

/// Watermill's ContinueAfterSubscribeClose: 5,000 events consumed by a series of
/// subscribers, each closed after about 500 of them; none is lost, none handled twice.
pub async fn short_lived_subscribers(backend: Backend) -> Outcome {
    let config = backend.config();
    let publisher = backend.publisher(&config).await;
    let sent = publish_batches::<Message>(&publisher, 0..5_000).await;
    let tally = Tally::new();
    let started = Instant::now();
    let mut subscribers = 0;
    while tally.distinct() < 5_000 {
        assert!(
            started.elapsed() < WAIT,
            "{} of 5000 handled",
            tally.distinct()
        );
        let mine = Arc::new(AtomicUsize::new(0));
        let (handler_tally, handler_mine) = (tally.clone(), mine.clone());
        let subscriber = backend
            .subscriber(&config)
            .on(move |event: Message| {
                handler_tally.handled(event.n);
                handler_mine.fetch_add(1, Ordering::SeqCst);
                async { Ok::<(), HandlerError>(()) }
            })
            .build()
            .await
            .expect("subscriber")
            .spawn();
        subscribers += 1;
        eventually("this subscriber's share", WAIT, || async {
            mine.load(Ordering::SeqCst) >= 500 || tally.distinct() >= 5_000
        })
        .await;
        subscriber.shutdown().await.expect("shutdown");
    }
    assert!(subscribers >= 5, "only {subscribers} subscribers took part");
    assert_eq!(backend.pending::<Message>("conformance").await, 0);
    Outcome::exact(Counts::of(&sent, &tally))
}

/// Watermill's SubscribeCtx: cancelling the future a subscriber runs until closes it
/// cleanly (`run_until` returns `Ok` promptly, the handle says it stopped), and a new
/// subscriber of the group gets the rest.
pub async fn cancellation_closes_cleanly(backend: Backend) -> Outcome {
    let config = backend.config();
    let publisher = backend.publisher(&config).await;
    let sent = publish_batches::<Message>(&publisher, 0..500).await;
    let tally = Tally::new();
    let (cancel, cancelled) = tokio::sync::oneshot::channel::<()>();
    let first = backend
        .subscriber(&config)
        .on(tally.recorder::<Message>())
        .build()
        .await
        .expect("subscriber");
    let handle = first.handle();
    let running = tokio::spawn(first.run_until(async move {
        cancelled.await.ok();
    }));
    eventually("a first part handled", WAIT, || async {
        tally.distinct() >= 100
    })
    .await;
    cancel.send(()).expect("the subscriber listens");
    let stopped = tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("closed within 5 s of the cancellation")
        .expect("subscriber task");
    stopped.expect("a clean close");
    assert!(!handle.is_running());

    let second = backend
        .subscriber(&config)
        .on(tally.recorder::<Message>())
        .build()
        .await
        .expect("subscriber")
        .spawn();
    tally.wait_for(500, WAIT).await;
    second.shutdown().await.expect("shutdown");
    assert_eq!(backend.pending::<Message>("conformance").await, 0);
    Outcome::exact(Counts::of(&sent, &tally))
}

/// Watermill's Reconnect: 10,000 events published one by one by four publishers while a
/// subscriber consumes them; the broker is restarted when a third and when half of them were
/// published. Publishes ride through the restarts (retried with their event ids), and every
/// event is handled. Duplicates are allowed: a reply lost in a restart makes the same entry
/// written or delivered twice, which at-least-once delivery permits. Redis runs with
/// `appendfsync always` here (see `Backend::durable`).
pub async fn broker_restarts(backend: Backend) -> Outcome {
    let mut backend = backend.durable();
    let mut config = backend.config();
    config.subscriber.claim_min_idle = Duration::from_millis(500);
    let tally = Tally::new();
    let subscriber = backend
        .subscriber(&config)
        .on(tally.recorder::<Message>())
        .build()
        .await
        .expect("subscriber")
        .spawn();
    const TOTAL: i64 = 10_000;
    let next = Arc::new(AtomicI64::new(0));
    let published = Arc::new(AtomicU64::new(0));
    let sent: Arc<Mutex<Vec<i64>>> = Arc::default();
    let mut publishers = JoinSet::new();
    for _ in 0..4 {
        let publisher = backend.publisher(&config).await;
        let (next, published, sent) = (next.clone(), published.clone(), sent.clone());
        publishers.spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                if n >= TOTAL {
                    return;
                }
                publisher
                    .publish(&Message::keyed(n, "all", n))
                    .await
                    .expect("publish rides through the restart");
                sent.lock().expect("sent").push(n);
                published.fetch_add(1, Ordering::SeqCst);
            }
        });
    }
    for point in [TOTAL / 3, TOTAL / 2] {
        eventually("publishing reaches the restart point", WAIT, || async {
            published.load(Ordering::SeqCst) >= point as u64
        })
        .await;
        backend.restart().await;
    }
    while let Some(done) = publishers.join_next().await {
        done.expect("publisher task");
    }
    let complete = tally.wait_up_to(TOTAL as usize, WAIT).await;
    subscriber.shutdown().await.expect("shutdown");
    let sent = sent.lock().expect("sent").clone();
    if !complete {
        // Tell a write the broker lost from an entry the runtime did not deliver.
        let handled: HashSet<i64> = tally.all().into_iter().collect();
        let stored: HashSet<i64> = backend.stored::<Message>().await.into_iter().collect();
        let missing: Vec<i64> = sent
            .iter()
            .copied()
            .filter(|n| !handled.contains(n))
            .collect();
        let not_stored = missing.iter().filter(|n| !stored.contains(n)).count();
        eprintln!(
            "broker_restarts: {} published events never handled: {not_stored} are not in the stream (lost by the broker), {} are (not delivered by the runtime); first missing: {:?}",
            missing.len(),
            missing.len() - not_stored,
            &missing[..missing.len().min(10)]
        );
    }
    Outcome::at_least_once(Counts::of(&sent, &tally))
}
