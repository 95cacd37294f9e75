//! `#[derive(Event)]`: implements `event_runtime::Event` for a hand-written struct.
//!
//! This crate is thin, one module per stage: `attr` parses the attributes, `check` judges
//! them and the struct (with `shape`, the level's spelling and the wire-shape fingerprint),
//! `expand` emits the impl. Every error is spanned on the offending
//! token, all of them are reported together, and a stub impl follows them so that the type's
//! other uses add no errors. Use it through `event_runtime::Event` (the `derive` feature, on
//! by default).
//!
//! ```
//! use event_runtime::{Envelope, Event};
//! use serde::{Deserialize, Serialize};
//!
//! /// A user signed up.
//! #[derive(Debug, Serialize, Deserialize, Event)]
//! #[event(name = "user.created", version = 1)]
//! struct UserCreatedV1 {
//!     #[serde(flatten)]
//!     envelope: Envelope,
//!     first_name: String,
//! }
//!
//! /// A user signed up, with a phone number.
//! // No `Debug` derive: with a sensitive field, `Event` writes a `Debug` that redacts it.
//! #[derive(Serialize, Deserialize, Event)]
//! #[event(name = "user.created", version = 2, previous = UserCreatedV1)]
//! struct UserCreatedV2 {
//!     #[serde(flatten)]
//!     envelope: Envelope,
//!     first_name: String,
//!     #[event(sensitive)]
//!     phone_number: Option<String>,
//! }
//!
//! impl From<UserCreatedV1> for UserCreatedV2 {
//!     fn from(v1: UserCreatedV1) -> Self {
//!         Self { envelope: v1.envelope, first_name: v1.first_name, phone_number: None }
//!     }
//! }
//!
//! let v1 = UserCreatedV1 { envelope: Envelope::new(), first_name: "Ada".into() };
//! let json = event_runtime::encode(&v1)?;
//! let v2 = UserCreatedV2::decode_version(1, &json)?;
//! assert_eq!(v2.first_name, "Ada");
//! assert_eq!(UserCreatedV2::SENSITIVE_FIELDS, ["phone_number"]);
//! assert!(format!("{v2:?}").contains("phone_number: <redacted>"));
//! assert_eq!(UserCreatedV2::DESCRIPTION, "A user signed up, with a phone number.");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod attr;
mod check;
mod errors;
mod expand;
mod shape;

use proc_macro::TokenStream;

/// Implements `event_runtime::Event`.
///
/// Container attributes, in `#[event(...)]`:
/// - `name = "domain.action"` (required): the event type.
/// - `version = N` (required, N >= 1): the version number.
/// - `previous = Type`: version N-1 of the same event; `From<Type> for Self` must exist, and
///   data of any older version is decoded and upgraded through it.
/// - `description = "..."`: defaults to the struct's doc comment.
/// - `validate = path::to::function`: extra checks, `fn(&Self) -> Result<(), ValidationError>`.
/// - `compatibility = "FULL"`: the type's compatibility level, spelt as in schema files
///   (`BACKWARD`, the default of a schema, `FORWARD`, `FULL`, their `_TRANSITIVE` forms,
///   `NONE`). Under `FORWARD`, `FULL` and their transitive forms, a subscriber of this version
///   reads newer versions of the type as this one; give every version of a type the same level.
///
/// `Event::FINGERPRINT` is computed from the payload fields (wire names, Rust types as
/// written, order); `Event::JSON_SCHEMA` is `None`, as there is no schema.
///
/// Field attributes: `#[event(sensitive)]` keeps a field's values out of error messages and
/// out of `Debug`, as for generated structs: a struct with a sensitive field gets its `Debug`
/// from this derive, every field in order and the sensitive ones as `<redacted>`, so it does
/// not derive `Debug` itself (the two would conflict);
/// `#[event(envelope)]` marks the envelope field when it is not named `envelope`.
///
/// The struct needs named fields, no generics, and an envelope field with `#[serde(flatten)]`;
/// payload fields may not use the envelope's wire names (`event_id`, `user_id`, ...).
#[proc_macro_derive(Event, attributes(event))]
pub fn derive_event(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input).into()
}
