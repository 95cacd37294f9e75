//! Migrations: how each field of version N is built from version N-1.

use std::collections::BTreeMap;

use event_names::did_you_mean;

use crate::ast::{FieldAst, MigrateAst, Spanned, ValueMapping, VersionAst};
use crate::diagnostic::Diagnostic;
use crate::ir::{
    Conversion, Field, FieldMigration, FieldSource, FieldType, Migration, NamedType, Span,
    TemplatePart, VersionDef, parse_template,
};

/// Resolves the migration into `fields` (version `what`) from `previous`. `None` after errors.
pub fn migration(
    what: &str,
    previous: &VersionDef,
    fields: &[Field],
    field_asts: &Spanned<Vec<FieldAst>>,
    ast: &VersionAst,
    named: &BTreeMap<String, NamedType>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Migration> {
    if let Some(path) = &ast.migrate_with {
        if syn::parse_str::<syn::Path>(&path.value).is_err() {
            diagnostics.push(
                Diagnostic::error(path.span, format!("`{}` is not a Rust path", path.value))
                    .with_label("not a path")
                    .with_hint("name a function, e.g. `crate::migrations::user_created_v1_to_v2`"),
            );
            return None;
        }
        for field in &field_asts.value {
            if let Some(migrate) = &field.migrate {
                diagnostics.push(
                    Diagnostic::error(
                        migrate.span,
                        "field `migrate` has no effect with `migrate_with`",
                    )
                    .with_label("ignored")
                    .with_related(path.span, "the whole version is built by this function")
                    .with_hint(
                        "remove one: either the function builds the version, or the fields say how",
                    ),
                );
            }
        }
        return Some(Migration::Function {
            path: path.value.clone(),
            span: path.span,
        });
    }
    let resolver = Resolver {
        what,
        previous,
        named,
    };
    let before = diagnostics.len();
    let mut migrations = Vec::new();
    for (field, field_ast) in fields.iter().zip(&field_asts.value) {
        if let Some(source) = resolver.source(field, field_ast, diagnostics) {
            migrations.push(FieldMigration {
                field: field.name.clone(),
                source,
            });
        }
    }
    (diagnostics.len() == before).then_some(Migration::Fields(migrations))
}

struct Resolver<'a> {
    what: &'a str,
    previous: &'a VersionDef,
    named: &'a BTreeMap<String, NamedType>,
}

