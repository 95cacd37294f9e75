//! Random event JSON for any version of any catalogue, from its IR: valid events (constraints
//! respected), events that break constraints, and hostile ones (wrong types, values out of
//! range, absent, `null`, duplicate and unknown keys, keys in any order, arrays for objects,
//! broken JSON), so that every decision of the decoder is exercised.
//!
//! Long on purpose: one generator per kind of value and per way of breaking it, side by side,
//! so that each decision of the decoder has its valid and its broken input next to each other.

use event_codegen::ir::{Catalogue, Constraints, Field, FieldType, NamedType, VersionDef};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Value, json};

/// One random input: event data said to be written at `version` of `event_type`.
#[derive(Debug, Clone)]
pub struct Case {
    pub event_type: String,
    pub version: u32,
    pub text: String,
}

/// JSON whose objects keep their key order and may repeat a key.
#[derive(Debug, Clone)]
enum Json {
    Plain(Value),
    Object(Vec<(String, Json)>),
    Array(Vec<Json>),
}

impl Json {
    fn render(&self, out: &mut String) {
        match self {
            Json::Plain(value) => out.push_str(&value.to_string()),
            Json::Object(entries) => {
                out.push('{');
                for (index, (key, value)) in entries.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(key.clone()).to_string());
                    out.push(':');
                    value.render(out);
                }
                out.push('}');
            }
            Json::Array(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    item.render(out);
                }
                out.push(']');
            }
        }
    }
}

fn plain(value: Value) -> Json {
    Json::Plain(value)
}

/// Every version of every event of the catalogue.
pub fn cases(catalogue: &Catalogue) -> BoxedStrategy<Case> {
    let mut choices = Vec::new();
    for (name, event) in &catalogue.events {
        for version in &event.versions {
            choices.push(version_case(catalogue, name, version));
        }
    }
    proptest::strategy::Union::new(choices).boxed()
}

fn version_case(
    catalogue: &Catalogue,
    event_type: &str,
    version: &VersionDef,
) -> BoxedStrategy<Case> {
    let clean = event_object(catalogue, event_type, version, false);
    let noisy = event_object(catalogue, event_type, version, true);
    let event_type = event_type.to_owned();
    let number = version.number;
    (prop_oneof![3 => clean, 2 => noisy], document_shape())
        .prop_map(move |(object, shape)| Case {
            event_type: event_type.clone(),
            version: number,
            text: shape.apply(object),
        })
        .boxed()
}

/// What happens to the whole document.
#[derive(Debug, Clone, Copy)]
enum Shape {
    AsIs,
    /// The values in order, as a JSON array (serde's derive reads structs from arrays too).
    Array,
    /// Cut short (not JSON).
    Truncated,
    /// Something after the object.
    Trailing,
    /// Not an object.
    Scalar,
}

impl Shape {
    fn apply(self, entries: Vec<(String, Json)>) -> String {
        let mut out = String::new();
        match self {
            Shape::AsIs | Shape::Truncated | Shape::Trailing => {
                Json::Object(entries).render(&mut out);
            }
            Shape::Array => {
                Json::Array(
                    entries
                        .into_iter()
                        .filter(|(key, _)| key != "event_type" && key != "version")
                        .map(|(_, value)| value)
                        .collect(),
                )
                .render(&mut out);
            }
            Shape::Scalar => out.push_str("\"an event\""),
        }
        match self {
            Shape::Truncated => {
                let cut = out
                    .char_indices()
                    .nth(out.chars().count() / 2)
                    .map_or(0, |(i, _)| i);
                out.truncate(cut);
            }
            Shape::Trailing => out.push_str(" x"),
            _ => {}
        }
        out
    }
}

fn document_shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        60 => Just(Shape::AsIs),
        2 => Just(Shape::Array),
        1 => Just(Shape::Truncated),
        1 => Just(Shape::Trailing),
        1 => Just(Shape::Scalar),
    ]
}

