//! The catalogue's name and version, and `registry()` with every version of every event.

use proc_macro2::TokenStream;
use quote::quote;

use super::Context;
use super::syntax::{doc, ident, str_lit};

/// `CATALOGUE_NAME`, `CATALOGUE_VERSION` and `registry()`.
pub(crate) fn catalogue_items(cx: &Context<'_>) -> TokenStream {
    let rt = cx.rt();
    let catalogue = cx.catalogue;
    let name = str_lit(&catalogue.name);
    let version = str_lit(&catalogue.version.to_string());
    let structs: Vec<_> = catalogue
        .events
        .values()
        .flat_map(|event| {
            event
                .versions
                .iter()
                .map(|version| ident(&event.struct_name(version.number)))
        })
        .collect();
    let registry_docs = doc(&format!(
        "A registry of every version of every event of `{}` {}, for decoding by event type and version.",
        catalogue.name, catalogue.version
    ));
    let body = if structs.is_empty() {
        quote!(#rt::Registry::new())
    } else {
        quote! {
            let mut registry = #rt::Registry::new();
            #(registry.register::<#structs>();)*
            registry
        }
    };
    quote! {
        /// Name of the catalogue these events were generated from.
        pub const CATALOGUE_NAME: &str = #name;

        /// Version of the catalogue these events were generated from (semver).
        pub const CATALOGUE_VERSION: &str = #version;

        #registry_docs
        pub fn registry() -> #rt::Registry {
            #body
        }
    }
}
