//! Through the runtime: our publisher writes entries the original consumers read, and a
//! subscriber reads the original entries of every type as its latest version.

use super::*;

/// Publishes the full and the minimal sample of `E` (v1) with a fresh envelope, as a service
/// creates one (`Envelope::new()`: now, in nanoseconds; no correlation id).
async fn publish_samples<E: Event>(publisher: &Publisher, catalogue: &Catalogue) {
    let version = &catalogue.events[E::EVENT_TYPE].versions[0];
    let full = support::sample_event(catalogue, E::EVENT_TYPE, version);
    let mut minimal = full.clone();
    let object = minimal.as_object_mut().expect("object");
    for field in &version.fields {
        if field.optional || field.default.is_some() {
            object.remove(&field.name);
        }
    }
    for sample in [full, minimal] {
        let mut event: E = event_runtime::decode_exact(&sample.to_string())
            .unwrap_or_else(|error| panic!("{}: {error}", E::EVENT_TYPE));
        let user_id = event.envelope().user_id;
        let mut envelope = Envelope::new();
        if version.requires_user_id.is_some() {
            envelope.user_id = user_id;
        }
        *event.envelope_mut() = envelope;
        publisher
            .publish(&event)
            .await
            .unwrap_or_else(|error| panic!("{}: {error}", E::EVENT_TYPE));
    }
}

macro_rules! for_each_original_v1 {
    ($function:ident $arguments:tt) => {
        for_each_original_v1!(@ $function $arguments; UserCreatedV1, UserUpdatedV1,
            UserVerifiedV1, RequestCreatedV1, RequestUpdatedV1, RequestAssignedV1,
            RequestCompletedV1, AssignmentCreatedV1, AssignmentAcceptedV1,
            AssignmentRejectedV1, ShiftCreatedV1, ShiftTransferredV1, NotificationSendV1,
            NotificationDeliveredV1, SystemHealthCheckV1, SystemErrorV1)
    };
    (@ $function:ident $arguments:tt; $($ty:ident),*) => {
        $( $function::<events::$ty> $arguments .await; )*
    };
}

#[tokio::test]
async fn the_publisher_writes_entries_the_original_consumers_read() {
    let table = Table::load();
    let catalogue = support::catalogue();
    let broker = MemoryBroker::new();
    let mut config = Config::default();
    config.service_name = "rust-service".to_owned();
    let publisher = Publisher::in_memory(&broker, &config);
    for_each_original_v1!(publish_samples(&publisher, &catalogue));

    for contract in &table.events {
        let name = &contract.event_type;
        let entries = broker.entries(&format!("events:{name}"));
        assert_eq!(entries.len(), 2, "{name}");
        for entry in entries {
            let field = |key: &str| {
                let value = entry
                    .fields
                    .iter()
                    .find(|(field, _)| field == key)
                    .unwrap_or_else(|| panic!("{name}: the entry has no `{key}`"));
                String::from_utf8(value.1.clone()).expect("UTF-8")
            };
            let event_data: Value = serde_json::from_str(&field("event_data")).expect("JSON");
            table
                .check(name, &event_data)
                .unwrap_or_else(|error| panic!("{name}: {error}\n{event_data}"));
            assert_eq!(event_data["source_service"], "rust-service");
            assert_eq!(
                field("event_id"),
                event_data["event_id"].as_str().expect("a string event_id")
            );
            // The entry's `timestamp`, which the original consumers may read too.
            let timestamp = field("timestamp");
            assert!(
                python::fromisoformat(&timestamp).is_some(),
                "{name}: entry timestamp {timestamp}"
            );
            assert_eq!(
                python::instant_micros(&timestamp),
                python::instant_micros(
                    event_data["timestamp"]
                        .as_str()
                        .expect("a string timestamp")
                ),
                "{name}"
            );
        }
    }
}

/// Registers a handler for the latest version of `E`'s type that counts what it receives.
fn counting<E: Event>(
    builder: event_runtime::SubscriberBuilder,
    seen: &tokio::sync::mpsc::UnboundedSender<&'static str>,
) -> event_runtime::SubscriberBuilder {
    let seen = seen.clone();
    builder.on(move |_event: E| {
        let seen = seen.clone();
        async move { seen.send(E::EVENT_TYPE).map_err(HandlerError::new) }
    })
}

#[tokio::test]
async fn a_subscriber_reads_original_entries_of_every_type_as_its_latest_version() {
    const PER_TYPE: usize = 12;
    let table = Table::load();
    let broker = MemoryBroker::new();
    let mut runner = TestRunner::deterministic();
    for contract in &table.events {
        let strategy = generate::original_event(&table, contract);
        for _ in 0..PER_TYPE {
            let event = strategy.new_tree(&mut runner).expect("a value").current();
            let fields: Vec<(&str, &str)> = event
                .entry
                .iter()
                .map(|(key, value)| (key.as_str(), std::str::from_utf8(value).expect("UTF-8")))
                .collect();
            broker.append(&format!("events:{}", contract.event_type), &fields);
        }
    }

    let (seen, mut received) = tokio::sync::mpsc::unbounded_channel();
    let mut config = Config::default();
    config.subscriber.consumer_group = "original-readers".to_owned();
    let mut builder = Subscriber::builder(&config)
        .in_memory(&broker)
        .limit(PER_TYPE * table.events.len());
    macro_rules! latest {
        ($($ty:ident),*) => { $( builder = counting::<events::$ty>(builder, &seen); )* };
    }
    latest!(
        UserCreated,
        UserUpdated,
        UserVerified,
        RequestCreated,
        RequestUpdated,
        RequestAssigned,
        RequestCompleted,
        AssignmentCreated,
        AssignmentAccepted,
        AssignmentRejected,
        ShiftCreated,
        ShiftTransferred,
        NotificationSend,
        NotificationDelivered,
        SystemHealthCheck,
        SystemError
    );
    drop(seen);
    let subscriber = builder.build().await.expect("subscriber");
    tokio::time::timeout(Duration::from_secs(60), subscriber.run())
        .await
        .expect("settles every entry in time")
        .expect("runs");

    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    while let Some(event_type) = received.recv().await {
        *counts.entry(event_type).or_default() += 1;
    }
    for contract in &table.events {
        let name = contract.event_type.as_str();
        let dead: Vec<String> = broker
            .dead_letters(name)
            .iter()
            .map(|entry| {
                let error = entry.fields.iter().find(|(key, _)| key == "error");
                String::from_utf8_lossy(
                    error.map(|(_, value)| value.as_slice()).unwrap_or_default(),
                )
                .into_owned()
            })
            .collect();
        assert!(dead.is_empty(), "{name}: dead-lettered: {dead:?}");
        assert_eq!(counts.get(name), Some(&PER_TYPE), "{name}");
    }
}
