//! The run-time registry: events of any schema directory decoded, validated and upgraded by
//! interpreting the generator's checked model (`event_codegen::ir::Catalogue`), with the same
//! results as the code `event-codegen` generates from the same schemas.
//!
//! The operator commands (`publish`, `consume`, `tail`, `replay`, `dlq show`) use it so that
//! they work on a team's own catalogue (`--schemas DIR`), not only on the one compiled into
//! `events`; the built-in catalogue goes through it too (its YAML is embedded in the binary),
//! so there is one path. One module per step, as in the generated code:
//!
//! - [`decode`](self::decode): event JSON -> [`Event`], as the generated `Deserialize` impls;
//! - `check`: [`Schemas::validate`], as the generated `validate()` methods;
//! - `migrate`: upgrades, as the generated `From` impls;
//! - [`value`]: decoded values and their wire JSON, as the generated `Serialize` impls;
//! - [`source`]: which catalogue a command uses.
//!
//! `cli/tests/interpreter` holds all of it equal to the generated code, on the whole
//! catalogue and on a fixture with every migration form.
//!
//! **Architecture Invariant:** this lives in the CLI: `event-runtime` never depends on
//! `event-codegen`.

mod check;
mod decode;
mod error;
mod migrate;
pub mod source;
pub mod value;

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use event_codegen::ir::{
    Catalogue, Compatibility, DefaultValue, EventDef, Field, FieldSource, FieldType, Migration,
    NamedType, VersionDef,
};
use event_runtime::EventId;
use event_runtime::wire::parse_version;
use regex_lite::Regex;
use uuid::Uuid;

pub use error::DecodeError;
pub use value::{EnumValue, Event, Value};

/// A catalogue loaded at run time, ready to decode, validate and upgrade its events.
#[derive(Debug, Clone)]
pub struct Schemas {
    catalogue: Catalogue,
    /// Each `pattern` constraint, compiled as the generated code compiles it (anchored).
    patterns: HashMap<String, Regex>,
    source: Source,
}

/// Where a catalogue came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A directory named with `--schemas`.
    Flag(PathBuf),
    /// `./schemas` of the working directory.
    WorkingDir(PathBuf),
    /// The catalogue built into `events`.
    BuiltIn,
    /// Built from an IR in memory (tests).
    Memory,
}

/// Why a catalogue cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The schema files cannot be read, or have errors (with their diagnostics).
    #[error(transparent)]
    Schema(#[from] event_codegen::Error),
    /// The catalogue passed the generator's checks but holds something the generated code
    /// could not compile either (a default or a pattern that does not fit).
    #[error("{0}")]
    Unusable(String),
}

impl Schemas {
    /// Prepares a checked catalogue: compiles its patterns and checks its defaults.
    pub fn new(catalogue: Catalogue, source: Source) -> Result<Self, LoadError> {
        let mut schemas = Self {
            catalogue,
            patterns: HashMap::new(),
            source,
        };
        let mut patterns = HashMap::new();
        let mut problems = Vec::new();
        for (owner, field) in schemas.all_fields() {
            if let Some(pattern) = &field.constraints.pattern {
                match Regex::new(&format!("^(?:{pattern})$")) {
                    Ok(regex) => {
                        patterns.insert(pattern.clone(), regex);
                    }
                    Err(error) => problems.push(format!(
                        "{owner}: field `{}`: pattern `{pattern}`: {error}",
                        field.name
                    )),
                }
            }
            if let Some(default) = &field.default {
                if default_value(&schemas, &field.ty, default).is_none() {
                    problems.push(format!(
                        "{owner}: field `{}`: the default does not fit `{}`",
                        field.name,
                        field.ty.schema_name()
                    ));
                }
            }
        }
        problems.extend(schemas.migration_problems());
        if !problems.is_empty() {
            return Err(LoadError::Unusable(problems.join("\n")));
        }
        schemas.patterns = patterns;
        Ok(schemas)
    }

    /// Reads and checks the schema files of `dir`.
    pub fn load_dir(dir: impl Into<PathBuf>, source: Source) -> Result<Self, LoadError> {
        let dir = dir.into();
        let catalogue = event_codegen::load_dir(&dir)?.into_result()?;
        Self::new(catalogue, source)
    }

    /// The catalogue built into `events` (the repository's `schemas/`, embedded at build
    /// time), through the same interpreter as any other.
    pub fn built_in() -> Result<Self, LoadError> {
        let files = source::BUILT_IN
            .iter()
            .map(|(path, text)| event_codegen::ir::SourceFile {
                path: (*path).to_owned(),
                text: (*text).to_owned(),
            })
            .collect();
        let catalogue = event_codegen::load_sources(files).into_result()?;
        Self::new(catalogue, Source::BuiltIn)
    }

