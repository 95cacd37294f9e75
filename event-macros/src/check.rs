//! Checking: turns the parsed attributes and the struct into an [`Event`] that `expand` can
//! emit without further questions, or reports every problem at once.

use event_names::{ENVELOPE_FIELDS, is_event_name, suggest_event_name};
use quote::{ToTokens, quote};
use syn::ext::IdentExt;
use syn::punctuated::Punctuated;
use syn::{Data, DeriveInput, Expr, ExprLit, Field, Fields, Ident, Lit, Path, Token};

use crate::attr::{self, ContainerAttrs};
use crate::errors::Errors;
use crate::shape::{self, FieldShape};

/// Everything `expand` needs, checked.
pub(crate) struct Event<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) name: String,
    pub(crate) version: u32,
    pub(crate) previous: Option<Path>,
    pub(crate) description: String,
    pub(crate) validate: Option<Path>,
    /// The field holding the `Envelope`.
    pub(crate) envelope: &'a Ident,
    /// Wire names of the sensitive fields, in field order.
    pub(crate) sensitive: Vec<String>,
    /// Every named field in order, with whether it is sensitive: the redacting `Debug`
    /// written when any is.
    pub(crate) debug_fields: Vec<(&'a Ident, bool)>,
    /// The `event_runtime::Compatibility` variant of `compatibility = "..."`, if given.
    pub(crate) compatibility: Option<String>,
    /// The fingerprint of the payload fields ([`shape`]).
    pub(crate) fingerprint: String,
}

/// Checks the whole input; on failure the error holds every problem found.
pub(crate) fn event(input: &DeriveInput) -> syn::Result<Event<'_>> {
    let mut errors = Errors::default();
    let attrs = attr::container(&input.attrs, &mut errors);

    let name = name(&attrs, &mut errors);
    let version = attrs
        .version
        .as_ref()
        .and_then(|value| version(value, &mut errors));
    if let Some(previous) = &attrs.previous {
        check_previous(previous, version, input, &mut errors);
    }
    let compatibility = attrs.compatibility.as_ref().and_then(|literal| {
        let text = literal.value();
        if event_names::COMPATIBILITY_LEVELS.contains(&text.as_str()) {
            Some(shape::level_variant(&text))
        } else {
            errors.at(literal.span(), shape::unknown_level(&text));
            None
        }
    });
    missing_keys(&attrs, input, &mut errors);
    if !input.generics.params.is_empty() {
        errors.spanned(
            &input.generics,
            "an event struct cannot be generic: each event version is one concrete type in the registry",
        );
    }
    let fields = named_fields(input, &mut errors)
        .and_then(|fields| check_fields(fields, &attrs, input, &mut errors));
    errors.finish()?;

    match (name, version, fields) {
        (Some(name), Some(version), Some(((envelope, sensitive, fields), debug_fields))) => {
            Ok(Event {
                ident: &input.ident,
                fingerprint: shape::fingerprint(&name, version, &fields),
                compatibility,
                name,
                version,
                previous: attrs.previous,
                description: attrs
                    .description
                    .map_or_else(|| doc_comment(input), |text| text.value()),
                validate: attrs.validate,
                envelope,
                sensitive,
                debug_fields,
            })
        }
        // Each `None` above comes with an error, so this is not reached.
        _ => Err(syn::Error::new(
            input.ident.span(),
            "invalid `#[derive(Event)]` input",
        )),
    }
}

fn name(attrs: &ContainerAttrs, errors: &mut Errors) -> Option<String> {
    let literal = attrs.name.as_ref()?;
    let name = literal.value();
    match check_event_name(&name) {
        Ok(()) => Some(name),
        Err(message) => {
            errors.at(literal.span(), message);
            None
        }
    }
}

/// `domain.action`, each part lowercase snake_case starting with a letter
/// ([`event_names::is_event_name`]).
fn check_event_name(name: &str) -> Result<(), String> {
    if is_event_name(name) {
        return Ok(());
    }
    let mut message =
        format!("event name `{name}` must be `domain.action` in lowercase snake_case");
    match suggest_event_name(name) {
        Some(suggestion) => message.push_str(&format!("; did you mean `{suggestion}`?")),
        None => message.push_str(", e.g. `user.created`"),
    }
    Err(message)
}

fn version(value: &Expr, errors: &mut Errors) -> Option<u32> {
    let message = "`version` must be a whole number from 1 up, e.g. `version = 2`";
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => match int.base10_parse::<u32>() {
            Ok(0) => {
                errors.at(
                    int.span(),
                    "`version` starts at 1: the first version of an event is `version = 1`",
                );
                None
            }
            Ok(number) => Some(number),
            Err(_) => {
                errors.at(int.span(), message);
                None
            }
        },
        Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) => {
            errors.at(
                text.span(),
                format!(
                    "`version` is a number, not a string: write `version = {}`",
                    text.value().trim_start_matches(['v', 'V'])
                ),
            );
            None
        }
        other => {
            errors.spanned(other, message);
            None
        }
    }
}

