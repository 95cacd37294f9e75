//! The exported JSON Schemas (`events export jsonschema`) agree with the generated code: they
//! accept every event our encoder writes and every event of the original services (naive
//! timestamps included), and reject what our decoder rejects. Checked with an independent
//! validator (boon, JSON Schema 2020-12, format assertions on).

mod support;

use event_codegen::export::jsonschema;
use event_codegen::ir::{Catalogue, EventDef, FieldType, NamedType, VersionDef};
use event_runtime::Registry;
use event_tests::events;
use serde_json::{Value, json};

struct Validator {
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

impl Validator {
    fn new(catalogue: &Catalogue, event: &EventDef, version: &VersionDef) -> Self {
        let schema = jsonschema::event_version(catalogue, event, version);
        let id = schema["$id"]
            .as_str()
            .expect("the schema has an $id")
            .to_owned();
        let mut compiler = boon::Compiler::new();
        compiler.enable_format_assertions();
        compiler
            .add_resource(&id, schema)
            .unwrap_or_else(|error| panic!("{id}: {error}"));
        let mut schemas = boon::Schemas::new();
        let index = compiler
            .compile(&id, &mut schemas)
            .unwrap_or_else(|error| panic!("{id} is not a valid JSON Schema: {error:?}"));
        Self { schemas, index }
    }

