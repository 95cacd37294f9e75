//! Validation: syntax trees -> [`Catalogue`] (the IR), with every problem as a diagnostic.
//!
//! Checks are grouped by what they look at: [`names`], [`types`] (field types, defaults,
//! constraints) and [`migrate`] (how each version is built from the one before).

pub mod migrate;
pub mod names;
pub mod types;
pub mod waivers;

use std::collections::BTreeMap;

use event_names::did_you_mean;

use crate::ast::{EventAst, SchemaFile, Spanned, TypeAst, VersionAst};
use crate::diagnostic::Diagnostic;
use crate::ir::{
    Catalogue, Compatibility, EnumDef, EnumValue, EventDef, NamedKind, NamedType, RecordDef,
    SourceFile, Span, VersionDef, pascal_case,
};
use names::{check_event_name, check_type_name};
use types::{TypeTable, check_enum_value, missing_description};

/// Validates parsed files into a catalogue. Returns `None` when any error was found; every
/// problem is in `diagnostics` either way.
pub fn validate(
    files: &[SourceFile],
    asts: &[SchemaFile],
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Catalogue> {
    let (name, version, compatibility) = catalogue_section(asts, diagnostics);

    let type_asts = unique_types(asts, diagnostics);
    let table: TypeTable = type_asts
        .iter()
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
        .collect();
    let mut named = BTreeMap::new();
    for ast in &type_asts {
        if let Some(def) = named_type(ast, &table, diagnostics) {
            named.insert(def.name().to_owned(), def);
        }
    }
    check_record_cycles(&named, diagnostics);

    let mut events = BTreeMap::new();
    for ast in unique_events(asts, diagnostics) {
        if let Some(def) = event(ast, &table, &named, diagnostics) {
            events.insert(def.name.clone(), def);
        }
    }
    check_generated_names(&named, &events, diagnostics);
    let waivers = waivers::waivers(asts, diagnostics);
    let version_span = asts
        .iter()
        .filter_map(|file| file.catalogue.as_ref())
        .find_map(|section| section.version.as_ref().map(|version| version.span))
        .unwrap_or_default();

    // Parse errors count too: a catalogue missing an unreadable file is not the catalogue.
    if count_errors(diagnostics) > 0 {
        return None;
    }
    Some(Catalogue {
        name,
        version,
        compatibility,
        files: files.to_vec(),
        types: named,
        events,
        version_span,
        waivers,
    })
}

fn count_errors(diagnostics: &[Diagnostic]) -> usize {
    diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.severity == crate::diagnostic::Severity::Error)
        .count()
}

/// Reads a compatibility level.
pub fn compatibility(
    text: &Spanned<String>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Compatibility> {
    let level = Compatibility::ALL
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(&text.value))
        .map(|(_, level)| *level);
    if level.is_none() {
        let names = Compatibility::ALL.iter().map(|(name, _)| *name);
        let hint = match did_you_mean(&text.value.to_ascii_uppercase(), names.clone()) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!("expected one of: {}", names.collect::<Vec<_>>().join(", ")),
        };
        diagnostics.push(
            Diagnostic::error(
                text.span,
                format!("unknown compatibility level `{}`", text.value),
            )
            .with_label("unknown level")
            .with_hint(hint),
        );
    }
    level
}

fn catalogue_section(
    asts: &[SchemaFile],
    diagnostics: &mut Vec<Diagnostic>,
) -> (String, semver::Version, Compatibility) {
    let sections: Vec<_> = asts
        .iter()
        .filter_map(|file| file.catalogue.as_ref())
        .collect();
    let mut name = "events".to_owned();
    let mut version = semver::Version::new(0, 0, 0);
    let mut level = Compatibility::default();
    let Some(section) = sections.first() else {
        if asts.iter().any(|file| file.unreadable) {
            // The section may be in the file that could not be read; do not guess.
            return (name, version, level);
        }
        let span = Span {
            file: 0,
            start: 0,
            end: 0,
        };
        diagnostics.push(
            Diagnostic::error(span, "the schemas have no `catalogue:` section")
                .with_label("no catalogue")
                .with_hint("add a file `catalogue.yaml` with `catalogue: { name: my-service-events, version: 0.1.0 }`"),
        );
        return (name, version, level);
    };
    for extra in sections.iter().skip(1) {
        diagnostics.push(
            Diagnostic::error(extra.span, "a second `catalogue:` section")
                .with_label("defined again here")
                .with_related(section.span, "first defined here")
                .with_hint("one catalogue section describes the whole directory; keep one"),
        );
    }
    match &section.name {
        Some(text) if !text.value.is_empty() => name = text.value.clone(),
        _ => diagnostics.push(
            Diagnostic::error(section.span, "the catalogue has no `name`")
                .with_label("name missing")
                .with_hint("add `name: my-service-events`"),
        ),
    }
    match &section.version {
        Some(text) => match semver::Version::parse(&text.value) {
            Ok(parsed) => version = parsed,
            Err(error) => diagnostics.push(
                Diagnostic::error(
                    text.span,
                    format!("catalogue version `{}` is not semver", text.value),
                )
                .with_label(error.to_string())
                .with_hint("write MAJOR.MINOR.PATCH, e.g. `1.0.0`"),
            ),
        },
        None => diagnostics.push(
            Diagnostic::error(section.span, "the catalogue has no `version`")
                .with_label("version missing")
                .with_hint(
                    "add `version: 0.1.0`; services pin the catalogue version like a package",
                ),
        ),
    }
    if let Some(text) = &section.compatibility {
        if let Some(parsed) = compatibility(text, diagnostics) {
            level = parsed;
        }
    }
    (name, version, level)
}

