//! Constraints: each key checked against the field's type (which kinds apply to which types
//! is [`Constraint::applies_to`]) and its value read into [`Constraints`].

use crate::ast::{FieldAst, Spanned};
use crate::diagnostic::Diagnostic;
use crate::ir::{Constraint, Constraints, FieldType};

/// Reads the constraints of a field of type `ty`.
pub(super) fn constraints(
    ast: &FieldAst,
    ty: &FieldType,
    diagnostics: &mut Vec<Diagnostic>,
) -> Constraints {
    let mut constraints = Constraints::default();
    let field = Constrained {
        name: &ast.name.value,
        ty,
    };
    for (kind, value) in [
        (Constraint::Min(0.0), &ast.min),
        (Constraint::Max(0.0), &ast.max),
    ] {
        let Some(value) = field.applicable(value, kind, diagnostics) else {
            continue;
        };
        let parsed = match ty {
            FieldType::Int32 => value.value.parse::<i32>().ok().map(f64::from),
            FieldType::Int64 => value.value.parse::<i64>().ok().map(|n| n as f64),
            _ => value.value.parse::<f64>().ok().filter(|n| n.is_finite()),
        };
        match (parsed, kind) {
            (Some(number), Constraint::Min(_)) => constraints.min = Some(number),
            (Some(number), _) => constraints.max = Some(number),
            (None, _) => diagnostics.push(
                Diagnostic::error(
                    value.span,
                    format!("`{}` must be a `{}` number", kind.key(), ty.schema_name()),
                )
                .with_label(format!("found `{}`", value.value)),
            ),
        }
    }
    if let (Some(low), Some(high), Some(max)) = (constraints.min, constraints.max, &ast.max) {
        if low > high {
            diagnostics.push(
                Diagnostic::error(max.span, "`max` is smaller than `min`")
                    .with_label("no value can satisfy both")
                    .with_hint("swap them or fix one"),
            );
        }
    }
    constraints.min_length = field
        .applicable(&ast.min_length, Constraint::MinLength(0), diagnostics)
        .map(|v| v.value);
    constraints.max_length = field
        .applicable(&ast.max_length, Constraint::MaxLength(0), diagnostics)
        .map(|v| v.value);
    if let (Some(low), Some(high), Some(max)) = (
        constraints.min_length,
        constraints.max_length,
        &ast.max_length,
    ) {
        if low > high {
            diagnostics.push(
                Diagnostic::error(max.span, "`max_length` is smaller than `min_length`")
                    .with_label("no value can satisfy both"),
            );
        }
    }
    let pattern = field.applicable(&ast.pattern, Constraint::Pattern(""), diagnostics);
    if let Some(pattern) = pattern {
        match regex_lite::Regex::new(&format!("^(?:{})$", pattern.value)) {
            Ok(_) => constraints.pattern = Some(pattern.value.clone()),
            Err(error) => diagnostics.push(
                Diagnostic::error(pattern.span, "`pattern` is not a valid regular expression")
                    .with_label(error.to_string().lines().last().unwrap_or("invalid").to_owned())
                    .with_hint("patterns use regex-lite syntax (like the `regex` crate, without Unicode classes)"),
            ),
        }
    }
    constraints.non_empty = field
        .applicable(&ast.non_empty, Constraint::NonEmpty, diagnostics)
        .is_some_and(|v| v.value);
    constraints.max_items = field
        .applicable(&ast.max_items, Constraint::MaxItems(0), diagnostics)
        .map(|v| v.value);
    constraints
}

/// A field whose constraints are read.
struct Constrained<'a> {
    name: &'a str,
    ty: &'a FieldType,
}

impl Constrained<'_> {
    /// The value of a constraint, when one of its kind applies to the field; reported where
    /// it does not.
    fn applicable<'v, T>(
        &self,
        value: &'v Option<Spanned<T>>,
        kind: Constraint<'_>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<&'v Spanned<T>> {
        let value = value.as_ref()?;
        if kind.applies_to(self.ty) {
            return Some(value);
        }
        let key = kind.key();
        let type_name = self.ty.schema_name();
        diagnostics.push(
            Diagnostic::error(
                value.span,
                format!(
                    "`{key}` does not apply to `{type_name}` field `{}`",
                    self.name
                ),
            )
            .with_label(format!("`{key}` on a `{type_name}`"))
            .with_hint(format!(
                "`{key}` applies to {}; remove it or change the type",
                kind.applies_to_fields()
            )),
        );
        None
    }
}
