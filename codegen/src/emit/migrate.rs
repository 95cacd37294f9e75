//! Upgrades: `impl From<EventVn> for EventVn+1`, from the version's [`Migration`].
//!
//! A `Function` migration calls the user's function. A `Fields` migration builds every field of
//! the new version from its [`FieldSource`]: first the values computed from a borrow of the
//! previous version (templates, field functions), then one struct literal that moves the
//! envelope and the other fields out of it. A field of the previous version used by several
//! new fields is cloned for all but its last use (never when it is `Copy`).

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use super::Context;
use super::syntax::{self, doc, field_name, ident, str_lit};
use super::types;
use crate::ir::{
    Conversion, DefaultValue, EventDef, Field, FieldMigration, FieldSource, FieldType, Migration,
    TemplatePart, VersionDef,
};

/// `impl From<previous> for current`.
pub(crate) fn from_impl(
    cx: &Context<'_>,
    event: &EventDef,
    previous: &VersionDef,
    current: &VersionDef,
) -> TokenStream {
    let old = ident(&event.struct_name(previous.number));
    let new = ident(&event.struct_name(current.number));
    let title = format!(
        "Upgrades `{}` v{} to v{}",
        event.name, previous.number, current.number
    );
    let (notes, body) = match &current.migration {
        Some(Migration::Function { path, .. }) => match syntax::parse_path(path) {
            Ok(function) => (
                format!("{title} with `{path}`."),
                quote!(#function(previous)),
            ),
            Err(error) => (title, syntax::compile_error(&error)),
        },
        Some(Migration::Fields(sources)) => {
            let upgrade = FieldsUpgrade {
                cx,
                previous,
                current,
                sources,
            };
            let (notes, body) = upgrade.body();
            (format!("{title}:\n\n{}", notes.join("\n")), body)
        }
        None => {
            let message = format!(
                "`{}` v{} has no migration from v{}",
                event.name, current.number, previous.number
            );
            (title, syntax::compile_error(&message))
        }
    };
    let docs = doc(&notes);
    quote! {
        #docs
        impl From<#old> for #new {
            fn from(previous: #old) -> Self {
                #body
            }
        }
    }
}

struct FieldsUpgrade<'c, 'a> {
    cx: &'c Context<'a>,
    previous: &'c VersionDef,
    current: &'c VersionDef,
    sources: &'c [FieldMigration],
}

