//! Naming rules: snake_case fields, `domain.action` events, PascalCase types.

use crate::ast::Spanned;
use crate::diagnostic::Diagnostic;

/// Names of the envelope fields; a payload field may not use them.
pub const RESERVED: [&str; 8] = [
    "event_id",
    "event_type",
    "version",
    "timestamp",
    "source_service",
    "correlation_id",
    "user_id",
    "metadata",
];

/// Names of the Rust prelude and of standard types generated code uses.
const PRELUDE: [&str; 16] = [
    "String", "Option", "Some", "None", "Result", "Ok", "Err", "Vec", "Box", "Default", "From",
    "Into", "Clone", "Debug", "Self", "BTreeMap",
];

/// Words Rust does not accept even as raw identifiers.
const NOT_RAW: [&str; 5] = ["self", "Self", "super", "crate", "_"];

/// `lower_snake_case`: a lowercase letter, then lowercase letters, digits and single `_`.
pub fn is_snake_case(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.contains("__")
        && !name.ends_with('_')
}

/// `PascalCase`: an uppercase letter, then letters and digits.
pub fn is_pascal_case(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Best-effort snake_case spelling of a name, for hints: `firstName` -> `first_name`.
pub fn to_snake_case(name: &str) -> String {
    let mut out = String::new();
    for (index, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if index > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_owned()
}

/// Checks a payload or record field name.
pub fn check_field_name(name: &Spanned<String>, diagnostics: &mut Vec<Diagnostic>) {
    let text = &name.value;
    if RESERVED.contains(&text.as_str()) {
        let mut diagnostic = Diagnostic::error(
            name.span,
            format!("`{text}` is an envelope field and cannot be a payload field"),
        )
        .with_label("reserved name");
        diagnostic = if text == "user_id" {
            diagnostic.with_hint(
                "every event carries `user_id` in its envelope; to require it for this version, write `envelope: { user_id: \"what it holds\" }` on the version instead",
            )
        } else {
            diagnostic.with_hint(format!(
                "the envelope fields ({}) are filled by the runtime; rename the field",
                RESERVED.join(", ")
            ))
        };
        diagnostics.push(diagnostic);
    } else if !is_snake_case(text) {
        diagnostics.push(
            Diagnostic::error(name.span, format!("field name `{text}` is not snake_case"))
                .with_label("not snake_case")
                .with_hint(format!(
                    "write `{}`: field names are lowercase words joined by `_`",
                    to_snake_case(text)
                )),
        );
    } else if text == "envelope" {
        diagnostics.push(
            Diagnostic::error(name.span, "`envelope` cannot be a payload field name")
                .with_label("clashes with the generated `envelope` field")
                .with_hint("every generated struct holds the envelope in a field of that name; rename this field"),
        );
    } else if NOT_RAW.contains(&text.as_str()) {
        diagnostics.push(
            Diagnostic::error(
                name.span,
                format!("`{text}` cannot be a field name in Rust"),
            )
            .with_label("reserved by Rust")
            .with_hint("choose another name"),
        );
    }
}

/// Checks an event name: `domain.action`.
pub fn check_event_name(name: &Spanned<String>, diagnostics: &mut Vec<Diagnostic>) -> bool {
    let parts: Vec<&str> = name.value.split('.').collect();
    if parts.len() == 2 && parts.iter().all(|part| is_snake_case(part)) {
        return true;
    }
    let suggestion = if parts.len() == 2 {
        format!(
            "; e.g. `{}.{}`",
            to_snake_case(parts[0]),
            to_snake_case(parts[1])
        )
    } else {
        String::new()
    };
    diagnostics.push(
        Diagnostic::error(name.span, format!("event name `{}` is not `domain.action`", name.value))
            .with_label("malformed event name")
            .with_hint(format!(
                "event names are two lowercase snake_case words joined by a dot, like `user.created`{suggestion}"
            )),
    );
    false
}

/// Checks a named type's name.
pub fn check_type_name(name: &Spanned<String>, diagnostics: &mut Vec<Diagnostic>) -> bool {
    if PRELUDE.contains(&name.value.as_str()) {
        diagnostics.push(
            Diagnostic::error(name.span, format!("type name `{}` would hide Rust's own `{}`", name.value, name.value))
                .with_label("name taken by the Rust prelude")
                .with_hint("generated code uses the standard types by these names; choose a more specific name"),
        );
        return false;
    }
    if is_pascal_case(&name.value) {
        return true;
    }
    diagnostics.push(
        Diagnostic::error(
            name.span,
            format!("type name `{}` is not PascalCase", name.value),
        )
        .with_label("not PascalCase")
        .with_hint(format!(
            "type names become Rust types: write `{}`",
            crate::ir::pascal_case(&to_snake_case(&name.value))
        )),
    );
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_checks() {
        assert!(is_snake_case("first_name"));
        assert!(is_snake_case("v2_field"));
        for bad in [
            "FirstName",
            "first__name",
            "first_",
            "_first",
            "first-name",
            "1st",
            "",
        ] {
            assert!(!is_snake_case(bad), "{bad}");
        }
        assert!(is_pascal_case("GeoPoint2"));
        assert!(!is_pascal_case("geoPoint"));
        assert!(!is_pascal_case("Geo_Point"));
        assert_eq!(to_snake_case("firstName"), "first_name");
        assert_eq!(to_snake_case("First-Name"), "first_name");
    }
}
