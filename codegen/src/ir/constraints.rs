//! Constraints of a field, and everything that depends on the kind of a constraint: its
//! schema key, the types it applies to, its wording, whether other constraints imply it, and
//! whether a default passes it. Whoever goes through a field's constraints (the lockfile, the
//! exports, the lint) lists them with [`Constraints::entries`]; a new kind of constraint is a
//! field of [`Constraints`] and a variant of [`Constraint`] here, and the compiler points at
//! the few places that must say what it means to them (the generated check, the JSON Schema,
//! the CLI's interpreter).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{DefaultValue, FieldType};

/// Constraints of a field; `validate()` checks them. Serialized as the lockfile writes them:
/// the constraints set, by schema key.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constraints {
    /// Smallest allowed number (int or float fields).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Largest allowed number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Fewest characters (string fields).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<usize>,
    /// Most characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    /// Regular expression (regex-lite syntax) the whole string must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// String, list or map must not be empty.
    #[serde(default, skip_serializing_if = "is_false")]
    pub non_empty: bool,
    /// Most items (list or map fields).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<usize>,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// One constraint that is set, as [`Constraints::entries`] lists it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Constraint<'a> {
    /// `min:`
    Min(f64),
    /// `max:`
    Max(f64),
    /// `min_length:`
    MinLength(usize),
    /// `max_length:`
    MaxLength(usize),
    /// `pattern:`
    Pattern(&'a str),
    /// `non_empty: true`
    NonEmpty,
    /// `max_items:`
    MaxItems(usize),
}

impl Constraints {
    /// True when nothing is constrained.
    pub fn is_empty(&self) -> bool {
        *self == Constraints::default()
    }

    /// Every constraint that is set, in the order of the schema language's table: `min`,
    /// `max`, `min_length`, `max_length`, `pattern`, `non_empty`, `max_items`.
    pub fn entries(&self) -> impl Iterator<Item = Constraint<'_>> {
        [
            self.min.map(Constraint::Min),
            self.max.map(Constraint::Max),
            self.min_length.map(Constraint::MinLength),
            self.max_length.map(Constraint::MaxLength),
            self.pattern.as_deref().map(Constraint::Pattern),
            self.non_empty.then_some(Constraint::NonEmpty),
            self.max_items.map(Constraint::MaxItems),
        ]
        .into_iter()
        .flatten()
    }
}

impl Constraint<'_> {
    /// The schema key: `max_length`.
    pub fn key(&self) -> &'static str {
        match self {
            Constraint::Min(_) => "min",
            Constraint::Max(_) => "max",
            Constraint::MinLength(_) => "min_length",
            Constraint::MaxLength(_) => "max_length",
            Constraint::Pattern(_) => "pattern",
            Constraint::NonEmpty => "non_empty",
            Constraint::MaxItems(_) => "max_items",
        }
    }

    /// Whether the constraint means something on a field of type `ty`.
    pub fn applies_to(&self, ty: &FieldType) -> bool {
        match self {
            Constraint::Min(_) | Constraint::Max(_) => ty.is_number(),
            Constraint::MinLength(_) | Constraint::MaxLength(_) | Constraint::Pattern(_) => {
                *ty == FieldType::String
            }
            Constraint::NonEmpty => matches!(
                ty,
                FieldType::String | FieldType::List(_) | FieldType::Map(_) | FieldType::Json
            ),
            Constraint::MaxItems(_) => matches!(ty, FieldType::List(_) | FieldType::Map(_)),
        }
    }

    /// The fields it applies to, for messages: `string fields`.
    pub fn applies_to_fields(&self) -> &'static str {
        match self {
            Constraint::Min(_) | Constraint::Max(_) => "int32, int64 and float64 fields",
            Constraint::MinLength(_) | Constraint::MaxLength(_) | Constraint::Pattern(_) => {
                "string fields"
            }
            Constraint::NonEmpty => "string, list, map and json fields",
            Constraint::MaxItems(_) => "list and map fields",
        }
    }

    /// What a value must be: `at most 64 characters`, `matching `[a-z]+``, `not empty`.
    pub fn requirement(&self) -> String {
        match self {
            Constraint::MinLength(n) => format!("at least {n} characters"),
            Constraint::MaxLength(n) => format!("at most {n} characters"),
            Constraint::Pattern(pattern) => format!("matching `{pattern}`"),
            Constraint::MaxItems(n) => format!("at most {n} items"),
            other => other.bound(),
        }
    }

    /// The bound alone, without the unit: `at most 64`, `` `[a-z]+` ``.
    fn bound(&self) -> String {
        match self {
            Constraint::Min(n) => format!("at least {n}"),
            Constraint::Max(n) => format!("at most {n}"),
            Constraint::MinLength(n) => format!("at least {n}"),
            Constraint::MaxLength(n) | Constraint::MaxItems(n) => format!("at most {n}"),
            Constraint::Pattern(pattern) => format!("`{pattern}`"),
            Constraint::NonEmpty => "not empty".to_owned(),
        }
    }

    /// The constraint of the same kind in `other`, if it has one.
    pub fn counterpart<'b>(&self, other: &'b Constraints) -> Option<Constraint<'b>> {
        other
            .entries()
            .find(|entry| std::mem::discriminant(entry) == std::mem::discriminant(self))
    }

    /// What `other` says of this kind, shortly: `at most 64`, or `no limit` (`possibly empty`
    /// for `non_empty`).
    pub fn in_other(&self, other: &Constraints) -> String {
        match (self, self.counterpart(other)) {
            (_, Some(same)) => same.bound(),
            (Constraint::NonEmpty, None) => "possibly empty".to_owned(),
            (_, None) => "no limit".to_owned(),
        }
    }

    /// Whether every value that passes `other` passes this constraint too.
    pub fn implied_by(&self, other: &Constraints) -> bool {
        match *self {
            Constraint::Min(min) => other.min.is_some_and(|w| w >= min),
            Constraint::Max(max) => other.max.is_some_and(|w| w <= max),
            Constraint::MinLength(min) => other.min_length.is_some_and(|w| w >= min),
            Constraint::MaxLength(max) => other.max_length.is_some_and(|w| w <= max),
            Constraint::Pattern(pattern) => other.pattern.as_deref() == Some(pattern),
            Constraint::NonEmpty => other.non_empty || other.min_length.is_some_and(|w| w > 0),
            Constraint::MaxItems(max) => other.max_items.is_some_and(|w| w <= max),
        }
    }

    /// Why `value`, a default of the field, fails this constraint; `None` when it passes (or
    /// the constraint does not apply to its kind of value).
    pub fn rejects(&self, value: &DefaultValue) -> Option<String> {
        let (number, chars, items) = match value {
            DefaultValue::Int(n) => (Some(*n as f64), None, None),
            DefaultValue::Float(n) => (Some(*n), None, None),
            DefaultValue::String(text) => (None, Some(text.chars().count()), None),
            DefaultValue::List(list) => (None, None, Some(list.len())),
            DefaultValue::EmptyMap => (None, None, Some(0)),
            DefaultValue::Bool(_) | DefaultValue::Enum(_) => (None, None, None),
        };
        match *self {
            Constraint::Min(min) if number.is_some_and(|n| n < min) => {
                Some(format!("is below `min: {min}`"))
            }
            Constraint::Max(max) if number.is_some_and(|n| n > max) => {
                Some(format!("is above `max: {max}`"))
            }
            Constraint::MinLength(min) if chars.is_some_and(|n| n < min) => {
                Some(format!("is shorter than `min_length: {min}`"))
            }
            Constraint::MaxLength(max) if chars.is_some_and(|n| n > max) => {
                Some(format!("is longer than `max_length: {max}`"))
            }
            Constraint::Pattern(pattern) => match value {
                DefaultValue::String(text) if !full_match(pattern, text) => {
                    Some(format!("does not match `{pattern}`"))
                }
                _ => None,
            },
            Constraint::NonEmpty if chars == Some(0) || items == Some(0) => {
                Some("is empty but the field is `non_empty`".to_owned())
            }
            Constraint::MaxItems(max) if items.is_some_and(|n| n > max) => {
                Some(format!("has more items than `max_items: {max}`"))
            }
            _ => None,
        }
    }
}

