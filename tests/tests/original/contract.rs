//! The contract table, `tests/contracts/original.json`: every event class of the original
//! services, field by field, with the Python type as written (transcribed from
//! ORIGINAL-CONTRACTS.md), and what pydantic makes of a JSON value for each.

use serde::Deserialize;
use serde_json::Value;

use crate::python;

/// The whole table.
#[derive(Debug, Deserialize)]
pub struct Table {
    /// The base event's fields, in class order.
    pub envelope: Vec<ContractField>,
    /// The fields of a stream entry the original publisher writes (and its consumers read).
    pub stream_entry_fields: Vec<String>,
    /// The 16 event classes.
    pub events: Vec<Contract>,
}

/// One event class.
#[derive(Debug, Clone, Deserialize)]
pub struct Contract {
    /// `user.created`.
    pub event_type: String,
    /// `UserCreatedEventV1`.
    pub class: String,
    /// Its own fields, in class order. A field named like a base field (`user_id`) redefines it.
    pub fields: Vec<ContractField>,
}

/// One field of a class.
#[derive(Debug, Clone, Deserialize)]
pub struct ContractField {
    /// Its name, the JSON key.
    pub name: String,
    /// The Python type as written: `int`, `Optional[List[str]]`, `Dict[str, Any]`, ...
    pub python: String,
    /// No default: must be present.
    pub required: bool,
    /// The default of a field that is not required (`null` for None).
    #[serde(default)]
    pub default: Value,
    /// The source's comment, e.g. the values a `str` was meant to hold.
    #[serde(default)]
    pub comment: Option<String>,
}

/// A Python type of the contracts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Py {
    /// `int`: any integer (we read the signed 64-bit range).
    Int,
    /// `float`.
    Float,
    /// `str`: any string.
    Str,
    /// `bool`.
    Bool,
    /// `datetime`: ISO 8601 text; naive (read as UTC) or with an offset.
    DateTime,
    /// `List[T]`.
    List(Box<Py>),
    /// `Dict[str, Any]`: any JSON object.
    Dict,
    /// `Optional[T]`: `null` too.
    Optional(Box<Py>),
}

impl Py {
    /// Parses a type as the contracts write it.
    pub fn parse(text: &str) -> Option<Self> {
        let inside = |prefix: &str| text.strip_prefix(prefix)?.strip_suffix(']');
        if let Some(inner) = inside("Optional[") {
            return Some(Self::Optional(Box::new(Self::parse(inner)?)));
        }
        if let Some(inner) = inside("List[") {
            return Some(Self::List(Box::new(Self::parse(inner)?)));
        }
        Some(match text {
            "int" => Self::Int,
            "float" => Self::Float,
            "str" => Self::Str,
            "bool" => Self::Bool,
            "datetime" => Self::DateTime,
            "Dict[str, Any]" => Self::Dict,
            _ => return None,
        })
    }

    /// Whether pydantic (v1, as the original services used it) accepts this JSON value for the
    /// type without coercion: the exact JSON types our side must write.
    pub fn accepts(&self, value: &Value) -> Result<(), String> {
        let fail = |expected: &str| Err(format!("expected {expected}, found {value}"));
        match self {
            Self::Optional(inner) => match value {
                Value::Null => Ok(()),
                value => inner.accepts(value),
            },
            Self::Int if value.is_i64() || value.is_u64() => Ok(()),
            Self::Int => fail("an integer"),
            Self::Float if value.is_number() => Ok(()),
            Self::Float => fail("a number"),
            Self::Str if value.is_string() => Ok(()),
            Self::Str => fail("a string"),
            Self::Bool if value.is_boolean() => Ok(()),
            Self::Bool => fail("true or false"),
            Self::DateTime => match value.as_str().map(python::fromisoformat) {
                Some(Some(_)) => Ok(()),
                _ => fail("a timestamp datetime.fromisoformat reads"),
            },
            Self::List(item) => match value.as_array() {
                Some(items) => items.iter().try_for_each(|value| item.accepts(value)),
                None => fail("a list"),
            },
            Self::Dict if value.is_object() => Ok(()),
            Self::Dict => fail("an object"),
        }
    }
}

impl ContractField {
    /// The parsed Python type.
    pub fn ty(&self) -> Py {
        Py::parse(&self.python)
            .unwrap_or_else(|| panic!("`{}`: unknown Python type `{}`", self.name, self.python))
    }

    /// The values the comment lists (`low, medium, high, critical`), if it is such a list.
    pub fn listed_values(&self) -> Vec<String> {
        let Some(comment) = &self.comment else {
            return Vec::new();
        };
        let values: Vec<String> = comment.split(", ").map(str::to_owned).collect();
        let words = values
            .iter()
            .all(|value| !value.is_empty() && value.bytes().all(|b| b.is_ascii_lowercase()));
        if values.len() >= 2 && words {
            values
        } else {
            Vec::new()
        }
    }

    /// Checks the value pydantic would read for this field: `None` when the key is absent.
    pub fn check(&self, value: Option<&Value>) -> Result<(), String> {
        match (value, self.required) {
            (None, true) => Err(format!("`{}` is required but absent", self.name)),
            (None, false) => Ok(()),
            (Some(Value::Null), _) if !matches!(self.ty(), Py::Optional(_)) => {
                Err(format!("`{}` is `{}` but null", self.name, self.python))
            }
            (Some(value), _) => self
                .ty()
                .accepts(value)
                .map_err(|error| format!("`{}` ({}): {error}", self.name, self.python)),
        }
    }
}

impl Table {
    /// The table of the repository.
    pub fn load() -> Self {
        serde_json::from_str(include_str!("../../contracts/original.json"))
            .expect("tests/contracts/original.json reads")
    }

    /// The contract of one type.
    pub fn contract(&self, event_type: &str) -> Option<&Contract> {
        self.events
            .iter()
            .find(|contract| contract.event_type == event_type)
    }

    /// Every field of a class, base fields first, in the order pydantic writes them: a
    /// redefined base field (`user_id` of the user events) keeps its base position.
    pub fn all_fields(&self, contract: &Contract) -> Vec<ContractField> {
        let mut fields: Vec<ContractField> = self
            .envelope
            .iter()
            .map(|base| {
                contract
                    .fields
                    .iter()
                    .find(|own| own.name == base.name)
                    .unwrap_or(base)
                    .clone()
            })
            .collect();
        fields.extend(
            contract
                .fields
                .iter()
                .filter(|own| !self.envelope.iter().any(|base| base.name == own.name))
                .cloned(),
        );
        fields
    }

    /// Whether the original services' model of `event_type` reads this `event_data`: every
    /// field present where required, non-null unless `Optional`, of its type; `event_type` and
    /// `version` as the original registry looks them up. Unknown keys are ignored (pydantic's
    /// default).
    pub fn check(&self, event_type: &str, event_data: &Value) -> Result<(), String> {
        let contract = self
            .contract(event_type)
            .ok_or_else(|| format!("no contract for {event_type}"))?;
        let object = event_data
            .as_object()
            .ok_or("event_data is not an object")?;
        if object.get("event_type").and_then(Value::as_str) != Some(event_type) {
            return Err(format!("event_type is {:?}", object.get("event_type")));
        }
        if object.get("version").and_then(Value::as_str) != Some("v1") {
            return Err(format!(
                "version is {:?}; the original knows v1 only",
                object.get("version")
            ));
        }
        for field in self.all_fields(contract) {
            field
                .check(object.get(&field.name))
                .map_err(|error| format!("{} rejects it: {error}", contract.class))?;
        }
        Ok(())
    }
}
