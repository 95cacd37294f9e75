//! Fields: their types, defaults and constraints.

use std::collections::BTreeMap;

use event_names::{did_you_mean, is_snake_case, to_snake_case};

use crate::ast::{DefaultAst, FieldAst, Spanned};
use crate::diagnostic::Diagnostic;
use crate::ir::{
    Constraint, Constraints, DefaultValue, Field, FieldType, NamedKind, SCALARS, Span, TypeError,
};
use crate::validate::names::check_field_name;

/// The named types known to the catalogue: name -> (kind, enum values).
pub type TypeTable = BTreeMap<String, (NamedKind, Vec<String>)>;

/// Parses a type expression (`list<map<string,int64>>`) against the catalogue's named types;
/// on failure, the message and a hint.
pub fn parse_type(text: &str, types: &TypeTable) -> Result<FieldType, (String, Option<String>)> {
    FieldType::parse(text, |name| types.get(name).map(|(kind, _)| *kind))
        .map_err(|error| type_error(error, types))
}

fn type_error(error: TypeError, types: &TypeTable) -> (String, Option<String>) {
    let hint = match &error {
        TypeError::TooDeep { .. } => {
            "name the inner part as a record under `types:`, or use `json` for free-form data"
                .to_owned()
        }
        TypeError::MapArity { .. } => "write `map<string,T>`, e.g. `map<string,int64>`".to_owned(),
        TypeError::MapKey { .. } => {
            "JSON object keys are strings: write `map<string,T>`".to_owned()
        }
        TypeError::Unknown { name } => match name.as_str() {
            "int" | "integer" | "long" => {
                return (
                    "unknown type `int`: say how wide it is".to_owned(),
                    Some("use `int64` (or `int32`)".to_owned()),
                );
            }
            "float" | "double" => "use `float64`".to_owned(),
            "str" => "use `string`".to_owned(),
            _ => {
                let known = SCALARS
                    .iter()
                    .copied()
                    .chain(["list", "map"])
                    .chain(types.keys().map(String::as_str));
                match did_you_mean(name, known) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => format!(
                        "use a built-in type ({}, list<T>, map<string,T>) or a name defined under `types:`",
                        SCALARS.join(", ")
                    ),
                }
            }
        },
    };
    (error.to_string(), Some(hint))
}

