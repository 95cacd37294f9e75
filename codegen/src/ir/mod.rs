//! The intermediate representation: a validated catalogue, ready to emit.
//!
//! [`crate::validate`] builds it from the parsed YAML and guarantees what the emitters rely on:
//! names are unique and well-formed, every type reference resolves, defaults fit their types,
//! constraints fit their fields, and every field of a version after the first has a resolved
//! [`FieldSource`] in its migration. Maps are `BTreeMap`s so output order is deterministic.

mod constraints;
mod default;
mod field_type;
mod migration;

use std::collections::{BTreeMap, BTreeSet};

pub use constraints::{Constraint, Constraints};
pub use default::DefaultValue;
pub use field_type::{FieldType, MAX_TYPE_DEPTH, NamedKind, SCALARS, TypeError, Widening};
pub use migration::{
    Conversion, FieldMigration, FieldSource, Migration, Origin, TemplatePart, parse_template,
    template_text,
};
// The catalogue holds its files and points into them.
pub use crate::source::{SourceFile, Span};

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

impl Catalogue {
    /// The named types that `fields` use, directly or through records, sorted: what a
    /// version's JSON Schema defines and its fingerprint covers.
    pub fn used_types(&self, fields: &[Field]) -> BTreeSet<String> {
        fn visit(catalogue: &Catalogue, ty: &FieldType, out: &mut BTreeSet<String>) {
            match ty {
                FieldType::List(inner) | FieldType::Map(inner) => visit(catalogue, inner, out),
                FieldType::Enum(name) => {
                    out.insert(name.clone());
                }
                FieldType::Record(name) if out.insert(name.clone()) => {
                    if let Some(NamedType::Record(def)) = catalogue.types.get(name) {
                        for field in &def.fields {
                            visit(catalogue, &field.ty, out);
                        }
                    }
                }
                _ => {}
            }
        }
        let mut out = BTreeSet::new();
        for field in fields {
            visit(self, &field.ty, &mut out);
        }
        out
    }
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

    /// The level of a YAML spelling, exactly as [`Compatibility::as_str`] writes it.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(spelling, _)| *spelling == name)
            .map(|(_, level)| *level)
    }
}

/// Written as its YAML spelling (the lockfile).
impl serde::Serialize for Compatibility {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Compatibility {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Self::from_name(&name).ok_or_else(|| {
            serde::de::Error::custom(format!("unknown compatibility level `{name}`"))
        })
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
