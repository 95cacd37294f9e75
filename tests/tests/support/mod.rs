//! Sample events built from the catalogue's own IR, so that every event version is covered
//! without hand-written fixtures going stale.

#![allow(dead_code)]

use std::path::Path;

use chrono::{SecondsFormat, TimeZone, Utc};
use event_codegen::ir::{Catalogue, Field, FieldType, NamedType, VersionDef};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// The catalogue of `schemas/`.
pub fn catalogue() -> Catalogue {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    event_codegen::load_dir(&dir)
        .expect("schemas are readable")
        .into_result()
        .expect("schemas are valid")
}

/// A value for a string field with a pattern. Add a line here when the catalogue gains a
/// pattern.
fn sample_for_pattern(pattern: &str) -> &'static str {
    match pattern {
        r"\d{6}-\d{3}" => "250926-001",
        other => panic!("no sample for pattern `{other}`: add one to tests/tests/support/mod.rs"),
    }
}

/// A valid JSON value for a field, deterministic.
pub fn sample_field(field: &Field, catalogue: &Catalogue) -> Value {
    sample_type(&field.ty, Some(field), catalogue)
}

fn sample_type(ty: &FieldType, field: Option<&Field>, catalogue: &Catalogue) -> Value {
    let constraints = field
        .map(|field| field.constraints.clone())
        .unwrap_or_default();
    match ty {
        FieldType::String => {
            if let Some(pattern) = &constraints.pattern {
                return json!(sample_for_pattern(pattern));
            }
            let min = constraints.min_length.unwrap_or(0).max(1);
            let max = constraints.max_length.unwrap_or(usize::MAX).max(min);
            let text: String = "Sample text for a field"
                .chars()
                .cycle()
                .take(min.max(12).min(max))
                .collect();
            json!(text)
        }
        FieldType::Bool => json!(true),
        FieldType::Int32 | FieldType::Int64 => {
            let value = 7_f64
                .max(constraints.min.unwrap_or(f64::MIN))
                .min(constraints.max.unwrap_or(f64::MAX));
            json!(value as i64)
        }
        FieldType::Float64 => {
            let value = 1.5_f64
                .max(constraints.min.unwrap_or(f64::MIN))
                .min(constraints.max.unwrap_or(f64::MAX));
            json!(value)
        }
        FieldType::Uuid => json!("0191d3a4-5b6c-7d8e-9f00-112233445566"),
        FieldType::DateTime => json!("2025-09-26T10:30:00Z"),
        FieldType::Date => json!("2025-09-26"),
        FieldType::Decimal => json!("12.50"),
        FieldType::Json => json!({"key": "value", "count": 2}),
        FieldType::List(item) => json!([
            sample_type(item, None, catalogue),
            sample_type(item, None, catalogue)
        ]),
        FieldType::Map(value) => json!({"first": sample_type(value, None, catalogue)}),
        FieldType::Enum(name) => match catalogue.types.get(name) {
            Some(NamedType::Enum(def)) => json!(
                def.values
                    .last()
                    .map(|v| v.wire.clone())
                    .unwrap_or_default()
            ),
            _ => panic!("enum {name} not in catalogue"),
        },
        FieldType::Record(name) => match catalogue.types.get(name) {
            Some(NamedType::Record(def)) => Value::Object(
                def.fields
                    .iter()
                    .map(|field| (field.name.clone(), sample_field(field, catalogue)))
                    .collect(),
            ),
            _ => panic!("record {name} not in catalogue"),
        },
    }
}

/// The envelope keys of a sample event, as our publisher writes them.
pub fn envelope(event_type: &str, version: &VersionDef) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("event_type".into(), json!(event_type));
    map.insert("version".into(), json!(format!("v{}", version.number)));
    map.insert(
        "event_id".into(),
        json!("0191d3a4-5b6c-7d8e-9f00-aabbccddeeff"),
    );
    map.insert("timestamp".into(), json!("2025-09-26T10:30:00.123Z"));
    map.insert("source_service".into(), json!("tests"));
    map.insert("correlation_id".into(), json!("req-789"));
    map.insert("user_id".into(), json!(12345));
    map.insert(
        "metadata".into(),
        json!({"registration_source": "telegram"}),
    );
    map
}

/// A complete, valid wire JSON object of one event version, every field present.
pub fn sample_event(catalogue: &Catalogue, event_type: &str, version: &VersionDef) -> Value {
    let mut map = envelope(event_type, version);
    for field in &version.fields {
        map.insert(field.name.clone(), sample_field(field, catalogue));
    }
    Value::Object(map)
}

/// A proptest strategy for valid values of one field.
pub fn field_strategy(field: &Field, catalogue: &Catalogue) -> BoxedStrategy<Value> {
    let value = type_strategy(&field.ty, Some(field), catalogue);
    if field.optional {
        prop_oneof![1 => Just(Value::Null), 3 => value].boxed()
    } else {
        value
    }
}

