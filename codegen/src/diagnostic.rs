//! Diagnostics: schema problems with a place, a message and a hint, rendered like rustc.

use std::fmt;
use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as Report, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Config as TermConfig, termcolor::Buffer};

use crate::source::{SourceFile, Span};

mod excerpt;

use excerpt::{Excerpt, shorten};

/// Longest message, label or hint rendered, in characters: a message quoting hostile input
/// (a 1 MB type name) stays readable.
const MAX_MESSAGE: usize = 400;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The catalogue cannot be compiled.
    Error,
    /// Worth fixing; the catalogue still compiles.
    Warning,
}

/// One problem in the schemas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, e.g. "unknown key `descripton`".
    pub message: String,
    /// Where.
    pub span: Span,
    /// Text under the primary underline, e.g. "not a known field key".
    pub label: String,
    /// How to fix it, e.g. "did you mean `description`?".
    pub hint: Option<String>,
    /// Other places that explain the problem (the first definition of a duplicate...).
    pub related: Vec<(Span, String)>,
    /// The lint rule this error belongs to (`VERSION_GAP`), when it is one; see
    /// `docs/lint-rules.md`. Rendered as `error[VERSION_GAP]`.
    pub code: Option<&'static str>,
}

impl Diagnostic {
    /// A new error at `span`.
    pub fn error(span: Span, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
            span,
            label: String::new(),
            hint: None,
            related: Vec::new(),
            code: None,
        }
    }

    /// A new warning at `span`.
    pub fn warning(span: Span, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(span, message)
        }
    }

    /// Sets the label under the primary span.
    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Sets the hint.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Sets the lint rule id.
    #[must_use]
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }

    /// Adds a related place.
    #[must_use]
    pub fn with_related(mut self, span: Span, label: impl Into<String>) -> Self {
        self.related.push((span, label.into()));
        self
    }
}

/// A line and column, 1-based, in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineColumn {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters).
    pub column: usize,
}

/// Line and column of a byte offset in `text`.
pub fn line_column(text: &str, offset: usize) -> LineColumn {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    LineColumn {
        line,
        column: before[line_start..].chars().count() + 1,
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// A set of diagnostics over the files they refer to.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    /// Files, indexed by [`Span::file`].
    pub files: Vec<SourceFile>,
    /// Every diagnostic, in the order found.
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// True when at least one is an error.
    pub fn has_errors(&self) -> bool {
        self.items
            .iter()
            .any(|item| item.severity == Severity::Error)
    }

    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.items
            .iter()
            .filter(|item| item.severity == Severity::Error)
            .count()
    }

    /// `path:line:col` of a span.
    pub fn location(&self, span: Span) -> String {
        match self.files.get(span.file) {
            Some(file) => {
                let at = line_column(&file.text, span.start);
                format!("{}:{}:{}", file.path, at.line, at.column)
            }
            None => "<unknown>".to_owned(),
        }
    }

    /// Renders every diagnostic like rustc, plus a summary line. `color` adds ANSI colours.
    /// Lines longer than a few hundred bytes are shown cut around the places pointed at.
    pub fn render(&self, color: bool) -> String {
        let excerpts: Vec<Option<Excerpt>> = self
            .files
            .iter()
            .enumerate()
            .map(|(index, file)| {
                let points: Vec<usize> = self
                    .items
                    .iter()
                    .flat_map(|item| {
                        std::iter::once(item.span).chain(item.related.iter().map(|(span, _)| *span))
                    })
                    .filter(|span| span.file == index)
                    .flat_map(|span| [span.start, span.end])
                    .collect();
                Excerpt::of(&file.text, &points)
            })
            .collect();
        let mut files = SimpleFiles::new();
        for (file, excerpt) in self.files.iter().zip(&excerpts) {
            let text = excerpt.as_ref().map_or(&file.text, |excerpt| &excerpt.text);
            files.add(file.path.clone(), text.clone());
        }
        let config = TermConfig::default();
        let mut items: Vec<&Diagnostic> = self.items.iter().collect();
        items.sort_by_key(|item| (item.span.file, item.span.start, item.severity));
        let mut text = String::new();
        let mut buffer = Buffer::ansi();
        for item in items {
            let report = self.report(item, &excerpts);
            // Rendering to memory fails only for a span outside its file, and spans are clamped.
            if color {
                let _ = term::emit_to_write_style(&mut buffer, &config, &files, &report);
            } else {
                let _ = term::emit_to_string(&mut text, &config, &files, &report);
            }
        }
        if color {
            text = String::from_utf8_lossy(buffer.as_slice()).into_owned();
        }
        let errors = self.error_count();
        let warnings = self.items.len() - errors;
        if errors > 0 {
            text.push_str(&format!(
                "error: the event schemas have {errors} error{}{}\n",
                plural(errors),
                if warnings > 0 {
                    format!(" and {warnings} warning{}", plural(warnings))
                } else {
                    String::new()
                }
            ));
        }
        text
    }

    fn range(&self, span: Span, excerpts: &[Option<Excerpt>]) -> Range<usize> {
        let len = self.files.get(span.file).map_or(0, |file| file.text.len());
        let start = span.start.min(len);
        let end = span.end.clamp(start, len);
        match excerpts.get(span.file).and_then(Option::as_ref) {
            Some(excerpt) => excerpt.map(start)..excerpt.map(end),
            None => start..end,
        }
    }

    fn report(&self, item: &Diagnostic, excerpts: &[Option<Excerpt>]) -> Report<usize> {
        let report = match item.severity {
            Severity::Error => Report::error(),
            Severity::Warning => Report::warning(),
        };
        let mut labels = vec![
            Label::primary(item.span.file, self.range(item.span, excerpts))
                .with_message(shorten(&item.label, MAX_MESSAGE)),
        ];
        labels.extend(item.related.iter().map(|(span, label)| {
            Label::secondary(span.file, self.range(*span, excerpts))
                .with_message(shorten(label, MAX_MESSAGE))
        }));
        let notes = item
            .hint
            .iter()
            .map(|hint| format!("help: {}", shorten(hint, MAX_MESSAGE)))
            .collect();
        let report = match item.code {
            Some(code) => report.with_code(code),
            None => report,
        };
        report
            .with_message(shorten(&item.message, MAX_MESSAGE))
            .with_labels(labels)
            .with_notes(notes)
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_in_characters() {
        let text = "a: 1\nbé: x\n";
        assert_eq!(line_column(text, 0), LineColumn { line: 1, column: 1 });
        assert_eq!(line_column(text, 5), LineColumn { line: 2, column: 1 });
        assert_eq!(line_column(text, 9), LineColumn { line: 2, column: 4 });
    }
}