/// The entries of one event object: envelope, then payload; when `noisy`, one or two of them
/// broken (absent, `null`, the wrong type, out of range, ...), keys maybe shuffled, repeated or
/// unknown.
fn event_object(
    catalogue: &Catalogue,
    event_type: &str,
    version: &VersionDef,
    noisy: bool,
) -> BoxedStrategy<Vec<(String, Json)>> {
    let envelope = |clean: BoxedStrategy<Option<Json>>, broken: BoxedStrategy<Option<Json>>| {
        Entry { clean, broken }
    };
    let head = |value: Value| Just(Some(plain(value))).boxed();
    let mut entries: Vec<(String, Entry)> = vec![
        (
            "event_type".to_owned(),
            envelope(head(json!(event_type)), head(json!(event_type))),
        ),
        (
            "version".to_owned(),
            envelope(
                head(json!(format!("v{}", version.number))),
                head(json!(format!("v{}", version.number))),
            ),
        ),
        (
            "event_id".to_owned(),
            envelope(envelope_uuid(false), envelope_uuid(true)),
        ),
        (
            "timestamp".to_owned(),
            envelope(envelope_time(false), envelope_time(true)),
        ),
        (
            "source_service".to_owned(),
            envelope(envelope_text(false), envelope_text(true)),
        ),
        (
            "correlation_id".to_owned(),
            envelope(envelope_text(false), envelope_text(true)),
        ),
        (
            "user_id".to_owned(),
            envelope(
                envelope_user(version.requires_user_id.is_some(), false),
                envelope_user(version.requires_user_id.is_some(), true),
            ),
        ),
        (
            "metadata".to_owned(),
            envelope(envelope_metadata(false), envelope_metadata(true)),
        ),
    ];
    for field in &version.fields {
        entries.push((field.name.clone(), field_entry(catalogue, field, 0)));
    }
    object(entries, noisy)
}

/// How one key of an object is drawn (`None`: absent): normally, and broken.
struct Entry {
    clean: BoxedStrategy<Option<Json>>,
    broken: BoxedStrategy<Option<Json>>,
}

/// An object from its entries; when `noisy`, one or two entries broken, and the keys maybe
/// shuffled, one repeated, an unknown one added.
fn object(entries: Vec<(String, Entry)>, noisy: bool) -> BoxedStrategy<Vec<(String, Json)>> {
    let names: Vec<String> = entries.iter().map(|(name, _)| name.clone()).collect();
    let (clean, broken): (Vec<_>, Vec<_>) = entries
        .into_iter()
        .map(|(_, entry)| (entry.clean, entry.broken))
        .unzip();
    let broken = if noisy {
        broken.prop_map(Some).boxed()
    } else {
        Just(None).boxed()
    };
    let targets = proptest::collection::vec(any::<prop::sample::Index>(), 1..=2);
    let extras = if noisy {
        prop_oneof![
            6 => Just(Vec::new()),
            1 => (select(vec!["unknown", "extra_field", "Event_Id"]), hostile())
                .prop_map(|(key, value)| vec![(key.to_owned(), value)]),
        ]
        .boxed()
    } else {
        Just(Vec::new()).boxed()
    };
    let shuffle = if noisy {
        prop_oneof![2 => Just(false), 1 => Just(true)].boxed()
    } else {
        prop_oneof![4 => Just(false), 1 => Just(true)].boxed()
    };
    let duplicate = if noisy {
        prop_oneof![8 => Just(None), 1 => any::<prop::sample::Index>().prop_map(Some)].boxed()
    } else {
        Just(None).boxed()
    };
    (
        clean,
        broken,
        targets,
        extras,
        shuffle,
        duplicate,
        any::<u64>(),
    )
        .prop_map(
            move |(mut values, broken, targets, extras, shuffle, duplicate, seed)| {
                if let Some(broken) = broken {
                    for target in targets {
                        if !values.is_empty() {
                            let index = target.index(values.len());
                            values[index] = broken[index].clone();
                        }
                    }
                }
                let mut out: Vec<(String, Json)> = names
                    .iter()
                    .cloned()
                    .zip(values)
                    .filter_map(|(name, value)| value.map(|value| (name, value)))
                    .collect();
                if let Some(index) = duplicate {
                    if !out.is_empty() {
                        let copy = out[index.index(out.len())].clone();
                        out.push(copy);
                    }
                }
                out.extend(extras);
                if shuffle {
                    // A deterministic shuffle from the drawn seed.
                    let mut state = seed | 1;
                    for index in (1..out.len()).rev() {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        let other = (state % (index as u64 + 1)) as usize;
                        out.swap(index, other);
                    }
                }
                out
            },
        )
        .boxed()
}