fn type_strategy(
    ty: &FieldType,
    field: Option<&Field>,
    catalogue: &Catalogue,
) -> BoxedStrategy<Value> {
    let constraints = field
        .map(|field| field.constraints.clone())
        .unwrap_or_default();
    match ty {
        FieldType::String => {
            if constraints.pattern.is_some() {
                return (0..1_000_000u32, 0..1000u32)
                    .prop_map(|(day, number)| json!(format!("{day:06}-{number:03}")))
                    .boxed();
            }
            let min = constraints
                .min_length
                .unwrap_or(0)
                .max(usize::from(constraints.non_empty));
            let max = constraints.max_length.unwrap_or(40).min(40).max(min);
            proptest::collection::vec(any::<char>(), min..=max)
                .prop_map(|chars| json!(chars.into_iter().collect::<String>()))
                .boxed()
        }
        FieldType::Bool => any::<bool>().prop_map(|b| json!(b)).boxed(),
        FieldType::Int32 => {
            let min = constraints.min.map_or(i64::from(i32::MIN), |m| m as i64);
            let max = constraints.max.map_or(i64::from(i32::MAX), |m| m as i64);
            (min..=max).prop_map(|n| json!(n)).boxed()
        }
        FieldType::Int64 => {
            let min = constraints.min.map_or(i64::MIN, |m| m as i64);
            let max = constraints.max.map_or(i64::MAX, |m| m as i64);
            (min..=max).prop_map(|n| json!(n)).boxed()
        }
        FieldType::Float64 => {
            let min = constraints.min.unwrap_or(-1e12);
            let max = constraints.max.unwrap_or(1e12);
            (min..=max).prop_map(|n| json!(n)).boxed()
        }
        FieldType::Uuid => any::<u128>()
            .prop_map(|n| json!(uuid::Uuid::from_u128(n).to_string()))
            .boxed(),
        FieldType::DateTime => (0i64..4_102_444_800, 0u32..1_000_000_000)
            .prop_map(|(seconds, nanos)| {
                let time = Utc
                    .timestamp_opt(seconds, nanos)
                    .single()
                    .expect("in range");
                json!(time.to_rfc3339_opts(SecondsFormat::AutoSi, true))
            })
            .boxed(),
        FieldType::Date => (0i64..100_000)
            .prop_map(|days| {
                let date = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("date")
                    + chrono::Days::new(days as u64);
                json!(date.to_string())
            })
            .boxed(),
        FieldType::Decimal => (any::<i64>(), 0u32..1000)
            .prop_map(|(whole, fraction)| json!(format!("{whole}.{fraction:03}")))
            .boxed(),
        FieldType::Json => proptest::collection::btree_map("[a-z]{1,8}", any::<i32>(), 0..4)
            .prop_map(|map| json!(map))
            .boxed(),
        FieldType::List(item) => {
            let min = usize::from(constraints.non_empty);
            let max = constraints.max_items.unwrap_or(4).min(4).max(min);
            proptest::collection::vec(type_strategy(item, None, catalogue), min..=max)
                .prop_map(Value::Array)
                .boxed()
        }
        FieldType::Map(value) => {
            let min = usize::from(constraints.non_empty);
            let max = constraints.max_items.unwrap_or(4).min(4).max(min);
            proptest::collection::btree_map(
                "[a-z]{1,8}",
                type_strategy(value, None, catalogue),
                min..=max,
            )
            .prop_map(|map| Value::Object(map.into_iter().collect()))
            .boxed()
        }
        FieldType::Enum(name) => match catalogue.types.get(name) {
            Some(NamedType::Enum(def)) => {
                let values: Vec<Value> = def.values.iter().map(|v| json!(v.wire)).collect();
                proptest::sample::select(values).boxed()
            }
            _ => panic!("enum {name} not in catalogue"),
        },
        FieldType::Record(name) => match catalogue.types.get(name) {
            Some(NamedType::Record(def)) => {
                let strategies: Vec<(String, BoxedStrategy<Value>)> = def
                    .fields
                    .iter()
                    .map(|field| (field.name.clone(), field_strategy(field, catalogue)))
                    .collect();
                object_strategy(strategies)
            }
            _ => panic!("record {name} not in catalogue"),
        },
    }
}

/// A strategy for a JSON object with the given field strategies.
pub fn object_strategy(fields: Vec<(String, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
    let (names, strategies): (Vec<String>, Vec<BoxedStrategy<Value>>) = fields.into_iter().unzip();
    strategies
        .prop_map(move |values| Value::Object(names.iter().cloned().zip(values).collect()))
        .boxed()
}
