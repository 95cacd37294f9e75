//! Validation: syntax trees -> [`Catalogue`] (the IR), with every problem as a diagnostic.
//!
//! Checks are grouped by what they look at: [`catalogue`] (the `catalogue:` section),
//! [`named`] (enums and records), [`events`] (events and their versions), [`fields`] with
//! their [`types`], [`defaults`] and [`constraints`], [`migrate`] (how each version is built
//! from the one before), [`names`] and [`waivers`]. This module runs them and checks what
//! spans the whole catalogue (duplicates, clashes of generated names).

pub mod catalogue;
pub mod constraints;
pub mod defaults;
pub mod events;
pub mod fields;
pub mod migrate;
pub mod named;
pub mod names;
pub mod types;
pub mod waivers;

use std::collections::BTreeMap;

use crate::ast::{EventAst, SchemaFile, Spanned, TypeAst};
use crate::diagnostic::Diagnostic;
use crate::ir::{Catalogue, EventDef, NamedType, SourceFile, Span};

/// Validates parsed files into a catalogue. Returns `None` when any error was found; every
/// problem is in `diagnostics` either way.
pub fn validate(
    files: &[SourceFile],
    asts: &[SchemaFile],
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Catalogue> {
    let (name, version, compatibility) = catalogue::section(asts, diagnostics);

    let type_asts = unique_types(asts, diagnostics);
    let table = named::type_table(&type_asts);
    let mut named = BTreeMap::new();
    for ast in &type_asts {
        if let Some(def) = named::named_type(ast, &table, diagnostics) {
            named.insert(def.name().to_owned(), def);
        }
    }
    named::check_record_cycles(&named, diagnostics);

    let mut events = BTreeMap::new();
    for ast in unique_events(asts, diagnostics) {
        if let Some(def) = events::event(ast, &table, &named, diagnostics) {
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

/// The "needs a description" error.
pub fn missing_description(span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(span, format!("{what} has no description"))
        .with_label("description missing")
        .with_hint("add `description: ...` saying what it means; it becomes the Rust doc comment and the catalogue documentation")
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
