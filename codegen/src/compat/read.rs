//! Can a reader built for one schema read data written with another? The structural check
//! behind every compatibility rule, on the lockfile model, like Avro's schema resolution.
//!
//! Fields are matched by wire name. Fields only the writer has are ignored by readers (the
//! decoders accept unknown keys); fields only the reader has need `optional` or a default.
//! A type is readable when it is the same or widens per [`widens`], or when an open enum
//! reads a `string` (values it does not list become `Unknown`). Constraints of the reader
//! must accept every value the writer's constraints accept.
//!
//! Every difference is reported with its [`Cause`], also those a reader survives (an added
//! optional field, a value an open enum keeps as `Unknown`, another default): each caller
//! decides which of them break what it protects.

use std::collections::BTreeMap;

use crate::compat::lockfile::{LockedConstraints, LockedField, LockedType};
use crate::ir::FieldType;
use crate::validate::types::{NamedKind, TypeTable, parse_type};

/// The named types of one side.
#[derive(Debug, Clone)]
pub struct Types<'a> {
    types: &'a BTreeMap<String, LockedType>,
    table: TypeTable,
}

impl<'a> Types<'a> {
    /// Wraps the named types of a lockfile.
    pub fn new(types: &'a BTreeMap<String, LockedType>) -> Self {
        let table = types
            .iter()
            .map(|(name, def)| {
                let entry = match def {
                    LockedType::Enum { values, .. } => (NamedKind::Enum, values.clone()),
                    LockedType::Record { .. } => (NamedKind::Record, Vec::new()),
                };
                (name.clone(), entry)
            })
            .collect();
        Self { types, table }
    }

    /// Parses a schema type; an unknown name reads as `json` (it cannot happen for checked
    /// catalogues, and must not panic on a hand-edited lockfile).
    pub fn parse(&self, text: &str) -> FieldType {
        parse_type(text, &self.table).unwrap_or(FieldType::Json)
    }

    fn get(&self, name: &str) -> Option<&'a LockedType> {
        self.types.get(name)
    }
}

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
    /// The types differ and the writer's does not widen to the reader's.
    Type {
        /// Writer's type.
        writer: String,
        /// Reader's type.
        reader: String,
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
    Constraint {
        /// What the reader requires, e.g. "at most 50 characters (was at most 64)".
        what: String,
    },
    /// The reader requires the envelope's `user_id`; the writer does not.
    UserId,
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
    /// The schema type of the field at `path` (reader's if it has one, else writer's).
    pub ty: String,
    /// What is wrong.
    pub cause: Cause,
}

