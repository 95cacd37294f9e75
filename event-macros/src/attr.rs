//! Parsing: reads `#[event(...)]`, and the few `#[serde(...)]` keys that decide wire names,
//! into plain values that keep their spans.
//!
//! Only the syntax is judged here (unknown or duplicate keys, a value of the wrong kind);
//! whether the values make sense is `check`'s job. Parsing goes on after an
//! error so that every problem is reported in one compile.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, ExprPath, Lit, LitStr, Path, Token, token};

use crate::errors::Errors;

/// Keys of `#[event(...)]` on the struct.
const CONTAINER_KEYS: [&str; 6] = [
    "name",
    "version",
    "previous",
    "description",
    "validate",
    "compatibility",
];
/// Keys of `#[event(...)]` on a field.
const FIELD_KEYS: [&str; 2] = ["sensitive", "envelope"];

/// Words people reach for instead of a key; checked before spelling distance.
const SYNONYMS: [(&str, &str); 14] = [
    ("level", "compatibility"),
    ("compat", "compatibility"),
    ("type", "name"),
    ("event_type", "name"),
    ("doc", "description"),
    ("docs", "description"),
    ("from", "previous"),
    ("upgrade_from", "previous"),
    ("migrate_from", "previous"),
    ("check", "validate"),
    ("secret", "sensitive"),
    ("redact", "sensitive"),
    ("pii", "sensitive"),
    ("flatten", "envelope"),
];

/// The struct's `#[event(...)]` attributes (there may be several) and its `#[serde(...)]`
/// `rename_all`.
#[derive(Default)]
pub(crate) struct ContainerAttrs {
    /// `name = "domain.action"`.
    pub(crate) name: Option<LitStr>,
    /// `version = N`, checked by `check`.
    pub(crate) version: Option<Expr>,
    /// `previous = Type`.
    pub(crate) previous: Option<Path>,
    /// `description = "..."`.
    pub(crate) description: Option<LitStr>,
    /// `validate = path`.
    pub(crate) validate: Option<Path>,
    /// `compatibility = "FULL"`, checked by `check`.
    pub(crate) compatibility: Option<LitStr>,
    /// The tokens of the first `#[event(...)]` attribute: "missing key" errors point at it.
    pub(crate) first_attribute: Option<TokenStream>,
    /// Keys written, also those whose value was unusable (so they are not "missing" too).
    pub(crate) written: Vec<String>,
    /// Keys suggested for a misspelt one (`verison`): not "missing" either, the typo says it.
    pub(crate) suggested: Vec<&'static str>,
    /// `#[serde(rename_all = "...")]`, which changes the wire names of the fields.
    pub(crate) rename_all: Option<String>,
}

/// A field's `#[event(...)]` attributes and the `#[serde(...)]` keys that matter here.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    /// `#[event(sensitive)]`, with its span.
    pub(crate) sensitive: Option<Span>,
    /// `#[event(envelope)]`, with its span.
    pub(crate) envelope: Option<Span>,
    /// `#[serde(flatten)]`.
    pub(crate) flatten: bool,
    /// `#[serde(skip)]` or `#[serde(skip_deserializing)]`: not read from the wire.
    pub(crate) skip: bool,
    /// `#[serde(rename = "...")]` (or its `deserialize` name), with the literal's span.
    pub(crate) rename: Option<(String, Span)>,
}

