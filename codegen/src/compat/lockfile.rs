//! The lockfile: the released state of a catalogue, recorded by `events lock` and compared by
//! `events lint`.
//!
//! It is JSON (`events.lock.json` in the schema directory: the loader reads only `*.yaml` and
//! `*.yml`), pretty-printed with one key per line and everything in a fixed order, so that the
//! same schemas always give the same bytes and a review shows exactly what was released.
//! Descriptions are kept as digests: a change of wording is visible (a patch release) without
//! copying every text.
//!
//! The lockfile is a view of the IR, not a model of its own: [`Lockfile::from_catalogue`]
//! records a checked catalogue's wire shape in the IR's own types ([`FieldType`],
//! [`DefaultValue`], [`Constraints`], [`Compatibility`], [`Origin`]), keeping what a later
//! lint compares and leaving out what only code generation needs (texts, spans, Rust names,
//! resolved conversions). The lint reads the baseline and the schemas being linted through
//! this one view.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::ir::{
    Catalogue, Compatibility, Constraints, DefaultValue, EnumDef, Field, FieldType, NamedKind,
    NamedType, Origin,
};

/// The lockfile's name inside the schema directory.
pub const LOCKFILE_NAME: &str = "events.lock.json";

/// The version of the lockfile format this crate writes. Format 1 (without `releases`) is
/// read as well.
pub const FORMAT: u32 = 2;

/// The released state of a whole catalogue. Read one with [`Lockfile::from_text`]: the file
/// names types only by name, and a field read alone takes every named type for a record.
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
    pub compatibility: Compatibility,
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
    pub compatibility: Option<Compatibility>,
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
    /// Its type, written as the schema spells it: `list<Urgency>`.
    #[serde(
        rename = "type",
        serialize_with = "type_text",
        deserialize_with = "read_type"
    )]
    pub ty: FieldType,
    /// May be absent or null.
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
    /// Default value, written as JSON.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "default_json",
        deserialize_with = "read_default"
    )]
    pub default: Option<DefaultValue>,
    /// Redacted in logs.
    #[serde(default, skip_serializing_if = "is_false")]
    pub sensitive: bool,
    /// Constraints.
    #[serde(default, skip_serializing_if = "Constraints::is_empty")]
    pub constraints: Constraints,
    /// Where its value comes from in the previous version (v2 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Origin>,
    /// Digest of the description.
    pub docs: String,
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
                        let migration = version.migration.as_ref();
                        LockedVersion {
                            version: version.number,
                            docs: digest([version.description.as_str()]),
                            user_id_required: version.requires_user_id.is_some(),
                            migrate_with: migration
                                .and_then(|migration| migration.function())
                                .map(str::to_owned),
                            fields: version
                                .fields
                                .iter()
                                .map(|field| LockedField {
                                    source: migration
                                        .and_then(|migration| migration.origin(&field.name)),
                                    ..locked_field(field)
                                })
                                .collect(),
                        }
                    })
                    .collect();
                let locked = LockedEvent {
                    file,
                    compatibility: event.compatibility,
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
            compatibility: catalogue.compatibility,
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
            .filter(|finding| finding.severity == crate::diagnostic::Severity::Error)
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

    /// Reads a lockfile's text. The file names types only by name: each field's type and
    /// default are read in the light of the lockfile's own `types` (which are enums), so a
    /// lockfile naming a type it does not define, or a default that does not fit its type, is
    /// an error.
    pub fn from_text(text: &str) -> Result<Self, String> {
        let mut lock: Self = serde_json::from_str(text).map_err(|error| error.to_string())?;
        if !(1..=FORMAT).contains(&lock.format) {
            return Err(format!(
                "lockfile format {} is not supported (this version reads formats 1 to {FORMAT})",
                lock.format
            ));
        }
        let kinds: BTreeMap<String, NamedKind> = lock
            .types
            .iter()
            .map(|(name, def)| {
                let kind = match def {
                    LockedType::Enum { .. } => NamedKind::Enum,
                    LockedType::Record { .. } => NamedKind::Record,
                };
                (name.clone(), kind)
            })
            .collect();
        let records = lock.types.values_mut().filter_map(|def| match def {
            LockedType::Record { fields, .. } => Some(fields),
            LockedType::Enum { .. } => None,
        });
        let versions = lock
            .events
            .values_mut()
            .flat_map(|event| &mut event.versions)
            .map(|version| &mut version.fields);
        for field in records.chain(versions).flatten() {
            field.resolve(&kinds)?;
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
        ty: field.ty.clone(),
        optional: field.optional,
        default: field.default.clone(),
        sensitive: field.sensitive,
        constraints: field.constraints.clone(),
        source: None,
        docs: digest([field.description.as_str()]),
    }
}

impl LockedField {
    /// Gives the named types of a field read from a file their kind (they are read as
    /// records), and reads its default as a value of its type.
    fn resolve(&mut self, kinds: &BTreeMap<String, NamedKind>) -> Result<(), String> {
        let unresolved = |ty: &FieldType| ty.schema_name();
        let text = unresolved(&self.ty);
        self.ty = FieldType::parse(&text, |name| kinds.get(name).copied())
            .map_err(|error| format!("field `{}` has type `{text}`: {error}", self.name))?;
        if let Some(value) = &self.default {
            self.default = Some(
                DefaultValue::from_json(&value.to_json(), &self.ty).ok_or_else(|| {
                    format!("the default of field `{}` is not a `{text}`", self.name)
                })?,
            );
        }
        Ok(())
    }
}

/// Writes a type as the schema spells it.
fn type_text<S: Serializer>(ty: &FieldType, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&ty.schema_name())
}