impl Resolver<'_> {
    fn previous_field(
        &self,
        name: &Spanned<String>,
        role: &str,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<&Field> {
        let found = self
            .previous
            .fields
            .iter()
            .find(|field| field.name == name.value);
        if found.is_none() {
            let known = self.previous.fields.iter().map(|field| field.name.as_str());
            let hint = match did_you_mean(&name.value, known) {
                Some(near) => format!("did you mean `{near}`?"),
                None => format!(
                    "v{} has: {}",
                    self.previous.number,
                    self.previous
                        .fields
                        .iter()
                        .map(|f| f.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            diagnostics.push(
                Diagnostic::error(
                    name.span,
                    format!(
                        "{role} names `{}`, which is not a field of v{}",
                        name.value, self.previous.number
                    ),
                )
                .with_label("unknown field")
                .with_hint(hint),
            );
        }
        found
    }

    fn source(
        &self,
        field: &Field,
        ast: &FieldAst,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<FieldSource> {
        if let Some(migrate) = &ast.migrate {
            return self.explicit(field, ast, migrate, diagnostics);
        }
        if let Some(old) = &ast.renamed_from {
            let from = self.previous_field(old, "`renamed_from`", diagnostics)?;
            return self.field_source(from, field, old.span, None, diagnostics);
        }
        if let Some(from) = self
            .previous
            .fields
            .iter()
            .find(|old| old.name == field.name)
        {
            return self.field_source(from, field, field.span, None, diagnostics);
        }
        if let Some(default) = &field.default {
            return Some(FieldSource::Default(default.clone()));
        }
        if field.optional {
            return Some(FieldSource::Absent);
        }
        diagnostics.push(
            Diagnostic::error(
                field.span,
                format!("new required field `{}` has no default and no migration", field.name),
            )
            .with_code(crate::rules::MIGRATION_INCOMPLETE)
            .with_label(format!("not in v{}", self.previous.number))
            .with_hint(format!(
                "data written as v{} has no `{}`: add a `default:`, make it `optional: true`, or say how to compute it with `migrate:` (template, copy, with) or `renamed_from:`",
                self.previous.number, field.name
            )),
        );
        None
    }

    fn explicit(
        &self,
        field: &Field,
        ast: &FieldAst,
        migrate: &MigrateAst,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<FieldSource> {
        let forms: Vec<&str> = [
            ("template", migrate.template.is_some()),
            ("copy", migrate.copy.is_some()),
            ("map", migrate.map.is_some()),
            ("with", migrate.with.is_some()),
        ]
        .iter()
        .filter(|(_, present)| *present)
        .map(|(name, _)| *name)
        .collect();
        if forms.len() != 1 {
            let message = if forms.is_empty() {
                "`migrate` says nothing".to_owned()
            } else {
                format!("`migrate` has several forms: {}", forms.join(", "))
            };
            diagnostics.push(
                Diagnostic::error(migrate.span, message)
                    .with_label("one form expected")
                    .with_hint(
                        "write exactly one of `template:`, `copy:`, `from:`+`map:` or `with:`",
                    ),
            );
            return None;
        }
        if migrate.from.is_some() && migrate.map.is_none() {
            let span = migrate.from.as_ref().map_or(migrate.span, |from| from.span);
            diagnostics.push(
                Diagnostic::error(span, "`from` belongs with `map`")
                    .with_label("no `map`")
                    .with_hint("to take the value of another field, write `copy: old_name`"),
            );
            return None;
        }
        if let Some(template) = &migrate.template {
            return self.template(field, template, diagnostics);
        }
        if let Some(copy) = &migrate.copy {
            let from = self.previous_field(copy, "`copy`", diagnostics)?;
            return self.field_source(from, field, copy.span, None, diagnostics);
        }
        if let Some(path) = &migrate.with {
            if syn::parse_str::<syn::Path>(&path.value).is_err() {
                diagnostics.push(
                    Diagnostic::error(path.span, format!("`{}` is not a Rust path", path.value))
                        .with_label("not a path")
                        .with_hint("name a function, e.g. `crate::migrations::priority_score`"),
                );
                return None;
            }
            return Some(FieldSource::Function(path.value.clone()));
        }
        let map = migrate.map.as_ref()?;
        let from_name = migrate
            .from
            .clone()
            .or_else(|| ast.renamed_from.clone())
            .unwrap_or_else(|| ast.name.clone());
        let from = self.previous_field(&from_name, "`from`", diagnostics)?;
        self.field_source(from, field, from_name.span, Some(map), diagnostics)
    }

    fn template(
        &self,
        field: &Field,
        template: &Spanned<String>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<FieldSource> {
        if field.ty != FieldType::String {
            diagnostics.push(
                Diagnostic::error(
                    template.span,
                    format!(
                        "a template makes text, but `{}` is `{}`",
                        field.name,
                        field.ty.schema_name()
                    ),
                )
                .with_label("template for a non-string field")
                .with_hint(
                    "templates only build `string` fields; use `with:` for other computations",
                ),
            );
            return None;
        }
        let parts = match parse_template(&template.value) {
            Ok(parts) => parts,
            Err(problem) => {
                diagnostics.push(
                    Diagnostic::error(template.span, format!("bad template: {problem}"))
                        .with_label("here")
                        .with_hint("write field names in braces, `{first_name} {last_name}`; `{{` and `}}` are literal braces"),
                );
                return None;
            }
        };
        let mut resolved = Vec::new();
        let mut ok = true;
        for part in parts {
            match part {
                TemplatePart::Field { name, .. } => {
                    let spanned = Spanned::new(name.clone(), template.span);
                    match self.previous_field(&spanned, "the template", diagnostics) {
                        Some(old) if is_displayable(&old.ty) => {
                            resolved.push(TemplatePart::Field {
                                name,
                                optional: old.optional,
                            })
                        }
                        Some(old) => {
                            ok = false;
                            diagnostics.push(
                                Diagnostic::error(template.span, format!("`{name}` is `{}` and cannot be put in text", old.ty.schema_name()))
                                    .with_label("not a plain value")
                                    .with_hint("templates take strings, numbers, booleans, enums, uuids, dates and decimals"),
                            );
                        }
                        None => ok = false,
                    }
                }
                text => resolved.push(text),
            }
        }
        ok.then_some(FieldSource::Template(resolved))
    }

    /// A field of the previous version becomes `to`; checks the types and optionality.
    fn field_source(
        &self,
        from: &Field,
        to: &Field,
        span: Span,
        map: Option<&Spanned<Vec<ValueMapping>>>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<FieldSource> {
        let conversion = match map {
            Some(map) => self.enum_map(from, to, map, diagnostics)?,
            None => self.conversion(from, to, span, diagnostics)?,
        };
        if from.optional && !to.optional && to.default.is_none() {
            diagnostics.push(
                Diagnostic::error(
                    to.span,
                    format!(
                        "`{}` was optional in v{} and is required in {} without a default",
                        from.name, self.previous.number, self.what
                    ),
                )
                .with_code(crate::rules::MIGRATION_INCOMPLETE)
                .with_label("absent values have nowhere to go")
                .with_hint(
                    "add a `default:` used when the old value was absent, or keep it optional",
                ),
            );
            return None;
        }
        Some(FieldSource::Field {
            from: from.name.clone(),
            conversion,
            from_optional: from.optional,
            to_optional: to.optional,
            default: if from.optional && !to.optional {
                to.default.clone()
            } else {
                None
            },
        })
    }

    fn conversion(
        &self,
        from: &Field,
        to: &Field,
        span: Span,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<Conversion> {
        if from.ty == to.ty {
            return Some(Conversion::Identity);
        }
        if from.ty.converts_to(&to.ty) {
            return Some(Conversion::Widen {
                from: from.ty.clone(),
                to: to.ty.clone(),
            });
        }
        if let (FieldType::Enum(_), FieldType::Enum(_)) = (&from.ty, &to.ty) {
            let empty = Spanned::new(Vec::new(), span);
            return self.enum_map(from, to, &empty, diagnostics);
        }
        diagnostics.push(
            Diagnostic::error(
                span,
                format!(
                    "`{}` changes type from `{}` (v{}) to `{}` with no conversion",
                    to.name,
                    from.ty.schema_name(),
                    self.previous.number,
                    to.ty.schema_name()
                ),
            )
            .with_code(crate::rules::MIGRATION_INCOMPLETE)
            .with_label("type changed")
            .with_hint("only widening is automatic (int32 -> int64, int32/int64 -> float64); write `migrate: { with: path::to::function }` or use a new field name"),
        );
        None
    }

    fn enum_map(
        &self,
        from: &Field,
        to: &Field,
        map: &Spanned<Vec<ValueMapping>>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<Conversion> {
        let (Some(NamedType::Enum(old)), Some(NamedType::Enum(new))) =
            (self.enum_of(&from.ty), self.enum_of(&to.ty))
        else {
            diagnostics.push(
                Diagnostic::error(
                    map.span,
                    format!(
                        "`map` converts enum values, but `{}` -> `{}` is not enum to enum",
                        from.ty.schema_name(),
                        to.ty.schema_name()
                    ),
                )
                .with_label("not enums")
                .with_hint("use `map` only between two enum fields"),
            );
            return None;
        };
        let mut ok = true;
        let mut pairs = Vec::new();
        for (key, value) in &map.value {
            if !old.values.iter().any(|v| v.wire == key.value) {
                ok = false;
                diagnostics.push(
                    Diagnostic::error(
                        key.span,
                        format!("`{}` is not a value of `{}`", key.value, old.name),
                    )
                    .with_label("unknown old value")
                    .with_hint(format!(
                        "`{}` has: {}",
                        old.name,
                        wire_list(&old.values)
                    )),
                );
            }
            if !new.values.iter().any(|v| v.wire == value.value) {
                ok = false;
                diagnostics.push(
                    Diagnostic::error(
                        value.span,
                        format!("`{}` is not a value of `{}`", value.value, new.name),
                    )
                    .with_label("unknown new value")
                    .with_hint(format!(
                        "`{}` has: {}",
                        new.name,
                        wire_list(&new.values)
                    )),
                );
            }
        }
        for value in &old.values {
            let target = map
                .value
                .iter()
                .find(|(key, _)| key.value == value.wire)
                .map(|(_, target)| target.value.as_str())
                .unwrap_or(value.wire.as_str());
            match new.values.iter().find(|v| v.wire == target) {
                Some(new_value) => pairs.push((value.variant.clone(), new_value.variant.clone())),
                None => {
                    ok = false;
                    diagnostics.push(
                        Diagnostic::error(
                            map.span,
                            format!(
                                "`{}` value `{}` has no counterpart in `{}`",
                                old.name, value.wire, new.name
                            ),
                        )
                        .with_code(crate::rules::MIGRATION_INCOMPLETE)
                        .with_label("unmapped value")
                        .with_hint(format!(
                            "add `{}: <value of {}>` to `map`",
                            value.wire, new.name
                        )),
                    );
                }
            }
        }
        if old.open && !new.open {
            ok = false;
            diagnostics.push(
                Diagnostic::error(map.span, format!("`{}` is open but `{}` is closed: unknown old values would have nowhere to go", old.name, new.name))
                    .with_label("open to closed")
                    .with_hint(format!("make `{}` open (`open: true`)", new.name)),
            );
        }
        ok.then(|| Conversion::EnumMap {
            from_enum: old.name.clone(),
            to_enum: new.name.clone(),
            pairs,
            unknown_to: None,
        })
    }

    fn enum_of(&self, ty: &FieldType) -> Option<&NamedType> {
        match ty {
            FieldType::Enum(name) => self.named.get(name),
            _ => None,
        }
    }
}

fn wire_list(values: &[crate::ir::EnumValue]) -> String {
    values
        .iter()
        .map(|v| v.wire.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn is_displayable(ty: &FieldType) -> bool {
    !matches!(
        ty,
        FieldType::List(_) | FieldType::Map(_) | FieldType::Json | FieldType::Record(_)
    )
}
