//! Findings of the lint, where they point, and the waivers that accepted them.

use crate::diagnostic::{Severity, line_column};
use crate::ir::Catalogue;
use crate::rules;
use crate::source::Span;

/// A place in a file, 1-based.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// Path of the file, as the schemas were read.
    pub file: String,
    /// Line.
    pub line: usize,
    /// Column, in characters.
    pub column: usize,
}

impl Location {
    /// The place of `span` in the catalogue's files.
    pub fn of(catalogue: &Catalogue, span: Span) -> Self {
        match catalogue.files.get(span.file) {
            Some(file) => {
                let at = line_column(&file.text, span.start);
                Self {
                    file: file.path.clone(),
                    line: at.line,
                    column: at.column,
                }
            }
            None => Self::start_of("<unknown>"),
        }
    }

    /// Line 1, column 1 of a file.
    pub fn start_of(file: &str) -> Self {
        Self {
            file: file.to_owned(),
            line: 1,
            column: 1,
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A waiver that accepted a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsedWaiver {
    /// The reason written in the waiver.
    pub reason: String,
    /// Where the waiver is.
    pub location: Location,
}

/// One finding of `events lint`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule id.
    pub rule: &'static str,
    /// Error (breaks, exit 1 unless waived) or warning.
    pub severity: Severity,
    /// Where to look, in the schemas being linted.
    pub location: Location,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: String,
    /// The event it is about.
    pub event: Option<String>,
    /// The version it is about.
    pub version: Option<u32>,
    /// The top-level field it is about.
    pub field: Option<String>,
    /// The waiver that accepted it, if any.
    pub waiver: Option<UsedWaiver>,
}

impl Finding {
    /// A finding of `rule` (its severity comes from the rule table).
    pub fn new(
        rule: &'static str,
        location: Location,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Self {
            rule,
            severity: rules::find(rule).map_or(Severity::Error, |rule| rule.severity),
            location,
            message: message.into(),
            hint: hint.into(),
            event: None,
            version: None,
            field: None,
            waiver: None,
        }
    }

    /// Sets the event (and version) it is about.
    #[must_use]
    pub fn about(mut self, event: &str, version: Option<u32>) -> Self {
        self.event = Some(event.to_owned());
        self.version = version;
        self
    }

    /// Sets the field it is about.
    #[must_use]
    pub fn field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }

    /// An unwaived error: it fails the lint.
    pub fn breaks(&self) -> bool {
        self.severity == Severity::Error && self.waiver.is_none()
    }
}
