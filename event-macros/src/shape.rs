//! What the derive knows of an event's wire shape and level: the `compatibility = "..."`
//! spelling as a variant of `event_runtime::Compatibility`, and the fingerprint it computes
//! from the fields it sees.
//!
//! A hand-written struct has no schema, so its fingerprint cannot be the one `event-codegen`
//! computes from the lockfile's record of a version. It is the lowercase hex SHA-256 of
//!
//! ```text
//! derive:<event type>:v<version>\n
//! <wire name>: <Rust type as written>\n      (one line per payload field, in struct order)
//! ```
//!
//! with the wire name as serde reads it (`rename`, `rename_all`), a flattened field as
//! `..: <type>`, fields that serde skips left out, and the type's tokens as written
//! (`Option < String >`: tokens joined by single spaces). Two services built from the same
//! struct agree on it, and a changed field name, type or order changes it; what a type alias
//! or a nested struct means is not seen.

use sha2::{Digest, Sha256};

/// The variant of `event_runtime::Compatibility` for a spelling of
/// [`event_names::COMPATIBILITY_LEVELS`]: `FULL_TRANSITIVE` -> `FullTransitive`.
pub(crate) fn level_variant(spelling: &str) -> String {
    spelling
        .split('_')
        .map(|word| {
            let lower = word.to_ascii_lowercase();
            let mut chars = lower.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The message for a level that is not one of the spellings, with the one meant when the case
/// or spelling is near.
pub(crate) fn unknown_level(text: &str) -> String {
    let levels = event_names::COMPATIBILITY_LEVELS;
    let upper = text.to_ascii_uppercase().replace(['-', ' '], "_");
    let meant = levels
        .iter()
        .copied()
        .find(|level| *level == upper)
        .or_else(|| event_names::did_you_mean(&upper, levels));
    match meant {
        Some(level) => format!(
            "unknown compatibility level `{text}`; did you mean `{level}`? Levels are written as in schema files"
        ),
        None => format!(
            "unknown compatibility level `{text}`; expected one of {}",
            levels.map(|level| format!("`{level}`")).join(", ")
        ),
    }
}

/// One payload field as the fingerprint sees it.
pub(crate) struct FieldShape {
    /// The wire name, or `None` for a flattened field.
    pub(crate) wire_name: Option<String>,
    /// The Rust type's tokens as written.
    pub(crate) ty: String,
}

/// The canonical text of the module docs.
pub(crate) fn canonical_text(event_type: &str, version: u32, fields: &[FieldShape]) -> String {
    let mut text = format!("derive:{event_type}:v{version}\n");
    for field in fields {
        let name = field.wire_name.as_deref().unwrap_or("..");
        text.push_str(&format!("{name}: {}\n", field.ty));
    }
    text
}

/// Lowercase hex SHA-256 of [`canonical_text`].
pub(crate) fn fingerprint(event_type: &str, version: u32, fields: &[FieldShape]) -> String {
    Sha256::digest(canonical_text(event_type, version, fields).as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_level_has_its_variant() {
        let variants = event_names::COMPATIBILITY_LEVELS.map(level_variant);
        assert_eq!(
            variants,
            [
                "Backward",
                "BackwardTransitive",
                "Forward",
                "ForwardTransitive",
                "Full",
                "FullTransitive",
                "None"
            ]
        );
    }

    #[test]
    fn unknown_levels_name_the_one_meant() {
        assert!(unknown_level("full").contains("did you mean `FULL`?"));
        assert!(unknown_level("FULL_TRANSITVE").contains("did you mean `FULL_TRANSITIVE`?"));
        assert!(unknown_level("sideways").contains("expected one of `BACKWARD`"));
    }

    #[test]
    fn the_fingerprint_hashes_names_types_and_order() {
        let field = |name: &str, ty: &str| FieldShape {
            wire_name: Some(name.to_owned()),
            ty: ty.to_owned(),
        };
        let fields = [field("a", "i64"), field("b", "String")];
        assert_eq!(
            canonical_text("x.y", 2, &fields),
            "derive:x.y:v2\na: i64\nb: String\n"
        );
        let print = fingerprint("x.y", 2, &fields);
        assert_eq!(print.len(), 64);
        assert_eq!(print, fingerprint("x.y", 2, &fields));
        let reordered = [field("b", "String"), field("a", "i64")];
        let retyped = [field("a", "i32"), field("b", "String")];
        for other in [&reordered[..], &retyped[..], &fields[..1]] {
            assert_ne!(fingerprint("x.y", 2, other), print);
        }
        assert_ne!(fingerprint("x.y", 3, &fields), print);
    }
}
