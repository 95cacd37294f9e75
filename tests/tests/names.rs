//! One naming rule for every crate: the event-name rule and the envelope's reserved names are
//! defined once, in `event-names` (the runtime re-exports the names as `ENVELOPE_FIELDS`), and
//! the schemas, the runtime's settings and the derive all judge names by it.

use event_runtime::{Config, ENVELOPE_FIELDS};

/// Reads the runtime's settings from `vars` instead of the environment.
fn config(vars: &[(&str, &str)]) -> Result<Config, event_runtime::ConfigError> {
    Config::from_lookup(|name| {
        vars.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| (*value).to_owned())
    })
}

#[test]
fn event_partitions_take_only_event_names_a_schema_can_declare() {
    let valid = config(&[("EVENT_PARTITIONS", "user.created:4:user_id")]).expect("valid");
    assert!(valid.partitioning("user.created").is_some());
    for name in [
        "User.Created",
        "user.Created",
        "user__x.created",
        "user.created_",
    ] {
        assert!(!event_names::is_event_name(name), "{name}");
        let value = format!("{name}:4:user_id");
        let error = config(&[("EVENT_PARTITIONS", &value)]).expect_err(name);
        assert_eq!(error.variable(), "EVENT_PARTITIONS");
        assert!(
            error
                .to_string()
                .contains(&format!("`{name}` is not an event type")),
            "{error}"
        );
    }
}

#[test]
fn every_event_of_the_catalogue_follows_the_shared_rule() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let catalogue = event_codegen::load_dir(&dir)
        .expect("schemas are readable")
        .into_result()
        .expect("schemas are valid");
    for name in catalogue.events.keys() {
        assert!(event_names::is_event_name(name), "{name}");
    }
}

/// The shared list names exactly the keys an encoded envelope writes, so the names the
/// schemas and the derive reserve are the ones the runtime uses.
#[test]
fn the_reserved_names_are_the_keys_of_an_encoded_envelope() {
    #[derive(Debug, serde::Serialize, serde::Deserialize, event_runtime::Event)]
    #[event(name = "names.checked", version = 1)]
    struct Bare {
        #[serde(flatten)]
        envelope: event_runtime::Envelope,
    }
    let json = event_runtime::encode(&Bare {
        envelope: event_runtime::Envelope::new(),
    })
    .expect("encodes");
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&json).expect("an object");
    let mut written: Vec<&str> = object.keys().map(String::as_str).collect();
    let mut reserved = ENVELOPE_FIELDS.to_vec();
    written.sort_unstable();
    reserved.sort_unstable();
    assert_eq!(written, reserved);
}
