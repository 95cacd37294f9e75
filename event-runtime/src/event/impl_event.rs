//! The one shape of an `impl Event`: generated code and `#[derive(Event)]` both expand to
//! [`impl_event!`](crate::__private::impl_event), so the two cannot drift.

use super::Event;
use super::decode::{DecodeError, decode_exact, decode_newer};

/// Implements [`Event`] for a struct: its constants, its envelope accessors, its checks and,
/// for every version but the first, the upgrade from the version before
/// ([`UpgradesTo`]). Generated code and `#[derive(Event)]` expand to this; it is not part of
/// the stable API.
///
/// Generated code names its envelope field `envelope` and its checks as a method:
///
/// ```text
/// ::event_runtime::__private::impl_event! {
///     UserCreatedV2 {
///         event_type = "user.created";
///         version = 2;
///         description = "A user signed up.";
///         sensitive_fields = ["phone_number"];
///         compatibility = Full;             // optional: a `Compatibility` variant
///         fingerprint = "9f2c…";            // optional: the wire shape's SHA-256, hex
///         json_schema = "{…}";              // optional: the version's JSON Schema
///         validate = validate_schema;       // optional: a method of the struct
///         previous = UserCreatedV1;         // optional: the version before
///     }
/// }
/// ```
///
/// The derive writes the accessors and the check itself, spanned on the user's tokens so that
/// a type error points there, and passes `self` in so that those expressions may use it
/// (macro hygiene would hide a `self` of the macro's own from them):
///
/// ```text
/// ::event_runtime::__private::impl_event! {
///     self: ParcelShippedV2 {
///         event_type = "parcel.shipped";
///         version = 2;
///         description = "";
///         sensitive_fields = [];
///         compatibility = Backward;         // optional
///         fingerprint = "3b1d…";            // optional
///         envelope = &self.envelope;
///         envelope_mut = &mut self.envelope;
///         validate = check_shipped(self);   // optional
///         previous = ParcelShippedV1;       // optional
///     }
/// }
/// ```
#[macro_export]
#[doc(hidden)]
macro_rules! __impl_event {
    (
        $self:ident: $event:ty {
            event_type = $event_type:expr;
            version = $version:expr;
            description = $description:expr;
            sensitive_fields = [$($sensitive:expr),* $(,)?];
            $(compatibility = $compatibility:ident;)?
            $(fingerprint = $fingerprint:expr;)?
            $(json_schema = $json_schema:expr;)?
            envelope = $envelope:expr;
            envelope_mut = $envelope_mut:expr;
            $(validate = $validate:expr;)?
            $(previous = $previous:ty;)?
        }
    ) => {
        impl $crate::Event for $event {
            const EVENT_TYPE: &'static str = $event_type;
            const VERSION: u32 = $version;
            const DESCRIPTION: &'static str = $description;
            const SENSITIVE_FIELDS: &'static [&'static str] = &[$($sensitive),*];
            $(
                const COMPATIBILITY: $crate::Compatibility = $crate::Compatibility::$compatibility;
            )?
            $(const FINGERPRINT: ::core::option::Option<&'static str> = ::core::option::Option::Some($fingerprint);)?
            $(const JSON_SCHEMA: ::core::option::Option<&'static str> = ::core::option::Option::Some($json_schema);)?

            fn envelope(&$self) -> &$crate::Envelope {
                $envelope
            }

            fn envelope_mut(&mut $self) -> &mut $crate::Envelope {
                $envelope_mut
            }

            $(
                fn validate(&$self) -> ::core::result::Result<(), $crate::ValidationError> {
                    $validate
                }
            )?

            $(
                /// Reads data of this version, of an older one upgraded through the
                /// version before, or of a newer one where the type's level promises it.
                fn decode_version(
                    version: u32,
                    event_data: &str,
                ) -> ::core::result::Result<Self, $crate::DecodeError> {
                    <$previous as $crate::__private::UpgradesTo<Self>>::decode_upgraded(
                        version, event_data,
                    )
                }
            )?
        }
    };
    (
        $event:ident {
            event_type = $event_type:expr;
            version = $version:expr;
            description = $description:expr;
            sensitive_fields = [$($sensitive:expr),* $(,)?];
            $(compatibility = $compatibility:ident;)?
            $(fingerprint = $fingerprint:expr;)?
            $(json_schema = $json_schema:expr;)?
            $(validate = $validate:ident;)?
            $(previous = $previous:ty;)?
        }
    ) => {
        $crate::__impl_event! {
            self: $event {
                event_type = $event_type;
                version = $version;
                description = $description;
                sensitive_fields = [$($sensitive),*];
                $(compatibility = $compatibility;)?
                $(fingerprint = $fingerprint;)?
                $(json_schema = $json_schema;)?
                envelope = &self.envelope;
                envelope_mut = &mut self.envelope;
                $(validate = self.$validate();)?
                $(previous = $previous;)?
            }
        }
    };
}

/// An event version that upgrades to `E`, the version after it, through `From`: what
/// [`impl_event!`](crate::__private::impl_event) decodes older data with. A trait of the
/// previous version rather than a function, so that a missing `From` impl is reported on the
/// `previous` type the user named.
#[doc(hidden)]
pub trait UpgradesTo<E>: Event {
    /// Decodes wire JSON written at `version` and upgrades it through the migration chain to
    /// `E`: data of `E`'s own version is decoded as `E`, older data as `Self` (and so on down
    /// the chain), then converted and checked; newer data as `decode_newer` reads it.
    fn decode_upgraded(version: u32, event_data: &str) -> Result<E, DecodeError>;
}

impl<P, E> UpgradesTo<E> for P
where
    P: Event,
    E: Event + From<P>,
{
    fn decode_upgraded(version: u32, event_data: &str) -> Result<E, DecodeError> {
        if version == E::VERSION {
            return decode_exact(event_data);
        }
        if version > E::VERSION {
            return decode_newer(version, event_data);
        }
        let upgraded = E::from(P::decode_version(version, event_data)?);
        upgraded.validate().map_err(DecodeError::invalid::<E>)?;
        Ok(upgraded)
    }
}
