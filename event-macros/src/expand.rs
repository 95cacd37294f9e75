//! Emitting the `Event` impl.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::attr::{self, EventInput};

/// The impl, or the errors plus a stub impl (so that uses of the type do not add errors).
pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    match attr::parse(input) {
        Ok(event) => emit(input, &event),
        Err(error) => {
            let ident = &input.ident;
            let errors = error.to_compile_error();
            quote! {
                #errors
                impl ::event_runtime::Event for #ident {
                    const EVENT_TYPE: &'static str = "invalid.event";
                    const VERSION: u32 = 1;
                    fn envelope(&self) -> &::event_runtime::Envelope {
                        ::core::unreachable!()
                    }
                    fn envelope_mut(&mut self) -> &mut ::event_runtime::Envelope {
                        ::core::unreachable!()
                    }
                }
            }
        }
    }
}

fn emit(input: &DeriveInput, event: &EventInput) -> TokenStream {
    let ident = &input.ident;
    let EventInput {
        name,
        version,
        description,
        envelope,
        sensitive,
        ..
    } = event;
    let decode_version = event.previous.as_ref().map(|previous| {
        quote! {
            fn decode_version(
                version: u32,
                event_data: &str,
            ) -> ::core::result::Result<Self, ::event_runtime::DecodeError> {
                ::event_runtime::wire::decode_via::<Self, #previous>(version, event_data)
            }
        }
    });
    let validate = event.validate.as_ref().map(|function| {
        quote! {
            fn validate(&self) -> ::core::result::Result<(), ::event_runtime::ValidationError> {
                #function(self)
            }
        }
    });
    quote! {
        impl ::event_runtime::Event for #ident {
            const EVENT_TYPE: &'static str = #name;
            const VERSION: u32 = #version;
            const DESCRIPTION: &'static str = #description;
            const SENSITIVE_FIELDS: &'static [&'static str] = &[#(#sensitive),*];

            fn envelope(&self) -> &::event_runtime::Envelope {
                &self.#envelope
            }

            fn envelope_mut(&mut self) -> &mut ::event_runtime::Envelope {
                &mut self.#envelope
            }

            #validate
            #decode_version
        }
    }
}
