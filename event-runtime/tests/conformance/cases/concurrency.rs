//! Many at once: publishers, subscribers, topics; closing subscribers and publishers while
//! events flow.

use std::time::Duration;

use event_runtime::{Config, RunningSubscriber};
use tokio::task::{JoinHandle, JoinSet};

use crate::events::{
    Message, Numbered, Topic0, Topic1, Topic2, Topic3, Topic4, Topic5, Topic6, Topic7, Topic8,
    Topic9, Topic10, Topic11, Topic12, Topic13, Topic14, Topic15, Topic16, Topic17, Topic18,
    Topic19,
};
use crate::harness::{Backend, Counts, Outcome, Tally, eventually, publish_each};

const WAIT: Duration = Duration::from_secs(60);

/// Starts `count` subscribers of `Message` in the default group, `concurrency` handlers each.
async fn subscribers(
    backend: &Backend,
    config: &Config,
    tally: &Tally,
    count: usize,
    concurrency: usize,
) -> Vec<RunningSubscriber> {
    let mut running = Vec::with_capacity(count);
    for _ in 0..count {
        let mut config = config.clone();
        config.subscriber.concurrency = concurrency;
        let subscriber = backend
            .subscriber(&config)
            .on(tally.recorder::<Message>())
            .build()
            .await
            .expect("subscriber");
        running.push(subscriber.spawn());
    }
    running
}

/// Shuts every subscriber down at the same time and waits for all.
async fn close_all(running: Vec<RunningSubscriber>) {
    let mut closing = JoinSet::new();
    for subscriber in running {
        closing.spawn(subscriber.shutdown());
    }
    while let Some(closed) = closing.join_next().await {
        closed.expect("shutdown task").expect("shutdown");
    }
}

/// `publishers` publishers publishing `each` events one by one, concurrently; each publisher
/// is dropped (closed) right after its last event.
async fn publish_concurrently(
    backend: &Backend,
    config: &Config,
    publishers: i64,
    each: i64,
) -> JoinHandle<Vec<i64>> {
    let mut tasks = JoinSet::new();
    for index in 0..publishers {
        let publisher = backend.publisher(config).await;
        tasks.spawn(async move {
            publish_each::<Message>(&publisher, index * each..(index + 1) * each).await
        });
    }
    tokio::spawn(async move {
        let mut sent = Vec::new();
        while let Some(numbers) = tasks.join_next().await {
            sent.extend(numbers.expect("publisher task"));
        }
        sent
    })
}

/// Watermill's ConcurrentSubscribe: 50 publishers x 100 events to 50 subscribers of one
/// group; each event handled once.
pub async fn concurrent_subscribe(backend: Backend) -> Outcome {
    let config = backend.config();
    let tally = Tally::new();
    let running = subscribers(&backend, &config, &tally, 50, 4).await;
    let sent = publish_concurrently(&backend, &config, 50, 100)
        .await
        .await
        .expect("publishers");
    tally.wait_for(5_000, WAIT).await;
    close_all(running).await;
    assert_eq!(backend.pending::<Message>("conformance").await, 0);
    Outcome::exact(Counts::of(&sent, &tally))
}

/// One topic of `concurrent_topics`: a subscriber and a publisher of 100 events.
struct TopicRun {
    tally: Tally,
    subscriber: RunningSubscriber,
    publishing: JoinHandle<Vec<i64>>,
}

async fn start_topic<T: Numbered>(backend: &Backend, config: &Config) -> TopicRun {
    let tally = Tally::new();
    let subscriber = backend
        .subscriber(config)
        .on(tally.recorder::<T>())
        .build()
        .await
        .expect("subscriber")
        .spawn();
    let publisher = backend.publisher(config).await;
    let publishing = tokio::spawn(async move { publish_each::<T>(&publisher, 0..100).await });
    TopicRun {
        tally,
        subscriber,
        publishing,
    }
}

/// Watermill's ConcurrentSubscribeMultipleTopics: 20 topics x 100 events, published and
/// consumed at the same time.
pub async fn concurrent_topics(backend: Backend) -> Outcome {
    let config = backend.config();
    macro_rules! start_topics {
        ($($topic:ty),*) => { vec![$(start_topic::<$topic>(&backend, &config).await),*] };
    }
    let runs = start_topics!(
        Topic0, Topic1, Topic2, Topic3, Topic4, Topic5, Topic6, Topic7, Topic8, Topic9, Topic10,
        Topic11, Topic12, Topic13, Topic14, Topic15, Topic16, Topic17, Topic18, Topic19
    );
    let mut counts = Vec::new();
    for run in runs {
        let sent = run.publishing.await.expect("publisher");
        run.tally.wait_for(100, WAIT).await;
        run.subscriber.shutdown().await.expect("shutdown");
        counts.push(Counts::of(&sent, &run.tally));
    }
    Outcome::exact(Counts::sum(counts))
}

/// Watermill's ConcurrentClose: ten subscribers of one group are closed at the same time
/// while events are published; a new subscriber then handles the rest, and nothing is handled
/// twice (graceful shutdown acknowledges what succeeded and leaves the rest pending).
pub async fn concurrent_close(backend: Backend) -> Outcome {
    let config = backend.config();
    let tally = Tally::new();
    let running = subscribers(&backend, &config, &tally, 10, 4).await;
    let publishing = publish_concurrently(&backend, &config, 5, 200).await;
    eventually("a first part handled", WAIT, || async {
        tally.distinct() >= 200
    })
    .await;
    close_all(running).await;
    let last = subscribers(&backend, &config, &tally, 1, 16).await;
    let sent = publishing.await.expect("publishers");
    tally.wait_for(1_000, WAIT).await;
    close_all(last).await;
    assert_eq!(backend.pending::<Message>("conformance").await, 0);
    Outcome::exact(Counts::of(&sent, &tally))
}

/// Watermill's PublisherClose: 20 publishers publish 500 events each one by one and are
/// closed (dropped) right after the last; all 10,000 arrive.
pub async fn publisher_close(backend: Backend) -> Outcome {
    let config = backend.config();
    let tally = Tally::new();
    let running = subscribers(&backend, &config, &tally, 2, 16).await;
    let sent = publish_concurrently(&backend, &config, 20, 500)
        .await
        .await
        .expect("publishers");
    assert_eq!(sent.len(), 10_000);
    tally.wait_for(10_000, WAIT).await;
    close_all(running).await;
    assert_eq!(backend.pending::<Message>("conformance").await, 0);
    Outcome::exact(Counts::of(&sent, &tally))
}
