//! The catalogue's semver bump, checked like cargo-semver-checks does for crates: a change
//! with no effect on the wire (descriptions, `sensitive` marks, the order of fields) is a
//! patch, a new event, version or type (or another compatible change) a minor release, and a
//! breaking change a major release: a waived one, or one the lint does not report because the
//! event's level is `NONE`.

use crate::compat::finding::{Finding, Location};
use crate::compat::lockfile::{LockedEvent, LockedField, LockedType, LockedVersion, Lockfile};
use crate::ir::Catalogue;
use crate::rules::{self, Category};

/// How much a release changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bump {
    /// Nothing changed.
    None,
    /// Descriptions (or `sensitive` marks) only.
    Patch,
    /// New events, versions or types, or other compatible changes.
    Minor,
    /// Breaking changes (waived).
    Major,
}

impl Bump {
    /// `major`, `minor`, `patch` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::None => "none",
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }
}

/// The smallest bump the changes need, and why. Breaking findings (waived or not) need a
/// major release, and so do the breaking changes not reported at level `NONE` (`unreported`).
pub fn required(
    baseline: &Lockfile,
    current: &Lockfile,
    findings: &[Finding],
    unreported: &[Finding],
) -> (Bump, Vec<String>) {
    let breaks = |finding: &&Finding| {
        rules::find(finding.rule).is_some_and(|rule| {
            rule.severity == crate::diagnostic::Severity::Error
                && matches!(rule.category, Category::Released | Category::Versions)
        })
    };
    let breaking: Vec<String> = findings
        .iter()
        .filter(breaks)
        .map(|finding| {
            let waived = if finding.waiver.is_some() {
                "waived "
            } else {
                ""
            };
            format!("{waived}{} at {}", finding.rule, finding.location)
        })
        .chain(unreported.iter().filter(breaks).map(|finding| {
            format!(
                "{} at {} (level NONE: not reported, still breaking)",
                finding.rule, finding.location
            )
        }))
        .collect();
    if !breaking.is_empty() {
        return (Bump::Major, breaking);
    }
    let mut minor = Vec::new();
    let mut patch = Vec::new();
    if baseline.compatibility != current.compatibility {
        minor.push("the default compatibility level".to_owned());
    }
    for (name, event) in &current.events {
        match baseline.events.get(name) {
            None => minor.push(format!("new event {name}")),
            Some(old) => {
                // Patch reasons count only when nothing anywhere needs a minor release.
                for version in &event.versions {
                    let number = version.version;
                    match old.version(number) {
                        None => minor.push(format!("new version {name} v{number}")),
                        Some(released) if strip_version(released) != strip_version(version) => {
                            minor.push(format!("changes to {name} v{number}"));
                        }
                        Some(released) if !same_order(&released.fields, &version.fields) => {
                            patch.push(format!("field order of {name} v{number}"));
                        }
                        Some(_) => {}
                    }
                }
                if old.compatibility != event.compatibility {
                    minor.push(format!("the compatibility level of {name}"));
                }
                if strip_order(&strip_file(old)) != strip_order(&strip_file(event)) {
                    patch.push(format!("descriptions of {name}"));
                }
            }
        }
    }
    for (name, def) in &current.types {
        match baseline.types.get(name) {
            None => minor.push(format!("new type {name}")),
            Some(old) if strip_type(old) != strip_type(def) => {
                minor.push(format!("compatible changes to type {name}"));
            }
            Some(LockedType::Record { fields: before, .. }) if matches!(def, LockedType::Record { fields, .. } if !same_order(before, fields)) =>
            {
                patch.push(format!("field order of type {name}"));
            }
            Some(old) if old != def => patch.push(format!("descriptions of type {name}")),
            Some(_) => {}
        }
    }
    if !minor.is_empty() {
        (Bump::Minor, minor)
    } else if !patch.is_empty() {
        (Bump::Patch, patch)
    } else {
        (Bump::None, Vec::new())
    }
}

