//! What an instance announces: a publisher, the newest version of each type of the registry it
//! produces, with every version's fingerprint and JSON Schema; a subscriber, per handler the
//! version it is written for and the newest version it reads.

use std::collections::BTreeMap;

use super::record::Readable;
use crate::event::Event;
use crate::registry::Registry;

/// What an instance says about one event type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TypeAnnouncement {
    pub(crate) event_type: String,
    /// The version published (producers).
    pub(crate) produces: Option<u32>,
    /// The version the handler is written for (consumers).
    pub(crate) knows: Option<u32>,
    /// The newest version it reads (consumers).
    pub(crate) reads: Option<Readable>,
    /// Fingerprints of the versions it was built with.
    pub(crate) fingerprints: BTreeMap<u32, String>,
    /// JSON Schemas of those versions, by version.
    pub(crate) schemas: BTreeMap<u32, String>,
}

/// A publisher of every type of `registry`, at its newest version there.
pub(crate) fn producing(registry: &Registry) -> Vec<TypeAnnouncement> {
    registry
        .event_types()
        .into_iter()
        .map(|event_type| {
            let mut fingerprints = BTreeMap::new();
            let mut schemas = BTreeMap::new();
            for version in registry.versions(event_type) {
                let Some(entry) = registry.entry(event_type, version) else {
                    continue;
                };
                // A version without a fingerprint (hand-written, shape unknown) is announced
                // without one, and the checks skip it.
                if let Some(fingerprint) = entry.fingerprint {
                    fingerprints.insert(version, fingerprint.to_owned());
                    if let Some(schema) = entry.json_schema {
                        schemas.insert(version, schema.to_owned());
                    }
                }
            }
            TypeAnnouncement {
                event_type: event_type.to_owned(),
                produces: registry.latest_version(event_type),
                knows: None,
                reads: None,
                fingerprints,
                schemas,
            }
        })
        .collect()
}

/// A consumer whose handler is written for `E`: it reads up to `E`'s version, or every
/// newer version too when the type's level promises that old readers read new data (the
/// subscriber then reads them as `E`).
pub(crate) fn consuming<E: Event>() -> TypeAnnouncement {
    let registry = Registry::new().with::<E>();
    let mut announcement = producing(&registry).remove(0);
    announcement.produces = None;
    announcement.knows = Some(E::VERSION);
    announcement.reads = Some(if E::COMPATIBILITY.old_readers_read_new_data() {
        Readable::Any
    } else {
        Readable::UpTo(E::VERSION)
    });
    announcement
}

/// A consumer of raw entries of `event_type`, whatever their version.
pub(crate) fn consuming_raw(event_type: &str) -> TypeAnnouncement {
    TypeAnnouncement {
        event_type: event_type.to_owned(),
        produces: None,
        knows: None,
        reads: Some(Readable::Any),
        fingerprints: BTreeMap::new(),
        schemas: BTreeMap::new(),
    }
}
