//! Default values: what is written under `default:`, checked against the field's type (text
//! formats of uuids, dates and times included) into a [`DefaultValue`].

use super::types::TypeTable;
use crate::ast::DefaultAst;
use crate::diagnostic::Diagnostic;
use crate::ir::{DefaultValue, FieldType};
use crate::source::Span;

pub(super) fn default_value(
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
