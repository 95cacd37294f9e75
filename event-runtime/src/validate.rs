//! Constraint checks: [`Validator`] writes them, for the `validate` function of a hand-written
//! event (`#[event(validate = path)]`) as for generated ones; they fail with a
//! [`ValidationError`](crate::ValidationError).
//!
//! Messages say what the constraint is and what was found. For a field marked
//! `sensitive` the found value is never part of the message.

use std::borrow::Cow;
use std::fmt;

/// One broken constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Path of the field: `rating`, `address.city`, `items[2]`.
    pub field: String,
    /// What is wrong, e.g. `must be at most 5, found 7`.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` {}", self.field, self.message)
    }
}

/// Every broken constraint of one value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ValidationError {
    violations: Vec<Violation>,
}

impl ValidationError {
    /// The violations, in field order.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// An error with a single violation.
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            violations: vec![Violation {
                field: field.into(),
                message: message.into(),
            }],
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, violation) in self.violations.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{violation}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationError {}

/// Collects violations; see [`Validator::field`].
#[derive(Debug, Default)]
pub struct Validator {
    violations: Vec<Violation>,
}

impl Validator {
    /// An empty validator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts the checks of one field. The name is copied only when a check fails.
    pub fn field<'v>(&'v mut self, name: impl Into<Cow<'v, str>>) -> FieldCheck<'v> {
        FieldCheck {
            validator: self,
            name: name.into(),
            sensitive: false,
        }
    }

    /// Adds the violations of a nested value under `prefix` (`address` -> `address.city`).
    pub fn nested(&mut self, prefix: &str, result: Result<(), ValidationError>) {
        if let Err(error) = result {
            for violation in error.violations {
                self.violations.push(Violation {
                    field: format!("{prefix}.{}", violation.field),
                    message: violation.message,
                });
            }
        }
    }

    /// `Ok` when nothing was found, else every violation.
    pub fn finish(self) -> Result<(), ValidationError> {
        if self.violations.is_empty() {
            Ok(())
        } else {
            Err(ValidationError {
                violations: self.violations,
            })
        }
    }
}

/// The checks of one field; created by [`Validator::field`].
#[derive(Debug)]
pub struct FieldCheck<'v> {
    validator: &'v mut Validator,
    name: Cow<'v, str>,
    sensitive: bool,
}

impl FieldCheck<'_> {
    /// Keeps values of this field out of messages.
    #[must_use]
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    fn fail(&mut self, constraint: String, found: impl fmt::Display) {
        let message = if self.sensitive {
            constraint
        } else {
            format!("{constraint}, found {found}")
        };
        self.validator.violations.push(Violation {
            field: self.name.clone().into_owned(),
            message,
        });
    }

    /// Checks `min <= value <= max` for numbers.
    pub fn range<T>(mut self, value: T, min: Option<T>, max: Option<T>) -> Self
    where
        T: PartialOrd + fmt::Display + Copy,
    {
        if let Some(min) = min.filter(|min| value < *min) {
            self.fail(format!("must be at least {min}"), value);
        }
        if let Some(max) = max.filter(|max| value > *max) {
            self.fail(format!("must be at most {max}"), value);
        }
        self
    }

    /// Checks that a float is a finite number (JSON has no NaN or infinity).
    pub fn finite(mut self, value: f64) -> Self {
        if !value.is_finite() {
            self.fail("must be a finite number".to_owned(), value);
        }
        self
    }

    /// Checks the length of a string in characters.
    pub fn length(mut self, value: &str, min: Option<usize>, max: Option<usize>) -> Self {
        if min.is_none() && max.is_none() {
            return self;
        }
        let length = value.chars().count();
        if let Some(min) = min.filter(|min| length < *min) {
            self.fail(format!("must be at least {min} characters long"), length);
        }
        if let Some(max) = max.filter(|max| length > *max) {
            self.fail(format!("must be at most {max} characters long"), length);
        }
        self
    }

    /// Checks that a string matches a pattern (the whole string, unless the pattern says
    /// otherwise with anchors; generated patterns are anchored).
    pub fn pattern(mut self, value: &str, pattern: &regex_lite::Regex) -> Self {
        if !pattern.is_match(value) {
            let found = format!("{value:?}");
            self.fail(
                format!("must match the pattern `{}`", pattern.as_str()),
                found,
            );
        }
        self
    }

    /// Checks that a value the schema requires is present (`present == true`).
    pub fn required(self, present: bool, why: &str) -> Self {
        if !present {
            self.validator.violations.push(Violation {
                field: self.name.clone().into_owned(),
                message: format!("is required: {why}"),
            });
        }
        self
    }

    /// Checks that a string, list or map is not empty.
    pub fn non_empty(mut self, len: usize) -> Self {
        if len == 0 {
            self.fail("must not be empty".to_owned(), "none");
        }
        self
    }

    /// Checks the number of items of a list or map.
    pub fn items(mut self, len: usize, min: Option<usize>, max: Option<usize>) -> Self {
        if let Some(min) = min.filter(|min| len < *min) {
            self.fail(format!("must have at least {min} items"), len);
        }
        if let Some(max) = max.filter(|max| len > *max) {
            self.fail(format!("must have at most {max} items"), len);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(build: impl FnOnce(&mut Validator), expected: &[&str]) {
        let mut validator = Validator::new();
        build(&mut validator);
        let found: Vec<String> = match validator.finish() {
            Ok(()) => Vec::new(),
            Err(error) => error.violations().iter().map(ToString::to_string).collect(),
        };
        assert_eq!(found, expected);
    }

    #[test]
    fn each_check_reports_what_and_found() {
        check(
            |v| drop(v.field("rating").range(7, Some(1), Some(5))),
            &["`rating` must be at most 5, found 7"],
        );
        check(|v| drop(v.field("rating").range(3, Some(1), Some(5))), &[]);
        check(
            |v| drop(v.field("x").finite(f64::NAN)),
            &["`x` must be a finite number, found NaN"],
        );
        check(
            |v| drop(v.field("name").length("ab", Some(3), None)),
            &["`name` must be at least 3 characters long, found 2"],
        );
        check(|v| drop(v.field("name").length("ääää", None, Some(4))), &[]);
        let pattern = regex_lite::Regex::new(r"^\d{6}-\d{3}$").expect("pattern");
        check(
            |v| drop(v.field("number").pattern("x-1", &pattern)),
            &[r#"`number` must match the pattern `^\d{6}-\d{3}$`, found "x-1""#],
        );
        check(
            |v| drop(v.field("tags").non_empty(0)),
            &["`tags` must not be empty, found none"],
        );
        check(
            |v| drop(v.field("tags").items(4, None, Some(3))),
            &["`tags` must have at most 3 items, found 4"],
        );
    }

    #[test]
    fn sensitive_fields_never_show_their_values() {
        let pattern = regex_lite::Regex::new(r"^\+\d+$").expect("pattern");
        check(
            |v| drop(v.field("phone").sensitive().pattern("555-SECRET", &pattern)),
            &[r"`phone` must match the pattern `^\+\d+$`"],
        );
    }

    #[test]
    fn nested_violations_are_prefixed_and_all_are_kept() {
        check(
            |v| {
                v.field("a").range(0, Some(1), None);
                v.nested(
                    "address",
                    Err(ValidationError::single("city", "must not be empty")),
                );
            },
            &[
                "`a` must be at least 1, found 0",
                "`address.city` must not be empty",
            ],
        );
    }
}
