//! Migrations: how version N is built from version N-1, field by field, as emission needs it
//! ([`FieldSource`], with resolved conversions), and where each field's value comes from as
//! far as the wire is concerned ([`Origin`], what the lockfile records and the lint traces).

use serde::{Deserialize, Serialize};

use super::{DefaultValue, FieldType, Span};

/// How version N is built from version N-1.
#[derive(Debug, Clone, PartialEq)]
pub enum Migration {
    /// A user function `fn(PreviousStruct) -> ThisStruct`, called by path (`crate::migrations::f`).
    Function {
        /// The Rust path.
        path: String,
        /// Where it was written.
        span: Span,
    },
    /// Each field of the new version has a source.
    Fields(Vec<FieldMigration>),
}

/// Where one field of the new version comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldMigration {
    /// The field of the new version.
    pub field: String,
    /// Its source.
    pub source: FieldSource,
}

/// The source of one migrated field.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldSource {
    /// A field of the previous version (same name, `renamed_from`, or `copy:`), converted.
    Field {
        /// The previous version's field.
        from: String,
        /// How its value is turned into the new field's value.
        conversion: Conversion,
        /// Previous field is `Option<T>`.
        from_optional: bool,
        /// New field is `Option<T>`.
        to_optional: bool,
        /// For optional -> required: the value used when the old one was absent.
        default: Option<DefaultValue>,
    },
    /// A string built from fields of the previous version: `"{first_name} {last_name}"`.
    /// Absent optional fields render as empty; the result is trimmed.
    Template(Vec<TemplatePart>),
    /// The field's default value.
    Default(DefaultValue),
    /// An optional field that did not exist before: `None`.
    Absent,
    /// A user function `fn(&PreviousStruct) -> FieldType`, called by path.
    Function(String),
}

/// A piece of a template.
#[derive(Debug, Clone, PartialEq)]
pub enum TemplatePart {
    /// Literal text.
    Text(String),
    /// A field of the previous version (string, number, bool, enum, uuid...).
    Field {
        /// Its name.
        name: String,
        /// It is `Option<T>`.
        optional: bool,
    },
}

/// How a value of the previous field's type becomes a value of the new field's type.
#[derive(Debug, Clone, PartialEq)]
pub enum Conversion {
    /// Same type.
    Identity,
    /// `int32` -> `int64`, `int32`/`int64` -> `float64`.
    Widen {
        /// Type before.
        from: FieldType,
        /// Type after.
        to: FieldType,
    },
    /// Enum to enum (different named enums): each old value to a new value.
    EnumMap {
        /// Old enum's Rust name.
        from_enum: String,
        /// New enum's Rust name.
        to_enum: String,
        /// (old variant, new variant) for every old value.
        pairs: Vec<(String, String)>,
        /// Old enum is open: its `Unknown(s)` maps to the new enum's `Unknown(s)` if open, else
        /// to this variant.
        unknown_to: Option<String>,
    },
}

/// Where a field's value comes from in the previous version, without how it is converted:
/// what the lockfile records and the lint follows through the migration chain. Serialized as
/// the lockfile writes it (`{ "field": "first_name" }`, `"default"`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Origin {
    /// A field of the previous version (same name, renamed, copied or enum-mapped).
    Field(String),
    /// A template over fields of the previous version, as written.
    Template(String),
    /// The field's default.
    Default,
    /// `None` (a new optional field).
    Absent,
    /// A Rust function.
    Function(String),
}

impl FieldSource {
    /// Where the value comes from, without how it is converted.
    pub fn origin(&self) -> Origin {
        match self {
            FieldSource::Field { from, .. } => Origin::Field(from.clone()),
            FieldSource::Template(parts) => Origin::Template(template_text(parts)),
            FieldSource::Default(_) => Origin::Default,
            FieldSource::Absent => Origin::Absent,
            FieldSource::Function(path) => Origin::Function(path.clone()),
        }
    }
}

impl Migration {
    /// The Rust function that builds the whole version, if one does.
    pub fn function(&self) -> Option<&str> {
        match self {
            Migration::Function { path, .. } => Some(path),
            Migration::Fields(_) => None,
        }
    }

    /// Where field `name` of the new version comes from (`None` when a function builds the
    /// whole version).
    pub fn origin(&self, name: &str) -> Option<Origin> {
        match self {
            Migration::Function { .. } => None,
            Migration::Fields(fields) => fields
                .iter()
                .find(|migration| migration.field == name)
                .map(|migration| migration.source.origin()),
        }
    }
}

/// A template as written: `{first_name} {last_name}`.
pub fn template_text(parts: &[TemplatePart]) -> String {
    parts
        .iter()
        .map(|part| match part {
            TemplatePart::Text(text) => text.replace('{', "{{").replace('}', "}}"),
            TemplatePart::Field { name, .. } => format!("{{{name}}}"),
        })
        .collect()
}

/// Splits `"{first} {last}"` into parts.
pub fn parse_template(text: &str) -> Result<Vec<TemplatePart>, String> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                literal.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                literal.push('}');
            }
            '{' => {
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => name.push(c),
                        None => return Err(format!("`{{{name}` is not closed")),
                    }
                }
                let name = name.trim().to_owned();
                if name.is_empty() {
                    return Err("`{}` names no field".to_owned());
                }
                if !literal.is_empty() {
                    parts.push(TemplatePart::Text(std::mem::take(&mut literal)));
                }
                parts.push(TemplatePart::Field {
                    name,
                    optional: false,
                });
            }
            '}' => return Err("a lone `}`".to_owned()),
            c => literal.push(c),
        }
    }
    if !literal.is_empty() {
        parts.push(TemplatePart::Text(literal));
    }
    if !parts
        .iter()
        .any(|part| matches!(part, TemplatePart::Field { .. }))
    {
        return Err("the template names no field".to_owned());
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_split_into_text_and_fields() {
        let parts = parse_template("{first_name} {last_name}").expect("valid");
        assert_eq!(
            parts,
            vec![
                TemplatePart::Field {
                    name: "first_name".into(),
                    optional: false
                },
                TemplatePart::Text(" ".into()),
                TemplatePart::Field {
                    name: "last_name".into(),
                    optional: false
                },
            ]
        );
        assert_eq!(
            parse_template("{{x}} {a}").expect("valid"),
            vec![
                TemplatePart::Text("{x} ".into()),
                TemplatePart::Field {
                    name: "a".into(),
                    optional: false
                }
            ]
        );
        assert!(parse_template("{a").is_err());
        assert!(parse_template("a}").is_err());
        assert!(parse_template("plain").is_err());
        assert!(parse_template("{}").is_err());
    }

    #[test]
    fn templates_round_trip_to_text() {
        let parts = parse_template("{{x}} {a}").expect("valid");
        assert_eq!(template_text(&parts), "{{x}} {a}");
    }
}
