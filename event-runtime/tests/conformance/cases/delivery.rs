//! What arrives, and where: payload and metadata intact, old messages, topic isolation,
//! consumer groups, order per key.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use event_runtime::{HandlerError, PublishOptions};

use crate::events::{Message, Other};
use crate::harness::{Backend, Counts, Outcome, Tally, publish_batches, publish_each};

const WAIT: Duration = Duration::from_secs(30);

/// Watermill's PublishSubscribe: 100 messages, each arriving exactly as sent, envelope
/// (correlation id, user id, metadata) and payload.
pub async fn publish_subscribe(backend: Backend) -> Outcome {
    let config = backend.config();
    let tally = Tally::new();
    let received: Arc<Mutex<Vec<Message>>> = Arc::default();
    let (handler_tally, handler_received) = (tally.clone(), received.clone());
    let subscriber = backend
        .subscriber(&config)
        .on(move |event: Message| {
            handler_tally.handled(event.n);
            handler_received.lock().expect("received").push(event);
            async { Ok::<(), HandlerError>(()) }
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();
    let publisher = backend.publisher(&config).await;
    let mut expected = Vec::new();
    let mut sent = Vec::new();
    for n in 0..100 {
        let mut event = Message::keyed(n, &format!("key-{}", n % 7), n);
        event.envelope.user_id = Some(1_000 + n);
        event
            .envelope
            .metadata
            .insert("trace".to_owned(), serde_json::json!(format!("trace-{n}")));
        event.envelope.metadata.insert(
            "nested".to_owned(),
            serde_json::json!({"n": n, "tags": ["a", "ü"], "none": null}),
        );
        let options = PublishOptions::new().correlation_id(format!("correlation-{n}"));
        publisher
            .publish_with(&event, &options)
            .await
            .expect("publish");
        sent.push(n);
        event.envelope.correlation_id = Some(format!("correlation-{n}"));
        event.envelope.source_service = "conformance".to_owned();
        // What the wire keeps of a timestamp (RFC 3339) is what a reader can get back.
        let wire = event_runtime::encode(&event).expect("encode");
        expected.push(event_runtime::decode_exact::<Message>(&wire).expect("decode"));
    }
    tally.wait_for(100, WAIT).await;
    subscriber.shutdown().await.expect("shutdown");
    let mut got = received.lock().expect("received").clone();
    got.sort_by_key(|event| event.n);
    assert_eq!(got, expected, "payload and metadata arrive intact");
    assert_eq!(backend.pending::<Message>("conformance").await, 0);
    Outcome::exact(Counts::of(&sent, &tally))
}

/// Watermill's NewSubscriberReceivesOldMessages: a group created after the events were
/// published starts at the backlog.
pub async fn new_subscriber_receives_old_messages(backend: Backend) -> Outcome {
    let config = backend.config();
    let publisher = backend.publisher(&config).await;
    let sent = publish_batches::<Message>(&publisher, 0..100).await;
    let tally = Tally::new();
    let subscriber = backend
        .subscriber(&config)
        .on(tally.recorder::<Message>())
        .build()
        .await
        .expect("subscriber")
        .spawn();
    tally.wait_for(100, WAIT).await;
    subscriber.shutdown().await.expect("shutdown");
    assert_eq!(backend.pending::<Message>("conformance").await, 0);
    Outcome::exact(Counts::of(&sent, &tally))
}

/// Watermill's TopicIsolation: a subscriber of one type never sees another type's events.
pub async fn topic_isolation(backend: Backend) -> Outcome {
    let config = backend.config();
    let (messages, others) = (Tally::new(), Tally::new());
    let first = backend
        .subscriber(&config)
        .on(messages.recorder::<Message>())
        .build()
        .await
        .expect("subscriber")
        .spawn();
    let second = backend
        .subscriber(&config)
        .on(others.recorder::<Other>())
        .build()
        .await
        .expect("subscriber")
        .spawn();
    let publisher = backend.publisher(&config).await;
    let mut sent_messages = Vec::new();
    let mut sent_others = Vec::new();
    for n in 0..100 {
        sent_messages.extend(publish_each::<Message>(&publisher, [n]).await);
        sent_others.extend(publish_each::<Other>(&publisher, [10_000 + n]).await);
    }
    messages.wait_for(100, WAIT).await;
    others.wait_for(100, WAIT).await;
    first.shutdown().await.expect("shutdown");
    second.shutdown().await.expect("shutdown");
    assert!(
        messages.all().iter().all(|n| *n < 10_000),
        "a message subscriber saw another topic"
    );
    assert!(
        others.all().iter().all(|n| *n >= 10_000),
        "an other subscriber saw messages"
    );
    Outcome::exact(Counts::sum([
        Counts::of(&sent_messages, &messages),
        Counts::of(&sent_others, &others),
    ]))
}

/// Watermill's ConsumerGroups: three groups each get every event once.
pub async fn consumer_groups(backend: Backend) -> Outcome {
    let config = backend.config();
    let mut running = Vec::new();
    let mut tallies = Vec::new();
    for group in ["billing", "mailer", "audit"] {
        let tally = Tally::new();
        let mut config = config.clone();
        config.subscriber.consumer_group = group.into();
        let subscriber = backend
            .subscriber(&config)
            .on(tally.recorder::<Message>())
            .build()
            .await
            .expect("subscriber");
        running.push(subscriber.spawn());
        tallies.push(tally);
    }
    let publisher = backend.publisher(&config).await;
    let sent = publish_batches::<Message>(&publisher, 0..300).await;
    for tally in &tallies {
        tally.wait_for(300, WAIT).await;
    }
    for subscriber in running {
        subscriber.shutdown().await.expect("shutdown");
    }
    for group in ["billing", "mailer", "audit"] {
        assert_eq!(backend.pending::<Message>(group).await, 0, "{group}");
    }
    Outcome::exact(Counts::sum(
        tallies.iter().map(|tally| Counts::of(&sent, tally)),
    ))
}

/// Watermill's PublishSubscribeInOrder: with one handler at a time (the setting under
/// which the runtime promises order), each key's events arrive in the order published.
pub async fn in_order_per_key(backend: Backend) -> Outcome {
    let config = backend.config();
    let tally = Tally::new();
    let order: Arc<Mutex<BTreeMap<String, Vec<i64>>>> = Arc::default();
    let (handler_tally, handler_order) = (tally.clone(), order.clone());
    let mut config = config.clone();
    config.subscriber.concurrency = 1;
    let subscriber = backend
        .subscriber(&config)
        .on(move |event: Message| {
            handler_tally.handled(event.n);
            handler_order
                .lock()
                .expect("order")
                .entry(event.key)
                .or_default()
                .push(event.seq);
            async { Ok::<(), HandlerError>(()) }
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();
    let publisher = backend.publisher(&config).await;
    let mut sent = Vec::new();
    for n in 0..1_000 {
        let event = Message::keyed(n, &format!("key-{}", n % 10), n / 10);
        publisher.publish(&event).await.expect("publish");
        sent.push(n);
    }
    tally.wait_for(1_000, WAIT).await;
    subscriber.shutdown().await.expect("shutdown");
    let order = order.lock().expect("order").clone();
    assert_eq!(order.len(), 10);
    for (key, seqs) in order {
        assert_eq!(seqs, (0..100).collect::<Vec<_>>(), "order of {key}");
    }
    Outcome::exact(Counts::of(&sent, &tally))
}
