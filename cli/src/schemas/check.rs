//! Constraint checks, as the generated `validate()` methods make them, with the runtime's
//! `Validator` (so messages, order and redaction are the same).
//!
//! Per version: the envelope's `user_id` when the version requires it, then each field in
//! schema order (optional ones only when present): its own constraints on one `FieldCheck`
//! (`range` for integers, `finite` and `range` for floats, `length`, `pattern`, `non_empty` for
//! strings, `non_empty` and `items` for lists, maps and JSON objects), then what is inside it:
//! records' own checks under `field.` and items under `field[i]` / `field["key"]` (a
//! sensitive map's items under the field's own name, so keys stay out of messages).

use event_codegen::ir::{Constraints, Field, FieldType, NamedType};
use event_runtime::ValidationError;
use event_runtime::validate::{FieldCheck, Validator};

use super::Schemas;
use super::value::{Event, Value};

impl Schemas {
    /// Checks the constraints of the event's version, as its generated `validate()` does.
    pub fn validate(&self, event: &Event) -> Result<(), ValidationError> {
        let Some(version) = self
            .catalogue
            .events
            .get(&event.event_type)
            .and_then(|def| {
                def.versions
                    .iter()
                    .find(|version| version.number == event.version)
            })
        else {
            return Ok(());
        };
        let mut v = Validator::new();
        if let Some(why) = &version.requires_user_id {
            v.field("user_id")
                .required(event.envelope.user_id.is_some(), why);
        }
        self.check_fields(&mut v, &version.fields, &event.fields);
        v.finish()
    }

    /// The generated `validate()` of a record.
    fn validate_record(
        &self,
        name: &str,
        values: &[(String, Value)],
    ) -> Result<(), ValidationError> {
        let mut v = Validator::new();
        if let Some(NamedType::Record(record)) = self.catalogue.types.get(name) {
            self.check_fields(&mut v, &record.fields, values);
        }
        v.finish()
    }

    fn check_fields(&self, v: &mut Validator, fields: &[Field], values: &[(String, Value)]) {
        for field in fields {
            let Some(value) = values
                .iter()
                .find(|(name, _)| *name == field.name)
                .map(|(_, value)| value)
            else {
                continue;
            };
            if field.optional && *value == Value::Null {
                continue;
            }
            let mut check = v.field(field.name.as_str());
            if field.sensitive {
                check = check.sensitive();
            }
            self.constraints(check, &field.constraints, value);
            self.nested(v, &field.ty, value, &field.name, field.sensitive, true);
        }
    }

    /// A field's own constraints, in the order the generated calls make them.
    fn constraints(&self, check: FieldCheck<'_>, c: &Constraints, value: &Value) {
        match value {
            Value::Int32(number) => int_range(check, i128::from(*number), i32_limits(), c),
            Value::Int64(number) => int_range(check, i128::from(*number), i64_limits(), c),
            Value::Float64(number) => {
                let check = check.finite(*number);
                if c.min.is_some() || c.max.is_some() {
                    check.range(*number, c.min, c.max);
                }
            }
            Value::String(text) => {
                let mut check = check;
                if c.min_length.is_some() || c.max_length.is_some() {
                    check = check.length(text, c.min_length, c.max_length);
                }
                if let Some(pattern) = c.pattern.as_ref().and_then(|p| self.patterns.get(p)) {
                    check = check.pattern(text, pattern);
                }
                if c.non_empty {
                    check.non_empty(text.len());
                }
            }
            Value::List(items) => collection(check, items.len(), c),
            Value::Map(entries) => collection(check, entries.len(), c),
            Value::Json(object) => collection(check, object.len(), c),
            _ => {}
        }
    }

    /// Checks of what is inside a value of type `ty`: records' own checks, floats inside
    /// lists and maps.
    fn nested(
        &self,
        v: &mut Validator,
        ty: &FieldType,
        value: &Value,
        path: &str,
        sensitive: bool,
        top: bool,
    ) {
        match (ty, value) {
            (FieldType::Float64, Value::Float64(number)) if !top => {
                let mut check = v.field(path);
                if sensitive {
                    check = check.sensitive();
                }
                check.finite(*number);
            }
            (FieldType::Record(name), Value::Record(fields)) => {
                v.nested(path, self.validate_record(name, fields));
            }
            (FieldType::List(item_type), Value::List(items)) => {
                for (index, item) in items.iter().enumerate() {
                    let path = format!("{path}[{index}]");
                    self.nested(v, item_type, item, &path, sensitive, false);
                }
            }
            (FieldType::Map(item_type), Value::Map(entries)) if sensitive => {
                for item in entries.values() {
                    self.nested(v, item_type, item, path, sensitive, false);
                }
            }
            (FieldType::Map(item_type), Value::Map(entries)) => {
                for (key, item) in entries {
                    let path = format!("{path}[{key:?}]");
                    self.nested(v, item_type, item, &path, sensitive, false);
                }
            }
            _ => {}
        }
    }
}

/// `min`/`max` of an integer field as bounds of its type: fractional bounds round inwards,
/// bounds at or beyond the type's own limits are no bound (as the generated literals).
fn int_range(check: FieldCheck<'_>, value: i128, limits: (i128, i128), c: &Constraints) {
    if c.min.is_none() && c.max.is_none() {
        return;
    }
    let (lowest, highest) = limits;
    let bound = |value: Option<f64>, round: fn(f64) -> f64| match value {
        Some(value) if value.is_finite() => Some(round(value) as i128),
        _ => None,
    };
    let min = bound(c.min, f64::ceil).filter(|min| *min > lowest);
    let max = bound(c.max, f64::floor).filter(|max| *max < highest);
    check.range(value, min, max);
}

fn i32_limits() -> (i128, i128) {
    (i128::from(i32::MIN), i128::from(i32::MAX))
}

fn i64_limits() -> (i128, i128) {
    (i128::from(i64::MIN), i128::from(i64::MAX))
}

fn collection(check: FieldCheck<'_>, len: usize, c: &Constraints) {
    let mut check = check;
    if c.non_empty {
        check = check.non_empty(len);
    }
    if let Some(max) = c.max_items {
        check.items(len, None, Some(max));
    }
}
