//! Reading the registry: every entry of a stream a page at a time (`XRANGE`), the types of
//! the index, the views of types, the schemas of a type.

use std::collections::BTreeSet;

use super::record::{SchemaRecord, index_types, now_ms};
use super::view::FleetType;
use crate::error::Result;
use crate::transport::Transport;
use crate::wire::{REGISTRY_TYPES_KEY, StreamEntry, registry_key, registry_schemas_key};

/// Entries per `XRANGE` page.
const PAGE: usize = 1000;

/// Every entry of `key`, oldest first, a page at a time.
pub(crate) async fn all_entries(transport: &Transport, key: &str) -> Result<Vec<StreamEntry>> {
    let mut entries: Vec<StreamEntry> = Vec::new();
    let mut start = "-".to_owned();
    loop {
        let page = transport.range(key, &start, "+", PAGE).await?;
        let full = page.len() == PAGE;
        if let Some(last) = page.last() {
            start = format!("({}", last.id);
        }
        entries.extend(page);
        if !full {
            return Ok(entries);
        }
    }
}

/// Every event type the index lists, sorted, once each.
pub(crate) async fn registered_types(transport: &Transport) -> Result<Vec<String>> {
    let entries = all_entries(transport, REGISTRY_TYPES_KEY).await?;
    let types: BTreeSet<String> = entries.iter().flat_map(index_types).collect();
    Ok(types.into_iter().collect())
}

/// The views of `types` now (a type nobody registered has an empty view).
pub(crate) async fn read_types(transport: &Transport, types: &[&str]) -> Result<Vec<FleetType>> {
    let mut views = Vec::with_capacity(types.len());
    for event_type in types {
        let entries = all_entries(transport, &registry_key(event_type)).await?;
        views.push(FleetType::from_entries(event_type, &entries, now_ms()));
    }
    Ok(views)
}

/// The schemas stored for `event_type`, by version then fingerprint, once each.
pub(crate) async fn schemas(transport: &Transport, event_type: &str) -> Result<Vec<SchemaRecord>> {
    let entries = all_entries(transport, &registry_schemas_key(event_type)).await?;
    let mut schemas: Vec<SchemaRecord> = entries.iter().filter_map(SchemaRecord::parse).collect();
    schemas.sort_by(|a, b| (a.version, &a.fingerprint).cmp(&(b.version, &b.fingerprint)));
    schemas.dedup_by(|a, b| a.version == b.version && a.fingerprint == b.fingerprint);
    Ok(schemas)
}
