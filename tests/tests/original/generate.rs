//! Random events exactly as the original services wrote them, from the contract table: any
//! value each Python type allows, not only the values our schemas had in mind.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime};
use proptest::prelude::*;
use proptest::strategy::Union;
use serde_json::{Map, Value, json};

use crate::contract::{Contract, ContractField, Py, Table};
use crate::python;

/// One event as the original publisher wrote it to `events:<type>`.
#[derive(Debug, Clone)]
pub struct OriginalEvent {
    /// `user.created`.
    pub event_type: String,
    /// The model's fields in class order, absent ones left out: what `event_data` holds.
    pub fields: Vec<(String, Value)>,
    /// `event_data` as pydantic's `.json()` wrote it.
    pub event_data: String,
    /// The stream entry: `event_id`, `event_data`, `timestamp`, as the original wrote them.
    pub entry: Vec<(String, Vec<u8>)>,
}

impl OriginalEvent {
    /// A field's value, `None` when absent.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }
}

/// Any original event of any of the contract's types.
pub fn any_original_event(table: &Table) -> BoxedStrategy<OriginalEvent> {
    Union::new(
        table
            .events
            .iter()
            .map(|contract| original_event(table, contract)),
    )
    .boxed()
}

/// An original event of one type.
pub fn original_event(table: &Table, contract: &Contract) -> BoxedStrategy<OriginalEvent> {
    let fields = table.all_fields(contract);
    let names: Vec<String> = fields.iter().map(|field| field.name.clone()).collect();
    let values: Vec<BoxedStrategy<Option<Value>>> = fields
        .iter()
        .map(|field| field_value(field, &contract.event_type))
        .collect();
    let event_type = contract.event_type.clone();
    (values, any::<bool>())
        .prop_map(move |(values, ensure_ascii)| {
            let fields: Vec<(String, Value)> = names
                .iter()
                .cloned()
                .zip(values)
                .filter_map(|(name, value)| value.map(|value| (name, value)))
                .collect();
            let event_data = python::dumps_object(&fields, ensure_ascii);
            let text = |name: &str| {
                fields
                    .iter()
                    .find(|(key, _)| key == name)
                    .and_then(|(_, value)| value.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            // `xadd(stream, {"event_id": event.event_id, "event_data": event.json(),
            // "timestamp": event.timestamp.isoformat()})`
            let entry = vec![
                ("event_id".to_owned(), text("event_id").into_bytes()),
                ("event_data".to_owned(), event_data.clone().into_bytes()),
                ("timestamp".to_owned(), text("timestamp").into_bytes()),
            ];
            OriginalEvent {
                event_type: event_type.clone(),
                fields,
                event_data,
                entry,
            }
        })
        .boxed()
}

/// A field's value as the original wrote it; `None`: the key is absent.
fn field_value(field: &ContractField, event_type: &str) -> BoxedStrategy<Option<Value>> {
    match field.name.as_str() {
        "event_type" => return Just(Some(json!(event_type))).boxed(),
        "version" => return Just(Some(json!("v1"))).boxed(),
        // `event_id: str`: the original wrote `str(uuid4())`, but any string is the contract.
        "event_id" => {
            return prop_oneof![
                3 => any::<u128>().prop_map(|bits| uuid::Uuid::from_u128(bits).to_string()),
                1 => texts(&[]),
            ]
            .prop_map(|id| Some(json!(id)))
            .boxed();
        }
        _ => {}
    }
    let listed = field.listed_values();
    match field.ty() {
        // pydantic's `.json()` writes None as null; other producers leave the key out.
        Py::Optional(inner) => prop_oneof![
            1 => Just(None),
            2 => Just(Some(Value::Null)),
            4 => value(&inner, &listed).prop_map(Some),
        ]
        .boxed(),
        ty if field.required => value(&ty, &listed).prop_map(Some).boxed(),
        // `bool = False`: may be absent.
        ty => prop_oneof![1 => Just(None), 3 => value(&ty, &listed).prop_map(Some)].boxed(),
    }
}

/// Any value of a Python type, as JSON.
fn value(ty: &Py, listed: &[String]) -> BoxedStrategy<Value> {
    match ty {
        Py::Int => ints().prop_map(|n| json!(n)).boxed(),
        Py::Float => floats().prop_map(|x| json!(x)).boxed(),
        Py::Str => texts(listed).prop_map(Value::String).boxed(),
        Py::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Py::DateTime => timestamps().prop_map(Value::String).boxed(),
        Py::List(item) => prop_oneof![
            1 => Just(json!([])),
            4 => proptest::collection::vec(value(item, listed), 1..6).prop_map(Value::Array),
        ]
        .boxed(),
        Py::Dict => dicts().boxed(),
        Py::Optional(inner) => prop_oneof![
            1 => Just(Value::Null),
            3 => value(inner, listed),
        ]
        .boxed(),
    }
}

/// Python ints within the signed 64-bit range: zero, negative, the extremes, anything.
pub fn ints() -> BoxedStrategy<i64> {
    prop_oneof![
        Just(0),
        Just(-1),
        Just(i64::MIN),
        Just(i64::MAX),
        -1000i64..1000,
        any::<i64>(),
    ]
    .boxed()
}

/// Finite Python floats: zeros, integral values, fractions, huge and tiny magnitudes.
pub fn floats() -> BoxedStrategy<f64> {
    use proptest::num::f64::{NEGATIVE, NORMAL, POSITIVE, SUBNORMAL, ZERO};
    prop_oneof![
        Just(0.0),
        Just(-0.0),
        (-10_000i64..10_000).prop_map(|n| n as f64),
        -1e6..1e6f64,
        POSITIVE | NEGATIVE | NORMAL | SUBNORMAL | ZERO,
    ]
    .boxed()
}

/// Any Python `str`: empty, blank, short, hundreds of characters, non-ASCII, control
/// characters, the values a comment lists and values it does not.
pub fn texts(listed: &[String]) -> BoxedStrategy<String> {
    let mut choices: Vec<(u32, BoxedStrategy<String>)> = vec![
        (1, Just(String::new()).boxed()),
        (
            1,
            proptest::sample::select(vec![
                " ",
                "\t\n",
                "None",
                "null",
                "0",
                "Жилец из кв. 41 — течёт кран",
                "東京都 🚰 水漏れ",
                "\"quoted\" \\ back\\slash",
                "HIGH",
                "low ",
                "unknown",
            ])
            .prop_map(str::to_owned)
            .boxed(),
        ),
        (2, "[a-z_]{1,16}".boxed()),
        (
            4,
            proptest::collection::vec(any::<char>(), 1..40)
                .prop_map(String::from_iter)
                .boxed(),
        ),
        (
            1,
            proptest::collection::vec(any::<char>(), 200..700)
                .prop_map(String::from_iter)
                .boxed(),
        ),
    ];
    if !listed.is_empty() {
        choices.push((4, proptest::sample::select(listed.to_vec()).boxed()));
    }
    Union::new_weighted(choices).boxed()
}

/// A `datetime` as the original wrote it: `isoformat()` of a naive datetime (no offset; with
/// a fraction only when microseconds are not 0), the midnight of a day, or of an aware one
/// (`+HH:MM`).
pub fn timestamps() -> BoxedStrategy<String> {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)
        .expect("date")
        .and_hms_opt(0, 0, 0)
        .expect("time");
    // 1900-01-01 .. 2199-12-31, in seconds from 1970.
    let seconds = -2_208_988_800i64..7_258_118_400;
    let micros = prop_oneof![Just(0u32), 0u32..1_000_000];
    let wall = (seconds, micros).prop_map(move |(seconds, micros)| {
        epoch + Duration::seconds(seconds) + Duration::microseconds(i64::from(micros))
    });
    prop_oneof![
        4 => wall.clone().prop_map(|wall| isoformat(wall, None)),
        1 => wall.clone().prop_map(|wall| isoformat(wall.date().and_hms_opt(0, 0, 0).expect("midnight"), None)),
        2 => (wall, -(14 * 60)..=(14 * 60)).prop_map(|(wall, minutes)| isoformat(wall, Some(minutes * 60))),
        1 => proptest::sample::select(vec![
            "0001-01-01T00:00:00".to_owned(),
            "9999-12-31T23:59:59.999999".to_owned(),
            "2025-09-26T00:00:00".to_owned(),
            "2025-09-26T10:30:00.000001".to_owned(),
        ]),
    ]
    .boxed()
}

/// Python's `datetime.isoformat()`: `YYYY-MM-DDTHH:MM:SS[.ffffff][+HH:MM]`.
pub fn isoformat(wall: NaiveDateTime, offset_seconds: Option<i32>) -> String {
    let mut text = wall.format("%Y-%m-%dT%H:%M:%S").to_string();
    let micros = wall.and_utc().timestamp_subsec_micros();
    if micros != 0 {
        text.push_str(&format!(".{micros:06}"));
    }
    if let Some(offset) = offset_seconds {
        let sign = if offset < 0 { '-' } else { '+' };
        let offset = offset.unsigned_abs();
        text.push_str(&format!(
            "{sign}{:02}:{:02}",
            offset / 3600,
            offset % 3600 / 60
        ));
    }
    text
}

/// `Dict[str, Any]`: any JSON object, nested, with any keys.
pub fn dicts() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        ints().prop_map(|n| json!(n)),
        floats().prop_map(|x| json!(x)),
        texts(&[]).prop_map(Value::String),
    ];
    let any_json = leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(texts(&[]), inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    });
    proptest::collection::btree_map(texts(&[]), any_json, 0..5)
        .prop_map(|map| Value::Object(map.into_iter().collect::<Map<String, Value>>()))
        .boxed()
}

/// A timestamp as our publisher creates one (`Utc::now()`, nanoseconds), any instant from
/// 1970 to 2100.
pub fn our_timestamps() -> BoxedStrategy<DateTime<chrono::Utc>> {
    (0i64..4_102_444_800, 0u32..1_000_000_000)
        .prop_map(|(seconds, nanos)| DateTime::from_timestamp(seconds, nanos).expect("in range"))
        .boxed()
}