/// Builds a [`Field`] from its syntax; `None` if it is too broken to use. Problems go to
/// `diagnostics`. `migration_keys_allowed` is false for records and first versions.
pub fn field(
    ast: &FieldAst,
    types: &TypeTable,
    context: &str,
    migration_keys_allowed: bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Field> {
    check_field_name(&ast.name, diagnostics);
    if !migration_keys_allowed {
        for (key, span) in [
            (
                "renamed_from",
                ast.renamed_from.as_ref().map(|value| value.span),
            ),
            ("migrate", ast.migrate.as_ref().map(|value| value.span)),
        ] {
            if let Some(span) = span {
                diagnostics.push(
                    Diagnostic::error(span, format!("`{key}` has no meaning in {context}"))
                        .with_label("nothing to migrate from")
                        .with_hint("migrations describe how a version is built from the one before it; only v2 and later have one"),
                );
            }
        }
    }
    let description = match &ast.description {
        Some(text) if !text.value.is_empty() => text.value.clone(),
        Some(text) => {
            diagnostics.push(missing_description(
                text.span,
                &format!("field `{}`", ast.name.value),
            ));
            String::new()
        }
        None => {
            diagnostics.push(missing_description(
                ast.name.span,
                &format!("field `{}`", ast.name.value),
            ));
            String::new()
        }
    };
    let Some(type_text) = &ast.ty else {
        diagnostics.push(
            Diagnostic::error(
                ast.name.span,
                format!("field `{}` has no `type`", ast.name.value),
            )
            .with_label("type missing")
            .with_hint("add `type: string` (or int64, bool, list<string>, ...)"),
        );
        return None;
    };
    let ty = match parse_type(&type_text.value, types) {
        Ok(ty) => ty,
        Err((message, hint)) => {
            let mut diagnostic =
                Diagnostic::error(type_text.span, message).with_label("unknown type");
            if let Some(hint) = hint {
                diagnostic = diagnostic.with_hint(hint);
            }
            diagnostics.push(diagnostic);
            return None;
        }
    };
    let optional = ast.optional.as_ref().is_some_and(|value| value.value);
    let default = ast.default.as_ref().and_then(|default| {
        if optional {
            diagnostics.push(
                Diagnostic::error(default.span(), format!("field `{}` is optional and has a default", ast.name.value))
                    .with_label("default of an optional field")
                    .with_hint("a field with a default is always present after decoding: remove `optional: true` or the default"),
            );
        }
        default_value(default, &ty, types, diagnostics)
    });
    let constraints = constraints(ast, &ty, diagnostics);
    if let (Some(default), Some(DefaultValue::Int(number))) = (&ast.default, &default) {
        check_default_in_range(*number as f64, default.span(), &constraints, diagnostics);
    }
    if let (Some(default), Some(DefaultValue::Float(number))) = (&ast.default, &default) {
        check_default_in_range(*number, default.span(), &constraints, diagnostics);
    }
    Some(Field {
        name: ast.name.value.clone(),
        ty,
        description,
        optional,
        default,
        sensitive: ast.sensitive.as_ref().is_some_and(|value| value.value),
        constraints,
        renamed_from: ast.renamed_from.as_ref().map(|value| value.value.clone()),
        span: ast.name.span,
    })
}

/// The "needs a description" error.
pub fn missing_description(span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(span, format!("{what} has no description"))
        .with_label("description missing")
        .with_hint("add `description: ...` saying what it means; it becomes the Rust doc comment and the catalogue documentation")
}

fn check_default_in_range(
    value: f64,
    span: Span,
    constraints: &Constraints,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let below = constraints.min.is_some_and(|min| value < min);
    let above = constraints.max.is_some_and(|max| value > max);
    if below || above {
        diagnostics.push(
            Diagnostic::error(span, "the default breaks the field's own `min`/`max`")
                .with_label("out of range")
                .with_hint("change the default or the range"),
        );
    }
}

fn default_value(
    default: &DefaultAst,
    ty: &FieldType,
    types: &TypeTable,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<DefaultValue> {
    let result = match (default, ty) {
        (DefaultAst::List(items), FieldType::List(item_type)) => {
            let mut values = Vec::new();
            for item in &items.value {
                match scalar_default(&item.value, item_type, types) {
                    Ok(value) => values.push(value),
                    Err(why) => {
                        diagnostics.push(bad_default(item.span, item_type, &why));
                    }
                }
            }
            return Some(DefaultValue::List(values));
        }
        (DefaultAst::Map(entries), FieldType::Map(_) | FieldType::Json) => {
            if entries.value == 0 {
                Ok(DefaultValue::EmptyMap)
            } else {
                Err("only an empty map `{}` can be a default".to_owned())
            }
        }
        (DefaultAst::Scalar(text), _) => scalar_default(&text.value, ty, types),
        (DefaultAst::List(_), _) => Err("a list is not a value of this type".to_owned()),
        (DefaultAst::Map(_), _) => Err("a mapping is not a value of this type".to_owned()),
    };
    match result {
        Ok(value) => Some(value),
        Err(why) => {
            diagnostics.push(bad_default(default.span(), ty, &why));
            None
        }
    }
}

fn bad_default(span: Span, ty: &FieldType, why: &str) -> Diagnostic {
    Diagnostic::error(
        span,
        format!("default is not a valid `{}`", ty.schema_name()),
    )
    .with_label(why.to_owned())
    .with_hint(default_hint(ty))
}

fn default_hint(ty: &FieldType) -> String {
    match ty {
        FieldType::String => "write any text".into(),
        FieldType::Bool => "write `true` or `false`".into(),
        FieldType::Int32 | FieldType::Int64 => "write a whole number, e.g. `0`".into(),
        FieldType::Float64 => "write a number, e.g. `0.5`".into(),
        FieldType::Uuid => "write a UUID, e.g. `00000000-0000-0000-0000-000000000000`".into(),
        FieldType::DateTime => "write an RFC 3339 time in UTC, e.g. `2025-01-01T00:00:00Z`".into(),
        FieldType::Date => "write a date, e.g. `2025-01-01`".into(),
        FieldType::Decimal => "write a decimal, e.g. `0.00`".into(),
        FieldType::Json | FieldType::Map(_) => "only `{}` can be a default".into(),
        FieldType::List(_) => "write `[]` or a list of plain values".into(),
        FieldType::Enum(name) => format!("write one of the values of `{name}`"),
        FieldType::Record(_) => "records cannot have defaults; make the field optional".into(),
    }
}

/// Checks a scalar default against a type.
pub fn scalar_default(
    text: &str,
    ty: &FieldType,
    types: &TypeTable,
) -> Result<DefaultValue, String> {
    match ty {
        FieldType::String => Ok(DefaultValue::String(text.to_owned())),
        FieldType::Bool => match text {
            "true" => Ok(DefaultValue::Bool(true)),
            "false" => Ok(DefaultValue::Bool(false)),
            _ => Err(format!("`{text}` is not `true` or `false`")),
        },
        FieldType::Int32 => text
            .parse::<i32>()
            .map(|value| DefaultValue::Int(i64::from(value)))
            .map_err(|_| format!("`{text}` is not a whole number that fits in 32 bits")),
        FieldType::Int64 => text
            .parse::<i64>()
            .map(DefaultValue::Int)
            .map_err(|_| format!("`{text}` is not a whole number that fits in 64 bits")),
        FieldType::Float64 => match text.parse::<f64>() {
            Ok(value) if value.is_finite() => Ok(DefaultValue::Float(value)),
            _ => Err(format!("`{text}` is not a finite number")),
        },
        FieldType::Uuid => {
            if is_uuid(text) {
                Ok(DefaultValue::String(text.to_owned()))
            } else {
                Err(format!("`{text}` is not a UUID"))
            }
        }
        FieldType::DateTime => {
            if is_rfc3339(text) {
                Ok(DefaultValue::String(text.to_owned()))
            } else {
                Err(format!("`{text}` is not an RFC 3339 UTC time"))
            }
        }
        FieldType::Date => {
            if is_date(text) {
                Ok(DefaultValue::String(text.to_owned()))
            } else {
                Err(format!("`{text}` is not a YYYY-MM-DD date"))
            }
        }
        FieldType::Decimal => {
            let digits = text.strip_prefix('-').unwrap_or(text);
            let mut parts = digits.splitn(2, '.');
            let whole_ok = parts
                .next()
                .is_some_and(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()));
            let fraction_ok = parts
                .next()
                .is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
            if whole_ok && fraction_ok {
                Ok(DefaultValue::String(text.to_owned()))
            } else {
                Err(format!("`{text}` is not a decimal number"))
            }
        }
        FieldType::Enum(name) => {
            let values = types
                .get(name)
                .map(|(_, values)| values.as_slice())
                .unwrap_or_default();
            if values.iter().any(|value| value == text) {
                Ok(DefaultValue::Enum(text.to_owned()))
            } else {
                Err(format!(
                    "`{text}` is not a value of `{name}` ({})",
                    values.join(", ")
                ))
            }
        }
        FieldType::Json | FieldType::Map(_) => {
            Err("only an empty map `{}` can be a default".to_owned())
        }
        FieldType::List(_) => Err("write a list: `[]`".to_owned()),
        FieldType::Record(_) => Err("records cannot have defaults".to_owned()),
    }
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn is_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
        return false;
    }
    let numbers: Vec<u32> = parts.iter().filter_map(|part| part.parse().ok()).collect();
    numbers.len() == 3
        && (1..=12).contains(&numbers[1])
        && (1..=days_in_month(numbers[0], numbers[1])).contains(&numbers[2])
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn is_rfc3339(text: &str) -> bool {
    // YYYY-MM-DDTHH:MM:SS[.fraction]Z; defaults are written in UTC.
    let Some((date, time)) = text.split_once('T') else {
        return false;
    };
    let Some(time) = time.strip_suffix('Z') else {
        return false;
    };
    let (clock, fraction) = time.split_once('.').unwrap_or((time, "0"));
    let clock: Vec<&str> = clock.split(':').collect();
    is_date(date)
        && clock.len() == 3
        && clock.iter().zip([23, 59, 60]).all(|(part, max)| {
            part.len() == 2 && part.parse::<u32>().is_ok_and(|value| value <= max)
        })
        && !fraction.is_empty()
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

fn constraints(ast: &FieldAst, ty: &FieldType, diagnostics: &mut Vec<Diagnostic>) -> Constraints {
    let mut constraints = Constraints::default();
    let field = Constrained {
        name: &ast.name.value,
        ty,
    };
    for (kind, value) in [
        (Constraint::Min(0.0), &ast.min),
        (Constraint::Max(0.0), &ast.max),
    ] {
        let Some(value) = field.applicable(value, kind, diagnostics) else {
            continue;
        };
        let parsed = match ty {
            FieldType::Int32 => value.value.parse::<i32>().ok().map(f64::from),
            FieldType::Int64 => value.value.parse::<i64>().ok().map(|n| n as f64),
            _ => value.value.parse::<f64>().ok().filter(|n| n.is_finite()),
        };
        match (parsed, kind) {
            (Some(number), Constraint::Min(_)) => constraints.min = Some(number),
            (Some(number), _) => constraints.max = Some(number),
            (None, _) => diagnostics.push(
                Diagnostic::error(
                    value.span,
                    format!("`{}` must be a `{}` number", kind.key(), ty.schema_name()),
                )
                .with_label(format!("found `{}`", value.value)),
            ),
        }
    }
    if let (Some(low), Some(high), Some(max)) = (constraints.min, constraints.max, &ast.max) {
        if low > high {
            diagnostics.push(
                Diagnostic::error(max.span, "`max` is smaller than `min`")
                    .with_label("no value can satisfy both")
                    .with_hint("swap them or fix one"),
            );
        }
    }
    constraints.min_length = field
        .applicable(&ast.min_length, Constraint::MinLength(0), diagnostics)
        .map(|v| v.value);
    constraints.max_length = field
        .applicable(&ast.max_length, Constraint::MaxLength(0), diagnostics)
        .map(|v| v.value);
    if let (Some(low), Some(high), Some(max)) = (
        constraints.min_length,
        constraints.max_length,
        &ast.max_length,
    ) {
        if low > high {
            diagnostics.push(
                Diagnostic::error(max.span, "`max_length` is smaller than `min_length`")
                    .with_label("no value can satisfy both"),
            );
        }
    }
    let pattern = field.applicable(&ast.pattern, Constraint::Pattern(""), diagnostics);
    if let Some(pattern) = pattern {
        match regex_lite::Regex::new(&format!("^(?:{})$", pattern.value)) {
            Ok(_) => constraints.pattern = Some(pattern.value.clone()),
            Err(error) => diagnostics.push(
                Diagnostic::error(pattern.span, "`pattern` is not a valid regular expression")
                    .with_label(error.to_string().lines().last().unwrap_or("invalid").to_owned())
                    .with_hint("patterns use regex-lite syntax (like the `regex` crate, without Unicode classes)"),
            ),
        }
    }
    constraints.non_empty = field
        .applicable(&ast.non_empty, Constraint::NonEmpty, diagnostics)
        .is_some_and(|v| v.value);
    constraints.max_items = field
        .applicable(&ast.max_items, Constraint::MaxItems(0), diagnostics)
        .map(|v| v.value);
    constraints
}

/// A field whose constraints are read.
struct Constrained<'a> {
    name: &'a str,
    ty: &'a FieldType,
}

impl Constrained<'_> {
    /// The value of a constraint, when one of its kind applies to the field; reported where
    /// it does not.
    fn applicable<'v, T>(
        &self,
        value: &'v Option<Spanned<T>>,
        kind: Constraint<'_>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<&'v Spanned<T>> {
        let value = value.as_ref()?;
        if kind.applies_to(self.ty) {
            return Some(value);
        }
        let key = kind.key();
        let type_name = self.ty.schema_name();
        diagnostics.push(
            Diagnostic::error(
                value.span,
                format!(
                    "`{key}` does not apply to `{type_name}` field `{}`",
                    self.name
                ),
            )
            .with_label(format!("`{key}` on a `{type_name}`"))
            .with_hint(format!(
                "`{key}` applies to {}; remove it or change the type",
                kind.applies_to_fields()
            )),
        );
        None
    }
}

/// Checks an enum value name.
pub fn check_enum_value(value: &Spanned<String>, diagnostics: &mut Vec<Diagnostic>) -> bool {
    if is_snake_case(&value.value) {
        return true;
    }
    diagnostics.push(
        Diagnostic::error(
            value.span,
            format!("enum value `{}` is not lowercase snake_case", value.value),
        )
        .with_label("not snake_case")
        .with_hint(format!("write `{}`", to_snake_case(&value.value))),
    );
    false
}
