//! Parsing and checking `#[event(...)]` attributes.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Expr, ExprLit, Fields, Ident, Lit, LitStr, Path};

/// What `#[derive(Event)]` needs to know about the struct.
pub(crate) struct EventInput {
    pub(crate) name: String,
    pub(crate) version: u32,
    pub(crate) previous: Option<Path>,
    pub(crate) description: String,
    pub(crate) validate: Option<Path>,
    pub(crate) envelope: Ident,
    pub(crate) sensitive: Vec<String>,
}

/// Collects errors so that all of them are reported at once.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn at(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }

    pub(crate) fn into_result(self) -> Result<(), syn::Error> {
        self.0.map_or(Ok(()), Err)
    }
}

const CONTAINER_KEYS: [&str; 5] = ["name", "version", "previous", "description", "validate"];

/// Parses the whole input; on failure every problem found is in the error.
pub(crate) fn parse(input: &DeriveInput) -> Result<EventInput, syn::Error> {
    let mut errors = Errors::default();
    let mut name: Option<(String, Span)> = None;
    let mut version: Option<u32> = None;
    let mut previous = None;
    let mut description = None;
    let mut validate = None;
    let mut seen: Vec<String> = Vec::new();

    if !input.generics.params.is_empty() {
        errors.at(input.generics.span(), "event structs cannot be generic: the registry needs one concrete type per event version");
    }

    for attribute in event_attributes(&input.attrs) {
        let result = attribute.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
            if seen.contains(&key) {
                errors.at(meta.path.span(), format!("duplicate event attribute `{key}`"));
            }
            seen.push(key.clone());
            match key.as_str() {
                "name" => {
                    let value: LitStr = meta.value()?.parse()?;
                    let text = value.value();
                    if let Err(problem) = check_event_name(&text) {
                        errors.at(value.span(), problem);
                    }
                    name = Some((text, value.span()));
                }
                "version" => {
                    let value: Expr = meta.value()?.parse()?;
                    match &value {
                        Expr::Lit(ExprLit { lit: Lit::Int(int), .. }) => match int.base10_parse::<u32>() {
                            Ok(0) | Err(_) => errors.at(int.span(), "`version` must be a whole number from 1 up, e.g. `version = 2`"),
                            Ok(number) => version = Some(number),
                        },
                        other => errors.at(other.span(), "`version` must be a whole number from 1 up, e.g. `version = 2`"),
                    }
                }
                "previous" => previous = Some(meta.value()?.parse::<Path>()?),
                "validate" => validate = Some(meta.value()?.parse::<Path>()?),
                "description" => description = Some(meta.value()?.parse::<LitStr>()?.value()),
                _ => {
                    let hint = closest(&key, &CONTAINER_KEYS)
                        .map(|known| format!("; did you mean `{known}`?"))
                        .unwrap_or_else(|| format!("; expected one of {}", CONTAINER_KEYS.join(", ")));
                    errors.at(meta.path.span(), format!("unknown event attribute `{key}`{hint}"));
                    // Skip the value, if any, so that parsing goes on.
                    if meta.input.peek(syn::Token![=]) {
                        let _: Expr = meta.value()?.parse()?;
                    }
                }
            }
            Ok(())
        });
        if let Err(error) = result {
            errors.push(error);
        }
    }

    if let (Some(previous), Some(_)) = (&previous, version.filter(|v| *v == 1)) {
        errors.at(previous.span(), "version 1 has no previous version; remove `previous` or raise `version`");
    }

    let (envelope, sensitive) = parse_fields(input, &mut errors);
    let description = description.unwrap_or_else(|| doc_comment(&input.attrs));

    if name.is_none() && !seen.contains(&"name".to_owned()) {
        errors.at(
            Span::call_site(),
            "missing `#[event(name = \"domain.action\")]`: every event needs its type name",
        );
    }
    if version.is_none() && !seen.contains(&"version".to_owned()) {
        errors.at(Span::call_site(), "missing `#[event(version = N)]`: every event needs its version number");
    }
    errors.into_result()?;

    match (name, version, envelope) {
        (Some((name, _)), Some(version), Some(envelope)) => Ok(EventInput {
            name,
            version,
            previous,
            description,
            validate,
            envelope,
            sensitive,
        }),
        _ => Err(syn::Error::new(input.ident.span(), "invalid event attributes")),
    }
}