fn unique_types<'a>(asts: &'a [SchemaFile], diagnostics: &mut Vec<Diagnostic>) -> Vec<&'a TypeAst> {
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    let mut unique = Vec::new();
    for ast in asts.iter().flat_map(|file| &file.types) {
        if let Some(first) = seen.get(ast.name.value.as_str()) {
            diagnostics.push(
                Diagnostic::error(
                    ast.name.span,
                    format!("type `{}` is defined twice", ast.name.value),
                )
                .with_label("defined again here")
                .with_related(*first, "first defined here")
                .with_hint(
                    "types are shared by the whole catalogue; keep one definition or rename one",
                ),
            );
            continue;
        }
        seen.insert(&ast.name.value, ast.name.span);
        unique.push(ast);
    }
    unique
}

fn unique_events<'a>(
    asts: &'a [SchemaFile],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<&'a EventAst> {
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    let mut unique = Vec::new();
    for ast in asts.iter().flat_map(|file| &file.events) {
        if let Some(first) = seen.get(ast.name.value.as_str()) {
            diagnostics.push(
                Diagnostic::error(
                    ast.name.span,
                    format!("event `{}` is defined twice", ast.name.value),
                )
                .with_label("defined again here")
                .with_related(*first, "first defined here")
                .with_hint("define each event once, with all its versions under `versions:`"),
            );
            continue;
        }
        seen.insert(&ast.name.value, ast.name.span);
        unique.push(ast);
    }
    unique
}

fn description(
    value: &Option<Spanned<String>>,
    fallback: Span,
    what: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> String {
    match value {
        Some(text) if !text.value.is_empty() => text.value.clone(),
        Some(text) => {
            diagnostics.push(missing_description(text.span, what));
            String::new()
        }
        None => {
            diagnostics.push(missing_description(fallback, what));
            String::new()
        }
    }
}

fn named_type(
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
                .filter_map(|field| types::field(field, table, &context, false, diagnostics))
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
fn check_record_cycles(named: &BTreeMap<String, NamedType>, diagnostics: &mut Vec<Diagnostic>) {
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

fn event(
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
                    .with_code(crate::rules::VERSION_GAP)
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
        .filter_map(|field| types::field(field, table, &what, number > 1, diagnostics))
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

/// Named types must not collide with generated struct names (`UserCreatedV1`) or aliases.
fn check_generated_names(
    named: &BTreeMap<String, NamedType>,
    events: &BTreeMap<String, EventDef>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut generated: BTreeMap<String, Span> = BTreeMap::new();
    for event in events.values() {
        let base = event.rust_name();
        if let Some(first) = generated.get(&base) {
            diagnostics.push(
                Diagnostic::error(
                    event.span,
                    format!(
                        "event `{}` gives the same Rust name `{base}` as another event",
                        event.name
                    ),
                )
                .with_related(*first, "the other event")
                .with_label("same Rust name"),
            );
        }
        generated.insert(base.clone(), event.span);
        for version in &event.versions {
            generated.insert(event.struct_name(version.number), event.span);
        }
    }
    for def in named.values() {
        let (name, span) = match def {
            NamedType::Enum(def) => (&def.name, def.span),
            NamedType::Record(def) => (&def.name, def.span),
        };
        if let Some(event_span) = generated.get(name) {
            diagnostics.push(
                Diagnostic::error(
                    span,
                    format!("type name `{name}` is also the name of a generated event type"),
                )
                .with_label("name clash")
                .with_related(*event_span, "this event generates it")
                .with_hint("rename the type"),
            );
        }
    }
}