impl FieldsUpgrade<'_, '_> {
    /// The doc bullets and the body of `from`.
    fn body(&self) -> (Vec<String>, TokenStream) {
        let mut uses_left: BTreeMap<&str, usize> = BTreeMap::new();
        for source in self.sources {
            if let FieldSource::Field { from, .. } = &source.source {
                *uses_left.entry(from.as_str()).or_default() += 1;
            }
        }
        let mut notes = Vec::new();
        let mut computed = Vec::new();
        let mut inits = vec![quote!(envelope: previous.envelope)];
        for field in &self.current.fields {
            let name = field_name(&field.name).ident;
            let Some(source) = self
                .sources
                .iter()
                .find(|source| source.field == field.name)
            else {
                let error = syntax::compile_error(&format!(
                    "field `{}` has no migration source",
                    field.name
                ));
                inits.push(quote!(#name: #error));
                continue;
            };
            let (note, value) = match &source.source {
                FieldSource::Template(parts) => {
                    let (note, expr) = self.template(parts);
                    (note, Value::Computed(wrap_some(field, expr)))
                }
                FieldSource::Function(path) => match syntax::parse_path(path) {
                    Ok(function) => (
                        format!("`{path}(&previous)`"),
                        Value::Computed(quote!(#function(&previous))),
                    ),
                    Err(error) => (String::new(), Value::Moved(syntax::compile_error(&error))),
                },
                FieldSource::Field {
                    from,
                    conversion,
                    from_optional,
                    to_optional,
                    default,
                } => {
                    let left = uses_left.entry(from.as_str()).or_default();
                    *left = left.saturating_sub(1);
                    let clone = *left > 0;
                    let source = FieldCopy {
                        from,
                        conversion,
                        from_optional: *from_optional,
                        to_optional: *to_optional,
                        default: default.as_ref(),
                    };
                    let (note, expr) = self.copy(field, &source, clone);
                    (note, Value::Moved(expr))
                }
                FieldSource::Default(value) => {
                    let expr =
                        if types::has_default_fn(field) && field.default.as_ref() == Some(value) {
                            let function = types::default_fn_name(field);
                            quote!(Self::#function())
                        } else {
                            types::field_default_expr(self.cx, field, value)
                        };
                    (
                        format!("its default, `{}`", types::describe_default(value)),
                        Value::Moved(expr),
                    )
                }
                FieldSource::Absent => (
                    "`None` (new optional field)".to_owned(),
                    Value::Moved(quote!(None)),
                ),
            };
            notes.push(format!("- `{}`: {note}", field.name));
            match value {
                Value::Computed(expr) => {
                    // Bound before the struct literal moves fields out of `previous`.
                    let binding = if field.name == "previous" {
                        ident("new_previous")
                    } else {
                        name.clone()
                    };
                    computed.push(quote!(let #binding = #expr;));
                    inits.push(if binding == name {
                        quote!(#name)
                    } else {
                        quote!(#name: #binding)
                    });
                }
                Value::Moved(expr) => inits.push(quote!(#name: #expr)),
            }
        }
        let body = quote! {
            #(#computed)*
            Self {
                #(#inits),*
            }
        };
        (notes, body)
    }

    fn previous_field(&self, name: &str) -> Option<&Field> {
        self.previous.fields.iter().find(|field| field.name == name)
    }

    /// A field of the previous version, converted, wrapped or unwrapped.
    fn copy(&self, field: &Field, source: &FieldCopy<'_>, clone: bool) -> (String, TokenStream) {
        let Some(old) = self.previous_field(source.from) else {
            let error = syntax::compile_error(&format!(
                "v{} has no field `{}`",
                self.previous.number, source.from
            ));
            return (String::new(), error);
        };
        let old_ident = field_name(&old.name).ident;
        let clone = (clone && !types::is_copy(self.cx, &old.ty)).then(|| quote!(.clone()));
        let input = quote!(previous.#old_ident #clone);
        let mut note = if source.from == field.name {
            "copied".to_owned()
        } else {
            format!("from `{}`", source.from)
        };
        note.push_str(&conversion_note(source.conversion));
        let expr = match (source.from_optional, source.to_optional) {
            (false, false) => convert(self.cx, source.conversion, &old.ty, input),
            (false, true) => {
                note.push_str(", wrapped in `Some`");
                let value = convert(self.cx, source.conversion, &old.ty, input);
                quote!(Some(#value))
            }
            (true, true) => map_option(self.cx, source.conversion, &old.ty, input),
            (true, false) => {
                let mapped = map_option(self.cx, source.conversion, &old.ty, input);
                let (unwrap_note, unwrap) = self.unwrap(field, source.default);
                note.push_str(&unwrap_note);
                quote!(#mapped #unwrap)
            }
        };
        (note, expr)
    }

    /// `.unwrap_or(..)` and friends for an optional field that became required.
    fn unwrap(&self, field: &Field, default: Option<&DefaultValue>) -> (String, TokenStream) {
        let Some(default) = default else {
            return (
                ", or its type's default when absent".to_owned(),
                quote!(.unwrap_or_default()),
            );
        };
        let note = format!(", or `{}` when absent", types::describe_default(default));
        let call = if types::is_type_default(&field.ty, default) {
            quote!(.unwrap_or_default())
        } else if types::has_default_fn(field) && field.default.as_ref() == Some(default) {
            let function = types::default_fn_name(field);
            quote!(.unwrap_or_else(Self::#function))
        } else {
            let value = types::default_expr(self.cx, &field.ty, default);
            let cheap = matches!(
                default,
                DefaultValue::Bool(_)
                    | DefaultValue::Int(_)
                    | DefaultValue::Float(_)
                    | DefaultValue::Enum(_)
            );
            if cheap {
                quote!(.unwrap_or(#value))
            } else {
                quote!(.unwrap_or_else(|| #value))
            }
        };
        (note, call)
    }

    /// `format!(..)` of a template over borrows of `previous`, trimmed. Each field is first
    /// bound to a local of its name, so the format string reads like the template.
    fn template(&self, parts: &[TemplatePart]) -> (String, TokenStream) {
        let mut format = String::new();
        let mut spelled = String::new();
        let mut locals: Vec<(String, TemplateArg)> = Vec::new();
        for part in parts {
            match part {
                TemplatePart::Text(text) => {
                    let escaped = text.replace('{', "{{").replace('}', "}}");
                    format.push_str(&escaped);
                    spelled.push_str(&escaped);
                }
                TemplatePart::Field { name, optional } => {
                    let local = template_local(name);
                    format.push_str(&format!("{{{local}}}"));
                    spelled.push_str(&format!("{{{name}}}"));
                    if !locals.iter().any(|(existing, _)| *existing == local) {
                        locals.push((local, self.template_arg(name, *optional)));
                    }
                }
            }
        }
        let note = format!("the template `{spelled}`, trimmed");
        let expr = match locals.as_slice() {
            [] => {
                let text: String = parts
                    .iter()
                    .map(|part| match part {
                        TemplatePart::Text(text) => text.as_str(),
                        TemplatePart::Field { .. } => "",
                    })
                    .collect();
                let text = str_lit(text.trim());
                quote!(String::from(#text))
            }
            [(local, arg)] if format == format!("{{{local}}}") => {
                let value = &arg.expr;
                if arg.text {
                    quote!(#value.trim().to_owned())
                } else {
                    quote!(#value.to_string())
                }
            }
            locals => {
                let bindings = locals.iter().map(|(local, arg)| {
                    let local = ident(local);
                    let value = &arg.expr;
                    if arg.place {
                        quote!(let #local = &#value;)
                    } else {
                        quote!(let #local = #value;)
                    }
                });
                let format = str_lit(&format);
                quote! {{
                    #(#bindings)*
                    format!(#format).trim().to_owned()
                }}
            }
        };
        (note, expr)
    }

    /// One field of a template, as a `Display` value; absent optional fields render empty.
    fn template_arg(&self, name: &str, optional: bool) -> TemplateArg {
        let Some(old) = self.previous_field(name) else {
            let message = format!("v{} has no field `{name}`", self.previous.number);
            return TemplateArg {
                expr: syntax::compile_error(&message),
                text: true,
                place: false,
            };
        };
        let optional = old.optional || optional;
        let ident = field_name(name).ident;
        let rt = self.cx.rt();
        let rfc3339 = quote!(to_rfc3339_opts(#rt::__private::chrono::SecondsFormat::AutoSi, true));
        let computed = |expr: TokenStream| TemplateArg {
            expr,
            text: true,
            place: false,
        };
        match (&old.ty, optional) {
            (FieldType::String, false) => TemplateArg {
                expr: quote!(previous.#ident),
                text: true,
                place: true,
            },
            (FieldType::String, true) => {
                computed(quote!(previous.#ident.as_deref().unwrap_or_default()))
            }
            // As on the wire: RFC 3339 with `Z`.
            (FieldType::DateTime, false) => computed(quote!(previous.#ident.#rfc3339)),
            (FieldType::DateTime, true) => {
                computed(quote!(previous.#ident.map(|value| value.#rfc3339).unwrap_or_default()))
            }
            (ty, false) if displayable(ty) => TemplateArg {
                expr: quote!(previous.#ident),
                text: false,
                place: true,
            },
            (ty, true) if displayable(ty) => computed(
                quote!(previous.#ident.as_ref().map(ToString::to_string).unwrap_or_default()),
            ),
            (ty, _) => computed(syntax::compile_error(&format!(
                "field `{name}` of type `{}` cannot be used in a template",
                ty.schema_name()
            ))),
        }
    }
}

/// A field's value in a template.
struct TemplateArg {
    expr: TokenStream,
    /// It is text already (dereferences to `str`).
    text: bool,
    /// It is a field of `previous`, to be borrowed.
    place: bool,
}

/// Types whose `Display` is their wire text.
fn displayable(ty: &FieldType) -> bool {
    matches!(
        ty,
        FieldType::Bool
            | FieldType::Int32
            | FieldType::Int64
            | FieldType::Float64
            | FieldType::Uuid
            | FieldType::Date
            | FieldType::Decimal
            | FieldType::Enum(_)
    )
}

/// The local a template field is bound to: its name, unless that cannot be written inside a
/// format string (`type` -> `type_`) or would shadow `previous`.
fn template_local(name: &str) -> String {
    let plain = field_name(name);
    if plain.renamed || plain.ident.to_string().starts_with("r#") || name == "previous" {
        format!("{name}_")
    } else {
        name.to_owned()
    }
}

/// How one new field's value is made.
enum Value {
    /// Computed from a borrow of `previous`, before the struct literal.
    Computed(TokenStream),
    /// Moved or built in the struct literal.
    Moved(TokenStream),
}

/// The parts of [`FieldSource::Field`].
struct FieldCopy<'s> {
    from: &'s str,
    conversion: &'s Conversion,
    from_optional: bool,
    to_optional: bool,
    default: Option<&'s DefaultValue>,
}

fn wrap_some(field: &Field, expr: TokenStream) -> TokenStream {
    if field.optional {
        quote!(Some(#expr))
    } else {
        expr
    }
}

fn conversion_note(conversion: &Conversion) -> String {
    match conversion {
        Conversion::Identity => String::new(),
        Conversion::Widen { from, to } => {
            let exactness = if *from == FieldType::Int64 && *to == FieldType::Float64 {
                " (exact up to 2^53; larger values round)"
            } else {
                ""
            };
            format!(
                ", widened from {} to {}{exactness}",
                from.schema_name(),
                to.schema_name()
            )
        }
        Conversion::EnumMap {
            from_enum,
            to_enum,
            pairs,
            ..
        } => {
            let renamed: Vec<String> = pairs
                .iter()
                .filter(|(old, new)| old != new)
                .map(|(old, new)| format!("`{old}` -> `{new}`"))
                .collect();
            let renamed = if renamed.is_empty() {
                String::new()
            } else {
                format!(": {}", renamed.join(", "))
            };
            format!(", mapped from `{from_enum}` to `{to_enum}`{renamed}")
        }
    }
}

/// `input` (of `from_ty`, not optional) converted.
fn convert(
    cx: &Context<'_>,
    conversion: &Conversion,
    from_ty: &FieldType,
    input: TokenStream,
) -> TokenStream {
    match conversion {
        Conversion::Identity => input,
        Conversion::Widen { from, to } => widen(from, to, input),
        Conversion::EnumMap { .. } => map_enum(cx, conversion, from_ty, input),
    }
}

/// `input` (an `Option` of `from_ty`) converted inside the option.
fn map_option(
    cx: &Context<'_>,
    conversion: &Conversion,
    from_ty: &FieldType,
    input: TokenStream,
) -> TokenStream {
    match conversion {
        Conversion::Identity => input,
        Conversion::Widen { from, to } => {
            let function = widen_fn(from, to);
            quote!(#input.map(#function))
        }
        Conversion::EnumMap { .. } => {
            let body = map_enum(cx, conversion, from_ty, quote!(value));
            quote!(#input.map(|value| #body))
        }
    }
}

/// `int32 -> int64`, `int32/int64 -> float64`, also inside lists and maps.
fn widen(from: &FieldType, to: &FieldType, input: TokenStream) -> TokenStream {
    match (from, to) {
        (from, to) if from == to => input,
        (FieldType::Int32, FieldType::Int64) => quote!(i64::from(#input)),
        (FieldType::Int32, FieldType::Float64) => quote!(f64::from(#input)),
        // No `From<i64> for f64`: the cast rounds beyond 2^53, as documented on the impl.
        (FieldType::Int64, FieldType::Float64) => quote!(#input as f64),
        (FieldType::List(from), FieldType::List(to)) => {
            let function = widen_fn(from, to);
            quote!(#input.into_iter().map(#function).collect())
        }
        (FieldType::Map(from), FieldType::Map(to)) => {
            let value = widen(from, to, quote!(value));
            quote!(#input.into_iter().map(|(key, value)| (key, #value)).collect())
        }
        (from, to) => syntax::compile_error(&format!(
            "cannot widen `{}` to `{}`",
            from.schema_name(),
            to.schema_name()
        )),
    }
}

/// The widening as a function for `.map(..)`: a path when there is one.
fn widen_fn(from: &FieldType, to: &FieldType) -> TokenStream {
    match (from, to) {
        (FieldType::Int32, FieldType::Int64) => quote!(i64::from),
        (FieldType::Int32, FieldType::Float64) => quote!(f64::from),
        _ => {
            let body = widen(from, to, quote!(value));
            quote!(|value| #body)
        }
    }
}

/// An enum value (or a list or map of them) mapped to another enum with a `match`.
fn map_enum(
    cx: &Context<'_>,
    conversion: &Conversion,
    from_ty: &FieldType,
    input: TokenStream,
) -> TokenStream {
    let Conversion::EnumMap {
        from_enum,
        to_enum,
        pairs,
        unknown_to,
    } = conversion
    else {
        return convert(cx, conversion, from_ty, input);
    };
    match from_ty {
        FieldType::Enum(_) => {
            let (old, new) = (ident(from_enum), ident(to_enum));
            let arms = pairs.iter().map(|(from, to)| {
                let (from, to) = (ident(from), ident(to));
                quote!(#old::#from => #new::#to,)
            });
            let old_open = cx.enum_def(from_enum).is_some_and(|def| def.open);
            let new_open = cx.enum_def(to_enum).is_some_and(|def| def.open);
            let unknown = match (old_open, new_open, unknown_to) {
                (false, _, _) => None,
                (true, true, _) => Some(quote!(#old::Unknown(value) => #new::Unknown(value),)),
                (true, false, Some(to)) => {
                    let to = ident(to);
                    Some(quote!(#old::Unknown(_) => #new::#to,))
                }
                (true, false, None) => {
                    let error = syntax::compile_error(&format!(
                        "unknown values of open enum `{from_enum}` have no value of closed enum `{to_enum}` to map to"
                    ));
                    Some(quote!(#old::Unknown(_) => #error,))
                }
            };
            quote! {
                match #input {
                    #(#arms)*
                    #unknown
                }
            }
        }
        FieldType::List(item) => {
            let body = map_enum(cx, conversion, item, quote!(value));
            quote!(#input.into_iter().map(|value| #body).collect())
        }
        FieldType::Map(item) => {
            let body = map_enum(cx, conversion, item, quote!(value));
            quote!(#input.into_iter().map(|(key, value)| (key, #body)).collect())
        }
        other => syntax::compile_error(&format!(
            "cannot map enum `{from_enum}` from a field of type `{}`",
            other.schema_name()
        )),
    }
}
