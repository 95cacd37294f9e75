//! The code generator's edge-case fixture, compiled from its snapshot, behaves as documented.

use event_runtime::{Envelope, Event};
use event_tests::emit_fixture::*;

fn v1_request_json(last_name: Option<&str>) -> String {
    serde_json::json!({
        "event_id": "0190b6c4-1c8a-7cc0-9a36-5a9b2a4c1d00",
        "event_type": "request.created",
        "version": "v1",
        "timestamp": "2025-09-26T10:30:00",
        "user_id": 42,
        "request_number": "250926-001",
        "first_name": "Ada",
        "last_name": last_name,
        "urgency": "critical",
        "estimated_duration": 90,
        "priority_score": 7,
        "rating": 4,
        "photos": null,
        "type": "plumbing",
        "notes": "leak",
        "location": {"lat": 51.5, "lon": -0.12},
        "door_code": "1234"
    })
    .to_string()
}

#[test]
fn v1_upgrades_to_v2_through_the_registry() {
    let registry = registry();
    let decoded = registry
        .decode_latest("request.created", "v1", &v1_request_json(None))
        .expect("v1 decodes and upgrades");
    let v2 = decoded.downcast::<RequestCreated>().expect("latest is v2");
    assert_eq!(v2.display_name, "Ada");
    assert_eq!(v2.priority, Priority::Emergency);
    assert_eq!(v2.estimated_duration, Some(90));
    assert_eq!(v2.priority_score, 7.0);
    assert_eq!(v2.stars, 4);
    assert_eq!(v2.photos, Vec::<String>::new());
    assert_eq!(v2.r#type, "plumbing");
    assert_eq!(v2.notes.as_deref(), Some("leak"));
    assert_eq!(v2.channel, Channel::Telegram);
    assert_eq!(v2.tags, vec!["new".to_owned()]);
    assert_eq!(v2.assignee_id, None);
    assert_eq!(v2.score, 130.0);
    assert_eq!(v2.reference, "250926-001");
    assert_eq!(v2.request_number, "250926-001");
    assert_eq!(v2.duration_minutes, 90);
    assert_eq!(v2.headline, "plumbing: leak");
    assert_eq!(v2.envelope.user_id, Some(42));

    let with_last =
        RequestCreatedV2::decode_version(1, &v1_request_json(Some("Lovelace"))).expect("decodes");
    assert_eq!(with_last.display_name, "Ada Lovelace");
}

#[test]
fn v2_round_trips_and_validates() {
    let v2 = RequestCreatedV2::decode_version(1, &v1_request_json(None)).expect("decodes");
    let json = event_runtime::encode(&v2).expect("encodes");
    assert!(json.contains(r#""type":"plumbing""#), "{json}");
    assert!(json.contains(r#""notes":"leak""#), "{json}");
    assert!(
        json.contains(r#""assignee_id":null"#),
        "optional None is written as null: {json}"
    );
    let back: RequestCreatedV2 = event_runtime::decode_exact(&json).expect("decodes");
    assert_eq!(back, v2);

    let mut bad = v2.clone();
    bad.envelope.user_id = None;
    bad.request_number = "nope".into();
    bad.location.lat = 100.0;
    bad.score = f64::NAN;
    let errors: Vec<String> = bad
        .validate()
        .expect_err("invalid")
        .violations()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        errors,
        [
            "`user_id` is required: The user who filed the request.",
            r#"`request_number` must match the pattern `^(?:\d{6}-\d{3})$`, found "nope""#,
            "`score` must be a finite number, found NaN",
            "`location.lat` must be at most 90, found 100",
        ]
    );
}

#[test]
fn closed_enums_reject_unknown_values_and_open_ones_keep_them() {
    let error = serde_json::from_str::<Urgency>(r#""urgentish""#).expect_err("closed");
    assert_eq!(
        error.to_string(),
        "unknown value `urgentish` for Urgency, expected one of low, medium, high, critical"
    );
    let open: Priority = serde_json::from_str(r#""someday""#).expect("open");
    assert_eq!(open, Priority::Unknown("someday".into()));
    assert_eq!(
        serde_json::to_string(&open).expect("serializes"),
        r#""someday""#
    );
    assert_eq!(
        Urgency::ALL.map(|u| u.as_str()),
        ["low", "medium", "high", "critical"]
    );
    assert_eq!(Priority::Normal.to_string(), "normal");
}

#[test]
fn open_enum_maps_unknown_values() {
    let json = serde_json::json!({
        "event_id": "0190b6c4-1c8a-7cc0-9a36-5a9b2a4c1d00",
        "timestamp": "2025-09-26T10:30:00Z",
        "user_id": 1,
        "level": "apocalyptic",
        "mood": "wistful",
        "history": ["low", "emergency", "odd"],
        "sent_at": "2025-09-26T12:30:00+02:00",
        "attempts": 3,
        "body": "hello",
        "secrets": {"a": 1.5}
    })
    .to_string();
    let v2 = NotificationSentV2::decode_version(1, &json).expect("upgrades");
    assert_eq!(v2.urgency, Urgency::Medium);
    assert_eq!(v2.severity, Some(Severity::Unknown("wistful".into())));
    assert_eq!(
        v2.history,
        [
            Severity::Minor,
            Severity::Fatal,
            Severity::Unknown("odd".into())
        ]
    );
    assert_eq!(v2.level_text, "apocalyptic");
    assert_eq!(
        v2.summary.as_deref(),
        Some("{sent} at 2025-09-26T10:30:00Z (wistful, try 3)")
    );
    assert_eq!(v2.attempts, 3.0);
    let debug = format!("{v2:?}");
    assert!(
        debug.contains("body: <redacted>") && !debug.contains("hello"),
        "{debug}"
    );

    let v1: NotificationSentV1 = serde_json::from_str(&json).expect("v1");
    let debug = format!("{v1:?}");
    assert!(!debug.contains("1.5"), "{debug}");
    let mut no_user = v1.clone();
    no_user.envelope.user_id = None;
    no_user.secrets.insert("b".into(), f64::INFINITY);
    let error = no_user.validate().expect_err("invalid").to_string();
    assert_eq!(
        error,
        "`user_id` is required: The recipient.; `secrets` must be a finite number"
    );
}

#[test]
fn defaults_fill_absent_fields_and_nested_records_validate() {
    let json = serde_json::json!({
        "event_id": "0190b6c4-1c8a-7cc0-9a36-5a9b2a4c1d00",
        "timestamp": "2025-09-26T10:30:00Z",
        "name": "Ada",
        "active": true,
        "age": 200,
        "telegram_id": 0,
        "balance": -1.0,
        "score": 1.0,
        "id": "67e55044-10b1-426f-9247-bb680e5fe0c8",
        "registered_at": "2025-09-26T10:30:00Z",
        "last_seen": null,
        "credit": "12.50",
        "profile": {},
        "labels": {},
        "contacts": [{"phone": "+4412345678"}, {"phone": "secret-phone", "email": "a@b.c"}],
        "home": {"phone": "bad"},
        "readings": [1.0],
        "route": [[{"lat": 0.0, "lon": 0.0}, {"lat": 91.0, "lon": 0.0}]],
        "places": {"home": {"lat": 0.0, "lon": 181.0}},
        "password_hash": "short"
    })
    .to_string();
    let v1: ProfileCreatedV1 = serde_json::from_str(&json).expect("decodes with defaults");
    assert_eq!(v1.timezone, "UTC");
    assert_eq!(v1.level, 3);
    assert_eq!(v1.offset, -5);
    assert_eq!(v1.roles, ["resident", "guest"]);
    assert_eq!(v1.priority, Priority::Normal);
    assert!(v1.is_verified);
    assert_eq!(v1.retries, Some(7));
    assert_eq!(v1.amount.as_str(), "0.00");
    assert_eq!(v1.started_at.to_rfc3339(), "2024-01-01T00:00:00+00:00");
    assert_eq!(v1.contacts[0].preferred, Channel::Telegram);
    let errors: Vec<String> = v1
        .validate()
        .expect_err("invalid")
        .violations()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        errors,
        [
            "`age` must be at most 150, found 200",
            "`telegram_id` must be at least 1, found 0",
            "`balance` must be at least 0, found -1",
            "`profile` must not be empty, found none",
            r"`contacts[1].phone` must match the pattern `^(?:\+\d{7,15})$`",
            r"`home.phone` must match the pattern `^(?:\+\d{7,15})$`",
            "`route[0][1].lat` must be at most 90, found 91",
            r#"`places["home"].lon` must be at most 180, found 181"#,
            "`password_hash` must be at least 8 characters long",
        ]
    );
    let debug = format!("{:?}", v1.contacts[1]);
    assert!(
        !debug.contains("secret-phone") && debug.contains("a@b.c"),
        "{debug}"
    );
    let v2 = ProfileCreatedV2::from(v1);
    assert_eq!(v2.full_name, "Ada");
}

#[test]
fn registry_and_catalogue_constants() {
    assert_eq!(CATALOGUE_NAME, "emit-fixture");
    assert_eq!(CATALOGUE_VERSION, "1.2.3");
    let registry = registry();
    assert_eq!(
        registry.event_types(),
        [
            "notification.sent",
            "profile.created",
            "request.created",
            "system.ping"
        ]
    );
    assert_eq!(registry.versions("request.created"), [1, 2]);
    assert_eq!(RequestCreatedV1::SENSITIVE_FIELDS, ["door_code"]);
    let ping = SystemPing {
        envelope: Envelope::new(),
    };
    let json = event_runtime::encode(&ping).expect("encodes");
    let back = registry
        .decode("system.ping", "v1", &json)
        .expect("decodes");
    assert_eq!(back.downcast_ref::<SystemPingV1>(), Some(&ping));
}
