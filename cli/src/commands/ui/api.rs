//! The JSON endpoints (listed in `routes.rs`): what each answers, from the catalogue, the
//! figures and the backend, with sensitive fields redacted on the way out.

use hyper::StatusCode;
use hyper::body::Bytes;
use serde_json::{Map, Value, json};

use super::Console;
use super::backend::{StreamEntry, stream_key};
use super::error::ApiError;
use super::input::{Query, Selection};
use super::redact::redact;
use super::server::{HttpResponse, bytes_response, log};
use crate::commands::entries::event_json;
use event_codegen::compat::fingerprint::fingerprint;

/// Dead letters or entries listed when no `count` is given, and at most.
const DEFAULT_COUNT: usize = 50;
const MAX_COUNT: usize = 500;

/// `GET /api/info`.
pub fn info(console: &Console) -> Value {
    let catalogue = console.schemas.catalogue();
    json!({
        "catalogue": {
            "name": catalogue.name,
            "version": catalogue.version.to_string(),
            "source": console.schemas.describe(),
            "event_types": catalogue.events.len(),
        },
        "backend": console.backend.describe(),
        // The page shows an event's payload before its envelope.
        "envelope_fields": event_runtime::ENVELOPE_FIELDS,
        "writes": console.writes,
        "token_required": console.access.token_required(),
    })
}

/// `GET /api/fleet`: the fleet registry, as `events registry --json` prints it, with
/// `catalogue`: the fingerprint of each version of the registered types in the catalogue the
/// console shows (`{"user.created": {"1": "9f2c...", "2": "41ab..."}}`), so that the page can
/// mark instances built from other schemas.
pub async fn fleet(console: &Console) -> Result<Value, ApiError> {
    let fleet = console
        .backend
        .fleet()
        .await
        .map_err(|error| ApiError::backend(&error).context("reading the fleet registry"))?;
    let catalogue = console.schemas.catalogue();
    let fingerprints: Map<String, Value> = catalogue
        .events
        .iter()
        .filter(|(name, _)| fleet.types.contains_key(*name))
        .map(|(name, event)| {
            let versions: Map<String, Value> = event
                .versions
                .iter()
                .map(|version| {
                    let fingerprint = fingerprint(catalogue, event, version);
                    (version.number.to_string(), Value::String(fingerprint))
                })
                .collect();
            (name.clone(), Value::Object(versions))
        })
        .collect();
    let mut json = serde_json::to_value(fleet)
        .map_err(|error| ApiError::backend(&anyhow::anyhow!("the fleet as JSON: {error}")))?;
    json["catalogue"] = Value::Object(fingerprints);
    Ok(json)
}

/// `GET /api/catalogue`: built once when the console starts.
pub fn catalogue(console: &Console) -> HttpResponse {
    bytes_response(
        StatusCode::OK,
        "application/json",
        console.catalogue.clone(),
    )
}

