//! Parsing: YAML text -> [`SchemaFile`] syntax trees, with the place of every node.
//!
//! This stage checks structure only: that each key is known and each value has the right shape
//! (a mapping, a list, a scalar of the right kind). Meaning is checked by [`crate::validate`].
//!
//! [`parse_file`] is the entry point; `yaml.rs` reads YAML nodes with their places (offsets,
//! spans, typed scalars, unknown keys with "did you mean"); `schema.rs` is the schema file's
//! structure, key by key.

mod schema;
mod yaml;

use marked_yaml::LoaderOptions;

use crate::ast::SchemaFile;
use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;

pub use schema::FIELD_KEYS;
use yaml::Parser;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::line_column;
    use crate::source::Span;

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
