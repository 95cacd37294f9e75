//! The naming rules of event schemas, written once for every crate that checks them: the
//! generator (`event-codegen`, schema files), the derive (`event-macros`, hand-written event
//! structs) and the runtime (`event-runtime`, settings that name event types).
//!
//! - an event name is `domain.action`, each part [`is_snake_case`]: [`is_event_name`];
//! - field names and enum values are [`is_snake_case`];
//! - payload fields may not use the envelope's wire names, [`ENVELOPE_FIELDS`];
//! - a compatibility level is one of [`COMPATIBILITY_LEVELS`];
//! - a misspelt name gets the nearest known one, [`did_you_mean`] (feature `suggest`).

/// The wire names of the envelope fields, in the order of the wire format. A payload field
/// may not use them: the envelope and the payload share one flat JSON object.
pub const ENVELOPE_FIELDS: [&str; 8] = [
    "event_id",
    "event_type",
    "version",
    "timestamp",
    "source_service",
    "correlation_id",
    "user_id",
    "metadata",
];

/// The compatibility levels as the schema language spells them (`compatibility: FULL`), which
/// `#[derive(Event)]`'s `compatibility = "..."` accepts too; the runtime's `Compatibility` and
/// codegen's IR list the same spellings, held equal by their tests.
pub const COMPATIBILITY_LEVELS: [&str; 7] = [
    "BACKWARD",
    "BACKWARD_TRANSITIVE",
    "FORWARD",
    "FORWARD_TRANSITIVE",
    "FULL",
    "FULL_TRANSITIVE",
    "NONE",
];

/// `lower_snake_case`: a lowercase ASCII letter, then lowercase letters, digits and single
/// `_`, not ending in `_`.
pub fn is_snake_case(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.contains("__")
        && !name.ends_with('_')
}

/// An event name: `domain.action`, both parts [`is_snake_case`] (`user.created`,
/// `system.health_check`).
pub fn is_event_name(name: &str) -> bool {
    name.split_once('.')
        .is_some_and(|(domain, action)| is_snake_case(domain) && is_snake_case(action))
}

/// Best-effort snake_case spelling of a name, for hints: `firstName` -> `first_name`,
/// `First-Name` -> `first_name`. The result is not always [`is_snake_case`] (`1st` stays).
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

/// The event name a malformed one was probably meant to be, when that is clear: two parts
/// joined by one `.`, `:` or `/` and spelt in another case (`User.Created`, `user:created`,
/// `userAccount.passwordReset`). `None` when there is no domain to guess (`UserCreated`) or
/// more than two parts (`user.created.now`).
pub fn suggest_event_name(name: &str) -> Option<String> {
    const SEPARATORS: [char; 3] = ['.', ':', '/'];
    let (domain, action) = name.trim().split_once(SEPARATORS)?;
    if action.contains(SEPARATORS) {
        return None;
    }
    let suggestion = format!("{}.{}", to_snake_case(domain), to_snake_case(action));
    is_event_name(&suggestion).then_some(suggestion)
}

/// The known word nearest to `word`, if close enough to be a typo: at most one edit per three
/// characters of the known word (at least one), counting a swap of two neighbours as one edit
/// (optimal string alignment). An exact match is not a suggestion.
#[cfg(feature = "suggest")]
pub fn did_you_mean<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|candidate| (strsim::osa_distance(word, candidate), candidate))
        .filter(|(distance, candidate)| {
            *distance > 0 && *distance <= (candidate.chars().count() / 3).max(1)
        })
        .min()
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case() {
        for good in ["first_name", "v2_field", "a"] {
            assert!(is_snake_case(good), "{good}");
        }
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
        assert_eq!(to_snake_case("firstName"), "first_name");
        assert_eq!(to_snake_case("First-Name"), "first_name");
    }

    #[test]
    fn event_names_are_domain_dot_action_in_snake_case() {
        for good in ["user.created", "system.health_check", "shift2.v2_moved"] {
            assert!(is_event_name(good), "{good}");
        }
        for bad in [
            "user",
            "user.created.now",
            ".created",
            "user.",
            "User.Created",
            "User.created",
            "user.Created",
            "user.created_",
            "user__x.created",
            "1user.created",
            "user-x.created",
            "user. created",
            "user created",
        ] {
            assert!(!is_event_name(bad), "{bad}");
        }
    }

    #[test]
    fn malformed_event_names_get_a_suggestion_when_one_is_clear() {
        let cases = [
            ("User.Created", Some("user.created")),
            (
                "userAccount.passwordReset",
                Some("user_account.password_reset"),
            ),
            ("user:created", Some("user.created")),
            ("user-account.created", Some("user_account.created")),
            ("UserCreated", None),
            ("user.created.now", None),
            ("user.profile.updated", None),
            ("1user.created", None),
        ];
        for (name, expected) in cases {
            assert_eq!(suggest_event_name(name).as_deref(), expected, "{name}");
        }
    }

    #[cfg(feature = "suggest")]
    #[test]
    fn typos_get_suggestions_and_strangers_do_not() {
        let keys = ["description", "type", "optional", "name", "version"];
        assert_eq!(did_you_mean("descripton", keys), Some("description"));
        assert_eq!(did_you_mean("typ", keys), Some("type"));
        assert_eq!(did_you_mean("nmae", keys), Some("name"));
        assert_eq!(did_you_mean("verison", keys), Some("version"));
        assert_eq!(did_you_mean("colour", keys), None);
        assert_eq!(did_you_mean("type", keys), None);
    }
}
