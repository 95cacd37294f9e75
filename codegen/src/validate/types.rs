//! Field types: type expressions read against the catalogue's named types, with a hint
//! (did you mean, the built-in types) when they do not parse.

use std::collections::BTreeMap;

use event_names::did_you_mean;

use crate::ir::{FieldType, NamedKind, SCALARS, TypeError};

/// The named types known to the catalogue: name -> (kind, enum values).
pub type TypeTable = BTreeMap<String, (NamedKind, Vec<String>)>;

/// Parses a type expression (`list<map<string,int64>>`) against the catalogue's named types;
/// on failure, the message and a hint.
pub fn parse_type(text: &str, types: &TypeTable) -> Result<FieldType, (String, Option<String>)> {
    FieldType::parse(text, |name| types.get(name).map(|(kind, _)| *kind))
        .map_err(|error| type_error(error, types))
}

fn type_error(error: TypeError, types: &TypeTable) -> (String, Option<String>) {
    let hint = match &error {
        TypeError::TooDeep { .. } => {
            "name the inner part as a record under `types:`, or use `json` for free-form data"
                .to_owned()
        }
        TypeError::MapArity { .. } => "write `map<string,T>`, e.g. `map<string,int64>`".to_owned(),
        TypeError::MapKey { .. } => {
            "JSON object keys are strings: write `map<string,T>`".to_owned()
        }
        TypeError::Unknown { name } => match name.as_str() {
            "int" | "integer" | "long" => {
                return (
                    "unknown type `int`: say how wide it is".to_owned(),
                    Some("use `int64` (or `int32`)".to_owned()),
                );
            }
            "float" | "double" => "use `float64`".to_owned(),
            "str" => "use `string`".to_owned(),
            _ => {
                let known = SCALARS
                    .iter()
                    .copied()
                    .chain(["list", "map"])
                    .chain(types.keys().map(String::as_str));
                match did_you_mean(name, known) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => format!(
                        "use a built-in type ({}, list<T>, map<string,T>) or a name defined under `types:`",
                        SCALARS.join(", ")
                    ),
                }
            }
        },
    };
    (error.to_string(), Some(hint))
}