/// Checks the catalogue's version against the baseline's and the required bump.
pub fn check(
    baseline: &Lockfile,
    catalogue: &Catalogue,
    required: Bump,
    reasons: &[String],
) -> Option<Finding> {
    let old = baseline.semver()?;
    let new = &catalogue.version;
    let location = Location::of(catalogue, catalogue.version_span);
    if *new < old {
        return Some(Finding::new(
            rules::CATALOGUE_VERSION_BUMP,
            location,
            format!("catalogue version went down from {old} to {new}"),
            format!("versions only go up: set `version:` to at least {old}"),
        ));
    }
    let done = actual(&old, new);
    let enough = if old.major == 0 {
        // Like cargo: in 0.x, a minor bump is breaking and a patch bump is compatible.
        match required {
            Bump::Major => done >= Bump::Minor,
            Bump::Minor | Bump::Patch => done >= Bump::Patch,
            Bump::None => true,
        }
    } else {
        done >= required
    };
    if enough {
        return None;
    }
    let next = next_version(&old, required);
    let mut shown: Vec<&str> = reasons.iter().take(3).map(String::as_str).collect();
    if reasons.len() > 3 {
        shown.push("...");
    }
    Some(Finding::new(
        rules::CATALOGUE_VERSION_BUMP,
        location,
        format!(
            "catalogue version {new} needs a {} release after {old}: {}",
            required.as_str(),
            shown.join(", ")
        ),
        format!("set `version: {next}` in the catalogue section"),
    ))
}

fn actual(old: &semver::Version, new: &semver::Version) -> Bump {
    if new.major > old.major {
        Bump::Major
    } else if new.minor > old.minor {
        Bump::Minor
    } else if new > old {
        Bump::Patch
    } else {
        Bump::None
    }
}

fn next_version(old: &semver::Version, required: Bump) -> semver::Version {
    match (required, old.major) {
        (Bump::Major, 0) => semver::Version::new(0, old.minor + 1, 0),
        (Bump::Major, _) => semver::Version::new(old.major + 1, 0, 0),
        (Bump::Minor, 0) | (Bump::Patch, _) | (Bump::None, _) => {
            semver::Version::new(old.major, old.minor, old.patch + 1)
        }
        (Bump::Minor, _) => semver::Version::new(old.major, old.minor + 1, 0),
    }
}

/// A field without what has no effect on the wire: its description and `sensitive` mark.
fn strip_field(field: &LockedField) -> LockedField {
    LockedField {
        docs: String::new(),
        sensitive: false,
        ..field.clone()
    }
}

/// Fields without what has no effect on the wire, in name order: JSON objects are unordered
/// and readers match fields by name.
fn strip_fields(fields: &[LockedField]) -> Vec<LockedField> {
    let mut fields: Vec<LockedField> = fields.iter().map(strip_field).collect();
    fields.sort_by(|a, b| a.name.cmp(&b.name));
    fields
}

fn same_order(before: &[LockedField], now: &[LockedField]) -> bool {
    before
        .iter()
        .map(|f| &f.name)
        .eq(now.iter().map(|f| &f.name))
}

fn strip_version(version: &LockedVersion) -> LockedVersion {
    LockedVersion {
        docs: String::new(),
        fields: strip_fields(&version.fields),
        ..version.clone()
    }
}

/// An event with every version's fields in name order (descriptions kept).
fn strip_order(event: &LockedEvent) -> LockedEvent {
    let mut event = event.clone();
    for version in &mut event.versions {
        version.fields.sort_by(|a, b| a.name.cmp(&b.name));
    }
    event
}

fn strip_file(event: &LockedEvent) -> LockedEvent {
    LockedEvent {
        file: String::new(),
        ..event.clone()
    }
}

fn strip_type(def: &LockedType) -> LockedType {
    match def {
        LockedType::Enum { open, values, .. } => LockedType::Enum {
            open: *open,
            values: values.clone(),
            docs: String::new(),
        },
        LockedType::Record { fields, .. } => LockedType::Record {
            fields: strip_fields(fields),
            docs: String::new(),
        },
    }
}
