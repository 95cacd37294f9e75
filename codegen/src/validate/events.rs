//! Events and their versions: `v1`, `v2`, ... without gaps, each with its fields and, after
//! the first, the migration from the one before.

use std::collections::BTreeMap;

use super::catalogue::compatibility;
use super::names::check_event_name;
use super::types::TypeTable;
use super::{description, fields, migrate, missing_description};
use crate::ast::{EventAst, VersionAst};
use crate::diagnostic::Diagnostic;
use crate::ir::{EventDef, NamedType, VersionDef};
use crate::rules;
use crate::source::Span;

/// Checks one event and its versions.
pub(super) fn event(
    ast: &EventAst,
    table: &TypeTable,
    named: &BTreeMap<String, NamedType>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<EventDef> {
    let name_ok = check_event_name(&ast.name, diagnostics);
    let what = format!("event `{}`", ast.name.value);
    let description = description(&ast.description, ast.name.span, &what, diagnostics);
    let compatibility = ast
        .compatibility
        .as_ref()
        .and_then(|text| compatibility(text, diagnostics));
    let Some(version_asts) = &ast.versions else {
        diagnostics.push(
            Diagnostic::error(
                ast.name.span,
                format!("event `{}` has no `versions`", ast.name.value),
            )
            .with_label("versions missing")
            .with_hint("add `versions:` with at least `v1:`"),
        );
        return None;
    };
    let numbered = version_numbers(
        &ast.name.value,
        &version_asts.value,
        version_asts.span,
        diagnostics,
    );
    let mut versions: Vec<VersionDef> = Vec::new();
    for (number, version_ast) in numbered {
        let previous = versions.last();
        if let Some(def) = version(
            &ast.name.value,
            number,
            version_ast,
            previous,
            table,
            named,
            diagnostics,
        ) {
            versions.push(def);
        }
    }
    name_ok.then(|| EventDef {
        name: ast.name.value.clone(),
        description,
        compatibility,
        versions,
        span: ast.name.span,
    })
}

/// Reads `v1`, `v2`... keys; reports malformed keys and gaps; returns them in order.
fn version_numbers<'a>(
    event: &str,
    versions: &'a [VersionAst],
    span: Span,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(u32, &'a VersionAst)> {
    let mut numbered: Vec<(u32, &VersionAst)> = Vec::new();
    for ast in versions {
        let number = ast
            .key
            .value
            .strip_prefix('v')
            .filter(|digits| {
                !digits.is_empty()
                    && !digits.starts_with('0')
                    && digits.bytes().all(|b| b.is_ascii_digit())
            })
            .and_then(|digits| digits.parse::<u32>().ok());
        match number {
            Some(number) => numbered.push((number, ast)),
            None => diagnostics.push(
                Diagnostic::error(
                    ast.key.span,
                    format!("`{}` is not a version of {event}", ast.key.value),
                )
                .with_label("malformed version")
                .with_hint("versions are `v1`, `v2`, ... in order"),
            ),
        }
    }
    numbered.sort_by_key(|(number, _)| *number);
    if versions.is_empty() {
        diagnostics.push(
            Diagnostic::error(span, format!("event `{event}` has no versions"))
                .with_label("empty")
                .with_hint("add `v1:` with a description and fields"),
        );
    }
    let mut contiguous = Vec::new();
    for (expected, (number, ast)) in (1..).zip(numbered) {
        if number != expected {
            let missing = if number == expected + 1 {
                format!("v{expected}")
            } else {
                format!("v{expected}..v{}", number - 1)
            };
            diagnostics.push(
                Diagnostic::error(ast.key.span, format!("version gap in {event}: v{number} follows v{}", expected - 1))
                    .with_code(rules::VERSION_GAP)
                    .with_label(format!("{missing} missing"))
                    .with_hint(format!(
                        "versions must go up by one, since each is migrated from the one before; rename this to `v{expected}` or add {missing}"
                    )),
            );
            break;
        }
        contiguous.push((number, ast));
    }
    contiguous
}

fn version(
    event: &str,
    number: u32,
    ast: &VersionAst,
    previous: Option<&VersionDef>,
    table: &TypeTable,
    named: &BTreeMap<String, NamedType>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<VersionDef> {
    let what = format!("{event} v{number}");
    let description = description(&ast.description, ast.key.span, &what, diagnostics);
    let Some(field_asts) = &ast.fields else {
        diagnostics.push(
            Diagnostic::error(ast.key.span, format!("{what} has no `fields`"))
                .with_label("fields missing")
                .with_hint("add `fields:` (write `fields: {}` for an event with no payload)"),
        );
        return None;
    };
    let fields: Vec<_> = field_asts
        .value
        .iter()
        .filter_map(|field| fields::field(field, table, &what, number > 1, diagnostics))
        .collect();
    if fields.len() != field_asts.value.len() {
        return None;
    }
    let requires_user_id = match &ast.envelope_user_id {
        Some(text) if text.value.is_empty() => {
            diagnostics.push(missing_description(text.span, "the envelope's `user_id`"));
            None
        }
        other => other.as_ref().map(|text| text.value.clone()),
    };
    let migration = match (number, previous) {
        (1, _) => {
            if let Some(path) = &ast.migrate_with {
                diagnostics.push(
                    Diagnostic::error(
                        path.span,
                        format!("{what} has no previous version to migrate from"),
                    )
                    .with_label("`migrate_with` on v1")
                    .with_hint("remove `migrate_with`; migrations start at v2"),
                );
            }
            None
        }
        (_, Some(previous)) => migrate::migration(
            &what,
            previous,
            &fields,
            field_asts,
            ast,
            named,
            diagnostics,
        ),
        // The previous version had errors of its own; nothing more can be checked here.
        (_, None) => return None,
    };
    Some(VersionDef {
        number,
        description,
        fields,
        requires_user_id,
        migration,
        span: ast.key.span,
    })
}
