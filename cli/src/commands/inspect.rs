//! What the catalogue says of a stored entry, for the commands that show entries (`tail`,
//! `replay`, `dlq show`): a problem found is shown next to the entry, never fatal.

use event_cli::schemas::Schemas;

/// Checks entries of one event type against a catalogue.
#[derive(Debug)]
pub struct Inspector {
    schemas: Schemas,
    event_type: String,
    /// The catalogue defines the type.
    known: bool,
}

impl Inspector {
    /// Says on stderr when the catalogue does not define the type: its entries are then
    /// shown unchecked.
    pub fn new(schemas: Schemas, event_type: &str) -> Self {
        let known = schemas.event(event_type).is_some();
        if !known {
            super::catalogue_arg::note(&format!(
                "`{event_type}` is not an event type of catalogue `{}`: its events are shown unchecked",
                schemas.catalogue().name
            ));
        }
        Self {
            schemas,
            event_type: event_type.to_owned(),
            known,
        }
    }

    /// Why the entry (its stored fields, of `stream`) is not a valid event of its version, as
    /// a consumer would dead-letter it; `None` when it is, or when the type is unknown.
    pub fn problem(&self, stream: &str, fields: &[(String, Vec<u8>)]) -> Option<String> {
        if !self.known {
            return None;
        }
        let head =
            match event_runtime::wire::parse_entry(&self.event_type, stream, fields, usize::MAX) {
                Ok(head) => head,
                Err(error) => return Some(error.message().to_owned()),
            };
        self.problem_of(head.version, head.event_data)
    }

    /// Why `event_data` written at `version` is not a valid event; `None` when it is.
    pub fn problem_of(&self, version: u32, event_data: &str) -> Option<String> {
        if !self.known {
            return None;
        }
        let tag = format!("v{version}");
        self.schemas
            .decode(&self.event_type, &tag, event_data)
            .err()
            .map(|error| format!("cannot decode as {} {tag}: {error}", self.event_type))
    }
}