/// A field's entry: absent, `null` or a value, as its kind allows; broken: absent or `null`
/// whatever its kind, or a value that may be wrong.
fn field_entry(catalogue: &Catalogue, field: &Field, depth: usize) -> Entry {
    let value = type_value(catalogue, &field.ty, Some(&field.constraints), false, depth);
    let clean = match (field.optional, field.default.is_some()) {
        (true, _) => prop_oneof![
            1 => Just(None),
            1 => Just(Some(plain(Value::Null))),
            4 => value.prop_map(Some),
        ]
        .boxed(),
        (false, true) => prop_oneof![1 => Just(None), 4 => value.prop_map(Some)].boxed(),
        (false, false) => value.prop_map(Some).boxed(),
    };
    let broken = prop_oneof![
        1 => Just(None),
        1 => Just(Some(plain(Value::Null))),
        6 => type_value(catalogue, &field.ty, Some(&field.constraints), true, depth).prop_map(Some),
    ]
    .boxed();
    Entry { clean, broken }
}

/// A value of a type: mostly valid (within the constraints) when clean; when noisy, also
/// values that break the constraints and values of the wrong shape.
fn type_value(
    catalogue: &Catalogue,
    ty: &FieldType,
    constraints: Option<&Constraints>,
    noisy: bool,
    depth: usize,
) -> BoxedStrategy<Json> {
    let c = constraints.cloned().unwrap_or_default();
    let valid = valid_value(catalogue, ty, &c, noisy, depth);
    if noisy {
        prop_oneof![
            2 => valid,
            3 => near_miss(ty, &c),
            2 => hostile(),
        ]
        .boxed()
    } else if let Some(breaking) = breaking(ty, &c) {
        // Mostly valid; now and then a value of the right type that breaks a constraint.
        prop_oneof![12 => valid, 1 => breaking].boxed()
    } else {
        valid
    }
}

/// Values of the right type that break one of the field's constraints, if it has any.
fn breaking(ty: &FieldType, c: &Constraints) -> Option<BoxedStrategy<Json>> {
    let mut values: Vec<Json> = Vec::new();
    match ty {
        FieldType::String => {
            if let Some(max) = c.max_length {
                values.push(plain(json!("é".repeat(max + 1))));
            }
            if let Some(min) = c.min_length.filter(|min| *min > 0) {
                values.push(plain(json!("x".repeat(min - 1))));
            }
            if c.non_empty {
                values.push(plain(json!("")));
            }
            if c.pattern.is_some() {
                values.push(plain(json!("no match")));
            }
        }
        FieldType::Int32 | FieldType::Int64 => {
            values.extend(c.min.map(|min| plain(json!(min.ceil() as i64 - 1))));
            values.extend(c.max.map(|max| plain(json!(max.floor() as i64 + 1))));
        }
        FieldType::Float64 => {
            values.extend(c.min.map(|min| plain(json!(min - 0.25))));
            values.extend(c.max.map(|max| plain(json!(max + 0.25))));
        }
        FieldType::List(_) => {
            if c.non_empty {
                values.push(plain(json!([])));
            }
            if let Some(max) = c.max_items {
                values.push(plain(Value::Array(vec![json!("x"); max + 1])));
            }
        }
        FieldType::Map(_) | FieldType::Json if c.non_empty => values.push(plain(json!({}))),
        _ => {}
    }
    (!values.is_empty()).then(|| select(values).boxed())
}

