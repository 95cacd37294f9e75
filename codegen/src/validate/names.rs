//! Naming rules: snake_case fields, `domain.action` events, PascalCase types. The rules the
//! derive and the runtime check too (event names, snake_case, the envelope's names) are defined
//! once in the `event-names` crate; this module turns them into diagnostics.

use event_names::{
    ENVELOPE_FIELDS, is_event_name, is_snake_case, suggest_event_name, to_snake_case,
};

use crate::ast::Spanned;
use crate::diagnostic::Diagnostic;

/// Names of the Rust prelude and of standard types generated code uses.
const PRELUDE: [&str; 16] = [
    "String", "Option", "Some", "None", "Result", "Ok", "Err", "Vec", "Box", "Default", "From",
    "Into", "Clone", "Debug", "Self", "BTreeMap",
];

/// Words Rust does not accept even as raw identifiers.
const NOT_RAW: [&str; 5] = ["self", "Self", "super", "crate", "_"];

/// `PascalCase`: an uppercase letter, then letters and digits.
pub fn is_pascal_case(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Checks a payload or record field name.
pub fn check_field_name(name: &Spanned<String>, diagnostics: &mut Vec<Diagnostic>) {
    let text = &name.value;
    if ENVELOPE_FIELDS.contains(&text.as_str()) {
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
                ENVELOPE_FIELDS.join(", ")
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

/// Checks an event name: `domain.action` ([`event_names::is_event_name`]).
pub fn check_event_name(name: &Spanned<String>, diagnostics: &mut Vec<Diagnostic>) -> bool {
    if is_event_name(&name.value) {
        return true;
    }
    let suggestion = suggest_event_name(&name.value)
        .map(|suggestion| format!("; e.g. `{suggestion}`"))
        .unwrap_or_default();
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

/// Checks an enum value name.
pub fn check_enum_value(value: &Spanned<String>, diagnostics: &mut Vec<Diagnostic>) -> bool {
    if is_snake_case(&value.value) {
        return true;
    }
    diagnostics.push(
        Diagnostic::error(
            value.span,
            format!("enum value `{}` is not lowercase snake_case", value.value),
        )
        .with_label("not snake_case")
        .with_hint(format!("write `{}`", to_snake_case(&value.value))),
    );
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_case() {
        assert!(is_pascal_case("GeoPoint2"));
        assert!(!is_pascal_case("geoPoint"));
        assert!(!is_pascal_case("Geo_Point"));
    }
}
