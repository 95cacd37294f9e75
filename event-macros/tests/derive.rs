//! `#[derive(Event)]` on hand-written structs: wire round trips, upgrades through `previous`,
//! `validate`, sensitive fields, the registry and descriptions.

use event_runtime::{DecodeError, Envelope, Event, Registry, ValidationError};
use serde::{Deserialize, Serialize};

/// A parcel left the warehouse.
///
/// Sent once per parcel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 1)]
struct ParcelShippedV1 {
    #[serde(flatten)]
    envelope: Envelope,
    parcel_id: i64,
    carrier: String,
}

/// A parcel left the warehouse; now with the recipient's phone number for the courier.
#[derive(Clone, PartialEq, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 2, previous = ParcelShippedV1, validate = check_shipped)]
struct ParcelShippedV2 {
    #[serde(flatten)]
    envelope: Envelope,
    parcel_id: i64,
    carrier: String,
    #[event(sensitive)]
    phone_number: Option<String>,
    express: bool,
}

impl From<ParcelShippedV1> for ParcelShippedV2 {
    fn from(v1: ParcelShippedV1) -> Self {
        Self {
            envelope: v1.envelope,
            parcel_id: v1.parcel_id,
            express: v1.carrier == "courier",
            carrier: v1.carrier,
            phone_number: None,
        }
    }
}

fn check_shipped(event: &ParcelShippedV2) -> Result<(), ValidationError> {
    if event.parcel_id > 0 {
        Ok(())
    } else {
        Err(ValidationError::single("parcel_id", "must be positive"))
    }
}

/// Not the description: `description = ...` wins over the doc comment.
#[derive(Serialize, Deserialize, Event)]
#[event(
    name = "courier.note_added",
    version = 1,
    description = "A courier wrote a note."
)]
#[event(validate = check_note)]
struct CourierNoteAddedV1 {
    #[serde(flatten)]
    #[event(envelope)]
    head: Envelope,
    #[event(sensitive)]
    #[serde(rename = "note_text")]
    text: String,
    #[event(sensitive)]
    r#type: String,
    courier_id: i64,
}

fn check_note(_: &CourierNoteAddedV1) -> Result<(), ValidationError> {
    Ok(())
}

/// Wire names follow `rename_all`, so the sensitive field is found in decode errors.
#[derive(Serialize, Deserialize, Event)]
#[serde(rename_all = "camelCase")]
#[event(name = "courier.pin_set", version = 1)]
struct CourierPinSetV1 {
    #[serde(flatten)]
    envelope: Envelope,
    #[event(sensitive)]
    pin_code: String,
}

fn v1() -> ParcelShippedV1 {
    ParcelShippedV1 {
        envelope: Envelope::new().with_user_id(42),
        parcel_id: 7,
        carrier: "courier".to_owned(),
    }
}

fn v2() -> ParcelShippedV2 {
    ParcelShippedV2 {
        envelope: Envelope::new(),
        parcel_id: 8,
        carrier: "post".to_owned(),
        phone_number: Some("+44 20 7946 0958".to_owned()),
        express: false,
    }
}

#[test]
fn constants_come_from_the_attributes() {
    assert_eq!(ParcelShippedV1::EVENT_TYPE, "parcel.shipped");
    assert_eq!(ParcelShippedV1::VERSION, 1);
    assert_eq!(ParcelShippedV2::VERSION, 2);
    assert!(ParcelShippedV1::SENSITIVE_FIELDS.is_empty());
    assert_eq!(ParcelShippedV2::SENSITIVE_FIELDS, ["phone_number"]);
    // Wire names: serde's `rename`, raw identifiers without `r#`, `rename_all`.
    assert_eq!(CourierNoteAddedV1::SENSITIVE_FIELDS, ["note_text", "type"]);
    assert_eq!(CourierPinSetV1::SENSITIVE_FIELDS, ["pinCode"]);
}

#[test]
fn description_is_the_doc_comment_unless_given() {
    assert_eq!(
        ParcelShippedV1::DESCRIPTION,
        "A parcel left the warehouse.\n\nSent once per parcel."
    );
    assert_eq!(CourierNoteAddedV1::DESCRIPTION, "A courier wrote a note.");
}