fn valid_value(
    catalogue: &Catalogue,
    ty: &FieldType,
    c: &Constraints,
    noisy: bool,
    depth: usize,
) -> BoxedStrategy<Json> {
    match ty {
        FieldType::String => text(c).prop_map(|text| plain(json!(text))).boxed(),
        FieldType::Bool => any::<bool>().prop_map(|b| plain(json!(b))).boxed(),
        FieldType::Int32 | FieldType::Int64 => {
            let (lowest, highest) = match ty {
                FieldType::Int32 => (i64::from(i32::MIN), i64::from(i32::MAX)),
                _ => (i64::MIN, i64::MAX),
            };
            let (min, max) = int_bounds(c, lowest, highest);
            prop_oneof![
                3 => min.max(-50)..=max.min(2000).max(min.max(-50)),
                1 => min..=max,
                1 => select(vec![min, max]),
            ]
            .prop_map(|n| plain(json!(n)))
            .boxed()
        }
        FieldType::Float64 => {
            let min = c.min.unwrap_or(-1e15);
            let max = c.max.unwrap_or(1e15);
            prop_oneof![
                3 => (min..=max).prop_map(|x| plain(json!(x))),
                1 => ((min.ceil() as i64)..=(max.floor() as i64)).prop_map(|n| plain(json!(n))),
                1 => select(vec![min, max]).prop_map(|x| plain(json!(x))),
            ]
            .boxed()
        }
        FieldType::Uuid => prop_oneof![
            4 => any::<u128>().prop_map(|n| uuid::Uuid::from_u128(n).to_string()),
            1 => any::<u128>().prop_map(|n| uuid::Uuid::from_u128(n).to_string().to_uppercase()),
            1 => any::<u128>().prop_map(|n| uuid::Uuid::from_u128(n).simple().to_string()),
            1 => any::<u128>().prop_map(|n| uuid::Uuid::from_u128(n).braced().to_string()),
        ]
        .prop_map(|text| plain(json!(text)))
        .boxed(),
        FieldType::DateTime => datetime_text(true)
            .prop_map(|text| plain(json!(text)))
            .boxed(),
        FieldType::Date => (-800_000i64..2_000_000)
            .prop_map(|days| {
                let date = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")
                    + chrono::Duration::days(days);
                plain(json!(date.to_string()))
            })
            .boxed(),
        FieldType::Decimal => (any::<i32>(), proptest::option::of("[0-9]{1,4}"))
            .prop_map(|(whole, fraction)| match fraction {
                Some(fraction) => plain(json!(format!("{whole}.{fraction}"))),
                None => plain(json!(whole.to_string())),
            })
            .boxed(),
        FieldType::Json => {
            let min = usize::from(c.non_empty);
            proptest::collection::vec((select(vec!["a", "b", "key", "Ω"]), small_json()), min..=3)
                .prop_map(|entries| {
                    Json::Object(
                        entries
                            .into_iter()
                            .map(|(key, value)| (key.to_owned(), plain(value)))
                            .collect(),
                    )
                })
                .boxed()
        }
        FieldType::List(item) => {
            let min = usize::from(c.non_empty);
            let max = c.max_items.unwrap_or(3).min(3).max(min);
            let item = type_value(catalogue, item, None, noisy, depth + 1);
            proptest::collection::vec(item, min..=max)
                .prop_map(Json::Array)
                .boxed()
        }
        FieldType::Map(item) => {
            let min = usize::from(c.non_empty);
            let max = c.max_items.unwrap_or(3).min(3).max(min);
            let item = type_value(catalogue, item, None, noisy, depth + 1);
            proptest::collection::vec(
                (select(vec!["a", "b", "c", "x y", "\"q\""]), item),
                min..=max,
            )
            .prop_map(|entries| {
                Json::Object(
                    entries
                        .into_iter()
                        .map(|(key, value)| (key.to_owned(), value))
                        .collect(),
                )
            })
            .boxed()
        }
        FieldType::Enum(name) => {
            let Some(NamedType::Enum(def)) = catalogue.types.get(name) else {
                return Just(plain(json!(name))).boxed();
            };
            let values: Vec<String> = def.values.iter().map(|v| v.wire.clone()).collect();
            if def.open {
                prop_oneof![
                    6 => select(values),
                    1 => select(vec![" padded ".to_owned(), "brand_new".to_owned(), String::new()]),
                ]
                .prop_map(|text| plain(json!(text)))
                .boxed()
            } else {
                select(values).prop_map(|text| plain(json!(text))).boxed()
            }
        }
        FieldType::Record(name) => {
            let Some(NamedType::Record(def)) = catalogue.types.get(name) else {
                return Just(plain(json!({}))).boxed();
            };
            if depth > 3 {
                return Just(plain(json!({}))).boxed();
            }
            let entries = def
                .fields
                .iter()
                .map(|field| (field.name.clone(), field_entry(catalogue, field, depth + 1)))
                .collect();
            object(entries, noisy).prop_map(Json::Object).boxed()
        }
    }
}

