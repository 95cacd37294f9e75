//! Parsing: YAML text -> [`SchemaFile`] syntax trees, with the place of every node.
//!
//! This stage checks structure only: that each key is known and each value has the right shape
//! (a mapping, a list, a scalar of the right kind). Meaning is checked by [`crate::validate`].

use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::{LoadError, LoaderOptions, Node};

use event_names::did_you_mean;

use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::source::{SourceFile, Span};

const TOP_KEYS: [&str; 3] = ["catalogue", "types", "events"];
const CATALOGUE_KEYS: [&str; 5] = ["name", "version", "compatibility", "description", "waivers"];
const TYPE_KEYS: [&str; 5] = ["kind", "description", "open", "values", "fields"];
const ENUM_VALUE_KEYS: [&str; 2] = ["value", "description"];
const EVENT_KEYS: [&str; 4] = ["description", "compatibility", "versions", "waivers"];
const VERSION_KEYS: [&str; 5] = [
    "description",
    "envelope",
    "fields",
    "migrate_with",
    "waivers",
];
const WAIVER_KEYS: [&str; 4] = ["rule", "reason", "event", "field"];
const ENVELOPE_KEYS: [&str; 1] = ["user_id"];
/// Every key a field may have.
pub const FIELD_KEYS: [&str; 14] = [
    "type",
    "description",
    "optional",
    "default",
    "sensitive",
    "renamed_from",
    "min",
    "max",
    "min_length",
    "max_length",
    "pattern",
    "non_empty",
    "max_items",
    "migrate",
];
const MIGRATE_KEYS: [&str; 5] = ["template", "copy", "from", "map", "with"];

/// Largest schema file accepted, in bytes. Catalogues are far smaller; this bounds memory.
pub const MAX_FILE_SIZE: usize = 4 * 1024 * 1024;

/// Parses one file. Problems are added to `diagnostics`; the tree holds what could be read.
pub fn parse_file(
    file: usize,
    source: &SourceFile,
    diagnostics: &mut Vec<Diagnostic>,
) -> SchemaFile {
    let mut parser = Parser::new(file, &source.text, diagnostics);
    if source.text.len() > MAX_FILE_SIZE {
        let span = parser.point(0);
        parser.error(
            Diagnostic::error(
                span,
                format!(
                    "schema file is larger than {} MiB",
                    MAX_FILE_SIZE / (1024 * 1024)
                ),
            )
            .with_hint("split the catalogue into one file per domain"),
        );
        return SchemaFile {
            file,
            unreadable: true,
            ..SchemaFile::default()
        };
    }
    if source.text.trim().is_empty() {
        return SchemaFile {
            file,
            ..SchemaFile::default()
        };
    }
    let options = LoaderOptions::default()
        .error_on_duplicate_keys(true)
        .prevent_coercion(true);
    match marked_yaml::parse_yaml_with_options(file, &source.text, options) {
        Ok(node) => parser.file(&node),
        Err(error) => {
            parser.load_error(error);
            SchemaFile {
                file,
                unreadable: true,
                ..SchemaFile::default()
            }
        }
    }
}

struct Parser<'a> {
    file: usize,
    text: &'a str,
    line_starts: Vec<usize>,
    diagnostics: &'a mut Vec<Diagnostic>,
}