fn check_previous(previous: &Path, version: Option<u32>, input: &DeriveInput, errors: &mut Errors) {
    if previous.is_ident("Self") || previous.is_ident(&input.ident) {
        errors.spanned(
            previous,
            "an event cannot be its own previous version: `previous` names the struct of the version before, e.g. `previous = UserCreatedV1`",
        );
    } else if version == Some(1) {
        errors.spanned(
            previous,
            "version 1 has no previous version: remove `previous`, or raise `version`",
        );
    }
}

/// `name` and `version` are required. The error points at the `#[event(...)]` attribute, or at
/// the struct's name when there is none.
fn missing_keys(attrs: &ContainerAttrs, input: &DeriveInput, errors: &mut Errors) {
    let written = |key: &str| {
        attrs.written.iter().any(|written| written == key) || attrs.suggested.contains(&key)
    };
    let Some(attribute) = &attrs.first_attribute else {
        errors.at(
            input.ident.span(),
            r#"missing `#[event(name = "domain.action", version = N)]` on the struct: every event needs its type name and version"#,
        );
        return;
    };
    if !written("name") {
        errors.spanned(
            attribute,
            r#"missing event attribute `name`: add `name = "domain.action"`, e.g. `#[event(name = "user.created", ...)]`"#,
        );
    }
    if !written("version") {
        errors.spanned(
            attribute,
            "missing event attribute `version`: add `version = N`, e.g. `#[event(version = 1, ...)]`",
        );
    }
}

fn named_fields<'a>(
    input: &'a DeriveInput,
    errors: &mut Errors,
) -> Option<&'a Punctuated<Field, Token![,]>> {
    let ident = &input.ident;
    match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) => Some(&fields.named),
            Fields::Unnamed(fields) => {
                errors.spanned(
                    fields,
                    "`#[derive(Event)]` needs a struct with named fields, not a tuple struct: an event is a JSON object",
                );
                None
            }
            Fields::Unit => {
                errors.at(
                    ident.span(),
                    "`#[derive(Event)]` needs a struct with named fields, not a unit struct: an event is a JSON object with an envelope",
                );
                None
            }
        },
        Data::Enum(data) => {
            let keyword = &data.enum_token;
            errors.spanned(
                quote!(#keyword #ident),
                "`#[derive(Event)]` needs a struct with named fields, not an enum: each event version is one struct",
            );
            None
        }
        Data::Union(data) => {
            let keyword = &data.union_token;
            errors.spanned(
                quote!(#keyword #ident),
                "`#[derive(Event)]` needs a struct with named fields, not a union",
            );
            None
        }
    }
}

/// The envelope field, the wire names of the sensitive fields and the shape of the payload
/// fields.
type Checked<'a> = (&'a Ident, Vec<String>, Vec<FieldShape>);

