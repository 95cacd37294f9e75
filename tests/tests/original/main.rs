//! `v1` of the 16 types the original Python services defined accepts exactly their contracts
//! (`tests/contracts/original.json`, from ORIGINAL-CONTRACTS.md), and what we write satisfies
//! them:
//!
//! - the schemas: every v1 field has the contract's name, type and optionality, and no check
//!   the original lacked;
//! - original -> us: random events in the original's exact entry format (stream fields
//!   `event_id`, `event_data`, `timestamp`; `event_data` as pydantic's `.json()`) with any
//!   value the Python types allow decode through the subscriber's entry parsing and the
//!   generated registry, validate, keep their values, and upgrade to the latest version;
//!   the exported JSON Schema of their v1 accepts them too;
//! - us -> original: every v1 event our encoder and publisher write is read by the original
//!   model (names, JSON types, required fields present and non-null, timestamps that Python
//!   3.11's `datetime.fromisoformat` reads).

#[path = "../support/mod.rs"]
mod support;

mod contract;
mod generate;
mod python;
mod runtime;
mod schemas;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;
use std::time::Duration;

use chrono::SecondsFormat;
use event_codegen::ir::{Catalogue, DefaultValue, Field, FieldType, NamedType};
use event_runtime::memory::MemoryBroker;
use event_runtime::wire::parse_entry;
use event_runtime::{Config, Envelope, Event, HandlerError, Publisher, Subscriber};
use event_tests::events;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};

use contract::{Py, Table};
use generate::OriginalEvent;

const MAX_EVENT_SIZE: usize = 1 << 20;

/// Loaded once for all proptest cases.
static TABLE: LazyLock<Table> = LazyLock::new(Table::load);
static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(support::catalogue);
static REGISTRY: LazyLock<event_runtime::Registry> = LazyLock::new(events::registry);
/// The exported JSON Schema of each original type's v1, compiled (boon, formats asserted).
static JSON_SCHEMAS: LazyLock<BTreeMap<String, (boon::Schemas, boon::SchemaIndex)>> =
    LazyLock::new(|| {
        TABLE
            .events
            .iter()
            .map(|contract| {
                let event = &CATALOGUE.events[&contract.event_type];
                let schema = event_codegen::export::jsonschema::event_version(
                    &CATALOGUE,
                    event,
                    &event.versions[0],
                );
                let id = schema["$id"].as_str().expect("an $id").to_owned();
                let mut compiler = boon::Compiler::new();
                compiler.enable_format_assertions();
                compiler.add_resource(&id, schema).expect("a resource");
                let mut schemas = boon::Schemas::new();
                let index = compiler.compile(&id, &mut schemas).expect("a valid schema");
                (contract.event_type.clone(), (schemas, index))
            })
            .collect()
    });

/// The event types with more than one version, whose upgrade the forward test checks field by
/// field (`upgraded_values`). A new version of an original type must be added there.
const UPGRADED: [&str; 3] = ["request.created", "shift.transferred", "user.created"];

/// `original` (as the original wrote it; `None`: absent) and `ours` (our re-encoding) hold
/// the same value of Python type `py`.
fn same_value(name: &str, py: &Py, original: Option<&Value>, ours: Option<&Value>) -> bool {
    let original = original.filter(|value| !value.is_null());
    let ours = ours.filter(|value| !value.is_null());
    match (original, ours) {
        (None, None) => true,
        // `bool = False` absent; `metadata` None is read as `{}`.
        (None, Some(Value::Bool(false))) => *py == Py::Bool,
        (None, Some(Value::Object(map))) => name == "metadata" && map.is_empty(),
        (Some(original), Some(ours)) => match py {
            Py::Optional(inner) => same_value(name, inner, Some(original), Some(ours)),
            Py::DateTime => {
                let instant = |value: &Value| value.as_str().and_then(python::instant_micros);
                instant(original).is_some() && instant(original) == instant(ours)
            }
            Py::Float => original.as_f64() == ours.as_f64(),
            _ => original == ours,
        },
        _ => false,
    }
}

fn decode_entry(
    event: &OriginalEvent,
    registry: &event_runtime::Registry,
    to: u32,
) -> Result<Value, String> {
    let stream = format!("events:{}", event.event_type);
    let head = parse_entry(&event.event_type, &stream, &event.entry, MAX_EVENT_SIZE)
        .map_err(|error| format!("entry refused: {error}"))?;
    if head.version != 1 {
        return Err(format!("read as v{}", head.version));
    }
    let decoded = registry
        .decode_as(&event.event_type, head.version, head.event_data, to)
        .map_err(|error| format!("v1 -> v{to}: {error}"))?;
    decoded
        .validate()
        .map_err(|error| format!("v{to} invalid: {error}"))?;
    serde_json::from_str(&decoded.to_json().map_err(|error| error.to_string())?)
        .map_err(|error| error.to_string())
}

/// The values the migrations compute from an original event, checked against their rule.
fn upgraded_values(event: &OriginalEvent, latest: &Value) -> Result<(), String> {
    let text = |name: &str| event.get(name).and_then(Value::as_str).unwrap_or_default();
    let expect = |field: &str, wanted: Value| {
        if latest[field] == wanted {
            Ok(())
        } else {
            Err(format!(
                "upgraded `{field}` is {}, expected {wanted}",
                latest[field]
            ))
        }
    };
    match event.event_type.as_str() {
        "request.created" => {
            let priority = match text("urgency") {
                "medium" => "normal",
                "critical" => "emergency",
                other => other,
            };
            expect("priority", json!(priority))?;
            expect("coordinates", Value::Null)
        }
        "shift.transferred" => {
            expect(
                "requested_by",
                event.get("from_executor_id").cloned().into(),
            )?;
            let same = same_value(
                "transferred_at",
                &Py::DateTime,
                event.get("transfer_date"),
                latest.get("transferred_at"),
            );
            same.then_some(())
                .ok_or_else(|| "transferred_at is not transfer_date".to_owned())
        }
        "user.created" => {
            let full_name = format!("{} {}", text("first_name"), text("last_name"));
            expect("full_name", json!(full_name.trim()))?;
            expect("permissions", json!([]))
        }
        _ => Ok(()),
    }
}

