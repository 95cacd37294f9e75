//! Property tests: random valid values of every event version survive encode -> decode.

mod support;

use proptest::prelude::*;
use serde_json::Value;

fn any_event() -> impl Strategy<Value = (String, u32, Value)> {
    let catalogue = support::catalogue();
    let mut choices: Vec<BoxedStrategy<(String, u32, Value)>> = Vec::new();
    for (name, event) in &catalogue.events {
        for version in &event.versions {
            let fields = version
                .fields
                .iter()
                .map(|field| {
                    (
                        field.name.clone(),
                        support::field_strategy(field, &catalogue),
                    )
                })
                .collect();
            let envelope = support::envelope(name, version);
            let name = name.clone();
            let number = version.number;
            choices.push(
                support::object_strategy(fields)
                    .prop_map(move |payload| {
                        let mut object = envelope.clone();
                        object.extend(payload.as_object().cloned().unwrap_or_default());
                        (name.clone(), number, Value::Object(object))
                    })
                    .boxed(),
            );
        }
    }
    proptest::strategy::Union::new(choices)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_valid_events_round_trip((event_type, version, sample) in any_event()) {
        let registry = event_tests::events::registry();
        let decoded = registry
            .decode(&event_type, &format!("v{version}"), &sample.to_string())
            .map_err(|error| TestCaseError::fail(format!("{event_type} v{version}: {error}")))?;
        let again: Value = serde_json::from_str(&decoded.to_json().expect("encodes")).expect("parses");
        prop_assert_eq!(again, sample);
    }
}
