//! The lint: the schemas being linted (a checked [`Catalogue`]) against a baseline
//! ([`Lockfile`]: the committed lockfile, or schemas at a git ref or in another directory).
//!
//! Three kinds of check run, each at the event's compatibility level:
//!
//! 1. **Released state** (`released.rs`). Every event and version of the baseline must still
//!    exist, and a released version changes in place only in ways that are compatible in both
//!    directions, since its producers and consumers are deployed in any order (rules of
//!    [`Category::Released`], at every level but `NONE`).
//! 2. **New versions** (`versions.rs`, not in the baseline) against the versions before them:
//!    `BACKWARD` through the migration (what an upgraded old event looks like), `FORWARD`
//!    structurally (an old consumer's struct reading the new event), and for the
//!    `_TRANSITIVE` levels against every earlier version through the whole migration chain.
//! 3. **Hygiene** (names, sensitive data), the catalogue's semver bump, and waivers.
//!
//! The schemas are compared through the same view as the baseline
//! ([`Lockfile::from_catalogue`]), so every rule reads one kind of thing; findings point back
//! into the schemas through the catalogue's spans.
//!
//! [`Category::Released`]: crate::rules::Category::Released

mod released;
mod versions;

use crate::compat::finding::{Finding, Location, UsedWaiver};
use crate::compat::lockfile::Lockfile;
use crate::compat::read::{Incompatibility, Types};
use crate::compat::{bump, hygiene};
use crate::diagnostic::{Diagnostics, Severity};
use crate::ir::{Catalogue, Compatibility, Field, NamedType, WaiverScope};
use crate::rules;
use crate::rules::Category;

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
    /// Whether the schemas were checked against the running fleet (`--against fleet`: the
    /// rules of [`Category::Fleet`] ran) rather than a baseline (every other rule ran).
    pub fleet: bool,
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
            fleet: false,
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
        old_types: &baseline.types,
        new_types: &current.types,
        findings: Vec::new(),
        unreported: Vec::new(),
    };
    for (name, old) in &baseline.events {
        match current.events.get(name) {
            None => lint.event_removed(name, old),
            Some(new) => lint.released_event(name, old, new),
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

    let mut findings = std::mem::take(&mut lint.findings);
    let mut used = vec![false; catalogue.waivers.len()];
    apply_waivers(catalogue, &mut findings, &mut used);
    let (required, reasons) = bump::required(baseline, &current, &findings, &lint.unreported);
    // An unwaived breaking change must be undone or waived first; the bump follows from that.
    let unresolved = findings.iter().any(|finding| {
        finding.breaks()
            && rules::find(finding.rule).is_some_and(|rule| {
                matches!(rule.category, Category::Released | Category::Versions)
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
        fleet: false,
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
    old_types: &'a Types,
    new_types: &'a Types,
    findings: Vec<Finding>,
    /// Breaking changes to released state at level `NONE`: not reported, but they still need
    /// a major release of the catalogue.
    unreported: Vec<Finding>,
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
