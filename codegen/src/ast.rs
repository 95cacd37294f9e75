//! The syntax tree of schema files: what was written, with where, before any meaning is checked.

use crate::source::Span;

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Wraps a value.
    pub fn new(value: T, span: Span) -> Self {
        Self { value, span }
    }
}

/// One schema file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SchemaFile {
    /// Index of the file.
    pub file: usize,
    /// The `catalogue:` section, if this file has it.
    pub catalogue: Option<CatalogueAst>,
    /// The `types:` section.
    pub types: Vec<TypeAst>,
    /// The `events:` section.
    pub events: Vec<EventAst>,
    /// The file could not be read as YAML at all (its error is already reported).
    pub unreadable: bool,
}

/// The `catalogue:` section.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogueAst {
    /// Where the section is.
    pub span: Span,
    /// `name:`
    pub name: Option<Spanned<String>>,
    /// `version:`
    pub version: Option<Spanned<String>>,
    /// `compatibility:`
    pub compatibility: Option<Spanned<String>>,
    /// `description:`
    pub description: Option<Spanned<String>>,
    /// `waivers:`
    pub waivers: Vec<WaiverAst>,
}

/// One entry of a `waivers:` list: a compatibility finding accepted on purpose.
#[derive(Debug, Clone, PartialEq)]
pub struct WaiverAst {
    /// Where the entry is.
    pub span: Span,
    /// `rule:` the rule id (`FIELD_REMOVED`).
    pub rule: Option<Spanned<String>>,
    /// `reason:` why the finding is accepted.
    pub reason: Option<Spanned<String>>,
    /// `event:` (catalogue waivers only) the event it applies to.
    pub event: Option<Spanned<String>>,
    /// `field:` the field it applies to.
    pub field: Option<Spanned<String>>,
}

/// One entry of `types:`.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeAst {
    /// The type name (the key).
    pub name: Spanned<String>,
    /// `kind:` (`enum` or `record`).
    pub kind: Option<Spanned<String>>,
    /// `description:`
    pub description: Option<Spanned<String>>,
    /// `open:` (enums)
    pub open: Option<Spanned<bool>>,
    /// `values:` (enums)
    pub values: Option<Spanned<Vec<EnumValueAst>>>,
    /// `fields:` (records)
    pub fields: Option<Spanned<Vec<FieldAst>>>,
}

/// One enum value.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumValueAst {
    /// The wire value.
    pub value: Spanned<String>,
    /// Its description, from the long form.
    pub description: Option<Spanned<String>>,
}

/// One entry of `events:`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventAst {
    /// The event name (the key).
    pub name: Spanned<String>,
    /// `description:`
    pub description: Option<Spanned<String>>,
    /// `compatibility:`
    pub compatibility: Option<Spanned<String>>,
    /// `versions:`
    pub versions: Option<Spanned<Vec<VersionAst>>>,
    /// `waivers:`
    pub waivers: Vec<WaiverAst>,
}

/// One version of an event.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionAst {
    /// The key: `v1`.
    pub key: Spanned<String>,
    /// `description:`
    pub description: Option<Spanned<String>>,
    /// `envelope: { user_id: ... }`
    pub envelope_user_id: Option<Spanned<String>>,
    /// `fields:`
    pub fields: Option<Spanned<Vec<FieldAst>>>,
    /// `migrate_with:`
    pub migrate_with: Option<Spanned<String>>,
    /// `waivers:`
    pub waivers: Vec<WaiverAst>,
}

/// One field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldAst {
    /// The field name (the key).
    pub name: Spanned<String>,
    /// Where the field's mapping is.
    pub span: Span,
    /// `type:`
    pub ty: Option<Spanned<String>>,
    /// `description:`
    pub description: Option<Spanned<String>>,
    /// `optional:`
    pub optional: Option<Spanned<bool>>,
    /// `default:`
    pub default: Option<DefaultAst>,
    /// `sensitive:`
    pub sensitive: Option<Spanned<bool>>,
    /// `renamed_from:`
    pub renamed_from: Option<Spanned<String>>,
    /// `min:` (text, read by type later)
    pub min: Option<Spanned<String>>,
    /// `max:`
    pub max: Option<Spanned<String>>,
    /// `min_length:`
    pub min_length: Option<Spanned<usize>>,
    /// `max_length:`
    pub max_length: Option<Spanned<usize>>,
    /// `pattern:`
    pub pattern: Option<Spanned<String>>,
    /// `non_empty:`
    pub non_empty: Option<Spanned<bool>>,
    /// `max_items:`
    pub max_items: Option<Spanned<usize>>,
    /// `migrate:`
    pub migrate: Option<MigrateAst>,
}

/// A `default:` value as written.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultAst {
    /// A scalar.
    Scalar(Spanned<String>),
    /// A sequence of scalars.
    List(Spanned<Vec<Spanned<String>>>),
    /// A mapping; only `{}` is meaningful.
    Map(Spanned<usize>),
}

impl DefaultAst {
    /// Where it was written.
    pub fn span(&self) -> Span {
        match self {
            DefaultAst::Scalar(value) => value.span,
            DefaultAst::List(value) => value.span,
            DefaultAst::Map(value) => value.span,
        }
    }
}

/// One `old_value: new_value` entry of a `migrate: { map: ... }`.
pub type ValueMapping = (Spanned<String>, Spanned<String>);

/// A `migrate:` mapping as written.
#[derive(Debug, Clone, PartialEq)]
pub struct MigrateAst {
    /// Where.
    pub span: Span,
    /// `template:`
    pub template: Option<Spanned<String>>,
    /// `copy:`
    pub copy: Option<Spanned<String>>,
    /// `from:`
    pub from: Option<Spanned<String>>,
    /// `map:` old value -> new value
    pub map: Option<Spanned<Vec<ValueMapping>>>,
    /// `with:`
    pub with: Option<Spanned<String>>,
}
