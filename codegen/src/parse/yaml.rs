//! Reading YAML nodes with their places: byte offsets and spans from marked-yaml's line and
//! column markers, load errors as diagnostics, and typed scalars (text, booleans, counts) with
//! an error naming the key when a value has the wrong shape. Unknown keys are reported with
//! "did you mean", and a clear typo is read as the key it meant.

use event_names::did_you_mean;
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::{LoadError, Node};

use crate::ast::Spanned;
use crate::diagnostic::Diagnostic;
use crate::source::Span;

/// Reads one file's nodes, reporting into `diagnostics`.
pub(super) struct Parser<'a> {
    pub(super) file: usize,
    text: &'a str,
    line_starts: Vec<usize>,
    diagnostics: &'a mut Vec<Diagnostic>,
}

impl<'a> Parser<'a> {
    pub(super) fn new(file: usize, text: &'a str, diagnostics: &'a mut Vec<Diagnostic>) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(index, _)| index + 1))
            .collect();
        Self {
            file,
            text,
            line_starts,
            diagnostics,
        }
    }

    pub(super) fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Byte offset of a 1-based line and character column.
    fn offset(&self, line: usize, column: usize) -> usize {
        let Some(start) = line
            .checked_sub(1)
            .and_then(|index| self.line_starts.get(index))
        else {
            return self.text.len();
        };
        let rest = &self.text[*start..];
        let within = rest
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(rest.len(), |(index, _)| index);
        start + within
    }

    pub(super) fn point(&self, offset: usize) -> Span {
        Span {
            file: self.file,
            start: offset,
            end: offset,
        }
    }

    fn marker_offset(&self, marker: &marked_yaml::Marker) -> usize {
        self.offset(marker.line(), marker.column())
    }

    pub(super) fn span_of(&self, span: &marked_yaml::Span) -> Span {
        let start = span.start().map_or(0, |marker| self.marker_offset(marker));
        let end = span
            .end()
            .map_or(start, |marker| self.marker_offset(marker))
            .max(start);
        Span {
            file: self.file,
            start,
            end,
        }
    }

    /// Scalars carry only a start: the end is found from the text (the token, up to the line end).
    pub(super) fn scalar_span(&self, scalar: &MarkedScalarNode) -> Span {
        let mut span = self.span_of(scalar.span());
        let line_end = self.text[span.start..]
            .find('\n')
            .map_or(self.text.len(), |index| span.start + index);
        let quoted = matches!(self.text[span.start..].chars().next(), Some('"' | '\''));
        let token = scalar.as_str().len() + if quoted { 2 } else { 0 };
        span.end = (span.start + token)
            .min(line_end)
            .max(span.start + 1)
            .min(self.text.len());
        span
    }

    pub(super) fn node_span(&self, node: &Node) -> Span {
        match node {
            Node::Scalar(scalar) => self.scalar_span(scalar),
            Node::Mapping(mapping) => self.span_of(mapping.span()),
            Node::Sequence(sequence) => self.span_of(sequence.span()),
        }
    }

    pub(super) fn load_error(&mut self, error: LoadError) {
        let diagnostic = match &error {
            LoadError::TopLevelMustBeMapping(marker)
            | LoadError::TopLevelMustBeSequence(marker) => Diagnostic::error(
                self.point(self.marker_offset(marker)),
                "a schema file must be a YAML mapping",
            )
            .with_label("expected `catalogue:`, `types:` or `events:` here"),
            LoadError::UnexpectedAnchor(marker) => Diagnostic::error(
                self.point(self.marker_offset(marker)),
                "YAML anchors and aliases are not allowed in schemas",
            )
            .with_label("anchor")
            .with_hint("write the definition out, or share it as a named type under `types:`"),
            LoadError::MappingKeyMustBeScalar(marker) => Diagnostic::error(
                self.point(self.marker_offset(marker)),
                "mapping keys must be plain names",
            )
            .with_label("not a name"),
            LoadError::UnexpectedTag(marker) => Diagnostic::error(
                self.point(self.marker_offset(marker)),
                "YAML tags (`!tag`) are not allowed in schemas",
            )
            .with_label("tag"),
            LoadError::ScanError(marker, scan) => {
                let message = scan.to_string();
                let message = message.split(" at ").next().unwrap_or(&message).to_owned();
                Diagnostic::error(
                    self.point(self.marker_offset(marker)),
                    format!("YAML syntax error: {message}"),
                )
                .with_label("here")
                .with_hint("check indentation, colons and quotes around this place")
            }
            LoadError::DuplicateKey(duplicate) => Diagnostic::error(
                self.scalar_span(&duplicate.key),
                format!("duplicate key `{}`", duplicate.key.as_str()),
            )
            .with_label("defined again here")
            .with_related(self.scalar_span(&duplicate.prev_key), "first defined here")
            .with_hint("each key may appear once in a mapping; merge or rename one"),
            // `LoadError` is non-exhaustive: keep whatever it says.
            #[allow(unreachable_patterns)]
            _ => Diagnostic::error(self.point(0), format!("YAML error: {error}")),
        };
        self.error(diagnostic);
    }

    pub(super) fn expect_mapping<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
    ) -> Option<&'n MarkedMappingNode> {
        match node {
            Node::Mapping(mapping) => Some(mapping),
            other => {
                let span = self.node_span(other);
                self.error(
                    Diagnostic::error(span, format!("{what} must be a mapping"))
                        .with_label(format!("found {}", kind_name(other))),
                );
                None
            }
        }
    }

    /// Reports unknown keys. Returns the mapping with each typo that has a clear suggestion
    /// renamed to it, so that reading goes on as the author meant (one error, not two).
    pub(super) fn checked(
        &mut self,
        mapping: &MarkedMappingNode,
        allowed: &[&str],
        context: &str,
    ) -> MarkedMappingNode {
        let mut recovered = mapping.clone();
        for key in mapping.keys() {
            if allowed.contains(&key.as_str()) {
                continue;
            }
            let span = self.scalar_span(key);
            let mut diagnostic =
                Diagnostic::error(span, format!("unknown key `{}` in {context}", key.as_str()))
                    .with_label("unknown key");
            match did_you_mean(key.as_str(), allowed.iter().copied()) {
                Some(known) => {
                    diagnostic = diagnostic.with_hint(format!("did you mean `{known}`?"));
                    if mapping.get_node(known).is_none() {
                        if let Some(value) = recovered.remove(key) {
                            recovered.insert(MarkedScalarNode::new(*key.span(), known), value);
                        }
                    }
                }
                None => {
                    diagnostic =
                        diagnostic.with_hint(format!("expected one of: {}", allowed.join(", ")))
                }
            }
            self.error(diagnostic);
        }
        recovered
    }

    pub(super) fn key_of(&self, key: &MarkedScalarNode) -> Spanned<String> {
        Spanned::new(key.as_str().to_owned(), self.scalar_span(key))
    }

    pub(super) fn scalar(
        &mut self,
        mapping: &MarkedMappingNode,
        key: &str,
        context: &str,
    ) -> Option<Spanned<String>> {
        let node = mapping.get_node(key)?;
        match node {
            Node::Scalar(scalar) => Some(Spanned::new(
                scalar.as_str().to_owned(),
                self.scalar_span(scalar),
            )),
            other => {
                let span = self.node_span(other);
                self.error(
                    Diagnostic::error(span, format!("`{key}` of {context} must be a single value"))
                        .with_label(format!("found {}", kind_name(other))),
                );
                None
            }
        }
    }

    pub(super) fn text(
        &mut self,
        mapping: &MarkedMappingNode,
        key: &str,
        context: &str,
    ) -> Option<Spanned<String>> {
        let value = self.scalar(mapping, key, context)?;
        Some(Spanned::new(value.value.trim().to_owned(), value.span))
    }

    pub(super) fn boolean(
        &mut self,
        mapping: &MarkedMappingNode,
        key: &str,
        context: &str,
    ) -> Option<Spanned<bool>> {
        let value = self.scalar(mapping, key, context)?;
        match value.value.as_str() {
            "true" => Some(Spanned::new(true, value.span)),
            "false" => Some(Spanned::new(false, value.span)),
            other => {
                self.error(
                    Diagnostic::error(value.span, format!("`{key}` must be `true` or `false`"))
                        .with_label(format!("found `{other}`")),
                );
                None
            }
        }
    }

    pub(super) fn count(
        &mut self,
        mapping: &MarkedMappingNode,
        key: &str,
        context: &str,
    ) -> Option<Spanned<usize>> {
        let value = self.scalar(mapping, key, context)?;
        match value.value.parse::<usize>() {
            Ok(number) => Some(Spanned::new(number, value.span)),
            Err(_) => {
                self.error(
                    Diagnostic::error(
                        value.span,
                        format!("`{key}` must be a whole number, 0 or more"),
                    )
                    .with_label(format!("found `{}`", value.value)),
                );
                None
            }
        }
    }
}

pub(super) fn kind_name(node: &Node) -> &'static str {
    match node {
        Node::Scalar(_) => "a single value",
        Node::Mapping(_) => "a mapping",
        Node::Sequence(_) => "a list",
    }
}
