//! Can a reader built for one schema read data written with another? The structural check
//! behind every compatibility rule, on a catalogue's wire shape ([`LockedField`],
//! [`LockedType`]), like Avro's schema resolution.
//!
//! Fields are matched by wire name. Fields only the writer has are ignored by readers (the
//! decoders accept unknown keys); fields only the reader has need `optional` or a default.
//! A type is readable when it is the same, or when the writer's reads as the reader's along
//! the widening table ([`FieldType::reads_as`]), or when an open enum reads a `string`
//! (values it does not list become `Unknown`). Constraints of the reader must accept every
//! value the writer's constraints accept ([`Constraint::implied_by`]).
//!
//! Every difference is reported with its [`Cause`], also those a reader survives (an added
//! optional field, a value an open enum keeps as `Unknown`, another default): each caller
//! decides which of them break what it protects.

use std::collections::BTreeMap;
use std::fmt;

use crate::compat::lockfile::{LockedField, LockedType};
use crate::ir::{Constraint, Constraints, FieldType};

/// The named types of one side.
pub type Types = BTreeMap<String, LockedType>;

/// Why a reader cannot read (or reads differently) what a writer wrote.
#[derive(Debug, Clone, PartialEq)]
pub enum Cause {
    /// The reader requires a field the writer does not have.
    Missing,
    /// The reader has a field the writer does not have, but it is optional or has a default.
    Added,
    /// The writer has a field the reader does not have (ignored by the reader).
    Extra,
    /// The writer may omit the field or send `null`; the reader requires a value.
    MaybeAbsent,
    /// The types differ and the writer's does not read as the reader's.
    Type {
        /// Writer's type.
        writer: FieldType,
        /// Reader's type.
        reader: FieldType,
    },
    /// Writer enum values the (closed) reader enum does not have.
    EnumValues {
        /// The values.
        values: Vec<String>,
    },
    /// The writer's enum is open (any value), the reader's is closed.
    EnumOpen {
        /// The writer's enum.
        writer: String,
    },
    /// Writer enum values the (open) reader enum does not list: it reads them as `Unknown`.
    EnumValuesUnlisted {
        /// The values.
        values: Vec<String>,
    },
    /// Both sides require the field and their defaults differ: an event without the field
    /// reads as another value, or (no default on the reader's side) not at all.
    DefaultChanged {
        /// Writer's default, as JSON text.
        writer: Option<String>,
        /// Reader's default, as JSON text.
        reader: Option<String>,
    },
    /// A reader constraint rejects values the writer's constraints allow.
    Constraint(Stricter),
    /// The reader requires the envelope's `user_id`; the writer does not.
    UserId,
}

/// A constraint of one side that rejects values the other side's constraints accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stricter {
    /// What the stricter side requires: `at most 50 characters`.
    pub required: String,
    /// What the other side required of the same kind: `at most 64`, `no limit`.
    pub before: String,
}

/// `at most 50 characters (was at most 64)`.
impl fmt::Display for Stricter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (was {})", self.required, self.before)
    }
}

