//! Fields of versions and records: name, description, type, default and constraints, checked
//! together into an [`ir::Field`](Field).

use super::constraints::constraints;
use super::defaults::default_value;
use super::description;
use super::names::check_field_name;
use super::types::{TypeTable, parse_type};
use crate::ast::FieldAst;
use crate::diagnostic::Diagnostic;
use crate::ir::{Constraint, Constraints, DefaultValue, Field};
use crate::source::Span;

/// Builds a [`Field`] from its syntax; `None` if it is too broken to use. Problems go to
/// `diagnostics`. `migration_keys_allowed` is false for records and first versions.
pub fn field(
    ast: &FieldAst,
    types: &TypeTable,
    context: &str,
    migration_keys_allowed: bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Field> {
    check_field_name(&ast.name, diagnostics);
    if !migration_keys_allowed {
        for (key, span) in [
            (
                "renamed_from",
                ast.renamed_from.as_ref().map(|value| value.span),
            ),
            ("migrate", ast.migrate.as_ref().map(|value| value.span)),
        ] {
            if let Some(span) = span {
                diagnostics.push(
                    Diagnostic::error(span, format!("`{key}` has no meaning in {context}"))
                        .with_label("nothing to migrate from")
                        .with_hint("migrations describe how a version is built from the one before it; only v2 and later have one"),
                );
            }
        }
    }
    let description = description(
        &ast.description,
        ast.name.span,
        &format!("field `{}`", ast.name.value),
        diagnostics,
    );
    let Some(type_text) = &ast.ty else {
        diagnostics.push(
            Diagnostic::error(
                ast.name.span,
                format!("field `{}` has no `type`", ast.name.value),
            )
            .with_label("type missing")
            .with_hint("add `type: string` (or int64, bool, list<string>, ...)"),
        );
        return None;
    };
    let ty = match parse_type(&type_text.value, types) {
        Ok(ty) => ty,
        Err((message, hint)) => {
            let mut diagnostic =
                Diagnostic::error(type_text.span, message).with_label("unknown type");
            if let Some(hint) = hint {
                diagnostic = diagnostic.with_hint(hint);
            }
            diagnostics.push(diagnostic);
            return None;
        }
    };
    let optional = ast.optional.as_ref().is_some_and(|value| value.value);
    let default = ast.default.as_ref().and_then(|default| {
        if optional {
            diagnostics.push(
                Diagnostic::error(default.span(), format!("field `{}` is optional and has a default", ast.name.value))
                    .with_label("default of an optional field")
                    .with_hint("a field with a default is always present after decoding: remove `optional: true` or the default"),
            );
        }
        default_value(default, &ty, types, diagnostics)
    });
    let constraints = constraints(ast, &ty, diagnostics);
    if let (Some(written), Some(value)) = (&ast.default, &default) {
        check_default_in_range(value, written.span(), &constraints, diagnostics);
    }
    Some(Field {
        name: ast.name.value.clone(),
        ty,
        description,
        optional,
        default,
        sensitive: ast.sensitive.as_ref().is_some_and(|value| value.value),
        constraints,
        renamed_from: ast.renamed_from.as_ref().map(|value| value.value.clone()),
        span: ast.name.span,
    })
}

/// A numeric default outside the field's own `min`/`max` is an error: every event without the
/// field would fail validation. (A default breaking another constraint is the lint's
/// `BACKWARD_INCOMPATIBLE` when a migration gives it to upgraded events.)
fn check_default_in_range(
    value: &DefaultValue,
    span: Span,
    constraints: &Constraints,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let out_of_range = constraints
        .entries()
        .filter(|constraint| matches!(constraint, Constraint::Min(_) | Constraint::Max(_)))
        .any(|constraint| constraint.rejects(value).is_some());
    if out_of_range {
        diagnostics.push(
            Diagnostic::error(span, "the default breaks the field's own `min`/`max`")
                .with_label("out of range")
                .with_hint("change the default or the range"),
        );
    }
}
