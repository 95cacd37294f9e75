//! The generated catalogue: every event version round-trips through the wire format, and
//! every older version upgrades to the latest. Data-driven from the catalogue's IR.

mod support;

use event_runtime::{DynEvent, Event, Registry};
use event_tests::events::{
    self, RequestCreatedV1, RequestCreatedV2, RequestPriority, ShiftTransferredV2, UserCreatedV2,
};
use serde_json::{Value, json};

fn registry() -> Registry {
    events::registry()
}

fn reencode(event: &dyn DynEvent) -> Value {
    serde_json::from_str(&event.to_json().expect("encodes")).expect("our JSON parses")
}

#[test]
fn the_registry_holds_every_version_of_every_event() {
    let catalogue = support::catalogue();
    let registry = registry();
    assert_eq!(registry.event_types().len(), 22);
    for (name, event) in &catalogue.events {
        let versions: Vec<u32> = event.versions.iter().map(|v| v.number).collect();
        assert_eq!(registry.versions(name), versions, "{name}");
    }
    assert_eq!(events::CATALOGUE_VERSION, catalogue.version.to_string());
}

#[test]
fn the_registry_carries_each_versions_level_fingerprint_and_json_schema_as_codegen_computes_them() {
    use event_codegen::compat::fingerprint::fingerprint;
    use event_codegen::compat::lint::level_of;
    use event_codegen::export::jsonschema;

    let catalogue = support::catalogue();
    let registry = registry();
    for (name, event) in &catalogue.events {
        let level = level_of(&catalogue, name).as_str();
        assert_eq!(
            registry.compatibility(name).map(|level| level.as_str()),
            Some(level),
            "{name}"
        );
        for version in &event.versions {
            let entry = registry.entry(name, version.number).expect("registered");
            let context = format!("{name} v{}", version.number);
            assert_eq!(entry.compatibility.as_str(), level, "{context}");
            assert_eq!(
                entry.fingerprint,
                Some(fingerprint(&catalogue, event, version).as_str()),
                "{context}"
            );
            let carried: Value =
                serde_json::from_str(entry.json_schema.expect("a JSON Schema")).expect("JSON");
            assert_eq!(
                carried,
                jsonschema::event_version(&catalogue, event, version),
                "{context}: the exporter's document"
            );
        }
    }
    // A golden value: the fingerprint of a released version must not move (docs/wire-format.md
    // says how other languages compute it, from the lockfile).
    assert_eq!(
        events::UserCreatedV1::FINGERPRINT,
        Some("173ce9bdfa620f6aab0979cb6c7858927df1f9a84d3445673e0166f6257da0ac")
    );
}

#[test]
fn every_version_round_trips_through_the_wire_format() {
    let catalogue = support::catalogue();
    let registry = registry();
    let mut checked = 0;
    for (name, event) in &catalogue.events {
        for version in &event.versions {
            let sample = support::sample_event(&catalogue, name, version);
            let text = sample.to_string();
            let decoded = registry
                .decode(name, &format!("v{}", version.number), &text)
                .unwrap_or_else(|error| panic!("{name} v{}: {error}\n{text}", version.number));
            assert_eq!(decoded.event_type(), name);
            assert_eq!(decoded.version(), version.number);
            assert_eq!(
                reencode(decoded.as_ref()),
                sample,
                "{name} v{} changed on the way",
                version.number
            );
            checked += 1;
        }
    }
    assert_eq!(
        checked,
        catalogue
            .events
            .values()
            .map(|e| e.versions.len())
            .sum::<usize>()
    );
}

#[test]
fn optional_fields_may_be_absent_or_null_and_come_back_as_null() {
    let catalogue = support::catalogue();
    let registry = registry();
    for (name, event) in &catalogue.events {
        for version in &event.versions {
            let mut sample = support::sample_event(&catalogue, name, version);
            let object = sample.as_object_mut().expect("object");
            let optional: Vec<&str> = version
                .fields
                .iter()
                .filter(|f| f.optional)
                .map(|f| f.name.as_str())
                .collect();
            for (index, field) in optional.iter().enumerate() {
                if index % 2 == 0 {
                    object.remove(*field);
                } else {
                    object.insert((*field).to_owned(), Value::Null);
                }
            }
            let decoded = registry
                .decode(name, &format!("v{}", version.number), &sample.to_string())
                .unwrap_or_else(|error| panic!("{name} v{}: {error}", version.number));
            let again = reencode(decoded.as_ref());
            for field in optional {
                assert_eq!(
                    again[field],
                    Value::Null,
                    "{name} v{} {field}",
                    version.number
                );
            }
        }
    }
}

