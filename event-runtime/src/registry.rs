//! The registry: every known event type and version, for decoding by name at run time, and
//! [`DynEvent`], the type-erased event it returns.

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;

use crate::envelope::Envelope;
use crate::event::Event;
use crate::event::compatibility::Compatibility;
use crate::event::decode::DecodeError;
use crate::event::encode::EncodeError;
use crate::validate::ValidationError;
use crate::wire::parse_version;

/// Decodes data written at some version and upgrades it to the entry's version.
type DecodeFn = fn(u32, &str) -> Result<Box<dyn DynEvent>, DecodeError>;

/// What the registry knows of one event version.
#[derive(Clone, Copy)]
pub struct RegistryEntry {
    /// The event type.
    pub event_type: &'static str,
    /// The version.
    pub version: u32,
    /// The schema's description.
    pub description: &'static str,
    /// Fields kept out of logs and errors.
    pub sensitive_fields: &'static [&'static str],
    /// Rust type name, for messages.
    pub rust_type: &'static str,
    /// The compatibility level of the event type ([`Event::COMPATIBILITY`]).
    pub compatibility: Compatibility,
    /// The fingerprint of this version's wire shape ([`Event::FINGERPRINT`]).
    pub fingerprint: Option<&'static str>,
    /// The JSON Schema of this version ([`Event::JSON_SCHEMA`]).
    pub json_schema: Option<&'static str>,
    decode: DecodeFn,
}

impl fmt::Debug for RegistryEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryEntry")
            .field("event_type", &self.event_type)
            .field("version", &self.version)
            .field("rust_type", &self.rust_type)
            .field("compatibility", &self.compatibility)
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

fn decode_boxed<E: Event>(
    version: u32,
    event_data: &str,
) -> Result<Box<dyn DynEvent>, DecodeError> {
    E::decode_version(version, event_data).map(|event| Box::new(event) as Box<dyn DynEvent>)
}

