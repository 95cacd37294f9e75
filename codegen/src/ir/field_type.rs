//! Field types: the schema spelling both ways ([`FieldType::schema_name`],
//! [`FieldType::parse`]) and the one widening table ([`FieldType::widening`]).

use std::fmt;

/// A field type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldType {
    /// `string` -> `String`
    String,
    /// `bool` -> `bool`
    Bool,
    /// `int32` -> `i32`
    Int32,
    /// `int64` -> `i64`
    Int64,
    /// `float64` -> `f64`
    Float64,
    /// `uuid` -> `uuid::Uuid`
    Uuid,
    /// `datetime` -> `chrono::DateTime<Utc>`
    DateTime,
    /// `date` -> `chrono::NaiveDate`
    Date,
    /// `decimal` -> `event_runtime::types::Decimal`
    Decimal,
    /// `json` -> `serde_json::Map<String, Value>`
    Json,
    /// `list<T>` -> `Vec<T>`
    List(Box<FieldType>),
    /// `map<string,T>` -> `BTreeMap<String, T>`
    Map(Box<FieldType>),
    /// A named enum.
    Enum(String),
    /// A named record.
    Record(String),
}

/// Built-in scalar type names.
pub const SCALARS: [&str; 10] = [
    "string", "bool", "int32", "int64", "float64", "uuid", "datetime", "date", "decimal", "json",
];

/// Deepest nesting of `list<...>` and `map<...>` accepted. Real schemas use two or three
/// levels; the bound keeps every pass over a type (validation, emission, even dropping it)
/// shallow, so a hostile `list<list<...>>` is an error, not a stack overflow.
pub const MAX_TYPE_DEPTH: usize = 16;

/// What a type name defined under `types:` refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamedKind {
    /// An enum.
    Enum,
    /// A record.
    Record,
}

/// Why a type expression does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeError {
    /// `list<...>`/`map<...>` nest deeper than [`MAX_TYPE_DEPTH`].
    TooDeep {
        /// How deep.
        depth: usize,
    },
    /// `map<T>`: no key type.
    MapArity {
        /// What is between the brackets.
        inner: String,
    },
    /// `map<K,T>` with a key type other than `string`.
    MapKey {
        /// The key type written.
        key: String,
    },
    /// Neither a built-in type nor a defined name.
    Unknown {
        /// The name.
        name: String,
    },
}

impl fmt::Display for TypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeError::TooDeep { depth } => write!(
                f,
                "the type nests {depth} levels deep; at most {MAX_TYPE_DEPTH} are allowed"
            ),
            TypeError::MapArity { inner } => {
                write!(f, "`map<{inner}>` needs a key and a value type")
            }
            TypeError::MapKey { key } => write!(f, "map keys must be `string`, not `{key}`"),
            TypeError::Unknown { name } => write!(f, "unknown type `{name}`"),
        }
    }
}

/// The schema spelling, as [`FieldType::schema_name`].
impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.schema_name())
    }
}

/// How every value written as one type reads as another, without a conversion function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Widening {
    /// A number as a wider number: `int32` -> `int64`, `int32`/`int64` -> `float64`. The
    /// Rust types differ but the value is kept, so a migration converts it by itself
    /// ([`Conversion::Widen`](super::Conversion::Widen)).
    Number,
    /// A value written as a JSON string read as a `string`: an enum, `uuid`, `date`,
    /// `datetime`, `decimal`. A migration needs a function (the Rust type changes meaning).
    Text,
    /// An object read as free-form `json`: a record, a `map<string,T>`.
    Object,
}

impl FieldType {
    /// The schema spelling: `list<map<string,int64>>`.
    pub fn schema_name(&self) -> String {
        match self {
            FieldType::String => "string".into(),
            FieldType::Bool => "bool".into(),
            FieldType::Int32 => "int32".into(),
            FieldType::Int64 => "int64".into(),
            FieldType::Float64 => "float64".into(),
            FieldType::Uuid => "uuid".into(),
            FieldType::DateTime => "datetime".into(),
            FieldType::Date => "date".into(),
            FieldType::Decimal => "decimal".into(),
            FieldType::Json => "json".into(),
            FieldType::List(item) => format!("list<{}>", item.schema_name()),
            FieldType::Map(value) => format!("map<string,{}>", value.schema_name()),
            FieldType::Enum(name) | FieldType::Record(name) => name.clone(),
        }
    }

