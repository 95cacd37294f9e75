//! AsyncAPI 3.0: a channel per Redis stream (`events:<type>`) and per Pub/Sub channel
//! (`events.<type>`), one message per event version (the version is in the message name,
//! since AsyncAPI has no notion of message versions), send and receive operations.

use serde_json::{Map, Value, json};

use crate::export::schema::Builder;
use crate::ir::{Catalogue, EventDef};

/// A channel or operation id: `user.created` -> `userCreated`.
fn id(event: &EventDef) -> String {
    let rust = event.rust_name();
    let mut chars = rust.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => rust,
    }
}

/// The AsyncAPI document as pretty JSON.
pub fn document(catalogue: &Catalogue) -> String {
    let mut text = serde_json::to_string_pretty(&value(catalogue)).unwrap_or_default();
    text.push('\n');
    text
}

/// The same AsyncAPI document as YAML (the form most AsyncAPI tools show in their examples).
pub fn document_yaml(catalogue: &Catalogue) -> String {
    crate::export::yaml::to_yaml(&value(catalogue))
}

/// The AsyncAPI document.
pub fn value(catalogue: &Catalogue) -> Value {
    let builder = Builder {
        catalogue,
        ref_prefix: "#/components/schemas/",
    };
    let mut channels = Map::new();
    let mut operations = Map::new();
    let mut messages = Map::new();
    for event in catalogue.events.values() {
        let base = id(event);
        let mut refs = Map::new();
        for version in &event.versions {
            let name = event.struct_name(version.number);
            refs.insert(
                name.clone(),
                json!({ "$ref": format!("#/components/messages/{name}") }),
            );
            messages.insert(
                name.clone(),
                json!({
                    "name": name,
                    "title": format!("{} v{}", event.name, version.number),
                    "summary": version.description,
                    "contentType": "application/json",
                    "payload": builder.event_version(event, version),
                }),
            );
        }
        let stream = format!("{base}Stream");
        let pubsub = format!("{base}PubSub");
        channels.insert(
            stream.clone(),
            json!({
                "address": format!("events:{}", event.name),
                "title": format!("{} stream", event.name),
                "description": format!(
                    "{}\n\nRedis stream, durable, read through consumer groups. Entry fields: `event_id`, `event_type`, `version` (`v1`, ...), `timestamp` (RFC 3339 UTC) and `event_data`, which holds the message payload as JSON text. Older versions are upgraded on read.",
                    event.description
                ),
                "messages": refs.clone(),
            }),
        );
        channels.insert(
            pubsub.clone(),
            json!({
                "address": format!("events.{}", event.name),
                "title": format!("{} pub/sub", event.name),
                "description": format!(
                    "{}\n\nRedis Pub/Sub channel for real-time fan-out; each message is the `event_data` JSON. Not durable: consumers that must see every event read the stream.",
                    event.description
                ),
                "messages": refs.clone(),
            }),
        );
        let message_refs = |channel: &str| -> Vec<Value> {
            refs.keys()
                .map(|name| json!({ "$ref": format!("#/channels/{channel}/messages/{name}") }))
                .collect()
        };
        operations.insert(
            format!("publish{}", event.rust_name()),
            json!({
                "action": "send",
                "title": format!("Publish {}", event.name),
                "channel": { "$ref": format!("#/channels/{stream}") },
                "messages": message_refs(&stream),
            }),
        );
        operations.insert(
            format!("consume{}", event.rust_name()),
            json!({
                "action": "receive",
                "title": format!("Consume {} through a consumer group", event.name),
                "channel": { "$ref": format!("#/channels/{stream}") },
                "messages": message_refs(&stream),
            }),
        );
        operations.insert(
            format!("subscribe{}", event.rust_name()),
            json!({
                "action": "receive",
                "title": format!("Receive {} in real time", event.name),
                "channel": { "$ref": format!("#/channels/{pubsub}") },
                "messages": message_refs(&pubsub),
            }),
        );
    }
    let schemas: Map<String, Value> = catalogue
        .types
        .iter()
        .map(|(name, def)| (name.clone(), builder.named(def)))
        .collect();
    json!({
        "asyncapi": "3.0.0",
        "info": {
            "title": catalogue.name,
            "version": catalogue.version.to_string(),
            "description": format!(
                "Events of the `{}` catalogue, published on Redis Streams and Pub/Sub. Generated by `events export asyncapi`; compatibility level by default: {}.",
                catalogue.name,
                catalogue.compatibility.as_str()
            ),
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": schemas,
        },
    })
}