/// Parses the attributes of the struct.
pub(crate) fn container(attributes: &[Attribute], errors: &mut Errors) -> ContainerAttrs {
    let mut attrs = ContainerAttrs::default();
    for attribute in attributes {
        if attribute.path().is_ident("serde") {
            if let Some(rule) = serde_container(attribute) {
                attrs.rename_all = Some(rule);
            }
            continue;
        }
        if !attribute.path().is_ident("event") {
            continue;
        }
        attrs
            .first_attribute
            .get_or_insert_with(|| attribute.to_token_stream());
        let result = attribute.parse_nested_meta(|meta| {
            let key = key_of(&meta.path);
            if attrs.written.contains(&key) {
                errors.at(meta.path.span(), format!("duplicate event attribute `{key}`"));
            }
            attrs.written.push(key.clone());
            match key.as_str() {
                "name" => {
                    let example = r#"name = "user.created""#;
                    if let Some(value) = value(&meta, &key, example, errors)? {
                        set(&mut attrs.name, string(value, &key, example, errors));
                    }
                }
                "description" => {
                    let example = r#"description = "A user signed up.""#;
                    if let Some(value) = value(&meta, &key, example, errors)? {
                        set(&mut attrs.description, string(value, &key, example, errors));
                    }
                }
                "version" => {
                    if let Some(value) = value(&meta, &key, "version = 2", errors)? {
                        set(&mut attrs.version, Some(value));
                    }
                }
                "previous" => {
                    let example = "previous = UserCreatedV1";
                    if let Some(value) = value(&meta, &key, example, errors)? {
                        set(&mut attrs.previous, path(value, &key, example, errors));
                    }
                }
                "compatibility" => {
                    let example = r#"compatibility = "FULL""#;
                    if let Some(value) = value(&meta, &key, example, errors)? {
                        set(&mut attrs.compatibility, string(value, &key, example, errors));
                    }
                }
                "validate" => {
                    let example = "validate = check_user_created";
                    if let Some(value) = value(&meta, &key, example, errors)? {
                        set(&mut attrs.validate, path(value, &key, example, errors));
                    }
                }
                _ if FIELD_KEYS.contains(&key.as_str()) => {
                    errors.at(
                        meta.path.span(),
                        format!("`{key}` is a field attribute: put `#[event({key})]` on a field, not on the struct"),
                    );
                    skip_value(&meta)?;
                }
                _ => {
                    let suggestion = suggest(&key, &CONTAINER_KEYS);
                    attrs.suggested.extend(suggestion);
                    errors.at(meta.path.span(), unknown("event attribute", &key, suggestion, &CONTAINER_KEYS));
                    skip_value(&meta)?;
                }
            }
            Ok(())
        });
        if let Err(error) = result {
            errors.push(error);
        }
    }
    attrs
}

/// Parses the attributes of one field.
pub(crate) fn field(attributes: &[Attribute], errors: &mut Errors) -> FieldAttrs {
    let mut attrs = FieldAttrs::default();
    for attribute in attributes {
        if attribute.path().is_ident("serde") {
            serde_field(attribute, &mut attrs);
            continue;
        }
        if !attribute.path().is_ident("event") {
            continue;
        }
        let result = attribute.parse_nested_meta(|meta| {
            let key = key_of(&meta.path);
            let slot = match key.as_str() {
                "sensitive" => &mut attrs.sensitive,
                "envelope" => &mut attrs.envelope,
                _ if CONTAINER_KEYS.contains(&key.as_str()) => {
                    errors.at(
                        meta.path.span(),
                        format!("`{key}` is a struct attribute: put it in the `#[event(...)]` above the struct"),
                    );
                    return skip_value(&meta);
                }
                _ => {
                    let suggestion = suggest(&key, &FIELD_KEYS);
                    errors.at(meta.path.span(), unknown("event field attribute", &key, suggestion, &FIELD_KEYS));
                    return skip_value(&meta);
                }
            };
            if slot.is_some() {
                errors.at(meta.path.span(), format!("duplicate event attribute `{key}`"));
            }
            *slot = Some(meta.path.span());
            if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
                errors.at(
                    meta.path.span(),
                    format!("`{key}` takes no value: write `#[event({key})]`"),
                );
                skip_value(&meta)?;
            }
            Ok(())
        });
        if let Err(error) = result {
            errors.push(error);
        }
    }
    attrs
}

/// `name`, or `a::b` for a path (which is never a valid key, but must be shown as written).
fn key_of(path: &Path) -> String {
    path.get_ident()
        .map(ToString::to_string)
        .unwrap_or_else(|| path.to_token_stream().to_string().replace(' ', ""))
}

/// Keeps the first value of a key given twice (the duplicate is reported already).
fn set<T>(slot: &mut Option<T>, value: Option<T>) {
    if slot.is_none() {
        *slot = value;
    }
}

/// The `= value` after a key; without one, an error showing what to write.
fn value(
    meta: &ParseNestedMeta<'_>,
    key: &str,
    example: &str,
    errors: &mut Errors,
) -> syn::Result<Option<Expr>> {
    if meta.input.peek(Token![=]) {
        return meta.value()?.parse().map(Some);
    }
    errors.at(
        meta.path.span(),
        format!("`{key}` needs a value: `{example}`"),
    );
    skip_value(meta)?;
    Ok(None)
}

/// Steps over `= value` or `(...)` after a key that was reported, so parsing goes on.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(token::Paren) {
        meta.input.parse::<TokenTree>()?;
    }
    Ok(())
}