/// Values that break a constraint or the type's range, still of the right JSON type.
fn near_miss(ty: &FieldType, c: &Constraints) -> BoxedStrategy<Json> {
    match ty {
        FieldType::String => prop_oneof![
            Just(String::new()),
            "[a-z ]{0,80}",
            Just("  x  ".to_owned()),
            Just("ab-123".to_owned()),
        ]
        .prop_map(|text| plain(json!(text)))
        .boxed(),
        FieldType::Int32 => {
            let mut values = vec![
                i64::from(i32::MIN) - 1,
                i64::from(i32::MAX) + 1,
                i64::MIN,
                -1,
                0,
            ];
            values.extend(c.min.map(|min| min as i64 - 1));
            values.extend(c.max.map(|max| max as i64 + 1));
            select(values).prop_map(|n| plain(json!(n))).boxed()
        }
        FieldType::Int64 => {
            let mut values = vec![plain(json!(u64::MAX)), plain(json!(0)), plain(json!(-1))];
            values.extend(c.min.map(|min| plain(json!(min as i64 - 1))));
            values.extend(c.max.map(|max| plain(json!(max as i64 + 1))));
            select(values).boxed()
        }
        FieldType::Float64 => {
            let mut values = vec![1e300, -1e300, 0.1, -0.0];
            values.extend(c.min.map(|min| min - 0.5));
            values.extend(c.max.map(|max| max + 0.5));
            select(values).prop_map(|x| plain(json!(x))).boxed()
        }
        FieldType::Uuid => select(vec![
            "not-a-uuid",
            "",
            "0191d3a4-5b6c-7d8e-9f00-11223344556",
        ])
        .prop_map(|text| plain(json!(text)))
        .boxed(),
        FieldType::DateTime => datetime_text(false)
            .prop_map(|text| plain(json!(text)))
            .boxed(),
        FieldType::Date => select(vec![
            "2025-02-30",
            "2025/09/26",
            "20250926",
            "2025-09-26T10:00:00Z",
        ])
        .prop_map(|text| plain(json!(text)))
        .boxed(),
        FieldType::Decimal => prop_oneof![
            select(vec!["1.", ".5", "1e5", "+1", "12,50", ""]).prop_map(|text| plain(json!(text))),
            Just(plain(json!(12.5))),
        ]
        .boxed(),
        FieldType::Json | FieldType::Map(_) => prop_oneof![
            Just(plain(json!({}))),
            Just(plain(json!({"a": 1, "b": 2, "c": 3, "d": 4}))),
        ]
        .boxed(),
        FieldType::List(_) => prop_oneof![
            Just(plain(json!([]))),
            Just(plain(json!(["a", "b", "c", "d"]))),
        ]
        .boxed(),
        FieldType::Enum(_) => select(vec!["LOW", "unknown", " low", "zzz"])
            .prop_map(|text| plain(json!(text)))
            .boxed(),
        FieldType::Bool | FieldType::Record(_) => hostile(),
    }
}

/// Any JSON at all.
fn hostile() -> BoxedStrategy<Json> {
    prop_oneof![
        Just(plain(Value::Null)),
        any::<bool>().prop_map(|b| plain(json!(b))),
        any::<i64>().prop_map(|n| plain(json!(n))),
        Just(plain(json!(u64::MAX))),
        Just(plain(json!(1.0))),
        (-1e9f64..1e9).prop_map(|x| plain(json!(x))),
        "[a-z0-9 ]{0,8}".prop_map(|text| plain(json!(text))),
        Just(plain(json!([1, "a"]))),
        Just(plain(json!([]))),
        Just(plain(json!(["x"]))),
        Just(plain(json!({"nested": {"a": [true]}}))),
    ]
    .boxed()
}

fn small_json() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i32>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        "[a-z]{0,5}".prop_map(Value::from),
        Just(json!([1, {"b": null}])),
    ]
    .boxed()
}

/// A string within the constraints: from the pattern when there is one.
fn text(c: &Constraints) -> BoxedStrategy<String> {
    if let Some(pattern) = &c.pattern {
        // `\d` of the generator's regex syntax is any Unicode digit: ASCII ones mostly.
        let ascii = pattern.replace("\\d", "[0-9]");
        if let Ok(strategy) = proptest::string::string_regex(&ascii) {
            return strategy.boxed();
        }
    }
    let min = c.min_length.unwrap_or(0).max(usize::from(c.non_empty));
    let max = c.max_length.unwrap_or(16).min(16).max(min);
    let chars = prop_oneof![
        8 => proptest::char::range('a', 'z'),
        1 => Just(' '),
        1 => select(vec!['é', 'Ω', '"', '\\', '\n', '🙂', '{', '}']),
    ];
    proptest::collection::vec(chars, min..=max)
        .prop_map(|chars| chars.into_iter().collect())
        .boxed()
}