/// Reads a type written as the schema spells it; named types read as records until
/// [`LockedField::resolve`] looks them up.
fn read_type<'de, D: Deserializer<'de>>(deserializer: D) -> Result<FieldType, D::Error> {
    let text = String::deserialize(deserializer)?;
    FieldType::parse(&text, |_| Some(NamedKind::Record)).map_err(serde::de::Error::custom)
}

/// Writes a default as JSON.
fn default_json<S: Serializer>(
    value: &Option<DefaultValue>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    value
        .as_ref()
        .map(DefaultValue::to_json)
        .serialize(serializer)
}

/// Reads a default written as JSON, as the value that JSON is without knowing the type (a
/// string, an integer or a float, a list, an empty map); [`LockedField::resolve`] reads it
/// again as a value of the field's type.
fn read_default<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DefaultValue>, D::Error> {
    fn untyped(value: &Value) -> Option<DefaultValue> {
        Some(match value {
            Value::String(text) => DefaultValue::String(text.clone()),
            Value::Bool(value) => DefaultValue::Bool(*value),
            Value::Number(number) => match number.as_i64() {
                Some(int) => DefaultValue::Int(int),
                None => DefaultValue::Float(number.as_f64()?),
            },
            Value::Array(items) => {
                DefaultValue::List(items.iter().map(untyped).collect::<Option<_>>()?)
            }
            Value::Object(map) if map.is_empty() => DefaultValue::EmptyMap,
            Value::Object(_) | Value::Null => return None,
        })
    }
    let value = Value::deserialize(deserializer)?;
    untyped(&value)
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("`{value}` is not a default value")))
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

    /// A lockfile with one enum, one record and one event whose field is `ty` with `default`.
    fn lockfile(ty: &str, default: &str) -> String {
        format!(
            r#"{{
  "about": "",
  "format": 2,
  "catalogue": "c",
  "version": "1.0.0",
  "compatibility": "BACKWARD",
  "types": {{
    "Point": {{ "kind": "record", "fields": [], "docs": "" }},
    "Urgency": {{ "kind": "enum", "values": ["low"], "docs": "" }}
  }},
  "events": {{
    "a.happened": {{
      "file": "a.yaml",
      "docs": "",
      "versions": [{{ "version": 1, "docs": "", "fields": [
        {{ "name": "x", "type": "{ty}", "default": {default}, "docs": "" }}
      ] }}]
    }}
  }}
}}"#
        )
    }

    #[test]
    fn fields_read_back_in_the_light_of_the_named_types() {
        let lock = Lockfile::from_text(&lockfile("list<Urgency>", r#"["low"]"#)).expect("reads");
        let field = &lock.events["a.happened"].versions[0].fields[0];
        assert_eq!(
            field.ty,
            FieldType::List(Box::new(FieldType::Enum("Urgency".into())))
        );
        assert_eq!(
            field.default,
            Some(DefaultValue::List(vec![DefaultValue::Enum("low".into())]))
        );
        let error = Lockfile::from_text(&lockfile("Missing", "1")).expect_err("unknown type");
        assert!(error.contains("unknown type `Missing`"), "{error}");
        let error = Lockfile::from_text(&lockfile("bool", "1")).expect_err("a bad default");
        assert!(error.contains("the default of field `x`"), "{error}");
        let error = Lockfile::from_text(&lockfile("int64", "1").replace("BACKWARD", "SIDEWAYS"))
            .expect_err("an unknown level");
        assert!(
            error.contains("unknown compatibility level `SIDEWAYS`"),
            "{error}"
        );
    }
}