#[test]
fn every_older_version_upgrades_to_the_latest() {
    let catalogue = support::catalogue();
    let registry = registry();
    for (name, event) in &catalogue.events {
        let latest = event.latest().expect("has versions").number;
        for version in &event.versions {
            let sample = support::sample_event(&catalogue, name, version).to_string();
            let upgraded = registry
                .decode_as(name, version.number, &sample, latest)
                .unwrap_or_else(|error| panic!("{name} v{} -> v{latest}: {error}", version.number));
            assert_eq!(upgraded.version(), latest);
            assert_eq!(
                upgraded.envelope().event_id.to_string(),
                "0191d3a4-5b6c-7d8e-9f00-aabbccddeeff"
            );
        }
    }
}

fn user_created_v1(last_name: Value) -> String {
    json!({
        "event_id": "0191d3a4-5b6c-7d8e-9f00-aabbccddeeff",
        "event_type": "user.created",
        "version": "v1",
        "timestamp": "2025-09-26T10:30:00Z",
        "source_service": "users-service",
        "correlation_id": "req-789",
        "user_id": 12345,
        "metadata": {"registration_source": "telegram"},
        "telegram_id": 987654321,
        "first_name": "John",
        "last_name": last_name,
        "role": "executor",
        "specializations": ["electrical", "plumbing"]
    })
    .to_string()
}

#[test]
fn user_created_v1_upgrades_with_full_name_and_empty_permissions() {
    let v2 = UserCreatedV2::decode_version(1, &user_created_v1(json!("Doe"))).expect("upgrades");
    assert_eq!(v2.full_name, "John Doe");
    assert_eq!(v2.first_name, "John");
    assert_eq!(v2.last_name.as_deref(), Some("Doe"));
    assert!(v2.permissions.is_empty());
    assert!(!v2.is_verified, "default of v1's is_verified");
    assert_eq!(v2.envelope.user_id, Some(12345));
    assert_eq!(v2.envelope.correlation_id.as_deref(), Some("req-789"));
    assert_eq!(
        v2.specializations,
        Some(vec!["electrical".to_owned(), "plumbing".to_owned()])
    );

    let without_last_name =
        UserCreatedV2::decode_version(1, &user_created_v1(Value::Null)).expect("upgrades");
    assert_eq!(
        without_last_name.full_name, "John",
        "absent parts render empty and the result is trimmed"
    );
}

#[test]
fn request_created_v1_urgency_maps_onto_v2_priority() {
    let catalogue = support::catalogue();
    let event = &catalogue.events["request.created"];
    for (urgency, priority) in [
        ("low", RequestPriority::Low),
        ("medium", RequestPriority::Normal),
        ("high", RequestPriority::High),
        ("critical", RequestPriority::Emergency),
        // The original never checked `urgency: str`: other values reach v2 unchanged.
        ("urgent", RequestPriority::Unknown("urgent".to_owned())),
        ("", RequestPriority::Unknown(String::new())),
    ] {
        let mut sample = support::sample_event(&catalogue, "request.created", &event.versions[0]);
        sample["urgency"] = json!(urgency);
        let v1: RequestCreatedV1 =
            event_runtime::decode_exact(&sample.to_string()).expect("valid v1");
        let v2 = RequestCreatedV2::from(v1.clone());
        assert_eq!(v2.priority, priority.clone(), "{urgency}");
        assert_eq!(v2.coordinates, None);
        assert_eq!(v2.request_number, v1.request_number);
        let via_registry = registry()
            .decode_as("request.created", 1, &sample.to_string(), 2)
            .expect("upgrades")
            .downcast::<RequestCreatedV2>()
            .expect("is v2");
        assert_eq!(via_registry, v2);
    }
}

#[test]
fn shift_transferred_v1_upgrades_the_renamed_and_copied_fields() {
    let catalogue = support::catalogue();
    let v1 = &catalogue.events["shift.transferred"].versions[0];
    let mut sample = support::sample_event(&catalogue, "shift.transferred", v1);
    sample["transfer_date"] = json!("2025-10-01T08:00:00Z");
    sample["from_executor_id"] = json!(41);
    let v2 = ShiftTransferredV2::decode_version(1, &sample.to_string()).expect("upgrades");
    assert_eq!(v2.transferred_at.to_rfc3339(), "2025-10-01T08:00:00+00:00");
    assert_eq!(v2.requested_by, 41);
    assert_eq!(v2.from_executor_id, 41);
}