/// Compares a reader's fields with a writer's.
pub fn read(
    reader: &[LockedField],
    reader_types: &Types<'_>,
    writer: &[LockedField],
    writer_types: &Types<'_>,
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

/// Whether data of type `from` reads as `to` without loss (the documented widening table).
pub fn widens(from: &FieldType, to: &FieldType) -> bool {
    use FieldType::*;
    matches!(
        (from, to),
        (Int32, Int64)
            | (Int32, Float64)
            | (Int64, Float64)
            | (Enum(_), String)
            | (Uuid | Date | DateTime | Decimal, String)
            | (Record(_) | Map(_), Json)
    )
}

struct Cx<'a, 'b> {
    reader_types: &'a Types<'a>,
    writer_types: &'a Types<'a>,
    out: &'b mut Vec<Incompatibility>,
    depth: usize,
}

impl Cx<'_, '_> {
    fn push(
        &mut self,
        top: Option<&str>,
        path: &str,
        in_type: Option<&str>,
        ty: &str,
        cause: Cause,
    ) {
        self.out.push(Incompatibility {
            field: top.unwrap_or(path).to_owned(),
            path: path.to_owned(),
            in_type: in_type.map(str::to_owned),
            ty: ty.to_owned(),
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
            let (rt, wt) = (
                self.reader_types.parse(&r.ty),
                self.writer_types.parse(&w.ty),
            );
            if self.readable(&wt, &rt) {
                self.types(&rt, &wt, &path, top, in_type);
            } else {
                let cause = Cause::Type {
                    writer: w.ty.clone(),
                    reader: r.ty.clone(),
                };
                self.push(top, &path, in_type, &r.ty, cause);
                continue;
            }
            for what in stricter(&r.constraints, &w.constraints) {
                self.push(top, &path, in_type, &r.ty, Cause::Constraint { what });
            }
            if !r.optional && !w.optional && r.default != w.default {
                let text =
                    |value: &Option<serde_json::Value>| value.as_ref().map(|v| v.to_string());
                let cause = Cause::DefaultChanged {
                    writer: text(&w.default),
                    reader: text(&r.default),
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
            || widens(writer, reader)
            || self.same_shape(writer, reader)
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

    /// Containers and named types of the same kind are compared inside.
    fn same_shape(&self, writer: &FieldType, reader: &FieldType) -> bool {
        use FieldType::*;
        matches!(
            (writer, reader),
            (List(_), List(_)) | (Map(_), Map(_)) | (Enum(_), Enum(_)) | (Record(_), Record(_))
        )
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
                        writer: w.schema_name(),
                        reader: r.schema_name(),
                    };
                    self.push(top, &inner, in_type, &r.schema_name(), cause);
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
                            self.push(top, path, name, r, cause);
                        }
                    } else {
                        if !unknown.is_empty() {
                            self.push(top, path, name, r, Cause::EnumValues { values: unknown });
                        }
                        if *w_open {
                            let cause = Cause::EnumOpen { writer: w.clone() };
                            self.push(top, path, name, r, cause);
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

/// The reader's constraints that reject some value the writer's accept, described.
pub fn stricter(reader: &LockedConstraints, writer: &LockedConstraints) -> Vec<String> {
    let mut out = Vec::new();
    let was = |value: Option<String>| value.unwrap_or_else(|| "no limit".to_owned());
    if let Some(min) = reader.min {
        if writer.min.is_none_or(|w| w < min) {
            out.push(format!(
                "at least {min} (was {})",
                was(writer.min.map(|w| format!("at least {w}")))
            ));
        }
    }
    if let Some(max) = reader.max {
        if writer.max.is_none_or(|w| w > max) {
            out.push(format!(
                "at most {max} (was {})",
                was(writer.max.map(|w| format!("at most {w}")))
            ));
        }
    }
    if let Some(min) = reader.min_length {
        if writer.min_length.is_none_or(|w| w < min) {
            out.push(format!(
                "at least {min} characters (was {})",
                was(writer.min_length.map(|w| format!("at least {w}")))
            ));
        }
    }
    if let Some(max) = reader.max_length {
        if writer.max_length.is_none_or(|w| w > max) {
            out.push(format!(
                "at most {max} characters (was {})",
                was(writer.max_length.map(|w| format!("at most {w}")))
            ));
        }
    }
    if let Some(pattern) = &reader.pattern {
        if writer.pattern.as_ref() != Some(pattern) {
            out.push(format!(
                "matching `{pattern}` (was {})",
                was(writer.pattern.as_ref().map(|w| format!("`{w}`")))
            ));
        }
    }
    if reader.non_empty && !writer.non_empty && writer.min_length.is_none_or(|w| w == 0) {
        out.push("not empty (was possibly empty)".to_owned());
    }
    if let Some(max) = reader.max_items {
        if writer.max_items.is_none_or(|w| w > max) {
            out.push(format!(
                "at most {max} items (was {})",
                was(writer.max_items.map(|w| format!("at most {w}")))
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, ty: &str) -> LockedField {
        LockedField {
            name: name.into(),
            ty: ty.into(),
            optional: false,
            default: None,
            sensitive: false,
            constraints: LockedConstraints::default(),
            source: None,
            docs: String::new(),
        }
    }

    fn causes(reader: &[LockedField], writer: &[LockedField]) -> Vec<Cause> {
        let types = BTreeMap::new();
        let types = Types::new(&types);
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
                writer: "int64".into(),
                reader: "int32".into()
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
        let types = BTreeMap::from([
            ("Open".to_owned(), enumeration(true, &["a"])),
            ("Closed".to_owned(), enumeration(false, &["a"])),
            ("Wide".to_owned(), enumeration(true, &["a", "b"])),
        ]);
        let types = Types::new(&types);
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
                writer: "string".into(),
                reader: "Closed".into()
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
            field.default = Some(value.into());
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
        let tight = LockedConstraints {
            max_length: Some(10),
            ..Default::default()
        };
        let loose = LockedConstraints {
            max_length: Some(20),
            ..Default::default()
        };
        assert_eq!(stricter(&tight, &loose).len(), 1);
        assert!(stricter(&loose, &tight).is_empty());
        assert_eq!(stricter(&tight, &LockedConstraints::default()).len(), 1);
    }
}
