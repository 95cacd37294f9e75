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

use crate::config::Config;
use crate::event::Event;
use crate::memory::MemoryBroker;
use crate::runtime_error::{Error, ErrorKind, Result};
use crate::transport::redis::RedisTransport;
use crate::transport::{Messages, Transport, channel_name};
use crate::wire::{WireHead, parse_version};

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
    messages: Messages,
    channel: String,
    event: PhantomData<fn() -> E>,
}

impl<E> std::fmt::Debug for LiveSubscription<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveSubscription")
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

impl<E: Event> LiveSubscription<E> {
    /// Subscribes to `events.<type>` on a connection of its own (`config.subscriber_url()`).
    /// Messages published from the moment this returns are received.
    pub async fn connect(config: &Config) -> Result<Self> {
        let transport = RedisTransport::connect(
            config.subscriber_url(),
            &config.tls,
            std::time::Duration::from_secs(10),
            std::time::Duration::from_secs(5),
        )
        .await?;
        Self::subscribe(Transport::Redis(transport)).await
    }

    /// Subscribes to `events.<type>` of an in-memory broker. Fails only while the broker is
    /// [stopped](MemoryBroker::stop); the subscription ends when it stops.
    pub async fn in_memory(broker: &MemoryBroker) -> Result<Self> {
        Self::subscribe(Transport::Memory(broker.clone())).await
    }

    async fn subscribe(transport: Transport) -> Result<Self> {
        let channel = channel_name(E::EVENT_TYPE);
        let messages = transport.subscribe(&channel).await?;
        Ok(Self {
            messages,
            channel,
            event: PhantomData,
        })
    }

    /// The next event; `None` when the connection closed. A message that cannot be decoded
    /// is returned as an error (kind [`Decode`](ErrorKind::Decode)) and the subscription goes on.
    pub async fn next(&mut self) -> Option<Result<E>> {
        let payload = self.messages.next().await?;
        Some(decode::<E>(&payload))
    }
}

fn decode<E: Event>(payload: &[u8]) -> Result<E> {
    let text = std::str::from_utf8(payload)
        .map_err(|_| Error::new(ErrorKind::Decode, "pub/sub message is not UTF-8"))?;
    let head = WireHead::read(text)?;
    let version = head
        .version
        .as_deref()
        .and_then(parse_version)
        .ok_or_else(|| Error::new(ErrorKind::Decode, "pub/sub message has no valid `version`"))?;
    Ok(E::decode_version(version, text)?)
}
