//! Emitting: the `Event` impl of a checked [`Event`] (through the runtime's `impl_event!`,
//! which generated code expands to as well), or the errors plus a stub impl.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::DeriveInput;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use crate::check::{self, Event};

/// The impl, or every error and a stub impl.
pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    match check::event(input) {
        Ok(event) => emit(&event),
        Err(error) => {
            let mut tokens = error.to_compile_error();
            tokens.extend(stub(input));
            tokens
        }
    }
}

/// An impl that compiles whatever was wrong, so that uses of the type (publishing it,
/// registering it, naming it as `previous`) add no errors of their own. None for a generic
/// type: any impl would. Its empty `EVENT_TYPE`, which no real event has, tells the
/// `previous` check below to stay quiet.
fn stub(input: &DeriveInput) -> TokenStream {
    if !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    let ident = &input.ident;
    quote! {
        impl ::event_runtime::Event for #ident {
            const EVENT_TYPE: &'static str = "";
            const VERSION: u32 = 1;
            fn envelope(&self) -> &::event_runtime::Envelope {
                ::core::unreachable!("`#[derive(Event)]` failed")
            }
            fn envelope_mut(&mut self) -> &mut ::event_runtime::Envelope {
                ::core::unreachable!("`#[derive(Event)]` failed")
            }
        }
    }
}

fn emit(event: &Event<'_>) -> TokenStream {
    let Event {
        ident,
        name,
        version,
        description,
        sensitive,
        ..
    } = event;
    // Spanned on the user's tokens, so that a type error (an envelope field that is not an
    // `Envelope`, a missing `From` impl, a `validate` function of the wrong type) points there.
    let envelope_ident = event.envelope;
    let envelope = quote_spanned!(envelope_ident.span()=> &self.#envelope_ident);
    let envelope_mut = quote_spanned!(envelope_ident.span()=> &mut self.#envelope_ident);
    let validate = event.validate.as_ref().map(|function| {
        let call = quote_spanned!(function.span()=> #function(self));
        quote!(validate = #call;)
    });
    let previous = event
        .previous
        .as_ref()
        .map(|previous| quote!(previous = #previous;));
    let compatibility = event.compatibility.as_ref().map(|variant| {
        let variant = syn::Ident::new(variant, proc_macro2::Span::call_site());
        quote!(compatibility = #variant;)
    });
    let fingerprint = &event.fingerprint;
    let previous_check = event.previous.as_ref().map(|previous| {
        let message = format!(
            "`previous` must be version {} of `{name}`, the version right before this one",
            version - 1
        );
        let expected_version = version - 1;
        quote_spanned! {previous.span()=>
            // Checked at compile time: the migration chain steps down one version at a time
            // and never leaves the event type.
            const _: () = {
                let expected = #name.as_bytes();
                let found = <#previous as ::event_runtime::Event>::EVENT_TYPE.as_bytes();
                let mut same = expected.len() == found.len();
                let mut index = 0;
                while same && index < expected.len() {
                    same = expected[index] == found[index];
                    index += 1;
                }
                // An empty type is the stub of a failed derive, whose error is shown already.
                ::core::assert!(
                    found.is_empty()
                        || (same && <#previous as ::event_runtime::Event>::VERSION == #expected_version),
                    #message
                );
            };
        }
    });

    let debug = redacting_debug(event);

    // The one `impl Event` shape, shared with generated code. `self` is passed in so that the
    // expressions spanned on the user's tokens above may use it.
    quote! {
        ::event_runtime::__private::impl_event! {
            self: #ident {
                event_type = #name;
                version = #version;
                description = #description;
                sensitive_fields = [#(#sensitive),*];
                #compatibility
                fingerprint = #fingerprint;
                envelope = #envelope;
                envelope_mut = #envelope_mut;
                #validate
                #previous
            }
        }

        #previous_check
        #debug
    }
}

/// With sensitive fields, the struct's `Debug`, as generated structs have it: every field in
/// order, a sensitive one as `<redacted>`, so that `{:?}` (in logs, panics, test output) never
/// shows the value. Such a struct does not derive `Debug` itself (the two would conflict).
fn redacting_debug(event: &Event<'_>) -> Option<TokenStream> {
    if !event.debug_fields.iter().any(|(_, sensitive)| *sensitive) {
        return None;
    }
    let ident = event.ident;
    let name = ident.unraw().to_string();
    let fields = event.debug_fields.iter().map(|(field, sensitive)| {
        let label = field.unraw().to_string();
        if *sensitive {
            quote!(.field(#label, &::core::format_args!("<redacted>")))
        } else {
            quote!(.field(#label, &self.#field))
        }
    });
    Some(quote! {
        impl ::core::fmt::Debug for #ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(#name)
                    #(#fields)*
                    .finish()
            }
        }
    })
}