#[test]
fn data_of_the_original_python_services_is_read() {
    // Naive timestamps (no `Z`), explicit nulls, metadata null.
    let original = json!({
        "event_id": "123e4567-e89b-12d3-a456-426614174000",
        "event_type": "user.created",
        "version": "v1",
        "timestamp": "2025-09-26T10:30:00.123456",
        "source_service": "users-service",
        "correlation_id": null,
        "user_id": 123,
        "metadata": null,
        "telegram_id": 456789,
        "username": null,
        "first_name": "John",
        "last_name": null,
        "phone_number": null,
        "role": "executor",
        "specializations": null,
        "is_verified": false
    });
    let event =
        events::UserCreatedV1::decode_version(1, &original.to_string()).expect("reads Python data");
    assert_eq!(
        event.envelope.timestamp.to_rfc3339(),
        "2025-09-26T10:30:00.123456+00:00"
    );
    assert!(event.envelope.metadata.is_empty());
    assert_eq!(event.envelope.correlation_id, None);
}

#[test]
fn decode_errors_name_the_field_and_never_show_sensitive_values() {
    let mut sample: Value = serde_json::from_str(&user_created_v1(json!("Doe"))).expect("json");
    sample["telegram_id"] = json!("not a number");
    let error =
        events::UserCreatedV1::decode_version(1, &sample.to_string()).expect_err("wrong type");
    let text = error.to_string();
    assert!(text.contains("field `telegram_id`"), "{text}");
    assert!(text.contains("expected i64"), "{text}");

    sample["telegram_id"] = json!(1);
    sample["phone_number"] = json!(447_700_900_123_i64);
    let error =
        events::UserCreatedV1::decode_version(1, &sample.to_string()).expect_err("wrong type");
    let text = error.to_string();
    assert!(text.contains("phone_number"), "{text}");
    assert!(
        !text.contains("447700900123"),
        "sensitive value leaked: {text}"
    );

    let debug = format!(
        "{:?}",
        events::UserCreatedV1::decode_version(1, &user_created_v1(json!("Doe"))).expect("valid")
    );
    assert!(!debug.contains("Doe"), "sensitive value in Debug: {debug}");
    assert!(debug.contains("<redacted>"), "{debug}");
}

#[test]
fn validation_rejects_broken_constraints_with_every_violation() {
    // assignment.completed is one of our own types, with checks; the original types' v1 has
    // none (see `original_v1_accepts_what_our_checks_would_reject`).
    let catalogue = support::catalogue();
    let event = &catalogue.events["assignment.completed"];
    let mut sample = support::sample_event(&catalogue, "assignment.completed", &event.versions[0]);
    sample["request_number"] = json!("2025-1");
    sample["actual_duration"] = json!(-5);
    let error = registry()
        .decode("assignment.completed", "v1", &sample.to_string())
        .expect_err("invalid");
    let text = error.to_string();
    assert!(text.contains("request_number"), "{text}");
    assert!(
        text.contains("actual_duration` must be at least 0, found -5"),
        "{text}"
    );
}

#[test]
fn original_v1_accepts_what_our_checks_would_reject() {
    // The original contract (`request_number: str`, `quality_rating: Optional[int]` with a
    // "1-5" comment) checks neither, so v1 must not either.
    let catalogue = support::catalogue();
    let event = &catalogue.events["request.completed"];
    let mut sample = support::sample_event(&catalogue, "request.completed", &event.versions[0]);
    sample["request_number"] = json!("2025-1");
    sample["quality_rating"] = json!(9);
    sample["actual_duration"] = json!(-5);
    let decoded = registry()
        .decode("request.completed", "v1", &sample.to_string())
        .expect("the original contract accepts it");
    assert_eq!(reencode(decoded.as_ref()), sample);
}

#[test]
fn the_envelope_user_id_is_required_where_the_schema_says_so() {
    let mut sample: Value = serde_json::from_str(&user_created_v1(json!("Doe"))).expect("json");
    sample["user_id"] = Value::Null;
    let error = events::UserCreatedV1::decode_version(1, &sample.to_string())
        .expect_err("user id required");
    assert!(
        error.to_string().contains("`user_id` is required"),
        "{error}"
    );
}

#[test]
fn newer_versions_are_refused_with_a_clear_error() {
    let error = events::UserCreatedV1::decode_version(2, "{}").expect_err("too new");
    assert!(
        error
            .to_string()
            .ends_with("user.created is BACKWARD, which does not promise that readers of v1 read v2: deploy consumers built with v2 first"),
        "{error}"
    );
}
