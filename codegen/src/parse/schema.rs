//! The structure of a schema file: which keys each mapping may have and what shape each value
//! takes, read into the syntax tree ([`crate::ast`]).

use marked_yaml::Node;
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};

use super::yaml::{Parser, kind_name};
use crate::ast::*;
use crate::diagnostic::Diagnostic;

pub(super) const TOP_KEYS: [&str; 3] = ["catalogue", "types", "events"];
pub(super) const CATALOGUE_KEYS: [&str; 5] =
    ["name", "version", "compatibility", "description", "waivers"];
pub(super) const TYPE_KEYS: [&str; 5] = ["kind", "description", "open", "values", "fields"];
pub(super) const ENUM_VALUE_KEYS: [&str; 2] = ["value", "description"];
pub(super) const EVENT_KEYS: [&str; 4] = ["description", "compatibility", "versions", "waivers"];
pub(super) const VERSION_KEYS: [&str; 5] = [
    "description",
    "envelope",
    "fields",
    "migrate_with",
    "waivers",
];
pub(super) const WAIVER_KEYS: [&str; 4] = ["rule", "reason", "event", "field"];
pub(super) const ENVELOPE_KEYS: [&str; 1] = ["user_id"];
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
pub(super) const MIGRATE_KEYS: [&str; 5] = ["template", "copy", "from", "map", "with"];

impl Parser<'_> {
    pub(super) fn file(&mut self, node: &Node) -> SchemaFile {
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

    pub(super) fn catalogue(&mut self, node: &Node) -> Option<CatalogueAst> {
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

    pub(super) fn named_type(&mut self, key: &MarkedScalarNode, node: &Node) -> Option<TypeAst> {
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

    pub(super) fn enum_values(
        &mut self,
        node: &Node,
        context: &str,
    ) -> Option<Spanned<Vec<EnumValueAst>>> {
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

    pub(super) fn event(&mut self, key: &MarkedScalarNode, node: &Node) -> Option<EventAst> {
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

    pub(super) fn version(
        &mut self,
        event: &str,
        key: &MarkedScalarNode,
        node: &Node,
    ) -> Option<VersionAst> {
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
    pub(super) fn waivers(&mut self, mapping: &MarkedMappingNode, context: &str) -> Vec<WaiverAst> {
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

    pub(super) fn fields(&mut self, node: &Node, context: &str) -> Option<Spanned<Vec<FieldAst>>> {
        let mapping = self.expect_mapping(node, &format!("`fields` of {context}"))?;
        let fields = mapping
            .iter()
            .filter_map(|(key, value)| self.field(key, value))
            .collect();
        Some(Spanned::new(fields, self.span_of(mapping.span())))
    }

    pub(super) fn field(&mut self, key: &MarkedScalarNode, node: &Node) -> Option<FieldAst> {
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

    pub(super) fn default(&mut self, node: &Node) -> DefaultAst {
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

    pub(super) fn migrate(&mut self, node: &Node, context: &str) -> Option<MigrateAst> {
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
