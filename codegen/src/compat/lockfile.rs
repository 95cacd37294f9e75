//! The lockfile: the released state of a catalogue, recorded by `events lock` and compared by
//! `events lint`.
//!
//! It is JSON (`events.lock.json` in the schema directory: the loader reads only `*.yaml` and
//! `*.yml`), pretty-printed with one key per line and everything in a fixed order, so that the
//! same schemas always give the same bytes and a review shows exactly what was released.
//! Descriptions are kept as digests: a change of wording is visible (a patch release) without
//! copying every text.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ir::{
    Catalogue, Constraints, DefaultValue, EnumDef, Field, FieldSource, Migration, NamedType,
    TemplatePart,
};

/// The lockfile's name inside the schema directory.
pub const LOCKFILE_NAME: &str = "events.lock.json";

/// The version of the lockfile format this crate writes. Format 1 (without `releases`) is
/// read as well.
pub const FORMAT: u32 = 2;

/// The released state of a whole catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lockfile {
    /// A note for people who open the file.
    pub about: String,
    /// Lockfile format version.
    pub format: u32,
    /// Catalogue name.
    pub catalogue: String,
    /// Catalogue semver version.
    pub version: String,
    /// Default compatibility level.
    pub compatibility: String,
    /// Named types by name.
    pub types: BTreeMap<String, LockedType>,
    /// Events by event type.
    pub events: BTreeMap<String, LockedEvent>,
    /// The releases that shipped waived breaking changes, oldest first: what was broken on
    /// purpose, and why, stays on record after the waivers leave the schemas.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub releases: Vec<Release>,
}

/// A release of the catalogue that shipped breaking changes under waivers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    /// The catalogue version released (`2.0.0`).
    pub version: String,
    /// The version it was linted against.
    pub previous: String,
    /// Every waived finding of the release, in file order.
    pub waived: Vec<WaivedBreak>,
}

/// One breaking change accepted by a waiver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaivedBreak {
    /// The rule id.
    pub rule: String,
    /// The event, when the finding is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// The version, when the finding is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// The field, when the finding is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What the lint reported.
    pub message: String,
    /// The waiver's reason.
    pub reason: String,
}

/// A named type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum LockedType {
    /// An enum.
    Enum {
        /// Open enums accept unknown values.
        #[serde(default, skip_serializing_if = "is_false")]
        open: bool,
        /// Wire values, in order.
        values: Vec<String>,
        /// Digest of the descriptions.
        docs: String,
    },
    /// A record.
    Record {
        /// Fields, in order.
        fields: Vec<LockedField>,
        /// Digest of the description.
        docs: String,
    },
}

/// An event and its versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedEvent {
    /// The schema file that defines it (file name only).
    pub file: String,
    /// Its own compatibility level, if it sets one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compatibility: Option<String>,
    /// Digest of the description.
    pub docs: String,
    /// Versions 1..=n.
    pub versions: Vec<LockedVersion>,
}

impl LockedEvent {
    /// Version `number`, if it exists.
    pub fn version(&self, number: u32) -> Option<&LockedVersion> {
        self.versions
            .iter()
            .find(|version| version.version == number)
    }
}

/// One version of an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedVersion {
    /// The number: 2 for `v2`.
    pub version: u32,
    /// Digest of the description.
    pub docs: String,
    /// The envelope's `user_id` is required.
    #[serde(default, skip_serializing_if = "is_false")]
    pub user_id_required: bool,
    /// The Rust function that builds this version from the previous one, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migrate_with: Option<String>,
    /// Payload fields, in order.
    pub fields: Vec<LockedField>,
}

impl LockedVersion {
    /// Field `name`, if it exists.
    pub fn field(&self, name: &str) -> Option<&LockedField> {
        self.fields.iter().find(|field| field.name == name)
    }
}

/// One field of a version or record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedField {
    /// Wire name.
    pub name: String,
    /// Schema type: `list<Urgency>`.
    #[serde(rename = "type")]
    pub ty: String,
    /// May be absent or null.
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
    /// Default value, as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// Redacted in logs.
    #[serde(default, skip_serializing_if = "is_false")]
    pub sensitive: bool,
    /// Constraints.
    #[serde(default, skip_serializing_if = "LockedConstraints::is_empty")]
    pub constraints: LockedConstraints,
    /// Where its value comes from in the previous version (v2 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<LockedSource>,
    /// Digest of the description.
    pub docs: String,
}

