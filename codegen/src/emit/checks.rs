//! The bodies of generated `validate` methods: constraint checks written with the runtime's
//! `Validator`.
//!
//! Per field: `min`/`max` as `range` (literals typed like the field), `finite` for every
//! `float64`, `min_length`/`max_length` as `length`, `pattern` against a `static` regex compiled
//! once, `non_empty`, `max_items` as `items`. Optional fields are checked only when present.
//! Nested records report their violations under the field's path (`address.city`), items of
//! lists and maps under their index or key (`stops[2].lat`, `prices["eur"]`). Sensitive fields
//! are checked with `.sensitive()`, so their values never reach a message.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::Context;
use super::syntax::{self, field_name, float_lit, int_lit, regex_lit, screaming};
use crate::ir::{Constraints, Field, FieldType};

/// The statements of a `validate` body returning `Result<(), ValidationError>`, or `None`
/// when there is nothing to check.
pub(crate) fn validate_body(
    cx: &Context<'_>,
    fields: &[Field],
    requires_user_id: Option<&str>,
) -> Option<TokenStream> {
    let mut checks = Checks {
        cx,
        statics: Vec::new(),
        statements: Vec::new(),
    };
    if let Some(why) = requires_user_id {
        checks
            .statements
            .push(quote!(v.field("user_id").required(self.envelope.user_id.is_some(), #why);));
    }
    for field in fields {
        checks.field(field);
    }
    if checks.statements.is_empty() {
        return None;
    }
    let rt = cx.rt();
    let Checks {
        statics,
        statements,
        ..
    } = checks;
    Some(quote! {
        #(#statics)*
        let mut v = #rt::validate::Validator::new();
        #(#statements)*
        v.finish()
    })
}

struct Checks<'c, 'a> {
    cx: &'c Context<'a>,
    /// `static PATTERN: LazyLock<Regex>` items, first in the body.
    statics: Vec<TokenStream>,
    statements: Vec<TokenStream>,
}

/// How the checks reach a field's value.
struct Access {
    /// The value, for method calls: `self.name` (or the `name` binding of a present option).
    place: TokenStream,
    /// A reference to the value: `&self.name` or `name`.
    by_ref: TokenStream,
    /// The value, copied: `self.name` or `*name`.
    by_value: TokenStream,
}

impl Checks<'_, '_> {
    fn field(&mut self, field: &Field) {
        let ident = field_name(&field.name).ident;
        let access = if field.optional {
            Access {
                place: quote!(#ident),
                by_ref: quote!(#ident),
                by_value: quote!(*#ident),
            }
        } else {
            Access {
                place: quote!(self.#ident),
                by_ref: quote!(&self.#ident),
                by_value: quote!(self.#ident),
            }
        };
        let mut statements = Vec::new();
        let calls = self.constraint_calls(field, &access);
        if !calls.is_empty() {
            let wire = &field.name;
            let sensitive = field.sensitive.then(|| quote!(.sensitive()));
            statements.push(quote!(v.field(#wire) #sensitive #(.#calls)*;));
        }
        if let Some(deep) = nested_checks(
            &field.ty,
            &access.place,
            &field.name,
            0,
            field.sensitive,
            true,
        ) {
            statements.push(deep);
        }
        if statements.is_empty() {
            return;
        }
        if field.optional {
            self.statements.push(quote! {
                if let Some(#ident) = &self.#ident {
                    #(#statements)*
                }
            });
        } else {
            self.statements.extend(statements);
        }
    }

    /// The `FieldCheck` calls of a field's own constraints: `range(..)`, `length(..)`, ...
    fn constraint_calls(&mut self, field: &Field, access: &Access) -> Vec<TokenStream> {
        let c = &field.constraints;
        let Access {
            place,
            by_ref,
            by_value,
        } = access;
        let mut calls = Vec::new();
        match &field.ty {
            FieldType::Int32 | FieldType::Int64 if c.min.is_some() || c.max.is_some() => {
                let (min, max) = int_bounds(&field.ty, c);
                calls.push(quote!(range(#by_value, #min, #max)));
            }
            FieldType::Float64 => {
                calls.push(quote!(finite(#by_value)));
                if c.min.is_some() || c.max.is_some() {
                    let bound = |value: Option<f64>| match value {
                        Some(value) => {
                            let value = float_lit(value);
                            quote!(Some(#value))
                        }
                        None => quote!(None),
                    };
                    let (min, max) = (bound(c.min), bound(c.max));
                    calls.push(quote!(range(#by_value, #min, #max)));
                }
            }
            FieldType::String => {
                if c.min_length.is_some() || c.max_length.is_some() {
                    let (min, max) = (usize_bound(c.min_length), usize_bound(c.max_length));
                    calls.push(quote!(length(#by_ref, #min, #max)));
                }
                if let Some(pattern) = &c.pattern {
                    let name = syntax::ident_of(format!("{}_PATTERN", screaming(&field.name)));
                    self.statics.push(self.pattern_static(&name, pattern));
                    calls.push(quote!(pattern(#by_ref, &#name)));
                }
                if c.non_empty {
                    calls.push(quote!(non_empty(#place.len())));
                }
            }
            FieldType::List(_) | FieldType::Map(_) | FieldType::Json => {
                if c.non_empty {
                    calls.push(quote!(non_empty(#place.len())));
                }
                if let Some(max) = c.max_items {
                    let max = usize_bound(Some(max));
                    calls.push(quote!(items(#place.len(), None, #max)));
                }
            }
            _ => {}
        }
        calls
    }

    fn pattern_static(&self, name: &Ident, pattern: &str) -> TokenStream {
        let rt = self.cx.rt();
        let anchored = regex_lit(&format!("^(?:{pattern})$"));
        quote! {
            static #name: #rt::__private::LazyLock<#rt::__private::Regex> = #rt::__private::LazyLock::new(|| {
                #rt::__private::Regex::new(#anchored).expect("pattern checked at build time")
            });
        }
    }
}

/// Checks of what is inside a value: a record's own `validate`, and each item of a list or
/// map (records, floats). `place` is the value (or a reference to it); `path` is the
/// violation path, a `format!` template when it holds an index or key.
fn nested_checks(
    ty: &FieldType,
    place: &TokenStream,
    path: &str,
    depth: usize,
    sensitive: bool,
    top_level: bool,
) -> Option<TokenStream> {
    let suffix = if depth == 0 {
        String::new()
    } else {
        format!("_{depth}")
    };
    let item = syntax::ident_of(format!("item{suffix}"));
    match ty {
        // A top-level float is checked by its own `finite` call.
        FieldType::Float64 if !top_level => {
            let path = path_expr(path);
            let sensitive = sensitive.then(|| quote!(.sensitive()));
            Some(quote!(v.field(#path) #sensitive .finite(*#place);))
        }
        FieldType::Record(_) => {
            let path = if path.contains('{') {
                quote!(&format!(#path))
            } else {
                quote!(#path)
            };
            Some(quote!(v.nested(#path, #place.validate());))
        }
        FieldType::List(inner) => {
            let index = syntax::ident_of(format!("index{suffix}"));
            let inner_path = format!("{path}[{{{index}}}]");
            let body = nested_checks(
                inner,
                &quote!(#item),
                &inner_path,
                depth + 1,
                sensitive,
                false,
            )?;
            Some(quote! {
                for (#index, #item) in #place.iter().enumerate() {
                    #body
                }
            })
        }
        FieldType::Map(inner) if sensitive => {
            // Keys of a sensitive map stay out of messages too.
            let body = nested_checks(inner, &quote!(#item), path, depth + 1, sensitive, false)?;
            Some(quote! {
                for #item in #place.values() {
                    #body
                }
            })
        }
        FieldType::Map(inner) => {
            let key = syntax::ident_of(format!("key{suffix}"));
            let inner_path = format!("{path}[{{{key}:?}}]");
            let body = nested_checks(
                inner,
                &quote!(#item),
                &inner_path,
                depth + 1,
                sensitive,
                false,
            )?;
            Some(quote! {
                for (#key, #item) in #place.iter() {
                    #body
                }
            })
        }
        _ => None,
    }
}

/// A violation path: a literal, or `format!(..)` when it holds an index or key.
fn path_expr(path: &str) -> TokenStream {
    if path.contains('{') {
        quote!(format!(#path))
    } else {
        quote!(#path)
    }
}

fn usize_bound(value: Option<usize>) -> TokenStream {
    match value {
        Some(value) => {
            let value = proc_macro2::Literal::usize_unsuffixed(value);
            quote!(Some(#value))
        }
        None => quote!(None),
    }
}

/// `min`/`max` of an integer field as integer literals of its type. Bounds at or beyond the
/// type's own limits are no bound at all.
fn int_bounds(ty: &FieldType, c: &Constraints) -> (TokenStream, TokenStream) {
    let (lowest, highest) = match ty {
        FieldType::Int32 => (i128::from(i32::MIN), i128::from(i32::MAX)),
        _ => (i128::from(i64::MIN), i128::from(i64::MAX)),
    };
    let bound = |value: Option<f64>, round: fn(f64) -> f64| match value {
        // Saturating: a float too large for i128 is far outside both integer types.
        Some(value) if value.is_finite() => Some(round(value) as i128),
        _ => None,
    };
    let min = bound(c.min, f64::ceil);
    let max = bound(c.max, f64::floor);
    let literal = |value: Option<i128>| match value {
        Some(value) if value > highest || value < lowest => {
            let error = syntax::compile_error(&format!(
                "bound {value} is outside the range of `{}`",
                ty.schema_name()
            ));
            quote!(#error)
        }
        Some(value) => {
            let value = int_lit(value);
            quote!(Some(#value))
        }
        None => quote!(None),
    };
    let min = literal(min.filter(|min| *min > lowest));
    let max = literal(max.filter(|max| *max < highest));
    (min, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(ty: FieldType, min: Option<f64>, max: Option<f64>) -> (String, String) {
        let constraints = Constraints {
            min,
            max,
            ..Constraints::default()
        };
        let (min, max) = int_bounds(&ty, &constraints);
        (min.to_string(), max.to_string())
    }

    #[test]
    fn integer_bounds_are_literals_of_the_field_type() {
        let none = "None".to_owned();
        assert_eq!(
            bounds(FieldType::Int32, Some(1.0), Some(5.0)),
            ("Some (1)".to_owned(), "Some (5)".to_owned())
        );
        assert_eq!(
            bounds(FieldType::Int64, Some(-3.0), None),
            ("Some (- 3)".to_owned(), none.clone())
        );
        // Fractional bounds round inwards; bounds at the type's limits check nothing.
        assert_eq!(
            bounds(FieldType::Int32, Some(0.5), Some(9.5)),
            ("Some (1)".to_owned(), "Some (9)".to_owned())
        );
        assert_eq!(
            bounds(FieldType::Int32, Some(-3e9), Some(f64::from(i32::MAX))),
            (none.clone(), none)
        );
        let (_, max) = bounds(FieldType::Int32, None, Some(-3e9));
        assert!(max.contains("compile_error"), "{max}");
    }
}