fn event_attributes(attributes: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attributes.iter().filter(|attribute| attribute.path().is_ident("event"))
}

/// Finds the envelope field and the sensitive fields.
fn parse_fields(input: &DeriveInput, errors: &mut Errors) -> (Option<Ident>, Vec<String>) {
    let fields = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) => &fields.named,
            other => {
                errors.at(other.span(), "`#[derive(Event)]` needs a struct with named fields: events are JSON objects");
                return (None, Vec::new());
            }
        },
        Data::Enum(data) => {
            errors.at(data.enum_token.span(), "`#[derive(Event)]` needs a struct with named fields, not an enum");
            return (None, Vec::new());
        }
        Data::Union(data) => {
            errors.at(data.union_token.span(), "`#[derive(Event)]` needs a struct with named fields, not a union");
            return (None, Vec::new());
        }
    };

    let mut marked_envelope = None;
    let mut named_envelope = None;
    let mut sensitive = Vec::new();
    for field in fields {
        let Some(ident) = &field.ident else { continue };
        if ident == "envelope" {
            named_envelope = Some(ident.clone());
        }
        for attribute in event_attributes(&field.attrs) {
            let result = attribute.parse_nested_meta(|meta| {
                if meta.path.is_ident("sensitive") {
                    sensitive.push(ident.to_string());
                } else if meta.path.is_ident("envelope") {
                    if marked_envelope.is_some() {
                        errors.at(meta.path.span(), "only one field can be the envelope");
                    }
                    marked_envelope = Some(ident.clone());
                } else {
                    let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
                    errors.at(
                        meta.path.span(),
                        format!("unknown event field attribute `{key}`; expected `sensitive` or `envelope`"),
                    );
                }
                Ok(())
            });
            if let Err(error) = result {
                errors.push(error);
            }
        }
    }
    let envelope = marked_envelope.or(named_envelope);
    if envelope.is_none() {
        errors.at(
            input.ident.span(),
            "an event struct needs an envelope field: add `#[serde(flatten)] envelope: event_runtime::Envelope`",
        );
    }
    (envelope, sensitive)
}

fn doc_comment(attributes: &[Attribute]) -> String {
    let lines: Vec<String> = attributes
        .iter()
        .filter(|attribute| attribute.path().is_ident("doc"))
        .filter_map(|attribute| match &attribute.meta {
            syn::Meta::NameValue(pair) => match &pair.value {
                Expr::Lit(ExprLit { lit: Lit::Str(text), .. }) => Some(text.value().trim().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    lines.join("\n").trim().to_owned()
}

/// `domain.action`, each part lowercase snake_case starting with a letter.
pub(crate) fn check_event_name(name: &str) -> Result<(), String> {
    let parts: Vec<&str> = name.split('.').collect();
    let snake = |part: &str| {
        part.starts_with(|c: char| c.is_ascii_lowercase())
            && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    if parts.len() == 2 && parts.iter().all(|part| snake(part)) {
        Ok(())
    } else {
        Err(format!(
            "event name `{name}` must be `domain.action` in lowercase snake_case, e.g. `user.created`"
        ))
    }
}

/// The known key nearest to `key`, if it is close enough to be a typo.
fn closest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|candidate| (edit_distance(key, candidate), *candidate))
        .filter(|(distance, candidate)| *distance <= (candidate.len() / 3).max(1))
        .min()
        .map(|(_, candidate)| candidate)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}
