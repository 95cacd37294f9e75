//! Events: one struct per version with its `Event` impl, the `From` upgrade from the previous
//! version, and the alias of the newest version.

use proc_macro2::TokenStream;
use quote::quote;

use super::Context;
use super::syntax::{doc_paragraphs, field_name, ident, raw_str_lit, str_lit};
use super::{checks, migrate, types};
use crate::compat::fingerprint::fingerprint;
use crate::compat::lint::level_of;
use crate::export::jsonschema;
use crate::ir::{EventDef, VersionDef};

/// Every item of one event type.
pub(crate) fn event_items(cx: &Context<'_>, event: &EventDef) -> TokenStream {
    let versions = event.versions.iter().enumerate().map(|(index, version)| {
        let previous = index
            .checked_sub(1)
            .and_then(|previous| event.versions.get(previous));
        let items = version_items(cx, event, version, previous);
        let upgrade = previous.map(|previous| migrate::from_impl(cx, event, previous, version));
        quote!(#items #upgrade)
    });
    let alias = event.latest().map(|latest| {
        let alias = ident(&event.rust_name());
        let target = event.struct_name(latest.number);
        let docs = doc_paragraphs(&[
            format!("The newest version of `{}`: [`{target}`].", event.name),
            event.description.clone(),
        ]);
        let target = ident(&target);
        quote! {
            #docs
            pub type #alias = #target;
        }
    });
    quote! {
        #(#versions)*
        #alias
    }
}

/// The struct of one version, its inherent impl (default functions, the schema's checks),
/// `Debug` when it must redact, and `impl Event` (through the runtime's `impl_event!`).
fn version_items(
    cx: &Context<'_>,
    event: &EventDef,
    version: &VersionDef,
    previous: Option<&VersionDef>,
) -> TokenStream {
    let rt = cx.rt();
    let struct_name = event.struct_name(version.number);
    let name = ident(&struct_name);
    let user_id_note = version
        .requires_user_id
        .as_ref()
        .map(|why| format!("The envelope's `user_id` is required: {why}"))
        .unwrap_or_default();
    let docs = doc_paragraphs(&[
        event.description.clone(),
        format!(
            "Version {} of `{}`: {}",
            version.number, event.name, version.description
        ),
        user_id_note.clone(),
    ]);
    let envelope_docs = doc_paragraphs(&[
        "The envelope: event id, time, source service, correlation id, user id and metadata.",
        &user_id_note,
    ]);
    let sensitive = types::has_sensitive(&version.fields);
    let std_derives: &[&str] = if sensitive {
        &["Clone", "PartialEq"]
    } else {
        &["Debug", "Clone", "PartialEq"]
    };
    let derives = cx.derives(std_derives, true);
    let fields = version
        .fields
        .iter()
        .map(|field| types::struct_field(cx, &struct_name, field));

    let debug = sensitive.then(|| types::redacting_debug(&struct_name, &version.fields, true));

    let event_type = str_lit(&event.name);
    let number = proc_macro2::Literal::u32_unsuffixed(version.number);
    let description = str_lit(version.description.trim());
    // A field holding a record with sensitive fields is listed too: decode errors are redacted
    // by top-level field.
    let sensitive_fields: Vec<&str> = version
        .fields
        .iter()
        .filter(|field| field.sensitive || cx.holds_sensitive(&field.ty))
        .map(|field| field.name.as_str())
        .collect();
    // The checks of the schema, as a private method the `impl Event` calls.
    let checks = checks::validate_body(cx, &version.fields, version.requires_user_id.as_deref())
        .map(|body| {
            quote! {
                /// The constraints of the schema; `Event::validate` checks them.
                fn validate_schema(&self) -> Result<(), #rt::ValidationError> {
                    #body
                }
            }
        });
    let validate = checks
        .is_some()
        .then(|| quote!(validate = validate_schema;));
    let previous = previous.map(|previous| {
        let previous = ident(&event.struct_name(previous.number));
        quote!(previous = #previous;)
    });

    let default_fns = types::default_fns(cx, &version.fields);
    let inherent = (!default_fns.is_empty() || checks.is_some()).then(|| {
        quote! {
            impl #name {
                #(#default_fns)*
                #checks
            }
        }
    });

    // What the registry carries of the version: the type's level as the lint enforces it,
    // the fingerprint of the wire shape, and the JSON Schema `events export` writes.
    let compatibility = ident(&format!("{:?}", level_of(cx.catalogue, &event.name)));
    let fingerprint = str_lit(&fingerprint(cx.catalogue, event, version));
    let json_schema = raw_str_lit(
        &serde_json::to_string(&jsonschema::event_version(cx.catalogue, event, version))
            .unwrap_or_default(),
    );
    let schema_const = ident(&format!(
        "{}_JSON_SCHEMA",
        event_names::to_snake_case(&struct_name).to_ascii_uppercase()
    ));
    let schema_docs = doc_paragraphs(&[format!(
        "The JSON Schema of `{}` v{}, as exported, in compact form (`Event::JSON_SCHEMA`).",
        event.name, version.number
    )]);

    let wire = wire_items(cx, &struct_name, version);
    let wire_name = str_lit(&wire_struct_name(&struct_name));

    quote! {
        #docs
        #derives
        #[serde(from = #wire_name)]
        pub struct #name {
            #envelope_docs
            #[serde(flatten)]
            pub envelope: #rt::Envelope,
            #(#fields)*
        }

        #wire

        #inherent
        #debug

        #schema_docs
        const #schema_const: &str = #json_schema;

        // The one `impl Event` shape, shared with `#[derive(Event)]`.
        #rt::__private::impl_event! {
            #name {
                event_type = #event_type;
                version = #number;
                description = #description;
                sensitive_fields = [#(#sensitive_fields),*];
                compatibility = #compatibility;
                fingerprint = #fingerprint;
                json_schema = #schema_const;
                #validate
                #previous
            }
        }
    }
}

