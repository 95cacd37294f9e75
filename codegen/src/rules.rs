//! The lint rules: stable ids, what each protects, and how bad a finding is. Both the lint
//! ([`crate::compat`]) and validation (schema errors such as `VERSION_GAP`, which
//! `events lint` reports too) name them, so the table sits below both.
//!
//! The ids are part of the interface: waivers, CI annotations and `docs/lint-rules.md` name
//! them. Never rename one; retire it instead.

use crate::diagnostic::Severity;

/// What a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// A released event, version or type was deleted, or edited in a way that is not
    /// compatible in both directions (every level except `NONE`).
    Released,
    /// A new version against the versions before it, at the event's compatibility level.
    Versions,
    /// Reported when the schemas are compiled (`events check`, `cargo build`) as well.
    Compile,
    /// Names and sensitive data.
    Hygiene,
    /// The catalogue as a whole.
    Catalogue,
    /// The schemas against the running fleet, as it registered itself in Redis
    /// (`events lint --against fleet`).
    Fleet,
}

/// One lint rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The stable id: `FIELD_REMOVED`.
    pub id: &'static str,
    /// Errors fail `events lint` (exit 1) unless waived; warnings are reported only.
    pub severity: Severity,
    /// What it looks at.
    pub category: Category,
    /// One line: what it protects against.
    pub purpose: &'static str,
    /// Whether an inline waiver can accept a finding of this rule.
    pub waivable: bool,
}

const fn rule(
    id: &'static str,
    severity: Severity,
    category: Category,
    waivable: bool,
    purpose: &'static str,
) -> Rule {
    Rule {
        id,
        severity,
        category,
        purpose,
        waivable,
    }
}

use Category::*;
use Severity::{Error, Warning};

/// Every rule, in the order of `docs/lint-rules.md`.
pub const RULES: &[Rule] = &[
    rule(
        EVENT_REMOVED,
        Error,
        Released,
        true,
        "A released event was deleted: its producers and consumers still exist.",
    ),
    rule(
        VERSION_REMOVED,
        Error,
        Released,
        true,
        "A released version was deleted: events of it are still on the streams.",
    ),
    rule(
        FIELD_REMOVED,
        Error,
        Released,
        true,
        "A field that readers require was removed from a released version: consumers not yet upgraded reject events without it.",
    ),
    rule(
        FIELD_RENAMED,
        Error,
        Released,
        true,
        "A field of a released version was renamed: on the wire that is a removal plus an addition.",
    ),
    rule(
        FIELD_TYPE_CHANGED,
        Error,
        Released,
        true,
        "A field of a released version changed type in a way the widening table does not allow.",
    ),
    rule(
        FIELD_TYPE_WIDENED,
        Error,
        Released,
        true,
        "A field of a released version was widened: consumers not yet upgraded cannot read the wider values.",
    ),
    rule(
        FIELD_MADE_REQUIRED,
        Error,
        Released,
        true,
        "A field of a released version that events could leave out (optional, or with a default) is now required: events without it no longer decode.",
    ),
    rule(
        FIELD_MADE_OPTIONAL,
        Error,
        Released,
        true,
        "A required field of a released version became optional: consumers not yet upgraded reject events without it.",
    ),
    rule(
        FIELD_ADDED_REQUIRED,
        Error,
        Released,
        true,
        "A required field without a default was added to a released version: stored events lack it.",
    ),
    rule(
        FIELD_DEFAULT_CHANGED,
        Error,
        Released,
        true,
        "The default of a field of a released version changed: events without the field now read as another value.",
    ),
    rule(
        ENVELOPE_USER_ID_REQUIRED,
        Error,
        Released,
        true,
        "A released version started to require the envelope's `user_id`: stored events without one fail validation.",
    ),
    rule(
        ENVELOPE_USER_ID_OPTIONAL,
        Error,
        Released,
        true,
        "A released version stopped requiring the envelope's `user_id`: consumers not yet upgraded reject events without one.",
    ),
    rule(
        ENUM_VALUE_ADDED,
        Error,
        Released,
        true,
        "A closed enum that a released version uses gained a value (or opened): consumers not yet upgraded reject it.",
    ),
    rule(
        ENUM_VALUE_REMOVED,
        Error,
        Released,
        true,
        "A value was removed from an enum that a released version uses: events with it no longer decode (closed) or lose their meaning (open).",
    ),
    rule(
        ENUM_CLOSED,
        Error,
        Released,
        true,
        "An open enum that a released version uses became closed: unknown values in stored events no longer decode.",
    ),
    rule(
        CONSTRAINT_TIGHTENED,
        Error,
        Released,
        true,
        "A constraint of a released version became stricter: stored events may fail validation.",
    ),
    rule(
        CONSTRAINT_LOOSENED,
        Error,
        Released,
        true,
        "A constraint of a released version became looser: consumers not yet upgraded reject the new values.",
    ),
    rule(
        BACKWARD_INCOMPATIBLE,
        Error,
        Versions,
        true,
        "Consumers of the new version cannot read events of the previous version through the migration.",
    ),
    rule(
        BACKWARD_TRANSITIVE_INCOMPATIBLE,
        Error,
        Versions,
        true,
        "Consumers of the new version cannot read events of some earlier version through the migration chain.",
    ),
    rule(
        FORWARD_INCOMPATIBLE,
        Error,
        Versions,
        true,
        "Consumers of the previous version cannot read events of the new version.",
    ),
    rule(
        FORWARD_TRANSITIVE_INCOMPATIBLE,
        Error,
        Versions,
        true,
        "Consumers of some earlier version cannot read events of the new version.",
    ),
    rule(
        RENAME_WITHOUT_ALIAS,
        Error,
        Versions,
        true,
        "A new version drops a field and adds one of the same type without `renamed_from`: upgraded events lose the value.",
    ),
    rule(
        MIGRATION_INCOMPLETE,
        Error,
        Compile,
        false,
        "A field of a new version has no source in the previous version (no default, no migration).",
    ),
    rule(
        VERSION_GAP,
        Error,
        Compile,
        false,
        "Versions must be numbered v1, v2, ... without gaps, since each is migrated from the one before.",
    ),
    rule(
        WAIVER_INVALID,
        Error,
        Compile,
        false,
        "A waiver must name a known, waivable rule and give a reason.",
    ),
    rule(
        SCHEMA_INVALID,
        Error,
        Compile,
        false,
        "The schemas do not compile; the message is the compiler's.",
    ),
    rule(
        NAMING_CONVENTION,
        Warning,
        Hygiene,
        true,
        "New names follow the conventions: events name facts in the past tense, times end in `_at`, flags read as yes/no questions.",
    ),
    rule(
        SENSITIVE_NOT_MARKED,
        Error,
        Hygiene,
        true,
        "A field whose name suggests secrets or personal data (password, token, phone, email, ...) is not `sensitive: true`.",
    ),
    rule(
        CATALOGUE_VERSION_BUMP,
        Error,
        Catalogue,
        true,
        "The catalogue's semver version was not bumped enough for the changes since the baseline.",
    ),
    rule(
        WAIVER_UNUSED,
        Warning,
        Catalogue,
        true,
        "A waiver matches no finding: the change it accepted is released, or it names the wrong place.",
    ),
    rule(
        FLEET_VERSION_EDITED,
        Error,
        Fleet,
        false,
        "A version's wire shape differs from what running services registered for it: it was edited in place after release.",
    ),
    rule(
        FLEET_READER_BEHIND,
        Error,
        Fleet,
        false,
        "The newest version is newer than what a live consumer group reads: publishing it would dead-letter every event there.",
    ),
    rule(
        FLEET_VERSION_UNKNOWN,
        Error,
        Fleet,
        false,
        "Running producers publish a version these schemas lack, and the level does not let older readers read it: consumers built from them would dead-letter it.",
    ),
];

