//! The [`Event`] trait, implemented by generated structs and by `#[derive(Event)]`, and how an
//! event is read (`decode.rs`) and written (`encode.rs`).

pub(crate) mod compatibility;
pub(crate) mod decode;
pub(crate) mod encode;
pub(crate) mod impl_event;

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::envelope::Envelope;
use crate::validate::ValidationError;
use compatibility::Compatibility;
use decode::DecodeError;

/// One version of one event type: `UserCreatedV2` is `user.created` at version 2.
///
/// The struct serializes to the flat wire layout: the [`Envelope`] is a
/// `#[serde(flatten)]` field, the payload fields sit beside it. Implementations come from the
/// code generator or from `#[derive(Event)]`; writing one by hand is possible but needless.
pub trait Event: Serialize + DeserializeOwned + fmt::Debug + Send + Sync + 'static {
    /// The event type, `domain.action`: `user.created`.
    const EVENT_TYPE: &'static str;
    /// The version number: `2` for `v2`.
    const VERSION: u32;
    /// The schema's description of this version.
    const DESCRIPTION: &'static str = "";
    /// Payload fields whose values must never appear in logs, `Debug` output or errors.
    const SENSITIVE_FIELDS: &'static [&'static str] = &[];
    /// The compatibility level of the event type, as `events lint` enforces it between its
    /// versions. A subscriber reads a newer version of the type as this one when the level
    /// promises that old readers read new data ([`Compatibility::old_readers_read_new_data`]).
    const COMPATIBILITY: Compatibility = Compatibility::Backward;
    /// The fingerprint of this version's wire shape: lowercase hex SHA-256 of a canonical text
    /// (docs/wire-format.md, "Fingerprints and levels"), so that two services built from equal
    /// schemas agree and an in-place edit of a released version is noticed. `None` when the
    /// shape is not known.
    const FINGERPRINT: Option<&'static str> = None;
    /// The JSON Schema of this version's wire JSON, as `events export --format json-schema`
    /// writes it for the version; `None` when the event is not from a schema.
    const JSON_SCHEMA: Option<&'static str> = None;

    /// The envelope.
    fn envelope(&self) -> &Envelope;

    /// The envelope, to fill or change it.
    fn envelope_mut(&mut self) -> &mut Envelope;

    /// Checks the constraints of the schema. Publishing and decoding call this.
    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }

    /// Decodes wire JSON written at `version` and upgrades it to this version through the
    /// migration chain. Data of a newer version is read as this version when
    /// [`Self::COMPATIBILITY`] promises that old readers read new data (unknown fields
    /// ignored, this version's constraints checked), and is a [`DecodeError::NewerVersion`]
    /// naming the upgrade otherwise. The default accepts `Self::VERSION` and, so, newer
    /// versions, but no older ones.
    fn decode_version(version: u32, event_data: &str) -> Result<Self, DecodeError> {
        decode::decode_own_version(version, event_data)
    }
}
