//! `#[derive(Event)]`: implements `event_runtime::Event` for a hand-written struct.
//!
//! This crate is thin: it parses the input ([`attr`]), checks it, and emits the impl
//! ([`expand`]). Every error is spanned on the offending token and all are reported together.
//! Use it through `event_runtime::Event` (the `derive` feature, on by default).
//!
//! ```ignore
//! #[derive(Debug, Serialize, Deserialize, Event)]
//! #[event(name = "user.created", version = 2, previous = UserCreatedV1)]
//! struct UserCreatedV2 {
//!     #[serde(flatten)]
//!     envelope: Envelope,
//!     #[event(sensitive)]
//!     phone_number: Option<String>,
//! }
//! ```

mod attr;
mod expand;

use proc_macro::TokenStream;

/// Implements `event_runtime::Event`.
///
/// Container attributes, in `#[event(...)]`:
/// - `name = "domain.action"` (required): the event type.
/// - `version = N` (required, N >= 1): the version number.
/// - `previous = Type`: the version before this one; `From<Type> for Self` must exist, and
///   data of any older version is decoded and upgraded through it.
/// - `description = "..."`: defaults to the struct's doc comment.
/// - `validate = path::to::function`: extra checks, `fn(&Self) -> Result<(), ValidationError>`.
///
/// Field attributes: `#[event(sensitive)]` keeps a field's values out of error messages;
/// `#[event(envelope)]` marks the envelope field when it is not named `envelope`.
#[proc_macro_derive(Event, attributes(event))]
pub fn derive_event(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input).into()
}