/// Looks a rule up by id.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.id == id)
}

macro_rules! ids {
    ($($name:ident),* $(,)?) => {
        $(
            #[doc = concat!("The id `", stringify!($name), "`.")]
            pub const $name: &str = stringify!($name);
        )*
    };
}

ids!(
    EVENT_REMOVED,
    VERSION_REMOVED,
    FIELD_REMOVED,
    FIELD_RENAMED,
    FIELD_TYPE_CHANGED,
    FIELD_TYPE_WIDENED,
    FIELD_MADE_REQUIRED,
    FIELD_MADE_OPTIONAL,
    FIELD_ADDED_REQUIRED,
    FIELD_DEFAULT_CHANGED,
    ENVELOPE_USER_ID_REQUIRED,
    ENVELOPE_USER_ID_OPTIONAL,
    ENUM_VALUE_ADDED,
    ENUM_VALUE_REMOVED,
    ENUM_CLOSED,
    CONSTRAINT_TIGHTENED,
    CONSTRAINT_LOOSENED,
    BACKWARD_INCOMPATIBLE,
    BACKWARD_TRANSITIVE_INCOMPATIBLE,
    FORWARD_INCOMPATIBLE,
    FORWARD_TRANSITIVE_INCOMPATIBLE,
    RENAME_WITHOUT_ALIAS,
    MIGRATION_INCOMPLETE,
    VERSION_GAP,
    WAIVER_INVALID,
    SCHEMA_INVALID,
    NAMING_CONVENTION,
    SENSITIVE_NOT_MARKED,
    CATALOGUE_VERSION_BUMP,
    WAIVER_UNUSED,
    FLEET_VERSION_EDITED,
    FLEET_READER_BEHIND,
    FLEET_VERSION_UNKNOWN,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_upper_snake_case() {
        for (index, rule) in RULES.iter().enumerate() {
            assert!(
                rule.id.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
                "{}",
                rule.id
            );
            assert!(
                RULES[..index].iter().all(|other| other.id != rule.id),
                "{} twice",
                rule.id
            );
        }
    }
}
