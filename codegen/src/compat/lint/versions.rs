//! New versions (not in the baseline) against the versions before them, at the event's level:
//! `BACKWARD` through the migration (what an upgraded old event looks like), `FORWARD`
//! structurally (an old consumer's struct reading the new event), the `_TRANSITIVE` levels
//! against every earlier version through the whole migration chain, and renames written
//! without `renamed_from`.

use super::{Lint, checks_backward, checks_forward, is_transitive, quoted};
use crate::compat::finding::Finding;
use crate::compat::lockfile::{LockedEvent, LockedVersion};
use crate::compat::read::{Cause, read, stricter};
use crate::ir::{Compatibility, Origin};
use crate::rules;

impl Lint<'_> {
    pub(super) fn new_version(
        &mut self,
        event: &str,
        def: &LockedEvent,
        number: u32,
        level: Compatibility,
    ) {
        let (Some(previous), Some(current)) = (def.version(number - 1), def.version(number)) else {
            return;
        };
        if checks_backward(level) {
            self.backward_step(event, def, number, level);
        }
        if checks_forward(level) {
            let earliest = if is_transitive(level) { 1 } else { number - 1 };
            for reader in earliest..number {
                let Some(old) = def.version(reader) else {
                    continue;
                };
                self.forward(event, old, current, level);
            }
        }
        self.rename_without_alias(event, previous, current);
    }

    /// New readers of `number` read older events upgraded through the migration chain:
    /// each value must pass the constraints of every version on its way.
    fn backward_step(&mut self, event: &str, def: &LockedEvent, number: u32, level: Compatibility) {
        let Some(current) = def.version(number) else {
            return;
        };
        let earliest = if is_transitive(level) { 1 } else { number - 1 };
        for origin in earliest..number {
            let rule = if origin == number - 1 {
                rules::BACKWARD_INCOMPATIBLE
            } else {
                rules::BACKWARD_TRANSITIVE_INCOMPATIBLE
            };
            let Some(old) = def.version(origin) else {
                continue;
            };
            let hint = format!(
                "at level {} consumers are upgraded first and read v{origin} events upgraded to v{number}: loosen the new constraint, or convert the value in the migration (`migrate: {{ with: ... }}`)",
                level.as_str()
            );
            if current.user_id_required && !old.user_id_required {
                self.push(
                    Finding::new(
                        rule,
                        self.version_location(event, number),
                        format!("{event} v{number} requires the envelope's `user_id`, which v{origin} events may lack: upgraded events fail validation"),
                        "require `user_id` only where every older event has it, or raise the level to NONE for this event after agreeing with consumers",
                    )
                    .about(event, Some(number)),
                );
            }
            for field in &current.fields {
                match self.trace(def, number, &field.name, origin) {
                    Trace::Field(path) => {
                        let Some(first) = path.first() else { continue };
                        let Some(origin_field) = def.version(origin).and_then(|v| v.field(first))
                        else {
                            continue;
                        };
                        let names: Vec<&String> = path.iter().collect();
                        for (offset, name) in names.iter().enumerate().skip(1) {
                            let at = origin + offset as u32;
                            let Some(step) = def.version(at).and_then(|v| v.field(name)) else {
                                continue;
                            };
                            let tighter = stricter(&step.constraints, &origin_field.constraints);
                            if let Some(requirement) = tighter.first() {
                                self.push(
                                    Finding::new(
                                        rule,
                                        self.field_location(event, number, &field.name),
                                        format!(
                                            "`{name}` of {event} v{at} must be {requirement}: v{origin} events with other `{first}` values fail validation when upgraded"
                                        ),
                                        hint.clone(),
                                    )
                                    .about(event, Some(number))
                                    .field(&field.name),
                                );
                                break;
                            }
                        }
                    }
                    Trace::Default if origin == number - 1 => {
                        if let Some(problem) = default_breaks(current, &field.name) {
                            self.push(
                                Finding::new(
                                    rule,
                                    self.field_location(event, number, &field.name),
                                    format!("v{origin} events upgraded to {event} v{number} get the default of `{}`, which {problem}", field.name),
                                    "choose a default that passes the field's constraints, or compute the value with `migrate:`",
                                )
                                .about(event, Some(number))
                                .field(&field.name),
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// Follows a field of version `number` back to version `origin`.
    fn trace(&self, def: &LockedEvent, number: u32, field: &str, origin: u32) -> Trace {
        let mut names = vec![field.to_owned()];
        let mut at = number;
        while at > origin {
            let Some(version) = def.version(at) else {
                return Trace::Opaque;
            };
            if version.migrate_with.is_some() {
                return Trace::Opaque;
            }
            let Some(current) = names.last().and_then(|name| version.field(name)) else {
                return Trace::Opaque;
            };
            match &current.source {
                Some(Origin::Field(from)) => names.push(from.clone()),
                Some(Origin::Default) => return Trace::Default,
                _ => return Trace::Opaque,
            }
            at -= 1;
        }
        names.reverse();
        Trace::Field(names)
    }

    fn forward(
        &mut self,
        event: &str,
        old: &LockedVersion,
        new: &LockedVersion,
        level: Compatibility,
    ) {
        let (reader, writer) = (old.version, new.version);
        let rule = if reader + 1 == writer {
            rules::FORWARD_INCOMPATIBLE
        } else {
            rules::FORWARD_TRANSITIVE_INCOMPATIBLE
        };
        let hint = format!(
            "at level {} producers may be upgraded first, so consumers of v{reader} read v{writer} events with their v{reader} struct: keep the field (same name, compatible type, as required as before), or publish both versions until every consumer is upgraded, or lower the level",
            level.as_str()
        );
        if old.user_id_required && !new.user_id_required {
            self.push(
                Finding::new(
                    rule,
                    self.version_location(event, writer),
                    format!("consumers of {event} v{reader} require the envelope's `user_id`; v{writer} does not"),
                    hint.clone(),
                )
                .about(event, Some(writer)),
            );
        }
        for found in read(&old.fields, self.new_types, &new.fields, self.new_types) {
            let path = &found.path;
            let problem = match &found.cause {
                Cause::Missing => format!("requires `{path}`, which v{writer} does not have"),
                Cause::MaybeAbsent => format!("requires `{path}`, which is optional in v{writer}"),
                Cause::Type {
                    writer: w,
                    reader: r,
                } => {
                    format!("reads `{path}` as `{r}`, but v{writer} writes `{w}`")
                }
                Cause::EnumValues { values } => format!(
                    "reads `{path}` as closed enum `{}`, which lacks {} of v{writer}",
                    found.ty,
                    quoted(values)
                ),
                Cause::EnumOpen { .. } => format!(
                    "reads `{path}` as closed enum `{}`, but v{writer} allows any value",
                    found.ty
                ),
                Cause::Constraint(stricter) => format!(
                    "requires `{path}` to be {}, looser in v{writer}",
                    stricter.required
                ),
                // Readers ignore fields they do not know, open enums keep unlisted values, and
                // producers write every required field, so its default is never read.
                Cause::Added
                | Cause::Extra
                | Cause::UserId
                | Cause::EnumValuesUnlisted { .. }
                | Cause::DefaultChanged { .. } => continue,
            };
            let location = if self.field_def(event, writer, &found.field).is_some() {
                self.field_location(event, writer, &found.field)
            } else {
                self.version_location(event, writer)
            };
            self.push(
                Finding::new(
                    rule,
                    location,
                    format!(
                        "{event} v{reader} consumers cannot read v{writer}: v{reader} {problem}"
                    ),
                    hint.clone(),
                )
                .about(event, Some(writer))
                .field(&found.field),
            );
        }
    }

    fn rename_without_alias(
        &mut self,
        event: &str,
        previous: &LockedVersion,
        current: &LockedVersion,
    ) {
        if current.migrate_with.is_some() {
            return;
        }
        let used: Vec<&str> = current
            .fields
            .iter()
            .filter_map(|field| match &field.source {
                Some(Origin::Field(from)) => Some(from.as_str()),
                _ => None,
            })
            .collect();
        let mut dropped: Vec<_> = previous
            .fields
            .iter()
            .filter(|field| {
                !used.contains(&field.name.as_str()) && current.field(&field.name).is_none()
            })
            .collect();
        for field in &current.fields {
            if !matches!(field.source, Some(Origin::Default | Origin::Absent)) {
                continue;
            }
            let Some(position) = dropped.iter().position(|old| old.ty == field.ty) else {
                continue;
            };
            let old = dropped.remove(position);
            self.push(
                Finding::new(
                    rules::RENAME_WITHOUT_ALIAS,
                    self.field_location(event, current.version, &field.name),
                    format!(
                        "{event} v{} drops `{}` and adds `{}` of the same type (`{}`), which upgraded v{} events get as {}",
                        current.version,
                        old.name,
                        field.name,
                        field.ty,
                        previous.version,
                        if field.optional { "null" } else { "the default" }
                    ),
                    format!("if `{}` is `{}` renamed, write `renamed_from: {}` so upgraded events keep the value; if not, waive this finding", field.name, old.name, old.name),
                )
                .about(event, Some(current.version))
                .field(&field.name),
            );
        }
    }
}

/// Whether a field's default breaks its own constraints (then every upgraded event does).
fn default_breaks(version: &LockedVersion, field: &str) -> Option<String> {
    let field = version.field(field)?;
    let value = field.default.as_ref()?;
    field
        .constraints
        .entries()
        .find_map(|constraint| constraint.rejects(value))
}

enum Trace {
    /// The field's name at each version from the origin to the traced version.
    Field(Vec<String>),
    /// Its value comes from its default at some step.
    Default,
    /// A template, a function, or a new optional field: nothing to compare.
    Opaque,
}
