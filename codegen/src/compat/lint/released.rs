//! Released state: every event and version of the baseline must still exist, and a released
//! version keeps its meaning on the wire.
//!
//! Producers and consumers of one version are deployed in any order, so a released version
//! may change in place only when the change is compatible in both directions: everything the
//! old shape produces (stored events, producers not yet upgraded) is read by the new shape,
//! and everything the new shape produces is read by the old one (consumers not yet upgraded).
//! [`read`] is asked both questions; each difference that breaks one of them is a finding of
//! the rule named after the change. These rules hold at every level but `NONE`; at `NONE` the
//! findings are kept aside ([`Lint::unreported`]): the change is not reported, but it still
//! needs a major release of the catalogue.

use super::{Lint, in_type, level_of, quoted};
use crate::compat::finding::{Finding, Location};
use crate::compat::lockfile::{LockedEvent, LockedVersion};
use crate::compat::read::{Cause, Incompatibility, read};
use crate::ir::Compatibility;
use crate::rules;

impl Lint<'_> {
    /// A finding about released state, reported unless the level is `NONE`.
    fn released(&mut self, level: Compatibility, finding: Finding) {
        if level == Compatibility::None {
            self.unreported.push(finding);
        } else {
            self.push(finding);
        }
    }

    /// A released event is gone. Its level is the one it had when it was released.
    pub(super) fn event_removed(&mut self, name: &str, old: &LockedEvent) {
        let level = old.compatibility.unwrap_or(self.catalogue.compatibility);
        let location = self
            .catalogue
            .files
            .iter()
            .find(|file| crate::compat::lockfile::file_name(&file.path) == old.file)
            .map(|file| Location::start_of(&file.path))
            .unwrap_or_else(|| Location::of(self.catalogue, self.catalogue.version_span));
        self.released(
            level,
            Finding::new(
                rules::EVENT_REMOVED,
                location,
                format!(
                    "released event `{name}` (v1..v{}, was in {}) was deleted",
                    old.versions.len(),
                    old.file
                ),
                format!("restore it; to retire an event, stop publishing it and keep its schema. If every producer and consumer is gone, waive it in the catalogue section: `waivers: [{{ rule: EVENT_REMOVED, event: {name}, reason: ... }}]`"),
            )
            .about(name, None),
        );
    }

    pub(super) fn released_event(&mut self, name: &str, old: &LockedEvent, new: &LockedEvent) {
        let level = level_of(self.catalogue, name);
        for old_version in &old.versions {
            let number = old_version.version;
            match new.version(number) {
                None => self.released(
                    level,
                    Finding::new(
                        rules::VERSION_REMOVED,
                        self.event_location(name),
                        format!("released version {name} v{number} was deleted"),
                        format!("restore v{number}: events written as v{number} are still on the streams and are upgraded through it"),
                    )
                    .about(name, Some(number)),
                ),
                Some(new_version) => self.released_version(name, old_version, new_version, level),
            }
        }
    }

    fn released_version(
        &mut self,
        event: &str,
        old: &LockedVersion,
        new: &LockedVersion,
        level: Compatibility,
    ) {
        let number = old.version;
        let what = format!("{event} v{number}");
        let hint = format!(
            "released versions never change: restore v{number} as it was and make the change in a new version (v{}) with a migration",
            self.catalogue
                .events
                .get(event)
                .map_or(number + 1, |def| def.versions.len() as u32 + 1)
        );
        let finding = |rule, location, message: String, field: &str| {
            Finding::new(rule, location, message, hint.clone())
                .about(event, Some(number))
                .field(field)
        };
        // The new shape reading what the old one produces (stored events, producers not yet
        // upgraded), and the old shape reading what the new one produces (consumers not yet
        // upgraded).
        let mut new_reads_old = read(&new.fields, self.new_types, &old.fields, self.old_types);
        let old_reads_new = read(&old.fields, self.old_types, &new.fields, self.new_types);
        let renamed = self.renames(event, number, &what, &hint, level, &mut new_reads_old);

        for found in new_reads_old {
            if let Some((rule, message)) = new_shape_rejects(&found, &what) {
                let location = self.incompatibility_location(event, number, &found);
                self.released(level, finding(rule, location, message, &found.field));
            }
        }
        for found in old_reads_new {
            if renamed.contains(&found.path) {
                continue;
            }
            if let Some((rule, message)) = self.old_shape_rejects(&found, &what) {
                let location = self.incompatibility_location(event, number, &found);
                self.released(level, finding(rule, location, message, &found.field));
            }
        }

        let location = self.version_location(event, number);
        if new.user_id_required && !old.user_id_required {
            self.released(
                level,
                Finding::new(
                    rules::ENVELOPE_USER_ID_REQUIRED,
                    location,
                    format!("released {what} now requires the envelope's `user_id`: stored events without one fail validation"),
                    hint,
                )
                .about(event, Some(number)),
            );
        } else if old.user_id_required && !new.user_id_required {
            self.released(
                level,
                Finding::new(
                    rules::ENVELOPE_USER_ID_OPTIONAL,
                    location,
                    format!("released {what} no longer requires the envelope's `user_id`: consumers not yet upgraded reject events without one"),
                    hint,
                )
                .about(event, Some(number)),
            );
        }
    }

    /// What consumers not yet upgraded (the old shape) reject of what the new shape produces:
    /// the rule and the message, or `None` when they read it.
    fn old_shape_rejects(
        &self,
        found: &Incompatibility,
        what: &str,
    ) -> Option<(&'static str, String)> {
        let path = &found.path;
        let place = in_type(found);
        let (rule, message) = match &found.cause {
            // Old readers ignore new fields, keep unlisted values of open enums as
            // `Unknown`, and need no default for a field every event has. A removed
            // field they do not require (`Added` seen from them) is not missed.
            Cause::Added
            | Cause::Extra
            | Cause::UserId
            | Cause::EnumValuesUnlisted { .. }
            | Cause::DefaultChanged { .. } => return None,
            Cause::Missing => (
                rules::FIELD_REMOVED,
                format!(
                    "`{path}` was removed from released {what}{place}: consumers not yet upgraded require it"
                ),
            ),
            Cause::MaybeAbsent => (
                rules::FIELD_MADE_OPTIONAL,
                format!(
                    "`{path}` of released {what} was required and is now optional{place}: consumers not yet upgraded reject events without it"
                ),
            ),
            Cause::Type { writer, reader } => {
                // A change that is no widening was reported from the other side.
                if !reader.reads_as(writer) {
                    return None;
                }
                (
                    rules::FIELD_TYPE_WIDENED,
                    format!(
                        "`{path}` of released {what} was widened from `{reader}` to `{writer}`{place}: consumers not yet upgraded cannot read the wider values"
                    ),
                )
            }
            Cause::EnumValues { values } => (
                rules::ENUM_VALUE_ADDED,
                format!(
                    "closed enum `{}` used by released {what} (`{path}`) gained {}: consumers not yet upgraded reject it",
                    found.ty,
                    quoted(values)
                ),
            ),
            Cause::EnumOpen { writer } if *writer != found.ty.schema_name() => (
                rules::ENUM_VALUE_ADDED,
                format!(
                    "`{path}` of released {what} was closed enum `{}` and is now open enum `{writer}`: consumers not yet upgraded reject the values `{}` does not list",
                    found.ty, found.ty
                ),
            ),
            Cause::EnumOpen { .. } => (
                rules::ENUM_VALUE_ADDED,
                format!(
                    "closed enum `{}` used by released {what} (`{path}`) became open: consumers not yet upgraded reject the values it does not list",
                    found.ty
                ),
            ),
            Cause::Constraint(stricter) => (
                rules::CONSTRAINT_LOOSENED,
                format!(
                    "`{path}` of released {what} had to be {} and now {}{place}: consumers not yet upgraded reject the new values",
                    stricter.required, stricter.before
                ),
            ),
        };
        Some((rule, message))
    }

    /// A removed field and an added field of the same type at the same place: a rename,
    /// reported as one. Returns the paths of the removed fields; both sides are taken out of
    /// `found`.
    fn renames(
        &mut self,
        event: &str,
        number: u32,
        what: &str,
        hint: &str,
        level: Compatibility,
        found: &mut Vec<Incompatibility>,
    ) -> Vec<String> {
        let mut renamed = Vec::new();
        let mut index = 0;
        while index < found.len() {
            if found[index].cause != Cause::Extra {
                index += 1;
                continue;
            }
            let removed = found[index].clone();
            let partner = found.iter().position(|other| {
                matches!(other.cause, Cause::Missing | Cause::Added)
                    && other.ty == removed.ty
                    && parent(&other.path) == parent(&removed.path)
            });
            let Some(partner) = partner else {
                index += 1;
                continue;
            };
            let added = found[partner].clone();
            self.released(
                level,
                Finding::new(
                    rules::FIELD_RENAMED,
                    self.incompatibility_location(event, number, &added),
                    format!("`{}` of released {what} was renamed to `{}`{}", removed.path, added.path, in_type(&added)),
                    format!("on the wire a rename removes `{}`; {hint}, where `renamed_from: {}` says how old events are upgraded", removed.path, last(&removed.path)),
                )
                .about(event, Some(number))
                .field(&added.field),
            );
            let (first, second) = (index.min(partner), index.max(partner));
            found.remove(second);
            found.remove(first);
            renamed.push(removed.path);
        }
        renamed
    }
}

