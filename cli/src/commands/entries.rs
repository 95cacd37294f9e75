//! How the commands that show stored entries (`tail`, `replay`, `dlq`) print them: the event
//! as JSON (its `event_data`, or the raw fields of an entry without one), pretty under a
//! `# <stream> <id>` line, or one compact line with `_stream_id` (and `_problem`) added.

use event_runtime::wire::StreamEntry;
use serde_json::Value;

/// The event of an entry as JSON: its `event_data`, or the raw fields when it has none.
pub fn event_json(entry: &StreamEntry) -> Value {
    if let Some(event) = entry.text("event_data").and_then(parse) {
        return event;
    }
    let fields: serde_json::Map<String, Value> = entry
        .fields
        .iter()
        .map(|(name, value)| {
            (
                name.clone(),
                Value::String(String::from_utf8_lossy(value).into_owned()),
            )
        })
        .collect();
    Value::Object(fields)
}

/// The event of some `event_data` as JSON; text that is not JSON as `{"event_data": text}`.
pub fn event_data_json(event_data: &str) -> Value {
    parse(event_data).unwrap_or_else(|| serde_json::json!({ "event_data": event_data }))
}

fn parse(event_data: &str) -> Option<Value> {
    serde_json::from_str(event_data).ok()
}

/// One entry as printed, with the catalogue's `problem` with it, if any.
pub fn render(
    stream: &str,
    id: &str,
    mut event: Value,
    json: bool,
    problem: Option<&str>,
) -> anyhow::Result<String> {
    if json {
        if let Value::Object(map) = &mut event {
            map.insert("_stream_id".to_owned(), Value::String(id.to_owned()));
            if let Some(problem) = problem {
                map.insert("_problem".to_owned(), Value::String(problem.to_owned()));
            }
        }
        Ok(format!("{}\n", serde_json::to_string(&event)?))
    } else {
        let problem = problem
            .map(|problem| format!("# problem: {problem}\n"))
            .unwrap_or_default();
        Ok(format!(
            "# {stream} {id}\n{problem}{}\n",
            serde_json::to_string_pretty(&event)?
        ))
    }
}
