//! The lint: the schemas being linted (a checked [`Catalogue`]) against a baseline
//! ([`Lockfile`]: the committed lockfile, or schemas at a git ref or in another directory).
//!
//! Three kinds of check run, each at the event's compatibility level:
//!
//! 1. **Released state.** Every event and version of the baseline must still exist, and a
//!    released version may change only in ways that its stored events and running consumers
//!    survive (rules of [`Category::Released`], plus [`Category::ReleasedForward`] at the
//!    `FORWARD` and `FULL` levels).
//! 2. **New versions** (not in the baseline) against the versions before them: `BACKWARD`
//!    through the migration (what an upgraded old event looks like), `FORWARD` structurally
//!    (an old consumer's struct reading the new event), and for the `_TRANSITIVE` levels
//!    against every earlier version through the whole migration chain.
//! 3. **Hygiene** (names, sensitive data), the catalogue's semver bump, and waivers.
//!
//! [`Category::Released`]: crate::compat::rules::Category::Released
//! [`Category::ReleasedForward`]: crate::compat::rules::Category::ReleasedForward

use crate::compat::finding::{Finding, Location, UsedWaiver};
use crate::compat::lockfile::{LockedEvent, LockedSource, LockedVersion, Lockfile, default_json};
use crate::compat::read::{Cause, Incompatibility, Types, read, stricter, widens};
use crate::compat::rules::Category;
use crate::compat::{bump, hygiene, rules};
use crate::diagnostic::{Diagnostics, Severity};
use crate::ir::{Catalogue, Compatibility, Field, NamedType, WaiverScope};

/// The result of a lint run.
#[derive(Debug, Clone)]
pub struct Report {
    /// Every finding, waived ones included, in file order.
    pub findings: Vec<Finding>,
    /// The catalogue version of the baseline, when known.
    pub baseline_version: Option<String>,
    /// The catalogue version being linted, when it compiled.
    pub version: Option<String>,
    /// The smallest release the changes need (`major`, `minor`, `patch`, or `none`).
    pub required_bump: Option<bump::Bump>,
}

impl Report {
    /// True when some finding breaks (an unwaived error): exit 1.
    pub fn failed(&self) -> bool {
        self.findings.iter().any(Finding::breaks)
    }

    /// The findings accepted by a waiver.
    pub fn waived(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|finding| finding.waiver.is_some())
    }

    /// Turns the errors of schemas that do not compile into findings (rule `SCHEMA_INVALID`,
    /// or the rule the error belongs to).
    pub fn from_diagnostics(diagnostics: &Diagnostics) -> Self {
        let mut findings: Vec<Finding> = diagnostics
            .items
            .iter()
            .filter(|item| item.severity == Severity::Error)
            .map(|item| {
                let location = match diagnostics.files.get(item.span.file) {
                    Some(file) => {
                        let at = crate::diagnostic::line_column(&file.text, item.span.start);
                        Location {
                            file: file.path.clone(),
                            line: at.line,
                            column: at.column,
                        }
                    }
                    None => Location::start_of("<unknown>"),
                };
                Finding::new(
                    item.code.unwrap_or(rules::SCHEMA_INVALID),
                    location,
                    item.message.clone(),
                    item.hint
                        .clone()
                        .unwrap_or_else(|| "run `events check` for the full diagnostic".to_owned()),
                )
            })
            .collect();
        findings.sort_by(|a, b| a.location.cmp(&b.location));
        Self {
            findings,
            baseline_version: None,
            version: None,
            required_bump: None,
        }
    }
}

/// Whether a level checks that new readers read old data.
pub fn checks_backward(level: Compatibility) -> bool {
    use Compatibility::*;
    matches!(level, Backward | BackwardTransitive | Full | FullTransitive)
}

/// Whether a level checks that old readers read new data.
pub fn checks_forward(level: Compatibility) -> bool {
    use Compatibility::*;
    matches!(level, Forward | ForwardTransitive | Full | FullTransitive)
}