    /// Parses a schema spelling (`list<map<string,int64>>`, whitespace ignored); `named` says
    /// what a name defined under `types:` is.
    pub fn parse(text: &str, named: impl Fn(&str) -> Option<NamedKind>) -> Result<Self, TypeError> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let depth = compact
            .chars()
            .scan(0usize, |depth, c| {
                match c {
                    '<' => *depth += 1,
                    '>' => *depth = depth.saturating_sub(1),
                    _ => {}
                }
                Some(*depth)
            })
            .max()
            .unwrap_or(0);
        if depth > MAX_TYPE_DEPTH {
            return Err(TypeError::TooDeep { depth });
        }
        parse_compact(&compact, &named)
    }

    /// Whether values of this type are plain numbers.
    pub fn is_number(&self) -> bool {
        matches!(
            self,
            FieldType::Int32 | FieldType::Int64 | FieldType::Float64
        )
    }

    /// The widening table: whether, and how, every value written as `self` reads as `reader`.
    /// Containers and named types are not in it: a reader compares their insides.
    pub fn widening(&self, reader: &FieldType) -> Option<Widening> {
        use FieldType::*;
        match (self, reader) {
            (Int32, Int64) | (Int32, Float64) | (Int64, Float64) => Some(Widening::Number),
            (Enum(_) | Uuid | Date | DateTime | Decimal, String) => Some(Widening::Text),
            (Record(_) | Map(_), Json) => Some(Widening::Object),
            _ => None,
        }
    }

    /// Whether a reader of `reader` decodes every value written as `self` although the types
    /// differ (the compatibility lint's question): any row of the widening table.
    pub fn reads_as(&self, reader: &FieldType) -> bool {
        self.widening(reader).is_some()
    }

    /// Whether a migration turns a value of `self` into one of `to` by itself, without a
    /// `with` function (validation's question): the numeric rows of the widening table.
    pub fn converts_to(&self, to: &FieldType) -> bool {
        self.widening(to) == Some(Widening::Number)
    }
}

fn parse_compact(
    text: &str,
    named: &impl Fn(&str) -> Option<NamedKind>,
) -> Result<FieldType, TypeError> {
    if let Some(inner) = text
        .strip_prefix("list<")
        .and_then(|rest| rest.strip_suffix('>'))
    {
        return Ok(FieldType::List(Box::new(parse_compact(inner, named)?)));
    }
    if let Some(inner) = text
        .strip_prefix("map<")
        .and_then(|rest| rest.strip_suffix('>'))
    {
        let Some((key, value)) = inner.split_once(',') else {
            return Err(TypeError::MapArity {
                inner: inner.to_owned(),
            });
        };
        if key != "string" {
            return Err(TypeError::MapKey {
                key: key.to_owned(),
            });
        }
        return Ok(FieldType::Map(Box::new(parse_compact(value, named)?)));
    }
    let scalar = match text {
        "string" => FieldType::String,
        "bool" => FieldType::Bool,
        "int32" => FieldType::Int32,
        "int64" => FieldType::Int64,
        "float64" => FieldType::Float64,
        "uuid" => FieldType::Uuid,
        "datetime" => FieldType::DateTime,
        "date" => FieldType::Date,
        "decimal" => FieldType::Decimal,
        "json" => FieldType::Json,
        _ => {
            return match named(text) {
                Some(NamedKind::Enum) => Ok(FieldType::Enum(text.to_owned())),
                Some(NamedKind::Record) => Ok(FieldType::Record(text.to_owned())),
                None => Err(TypeError::Unknown {
                    name: text.to_owned(),
                }),
            };
        }
    };
    Ok(scalar)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_parse_back_from_their_schema_name() {
        let named = |name: &str| match name {
            "Urgency" => Some(NamedKind::Enum),
            "GeoPoint" => Some(NamedKind::Record),
            _ => None,
        };
        for text in [
            "string",
            "list<Urgency>",
            "map<string,list<GeoPoint>>",
            "map<string,json>",
        ] {
            let ty = FieldType::parse(text, named).expect(text);
            assert_eq!(ty.schema_name(), text);
        }
        assert_eq!(
            FieldType::parse("map < string , int64 >", named),
            Ok(FieldType::Map(Box::new(FieldType::Int64)))
        );
        assert_eq!(
            FieldType::parse("map<int64,string>", named),
            Err(TypeError::MapKey {
                key: "int64".into()
            })
        );
        let deep = format!("{}string{}", "list<".repeat(17), ">".repeat(17));
        assert_eq!(
            FieldType::parse(&deep, named),
            Err(TypeError::TooDeep { depth: 17 })
        );
    }

    #[test]
    fn the_widening_table_answers_both_questions() {
        use FieldType::*;
        assert!(Int32.reads_as(&Int64) && Int32.converts_to(&Int64));
        assert!(Int64.reads_as(&Float64) && Int64.converts_to(&Float64));
        assert!(!Int64.reads_as(&Int32));
        assert!(Uuid.reads_as(&String) && !Uuid.converts_to(&String));
        assert!(Enum("A".into()).reads_as(&String));
        assert!(Map(Box::new(Int64)).reads_as(&Json));
        assert!(!Json.reads_as(&Record("R".into())));
    }
}