/// Constraints of a field (see [`Constraints`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedConstraints {
    /// Smallest number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Largest number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Fewest characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<usize>,
    /// Most characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    /// Whole-value pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Not empty.
    #[serde(default, skip_serializing_if = "is_false")]
    pub non_empty: bool,
    /// Most items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<usize>,
}

impl LockedConstraints {
    /// True when nothing is constrained.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl From<&Constraints> for LockedConstraints {
    fn from(c: &Constraints) -> Self {
        Self {
            min: c.min,
            max: c.max,
            min_length: c.min_length,
            max_length: c.max_length,
            pattern: c.pattern.clone(),
            non_empty: c.non_empty,
            max_items: c.max_items,
        }
    }
}

/// Where a field's value comes from in the previous version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum LockedSource {
    /// A field of the previous version (same name, renamed, copied or enum-mapped).
    Field(String),
    /// A template over fields of the previous version.
    Template(String),
    /// The field's default.
    Default,
    /// `None` (a new optional field).
    Absent,
    /// A Rust function.
    Function(String),
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl Lockfile {
    /// Records a checked catalogue.
    pub fn from_catalogue(catalogue: &Catalogue) -> Self {
        let types = catalogue
            .types
            .iter()
            .map(|(name, def)| (name.clone(), locked_type(def)))
            .collect();
        let events = catalogue
            .events
            .iter()
            .map(|(name, event)| {
                let file = catalogue
                    .files
                    .get(event.span.file)
                    .map(|file| file_name(&file.path))
                    .unwrap_or_default();
                let versions = event
                    .versions
                    .iter()
                    .map(|version| {
                        let (migrate_with, sources) = sources(version.migration.as_ref());
                        LockedVersion {
                            version: version.number,
                            docs: digest([version.description.as_str()]),
                            user_id_required: version.requires_user_id.is_some(),
                            migrate_with,
                            fields: version
                                .fields
                                .iter()
                                .map(|field| {
                                    let mut locked = locked_field(field);
                                    locked.source = sources.get(&field.name).cloned();
                                    locked
                                })
                                .collect(),
                        }
                    })
                    .collect();
                let locked = LockedEvent {
                    file,
                    compatibility: event.compatibility.map(|level| level.as_str().to_owned()),
                    docs: digest([event.description.as_str()]),
                    versions,
                };
                (name.clone(), locked)
            })
            .collect();
        Self {
            about: "The released state of the event catalogue: written by `events lock`, compared by `events lint`. Do not edit by hand.".to_owned(),
            format: FORMAT,
            catalogue: catalogue.name.clone(),
            version: catalogue.version.to_string(),
            compatibility: catalogue.compatibility.as_str().to_owned(),
            types,
            events,
            releases: Vec::new(),
        }
    }

    /// Records the release of `catalogue` on top of `previous` (the lockfile it replaces),
    /// given the lint `report` of the catalogue against `previous`: the released state, the
    /// earlier releases, and this one when it shipped waived breaking changes.
    pub fn release(
        catalogue: &Catalogue,
        previous: &Lockfile,
        report: &crate::compat::Report,
    ) -> Self {
        let mut lock = Self::from_catalogue(catalogue);
        lock.releases = previous.releases.clone();
        let waived: Vec<WaivedBreak> = report
            .waived()
            .filter(|finding| finding.severity == crate::Severity::Error)
            .filter_map(|finding| {
                Some(WaivedBreak {
                    rule: finding.rule.to_owned(),
                    event: finding.event.clone(),
                    version: finding.version,
                    field: finding.field.clone(),
                    message: finding.message.clone(),
                    reason: finding.waiver.as_ref()?.reason.clone(),
                })
            })
            .collect();
        // Locking the same version again keeps its record, unless it waives something now.
        if !waived.is_empty() {
            lock.releases
                .retain(|release| release.version != lock.version);
            lock.releases.push(Release {
                version: lock.version.clone(),
                previous: previous.version.clone(),
                waived,
            });
        }
        lock
    }

    /// The file's text: pretty JSON with a final newline; the same catalogue always gives the
    /// same bytes.
    pub fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads a lockfile's text.
    pub fn from_text(text: &str) -> Result<Self, String> {
        let lock: Self = serde_json::from_str(text).map_err(|error| error.to_string())?;
        if !(1..=FORMAT).contains(&lock.format) {
            return Err(format!(
                "lockfile format {} is not supported (this version reads formats 1 to {FORMAT})",
                lock.format
            ));
        }
        Ok(lock)
    }

    /// The catalogue version, parsed.
    pub fn semver(&self) -> Option<semver::Version> {
        semver::Version::parse(&self.version).ok()
    }
}

