//! The [`Event`] trait, implemented by generated structs and by `#[derive(Event)]`.

use std::any::Any;
use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::envelope::Envelope;
use crate::error::{DecodeError, EncodeError};
use crate::validate::ValidationError;

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

    /// The envelope.
    fn envelope(&self) -> &Envelope;

    /// The envelope, to fill or change it.
    fn envelope_mut(&mut self) -> &mut Envelope;

    /// Checks the constraints of the schema. Publishing and decoding call this.
    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }

    /// Decodes wire JSON written at `version` and upgrades it to this version through the
    /// migration chain. The default accepts only `Self::VERSION`.
    fn decode_version(version: u32, event_data: &str) -> Result<Self, DecodeError> {
        crate::wire::decode_only(version, event_data)
    }
}

/// An event of any type, as the [`Registry`](crate::Registry) returns it.
///
/// Every [`Event`] is a `DynEvent`. Get the concrete type back with
/// `downcast_ref` or `downcast` (methods of `dyn DynEvent`).
pub trait DynEvent: fmt::Debug + Send + Sync + 'static {
    /// The event type.
    fn event_type(&self) -> &'static str;
    /// The version.
    fn version(&self) -> u32;
    /// The envelope.
    fn envelope(&self) -> &Envelope;
    /// The wire JSON.
    fn to_json(&self) -> Result<String, EncodeError>;
    /// Checks the schema's constraints.
    fn validate(&self) -> Result<(), ValidationError>;
    /// For downcasting.
    fn as_any(&self) -> &dyn Any;
    /// For downcasting by value.
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

impl<E: Event> DynEvent for E {
    fn event_type(&self) -> &'static str {
        E::EVENT_TYPE
    }

    fn version(&self) -> u32 {
        E::VERSION
    }

    fn envelope(&self) -> &Envelope {
        Event::envelope(self)
    }

    fn to_json(&self) -> Result<String, EncodeError> {
        crate::wire::encode(self)
    }

    fn validate(&self) -> Result<(), ValidationError> {
        Event::validate(self)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

impl dyn DynEvent {
    /// The concrete event, if it is an `E`.
    pub fn downcast_ref<E: Event>(&self) -> Option<&E> {
        self.as_any().downcast_ref()
    }

    /// The concrete event, or the box back if it is not an `E`.
    pub fn downcast<E: Event>(self: Box<Self>) -> Result<E, Box<dyn Any>> {
        self.into_any().downcast::<E>().map(|event| *event)
    }
}
