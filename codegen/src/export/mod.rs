//! Exports: documents about the catalogue for other languages and for people.
//!
//! - [`jsonschema`]: one JSON Schema (2020-12) per event version, envelope included, that
//!   accepts exactly the `event_data` JSON the runtime writes and reads.
//! - [`asyncapi`]: an AsyncAPI 3.0 document: a channel per Redis stream (`events:<type>`) and
//!   per Pub/Sub channel (`events.<type>`), one message per event version.
//! - [`markdown`]: a human catalogue: events, versions, fields, migrations, types.
//! - [`yaml`]: any of the JSON documents as YAML (`events export asyncapi --out x.yaml`).
//!
//! The schemas of fields are built once, in [`schema`], and shared by the first two.

pub mod asyncapi;
pub mod jsonschema;
pub mod markdown;
pub mod schema;
pub mod yaml;