/// `GET /api/schemas/<type>/v<n>`: a download named as `events export jsonschema` names it.
pub fn schema(console: &Console, event_type: &str, version: u32) -> Result<HttpResponse, ApiError> {
    let (file, schema) =
        super::catalogue::schema(console.schemas.catalogue(), event_type, version)?;
    let mut text = serde_json::to_string_pretty(&schema)
        .map_err(|error| ApiError::backend(&anyhow::anyhow!("the schema: {error}")))?;
    text.push('\n');
    let mut response = bytes_response(StatusCode::OK, "application/schema+json", Bytes::from(text));
    // The file name is an event name and a version, both checked: nothing to escape.
    if let Ok(value) = format!("attachment; filename=\"{file}\"").parse() {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// `GET /api/streams/<type>/entries`: the last `count` entries, or those after `after`.
pub async fn entries(
    console: &Console,
    event_type: &str,
    query: &Query,
) -> Result<Value, ApiError> {
    let count = query.count("count", DEFAULT_COUNT, MAX_COUNT)?;
    let after = query.entry_id("after")?;
    let reveal = query.reveal()?;
    let stream = stream_key(event_type);
    let entries = console
        .backend
        .entries(event_type, after.as_deref(), count)
        .await?;
    let last_id = entries.last().map(|entry| entry.id.clone()).or(after);
    let inspector = console.inspector(event_type);
    let shown: Vec<Value> = entries
        .iter()
        .map(|entry| {
            let mut event = event_json(entry);
            let redacted = hide(console, event_type, &mut event, reveal);
            json!({
                "id": entry.id,
                "event": event,
                "redacted": redacted,
                "problem": inspector.as_ref().and_then(|i| i.problem(&stream, &entry.fields)),
            })
        })
        .collect();
    if reveal && !shown.is_empty() {
        log(&format!(
            "sensitive fields of {} entries of {stream} shown",
            shown.len()
        ));
    }
    Ok(json!({
        "stream": stream,
        "known_type": inspector.is_some(),
        "revealed": reveal,
        "entries": shown,
        "last_id": last_id,
    }))
}

/// `GET /api/dead-letters/<type>`: provenance of each, oldest first, without the events.
pub async fn dead_letters(
    console: &Console,
    event_type: &str,
    query: &Query,
) -> Result<Value, ApiError> {
    let count = query.count("count", DEFAULT_COUNT, MAX_COUNT)?;
    let after = query.entry_id("after")?;
    let (total, entries) = console
        .backend
        .dead_letters(event_type, after.as_deref(), count)
        .await?;
    let letters: Vec<Value> = entries
        .iter()
        .map(|entry| {
            json!({
                "id": entry.id,
                "provenance": provenance(entry),
                "event_id": entry.text("event_id"),
                "version": entry.text("version"),
            })
        })
        .collect();
    let next = (letters.len() == count)
        .then(|| entries.last().map(|entry| entry.id.clone()))
        .flatten();
    Ok(json!({
        "key": console.backend.dead_letter_key(event_type),
        "total": total,
        "letters": letters,
        "next_after": next,
    }))
}

/// `GET /api/dead-letters/<type>/<id>`: provenance, the event (redacted unless
/// `reveal=sensitive`), and what the catalogue says of it now.
pub async fn dead_letter(
    console: &Console,
    event_type: &str,
    id: &str,
    query: &Query,
) -> Result<Value, ApiError> {
    let reveal = query.reveal()?;
    let key = console.backend.dead_letter_key(event_type);
    let entry = console
        .backend
        .dead_letter(event_type, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("{key} has no entry `{id}`")))?;
    let provenance = provenance(&entry);
    let stream = provenance
        .get("original_stream")
        .and_then(Value::as_str)
        .map_or_else(|| stream_key(event_type), str::to_owned);
    let catalogue = match console.inspector(event_type) {
        Some(inspector) => inspector
            .problem(&stream, &entry.fields)
            .unwrap_or_else(|| "ok: the event decodes and is valid".to_owned()),
        None => format!(
            "`{event_type}` is not an event type of catalogue `{}`: not checked",
            console.schemas.catalogue().name
        ),
    };
    let mut event = event_json(&entry);
    let redacted = hide(console, event_type, &mut event, reveal);
    if reveal {
        log(&format!(
            "sensitive fields of dead letter {id} in {key} shown"
        ));
    }
    Ok(json!({
        "id": entry.id,
        "key": key,
        "event_type": event_type,
        "provenance": provenance,
        "catalogue": catalogue,
        "event": event,
        "redacted": redacted,
        "revealed": reveal,
    }))
}

/// `POST /api/dead-letters/<type>/requeue`.
pub async fn requeue(console: &Console, event_type: &str, body: &[u8]) -> Result<Value, ApiError> {
    let selection = Selection::from_body(body)?;
    let report = console.backend.requeue(event_type, &selection).await?;
    log(&format!(
        "requeue of {} dead letters of {event_type}: {report}",
        described(&selection)
    ));
    console.resample.notify_one();
    Ok(report)
}

/// `POST /api/dead-letters/<type>/purge`.
pub async fn purge(console: &Console, event_type: &str, body: &[u8]) -> Result<Value, ApiError> {
    let selection = Selection::from_body(body)?;
    let report = console.backend.purge(event_type, &selection).await?;
    log(&format!(
        "purge of {} dead letters of {event_type}: {report}",
        described(&selection)
    ));
    console.resample.notify_one();
    Ok(report)
}

fn described(selection: &Selection) -> String {
    selection
        .len()
        .map_or_else(|| "all".to_owned(), |count| count.to_string())
}

/// The provenance fields a dead letter has.
fn provenance(entry: &StreamEntry) -> Map<String, Value> {
    event_runtime::wire::provenance::ALL
        .iter()
        .filter_map(|name| {
            entry
                .text(name)
                .map(|value| ((*name).to_owned(), Value::String(value.to_owned())))
        })
        .collect()
}

/// Redacts `event` unless `reveal`; says what was hidden.
fn hide(console: &Console, event_type: &str, event: &mut Value, reveal: bool) -> Value {
    if reveal {
        return json!({ "fields": [], "whole_payload": false });
    }
    json!(redact(&console.schemas, event_type, event))
}
