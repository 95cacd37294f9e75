//! Handlers: what users register, and the one shape the subscriber runs them in.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use crate::event::Event;

/// Why a handler failed. Build it from any error with `?` or `.into()`, or with
/// [`HandlerError::new`].
///
/// A failed entry stays pending and is tried again with backoff until it has been delivered
/// `max_deliveries` times, then it is dead-lettered. A [`permanent`](HandlerError::permanent)
/// failure is dead-lettered at once.
///
/// The message is stored in the dead-letter entry and logged: do not put values of sensitive
/// fields into it.
pub struct HandlerError {
    message: String,
    permanent: bool,
}

impl HandlerError {
    /// A failure worth retrying.
    pub fn new(message: impl fmt::Display) -> Self {
        Self {
            message: message.to_string(),
            permanent: false,
        }
    }

    /// A failure that retrying cannot fix: the entry goes to the dead-letter stream at once.
    pub fn permanent(message: impl fmt::Display) -> Self {
        Self {
            message: message.to_string(),
            permanent: true,
        }
    }

    /// Whether the failure skips the retries.
    pub fn is_permanent(&self) -> bool {
        self.permanent
    }

    /// The message, with the error's causes after `: `.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl<E> From<E> for HandlerError
where
    E: Into<Box<dyn StdError + Send + Sync>>,
{
    fn from(error: E) -> Self {
        let error: Box<dyn StdError + Send + Sync> = error.into();
        let mut message = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Self {
            message,
            permanent: false,
        }
    }
}

impl fmt::Debug for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandlerError")
            .field("message", &self.message)
            .field("permanent", &self.permanent)
            .finish()
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// An entry as raw handlers receive it: checked to be an event of the stream's type with a
/// known version and JSON `event_data`, not decoded further.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RawEvent {
    /// The stream, `events:<type>`.
    pub stream: String,
    /// The entry id.
    pub id: String,
    /// The event type.
    pub event_type: String,
    /// The version the entry was written at.
    pub version: u32,
    /// The wire JSON.
    pub event_data: String,
    /// How many times the entry has been delivered, this delivery included.
    pub deliveries: u32,
}

/// What running a handler came to.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Acknowledge.
    Done,
    /// Retry, or dead-letter when out of attempts or permanent.
    Failed(HandlerError),
    /// The data does not decode as the handler's type: dead-letter at once.
    Undecodable(String),
}

pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// An entry as a handler gets it, borrowed from the read's reply: a typed handler decodes
/// straight from the reply's bytes, and only a raw handler copies them (into a [`RawEvent`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Delivery<'a> {
    pub(crate) stream: &'a str,
    pub(crate) id: &'a str,
    pub(crate) event_type: &'a str,
    pub(crate) version: u32,
    pub(crate) event_data: &'a str,
    pub(crate) deliveries: u32,
}

impl Delivery<'_> {
    /// A copy that owns its text, for raw handlers and replay.
    pub(crate) fn to_raw(self) -> RawEvent {
        RawEvent {
            stream: self.stream.to_owned(),
            id: self.id.to_owned(),
            event_type: self.event_type.to_owned(),
            version: self.version,
            event_data: self.event_data.to_owned(),
            deliveries: self.deliveries,
        }
    }
}

/// A handler of one event type, with its input type erased. `call` decodes (or copies) the
/// delivery before it returns; the future it returns owns what it needs.
pub(crate) trait ErasedHandler: Send + Sync {
    fn call(&self, delivery: Delivery<'_>) -> BoxFuture<Outcome>;
}

/// Decodes (and upgrades) to `E`, then calls the user's function.
pub(crate) struct Typed<E, F> {
    function: F,
    event: PhantomData<fn() -> E>,
}

impl<E, F> Typed<E, F> {
    pub(crate) fn new(function: F) -> Self {
        Self {
            function,
            event: PhantomData,
        }
    }
}

impl<E, F, Fut> ErasedHandler for Typed<E, F>
where
    E: Event,
    F: Fn(E) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
{
    fn call(&self, delivery: Delivery<'_>) -> BoxFuture<Outcome> {
        match E::decode_version(delivery.version, delivery.event_data) {
            Ok(event) => {
                let running = (self.function)(event);
                Box::pin(async move { into_outcome(running.await) })
            }
            Err(error) => {
                let reason = format!(
                    "cannot decode as {} v{}: {error}",
                    E::EVENT_TYPE,
                    E::VERSION
                );
                Box::pin(std::future::ready(Outcome::Undecodable(reason)))
            }
        }
    }
}

/// Calls the user's function with the raw entry.
pub(crate) struct Raw<F>(pub(crate) F);

impl<F, Fut> ErasedHandler for Raw<F>
where
    F: Fn(RawEvent) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
{
    fn call(&self, delivery: Delivery<'_>) -> BoxFuture<Outcome> {
        let running = (self.0)(delivery.to_raw());
        Box::pin(async move { into_outcome(running.await) })
    }
}

fn into_outcome(result: Result<(), HandlerError>) -> Outcome {
    match result {
        Ok(()) => Outcome::Done,
        Err(error) => Outcome::Failed(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("database unavailable")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn handler_errors_come_from_anything_and_keep_their_causes() {
        let from_str: HandlerError = "boom".into();
        assert_eq!(from_str.to_string(), "boom");
        assert!(!from_str.is_permanent());
        let chained: HandlerError = Outer(std::io::Error::other("connection reset")).into();
        assert_eq!(chained.message(), "database unavailable: connection reset");
        assert!(HandlerError::permanent("bad input").is_permanent());
    }
}
