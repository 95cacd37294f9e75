//! The intermediate representation: a validated catalogue, ready to emit.
//!
//! [`crate::validate`] builds it from the parsed YAML and guarantees what the emitters rely on:
//! names are unique and well-formed, every type reference resolves, defaults fit their types,
//! constraints fit their fields, and every field of a version after the first has a resolved
//! [`FieldSource`] in its migration. Maps are `BTreeMap`s so output order is deterministic.

use std::collections::BTreeMap;

/// Where something was written: a file of the catalogue and a byte range in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    /// Index into [`Catalogue::files`].
    pub file: usize,
    /// Byte offset of the start.
    pub start: usize,
    /// Byte offset of the end (exclusive).
    pub end: usize,
}

/// One schema file that was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path as given (relative to the working directory of the build).
    pub path: String,
    /// The whole text.
    pub text: String,
}

/// The whole validated catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalogue {
    /// Catalogue name, from `catalogue.yaml` (`name:`).
    pub name: String,
    /// Semver version of the catalogue.
    pub version: semver::Version,
    /// Default compatibility level of events that do not set one.
    pub compatibility: Compatibility,
    /// Every file read, in path order.
    pub files: Vec<SourceFile>,
    /// Named enums and records, by Rust name.
    pub types: BTreeMap<String, NamedType>,
    /// Events, by event type (`user.created`).
    pub events: BTreeMap<String, EventDef>,
    /// Where the catalogue's `version:` is written (for lint findings about it).
    pub version_span: Span,
    /// Every inline waiver of a compatibility finding, from the catalogue, events and versions.
    pub waivers: Vec<Waiver>,
}

/// A compatibility finding accepted on purpose, written next to what it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    /// The rule id: `FIELD_REMOVED`.
    pub rule: String,
    /// Why it is accepted (never empty).
    pub reason: String,
    /// What it applies to.
    pub scope: WaiverScope,
    /// Only findings about this field (a top-level field name), when set.
    pub field: Option<String>,
    /// Where the waiver is written.
    pub span: Span,
}

/// What a waiver applies to: where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaiverScope {
    /// The catalogue section: any finding, or only those of `event` when set (the way to
    /// waive the removal of a whole event).
    Catalogue {
        /// The event, when given.
        event: Option<String>,
    },
    /// An event: findings about any of its versions.
    Event(String),
    /// One version of an event.
    Version(String, u32),
}

/// Compatibility level (Confluent Schema Registry meanings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Compatibility {
    /// New readers read old data (upgrade consumers first).
    #[default]
    Backward,
    /// `Backward` against every earlier version.
    BackwardTransitive,
    /// Old readers read new data (upgrade producers first).
    Forward,
    /// `Forward` against every earlier version.
    ForwardTransitive,
    /// Both directions.
    Full,
    /// `Full` against every earlier version.
    FullTransitive,
    /// No checks.
    None,
}

impl Compatibility {
    /// Every level with its YAML spelling.
    pub const ALL: [(&'static str, Compatibility); 7] = [
        ("BACKWARD", Compatibility::Backward),
        ("BACKWARD_TRANSITIVE", Compatibility::BackwardTransitive),
        ("FORWARD", Compatibility::Forward),
        ("FORWARD_TRANSITIVE", Compatibility::ForwardTransitive),
        ("FULL", Compatibility::Full),
        ("FULL_TRANSITIVE", Compatibility::FullTransitive),
        ("NONE", Compatibility::None),
    ];

    /// The YAML spelling: `BACKWARD_TRANSITIVE`.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, level)| *level == self)
            .map(|(name, _)| *name)
            .unwrap_or("BACKWARD")
    }
}

/// A named enum or record, shared by any events of the catalogue.
#[derive(Debug, Clone, PartialEq)]
pub enum NamedType {
    /// A string enum.
    Enum(EnumDef),
    /// A nested object.
    Record(RecordDef),
}

impl NamedType {
    /// The Rust name.
    pub fn name(&self) -> &str {
        match self {
            NamedType::Enum(def) => &def.name,
            NamedType::Record(def) => &def.name,
        }
    }
}

/// A string enum: `urgency: low | medium | high | critical`.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumDef {
    /// Rust name (PascalCase).
    pub name: String,
    /// Description (doc comment).
    pub description: String,
    /// The values, in schema order.
    pub values: Vec<EnumValue>,
    /// Open enums accept unknown values into an `Unknown(String)` variant; closed ones reject them.
    pub open: bool,
    /// Where it was defined.
    pub span: Span,
}

/// One enum value.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    /// The value on the wire: `in_progress`.
    pub wire: String,
    /// The Rust variant: `InProgress`.
    pub variant: String,
    /// Description, possibly empty.
    pub description: String,
}

/// A nested object type.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordDef {
    /// Rust name (PascalCase).
    pub name: String,
    /// Description.
    pub description: String,
    /// Fields, in schema order.
    pub fields: Vec<Field>,
    /// Where it was defined.
    pub span: Span,
}

/// One event type and all its versions.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDef {
    /// `domain.action`.
    pub name: String,
    /// Description of the event type.
    pub description: String,
    /// Compatibility level; `None` means the catalogue default.
    pub compatibility: Option<Compatibility>,
    /// Versions 1..=n, in order, without gaps.
    pub versions: Vec<VersionDef>,
    /// Where it was defined.
    pub span: Span,
}

impl EventDef {
    /// PascalCase base name: `user.created` -> `UserCreated`.
    pub fn rust_name(&self) -> String {
        pascal_case(&self.name.replace('.', "_"))
    }

    /// The struct name of one version: `UserCreatedV2`.
    pub fn struct_name(&self, version: u32) -> String {
        format!("{}V{version}", self.rust_name())
    }