#[test]
fn encodes_and_decodes_exactly() {
    let event = v1();
    let json = event_runtime::encode(&event).expect("encode");
    assert!(
        json.starts_with(r#"{"event_type":"parcel.shipped","version":"v1","event_id":"#),
        "{json}"
    );
    assert!(json.contains(r#""parcel_id":7"#), "{json}");
    let back: ParcelShippedV1 = event_runtime::decode_exact(&json).expect("decode");
    assert_eq!(back, event);

    let event = v2();
    let json = event_runtime::encode(&event).expect("encode");
    let back: ParcelShippedV2 = event_runtime::decode_exact(&json).expect("decode");
    assert_eq!(back, event);
}

#[test]
fn the_envelope_field_can_have_any_name() {
    let mut event = CourierNoteAddedV1 {
        head: Envelope::new().with_correlation_id("c-1"),
        text: "left at the door".to_owned(),
        r#type: "delivery".to_owned(),
        courier_id: 3,
    };
    assert_eq!(event.envelope().correlation_id.as_deref(), Some("c-1"));
    event.envelope_mut().user_id = Some(9);
    assert_eq!(event.head.user_id, Some(9));
    let json = event_runtime::encode(&event).expect("encode");
    assert!(
        json.contains(r#""note_text":"left at the door","type":"delivery""#),
        "{json}"
    );
    let back: CourierNoteAddedV1 = event_runtime::decode_exact(&json).expect("decode");
    assert_eq!(back.head, event.head);
}

#[test]
fn decode_version_upgrades_v1_data_through_previous() {
    let old = v1();
    let json = event_runtime::encode(&old).expect("encode");
    let upgraded = ParcelShippedV2::decode_version(1, &json).expect("upgrade");
    assert_eq!(upgraded.envelope, old.envelope);
    assert_eq!(upgraded.parcel_id, 7);
    assert_eq!(upgraded.carrier, "courier");
    assert_eq!(upgraded.phone_number, None);
    assert!(upgraded.express);

    let current = v2();
    let json = event_runtime::encode(&current).expect("encode");
    assert_eq!(
        ParcelShippedV2::decode_version(2, &json).expect("same version"),
        current
    );
}

#[test]
fn decode_version_refuses_newer_data_and_v1_has_no_migration() {
    let json = event_runtime::encode(&v2()).expect("encode");
    assert!(matches!(
        ParcelShippedV2::decode_version(3, &json),
        Err(DecodeError::NewerVersion {
            found: 3,
            supported: 2,
            ..
        })
    ));
    assert!(matches!(
        ParcelShippedV1::decode_version(2, &json),
        Err(DecodeError::NewerVersion {
            found: 2,
            supported: 1,
            ..
        })
    ));
}

#[test]
fn decode_exact_and_upgrades_call_validate() {
    let mut bad = v2();
    bad.parcel_id = 0;
    let json = event_runtime::encode(&bad).expect("encode does not validate");
    match event_runtime::decode_exact::<ParcelShippedV2>(&json) {
        Err(DecodeError::Invalid {
            violations,
            version: 2,
            ..
        }) => {
            assert_eq!(violations.violations()[0].field, "parcel_id");
            assert_eq!(violations.violations()[0].message, "must be positive");
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    assert!(event_runtime::encode_validated(&bad).is_err());

    // v1 has no such rule, but the upgraded v2 does.
    let mut old = v1();
    old.parcel_id = -1;
    let json = event_runtime::encode(&old).expect("encode");
    assert!(event_runtime::decode_exact::<ParcelShippedV1>(&json).is_ok());
    assert!(matches!(
        ParcelShippedV2::decode_version(1, &json),
        Err(DecodeError::Invalid { version: 2, .. })
    ));
}

#[test]
fn debug_redacts_sensitive_fields_as_generated_structs_do() {
    let text = format!("{:?}", v2());
    assert!(!text.contains("+44 20 7946 0958"), "{text}");
    assert!(
        text.starts_with("ParcelShippedV2 { envelope: Envelope {"),
        "{text}"
    );
    assert!(text.contains("phone_number: <redacted>"), "{text}");
    assert!(
        text.contains(r#"carrier: "post""#),
        "other fields show: {text}"
    );
    let pretty = format!("{:#?}", v2());
    assert!(!pretty.contains("+44 20 7946 0958"), "{pretty}");
}

#[test]
fn decode_errors_hide_values_of_sensitive_fields() {
    let json = event_runtime::encode(&v2()).expect("encode");
    let secret = json.replace(r#""+44 20 7946 0958""#, "4420794609580");
    let error = event_runtime::decode_exact::<ParcelShippedV2>(&secret)
        .expect_err("a number is not a string");
    match &error {
        DecodeError::Field { field, .. } => assert_eq!(field, "phone_number"),
        other => panic!("expected a field error, got {other:?}"),
    }
    assert!(!error.to_string().contains("4420794609580"), "{error}");

    // The same mistake in a field that is not sensitive shows the value.
    let json = event_runtime::encode(&v2()).expect("encode");
    let plain = json.replace(r#""post""#, "4420794609580");
    let error = event_runtime::decode_exact::<ParcelShippedV2>(&plain)
        .expect_err("a number is not a string");
    assert!(error.to_string().contains("4420794609580"), "{error}");

    // Also under a `rename_all` wire name.
    let pin = r#"{"event_id":"0191e3b6-5c3a-7000-8000-000000000000","timestamp":"2025-09-26T10:30:00Z","pinCode":12345}"#;
    let error =
        event_runtime::decode_exact::<CourierPinSetV1>(pin).expect_err("a number is not a string");
    assert!(
        matches!(&error, DecodeError::Field { field, .. } if field == "pinCode"),
        "{error:?}"
    );
    assert!(!error.to_string().contains("12345"), "{error}");
}

#[test]
fn the_registry_decodes_and_upgrades_by_name() {
    let mut registry = Registry::new();
    registry
        .register::<ParcelShippedV1>()
        .register::<ParcelShippedV2>();
    assert_eq!(registry.versions("parcel.shipped"), [1, 2]);
    let entry = registry.entry("parcel.shipped", 2).expect("registered");
    assert_eq!(entry.sensitive_fields, ["phone_number"]);
    assert_eq!(
        entry.description,
        "A parcel left the warehouse; now with the recipient's phone number for the courier."
    );

    let old = v1();
    let json = event_runtime::encode(&old).expect("encode");
    let decoded = registry
        .decode_as("parcel.shipped", 1, &json, 2)
        .expect("upgrade");
    assert_eq!(decoded.event_type(), "parcel.shipped");
    assert_eq!(decoded.version(), 2);
    let upgraded: ParcelShippedV2 = decoded.downcast().expect("a ParcelShippedV2");
    assert_eq!(upgraded.envelope.event_id, old.envelope.event_id);
    assert_eq!(upgraded.envelope.user_id, Some(42));
    assert_eq!(upgraded.parcel_id, 7);
    assert!(upgraded.express);

    let same = registry
        .decode("parcel.shipped", "v1", &json)
        .expect("decode");
    assert_eq!(same.downcast_ref::<ParcelShippedV1>(), Some(&old));
}

/// The same `parcel.weighed` v1, as two services built from one struct would declare it, and
/// as a third service that changed a field's type in place.
mod weighed {
    use event_runtime::{Envelope, Event};
    use serde::{Deserialize, Serialize};

    pub mod ours {
        use super::*;

        /// A parcel was weighed.
        #[derive(Debug, Serialize, Deserialize, Event)]
        #[event(
            name = "parcel.weighed",
            version = 1,
            compatibility = "FULL_TRANSITIVE"
        )]
        pub struct ParcelWeighedV1 {
            #[serde(flatten)]
            pub envelope: Envelope,
            pub parcel_id: i64,
            #[serde(rename = "grams")]
            pub weight: u32,
        }
    }

    pub mod theirs {
        use super::*;

        /// A parcel was weighed (the same shape, declared elsewhere).
        #[derive(Debug, Serialize, Deserialize, Event)]
        #[event(
            name = "parcel.weighed",
            version = 1,
            compatibility = "FULL_TRANSITIVE"
        )]
        pub struct ParcelWeighedV1 {
            #[serde(flatten)]
            pub envelope: Envelope,
            pub parcel_id: i64,
            #[serde(rename = "grams")]
            pub weight: u32,
        }
    }

    pub mod edited {
        use super::*;

        /// A parcel was weighed, with the weight's type changed in place.
        #[derive(Debug, Serialize, Deserialize, Event)]
        #[event(
            name = "parcel.weighed",
            version = 1,
            compatibility = "FULL_TRANSITIVE"
        )]
        pub struct ParcelWeighedV1 {
            #[serde(flatten)]
            pub envelope: Envelope,
            pub parcel_id: i64,
            #[serde(rename = "grams")]
            pub weight: f64,
        }
    }
}

#[test]
fn the_level_and_fingerprint_travel_with_the_event_and_its_registry_entry() {
    use event_runtime::Compatibility;
    use weighed::{edited, ours, theirs};

    // Without `compatibility`, a schema's default.
    assert_eq!(ParcelShippedV1::COMPATIBILITY, Compatibility::Backward);
    assert_eq!(
        ours::ParcelWeighedV1::COMPATIBILITY,
        Compatibility::FullTransitive
    );
    assert_eq!(
        ParcelShippedV1::JSON_SCHEMA,
        None,
        "no schema, no JSON Schema"
    );

    let fingerprint = ours::ParcelWeighedV1::FINGERPRINT.expect("the derive computes one");
    assert_eq!(fingerprint.len(), 64);
    assert!(
        fingerprint
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    assert_eq!(theirs::ParcelWeighedV1::FINGERPRINT, Some(fingerprint));
    assert_ne!(edited::ParcelWeighedV1::FINGERPRINT, Some(fingerprint));
    assert_ne!(ParcelShippedV1::FINGERPRINT, ParcelShippedV2::FINGERPRINT);

    let registry = Registry::new()
        .with::<ParcelShippedV1>()
        .with::<ParcelShippedV2>()
        .with::<ours::ParcelWeighedV1>();
    let entry = registry.entry("parcel.weighed", 1).expect("registered");
    assert_eq!(entry.compatibility, Compatibility::FullTransitive);
    assert_eq!(entry.fingerprint, Some(fingerprint));
    assert_eq!(
        registry.compatibility("parcel.weighed"),
        Some(Compatibility::FullTransitive)
    );
    assert_eq!(registry.compatibility("parcel.lost"), None);
    let newest: Vec<(&str, u32)> = registry
        .latest_entries()
        .map(|entry| (entry.event_type, entry.version))
        .collect();
    assert_eq!(newest, [("parcel.shipped", 2), ("parcel.weighed", 1)]);
}