/// RFC 3339 and the lenient forms (naive, space, offsets); `false`: not timestamps at all.
fn datetime_text(valid: bool) -> BoxedStrategy<String> {
    if !valid {
        return select(vec![
            "2025-09-26",
            "26/09/2025",
            "2025-09-26T25:00:00Z",
            "",
            "2025-09-26T10:30:00+25:00",
        ])
        .prop_map(str::to_owned)
        .boxed();
    }
    (
        -2_000_000_000i64..4_000_000_000,
        prop_oneof![Just(0u32), 0u32..1_000_000_000, Just(123_000_000u32)],
        select(vec!["Z", "+02:00", "-05:30", "naive", "space", "lower"]),
    )
        .prop_map(|(seconds, nanos, form)| {
            let time = chrono::DateTime::from_timestamp(seconds, nanos).unwrap_or_default();
            let rfc = time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
            match form {
                "+02:00" => time
                    .with_timezone(&chrono::FixedOffset::east_opt(7200).expect("offset"))
                    .to_rfc3339(),
                "-05:30" => time
                    .with_timezone(&chrono::FixedOffset::west_opt(19800).expect("offset"))
                    .to_rfc3339(),
                "naive" => time.naive_utc().format("%Y-%m-%dT%H:%M:%S%.f").to_string(),
                "space" => time.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string(),
                "lower" => rfc.replace('T', "t").replace('Z', "z"),
                _ => rfc,
            }
        })
        .boxed()
}

fn int_bounds(c: &Constraints, lowest: i64, highest: i64) -> (i64, i64) {
    let min = c.min.map_or(lowest, |min| (min.ceil() as i64).max(lowest));
    let max = c
        .max
        .map_or(highest, |max| (max.floor() as i64).min(highest));
    (min, max.max(min))
}

fn envelope_uuid(noisy: bool) -> BoxedStrategy<Option<Json>> {
    let valid =
        any::<u128>().prop_map(|n| Some(plain(json!(uuid::Uuid::from_u128(n).to_string()))));
    if noisy {
        prop_oneof![
            12 => valid,
            1 => Just(None),
            1 => Just(Some(plain(json!("e-1")))),
            1 => Just(Some(plain(json!(7)))),
        ]
        .boxed()
    } else {
        valid.boxed()
    }
}

fn envelope_time(noisy: bool) -> BoxedStrategy<Option<Json>> {
    let valid = datetime_text(true).prop_map(|text| Some(plain(json!(text))));
    if noisy {
        prop_oneof![
            12 => valid,
            1 => Just(None),
            1 => datetime_text(false).prop_map(|text| Some(plain(json!(text)))),
            1 => Just(Some(plain(Value::Null))),
        ]
        .boxed()
    } else {
        valid.boxed()
    }
}

fn envelope_text(noisy: bool) -> BoxedStrategy<Option<Json>> {
    let valid = prop_oneof![
        4 => "[a-z-]{0,12}".prop_map(|text| Some(plain(json!(text)))),
        1 => Just(None),
        1 => Just(Some(plain(Value::Null))),
    ];
    if noisy {
        prop_oneof![12 => valid, 1 => hostile().prop_map(Some)].boxed()
    } else {
        valid.boxed()
    }
}

fn envelope_user(required: bool, noisy: bool) -> BoxedStrategy<Option<Json>> {
    let present = any::<i64>().prop_map(|n| Some(plain(json!(n))));
    let valid = if required {
        // Now and then without the user id the version requires.
        prop_oneof![10 => present, 1 => Just(None)].boxed()
    } else {
        prop_oneof![
            4 => present,
            1 => Just(None),
            1 => Just(Some(plain(Value::Null))),
        ]
        .boxed()
    };
    if noisy {
        prop_oneof![
            10 => valid,
            1 => Just(None),
            1 => Just(Some(plain(json!("42")))),
            1 => Just(Some(plain(json!(u64::MAX)))),
        ]
        .boxed()
    } else {
        valid
    }
}

fn envelope_metadata(noisy: bool) -> BoxedStrategy<Option<Json>> {
    let valid = prop_oneof![
        3 => Just(Some(plain(json!({})))),
        1 => Just(Some(plain(json!({"source": "telegram", "n": 1})))),
        1 => Just(None),
        1 => Just(Some(plain(Value::Null))),
    ];
    if noisy {
        prop_oneof![10 => valid, 1 => Just(Some(plain(json!([1]))))].boxed()
    } else {
        valid.boxed()
    }
}
