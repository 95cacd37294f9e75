//! The `catalogue:` section: name, semver version and default compatibility level, once for
//! the whole directory.

use event_names::did_you_mean;

use crate::ast::{SchemaFile, Spanned};
use crate::diagnostic::Diagnostic;
use crate::ir::Compatibility;
use crate::source::Span;

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

/// Reads the catalogue section: name, version and default level.
pub(super) fn section(
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
