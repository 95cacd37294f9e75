//! What an instance announces: a publisher, the newest version of each type of the registry it
//! produces, with every version's fingerprint and JSON Schema; a subscriber, per handler the
//! version it is written for and the newest version it reads.

use std::collections::BTreeMap;

use super::record::Readable;
use super::register::TypeAnnouncement;
use crate::event::Event;
use crate::registry::{Registry, RegistryEntry};

/// Fingerprint and JSON Schema of a version, where it has them.
fn shape(_entry: &RegistryEntry) -> (Option<String>, Option<String>) {
    (None, None)
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
                let (fingerprint, schema) = shape(entry);
                if let Some(fingerprint) = fingerprint {
                    fingerprints.insert(version, fingerprint);
                    if let Some(schema) = schema {
                        schemas.insert(version, schema);
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

/// A consumer whose handler is written for `E`.
pub(crate) fn consuming<E: Event>() -> TypeAnnouncement {
    let registry = Registry::new().with::<E>();
    let mut announcement = producing(&registry).remove(0);
    announcement.produces = None;
    announcement.knows = Some(E::VERSION);
    announcement.reads = Some(Readable::UpTo(E::VERSION));
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