/// Whether `text` matches `pattern` as a whole (a pattern that does not compile matches,
/// since validation has reported it).
fn full_match(pattern: &str, text: &str) -> bool {
    regex_lite::Regex::new(&format!("^(?:{pattern})$")).map_or(true, |re| re.is_match(text))
}

/// The short form of tables (the Markdown catalogue): `≤ 64 chars`, `not empty`.
impl fmt::Display for Constraint<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Constraint::Min(n) => write!(f, "≥ {n}"),
            Constraint::Max(n) => write!(f, "≤ {n}"),
            Constraint::MinLength(n) => write!(f, "≥ {n} chars"),
            Constraint::MaxLength(n) => write!(f, "≤ {n} chars"),
            Constraint::Pattern(pattern) => write!(f, "matches `{pattern}`"),
            Constraint::NonEmpty => write!(f, "not empty"),
            Constraint::MaxItems(n) => write!(f, "≤ {n} items"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_list_what_is_set_in_schema_order() {
        let c = Constraints {
            max_items: Some(3),
            non_empty: true,
            min: Some(1.0),
            ..Constraints::default()
        };
        let keys: Vec<&str> = c.entries().map(|entry| entry.key()).collect();
        assert_eq!(keys, ["min", "non_empty", "max_items"]);
        assert_eq!(Constraints::default().entries().count(), 0);
    }

    #[test]
    fn constraints_compare_by_what_they_accept() {
        let tight = Constraints {
            max_length: Some(10),
            ..Default::default()
        };
        let loose = Constraints {
            max_length: Some(20),
            ..Default::default()
        };
        let entry = Constraint::MaxLength(10);
        assert!(!entry.implied_by(&loose));
        assert!(entry.implied_by(&tight));
        assert_eq!(entry.in_other(&loose), "at most 20");
        assert_eq!(entry.in_other(&Constraints::default()), "no limit");
        let min_length = Constraints {
            min_length: Some(1),
            ..Default::default()
        };
        assert!(Constraint::NonEmpty.implied_by(&min_length));
        assert_eq!(Constraint::NonEmpty.in_other(&tight), "possibly empty");
    }

    #[test]
    fn defaults_are_checked_against_each_kind() {
        let empty = DefaultValue::List(Vec::new());
        assert!(Constraint::NonEmpty.rejects(&empty).is_some());
        assert!(Constraint::MaxItems(0).rejects(&empty).is_none());
        let text = DefaultValue::String("abc".into());
        assert!(Constraint::MinLength(4).rejects(&text).is_some());
        assert!(Constraint::MaxLength(2).rejects(&text).is_some());
        assert!(Constraint::Pattern("[a-c]+").rejects(&text).is_none());
        assert!(Constraint::Pattern("[0-9]+").rejects(&text).is_some());
        assert!(
            Constraint::Min(5.0)
                .rejects(&DefaultValue::Int(4))
                .is_some()
        );
        assert!(
            Constraint::Max(5.0)
                .rejects(&DefaultValue::Float(4.5))
                .is_none()
        );
    }
}
