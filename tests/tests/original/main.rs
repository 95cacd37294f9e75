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

#[test]
fn the_table_holds_the_16_original_types_and_the_catalogue_the_6_others() {
    let table = Table::load();
    let catalogue = support::catalogue();
    let original: BTreeSet<&str> = table.events.iter().map(|c| c.event_type.as_str()).collect();
    assert_eq!(original.len(), 16);
    let ours: BTreeSet<&str> = catalogue.events.keys().map(String::as_str).collect();
    let not_original: Vec<&str> = ours.difference(&original).copied().collect();
    assert_eq!(
        not_original,
        [
            "assignment.completed",
            "notification.failed",
            "request.cancelled",
            "shift.assigned",
            "shift.updated",
            "user.deleted"
        ]
    );
    assert!(original.is_subset(&ours), "a contract without a schema");
    assert_eq!(
        table.stream_entry_fields,
        ["event_id", "event_data", "timestamp"]
    );
    let upgraded: Vec<&str> = original
        .iter()
        .copied()
        .filter(|name| catalogue.events[*name].versions.len() > 1)
        .collect();
    assert_eq!(
        upgraded, UPGRADED,
        "extend `upgraded_values` for a new version"
    );
}

/// Whether a schema type reads exactly the values of a Python type.
fn same_type(py: &Py, ty: &FieldType, catalogue: &Catalogue) -> bool {
    match (py, ty) {
        (Py::Int, FieldType::Int64)
        | (Py::Float, FieldType::Float64)
        | (Py::Str, FieldType::String)
        | (Py::Bool, FieldType::Bool)
        | (Py::DateTime, FieldType::DateTime)
        | (Py::Dict, FieldType::Json) => true,
        // A `str` whose comment lists values: an open enum keeps every other string.
        (Py::Str, FieldType::Enum(name)) => {
            matches!(catalogue.types.get(name), Some(NamedType::Enum(def)) if def.open)
        }
        (Py::List(a), FieldType::List(b)) => same_type(a, b, catalogue),
        _ => false,
    }
}

fn check_field(
    contract: &contract::ContractField,
    field: &Field,
    catalogue: &Catalogue,
) -> Vec<String> {
    let mut problems = Vec::new();
    let name = &field.name;
    let (py, optional) = match contract.ty() {
        Py::Optional(inner) => (*inner, true),
        other => (other, false),
    };
    if !same_type(&py, &field.ty, catalogue) {
        problems.push(format!(
            "`{name}` is `{}` for Python `{}`",
            field.ty.schema_name(),
            contract.python
        ));
    }
    if field.optional != optional {
        problems.push(format!(
            "`{name}`: optional is {}, the contract says `{}`",
            field.optional, contract.python
        ));
    }
    let required = !field.optional && field.default.is_none();
    if required != contract.required {
        problems.push(format!(
            "`{name}`: required is {required}, the contract says {}",
            contract.required
        ));
    }
    if !contract.required && !optional {
        // `bool = False`
        let expected = match &contract.default {
            Value::Bool(value) => Some(DefaultValue::Bool(*value)),
            _ => None,
        };
        if field.default != expected {
            problems.push(format!(
                "`{name}`: default {:?}, the contract's is {}",
                field.default, contract.default
            ));
        }
    }
    if !field.constraints.is_empty() {
        problems.push(format!(
            "`{name}` has checks the original never made: {:?}",
            field.constraints
        ));
    }
    if let FieldType::Enum(enum_name) = &field.ty {
        if let Some(NamedType::Enum(def)) = catalogue.types.get(enum_name) {
            for listed in contract.listed_values() {
                if !def.values.iter().any(|value| value.wire == listed) {
                    problems.push(format!(
                        "`{name}`: `{enum_name}` lacks `{listed}`, which the contract lists"
                    ));
                }
            }
        }
    }
    problems
}

#[test]
fn v1_of_each_original_type_is_its_contract() {
    let table = Table::load();
    let catalogue = support::catalogue();
    let mut problems = Vec::new();
    for contract in &table.events {
        let name = &contract.event_type;
        let v1 = &catalogue.events[name].versions[0];
        let mut seen = BTreeSet::new();
        for wanted in &contract.fields {
            seen.insert(wanted.name.as_str());
            if wanted.name == "user_id" {
                // The user events redefine the envelope's `user_id` as a required `int`.
                if v1.requires_user_id.is_none() || wanted.python != "int" || !wanted.required {
                    problems.push(format!(
                        "{name} v1: `user_id` must be the required envelope user_id"
                    ));
                }
                continue;
            }
            match v1.fields.iter().find(|field| field.name == wanted.name) {
                Some(field) => problems.extend(
                    check_field(wanted, field, &catalogue)
                        .into_iter()
                        .map(|problem| format!("{name} v1: {problem}")),
                ),
                None => problems.push(format!("{name} v1 lacks `{}`", wanted.name)),
            }
        }
        if v1.requires_user_id.is_some() && !seen.contains("user_id") {
            problems.push(format!(
                "{name} v1 requires an envelope user_id the original never sends"
            ));
        }
        for field in &v1.fields {
            if !seen.contains(field.name.as_str()) {
                problems.push(format!(
                    "{name} v1 has `{}`, which the original never sends",
                    field.name
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

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