fn wire_struct_name(struct_name: &str) -> String {
    format!("__{struct_name}Wire")
}

/// What the event struct is deserialized from: the envelope's fields inline beside the
/// payload's. Serde's `flatten` (kept for serializing) buffers every key it does not know
/// before reading the envelope from the buffer, which doubles the cost of a decode; this
/// struct reads each key once. The envelope fields carry the attributes of
/// `event_runtime::Envelope`'s own `Deserialize`.
fn wire_items(cx: &Context<'_>, struct_name: &str, version: &VersionDef) -> TokenStream {
    let rt = cx.rt();
    let serde = cx.serde();
    let serde_crate = cx.rt_text("__private::serde");
    let datetime = cx.rt_text("__private::datetime");
    let null_as_default = cx.rt_text("__private::null_as_default");
    let name = ident(struct_name);
    let wire = ident(&wire_struct_name(struct_name));
    let fields = version
        .fields
        .iter()
        .map(|field| types::struct_field(cx, struct_name, field));
    let moves = version.fields.iter().map(|field| {
        let field = field_name(&field.name).ident;
        quote!(#field: wire.#field,)
    });
    quote! {
        #[doc(hidden)]
        #[derive(#serde::Deserialize)]
        #[serde(crate = #serde_crate)]
        struct #wire {
            event_id: #rt::EventId,
            #[serde(with = #datetime)]
            timestamp: #rt::__private::chrono::DateTime<#rt::__private::chrono::Utc>,
            #[serde(default, deserialize_with = #null_as_default)]
            source_service: String,
            #[serde(default)]
            correlation_id: Option<String>,
            #[serde(default)]
            user_id: Option<i64>,
            #[serde(default, deserialize_with = #null_as_default)]
            metadata: #rt::__private::serde_json::Map<String, #rt::__private::serde_json::Value>,
            #(#fields)*
        }

        impl From<#wire> for #name {
            fn from(wire: #wire) -> Self {
                Self {
                    envelope: #rt::Envelope {
                        event_id: wire.event_id,
                        timestamp: wire.timestamp,
                        source_service: wire.source_service,
                        correlation_id: wire.correlation_id,
                        user_id: wire.user_id,
                        metadata: wire.metadata,
                    },
                    #(#moves)*
                }
            }
        }
    }
}