/// Whether a level checks against every earlier version.
pub fn is_transitive(level: Compatibility) -> bool {
    use Compatibility::*;
    matches!(
        level,
        BackwardTransitive | ForwardTransitive | FullTransitive
    )
}

/// The level of an event: its own, or the catalogue's.
pub fn level_of(catalogue: &Catalogue, event: &str) -> Compatibility {
    catalogue
        .events
        .get(event)
        .and_then(|event| event.compatibility)
        .unwrap_or(catalogue.compatibility)
}

/// Lints a checked catalogue against a baseline.
pub fn lint(baseline: &Lockfile, catalogue: &Catalogue) -> Report {
    let current = Lockfile::from_catalogue(catalogue);
    let mut lint = Lint {
        catalogue,
        old_types: Types::new(&baseline.types),
        new_types: Types::new(&current.types),
        findings: Vec::new(),
    };
    for (name, old) in &baseline.events {
        match current.events.get(name) {
            None => lint.event_removed(name, old),
            Some(new) => {
                if level_of(catalogue, name) != Compatibility::None {
                    lint.released_event(name, old, new);
                }
            }
        }
    }
    for (name, event) in &current.events {
        let level = level_of(catalogue, name);
        if level == Compatibility::None {
            continue;
        }
        let released = baseline
            .events
            .get(name)
            .map_or(0, |event| event.versions.len() as u32);
        for version in &event.versions {
            if version.version > released && version.version >= 2 {
                lint.new_version(name, event, version.version, level);
            }
        }
    }
    hygiene::check(baseline, catalogue, &mut lint.findings);

    let mut findings = lint.findings;
    let mut used = vec![false; catalogue.waivers.len()];
    apply_waivers(catalogue, &mut findings, &mut used);
    let (required, reasons) = bump::required(baseline, &current, &findings);
    // An unwaived breaking change must be undone or waived first; the bump follows from that.
    let unresolved = findings.iter().any(|finding| {
        finding.breaks()
            && rules::find(finding.rule).is_some_and(|rule| {
                matches!(
                    rule.category,
                    Category::Released | Category::ReleasedForward | Category::Versions
                )
            })
    });
    let checked = if unresolved {
        None
    } else {
        bump::check(baseline, catalogue, required, &reasons)
    };
    if let Some(finding) = checked {
        findings.push(finding);
        apply_waivers(catalogue, &mut findings, &mut used);
    }
    for (waiver, used) in catalogue.waivers.iter().zip(used) {
        if !used {
            findings.push(Finding::new(
                rules::WAIVER_UNUSED,
                Location::of(catalogue, waiver.span),
                format!("waiver of `{}` matches no finding", waiver.rule),
                "remove it once the change it accepted is released (after `events lock`), or move it next to the finding it should accept",
            ));
        }
    }
    findings
        .sort_by(|a, b| (&a.location, a.rule, &a.message).cmp(&(&b.location, b.rule, &b.message)));
    findings
        .dedup_by(|a, b| a.location == b.location && a.rule == b.rule && a.message == b.message);
    Report {
        findings,
        baseline_version: Some(baseline.version.clone()),
        version: Some(catalogue.version.to_string()),
        required_bump: Some(required),
    }
}

fn apply_waivers(catalogue: &Catalogue, findings: &mut [Finding], used: &mut [bool]) {
    for finding in findings
        .iter_mut()
        .filter(|finding| finding.waiver.is_none())
    {
        if !rules::find(finding.rule).is_some_and(|rule| rule.waivable) {
            continue;
        }
        let found = catalogue.waivers.iter().enumerate().find(|(_, waiver)| {
            let in_scope = match &waiver.scope {
                WaiverScope::Catalogue { event: None } => true,
                WaiverScope::Catalogue { event: Some(event) } | WaiverScope::Event(event) => {
                    finding.event.as_ref() == Some(event)
                }
                WaiverScope::Version(event, number) => {
                    finding.event.as_ref() == Some(event) && finding.version == Some(*number)
                }
            };
            waiver.rule == finding.rule
                && in_scope
                && waiver
                    .field
                    .as_ref()
                    .is_none_or(|field| finding.field.as_ref() == Some(field))
        });
        if let Some((index, waiver)) = found {
            used[index] = true;
            finding.waiver = Some(UsedWaiver {
                reason: waiver.reason.clone(),
                location: Location::of(catalogue, waiver.span),
            });
        }
    }
}