/// Finds the envelope field, the wire names of the sensitive fields and the shape of the
/// payload fields; and every field with whether it is sensitive.
fn check_fields<'a>(
    fields: &'a Punctuated<Field, Token![,]>,
    container: &ContainerAttrs,
    input: &DeriveInput,
    errors: &mut Errors,
) -> Option<(Checked<'a>, Vec<(&'a Ident, bool)>)> {
    let fields: Vec<(&Field, &Ident, attr::FieldAttrs)> = fields
        .iter()
        .filter_map(|field| {
            Some((
                field,
                field.ident.as_ref()?,
                attr::field(&field.attrs, errors),
            ))
        })
        .collect();

    // `#[event(envelope)]` wins over a field merely named `envelope`.
    let mut marked = fields
        .iter()
        .filter(|(_, _, attrs)| attrs.envelope.is_some());
    let first_marked = marked.next();
    for (_, _, attrs) in marked {
        if let (Some(span), Some((_, first, _))) = (attrs.envelope, first_marked) {
            errors.at(
                span,
                format!(
                    "only one field can be the envelope, and `{}` already is",
                    first.unraw()
                ),
            );
        }
    }
    let envelope = first_marked.or_else(|| {
        fields
            .iter()
            .find(|(_, ident, _)| ident.unraw() == "envelope")
    });

    let mut sensitive = Vec::new();
    let mut shape = Vec::new();
    for (field, ident, attrs) in &fields {
        if envelope.is_some_and(|(envelope, _, _)| std::ptr::eq(*envelope, *field)) {
            if let Some(span) = attrs.sensitive {
                errors.at(
                    span,
                    "the envelope cannot be `sensitive`: mark the payload fields that are",
                );
            }
            continue;
        }
        let wire_name = wire_name(ident, attrs, container.rename_all.as_deref());
        if !attrs.flatten && !attrs.skip && ENVELOPE_FIELDS.contains(&wire_name.as_str()) {
            let why = if wire_name == "event_type" || wire_name == "version" {
                "`encode` writes it from `#[event(name, version)]`".to_owned()
            } else {
                format!("it is the envelope's `{wire_name}`")
            };
            let span = attrs
                .rename
                .as_ref()
                .map_or(ident.span(), |(_, span)| *span);
            errors.at(
                span,
                format!(
                    "a payload field cannot be named `{wire_name}` on the wire: {why}, and the two would clash; rename the field"
                ),
            );
        }
        if !attrs.skip {
            shape.push(FieldShape {
                wire_name: (!attrs.flatten).then(|| wire_name.clone()),
                ty: field.ty.to_token_stream().to_string(),
            });
        }
        if attrs.sensitive.is_some() {
            sensitive.push(wire_name);
        }
    }

    let Some((_, ident, attrs)) = envelope else {
        errors.at(
            input.ident.span(),
            "an event struct needs an envelope field: add `#[serde(flatten)] envelope: event_runtime::Envelope` \
             (or mark the field that holds it with `#[event(envelope)]`)",
        );
        return None;
    };
    if !attrs.flatten {
        errors.at(
            ident.span(),
            format!(
                "the envelope field `{}` needs `#[serde(flatten)]`: on the wire its fields sit beside the payload fields",
                ident.unraw()
            ),
        );
    }
    let debug_fields = fields
        .iter()
        .map(|(_, ident, attrs)| (*ident, attrs.sensitive.is_some()))
        .collect();
    Some(((*ident, sensitive, shape), debug_fields))
}

/// The field's name in the JSON, as serde reads it: `rename`, else `rename_all` applied to the
/// Rust name (without `r#`).
fn wire_name(ident: &Ident, attrs: &attr::FieldAttrs, rename_all: Option<&str>) -> String {
    if let Some((rename, _)) = &attrs.rename {
        return rename.clone();
    }
    let name = ident.unraw().to_string();
    let pascal = || {
        let mut out = String::new();
        let mut capitalize = true;
        for c in name.chars() {
            if c == '_' {
                capitalize = true;
            } else if capitalize {
                out.push(c.to_ascii_uppercase());
                capitalize = false;
            } else {
                out.push(c);
            }
        }
        out
    };
    // serde's `RenameRule::apply_to_field`; unknown rules are serde's to report.
    match rename_all {
        Some("UPPERCASE" | "SCREAMING_SNAKE_CASE") => name.to_ascii_uppercase(),
        Some("PascalCase") => pascal(),
        Some("camelCase") => {
            let pascal = pascal();
            let mut chars = pascal.chars();
            chars
                .next()
                .map(|first| first.to_ascii_lowercase().to_string() + chars.as_str())
                .unwrap_or_default()
        }
        Some("kebab-case") => name.replace('_', "-"),
        Some("SCREAMING-KEBAB-CASE") => name.to_ascii_uppercase().replace('_', "-"),
        _ => name,
    }
}

/// The struct's doc comment, one line per `///` line, trimmed.
fn doc_comment(input: &DeriveInput) -> String {
    let lines: Vec<String> = input
        .attrs
        .iter()
        .filter(|attribute| attribute.path().is_ident("doc"))
        .filter_map(|attribute| match &attribute.meta {
            syn::Meta::NameValue(pair) => match &pair.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(text),
                    ..
                }) => Some(text.value().trim().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    lines.join("\n").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_follow_serde() {
        let ident: Ident = syn::parse_quote!(r#phone_number);
        let attrs = attr::FieldAttrs::default();
        let cases = [
            (None, "phone_number"),
            (Some("camelCase"), "phoneNumber"),
            (Some("PascalCase"), "PhoneNumber"),
            (Some("SCREAMING_SNAKE_CASE"), "PHONE_NUMBER"),
            (Some("kebab-case"), "phone-number"),
            (Some("SCREAMING-KEBAB-CASE"), "PHONE-NUMBER"),
        ];
        for (rule, expected) in cases {
            assert_eq!(wire_name(&ident, &attrs, rule), expected, "{rule:?}");
        }
        let renamed = attr::FieldAttrs {
            rename: Some(("phone".to_owned(), proc_macro2::Span::call_site())),
            ..attr::FieldAttrs::default()
        };
        assert_eq!(wire_name(&ident, &renamed, Some("camelCase")), "phone");
    }
}