impl<'a> Parser<'a> {
    fn new(file: usize, text: &'a str, diagnostics: &'a mut Vec<Diagnostic>) -> Self {
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

    fn error(&mut self, diagnostic: Diagnostic) {
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

    fn point(&self, offset: usize) -> Span {
        Span {
            file: self.file,
            start: offset,
            end: offset,
        }
    }

    fn marker_offset(&self, marker: &marked_yaml::Marker) -> usize {
        self.offset(marker.line(), marker.column())
    }

    fn span_of(&self, span: &marked_yaml::Span) -> Span {
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
    fn scalar_span(&self, scalar: &MarkedScalarNode) -> Span {
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

    fn node_span(&self, node: &Node) -> Span {
        match node {
            Node::Scalar(scalar) => self.scalar_span(scalar),
            Node::Mapping(mapping) => self.span_of(mapping.span()),
            Node::Sequence(sequence) => self.span_of(sequence.span()),
        }
    }

    fn load_error(&mut self, error: LoadError) {
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

    fn expect_mapping<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n MarkedMappingNode> {
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
    fn checked(
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

    fn key_of(&self, key: &MarkedScalarNode) -> Spanned<String> {
        Spanned::new(key.as_str().to_owned(), self.scalar_span(key))
    }

    fn scalar(
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

    fn text(
        &mut self,
        mapping: &MarkedMappingNode,
        key: &str,
        context: &str,
    ) -> Option<Spanned<String>> {
        let value = self.scalar(mapping, key, context)?;
        Some(Spanned::new(value.value.trim().to_owned(), value.span))
    }

    fn boolean(
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

    fn count(
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

    fn file(&mut self, node: &Node) -> SchemaFile {
        let mut file = SchemaFile {
            file: self.file,
            ..SchemaFile::default()
        };
        let Some(top) = self.expect_mapping(node, "a schema file") else {
            return file;
        };
        let top = &self.checked(top, &TOP_KEYS, "a schema file");
        if let Some(node) = top.get_node("catalogue") {
            file.catalogue = self.catalogue(node);
        }
        if let Some(node) = top.get_node("types") {
            if let Some(types) = self.expect_mapping(node, "`types`") {
                file.types = types
                    .iter()
                    .filter_map(|(key, value)| self.named_type(key, value))
                    .collect();
            }
        }
        if let Some(node) = top.get_node("events") {
            if let Some(events) = self.expect_mapping(node, "`events`") {
                file.events = events
                    .iter()
                    .filter_map(|(key, value)| self.event(key, value))
                    .collect();
            }
        }
        file
    }

    fn catalogue(&mut self, node: &Node) -> Option<CatalogueAst> {
        let mapping = self.expect_mapping(node, "`catalogue`")?;
        let context = "the catalogue";
        let mapping = &self.checked(mapping, &CATALOGUE_KEYS, context);
        Some(CatalogueAst {
            span: self.span_of(mapping.span()),
            name: self.text(mapping, "name", context),
            version: self.text(mapping, "version", context),
            compatibility: self.text(mapping, "compatibility", context),
            description: self.text(mapping, "description", context),
            waivers: self.waivers(mapping, context),
        })
    }

    fn named_type(&mut self, key: &MarkedScalarNode, node: &Node) -> Option<TypeAst> {
        let name = self.key_of(key);
        let context = format!("type `{}`", name.value);
        let mapping = self.expect_mapping(node, &context)?;
        let mapping = &self.checked(mapping, &TYPE_KEYS, &context);
        let values = mapping
            .get_node("values")
            .and_then(|node| self.enum_values(node, &context));
        let fields = mapping
            .get_node("fields")
            .and_then(|node| self.fields(node, &context));
        Some(TypeAst {
            kind: self.text(mapping, "kind", &context),
            description: self.text(mapping, "description", &context),
            open: self.boolean(mapping, "open", &context),
            values,
            fields,
            name,
        })
    }

    fn enum_values(&mut self, node: &Node, context: &str) -> Option<Spanned<Vec<EnumValueAst>>> {
        let Node::Sequence(sequence) = node else {
            let span = self.node_span(node);
            self.error(
                Diagnostic::error(span, format!("`values` of {context} must be a list"))
                    .with_label(format!("found {}", kind_name(node)))
                    .with_hint("write `values: [low, medium, high]`"),
            );
            return None;
        };
        let mut values = Vec::new();
        for item in sequence.iter() {
            match item {
                Node::Scalar(scalar) => values.push(EnumValueAst {
                    value: Spanned::new(scalar.as_str().to_owned(), self.scalar_span(scalar)),
                    description: None,
                }),
                Node::Mapping(mapping) => {
                    let mapping = &self.checked(mapping, &ENUM_VALUE_KEYS, "an enum value");
                    match self.text(mapping, "value", "an enum value") {
                        Some(value) => values.push(EnumValueAst {
                            value,
                            description: self.text(mapping, "description", "an enum value"),
                        }),
                        None => {
                            let span = self.span_of(mapping.span());
                            self.error(
                                Diagnostic::error(span, "enum value without `value:`")
                                    .with_label("this entry")
                                    .with_hint(
                                        "write `- value: low` (and optionally `description: ...`)",
                                    ),
                            );
                        }
                    }
                }
                Node::Sequence(_) => {
                    let span = self.node_span(item);
                    self.error(
                        Diagnostic::error(span, "an enum value must be a name")
                            .with_label("found a list"),
                    );
                }
            }
        }
        Some(Spanned::new(values, self.span_of(sequence.span())))
    }

    fn event(&mut self, key: &MarkedScalarNode, node: &Node) -> Option<EventAst> {
        let name = self.key_of(key);
        let context = format!("event `{}`", name.value);
        let mapping = self.expect_mapping(node, &context)?;
        let mapping = &self.checked(mapping, &EVENT_KEYS, &context);
        let versions = match mapping.get_node("versions") {
            Some(node) => self
                .expect_mapping(node, &format!("`versions` of {context}"))
                .map(|versions| {
                    let list = versions
                        .iter()
                        .filter_map(|(key, value)| self.version(&name.value, key, value))
                        .collect();
                    Spanned::new(list, self.span_of(versions.span()))
                }),
            None => None,
        };
        Some(EventAst {
            description: self.text(mapping, "description", &context),
            compatibility: self.text(mapping, "compatibility", &context),
            waivers: self.waivers(mapping, &context),
            versions,
            name,
        })
    }

    fn version(&mut self, event: &str, key: &MarkedScalarNode, node: &Node) -> Option<VersionAst> {
        let key = self.key_of(key);
        let context = format!("{event} {}", key.value);
        let mapping = self.expect_mapping(node, &context)?;
        let mapping = &self.checked(mapping, &VERSION_KEYS, &context);
        let envelope_user_id = match mapping.get_node("envelope") {
            Some(node) => match self.expect_mapping(node, &format!("`envelope` of {context}")) {
                Some(envelope) => {
                    let envelope = &self.checked(envelope, &ENVELOPE_KEYS, "`envelope`");
                    self.text(envelope, "user_id", "`envelope`")
                }
                None => None,
            },
            None => None,
        };
        let fields = mapping
            .get_node("fields")
            .and_then(|node| self.fields(node, &context));
        Some(VersionAst {
            description: self.text(mapping, "description", &context),
            migrate_with: self.text(mapping, "migrate_with", &context),
            waivers: self.waivers(mapping, &context),
            envelope_user_id,
            fields,
            key,
        })
    }

    /// The `waivers:` list of a mapping: each entry `{ rule, reason, event?, field? }`.
    fn waivers(&mut self, mapping: &MarkedMappingNode, context: &str) -> Vec<WaiverAst> {
        let Some(node) = mapping.get_node("waivers") else {
            return Vec::new();
        };
        let Node::Sequence(sequence) = node else {
            let span = self.node_span(node);
            self.error(
                Diagnostic::error(span, format!("`waivers` of {context} must be a list"))
                    .with_label(format!("found {}", kind_name(node)))
                    .with_hint(
                        "write `waivers:` then entries `- rule: FIELD_REMOVED` with `reason: ...`",
                    ),
            );
            return Vec::new();
        };
        let mut waivers = Vec::new();
        for item in sequence.iter() {
            let Some(entry) = self.expect_mapping(item, "a waiver") else {
                continue;
            };
            let entry = &self.checked(entry, &WAIVER_KEYS, "a waiver");
            waivers.push(WaiverAst {
                span: self.span_of(entry.span()),
                rule: self.text(entry, "rule", "a waiver"),
                reason: self.text(entry, "reason", "a waiver"),
                event: self.text(entry, "event", "a waiver"),
                field: self.text(entry, "field", "a waiver"),
            });
        }
        waivers
    }

    fn fields(&mut self, node: &Node, context: &str) -> Option<Spanned<Vec<FieldAst>>> {
        let mapping = self.expect_mapping(node, &format!("`fields` of {context}"))?;
        let fields = mapping
            .iter()
            .filter_map(|(key, value)| self.field(key, value))
            .collect();
        Some(Spanned::new(fields, self.span_of(mapping.span())))
    }

    fn field(&mut self, key: &MarkedScalarNode, node: &Node) -> Option<FieldAst> {
        let name = self.key_of(key);
        let context = format!("field `{}`", name.value);
        let mapping = self.expect_mapping(node, &context)?;
        let mapping = &self.checked(mapping, &FIELD_KEYS, &context);
        let default = mapping.get_node("default").map(|node| self.default(node));
        let migrate = mapping
            .get_node("migrate")
            .and_then(|node| self.migrate(node, &context));
        Some(FieldAst {
            span: self.span_of(mapping.span()),
            ty: self.text(mapping, "type", &context),
            description: self.text(mapping, "description", &context),
            optional: self.boolean(mapping, "optional", &context),
            sensitive: self.boolean(mapping, "sensitive", &context),
            renamed_from: self.text(mapping, "renamed_from", &context),
            min: self.text(mapping, "min", &context),
            max: self.text(mapping, "max", &context),
            min_length: self.count(mapping, "min_length", &context),
            max_length: self.count(mapping, "max_length", &context),
            pattern: self.scalar(mapping, "pattern", &context),
            non_empty: self.boolean(mapping, "non_empty", &context),
            max_items: self.count(mapping, "max_items", &context),
            default,
            migrate,
            name,
        })
    }

    fn default(&mut self, node: &Node) -> DefaultAst {
        match node {
            Node::Scalar(scalar) => DefaultAst::Scalar(Spanned::new(
                scalar.as_str().to_owned(),
                self.scalar_span(scalar),
            )),
            Node::Sequence(sequence) => {
                let mut items = Vec::new();
                for item in sequence.iter() {
                    match item {
                        Node::Scalar(scalar) => {
                            items.push(Spanned::new(
                                scalar.as_str().to_owned(),
                                self.scalar_span(scalar),
                            ));
                        }
                        other => {
                            let span = self.node_span(other);
                            self.error(
                                Diagnostic::error(span, "list defaults may only hold plain values")
                                    .with_label(format!("found {}", kind_name(other))),
                            );
                        }
                    }
                }
                DefaultAst::List(Spanned::new(items, self.span_of(sequence.span())))
            }
            Node::Mapping(mapping) => {
                DefaultAst::Map(Spanned::new(mapping.len(), self.span_of(mapping.span())))
            }
        }
    }

    fn migrate(&mut self, node: &Node, context: &str) -> Option<MigrateAst> {
        let context = format!("`migrate` of {context}");
        let mapping = self.expect_mapping(node, &context)?;
        let mapping = &self.checked(mapping, &MIGRATE_KEYS, &context);
        let map = match mapping.get_node("map") {
            Some(node) => self.expect_mapping(node, "`map`").map(|pairs| {
                let list = pairs
                    .iter()
                    .filter_map(|(key, value)| match value {
                        Node::Scalar(scalar) => Some((
                            self.key_of(key),
                            Spanned::new(scalar.as_str().to_owned(), self.scalar_span(scalar)),
                        )),
                        other => {
                            let span = self.node_span(other);
                            self.error(
                                Diagnostic::error(
                                    span,
                                    "each `map` entry must name a new enum value",
                                )
                                .with_label(format!("found {}", kind_name(other))),
                            );
                            None
                        }
                    })
                    .collect();
                Spanned::new(list, self.span_of(pairs.span()))
            }),
            None => None,
        };
        Some(MigrateAst {
            span: self.span_of(mapping.span()),
            template: self.scalar(mapping, "template", &context),
            copy: self.text(mapping, "copy", &context),
            from: self.text(mapping, "from", &context),
            with: self.text(mapping, "with", &context),
            map,
        })
    }
}

fn kind_name(node: &Node) -> &'static str {
    match node {
        Node::Scalar(_) => "a single value",
        Node::Mapping(_) => "a mapping",
        Node::Sequence(_) => "a list",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::line_column;

    fn parse(text: &str) -> (SchemaFile, Vec<Diagnostic>) {
        let source = SourceFile {
            path: "t.yaml".to_owned(),
            text: text.to_owned(),
        };
        let mut diagnostics = Vec::new();
        let file = parse_file(0, &source, &mut diagnostics);
        (file, diagnostics)
    }

    #[test]
    fn every_node_keeps_its_place() {
        let text = "events:\n  user.created:\n    description: \"Héllo\"\n    versions: {}\n";
        let (file, diagnostics) = parse(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let event = &file.events[0];
        let at = |span: Span| line_column(text, span.start);
        assert_eq!(
            at(event.name.span),
            crate::diagnostic::LineColumn { line: 2, column: 3 }
        );
        let description = event.description.as_ref().expect("description");
        assert_eq!(description.value, "Héllo");
        assert_eq!(
            at(description.span),
            crate::diagnostic::LineColumn {
                line: 3,
                column: 18
            }
        );
        assert_eq!(
            &text[description.span.start..description.span.end],
            "\"Héllo\""
        );
    }

    #[test]
    fn a_typo_is_reported_once_and_read_as_meant() {
        let (file, diagnostics) = parse("events:\n  user.created:\n    descripton: Hi\n");
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(
            diagnostics[0].hint.as_deref(),
            Some("did you mean `description`?")
        );
        assert_eq!(
            file.events[0]
                .description
                .as_ref()
                .map(|d| d.value.as_str()),
            Some("Hi")
        );
    }

    #[test]
    fn wrong_shapes_are_named() {
        let (_, diagnostics) = parse("events:\n  - user.created\n");
        assert_eq!(diagnostics[0].message, "`events` must be a mapping");
        assert_eq!(diagnostics[0].label, "found a list");
        let (_, diagnostics) = parse(
            "events:\n  user.created:\n    versions:\n      v1:\n        fields:\n          a: { type: string, optional: maybe }\n",
        );
        assert_eq!(
            diagnostics[0].message,
            "`optional` must be `true` or `false`"
        );
    }
}