fn check_original_event(
    table: &Table,
    catalogue: &Catalogue,
    registry: &event_runtime::Registry,
    event: &OriginalEvent,
) -> Result<(), String> {
    let contract = table.contract(&event.event_type).expect("a contract");
    let fields = table.all_fields(contract);
    // The exported JSON Schema accepts it, as the decoder does.
    let (schemas, index) = &JSON_SCHEMAS[&event.event_type];
    let data: Value = serde_json::from_str(&event.event_data).expect("Python's JSON parses");
    schemas
        .validate(&data, *index)
        .map_err(|error| format!("the exported JSON Schema rejects it: {error}"))?;
    // As v1: decodes, validates, and keeps every value.
    let v1 = decode_entry(event, registry, 1)?;
    for field in &fields {
        if !same_value(
            &field.name,
            &field.ty(),
            event.get(&field.name),
            v1.get(&field.name),
        ) {
            return Err(format!(
                "`{}` was {:?}, read as {:?}",
                field.name,
                event.get(&field.name),
                v1.get(&field.name)
            ));
        }
    }
    // As the latest version: upgrades (the migrations are total) and keeps what it copies.
    let definition = &catalogue.events[&event.event_type];
    let latest_version = definition.latest().expect("versions");
    if latest_version.number == 1 {
        return Ok(());
    }
    let latest = decode_entry(event, registry, latest_version.number)?;
    for field in &fields {
        // Envelope fields and payload fields of the same name are carried over as they were.
        let name = field.name.as_str();
        let kept = (event_runtime::ENVELOPE_FIELDS.contains(&name)
            && !["event_type", "version"].contains(&name))
            || latest_version
                .fields
                .iter()
                .any(|latest| latest.name == name);
        if kept
            && !same_value(
                &field.name,
                &field.ty(),
                event.get(&field.name),
                latest.get(&field.name),
            )
        {
            return Err(format!(
                "`{}` was {:?}, upgraded to {:?}",
                field.name,
                event.get(&field.name),
                latest.get(&field.name)
            ));
        }
    }
    upgraded_values(event, &latest)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// Original -> us.
    #[test]
    fn original_entries_decode_validate_and_upgrade(
        event in generate::any_original_event(&TABLE)
    ) {
        check_original_event(&TABLE, &CATALOGUE, &REGISTRY, &event).map_err(|error| {
            TestCaseError::fail(format!(
                "{}: {error}\nevent_data: {}",
                event.event_type, event.event_data
            ))
        })?;
    }
}

/// Our v1 events of the original types, with valid random values (any the schema allows) and
/// envelopes as our publisher fills them.
fn our_v1_event(table: &Table, catalogue: &Catalogue) -> BoxedStrategy<(String, Value)> {
    let choices: Vec<BoxedStrategy<(String, Value)>> = table
        .events
        .iter()
        .map(|contract| {
            let name = contract.event_type.clone();
            let v1 = &catalogue.events[&name].versions[0];
            let payload = support::object_strategy(
                v1.fields
                    .iter()
                    .map(|field| {
                        (
                            field.name.clone(),
                            support::field_strategy(field, catalogue),
                        )
                    })
                    .collect(),
            );
            let user_id = if v1.requires_user_id.is_some() {
                generate::ints().prop_map(|id| json!(id)).boxed()
            } else {
                prop_oneof![Just(Value::Null), generate::ints().prop_map(|id| json!(id))].boxed()
            };
            let envelope = (
                generate::our_timestamps(),
                generate::texts(&[]),
                proptest::option::of(generate::texts(&[])),
                user_id,
                generate::dicts(),
                any::<u128>(),
            );
            (envelope, payload)
                .prop_map(
                    move |((timestamp, source, correlation, user_id, metadata, id), payload)| {
                        let mut object = serde_json::Map::new();
                        object.insert("event_type".into(), json!(name));
                        object.insert("version".into(), json!("v1"));
                        object.insert(
                            "event_id".into(),
                            json!(uuid::Uuid::from_u128(id).to_string()),
                        );
                        object.insert(
                            "timestamp".into(),
                            json!(timestamp.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
                        );
                        object.insert("source_service".into(), json!(source));
                        object.insert("correlation_id".into(), json!(correlation));
                        object.insert("user_id".into(), user_id);
                        object.insert("metadata".into(), metadata);
                        object.extend(payload.as_object().cloned().unwrap_or_default());
                        (name.clone(), Value::Object(object))
                    },
                )
                .boxed()
        })
        .collect();
    proptest::strategy::Union::new(choices).boxed()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// Us -> original.
    #[test]
    fn our_v1_events_satisfy_the_original_contract(
        (event_type, sample) in our_v1_event(&TABLE, &CATALOGUE)
    ) {
        let decoded = REGISTRY
            .decode(&event_type, "v1", &sample.to_string())
            .map_err(|error| TestCaseError::fail(format!("{event_type}: {error}")))?;
        let encoded: Value = serde_json::from_str(&decoded.to_json().expect("encodes"))
            .expect("our JSON parses");
        TABLE
            .check(&event_type, &encoded)
            .map_err(|error| TestCaseError::fail(format!("{event_type}: {error}\n{encoded}")))?;
    }
}