/// Every event version a service knows, by type and version.
///
/// Generated code provides a `registry()` function that registers the whole catalogue;
/// hand-written events are added with [`register`](Registry::register).
///
/// ```
/// # use event_runtime::Registry;
/// let registry = Registry::new();
/// assert!(registry.is_empty());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Registry {
    entries: BTreeMap<&'static str, BTreeMap<u32, RegistryEntry>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `E`. Registering a type and version again replaces the earlier entry.
    pub fn register<E: Event>(&mut self) -> &mut Self {
        self.entries.entry(E::EVENT_TYPE).or_default().insert(
            E::VERSION,
            RegistryEntry {
                event_type: E::EVENT_TYPE,
                version: E::VERSION,
                description: E::DESCRIPTION,
                sensitive_fields: E::SENSITIVE_FIELDS,
                rust_type: std::any::type_name::<E>(),
                compatibility: E::COMPATIBILITY,
                fingerprint: E::FINGERPRINT,
                json_schema: E::JSON_SCHEMA,
                decode: decode_boxed::<E>,
            },
        );
        self
    }

    /// Adds `E`, by value.
    #[must_use]
    pub fn with<E: Event>(mut self) -> Self {
        self.register::<E>();
        self
    }

    /// Adds every entry of another registry.
    pub fn extend(&mut self, other: &Registry) -> &mut Self {
        for (event_type, versions) in &other.entries {
            self.entries
                .entry(event_type)
                .or_default()
                .extend(versions.iter().map(|(v, e)| (*v, *e)));
        }
        self
    }

    /// True when nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every entry, ordered by type then version.
    pub fn entries(&self) -> impl Iterator<Item = &RegistryEntry> {
        self.entries.values().flat_map(BTreeMap::values)
    }

    /// The entry of one version.
    pub fn entry(&self, event_type: &str, version: u32) -> Option<&RegistryEntry> {
        self.entries.get(event_type)?.get(&version)
    }

    /// Every event type, sorted, once each.
    pub fn event_types(&self) -> Vec<&'static str> {
        self.entries.keys().copied().collect()
    }

    /// The versions of a type, ascending.
    pub fn versions(&self, event_type: &str) -> Vec<u32> {
        self.entries
            .get(event_type)
            .map(|versions| versions.keys().copied().collect())
            .unwrap_or_default()
    }

    /// The newest version of a type.
    pub fn latest_version(&self, event_type: &str) -> Option<u32> {
        self.latest(event_type).map(|entry| entry.version)
    }

    /// The entry of the newest version of a type.
    pub fn latest(&self, event_type: &str) -> Option<&RegistryEntry> {
        self.entries
            .get(event_type)?
            .last_key_value()
            .map(|(_, entry)| entry)
    }

    /// The entry of the newest version of every type, ordered by type: what a consumer of
    /// the whole registry reads at most.
    pub fn latest_entries(&self) -> impl Iterator<Item = &RegistryEntry> {
        self.entries
            .values()
            .filter_map(|versions| versions.last_key_value().map(|(_, entry)| entry))
    }

    /// The compatibility level of a type, as its newest version states it; `None` for a type
    /// the registry does not know.
    pub fn compatibility(&self, event_type: &str) -> Option<Compatibility> {
        self.latest(event_type).map(|entry| entry.compatibility)
    }

    /// Decodes data of `event_type` written at `version` (`"v1"`), as that same version.
    pub fn decode(
        &self,
        event_type: &str,
        version: &str,
        event_data: &str,
    ) -> Result<Box<dyn DynEvent>, DecodeError> {
        let from = self.known_version(event_type, version)?;
        self.decode_as(event_type, from, event_data, from)
    }

    /// Decodes data of `event_type` written at version `from` and upgrades it to version `to`
    /// through the migration chain. Data of a newer version than `to` is read as `to` where
    /// the type's level promises that older readers read newer data (`FORWARD`, `FULL` and
    /// their transitive forms), and is [`DecodeError::Downgrade`] otherwise.
    pub fn decode_as(
        &self,
        event_type: &str,
        from: u32,
        event_data: &str,
        to: u32,
    ) -> Result<Box<dyn DynEvent>, DecodeError> {
        let entry = self
            .entry(event_type, to)
            .ok_or_else(|| self.unknown(event_type, &format!("v{to}")))?;
        // Newer data is read as an older version only where the level promises it, as a typed
        // read does (`Event::decode_version`).
        if from > to && !entry.compatibility.old_readers_read_new_data() {
            return Err(DecodeError::Downgrade {
                event_type: event_type.to_owned(),
                from,
                to,
            });
        }
        (entry.decode)(from, event_data)
    }

    /// Decodes data of `event_type` written at `version` and upgrades it to the newest version.
    pub fn decode_latest(
        &self,
        event_type: &str,
        version: &str,
        event_data: &str,
    ) -> Result<Box<dyn DynEvent>, DecodeError> {
        let from = self.known_version(event_type, version)?;
        let latest = self.latest_version(event_type).unwrap_or(from);
        self.decode_as(event_type, from, event_data, latest)
    }

    fn known_version(&self, event_type: &str, version: &str) -> Result<u32, DecodeError> {
        parse_version(version)
            .filter(|number| self.entry(event_type, *number).is_some())
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
                .map(|v| format!("v{v}"))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// An event of any type, as the [`Registry`](crate::Registry) returns it.
///
/// Every [`Event`] is a `DynEvent`. Get the concrete type back with
/// `downcast_ref` or `downcast` (methods of `dyn DynEvent`).
pub trait DynEvent: fmt::Debug + Send + Sync + 'static {
    /// The event type.
    fn event_type(&self) -> &'static str;
    /// The version.
    fn version(&self) -> u32;
    /// The envelope.
    fn envelope(&self) -> &Envelope;
    /// The wire JSON.
    fn to_json(&self) -> Result<String, EncodeError>;
    /// Checks the schema's constraints.
    fn validate(&self) -> Result<(), ValidationError>;
    /// For downcasting.
    fn as_any(&self) -> &dyn Any;
    /// For downcasting by value.
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

impl<E: Event> DynEvent for E {
    fn event_type(&self) -> &'static str {
        E::EVENT_TYPE
    }

    fn version(&self) -> u32 {
        E::VERSION
    }

    fn envelope(&self) -> &Envelope {
        Event::envelope(self)
    }

    fn to_json(&self) -> Result<String, EncodeError> {
        crate::event::encode::encode(self)
    }

    fn validate(&self) -> Result<(), ValidationError> {
        Event::validate(self)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

impl dyn DynEvent {
    /// The concrete event, if it is an `E`.
    pub fn downcast_ref<E: Event>(&self) -> Option<&E> {
        self.as_any().downcast_ref()
    }

    /// The concrete event, or the box back if it is not an `E`.
    pub fn downcast<E: Event>(self: Box<Self>) -> Result<E, Box<dyn Any>> {
        self.into_any().downcast::<E>().map(|event| *event)
    }
}