struct Lint<'a> {
    catalogue: &'a Catalogue,
    old_types: Types<'a>,
    new_types: Types<'a>,
    findings: Vec<Finding>,
}

impl Lint<'_> {
    fn event_location(&self, event: &str) -> Location {
        match self.catalogue.events.get(event) {
            Some(def) => Location::of(self.catalogue, def.span),
            None => Location::of(self.catalogue, self.catalogue.version_span),
        }
    }

    fn version_location(&self, event: &str, version: u32) -> Location {
        let span = self
            .catalogue
            .events
            .get(event)
            .and_then(|def| def.versions.iter().find(|v| v.number == version))
            .map(|v| v.span);
        match span {
            Some(span) => Location::of(self.catalogue, span),
            None => self.event_location(event),
        }
    }

    fn field_def(&self, event: &str, version: u32, field: &str) -> Option<&Field> {
        self.catalogue
            .events
            .get(event)?
            .versions
            .iter()
            .find(|v| v.number == version)?
            .fields
            .iter()
            .find(|f| f.name == field)
    }

    fn field_location(&self, event: &str, version: u32, field: &str) -> Location {
        match self.field_def(event, version, field) {
            Some(def) => Location::of(self.catalogue, def.span),
            None => self.version_location(event, version),
        }
    }

    /// Where an incompatibility inside a named type is best shown: the type's own field for
    /// records, the field of the version otherwise.
    fn incompatibility_location(
        &self,
        event: &str,
        version: u32,
        found: &Incompatibility,
    ) -> Location {
        if let Some(NamedType::Record(record)) = found
            .in_type
            .as_ref()
            .and_then(|name| self.catalogue.types.get(name))
        {
            let last = found.path.rsplit('.').next().unwrap_or_default();
            if let Some(field) = record.fields.iter().find(|f| f.name == last) {
                return Location::of(self.catalogue, field.span);
            }
        }
        if let Some(NamedType::Enum(def)) = found
            .in_type
            .as_ref()
            .and_then(|name| self.catalogue.types.get(name))
        {
            return Location::of(self.catalogue, def.span);
        }
        self.field_location(event, version, &found.field)
    }

    fn push(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    fn event_removed(&mut self, name: &str, old: &LockedEvent) {
        let location = self
            .catalogue
            .files
            .iter()
            .find(|file| crate::compat::lockfile::file_name(&file.path) == old.file)
            .map(|file| Location::start_of(&file.path))
            .unwrap_or_else(|| Location::of(self.catalogue, self.catalogue.version_span));
        self.push(
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

    fn released_event(&mut self, name: &str, old: &LockedEvent, new: &LockedEvent) {
        let level = level_of(self.catalogue, name);
        for old_version in &old.versions {
            let number = old_version.version;
            match new.version(number) {
                None => self.push(
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
        let new_version_hint = format!(
            "released versions never change: restore v{number} as it was and make the change in a new version (v{}) with a migration",
            self.catalogue
                .events
                .get(event)
                .map_or(number + 1, |def| def.versions.len() as u32 + 1)
        );
        let mut back = read(&new.fields, &self.new_types, &old.fields, &self.old_types);
        // A removed field and an added field of the same type at the same place: a rename.
        let mut index = 0;
        while index < back.len() {
            if back[index].cause != Cause::Extra {
                index += 1;
                continue;
            }
            let removed = back[index].clone();
            let partner = back.iter().position(|other| {
                matches!(other.cause, Cause::Missing | Cause::Added)
                    && other.ty == removed.ty
                    && parent(&other.path) == parent(&removed.path)
            });
            match partner {
                Some(partner) => {
                    let added = back[partner].clone();
                    self.push(
                        Finding::new(
                            rules::FIELD_RENAMED,
                            self.incompatibility_location(event, number, &added),
                            format!("`{}` of released {what} was renamed to `{}`{}", removed.path, added.path, in_type(&added)),
                            format!("on the wire a rename removes `{}`; {new_version_hint}, where `renamed_from: {}` says how old events are upgraded", removed.path, last(&removed.path)),
                        )
                        .about(event, Some(number))
                        .field(&added.field),
                    );
                    let (first, second) = (index.min(partner), index.max(partner));
                    back.remove(second);
                    back.remove(first);
                }
                None => index += 1,
            }
        }
        for found in back {
            let location = self.incompatibility_location(event, number, &found);
            let path = &found.path;
            let place = in_type(&found);
            let (rule, message) = match &found.cause {
                Cause::Added => continue,
                Cause::Extra => (
                    rules::FIELD_REMOVED,
                    format!("`{path}` was removed from released {what}{place}"),
                ),
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
                Cause::Type { writer, reader } => (
                    rules::FIELD_TYPE_CHANGED,
                    format!(
                        "`{path}` of released {what} changed type from `{writer}` to `{reader}`{place}, which is not a widening"
                    ),
                ),
                Cause::EnumValues { values } => (
                    rules::ENUM_VALUE_REMOVED,
                    format!(
                        "closed enum `{}` used by released {what} (`{path}`) lost {}",
                        found.ty,
                        quoted(values)
                    ),
                ),
                Cause::EnumOpen => (
                    rules::ENUM_CLOSED,
                    format!(
                        "enum `{}` used by released {what} (`{path}`) was open and is now closed: stored unknown values no longer decode",
                        found.ty
                    ),
                ),
                Cause::Constraint { what: requirement } => (
                    rules::CONSTRAINT_TIGHTENED,
                    format!(
                        "`{path}` of released {what} must now be {requirement}{place}: stored events may fail validation"
                    ),
                ),
                Cause::UserId => continue,
            };
            self.push(
                Finding::new(rule, location, message, new_version_hint.clone())
                    .about(event, Some(number))
                    .field(&found.field),
            );
        }
        if new.user_id_required && !old.user_id_required {
            self.push(
                Finding::new(
                    rules::ENVELOPE_USER_ID_REQUIRED,
                    self.version_location(event, number),
                    format!("released {what} now requires the envelope's `user_id`: stored events without one fail validation"),
                    new_version_hint.clone(),
                )
                .about(event, Some(number)),
            );
        }
        if !checks_forward(level) {
            return;
        }
        let forward_hint = format!(
            "at level {} consumers of {what} that are not upgraded yet read the new events; {new_version_hint}",
            level.as_str()
        );
        for found in read(&old.fields, &self.old_types, &new.fields, &self.new_types) {
            let location = self.incompatibility_location(event, number, &found);
            let path = &found.path;
            let place = in_type(&found);
            let (rule, message) = match &found.cause {
                Cause::MaybeAbsent => (
                    rules::FIELD_MADE_OPTIONAL,
                    format!("`{path}` of released {what} was required and is now optional{place}"),
                ),
                Cause::Type { writer, reader } => {
                    if !widens(&self.old_types.parse(reader), &self.new_types.parse(writer)) {
                        continue;
                    }
                    (
                        rules::FIELD_TYPE_WIDENED,
                        format!(
                            "`{path}` of released {what} was widened from `{reader}` to `{writer}`{place}"
                        ),
                    )
                }
                Cause::EnumValues { values } => (
                    rules::ENUM_VALUE_ADDED,
                    format!(
                        "closed enum `{}` used by released {what} (`{path}`) gained {}",
                        found.ty,
                        quoted(values)
                    ),
                ),
                Cause::EnumOpen => (
                    rules::ENUM_VALUE_ADDED,
                    format!(
                        "closed enum `{}` used by released {what} (`{path}`) became open",
                        found.ty
                    ),
                ),
                Cause::Constraint { what: requirement } => (rules::CONSTRAINT_LOOSENED, {
                    let (before, now) = requirement
                        .split_once(" (was ")
                        .unwrap_or((requirement, "no limit)"));
                    format!(
                        "`{path}` of released {what} had to be {before} and now {}{place}",
                        now.trim_end_matches(')')
                    )
                }),
                _ => continue,
            };
            self.push(
                Finding::new(rule, location, message, forward_hint.clone())
                    .about(event, Some(number))
                    .field(&found.field),
            );
        }
    }

    fn new_version(&mut self, event: &str, def: &LockedEvent, number: u32, level: Compatibility) {
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
                        if let Some(problem) = self.default_breaks(event, number, &field.name) {
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
                Some(LockedSource::Field(from)) => names.push(from.clone()),
                Some(LockedSource::Default) => return Trace::Default,
                _ => return Trace::Opaque,
            }
            at -= 1;
        }
        names.reverse();
        Trace::Field(names)
    }

    /// Whether a field's default breaks its own constraints (then every upgraded event does).
    fn default_breaks(&self, event: &str, number: u32, field: &str) -> Option<String> {
        let def = self.field_def(event, number, field)?;
        let value = default_json(def.default.as_ref()?);
        let c = &def.constraints;
        let (chars, items) = match &value {
            serde_json::Value::String(text) => (Some(text.chars().count()), None),
            serde_json::Value::Array(items) => (None, Some(items.len())),
            serde_json::Value::Object(map) => (None, Some(map.len())),
            _ => (None, None),
        };
        if c.non_empty && (chars == Some(0) || items == Some(0)) {
            return Some("is empty but the field is `non_empty`".to_owned());
        }
        if let (Some(min), Some(chars)) = (c.min_length, chars) {
            if chars < min {
                return Some(format!("is shorter than `min_length: {min}`"));
            }
        }
        if let (Some(pattern), serde_json::Value::String(text)) = (&c.pattern, &value) {
            let matches = regex_lite::Regex::new(&format!("^(?:{pattern})$"))
                .map(|re| re.is_match(text))
                .unwrap_or(true);
            if !matches {
                return Some(format!("does not match `{pattern}`"));
            }
        }
        None
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
        for found in read(&old.fields, &self.new_types, &new.fields, &self.new_types) {
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
                Cause::EnumOpen => format!(
                    "reads `{path}` as closed enum `{}`, but v{writer} allows any value",
                    found.ty
                ),
                Cause::Constraint { what } => format!(
                    "requires `{path}` to be {}, looser in v{writer}",
                    what.split(" (was").next().unwrap_or(what)
                ),
                Cause::Added | Cause::Extra | Cause::UserId => continue,
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
                Some(LockedSource::Field(from)) => Some(from.as_str()),
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
            if !matches!(
                field.source,
                Some(LockedSource::Default | LockedSource::Absent)
            ) {
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

enum Trace {
    /// The field's name at each version from the origin to the traced version.
    Field(Vec<String>),
    /// Its value comes from its default at some step.
    Default,
    /// A template, a function, or a new optional field: nothing to compare.
    Opaque,
}

fn parent(path: &str) -> &str {
    path.rsplit_once('.').map_or("", |(parent, _)| parent)
}

fn last(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

fn in_type(found: &Incompatibility) -> String {
    match &found.in_type {
        Some(name) if found.path.contains('.') => format!(" (in record `{name}`)"),
        _ => String::new(),
    }
}

fn quoted(values: &[String]) -> String {
    let list: Vec<String> = values.iter().map(|value| format!("`{value}`")).collect();
    let noun = if values.len() == 1 { "value" } else { "values" };
    format!("{noun} {}", list.join(", "))
}
