//! Hygiene rules: sensitive-looking names not marked `sensitive`, and naming conventions of
//! names new since the baseline (released names cannot change without a new version, so they
//! are left alone).

use crate::compat::finding::{Finding, Location};
use crate::compat::lockfile::Lockfile;
use crate::ir::{Catalogue, Field, FieldType, NamedType};
use crate::rules;

/// Words of a field name that suggest secrets or personal data.
pub const SENSITIVE_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "token",
    "credential",
    "credentials",
    "phone",
    "email",
    "ssn",
    "passport",
    "iban",
    "cvv",
    "cvc",
    "pin",
    "otp",
    "salary",
    "dob",
];

/// Word pairs of a field name that suggest secrets or personal data.
pub const SENSITIVE_PAIRS: &[&str] = &[
    "api_key",
    "access_key",
    "private_key",
    "secret_key",
    "card_number",
    "credit_card",
    "birth_date",
    "date_of_birth",
    "tax_id",
    "home_address",
];

/// Past participles that do not end in `-ed`, accepted as the action of an event name.
const IRREGULAR_PAST: &[&str] = &[
    "sent",
    "done",
    "made",
    "paid",
    "built",
    "held",
    "lost",
    "won",
    "read",
    "set",
    "begun",
    "run",
    "shut",
    "written",
    "taken",
    "given",
    "known",
    "put",
    "cut",
    "sold",
    "bought",
    "left",
    "met",
    "found",
    "brought",
    "kept",
    "seen",
    "chosen",
    "drawn",
    "frozen",
    "spent",
    "split",
    "withdrawn",
    "undone",
    "reset",
    "rebuilt",
    "resent",
    "hidden",
    "shown",
    "torn",
    "sent_out",
    "overdue",
];

/// The sensitive-looking part of a field name, if any.
pub fn sensitive_word(name: &str) -> Option<String> {
    let words: Vec<&str> = name.split('_').collect();
    if let Some(word) = words.iter().find(|word| SENSITIVE_WORDS.contains(word)) {
        return Some((*word).to_owned());
    }
    let joined = format!("_{name}_");
    SENSITIVE_PAIRS
        .iter()
        .find(|pair| joined.contains(&format!("_{pair}_")))
        .map(|pair| (*pair).to_owned())
}

/// Runs the hygiene rules.
pub fn check(baseline: &Lockfile, catalogue: &Catalogue, findings: &mut Vec<Finding>) {
    for (name, event) in &catalogue.events {
        for version in &event.versions {
            for field in &version.fields {
                sensitive(catalogue, field, Some((name, version.number)), findings);
            }
        }
    }
    for def in catalogue.types.values() {
        if let NamedType::Record(record) = def {
            for field in &record.fields {
                sensitive(catalogue, field, None, findings);
            }
        }
    }

    for (name, event) in &catalogue.events {
        let released = baseline.events.get(name);
        if released.is_none() {
            if let Some(problem) = event_name_problem(name) {
                findings.push(
                    Finding::new(
                        rules::NAMING_CONVENTION,
                        Location::of(catalogue, event.span),
                        format!("event `{name}` {problem}"),
                        "events record facts that happened: name the action in the past tense (`parcel.shipped`, `payment.sent`); a request to do something is a command, not an event",
                    )
                    .about(name, None),
                );
            }
        }
        let released_versions = released.map_or(0, |event| event.versions.len() as u32);
        for version in event
            .versions
            .iter()
            .filter(|v| v.number > released_versions)
        {
            let previous = event
                .versions
                .iter()
                .find(|v| v.number + 1 == version.number);
            for field in &version.fields {
                let known = previous.is_some_and(|previous| {
                    previous.fields.iter().any(|old| old.name == field.name)
                });
                if !known {
                    naming(catalogue, field, Some((name, version.number)), findings);
                }
            }
        }
    }
    for (name, def) in &catalogue.types {
        if let (NamedType::Record(record), false) = (def, baseline.types.contains_key(name)) {
            for field in &record.fields {
                naming(catalogue, field, None, findings);
            }
        }
    }
}