    fn accepts(&self, value: &Value) -> Result<(), String> {
        self.schemas
            .validate(value, self.index)
            .map_err(|error| format!("{error}"))
    }
}

fn decode(registry: &Registry, event: &str, version: u32, value: &Value) -> Result<Value, String> {
    registry
        .decode(event, &format!("v{version}"), &value.to_string())
        .map_err(|error| error.to_string())
        .map(|decoded| {
            serde_json::from_str(&decoded.to_json().expect("encodes")).expect("our JSON parses")
        })
}

#[test]
fn schemas_accept_every_encoded_event_full_and_minimal() {
    let catalogue = support::catalogue();
    let registry = events::registry();
    let mut checked = 0;
    for (name, event) in &catalogue.events {
        for version in &event.versions {
            let validator = Validator::new(&catalogue, event, version);
            let full = support::sample_event(&catalogue, name, version);
            let mut minimal = full.clone();
            let object = minimal.as_object_mut().expect("object");
            for field in &version.fields {
                if field.optional || field.default.is_some() {
                    object.remove(&field.name);
                }
            }
            for key in ["source_service", "correlation_id", "metadata"] {
                object.remove(key);
            }
            if version.requires_user_id.is_none() {
                object.remove("user_id");
            }
            for sample in [full, minimal] {
                validator.accepts(&sample).unwrap_or_else(|error| {
                    panic!("{name} v{}: sample rejected: {error}", version.number)
                });
                let encoded = decode(&registry, name, version.number, &sample)
                    .unwrap_or_else(|error| panic!("{name} v{}: {error}", version.number));
                validator.accepts(&encoded).unwrap_or_else(|error| {
                    panic!(
                        "{name} v{}: encoded event rejected: {error}\n{encoded:#}",
                        version.number
                    )
                });
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 50, "every version, full and minimal");
}

/// A value of the wrong JSON type for a field.
fn wrong_type(ty: &FieldType) -> Value {
    match ty {
        FieldType::String
        | FieldType::Uuid
        | FieldType::DateTime
        | FieldType::Date
        | FieldType::Decimal
        | FieldType::Enum(_) => json!(42),
        FieldType::Bool | FieldType::Int32 | FieldType::Int64 | FieldType::Float64 => {
            json!("not a number")
        }
        // Not an array for records: serde reads a struct from a sequence of its fields too.
        FieldType::Json | FieldType::Map(_) => json!([1, 2]),
        FieldType::Record(_) => json!("not an object"),
        FieldType::List(_) => json!({"not": "a list"}),
    }
}

/// Invalid variants of a valid sample, each with what it breaks.
fn mutations(catalogue: &Catalogue, version: &VersionDef, sample: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let with = |key: &str, value: Option<Value>| {
        let mut copy = sample.clone();
        let object = copy.as_object_mut().expect("object");
        match value {
            Some(value) => object.insert(key.to_owned(), value),
            None => object.remove(key),
        };
        copy
    };
    out.push(("no event_id".into(), with("event_id", None)));
    out.push((
        "event_id not a string".into(),
        with("event_id", Some(json!(42))),
    ));
    out.push((
        "bad timestamp".into(),
        with("timestamp", Some(json!("yesterday"))),
    ));
    if version.requires_user_id.is_some() {
        out.push(("no user_id".into(), with("user_id", None)));
    }
    for field in &version.fields {
        let name = &field.name;
        if !field.optional && field.default.is_none() {
            out.push((format!("no {name}"), with(name, None)));
        }
        if !field.optional {
            out.push((format!("null {name}"), with(name, Some(Value::Null))));
        }
        out.push((
            format!("wrong type of {name}"),
            with(name, Some(wrong_type(&field.ty))),
        ));
        let c = &field.constraints;
        if let Some(max) = c.max_length {
            out.push((
                format!("{name} too long"),
                with(name, Some(json!("x".repeat(max + 1)))),
            ));
        }
        if let Some(min) = c.min {
            out.push((
                format!("{name} too small"),
                with(name, Some(json!(min as i64 - 1))),
            ));
        }
        if let Some(max) = c.max {
            out.push((
                format!("{name} too large"),
                with(name, Some(json!(max as i64 + 1))),
            ));
        }
        if c.non_empty {
            let empty = match field.ty {
                FieldType::String => json!(""),
                FieldType::List(_) => json!([]),
                _ => json!({}),
            };
            out.push((format!("{name} empty"), with(name, Some(empty))));
        }
        if let Some(max) = c.max_items {
            let items: Vec<Value> = (0..=max)
                .map(|_| sample[name.as_str()][0].clone())
                .collect();
            if matches!(field.ty, FieldType::List(_)) {
                out.push((
                    format!("{name} too many items"),
                    with(name, Some(json!(items))),
                ));
            }
        }
        if c.pattern.is_some() {
            out.push((
                format!("{name} not matching its pattern"),
                with(name, Some(json!("nope"))),
            ));
        }
        if let FieldType::Enum(enum_name) = &field.ty {
            if let Some(NamedType::Enum(def)) = catalogue.types.get(enum_name) {
                if !def.open {
                    out.push((
                        format!("{name} unknown enum value"),
                        with(name, Some(json!("no_such_value"))),
                    ));
                }
            }
        }
        if field.ty == FieldType::Decimal {
            out.push((
                format!("{name} not a decimal"),
                with(name, Some(json!("1e5"))),
            ));
        }
    }
    out
}

#[test]
fn schemas_reject_what_the_decoder_rejects() {
    let catalogue = support::catalogue();
    let registry = events::registry();
    let mut checked = 0;
    for (name, event) in &catalogue.events {
        for version in &event.versions {
            let validator = Validator::new(&catalogue, event, version);
            let sample = support::sample_event(&catalogue, name, version);
            for (what, invalid) in mutations(&catalogue, version, &sample) {
                let decoded = decode(&registry, name, version.number, &invalid);
                assert!(
                    decoded.is_err(),
                    "{name} v{} ({what}): the decoder accepted it",
                    version.number
                );
                assert!(
                    validator.accepts(&invalid).is_err(),
                    "{name} v{} ({what}): the schema accepted what the decoder rejects: {}",
                    version.number,
                    decoded.err().unwrap_or_default()
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 300, "only {checked} invalid events checked");
}

/// Events as the original Python services wrote them: naive timestamps (`isoformat()` of a
/// naive datetime, with and without microseconds), explicit nulls, values no comment lists.
#[test]
fn original_events_with_naive_timestamps_validate() {
    let catalogue = support::catalogue();
    let registry = events::registry();
    let envelope = |event_type: &str, user_id: Value| {
        json!({
            "event_id": "123e4567-e89b-12d3-a456-426614174000",
            "event_type": event_type,
            "version": "v1",
            "timestamp": "2025-09-26T10:30:00.123456",
            "source_service": "users-service",
            "correlation_id": null,
            "user_id": user_id,
            "metadata": null,
        })
    };
    let with = |mut base: Value, payload: Value| {
        let object = base.as_object_mut().expect("object");
        object.extend(payload.as_object().expect("object").clone());
        base
    };
    let cases = [
        with(
            envelope("user.created", json!(123)),
            json!({
                "telegram_id": 0, "username": null, "first_name": "", "last_name": null,
                "phone_number": null, "role": "superintendent", "specializations": [],
                "is_verified": false
            }),
        ),
        with(
            envelope("shift.created", Value::Null),
            json!({
                "shift_id": 1, "executor_id": 2, "date": "2025-09-26T00:00:00",
                "start_time": "2025-09-26T08:00:00", "end_time": "2025-09-26T20:00:00.5",
                "specialization": "plumbing", "template_id": null, "created_by": null
            }),
        ),
        with(
            envelope("request.assigned", json!(7)),
            json!({
                "request_number": "R-17", "executor_id": 5, "assigned_by": 1,
                "assignment_method": "round_robin",
                "estimated_completion": "2025-09-27T18:00:00", "priority_score": -1.5
            }),
        ),
    ];
    for event in cases {
        let name = event["event_type"].as_str().expect("type").to_owned();
        let definition = &catalogue.events[&name];
        let validator = Validator::new(&catalogue, definition, &definition.versions[0]);
        decode(&registry, &name, 1, &event)
            .unwrap_or_else(|error| panic!("{name}: the decoder rejects it: {error}"));
        validator
            .accepts(&event)
            .unwrap_or_else(|error| panic!("{name}: the schema rejects it: {error}\n{event:#}"));
    }
}

/// For timestamps, the schema and the decoder agree, in the envelope and in a payload field.
#[test]
fn the_schema_accepts_exactly_the_timestamps_the_decoder_accepts() {
    let catalogue = support::catalogue();
    let registry = events::registry();
    let name = "assignment.accepted";
    let definition = &catalogue.events[name];
    let version = &definition.versions[0];
    let validator = Validator::new(&catalogue, definition, version);
    let sample = support::sample_event(&catalogue, name, version);
    let accepted = [
        "2025-09-26T10:30:00",
        "2025-09-26T00:00:00",
        "2025-09-26T10:30:00.123456",
        "2025-09-26 10:30:00",
        "2025-09-26 10:30:00.5",
        "2025-09-26T10:30:00Z",
        "2025-09-26T10:30:00.123456789Z",
        "2025-09-26T12:30:00+02:00",
        "2025-09-26T10:30:00.25-05:30",
    ];
    let rejected = [
        "",
        "yesterday",
        "2025-09-26",
        "2025-09-26T10:30",
        "2025-13-01T00:00:00",
        "2025-09-26T24:00:00",
        "2025-09-26T10:30:00+2",
        "2025-09-26T10:30:00 UTC",
    ];
    for (timestamp, expected) in accepted
        .iter()
        .map(|t| (t, true))
        .chain(rejected.iter().map(|t| (t, false)))
    {
        for key in ["timestamp", "accepted_at"] {
            let mut event = sample.clone();
            event[key] = json!(timestamp);
            let decoder = decode(&registry, name, 1, &event);
            let schema = validator.accepts(&event);
            assert_eq!(
                decoder.is_ok(),
                expected,
                "decoder, {key} = {timestamp:?}: {decoder:?}"
            );
            assert_eq!(
                schema.is_ok(),
                expected,
                "schema, {key} = {timestamp:?}: {schema:?}"
            );
        }
    }
}
