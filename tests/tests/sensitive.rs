//! Values of `sensitive: true` fields never appear in `Debug` output, in decode and validation
//! errors, in the runtime's logs, or in dead-letter reasons: checked for every sensitive field
//! of the catalogue, and end to end against a real `redis-server` with the `tracing` output
//! captured.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use event_codegen::ir::FieldType;
use event_runtime::testing::RedisServer;
use event_runtime::{Config, Envelope, HandlerError, Publisher, Subscriber};
use event_tests::events::{self, UserCreatedV1, UserCreatedV2};
use serde_json::{Value, json};

/// Put into sensitive fields; must never come out anywhere but the stored event itself.
const SECRET: &str = "S3CR3T";
/// A sensitive value serde would quote in a type error (`invalid type: integer ...`).
const SECRET_NUMBER: i64 = 987_650_001;

/// A value of the field's type that carries the marker, when the type can carry one.
fn marked(ty: &FieldType) -> Option<Value> {
    match ty {
        FieldType::String => Some(json!(format!("{SECRET}-1"))),
        FieldType::Json => Some(json!({ "note": SECRET })),
        FieldType::List(inner) if **inner == FieldType::String => Some(json!([SECRET])),
        FieldType::Map(inner) if **inner == FieldType::String => Some(json!({ "k": SECRET })),
        _ => None,
    }
}

fn assert_clean(what: &str, text: &str) {
    assert!(
        !text.contains(SECRET) && !text.contains(&SECRET_NUMBER.to_string()),
        "a sensitive value leaked into {what}: {text}"
    );
}

