//! Real-time fan-out over Redis Pub/Sub: every connected instance gets every event.
//!
//! **At most once.** A message published while a subscriber is disconnected, slow to read,
//! or restarting is lost for it; nothing is acknowledged or retried. Use it for caches,
//! live dashboards and notifications to connected users; use a [`Subscriber`](crate::Subscriber)
//! (a consumer group on the stream) for anything that must not be lost.
//!
//! **Separate from the stream.** The publisher writes each event to its stream and, when
//! enabled for the type, to the channel `events.<type>`, in one transaction. The two paths
//! are separate APIs: a [`LiveSubscription`] never sees what a `Subscriber` handles and the
//! other way round, so one event reaches a handler twice only if you register it on both.

use std::marker::PhantomData;

use futures_util::StreamExt;

use crate::backend::Messages;
use crate::config::Config;
use crate::error::{Error, ErrorKind, Result};
use crate::event::Event;
use crate::memory::MemoryBroker;
use crate::transport::{CONNECT_TIMEOUT, RESPONSE_TIMEOUT, Transport};
use crate::wire::{DataHead, channel_name};

/// A live subscription to the pub/sub channel of `E`'s type, with older versions upgraded.
///
/// ```no_run
/// # use event_runtime::{Config, LiveSubscription};
/// # #[derive(Debug, serde::Serialize, serde::Deserialize, event_runtime::Event)]
/// # #[event(name = "user.created", version = 1)]
/// # struct UserCreatedV1 { #[serde(flatten)] envelope: event_runtime::Envelope, account_id: i64 }
/// # async fn run() -> Result<(), event_runtime::Error> {
/// let mut live = LiveSubscription::<UserCreatedV1>::connect(&Config::from_env()?).await?;
/// while let Some(event) = live.next().await {
///     match event {
///         Ok(event) => println!("account {} just signed up", event.account_id),
///         Err(error) => eprintln!("skipped a message: {error}"),
///     }
/// }
/// # Ok(()) }
/// ```
pub struct LiveSubscription<E> {
    raw: RawLiveSubscription,
    event: PhantomData<fn() -> E>,
}

impl<E> std::fmt::Debug for LiveSubscription<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveSubscription")
            .field("channel", &self.raw.channel)
            .finish_non_exhaustive()
    }
}

impl<E: Event> LiveSubscription<E> {
    /// Subscribes to `events.<type>` on a connection of its own (`config.subscriber_url()`).
    /// Messages published from the moment this returns are received.
    pub async fn connect(config: &Config) -> Result<Self> {
        Ok(Self::of(
            RawLiveSubscription::connect(config, E::EVENT_TYPE).await?,
        ))
    }

    /// Subscribes to `events.<type>` of an in-memory broker. Fails only while the broker is
    /// [stopped](MemoryBroker::stop); the subscription ends when it stops.
    pub async fn in_memory(broker: &MemoryBroker) -> Result<Self> {
        Ok(Self::of(
            RawLiveSubscription::in_memory(broker, E::EVENT_TYPE).await?,
        ))
    }

    fn of(raw: RawLiveSubscription) -> Self {
        Self {
            raw,
            event: PhantomData,
        }
    }

    /// The next event; `None` when the connection closed. A message that cannot be decoded
    /// is returned as an error (kind [`Decode`](ErrorKind::Decode)) and the subscription goes on.
    pub async fn next(&mut self) -> Option<Result<E>> {
        let payload = self.raw.messages.next().await?;
        Some(decode::<E>(&payload))
    }
}

/// A live subscription to the pub/sub channel of an event type given by name, handing out
/// each message undecoded: for tools without the event's Rust type, such as `events listen`.
/// At most once, like [`LiveSubscription`].
pub struct RawLiveSubscription {
    messages: Messages,
    channel: String,
}

impl std::fmt::Debug for RawLiveSubscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawLiveSubscription")
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

impl RawLiveSubscription {
    /// Subscribes to `events.<event_type>` on a connection of its own
    /// (`config.subscriber_url()`). Messages published from the moment this returns are
    /// received.
    pub async fn connect(config: &Config, event_type: &str) -> Result<Self> {
        let transport = Transport::connect(
            config.subscriber_url(),
            &config.tls,
            RESPONSE_TIMEOUT,
            CONNECT_TIMEOUT,
        )
        .await?;
        Self::subscribe(transport, event_type).await
    }

    /// Subscribes to `events.<event_type>` of an in-memory broker.
    pub async fn in_memory(broker: &MemoryBroker, event_type: &str) -> Result<Self> {
        Self::subscribe(Transport::memory(broker), event_type).await
    }

    async fn subscribe(transport: Transport, event_type: &str) -> Result<Self> {
        let channel = channel_name(event_type);
        let messages = transport.subscribe(&channel).await?;
        Ok(Self { messages, channel })
    }

    /// The channel, `events.<type>`.
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// The next message as published (the event's wire JSON); `None` when the connection
    /// closed. A message that is not UTF-8 is an error (kind [`Decode`](ErrorKind::Decode))
    /// and the subscription goes on.
    pub async fn next(&mut self) -> Option<Result<String>> {
        let payload = self.messages.next().await?;
        Some(String::from_utf8(payload).map_err(|_| {
            Error::new(
                ErrorKind::Decode,
                format!("a message on {} is not UTF-8", self.channel),
            )
        }))
    }
}

fn decode<E: Event>(payload: &[u8]) -> Result<E> {
    let text = std::str::from_utf8(payload)
        .map_err(|_| Error::new(ErrorKind::Decode, "pub/sub message is not UTF-8"))?;
    let unreadable = |reason: String| Error::new(ErrorKind::Decode, reason);
    let version = DataHead::read(text)
        .and_then(|head| head.version())
        .map_err(|error| unreadable(format!("pub/sub message: {error}")))?
        .ok_or_else(|| unreadable("pub/sub message has no valid `version`".to_owned()))?;
    Ok(E::decode_version(version, text)?)
}