fn sensitive(
    catalogue: &Catalogue,
    field: &Field,
    at: Option<(&String, u32)>,
    findings: &mut Vec<Finding>,
) {
    if field.sensitive {
        return;
    }
    let Some(word) = sensitive_word(&field.name) else {
        return;
    };
    let place = match at {
        Some((event, number)) => format!("{event} v{number}"),
        None => "a record".to_owned(),
    };
    let mut finding = Finding::new(
        rules::SENSITIVE_NOT_MARKED,
        Location::of(catalogue, field.span),
        format!("`{}` of {place} looks sensitive (`{word}`) but is not marked `sensitive: true`", field.name),
        "add `sensitive: true` so the value stays out of Debug output, logs, errors and dead letters (a patch release); if it holds nothing personal or secret, waive this finding with the reason",
    )
    .field(&field.name);
    if let Some((event, number)) = at {
        finding = finding.about(event, Some(number));
    }
    findings.push(finding);
}

fn naming(
    catalogue: &Catalogue,
    field: &Field,
    at: Option<(&String, u32)>,
    findings: &mut Vec<Finding>,
) {
    let name = field.name.as_str();
    let problem = match field.ty {
        FieldType::DateTime
            if !["_at", "_time", "_until", "_since"]
                .iter()
                .any(|suffix| name.ends_with(suffix)) =>
        {
            Some((
                "is a `datetime` but does not end in `_at`",
                format!("{name}_at"),
            ))
        }
        FieldType::Date
            if !(name.ends_with("_date") || name.ends_with("_on") || name == "date") =>
        {
            Some((
                "is a `date` but does not end in `_date` or `_on`",
                format!("{name}_date"),
            ))
        }
        FieldType::Bool if !reads_as_question(name) => Some((
            "is a `bool` but does not read as a yes/no question",
            format!("is_{name}"),
        )),
        _ => None,
    };
    let Some((problem, suggestion)) = problem else {
        return;
    };
    let mut finding = Finding::new(
        rules::NAMING_CONVENTION,
        Location::of(catalogue, field.span),
        format!("field `{name}` {problem}"),
        format!(
            "consider `{suggestion}`: consistent names tell readers the meaning without the schema"
        ),
    )
    .field(name);
    if let Some((event, number)) = at {
        finding = finding.about(event, Some(number));
    }
    findings.push(finding);
}

fn reads_as_question(name: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "is_", "has_", "can_", "should_", "was_", "were_", "did_", "does_", "allow_", "needs_",
        "must_",
    ];
    let last = name.rsplit('_').next().unwrap_or(name);
    PREFIXES.iter().any(|prefix| name.starts_with(prefix))
        || last.ends_with("ed")
        || last == "enabled"
}

fn event_name_problem(name: &str) -> Option<&'static str> {
    let action = name.split_once('.').map_or(name, |(_, action)| action);
    let last = action.rsplit('_').next().unwrap_or(action);
    let past =
        last.ends_with("ed") || IRREGULAR_PAST.contains(&last) || IRREGULAR_PAST.contains(&action);
    (!past)
        .then_some("does not name a past event (`domain.action` with the action in the past tense)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_words_match_whole_words_only() {
        assert_eq!(sensitive_word("phone_number").as_deref(), Some("phone"));
        assert_eq!(sensitive_word("api_key").as_deref(), Some("api_key"));
        assert_eq!(
            sensitive_word("user_api_key_hash").as_deref(),
            Some("api_key")
        );
        assert_eq!(sensitive_word("shipping_address"), None);
        assert_eq!(sensitive_word("tokens_used"), None);
        assert_eq!(sensitive_word("telephone"), None);
    }

    #[test]
    fn event_actions_are_past_tense() {
        assert!(event_name_problem("user.created").is_none());
        assert!(event_name_problem("payment.sent").is_none());
        assert!(event_name_problem("request.status_changed").is_none());
        assert!(event_name_problem("notification.send").is_some());
        assert!(event_name_problem("user.create").is_some());
    }
}