fn string(value: Expr, key: &str, example: &str, errors: &mut Errors) -> Option<LitStr> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) => Some(text),
        other => {
            errors.spanned(
                other,
                format!("`{key}` must be a string literal: `{example}`"),
            );
            None
        }
    }
}

fn path(value: Expr, key: &str, example: &str, errors: &mut Errors) -> Option<Path> {
    match value {
        Expr::Path(ExprPath {
            qself: None,
            path,
            attrs,
        }) if attrs.is_empty() => Some(path),
        Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) => {
            errors.at(
                text.span(),
                format!(
                    "`{key}` takes a path, not a string: write `{key} = {}`",
                    text.value()
                ),
            );
            None
        }
        other => {
            errors.spanned(other, format!("`{key}` must be a path: `{example}`"));
            None
        }
    }
}

/// "unknown event attribute `nmae`; did you mean `name`?"
fn unknown(what: &str, key: &str, suggestion: Option<&str>, known: &[&str]) -> String {
    match suggestion {
        Some(known) => format!("unknown {what} `{key}`; did you mean `{known}`?"),
        None => {
            let list: Vec<String> = known.iter().map(|key| format!("`{key}`")).collect();
            format!(
                "unknown {what} `{key}`; expected one of {}",
                list.join(", ")
            )
        }
    }
}

/// The known key `key` was probably meant to be: a usual synonym, a prefix (`desc`), or a
/// spelling mistake (`verison`).
fn suggest(key: &str, known: &[&'static str]) -> Option<&'static str> {
    let key = key.to_ascii_lowercase();
    if let Some(&(_, meant)) = SYNONYMS.iter().find(|(synonym, _)| *synonym == key) {
        return known.iter().copied().find(|candidate| *candidate == meant);
    }
    if key.len() >= 3 {
        if let Some(candidate) = known.iter().find(|candidate| candidate.starts_with(&key)) {
            return Some(candidate);
        }
    }
    event_names::did_you_mean(&key, known.iter().copied())
}

/// `rename_all` of a `#[serde(...)]` on the struct. Malformed serde attributes are left to
/// serde to report.
fn serde_container(attribute: &Attribute) -> Option<String> {
    let mut rule = None;
    let _ = attribute.parse_nested_meta(|meta| {
        if meta.path.is_ident("rename_all") {
            rule = serde_name(&meta)?.map(|(rule, _)| rule);
        } else {
            skip_value(&meta)?;
        }
        Ok(())
    });
    rule
}

/// `flatten`, `skip`, `skip_deserializing` and `rename` of a `#[serde(...)]` on a field.
fn serde_field(attribute: &Attribute, attrs: &mut FieldAttrs) {
    let _ = attribute.parse_nested_meta(|meta| {
        if meta.path.is_ident("flatten") {
            attrs.flatten = true;
        } else if meta.path.is_ident("skip") || meta.path.is_ident("skip_deserializing") {
            attrs.skip = true;
        } else if meta.path.is_ident("rename") {
            if let Some(name) = serde_name(&meta)? {
                attrs.rename = Some(name);
            }
        } else {
            skip_value(&meta)?;
        }
        Ok(())
    });
}

/// The name a serde `rename`/`rename_all` gives when deserializing: `rename = "x"` or
/// `rename(deserialize = "x")`. Decoding is where a sensitive value could leak.
fn serde_name(meta: &ParseNestedMeta<'_>) -> syn::Result<Option<(String, Span)>> {
    if meta.input.peek(Token![=]) {
        let text = meta.value()?.parse::<LitStr>()?;
        return Ok(Some((text.value(), text.span())));
    }
    let mut name = None;
    meta.parse_nested_meta(|inner| {
        let text = inner.value()?.parse::<LitStr>()?;
        if inner.path.is_ident("deserialize") {
            name = Some((text.value(), text.span()));
        }
        Ok(())
    })?;
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_catch_typos_prefixes_and_synonyms() {
        let cases = [
            ("nmae", Some("name")),
            ("verison", Some("version")),
            ("Version", Some("version")),
            ("desc", Some("description")),
            ("prev", Some("previous")),
            ("validator", Some("validate")),
            ("event_type", Some("name")),
            ("colour", None),
            ("v", None),
        ];
        for (key, expected) in cases {
            assert_eq!(suggest(key, &CONTAINER_KEYS), expected, "{key}");
        }
        assert_eq!(suggest("sensitve", &FIELD_KEYS), Some("sensitive"));
        assert_eq!(suggest("secret", &FIELD_KEYS), Some("sensitive"));
        assert_eq!(suggest("secret", &CONTAINER_KEYS), None);
    }
}