/// The reader's constraints that reject some value the writer's accept, in schema order.
pub fn stricter(reader: &Constraints, writer: &Constraints) -> Vec<Stricter> {
    reader
        .entries()
        .filter(|entry: &Constraint<'_>| !entry.implied_by(writer))
        .map(|entry| Stricter {
            required: entry.requirement(),
            before: entry.in_other(writer),
        })
        .collect()
}

/// One difference found between reader and writer.
#[derive(Debug, Clone, PartialEq)]
pub struct Incompatibility {
    /// The top-level payload field it is about (empty for the envelope).
    pub field: String,
    /// Path to the place: `coordinates.lat`, `materials[].unit`.
    pub path: String,
    /// The named type where it lies, when inside a record or enum.
    pub in_type: Option<String>,
    /// The type of the field at `path` (reader's if it has one, else writer's).
    pub ty: FieldType,
    /// What is wrong.
    pub cause: Cause,
}

/// Compares a reader's fields with a writer's.
pub fn read(
    reader: &[LockedField],
    reader_types: &Types,
    writer: &[LockedField],
    writer_types: &Types,
) -> Vec<Incompatibility> {
    let mut out = Vec::new();
    let mut cx = Cx {
        reader_types,
        writer_types,
        out: &mut out,
        depth: 0,
    };
    cx.fields(reader, writer, "", None, None);
    out
}

struct Cx<'a, 'b> {
    reader_types: &'a Types,
    writer_types: &'a Types,
    out: &'b mut Vec<Incompatibility>,
    depth: usize,
}

impl Cx<'_, '_> {
    fn push(
        &mut self,
        top: Option<&str>,
        path: &str,
        in_type: Option<&str>,
        ty: &FieldType,
        cause: Cause,
    ) {
        self.out.push(Incompatibility {
            field: top.unwrap_or(path).to_owned(),
            path: path.to_owned(),
            in_type: in_type.map(str::to_owned),
            ty: ty.clone(),
            cause,
        });
    }

    fn fields(
        &mut self,
        reader: &[LockedField],
        writer: &[LockedField],
        prefix: &str,
        top: Option<&str>,
        in_type: Option<&str>,
    ) {
        for r in reader {
            let path = format!("{prefix}{}", r.name);
            let top_name = top.unwrap_or(&r.name).to_owned();
            let top = Some(top_name.as_str());
            let Some(w) = writer.iter().find(|w| w.name == r.name) else {
                let cause = if r.optional || r.default.is_some() {
                    Cause::Added
                } else {
                    Cause::Missing
                };
                self.push(top, &path, in_type, &r.ty, cause);
                continue;
            };
            if w.optional && !r.optional {
                self.push(top, &path, in_type, &r.ty, Cause::MaybeAbsent);
            }
            if self.readable(&w.ty, &r.ty) {
                self.types(&r.ty, &w.ty, &path, top, in_type);
            } else {
                let cause = Cause::Type {
                    writer: w.ty.clone(),
                    reader: r.ty.clone(),
                };
                self.push(top, &path, in_type, &r.ty, cause);
                continue;
            }
            for found in stricter(&r.constraints, &w.constraints) {
                self.push(top, &path, in_type, &r.ty, Cause::Constraint(found));
            }
            let (r_default, w_default) = (json_text(r), json_text(w));
            if !r.optional && !w.optional && r_default != w_default {
                let cause = Cause::DefaultChanged {
                    writer: w_default,
                    reader: r_default,
                };
                self.push(top, &path, in_type, &r.ty, cause);
            }
        }
        for w in writer {
            if !reader.iter().any(|r| r.name == w.name) {
                let path = format!("{prefix}{}", w.name);
                self.push(
                    Some(top.unwrap_or(&w.name)),
                    &path,
                    in_type,
                    &w.ty,
                    Cause::Extra,
                );
            }
        }
    }

    /// Whether values of the writer's type decode as the reader's (the inside of containers
    /// and named types is compared after).
    fn readable(&self, writer: &FieldType, reader: &FieldType) -> bool {
        writer == reader
            || writer.reads_as(reader)
            || same_shape(writer, reader)
            || self.open_enum_reads_string(writer, reader)
    }

    /// An open enum reads any string: a value it lists, or `Unknown(value)`.
    fn open_enum_reads_string(&self, writer: &FieldType, reader: &FieldType) -> bool {
        match (writer, reader) {
            (FieldType::String, FieldType::Enum(name)) => matches!(
                self.reader_types.get(name),
                Some(LockedType::Enum { open: true, .. })
            ),
            _ => false,
        }
    }

    fn types(
        &mut self,
        reader: &FieldType,
        writer: &FieldType,
        path: &str,
        top: Option<&str>,
        in_type: Option<&str>,
    ) {
        use FieldType::*;
        // Records may nest deeply through lists; checked catalogues have no cycles, but a
        // hand-edited lockfile might.
        if self.depth > 32 {
            return;
        }
        self.depth += 1;
        match (writer, reader) {
            (List(w), List(r)) | (Map(w), Map(r)) => {
                let inner = format!("{path}[]");
                if self.readable(w, r) {
                    self.types(r, w, &inner, top, in_type);
                } else {
                    let cause = Cause::Type {
                        writer: (**w).clone(),
                        reader: (**r).clone(),
                    };
                    self.push(top, &inner, in_type, r, cause);
                }
            }
            (Enum(w), Enum(r)) => {
                if let (
                    Some(LockedType::Enum {
                        open: w_open,
                        values: w_values,
                        ..
                    }),
                    Some(LockedType::Enum {
                        open: r_open,
                        values: r_values,
                        ..
                    }),
                ) = (self.writer_types.get(w), self.reader_types.get(r))
                {
                    // A difference inside one enum lies in it; a switch to another enum lies
                    // in the field.
                    let name = if w == r { Some(r.as_str()) } else { in_type };
                    let unknown: Vec<std::string::String> = w_values
                        .iter()
                        .filter(|value| !r_values.contains(value))
                        .cloned()
                        .collect();
                    if *r_open {
                        if !unknown.is_empty() {
                            let cause = Cause::EnumValuesUnlisted { values: unknown };
                            self.push(top, path, name, reader, cause);
                        }
                    } else {
                        if !unknown.is_empty() {
                            let cause = Cause::EnumValues { values: unknown };
                            self.push(top, path, name, reader, cause);
                        }
                        if *w_open {
                            let cause = Cause::EnumOpen { writer: w.clone() };
                            self.push(top, path, name, reader, cause);
                        }
                    }
                }
            }
            (Record(w), Record(r)) => {
                if let (
                    Some(LockedType::Record {
                        fields: w_fields, ..
                    }),
                    Some(LockedType::Record {
                        fields: r_fields, ..
                    }),
                ) = (self.writer_types.get(w), self.reader_types.get(r))
                {
                    let prefix = format!("{path}.");
                    self.fields(r_fields, w_fields, &prefix, top, Some(r.as_str()));
                }
            }
            _ => {}
        }
        self.depth -= 1;
    }
}

/// Containers and named types of the same kind are compared inside.
fn same_shape(writer: &FieldType, reader: &FieldType) -> bool {
    use FieldType::*;
    matches!(
        (writer, reader),
        (List(_), List(_)) | (Map(_), Map(_)) | (Enum(_), Enum(_)) | (Record(_), Record(_))
    )
}

/// A field's default as JSON text, for comparing and showing.
fn json_text(field: &LockedField) -> Option<String> {
    field
        .default
        .as_ref()
        .map(|value| value.to_json().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ir::{DefaultValue, NamedKind};

    /// A field of type `ty` (a schema spelling; capitalised names are enums).
    fn field(name: &str, ty: &str) -> LockedField {
        let named = |name: &str| {
            name.starts_with(char::is_uppercase)
                .then_some(NamedKind::Enum)
        };
        LockedField {
            name: name.into(),
            ty: FieldType::parse(ty, named).expect("a type"),
            optional: false,
            default: None,
            sensitive: false,
            constraints: Constraints::default(),
            source: None,
            docs: String::new(),
        }
    }

    fn causes(reader: &[LockedField], writer: &[LockedField]) -> Vec<Cause> {
        let types = Types::new();
        read(reader, &types, writer, &types)
            .into_iter()
            .map(|found| found.cause)
            .collect()
    }

    #[test]
    fn widening_reads_and_narrowing_does_not() {
        assert!(causes(&[field("a", "int64")], &[field("a", "int32")]).is_empty());
        assert!(causes(&[field("a", "string")], &[field("a", "uuid")]).is_empty());
        assert_eq!(
            causes(&[field("a", "int32")], &[field("a", "int64")]),
            vec![Cause::Type {
                writer: FieldType::Int64,
                reader: FieldType::Int32
            }]
        );
        assert!(causes(&[field("a", "list<int64>")], &[field("a", "list<int32>")]).is_empty());
    }

    #[test]
    fn missing_extra_and_optional() {
        let mut optional = field("b", "string");
        optional.optional = true;
        assert_eq!(causes(&[field("a", "string")], &[]), vec![Cause::Missing]);
        assert_eq!(causes(&[optional.clone()], &[]), vec![Cause::Added]);
        assert_eq!(causes(&[], &[field("a", "string")]), vec![Cause::Extra]);
        assert_eq!(
            causes(&[field("b", "string")], &[optional]),
            vec![Cause::MaybeAbsent]
        );
    }

    #[test]
    fn open_enums_read_strings_and_keep_unlisted_values() {
        let enumeration = |open: bool, values: &[&str]| LockedType::Enum {
            open,
            values: values.iter().map(|value| (*value).to_owned()).collect(),
            docs: String::new(),
        };
        let types = Types::from([
            ("Open".to_owned(), enumeration(true, &["a"])),
            ("Closed".to_owned(), enumeration(false, &["a"])),
            ("Wide".to_owned(), enumeration(true, &["a", "b"])),
        ]);
        let causes = |reader: &str, writer: &str| -> Vec<Cause> {
            read(&[field("x", reader)], &types, &[field("x", writer)], &types)
                .into_iter()
                .map(|found| found.cause)
                .collect()
        };
        assert!(causes("Open", "string").is_empty());
        assert!(causes("string", "Open").is_empty());
        assert_eq!(
            causes("Closed", "string"),
            vec![Cause::Type {
                writer: FieldType::String,
                reader: FieldType::Enum("Closed".into())
            }]
        );
        assert_eq!(
            causes("Open", "Wide"),
            vec![Cause::EnumValuesUnlisted {
                values: vec!["b".into()]
            }]
        );
        assert_eq!(
            causes("Closed", "Wide"),
            vec![
                Cause::EnumValues {
                    values: vec!["b".into()]
                },
                Cause::EnumOpen {
                    writer: "Wide".into()
                }
            ]
        );
    }

    #[test]
    fn defaults_are_compared_between_required_fields() {
        let with_default = |value: i64| {
            let mut field = field("a", "int64");
            field.default = Some(DefaultValue::Int(value));
            field
        };
        assert_eq!(
            causes(&[with_default(5)], &[with_default(3)]),
            vec![Cause::DefaultChanged {
                writer: Some("3".into()),
                reader: Some("5".into())
            }]
        );
        assert_eq!(
            causes(&[field("a", "int64")], &[with_default(3)]),
            vec![Cause::DefaultChanged {
                writer: Some("3".into()),
                reader: None
            }]
        );
        let mut optional = with_default(3);
        optional.optional = true;
        let mut other = with_default(5);
        other.optional = true;
        assert!(causes(&[other], &[optional]).is_empty());
    }

    #[test]
    fn constraints_compare_by_what_they_accept() {
        let limit = |max_length| Constraints {
            max_length: Some(max_length),
            ..Default::default()
        };
        assert_eq!(
            stricter(&limit(10), &limit(20))
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["at most 10 characters (was at most 20)"]
        );
        assert!(stricter(&limit(20), &limit(10)).is_empty());
        assert_eq!(
            stricter(&limit(10), &Constraints::default())[0].to_string(),
            "at most 10 characters (was no limit)"
        );
    }
}