    /// The newest version.
    pub fn latest(&self) -> Option<&VersionDef> {
        self.versions.last()
    }
}

/// One version of an event.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionDef {
    /// The number: 2 for `v2`.
    pub number: u32,
    /// Description of this version.
    pub description: String,
    /// Payload fields, in schema order.
    pub fields: Vec<Field>,
    /// When set, the envelope's `user_id` must be present, and this says what it holds.
    pub requires_user_id: Option<String>,
    /// How to build this version from the previous one (`None` for v1).
    pub migration: Option<Migration>,
    /// Where it was defined.
    pub span: Span,
}

/// One field of a version or record.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Wire name (snake_case). The Rust name is the same, raw (`r#type`) if a keyword.
    pub name: String,
    /// Its type.
    pub ty: FieldType,
    /// Description (doc comment).
    pub description: String,
    /// `Option<T>`, may be absent or null on the wire.
    pub optional: bool,
    /// Used when the field is absent on the wire (and by migrations).
    pub default: Option<DefaultValue>,
    /// Never shown in `Debug`, logs or error messages.
    pub sensitive: bool,
    /// Checked by `validate()`.
    pub constraints: Constraints,
    /// The field of the previous version this one was renamed from.
    pub renamed_from: Option<String>,
    /// Where it was defined.
    pub span: Span,
}

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
}

/// A default value, already checked against the field's type. Lists and maps hold JSON.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    /// A string, uuid, datetime, date or decimal written as text.
    String(String),
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// An enum value (the wire spelling).
    Enum(String),
    /// An empty list (`[]`) or a list of scalar defaults.
    List(Vec<DefaultValue>),
    /// An empty map or JSON object (`{}`).
    EmptyMap,
}

/// Constraints of a field; `validate()` checks them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Constraints {
    /// Smallest allowed number (int or float fields).
    pub min: Option<f64>,
    /// Largest allowed number.
    pub max: Option<f64>,
    /// Fewest characters (string fields).
    pub min_length: Option<usize>,
    /// Most characters.
    pub max_length: Option<usize>,
    /// Regular expression (regex-lite syntax) the whole string must match.
    pub pattern: Option<String>,
    /// String, list or map must not be empty.
    pub non_empty: bool,
    /// Most items (list or map fields).
    pub max_items: Option<usize>,
}

impl Constraints {
    /// True when nothing is constrained.
    pub fn is_empty(&self) -> bool {
        *self == Constraints::default()
    }
}

/// How version N is built from version N-1.
#[derive(Debug, Clone, PartialEq)]
pub enum Migration {
    /// A user function `fn(PreviousStruct) -> ThisStruct`, called by path (`crate::migrations::f`).
    Function {
        /// The Rust path.
        path: String,
        /// Where it was written.
        span: Span,
    },
    /// Each field of the new version has a source.
    Fields(Vec<FieldMigration>),
}

/// Where one field of the new version comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldMigration {
    /// The field of the new version.
    pub field: String,
    /// Its source.
    pub source: FieldSource,
}

/// The source of one migrated field.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldSource {
    /// A field of the previous version (same name, `renamed_from`, or `copy:`), converted.
    Field {
        /// The previous version's field.
        from: String,
        /// How its value is turned into the new field's value.
        conversion: Conversion,
        /// Previous field is `Option<T>`.
        from_optional: bool,
        /// New field is `Option<T>`.
        to_optional: bool,
        /// For optional -> required: the value used when the old one was absent.
        default: Option<DefaultValue>,
    },
    /// A string built from fields of the previous version: `"{first_name} {last_name}"`.
    /// Absent optional fields render as empty; the result is trimmed.
    Template(Vec<TemplatePart>),
    /// The field's default value.
    Default(DefaultValue),
    /// An optional field that did not exist before: `None`.
    Absent,
    /// A user function `fn(&PreviousStruct) -> FieldType`, called by path.
    Function(String),
}

/// A piece of a template.
#[derive(Debug, Clone, PartialEq)]
pub enum TemplatePart {
    /// Literal text.
    Text(String),
    /// A field of the previous version (string, number, bool, enum, uuid...).
    Field {
        /// Its name.
        name: String,
        /// It is `Option<T>`.
        optional: bool,
    },
}

/// How a value of the previous field's type becomes a value of the new field's type.
#[derive(Debug, Clone, PartialEq)]
pub enum Conversion {
    /// Same type.
    Identity,
    /// `int32` -> `int64`, `int32`/`int64` -> `float64`.
    Widen {
        /// Type before.
        from: FieldType,
        /// Type after.
        to: FieldType,
    },
    /// Enum to enum (different named enums): each old value to a new value.
    EnumMap {
        /// Old enum's Rust name.
        from_enum: String,
        /// New enum's Rust name.
        to_enum: String,
        /// (old variant, new variant) for every old value.
        pairs: Vec<(String, String)>,
        /// Old enum is open: its `Unknown(s)` maps to the new enum's `Unknown(s)` if open, else
        /// to this variant.
        unknown_to: Option<String>,
    },
}

/// `snake_case` -> `PascalCase`; also handles `-` and digits (`v2_x` -> `V2X`).
pub fn pascal_case(text: &str) -> String {
    text.split(['_', '-', '.', ' '])
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_case_of_event_and_enum_names() {
        assert_eq!(pascal_case("user_created"), "UserCreated");
        assert_eq!(pascal_case("system_health_check"), "SystemHealthCheck");
        assert_eq!(pascal_case("in-progress"), "InProgress");
        assert_eq!(pascal_case("low"), "Low");
    }
}