    /// The checked model.
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// Where the catalogue came from.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// One line for people: which catalogue, from where, with how many event types.
    pub fn describe(&self) -> String {
        let name = format!(
            "catalogue `{}` {}",
            self.catalogue.name, self.catalogue.version
        );
        let place = match &self.source {
            Source::Flag(dir) => format!("from {} (--schemas)", dir.display()),
            Source::WorkingDir(dir) => format!("from {}", dir.display()),
            Source::BuiltIn => {
                "built into events (no schema files in ./schemas; --schemas DIR for another)"
                    .to_owned()
            }
            Source::Memory => "in memory".to_owned(),
        };
        format!(
            "schemas: {name} {place}: {} event types",
            self.catalogue.events.len()
        )
    }

    /// The definition of an event type.
    pub fn event(&self, event_type: &str) -> Option<&EventDef> {
        self.catalogue.events.get(event_type)
    }

    /// Every event type, sorted.
    pub fn event_types(&self) -> Vec<&str> {
        self.catalogue.events.keys().map(String::as_str).collect()
    }

    /// The versions of a type, ascending; empty for an unknown type.
    pub fn versions(&self, event_type: &str) -> Vec<u32> {
        self.event(event_type)
            .map(|event| {
                event
                    .versions
                    .iter()
                    .map(|version| version.number)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The newest version of a type.
    pub fn latest_version(&self, event_type: &str) -> Option<u32> {
        self.versions(event_type).last().copied()
    }

    /// Decodes data of `event_type` written at `version` (`"v1"`), as that same version,
    /// and validates it (`Registry::decode` of the generated registry).
    pub fn decode(
        &self,
        event_type: &str,
        version: &str,
        event_data: &str,
    ) -> Result<Event, DecodeError> {
        let from = self.known_version(event_type, version)?;
        self.decode_as(event_type, from, event_data, from)
    }

    /// Decodes data written at version `from`, validates it, and upgrades it to `to` through
    /// the migrations, validating each version on the way (`Registry::decode_as`).
    pub fn decode_as(
        &self,
        event_type: &str,
        from: u32,
        event_data: &str,
        to: u32,
    ) -> Result<Event, DecodeError> {
        let Some(event) = self.event(event_type) else {
            return Err(self.unknown(event_type, &format!("v{to}")));
        };
        let Some(target) = self.version_def(event, to) else {
            return Err(self.unknown(event_type, &format!("v{to}")));
        };
        if from > to {
            // Newer data is read as the older version where the type's level promises that
            // old readers read new data, as the runtime's typed reads do.
            if !self.old_readers_read_new_data(event_type) {
                return Err(DecodeError::Downgrade {
                    event_type: event_type.to_owned(),
                    from,
                    to,
                });
            }
            let decoded = decode::decode(self, event_type, target, event_data, None)?;
            return self.checked(decoded);
        }
        let Some(version) = self.version_def(event, from) else {
            // Only version 0 is below a known version and unknown itself.
            return Err(DecodeError::NoMigration {
                event_type: event_type.to_owned(),
                from,
                to: 1,
            });
        };
        let decoded = decode::decode(self, event_type, version, event_data, None)?;
        self.checked(decoded)
            .and_then(|decoded| self.upgrade(decoded, to))
    }

    /// Whether the level of `event_type` (as the lint enforces it) promises that readers of
    /// an older version read newer data: `FORWARD`, `FULL` and their transitive forms.
    fn old_readers_read_new_data(&self, event_type: &str) -> bool {
        matches!(
            event_codegen::compat::lint::level_of(&self.catalogue, event_type),
            Compatibility::Forward
                | Compatibility::ForwardTransitive
                | Compatibility::Full
                | Compatibility::FullTransitive
        )
    }

    /// Decodes data written at `version` and upgrades it to the newest version.
    pub fn decode_latest(
        &self,
        event_type: &str,
        version: &str,
        event_data: &str,
    ) -> Result<Event, DecodeError> {
        let from = self.known_version(event_type, version)?;
        let latest = self.latest_version(event_type).unwrap_or(from);
        self.decode_as(event_type, from, event_data, latest)
    }

    /// Decodes an event to publish, written at `version`: as [`decode_as`](Self::decode_as)
    /// to the same version, except that an absent `event_id` or `timestamp` is filled with
    /// `event_id` and `timestamp` (a new event), as a publisher's new `Envelope` would be.
    pub fn decode_new(
        &self,
        event_type: &str,
        version: u32,
        event_data: &str,
        event_id: EventId,
        timestamp: DateTime<Utc>,
    ) -> Result<Event, DecodeError> {
        let Some(version_def) = self
            .event(event_type)
            .and_then(|event| self.version_def(event, version))
        else {
            return Err(self.unknown(event_type, &format!("v{version}")));
        };
        let fill = decode::Fill {
            event_id,
            timestamp,
        };
        let decoded = decode::decode(self, event_type, version_def, event_data, Some(fill))?;
        self.checked(decoded)
    }

    /// Upgrades a decoded event to version `to`, validating each version on the way.
    pub fn upgrade(&self, mut event: Event, to: u32) -> Result<Event, DecodeError> {
        if event.version > to {
            return Err(DecodeError::Downgrade {
                event_type: event.event_type,
                from: event.version,
                to,
            });
        }
        let Some(def) = self.event(&event.event_type) else {
            return Err(self.unknown(&event.event_type, &format!("v{to}")));
        };
        while event.version < to {
            let (Some(previous), Some(next)) = (
                self.version_def(def, event.version),
                self.version_def(def, event.version + 1),
            ) else {
                return Err(self.unknown(&event.event_type, &format!("v{to}")));
            };
            event = self.checked(self.upgrade_step(event, previous, next)?)?;
        }
        Ok(event)
    }

    fn checked(&self, event: Event) -> Result<Event, DecodeError> {
        match self.validate(&event) {
            Ok(()) => Ok(event),
            Err(violations) => Err(DecodeError::Invalid {
                event_type: event.event_type,
                version: event.version,
                violations,
            }),
        }
    }

    fn version_def<'a>(&self, event: &'a EventDef, number: u32) -> Option<&'a VersionDef> {
        event
            .versions
            .iter()
            .find(|version| version.number == number)
    }

    fn known_version(&self, event_type: &str, version: &str) -> Result<u32, DecodeError> {
        parse_version(version)
            .filter(|number| self.versions(event_type).contains(number))
            .ok_or_else(|| self.unknown(event_type, version))
    }

    fn unknown(&self, event_type: &str, version: &str) -> DecodeError {
        let versions = self.versions(event_type);
        if versions.is_empty() {
            return DecodeError::UnknownEventType {
                event_type: event_type.to_owned(),
            };
        }
        DecodeError::UnknownVersion {
            event_type: event_type.to_owned(),
            version: version.to_owned(),
            known: versions
                .iter()
                .map(|version| format!("v{version}"))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// A type holds a record with a sensitive field, at any depth (its decode errors are
    /// withheld like a sensitive field's, as the generated `SENSITIVE_FIELDS` lists it).
    fn holds_sensitive(&self, ty: &FieldType) -> bool {
        let mut pending = vec![ty];
        let mut seen: Vec<&str> = Vec::new();
        while let Some(ty) = pending.pop() {
            match ty {
                FieldType::List(inner) | FieldType::Map(inner) => pending.push(inner),
                FieldType::Record(name) if !seen.contains(&name.as_str()) => {
                    seen.push(name);
                    if let Some(NamedType::Record(record)) = self.catalogue.types.get(name) {
                        if record.fields.iter().any(|field| field.sensitive) {
                            return true;
                        }
                        pending.extend(record.fields.iter().map(|field| &field.ty));
                    }
                }
                _ => {}
            }
        }
        false
    }

    /// Every field of every version and record, with a name for messages.
    fn all_fields(&self) -> Vec<(String, &Field)> {
        let versions = self.catalogue.events.values().flat_map(|event| {
            event.versions.iter().flat_map(move |version| {
                version
                    .fields
                    .iter()
                    .map(move |field| (format!("{} v{}", event.name, version.number), field))
            })
        });
        let records = self
            .catalogue
            .types
            .values()
            .filter_map(|named| match named {
                NamedType::Record(record) => Some(record),
                NamedType::Enum(_) => None,
            })
            .flat_map(|record| {
                record
                    .fields
                    .iter()
                    .map(move |field| (format!("record `{}`", record.name), field))
            });
        versions.chain(records).collect()
    }

    /// Defaults of migrations that do not fit their field (the generated code would not
    /// compile), so that upgrades never meet one.
    fn migration_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for event in self.catalogue.events.values() {
            for version in &event.versions {
                let Some(Migration::Fields(sources)) = &version.migration else {
                    continue;
                };
                for source in sources {
                    let Some(field) = version.fields.iter().find(|f| f.name == source.field) else {
                        continue;
                    };
                    let fits = match &source.source {
                        FieldSource::Default(value) => {
                            default_value(self, &field.ty, value).is_some()
                        }
                        FieldSource::Field {
                            from_optional: true,
                            to_optional: false,
                            default,
                            ..
                        } => match default {
                            Some(value) => default_value(self, &field.ty, value).is_some(),
                            None => type_default(&field.ty).is_some(),
                        },
                        _ => true,
                    };
                    if !fits {
                        problems.push(format!(
                            "{} v{}: field `{}`: no value of `{}` for absent data",
                            event.name,
                            version.number,
                            field.name,
                            field.ty.schema_name()
                        ));
                    }
                }
            }
        }
        problems
    }
}

/// A default value of a field of type `ty`, as the generated default expressions build it;
/// `None` when it does not fit (the generated code would not compile).
pub(crate) fn default_value(
    schemas: &Schemas,
    ty: &FieldType,
    value: &DefaultValue,
) -> Option<Value> {
    Some(match (ty, value) {
        (FieldType::String, DefaultValue::String(text)) => Value::String(text.clone()),
        (FieldType::DateTime, DefaultValue::String(text)) => {
            Value::DateTime(event_runtime::wire::parse_timestamp(text)?)
        }
        (FieldType::Uuid, DefaultValue::String(text)) => Value::Uuid(text.parse().ok()?),
        (FieldType::Date, DefaultValue::String(text)) => Value::Date(text.parse().ok()?),
        (FieldType::Decimal, DefaultValue::String(text)) => Value::Decimal(text.parse().ok()?),
        (FieldType::Bool, DefaultValue::Bool(value)) => Value::Bool(*value),
        (FieldType::Int32, DefaultValue::Int(value)) => Value::Int32(i32::try_from(*value).ok()?),
        (FieldType::Int64, DefaultValue::Int(value)) => Value::Int64(*value),
        // An integral float written for an integer field (`default: 2.0`).
        (FieldType::Int32, DefaultValue::Float(value)) if value.fract() == 0.0 => {
            Value::Int32(i32::try_from(*value as i64).ok()?)
        }
        (FieldType::Int64, DefaultValue::Float(value)) if value.fract() == 0.0 => {
            Value::Int64(*value as i64)
        }
        (FieldType::Float64, DefaultValue::Int(value)) => Value::Float64(*value as f64),
        (FieldType::Float64, DefaultValue::Float(value)) => Value::Float64(*value),
        (FieldType::Enum(name), DefaultValue::Enum(wire) | DefaultValue::String(wire)) => {
            let Some(NamedType::Enum(def)) = schemas.catalogue.types.get(name) else {
                return None;
            };
            let value = def.values.iter().find(|value| value.wire == *wire)?;
            Value::Enum(EnumValue::Known {
                variant: value.variant.clone(),
                wire: value.wire.clone(),
            })
        }
        (FieldType::List(item), DefaultValue::List(items)) => Value::List(
            items
                .iter()
                .map(|value| default_value(schemas, item, value))
                .collect::<Option<Vec<_>>>()?,
        ),
        (FieldType::Map(_), DefaultValue::EmptyMap) => Value::Map(Default::default()),
        (FieldType::Json, DefaultValue::EmptyMap) => Value::Json(Default::default()),
        _ => return None,
    })
}

/// `Default::default()` of a type (`unwrap_or_default()` in the generated code); `None` for
/// types without one.
pub(crate) fn type_default(ty: &FieldType) -> Option<Value> {
    Some(match ty {
        FieldType::String => Value::String(String::new()),
        FieldType::Bool => Value::Bool(false),
        FieldType::Int32 => Value::Int32(0),
        FieldType::Int64 => Value::Int64(0),
        FieldType::Float64 => Value::Float64(0.0),
        FieldType::Uuid => Value::Uuid(Uuid::nil()),
        FieldType::DateTime => Value::DateTime(DateTime::<Utc>::default()),
        FieldType::Date => Value::Date(chrono::NaiveDate::default()),
        FieldType::Json => Value::Json(Default::default()),
        FieldType::List(_) => Value::List(Vec::new()),
        FieldType::Map(_) => Value::Map(Default::default()),
        FieldType::Decimal | FieldType::Enum(_) | FieldType::Record(_) => return None,
    })
}
