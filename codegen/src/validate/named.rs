//! Named types (`types:`): enums with their values and records with their fields, shared by
//! the whole catalogue; records may not contain themselves.

use std::collections::BTreeMap;

use event_names::did_you_mean;

use super::names::{check_enum_value, check_type_name};
use super::types::TypeTable;
use super::{description, fields};
use crate::ast::TypeAst;
use crate::diagnostic::Diagnostic;
use crate::ir::{EnumDef, EnumValue, NamedKind, NamedType, RecordDef, pascal_case};
use crate::source::Span;

/// The kinds and enum values of the named types, for reading field types and defaults before
/// the types themselves are checked.
pub(super) fn type_table(asts: &[&TypeAst]) -> TypeTable {
    asts.iter()
        .filter_map(|ast| {
            let kind = match ast.kind.as_ref().map(|kind| kind.value.as_str()) {
                Some("enum") => NamedKind::Enum,
                Some("record") => NamedKind::Record,
                _ => return None,
            };
            let values = ast
                .values
                .as_ref()
                .map(|values| {
                    values
                        .value
                        .iter()
                        .map(|value| value.value.value.clone())
                        .collect()
                })
                .unwrap_or_default();
            Some((ast.name.value.clone(), (kind, values)))
        })
        .collect()
}

/// Checks one named type.
pub(super) fn named_type(
    ast: &TypeAst,
    table: &TypeTable,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<NamedType> {
    let name_ok = check_type_name(&ast.name, diagnostics);
    let what = format!("type `{}`", ast.name.value);
    let description = description(&ast.description, ast.name.span, &what, diagnostics);
    let Some(kind) = &ast.kind else {
        diagnostics.push(
            Diagnostic::error(
                ast.name.span,
                format!("type `{}` has no `kind`", ast.name.value),
            )
            .with_label("kind missing")
            .with_hint("add `kind: enum` (with `values:`) or `kind: record` (with `fields:`)"),
        );
        return None;
    };
    let misplaced = |key: &str, span: Span, kind: &str| {
        Diagnostic::error(span, format!("`{key}` does not apply to a {kind}"))
            .with_label(format!("not part of a {kind}"))
            .with_hint(if kind == "record" {
                "records have `fields:`; enums have `values:` and `open:`"
            } else {
                "enums have `values:` and `open:`; records have `fields:`"
            })
    };
    match kind.value.as_str() {
        "enum" => {
            if let Some(fields) = &ast.fields {
                diagnostics.push(misplaced("fields", fields.span, "enum"));
            }
            let Some(values) = &ast.values else {
                diagnostics.push(
                    Diagnostic::error(
                        ast.name.span,
                        format!("enum `{}` has no `values`", ast.name.value),
                    )
                    .with_label("values missing")
                    .with_hint("add `values: [first, second]`"),
                );
                return None;
            };
            if values.value.is_empty() {
                diagnostics.push(
                    Diagnostic::error(
                        values.span,
                        format!("enum `{}` has no values", ast.name.value),
                    )
                    .with_label("empty")
                    .with_hint("an enum needs at least one value"),
                );
            }
            let open = ast.open.as_ref().is_some_and(|open| open.value);
            let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
            let mut out = Vec::new();
            for value in &values.value {
                if !check_enum_value(&value.value, diagnostics) {
                    continue;
                }
                if let Some(first) = seen.get(value.value.value.as_str()) {
                    diagnostics.push(
                        Diagnostic::error(
                            value.value.span,
                            format!("enum value `{}` is listed twice", value.value.value),
                        )
                        .with_label("listed again here")
                        .with_related(*first, "first listed here"),
                    );
                    continue;
                }
                if open && value.value.value == "unknown" {
                    diagnostics.push(
                        Diagnostic::error(value.value.span, "an open enum cannot have a value named `unknown`")
                            .with_label("clashes with the catch-all")
                            .with_hint("open enums keep unknown values in their `Unknown(String)` variant; rename this value"),
                    );
                }
                seen.insert(&value.value.value, value.value.span);
                out.push(EnumValue {
                    wire: value.value.value.clone(),
                    variant: pascal_case(&value.value.value),
                    description: value
                        .description
                        .as_ref()
                        .map(|d| d.value.clone())
                        .unwrap_or_default(),
                });
            }
            name_ok.then(|| {
                NamedType::Enum(EnumDef {
                    name: ast.name.value.clone(),
                    description,
                    values: out,
                    open,
                    span: ast.name.span,
                })
            })
        }
        "record" => {
            if let Some(values) = &ast.values {
                diagnostics.push(misplaced("values", values.span, "record"));
            }
            if let Some(open) = &ast.open {
                diagnostics.push(misplaced("open", open.span, "record"));
            }
            let Some(fields) = &ast.fields else {
                diagnostics.push(
                    Diagnostic::error(
                        ast.name.span,
                        format!("record `{}` has no `fields`", ast.name.value),
                    )
                    .with_label("fields missing")
                    .with_hint("add `fields:` with at least one field"),
                );
                return None;
            };
            let context = format!("record `{}`", ast.name.value);
            let fields: Vec<_> = fields
                .value
                .iter()
                .filter_map(|field| fields::field(field, table, &context, false, diagnostics))
                .collect();
            name_ok.then(|| {
                NamedType::Record(RecordDef {
                    name: ast.name.value.clone(),
                    description,
                    fields,
                    span: ast.name.span,
                })
            })
        }
        other => {
            let hint = match did_you_mean(other, ["enum", "record"]) {
                Some(near) => format!("did you mean `{near}`?"),
                None => "a named type is `kind: enum` or `kind: record`".to_owned(),
            };
            diagnostics.push(
                Diagnostic::error(kind.span, format!("unknown kind `{other}`"))
                    .with_label("unknown kind")
                    .with_hint(hint),
            );
            None
        }
    }
}

/// A record that contains itself (directly or through others, not through a list or map)
/// would be infinitely large in Rust.
pub(super) fn check_record_cycles(
    named: &BTreeMap<String, NamedType>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    fn direct_records(def: &RecordDef) -> impl Iterator<Item = &str> {
        def.fields.iter().filter_map(|field| match &field.ty {
            crate::ir::FieldType::Record(name) => Some(name.as_str()),
            _ => None,
        })
    }
    for (name, def) in named {
        let NamedType::Record(record) = def else {
            continue;
        };
        let mut stack: Vec<&str> = direct_records(record).collect();
        let mut seen: Vec<&str> = Vec::new();
        while let Some(next) = stack.pop() {
            if next == name {
                diagnostics.push(
                    Diagnostic::error(record.span, format!("record `{name}` contains itself"))
                        .with_label("recursive record")
                        .with_hint("a record cannot hold itself directly; hold a `list<...>` of it instead"),
                );
                break;
            }
            if seen.contains(&next) {
                continue;
            }
            seen.push(next);
            if let Some(NamedType::Record(inner)) = named.get(next) {
                stack.extend(direct_records(inner));
            }
        }
    }
}
