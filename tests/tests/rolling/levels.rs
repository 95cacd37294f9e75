//! The newer catalogue keeps to its levels, and what the older one's code makes of newer data,
//! decode by decode: read as the older version under `FULL` (unknown fields ignored, the
//! older version's constraints checked, its required fields required), refused with the
//! upgrade to make under `BACKWARD`.

use std::path::Path;

use event_codegen::compat::report::{Format, render};
use event_codegen::compat::{Lockfile, lint};
use event_runtime::{Compatibility, DecodeError, Event};

use super::{labelled_v2, newer, older, weighed_v2};

fn catalogue(dir: &str) -> event_codegen::Catalogue {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("rolling")
        .join(dir);
    event_codegen::load_dir(&dir)
        .expect("readable")
        .into_result()
        .expect("valid")
}

#[test]
fn the_newer_catalogue_keeps_to_the_levels_of_the_older_one() {
    let report = lint(
        &Lockfile::from_catalogue(&catalogue("older")),
        &catalogue("newer"),
    );
    assert!(
        !report.failed(),
        "{}",
        render(&report, Format::Text, "rolling/older")
    );
    // The levels the lint enforced are the ones both services' code carries.
    assert_eq!(older::ParcelWeighedV1::COMPATIBILITY, Compatibility::Full);
    assert_eq!(newer::ParcelWeighedV2::COMPATIBILITY, Compatibility::Full);
    assert_eq!(
        older::ParcelLabelledV1::COMPATIBILITY,
        Compatibility::Backward
    );
    assert_eq!(
        older::registry().compatibility("parcel.weighed"),
        Some(Compatibility::Full)
    );
    // v1 is the same released version in both copies: the same fingerprint.
    assert_eq!(
        older::ParcelWeighedV1::FINGERPRINT,
        newer::ParcelWeighedV1::FINGERPRINT
    );
    assert_ne!(
        newer::ParcelWeighedV1::FINGERPRINT,
        newer::ParcelWeighedV2::FINGERPRINT
    );
}

#[test]
fn an_older_reader_reads_full_data_of_a_newer_version_as_its_own() {
    let sent = weighed_v2(7);
    let json = event_runtime::encode(&sent).expect("encode");
    let read = older::ParcelWeighedV1::decode_version(2, &json).expect("FULL: v1 reads v2");
    assert_eq!((read.parcel_id, read.grams), (7, 107));
    assert_eq!(read.envelope.event_id, sent.envelope.event_id);
    // By name, through the older service's registry, the same.
    let by_name = older::registry()
        .decode_as("parcel.weighed", 2, &json, 1)
        .expect("FULL: v1 reads v2 by name");
    assert_eq!(by_name.version(), 1);
    let labelled = event_runtime::encode(&labelled_v2(7)).expect("encode");
    let error = older::registry()
        .decode_as("parcel.labelled", 2, &labelled, 1)
        .expect_err("BACKWARD");
    assert!(matches!(error, DecodeError::Downgrade { .. }), "{error:?}");
    // Written again, it is v1 data: the field v1 does not know is gone.
    let again = event_runtime::encode(&read).expect("encode");
    assert!(
        again.contains(r#""version":"v1""#) && !again.contains("scale"),
        "{again}"
    );
}

#[test]
fn an_older_reader_still_checks_its_own_version_on_newer_data() {
    let json = event_runtime::encode(&weighed_v2(7)).expect("encode");
    let mut data: serde_json::Value = serde_json::from_str(&json).expect("json");

    // A v2 event that breaks v1's `min: 1` (a producer that does not validate).
    data["grams"] = 0.into();
    let error = older::ParcelWeighedV1::decode_version(2, &data.to_string())
        .expect_err("v1's constraints hold");
    assert!(
        matches!(&error, DecodeError::Invalid { version: 1, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("grams"), "{error}");

    // A v2 event without a field v1 requires.
    data.as_object_mut().expect("an object").remove("grams");
    let error =
        older::ParcelWeighedV1::decode_version(2, &data.to_string()).expect_err("a required field");
    assert!(
        matches!(&error, DecodeError::Field { field, version: 1, .. } if field == "grams"),
        "{error:?}"
    );
}

#[test]
fn an_older_reader_refuses_backward_data_of_a_newer_version_naming_the_upgrade() {
    let json = event_runtime::encode(&labelled_v2(7)).expect("encode");
    let error = older::ParcelLabelledV1::decode_version(2, &json).expect_err("BACKWARD");
    assert!(
        matches!(
            &error,
            DecodeError::NewerVersion {
                found: 2,
                supported: 1,
                compatibility: Compatibility::Backward,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "parcel.labelled v2 is newer than v1, which this service reads, and parcel.labelled is BACKWARD, which does not promise that readers of v1 read v2: deploy consumers built with v2 first"
    );
}

/// `parcel.weighed` v1 written by hand, `FULL` as in the schemas.
#[derive(Debug, serde::Serialize, serde::Deserialize, event_runtime::Event)]
#[event(name = "parcel.weighed", version = 1, compatibility = "FULL")]
struct HandWrittenWeighedV1 {
    #[serde(flatten)]
    envelope: event_runtime::Envelope,
    parcel_id: i64,
    grams: i32,
}

#[test]
fn a_hand_written_full_event_reads_newer_data_too() {
    let json = event_runtime::encode(&weighed_v2(7)).expect("encode");
    let read = HandWrittenWeighedV1::decode_version(2, &json).expect("FULL: v1 reads v2");
    assert_eq!((read.parcel_id, read.grams), (7, 107));
    // The derive's fingerprint is its own: it never poses as the schema's.
    assert_ne!(
        HandWrittenWeighedV1::FINGERPRINT,
        older::ParcelWeighedV1::FINGERPRINT
    );
}
