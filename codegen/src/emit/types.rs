//! Field types, default values, struct fields, and the named enums and records of `types:`.

use proc_macro2::TokenStream;
use quote::quote;

use super::Context;
use super::checks;
use super::syntax::{self, doc, doc_paragraphs, field_name, float_lit, ident, int_lit, str_lit};
use crate::ir::{DefaultValue, EnumDef, Field, FieldType, RecordDef};

/// The Rust type of a schema type (never `Option`; see [`field_type`]).
pub(crate) fn rust_type(cx: &Context<'_>, ty: &FieldType) -> TokenStream {
    let rt = cx.rt();
    match ty {
        FieldType::String => quote!(String),
        FieldType::Bool => quote!(bool),
        FieldType::Int32 => quote!(i32),
        FieldType::Int64 => quote!(i64),
        FieldType::Float64 => quote!(f64),
        FieldType::Uuid => quote!(#rt::__private::uuid::Uuid),
        FieldType::DateTime => quote!(#rt::types::DateTime),
        FieldType::Date => quote!(#rt::types::Date),
        FieldType::Decimal => quote!(#rt::types::Decimal),
        FieldType::Json => quote!(#rt::types::JsonObject),
        FieldType::List(item) => {
            let item = rust_type(cx, item);
            quote!(Vec<#item>)
        }
        FieldType::Map(value) => {
            let value = rust_type(cx, value);
            quote!(::std::collections::BTreeMap<String, #value>)
        }
        FieldType::Enum(name) | FieldType::Record(name) => {
            let name = ident(name);
            quote!(#name)
        }
    }
}

/// The Rust type of a field: `Option<T>` when optional.
pub(crate) fn field_type(cx: &Context<'_>, field: &Field) -> TokenStream {
    let ty = rust_type(cx, &field.ty);
    if field.optional {
        quote!(Option<#ty>)
    } else {
        ty
    }
}

/// Values of this type are `Copy` (so moving one out of a struct never needs a clone).
pub(crate) fn is_copy(cx: &Context<'_>, ty: &FieldType) -> bool {
    match ty {
        FieldType::Bool
        | FieldType::Int32
        | FieldType::Int64
        | FieldType::Float64
        | FieldType::Uuid
        | FieldType::DateTime
        | FieldType::Date => true,
        FieldType::Enum(name) => cx.enum_def(name).is_some_and(|def| !def.open),
        _ => false,
    }
}

/// The field's default is what `Default::default()` gives for its type, so `#[serde(default)]`
/// needs no function.
pub(crate) fn default_is_type_default(field: &Field) -> bool {
    match &field.default {
        Some(value) => !field.optional && is_type_default(&field.ty, value),
        None => false,
    }
}

/// `value` is what `Default::default()` gives for `ty` (not `Option`).
pub(crate) fn is_type_default(ty: &FieldType, value: &DefaultValue) -> bool {
    match (ty, value) {
        (FieldType::String, DefaultValue::String(text)) => text.is_empty(),
        (FieldType::Bool, DefaultValue::Bool(value)) => !value,
        (FieldType::Int32 | FieldType::Int64 | FieldType::Float64, DefaultValue::Int(value)) => {
            *value == 0
        }
        (FieldType::Float64, DefaultValue::Float(value)) => {
            *value == 0.0 && value.is_sign_positive()
        }
        (FieldType::List(_), DefaultValue::List(items)) => items.is_empty(),
        (FieldType::Map(_) | FieldType::Json, DefaultValue::EmptyMap) => true,
        _ => false,
    }
}

/// The field has a generated `default_<name>()` function.
pub(crate) fn has_default_fn(field: &Field) -> bool {
    field.default.is_some() && !default_is_type_default(field)
}

/// Name of the generated default function of a field: `default_permissions`.
pub(crate) fn default_fn_name(field: &Field) -> proc_macro2::Ident {
    syntax::ident_of(format!("default_{}", field.name))
}

/// A Rust expression of type `ty` (not `Option`) for a default value.
pub(crate) fn default_expr(cx: &Context<'_>, ty: &FieldType, value: &DefaultValue) -> TokenStream {
    const CHECKED: &str = "default checked at build time";
    let rt = cx.rt();
    match (ty, value) {
        (FieldType::String, DefaultValue::String(text)) if text.is_empty() => quote!(String::new()),
        (FieldType::String, DefaultValue::String(text)) => quote!(String::from(#text)),
        (FieldType::DateTime, DefaultValue::String(text)) => {
            quote!(#rt::wire::parse_timestamp(#text).expect(#CHECKED))
        }
        (FieldType::Uuid | FieldType::Date | FieldType::Decimal, DefaultValue::String(text)) => {
            quote!(#text.parse().expect(#CHECKED))
        }
        (FieldType::Bool, DefaultValue::Bool(value)) => quote!(#value),
        (FieldType::Int32 | FieldType::Int64, DefaultValue::Int(value)) => {
            int_lit(i128::from(*value))
        }
        (FieldType::Int32 | FieldType::Int64, DefaultValue::Float(value))
            if value.fract() == 0.0 =>
        {
            // An integral float written for an integer field (`default: 2.0`).
            int_lit(*value as i128)
        }
        (FieldType::Float64, DefaultValue::Int(value)) => float_lit(*value as f64),
        (FieldType::Float64, DefaultValue::Float(value)) => float_lit(*value),
        (FieldType::Enum(name), DefaultValue::Enum(wire) | DefaultValue::String(wire)) => {
            match cx
                .enum_def(name)
                .and_then(|def| def.values.iter().find(|value| value.wire == *wire))
            {
                Some(value) => {
                    let (name, variant) = (ident(name), ident(&value.variant));
                    quote!(#name::#variant)
                }
                None => syntax::compile_error(&format!(
                    "default `{wire}` is not a value of enum `{name}`"
                )),
            }
        }
        (FieldType::List(_), DefaultValue::List(items)) if items.is_empty() => quote!(Vec::new()),
        (FieldType::List(item), DefaultValue::List(items)) => {
            let items = items.iter().map(|value| default_expr(cx, item, value));
            quote!(vec![#(#items),*])
        }
        (FieldType::Map(_) | FieldType::Json, DefaultValue::EmptyMap) => quote!(Default::default()),
        _ => syntax::compile_error(&format!(
            "default {} does not fit type `{}`",
            describe_default(value),
            ty.schema_name()
        )),
    }
}

/// The default of a field as an expression of the field's type (`Some(..)` when optional).
pub(crate) fn field_default_expr(
    cx: &Context<'_>,
    field: &Field,
    value: &DefaultValue,
) -> TokenStream {
    let expr = default_expr(cx, &field.ty, value);
    if field.optional {
        quote!(Some(#expr))
    } else {
        expr
    }
}

/// A default value as the schema would write it, for docs and messages: `"text"`, `[]`, `low`.
pub(crate) fn describe_default(value: &DefaultValue) -> String {
    match value {
        DefaultValue::String(text) => format!("{text:?}"),
        DefaultValue::Bool(value) => value.to_string(),
        DefaultValue::Int(value) => value.to_string(),
        DefaultValue::Float(value) => format!("{value:?}"),
        DefaultValue::Enum(wire) => wire.clone(),
        DefaultValue::List(items) => {
            let items: Vec<String> = items.iter().map(describe_default).collect();
            format!("[{}]", items.join(", "))
        }
        DefaultValue::EmptyMap => "{}".to_owned(),
    }
}

/// The notes after a field's description: default, constraints, sensitivity.
fn field_notes(field: &Field) -> String {
    let mut notes = Vec::new();
    if let Some(value) = &field.default {
        notes.push(format!(
            "Defaults to `{}` when absent.",
            describe_default(value)
        ));
    }
    let c = &field.constraints;
    match (c.min, c.max) {
        (Some(min), Some(max)) => notes.push(format!("From {min} to {max}.")),
        (Some(min), None) => notes.push(format!("At least {min}.")),
        (None, Some(max)) => notes.push(format!("At most {max}.")),
        (None, None) => {}
    }
    match (c.min_length, c.max_length) {
        (Some(min), Some(max)) => notes.push(format!("{min} to {max} characters.")),
        (Some(min), None) => notes.push(format!("At least {min} characters.")),
        (None, Some(max)) => notes.push(format!("At most {max} characters.")),
        (None, None) => {}
    }
    if let Some(pattern) = &c.pattern {
        notes.push(format!("Matches `{pattern}` (the whole value)."));
    }
    if c.non_empty {
        notes.push("Not empty.".to_owned());
    }
    if let Some(max) = c.max_items {
        notes.push(format!("At most {max} items."));
    }
    if field.sensitive {
        notes.push("Sensitive: never shown in `Debug` output or error messages.".to_owned());
    }
    notes.join(" ")
}

/// One field of a struct, with its docs and serde attributes. `owner` is the struct's name
/// (for `default = "Owner::default_x"`).
pub(crate) fn struct_field(cx: &Context<'_>, owner: &str, field: &Field) -> TokenStream {
    let name = field_name(&field.name);
    let docs = doc_paragraphs(&[field.description.as_str(), &field_notes(field)]);
    let mut serde_args = Vec::new();
    if name.renamed {
        let wire = &field.name;
        serde_args.push(quote!(rename = #wire));
    }
    if has_default_fn(field) {
        let path = format!("{owner}::{}", default_fn_name(field));
        serde_args.push(quote!(default = #path));
    } else if field.optional || field.default.is_some() {
        serde_args.push(quote!(default));
    }
    if field.ty == FieldType::DateTime {
        let adapter = cx.rt_text(if field.optional {
            "__private::datetime_opt"
        } else {
            "__private::datetime"
        });
        serde_args.push(quote!(with = #adapter));
    }
    let serde_attr = (!serde_args.is_empty()).then(|| quote!(#[serde(#(#serde_args),*)]));
    let ident = name.ident;
    let ty = field_type(cx, field);
    quote! {
        #docs
        #serde_attr
        pub #ident: #ty,
    }
}

/// The `default_<field>()` functions of the fields whose default is not the type's default;
/// serde calls them for absent fields.
pub(crate) fn default_fns(cx: &Context<'_>, fields: &[Field]) -> Vec<TokenStream> {
    fields
        .iter()
        .filter(|field| has_default_fn(field))
        .filter_map(|field| {
            let value = field.default.as_ref()?;
            let docs = doc(&format!(
                "The value of `{}` when it is absent on the wire: `{}`.",
                field.name,
                describe_default(value)
            ));
            let name = default_fn_name(field);
            let ty = field_type(cx, field);
            let expr = field_default_expr(cx, field, value);
            Some(quote! {
                #docs
                #[must_use]
                pub fn #name() -> #ty {
                    #expr
                }
            })
        })
        .collect()
}

/// Some field is sensitive, so `Debug` is written by hand instead of derived.
pub(crate) fn has_sensitive(fields: &[Field]) -> bool {
    fields.iter().any(|field| field.sensitive)
}

/// `impl Debug` that prints `<redacted>` for sensitive fields; `envelope` first when the
/// struct has one.
pub(crate) fn redacting_debug(owner: &str, fields: &[Field], envelope: bool) -> TokenStream {
    let name = ident(owner);
    let envelope = envelope.then(|| quote!(.field("envelope", &self.envelope)));
    let fields = fields.iter().map(|field| {
        let wire = &field.name;
        let ident = field_name(&field.name).ident;
        if field.sensitive {
            quote!(.field(#wire, &format_args!("<redacted>")))
        } else {
            quote!(.field(#wire, &self.#ident))
        }
    });
    quote! {
        impl ::std::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#owner)
                    #envelope
                    #(#fields)*
                    .finish()
            }
        }
    }
}

/// A named enum: the type, `ALL`, `as_str`, `Display` and serde as the wire string.
pub(crate) fn enum_items(cx: &Context<'_>, def: &EnumDef) -> TokenStream {
    if def.open && def.values.iter().any(|value| value.variant == "Unknown") {
        let error = syntax::compile_error(&format!(
            "open enum `{}` has a value named `unknown`, which clashes with its `Unknown(String)` variant",
            def.name
        ));
        return quote!(#error;);
    }
    let name = ident(&def.name);
    let serde = cx.serde();
    let docs = doc(&def.description);
    let std_derives: &[&str] = if def.open {
        &["Debug", "Clone", "PartialEq", "Eq", "Hash"]
    } else {
        &["Debug", "Clone", "Copy", "PartialEq", "Eq", "Hash"]
    };
    let derives = cx.derives(std_derives, false);
    let variants: Vec<_> = def
        .values
        .iter()
        .map(|value| ident(&value.variant))
        .collect();
    let wires: Vec<_> = def
        .values
        .iter()
        .map(|value| str_lit(&value.wire))
        .collect();
    let variant_docs = def.values.iter().map(|value| {
        let wire_note = format!("On the wire: `{}`.", value.wire);
        doc_paragraphs(&[value.description.as_str(), &wire_note])
    });
    let count = proc_macro2::Literal::usize_unsuffixed(def.values.len());
    let (unknown_variant, unknown_str, str_lifetime) = if def.open {
        (
            quote! {
                /// A value this version of the schema does not know, kept as it was on the wire.
                Unknown(String),
            },
            quote!(Self::Unknown(value) => value,),
            quote!(&str),
        )
    } else {
        (TokenStream::new(), TokenStream::new(), quote!(&'static str))
    };
    let expected: Vec<&str> = def.values.iter().map(|value| value.wire.as_str()).collect();
    let unknown_value = if def.open {
        quote!(_ => Ok(Self::Unknown(value)),)
    } else {
        let message = format!(
            "unknown value `{{value}}` for {}, expected one of {}",
            def.name.replace('{', "{{").replace('}', "}}"),
            expected.join(", ").replace('{', "{{").replace('}', "}}")
        );
        quote!(_ => Err(#serde::de::Error::custom(format_args!(#message))),)
    };
    quote! {
        #docs
        #derives
        pub enum #name {
            #(#variant_docs #variants,)*
            #unknown_variant
        }

        impl #name {
            /// Every value the schema defines, in schema order.
            pub const ALL: [Self; #count] = [#(Self::#variants),*];

            /// The value as written on the wire.
            #[must_use]
            pub fn as_str(&self) -> #str_lifetime {
                match self {
                    #(Self::#variants => #wires,)*
                    #unknown_str
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl #serde::Serialize for #name {
            fn serialize<S: #serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> #serde::Deserialize<'de> for #name {
            fn deserialize<D: #serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value: String = #serde::Deserialize::deserialize(deserializer)?;
                match value.as_str() {
                    #(#wires => Ok(Self::#variants),)*
                    #unknown_value
                }
            }
        }
    }
}

/// A named record: the struct, its default functions, `validate`, and `Debug`.
pub(crate) fn record_items(cx: &Context<'_>, def: &RecordDef) -> TokenStream {
    let name = ident(&def.name);
    let rt = cx.rt();
    let docs = doc(&def.description);
    let sensitive = has_sensitive(&def.fields);
    let std_derives: &[&str] = if sensitive {
        &["Clone", "PartialEq"]
    } else {
        &["Debug", "Clone", "PartialEq"]
    };
    let derives = cx.derives(std_derives, true);
    let fields = def
        .fields
        .iter()
        .map(|field| struct_field(cx, &def.name, field));
    let default_fns = default_fns(cx, &def.fields);
    let validate_body =
        checks::validate_body(cx, &def.fields, None).unwrap_or_else(|| quote!(Ok(())));
    let debug = sensitive.then(|| redacting_debug(&def.name, &def.fields, false));
    quote! {
        #docs
        #derives
        pub struct #name {
            #(#fields)*
        }

        impl #name {
            #(#default_fns)*

            /// Checks the constraints of the schema and reports every violation, with the path
            /// of its field.
            pub fn validate(&self) -> Result<(), #rt::ValidationError> {
                #validate_body
            }
        }

        #debug
    }
}