/// What the new shape rejects of what the old one produces (stored events, producers not yet
/// upgraded): the rule and the message, or `None` when it reads it.
fn new_shape_rejects(found: &Incompatibility, what: &str) -> Option<(&'static str, String)> {
    let path = &found.path;
    let place = in_type(found);
    let (rule, message) = match &found.cause {
        // Readers ignore fields they do not know; the other direction decides.
        Cause::Added | Cause::Extra | Cause::UserId => return None,
        Cause::Missing => (
            rules::FIELD_ADDED_REQUIRED,
            format!(
                "required field `{path}` without a default was added to released {what}{place}: stored events do not have it"
            ),
        ),
        Cause::MaybeAbsent => (
            rules::FIELD_MADE_REQUIRED,
            format!(
                "`{path}` of released {what} was optional and is now required{place}: stored events may lack it or hold null"
            ),
        ),
        Cause::DefaultChanged {
            writer: Some(before),
            reader: None,
        } => (
            rules::FIELD_MADE_REQUIRED,
            format!(
                "`{path}` of released {what} lost its default `{before}`{place}: events without it (stored before it was added, or from producers that leave it out) no longer decode"
            ),
        ),
        Cause::DefaultChanged {
            writer: Some(before),
            reader: Some(now),
        } => (
            rules::FIELD_DEFAULT_CHANGED,
            format!(
                "the default of `{path}` of released {what} changed from `{before}` to `{now}`{place}: events without it now read as another value"
            ),
        ),
        // A default given to a field every event has: nobody reads it.
        Cause::DefaultChanged { writer: None, .. } => return None,
        Cause::Type { writer, reader } => (
            rules::FIELD_TYPE_CHANGED,
            format!(
                "`{path}` of released {what} changed type from `{writer}` to `{reader}`{place}, which is not a widening"
            ),
        ),
        Cause::EnumValues { values } => (
            rules::ENUM_VALUE_REMOVED,
            format!(
                "closed enum `{}` used by released {what} (`{path}`) lost {}: stored events with it no longer decode",
                found.ty,
                quoted(values)
            ),
        ),
        Cause::EnumValuesUnlisted { values } => (
            rules::ENUM_VALUE_REMOVED,
            format!(
                "open enum `{}` used by released {what} (`{path}`) lost {}: events with it now read as `Unknown`",
                found.ty,
                quoted(values)
            ),
        ),
        Cause::EnumOpen { writer } if *writer != found.ty.schema_name() => (
            rules::ENUM_CLOSED,
            format!(
                "`{path}` of released {what} was open enum `{writer}` and is now closed enum `{}`: stored unknown values no longer decode",
                found.ty
            ),
        ),
        Cause::EnumOpen { .. } => (
            rules::ENUM_CLOSED,
            format!(
                "enum `{}` used by released {what} (`{path}`) was open and is now closed: stored unknown values no longer decode",
                found.ty
            ),
        ),
        Cause::Constraint(stricter) => (
            rules::CONSTRAINT_TIGHTENED,
            format!(
                "`{path}` of released {what} must now be {stricter}{place}: stored events may fail validation"
            ),
        ),
    };
    Some((rule, message))
}

fn parent(path: &str) -> &str {
    path.rsplit_once('.').map_or("", |(parent, _)| parent)
}

fn last(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}