#[test]
fn debug_output_and_decode_errors_never_show_sensitive_values() {
    let catalogue = support::catalogue();
    let registry = events::registry();
    let mut checked = 0;
    for (name, event) in &catalogue.events {
        for version in &event.versions {
            let tag = format!("v{}", version.number);
            for field in version.fields.iter().filter(|field| field.sensitive) {
                let mut sample = support::sample_event(&catalogue, name, version);
                let Some(value) = marked(&field.ty) else {
                    continue;
                };
                sample[&field.name] = value;
                let decoded = registry
                    .decode(name, &tag, &sample.to_string())
                    .unwrap_or_else(|error| panic!("{name} {tag} {}: {error}", field.name));
                assert_clean(&format!("Debug of {name} {tag}"), &format!("{decoded:?}"));

                // A type error serde would quote, and a broken constraint.
                sample[&field.name] = json!(SECRET_NUMBER);
                if let Err(error) = registry.decode(name, &tag, &sample.to_string()) {
                    assert_clean("a decode error", &format!("{error} {error:?}"));
                }
                if field.ty == FieldType::String {
                    let limit = field.constraints.max_length.unwrap_or(64);
                    sample[&field.name] = json!(format!("{SECRET}{}", "x".repeat(limit + 1)));
                    if let Err(error) = registry.decode(name, &tag, &sample.to_string()) {
                        assert_clean("a validation error", &format!("{error} {error:?}"));
                    }
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 10, "only {checked} sensitive fields checked");
}

/// Everything the runtime logs, at every level, while this test binary runs.
fn captured_logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || Capture(writer.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("one global subscriber");
        logs
    })
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("logs").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn v1_data(telegram_id: i64, first_name: &Value, phone_number: &Value) -> String {
    json!({
        "event_id": uuid::Uuid::now_v7().to_string(),
        "event_type": "user.created",
        "version": "v1",
        "timestamp": "2025-09-26T10:30:00Z",
        "user_id": 7,
        "telegram_id": telegram_id,
        "first_name": first_name,
        "phone_number": phone_number,
        "role": "executor",
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_and_dead_letter_reasons_never_show_sensitive_values() {
    let logs = captured_logs();
    let server = RedisServer::start().unwrap_or_else(|error| panic!("{error}"));
    let mut config = Config::new(server.url());
    config.subscriber.consumer_group = "sensitive".to_owned();
    config.subscriber.block_time = Duration::from_millis(50);
    config.subscriber.claim_interval = Duration::from_millis(25);
    config.subscriber.retry_backoff = Duration::from_millis(10);
    config.subscriber.retry_backoff_max = Duration::from_millis(20);
    config.subscriber.max_deliveries = 2;

    // Undecodable: an event with sensitive values that fails validation (v1 requires the
    // envelope's user_id), and one whose sensitive field has a wrong type serde would quote.
    let client = redis::Client::open(server.url()).expect("client");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("connection");
    let mut invalid: Value = serde_json::from_str(&v1_data(
        1,
        &json!(format!("{SECRET}-first")),
        &json!(format!("+1{SECRET_NUMBER}")),
    ))
    .expect("JSON");
    invalid["user_id"] = Value::Null;
    for data in [
        invalid.to_string(),
        v1_data(1, &json!("Ada"), &json!(SECRET_NUMBER)),
    ] {
        let _: String = redis::cmd("XADD")
            .arg("events:user.created")
            .arg("*")
            .arg("version")
            .arg("v1")
            .arg("event_data")
            .arg(data)
            .query_async(&mut conn)
            .await
            .expect("XADD");
    }
    // Decodable, but the handler fails with the event's Debug (redacted) until dead-lettered;
    // and one that is handled.
    let publisher = Publisher::new(&config).await.expect("publisher");
    for telegram_id in [2, 3] {
        let mut envelope = Envelope::new();
        envelope.user_id = Some(7);
        let event = UserCreatedV1 {
            envelope,
            telegram_id,
            username: Some(format!("{SECRET}-u")),
            first_name: format!("{SECRET}-first"),
            last_name: Some(format!("{SECRET}-last")),
            phone_number: Some(format!("+1{SECRET_NUMBER}")),
            role: "executor".to_owned(),
            specializations: None,
            is_verified: false,
        };
        publisher.publish(&event).await.expect("publish");
    }

    let handled = Arc::new(Mutex::new(Vec::new()));
    let seen = handled.clone();
    let running = Subscriber::builder(&config)
        .on(move |event: UserCreatedV2| {
            let seen = seen.clone();
            async move {
                if event.telegram_id == 2 {
                    return Err(HandlerError::new(format!("refused {event:?}")));
                }
                seen.lock().expect("handled").push(event.telegram_id);
                Ok(())
            }
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();

    let started = Instant::now();
    let reasons = loop {
        let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
            .arg("events:dlq:user.created")
            .arg("-")
            .arg("+")
            .query_async(&mut conn)
            .await
            .expect("XRANGE");
        let reasons: Vec<String> = reply
            .ids
            .iter()
            .map(|entry| entry.get::<String>("error").expect("error field"))
            .collect();
        if reasons.len() == 3 && handled.lock().expect("handled").len() == 1 {
            break reasons;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "dead letters so far: {reasons:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    running.shutdown().await.expect("shutdown");

    for reason in &reasons {
        assert_clean("a dead-letter reason", reason);
    }
    assert!(
        reasons
            .iter()
            .any(|reason| reason.contains("refused UserCreatedV2")),
        "{reasons:?}"
    );
    let logs = String::from_utf8_lossy(&logs.lock().expect("logs")).into_owned();
    assert!(
        logs.contains("entry dead-lettered"),
        "logs were captured: {logs}"
    );
    assert_clean("the logs", &logs);
}

/// A hand-written event: `#[event(sensitive)]` means what `sensitive: true` means in a schema.
#[derive(serde::Serialize, serde::Deserialize, event_runtime::Event)]
#[event(name = "courier.assigned", version = 1)]
struct CourierAssignedV1 {
    #[serde(flatten)]
    envelope: Envelope,
    courier_id: i64,
    #[event(sensitive)]
    courier_phone: String,
}

fn courier(courier_id: i64) -> CourierAssignedV1 {
    CourierAssignedV1 {
        envelope: Envelope::new(),
        courier_id,
        courier_phone: format!("+1{SECRET_NUMBER}"),
    }
}

#[test]
fn hand_written_events_redact_debug_and_decode_errors_as_generated_ones_do() {
    use event_runtime::Event;

    let text = format!("{:?} {:#?}", courier(1), courier(1));
    assert_clean("Debug of a hand-written event", &text);
    assert!(text.contains("courier_phone: <redacted>"), "{text}");
    assert!(text.contains("courier_id: 1"), "{text}");
    assert_eq!(CourierAssignedV1::SENSITIVE_FIELDS, ["courier_phone"]);

    let json = event_runtime::encode(&courier(1)).expect("encode");
    let broken = json.replace(
        &format!("\"+1{SECRET_NUMBER}\""),
        &SECRET_NUMBER.to_string(),
    );
    let error = CourierAssignedV1::decode_version(1, &broken).expect_err("a number is no string");
    assert_clean(
        "a decode error of a hand-written event",
        &format!("{error} {error:?}"),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hand_written_events_stay_out_of_logs_and_dead_letter_reasons() {
    let logs = captured_logs();
    let broker = event_runtime::memory::MemoryBroker::new();
    let mut config = event_runtime::testing::fast_config("unused://");
    config.subscriber.max_deliveries = 2;
    let subscriber = Subscriber::builder(&config)
        .in_memory(&broker)
        .on(|event: CourierAssignedV1| async move {
            Err(HandlerError::new(format!("refused {event:?}")))
        })
        .build()
        .await
        .expect("subscriber")
        .spawn();
    Publisher::in_memory(&broker, &config)
        .publish(&courier(2))
        .await
        .expect("publish");
    // An entry whose sensitive field has a type serde would quote.
    let json = event_runtime::encode(&courier(3)).expect("encode");
    let broken = json.replace(
        &format!("\"+1{SECRET_NUMBER}\""),
        &SECRET_NUMBER.to_string(),
    );
    broker.append(
        "events:courier.assigned",
        &[("version", "v1"), ("event_data", broken.as_str())],
    );
    subscriber
        .settled(Duration::from_secs(10))
        .await
        .expect("both dead-lettered");
    subscriber.shutdown().await.expect("shutdown");

    let letters = broker.dead_letters("courier.assigned");
    assert_eq!(letters.len(), 2);
    let reasons: Vec<String> = letters
        .iter()
        .map(|letter| {
            letter
                .fields
                .iter()
                .find(|(name, _)| name == "error")
                .map(|(_, value)| String::from_utf8_lossy(value).into_owned())
                .expect("error field")
        })
        .collect();
    for reason in &reasons {
        assert_clean("a dead-letter reason of a hand-written event", reason);
    }
    assert!(
        reasons
            .iter()
            .any(|reason| reason.contains("refused CourierAssignedV1")),
        "{reasons:?}"
    );
    let logs = String::from_utf8_lossy(&logs.lock().expect("logs")).into_owned();
    assert!(
        logs.contains("courier.assigned"),
        "logs were captured: {logs}"
    );
    assert_clean("the logs", &logs);
}