/// The file name of a path (`schemas/user.yaml` -> `user.yaml`).
pub fn file_name(path: &str) -> String {
    std::path::Path::new(path).file_name().map_or_else(
        || path.to_owned(),
        |name| name.to_string_lossy().into_owned(),
    )
}

fn locked_type(def: &NamedType) -> LockedType {
    match def {
        NamedType::Enum(def) => LockedType::Enum {
            open: def.open,
            values: def.values.iter().map(|value| value.wire.clone()).collect(),
            docs: enum_docs(def),
        },
        NamedType::Record(def) => LockedType::Record {
            fields: def.fields.iter().map(locked_field).collect(),
            docs: digest([def.description.as_str()]),
        },
    }
}

fn enum_docs(def: &EnumDef) -> String {
    digest(
        std::iter::once(def.description.as_str())
            .chain(def.values.iter().map(|value| value.description.as_str())),
    )
}

/// A field as recorded (without its migration source).
pub fn locked_field(field: &Field) -> LockedField {
    LockedField {
        name: field.name.clone(),
        ty: field.ty.schema_name(),
        optional: field.optional,
        default: field.default.as_ref().map(default_json),
        sensitive: field.sensitive,
        constraints: (&field.constraints).into(),
        source: None,
        docs: digest([field.description.as_str()]),
    }
}

/// A default value as JSON.
pub fn default_json(value: &DefaultValue) -> Value {
    match value {
        DefaultValue::String(text) | DefaultValue::Enum(text) => Value::String(text.clone()),
        DefaultValue::Bool(value) => Value::Bool(*value),
        DefaultValue::Int(value) => Value::from(*value),
        DefaultValue::Float(value) => Value::from(*value),
        DefaultValue::List(items) => Value::Array(items.iter().map(default_json).collect()),
        DefaultValue::EmptyMap => Value::Object(serde_json::Map::new()),
    }
}

fn sources(migration: Option<&Migration>) -> (Option<String>, BTreeMap<String, LockedSource>) {
    match migration {
        None => (None, BTreeMap::new()),
        Some(Migration::Function { path, .. }) => (Some(path.clone()), BTreeMap::new()),
        Some(Migration::Fields(fields)) => {
            let map = fields
                .iter()
                .map(|migration| {
                    let source = match &migration.source {
                        FieldSource::Field { from, .. } => LockedSource::Field(from.clone()),
                        FieldSource::Template(parts) => {
                            LockedSource::Template(template_text(parts))
                        }
                        FieldSource::Default(_) => LockedSource::Default,
                        FieldSource::Absent => LockedSource::Absent,
                        FieldSource::Function(path) => LockedSource::Function(path.clone()),
                    };
                    (migration.field.clone(), source)
                })
                .collect();
            (None, map)
        }
    }
}

/// A template as written: `{first_name} {last_name}`.
pub fn template_text(parts: &[TemplatePart]) -> String {
    parts
        .iter()
        .map(|part| match part {
            TemplatePart::Text(text) => text.replace('{', "{{").replace('}', "}}"),
            TemplatePart::Field { name, .. } => format!("{{{name}}}"),
        })
        .collect()
}

/// A short, stable digest of some texts (FNV-1a, 64 bits): enough to notice that a
/// description changed.
pub fn digest<'a>(texts: impl IntoIterator<Item = &'a str>) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for text in texts {
        for byte in text.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_stable_and_separate_texts() {
        assert_eq!(digest(["a"]), digest(["a"]));
        assert_ne!(digest(["ab", ""]), digest(["a", "b"]));
        assert_eq!(digest([""]).len(), 16);
    }

    #[test]
    fn templates_round_trip_to_text() {
        let parts = crate::validate::migrate::parse_template("{{x}} {a}").expect("valid");
        assert_eq!(template_text(&parts), "{{x}} {a}");
    }
}
