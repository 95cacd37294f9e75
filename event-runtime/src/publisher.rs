//! Publishing: envelope, validation, size limit, and one atomic write per event.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tracing::Instrument;

use std::collections::BTreeMap;

use crate::EventId;
use crate::backend::OutgoingEntry;
use crate::config::{Config, Partitioning, PublisherConfig, RegistryConfig, Retention, Trimming};
use crate::error::{Error, ErrorKind, Result};
use crate::event::Event;
use crate::event::encode::{EncodeError, Fill, encode, encode_filled};
use crate::fleet::{self, Registration, Role};
use crate::health::{HealthStatus, PublisherHealth};
use crate::memory::MemoryBroker;
use crate::registry::Registry;
use crate::retention::Retainer;
use crate::transport::Transport;
use crate::wire::{channel_name, entry_fields, partition_key, partition_of, stream_key};

/// Per-call envelope values: what the publisher cannot know by itself.
///
/// ```
/// # use event_runtime::PublishOptions;
/// let options = PublishOptions::new().correlation_id("req-789").user_id(42);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishOptions {
    correlation_id: Option<String>,
    user_id: Option<i64>,
}

impl PublishOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the envelope's `correlation_id`.
    #[must_use]
    pub fn correlation_id(mut self, correlation_id: impl Into<String>) -> Self {
        self.correlation_id = Some(correlation_id.into());
        self
    }

    /// Sets the envelope's `user_id`.
    #[must_use]
    pub fn user_id(mut self, user_id: i64) -> Self {
        self.user_id = Some(user_id);
        self
    }
}

/// Where a published event was written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PublishReceipt {
    /// The stream, `events:<type>` (`events:<type>:p<k>` for a partitioned type).
    pub stream: String,
    /// The entry id Redis assigned, `<ms>-<seq>`.
    pub stream_id: String,
    /// The event's id (from its envelope).
    pub event_id: EventId,
}

/// An event already encoded to its wire JSON, for publishers that have no Rust type for it:
/// tools that read a catalogue at run time, such as `events publish`.
///
/// [`Publisher::publish_encoded`] writes it exactly as [`Publisher::publish`] writes a typed
/// event (the same stream entry fields, pub/sub message, partition and size limit), but
/// checks nothing else: filling the envelope, validating and encoding `event_data` in the
/// wire layout (`docs/wire-format.md`) are the caller's job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedEvent {
    /// The event type, `domain.action`.
    pub event_type: String,
    /// The version `event_data` is written at.
    pub version: u32,
    /// The `event_id` inside `event_data`, repeated as the entry's field.
    pub event_id: EventId,
    /// The `timestamp` inside `event_data`, repeated as the entry's field.
    pub timestamp: DateTime<Utc>,
    /// The wire JSON: one flat object, envelope then payload.
    pub event_data: String,
}

/// Publishes events to Redis Streams (and pub/sub where enabled).
///
/// Each event becomes one `XADD events:<type>` entry and, when pub/sub is enabled for its
/// type, one `PUBLISH events.<type>`, both in one `MULTI`/`EXEC` transaction sent in one round
/// trip. An invalid or oversized event is an error and nothing is written. A publish that
/// meets a connection failure is retried, with the same `event_id`, until `publish_timeout`;
/// after an ambiguous failure the entry can exist twice, so consumers de-duplicate by
/// `event_id` where that matters.
///
/// A partitioned type ([`Config::partitions`]) goes to `events:<type>:p<k>` instead, `k`
/// from its key field ([`partition_of`](crate::wire::partition_of)). With
/// [`durable`](PublisherConfig::durable) set, each write is followed by `WAIT` on the same
/// connection; fewer replicas than asked in time is an error of kind
/// [`NotReplicated`](ErrorKind::NotReplicated), which is not retried (the event is written). On
/// a Redis Cluster a batch goes out as one pipeline per hash slot.
///
/// Streams are trimmed per [`Trimming`](crate::config::Trimming): by default a background
/// task, started at the first publish and ended with the last clone, trims only entries every
/// consumer group has acknowledged, past the `retention` budget, and reports the entries it
/// had to trim past the hard cap (`PublisherConfig::hard_cap`).
///
/// Cloning is cheap; clones share one connection. [`Publisher::in_memory`] publishes to a
/// [`MemoryBroker`] instead, with the same semantics.
#[derive(Debug, Clone)]
pub struct Publisher {
    transport: Transport,
    settings: PublisherConfig,
    /// Partitioned types (`Config::partitions`).
    partitions: BTreeMap<String, Partitioning>,
    service_name: String,
    /// `service_name` as a metrics label, made once.
    service_label: metrics::SharedString,
    /// The fleet registry's settings.
    registry: RegistryConfig,
    /// The registration in the fleet registry, while any clone lives ([`Publisher::register`]).
    registration: Arc<Mutex<Option<Registration>>>,
    /// The streams written to and the task that trims them ([`Trimming::Acknowledged`]).
    retainer: Arc<Retainer>,
}

struct Prepared {
    entry: OutgoingEntry,
    event_id: EventId,
}

impl Publisher {
    /// Connects to Redis (`config.publisher_url()`), waiting at most `publish_timeout`.
    ///
    /// A comma-separated list of URLs is a Redis Cluster; see [`config`](crate::config).
    pub async fn new(config: &Config) -> Result<Self> {
        let settings = config.publisher.clone();
        settings.check()?;
        let timeout = settings.publish_timeout;
        let transport =
            Transport::connect(config.publisher_url(), &config.tls, timeout, timeout).await?;
        Ok(Self {
            transport,
            settings,
            partitions: config.partitions.clone(),
            service_name: config.service_name.clone(),
            service_label: service_label(&config.service_name),
            registry: config.registry.clone(),
            registration: Arc::default(),
            retainer: Arc::default(),
        })
    }

    /// A publisher to an in-memory broker, with the `publisher` settings of `config` (its
    /// Redis URLs are not used): for tests, and for running without Redis. See
    /// [`MemoryBroker`] for an example.
    pub fn in_memory(broker: &MemoryBroker, config: &Config) -> Self {
        Self {
            transport: Transport::memory(broker),
            settings: config.publisher.clone(),
            partitions: config.partitions.clone(),
            service_name: config.service_name.clone(),
            service_label: service_label(&config.service_name),
            registry: config.registry.clone(),
            registration: Arc::default(),
            retainer: Arc::default(),
        }
    }

    /// Registers this publisher in the fleet registry ([`fleet`](crate::fleet)) as the
    /// producer of every event type of `produces`, at its newest version there, with every
    /// version's fingerprint and JSON Schema, and keeps it registered with a heartbeat while a
    /// clone of the publisher lives. Call it once at start with what the service publishes:
    /// the generated `registry()`, or a [`Registry`] of some of its types.
    ///
    /// First the start-up checks run against what the fleet registered (`config.registry`):
    /// a version whose fingerprint differs from another live or recent instance's (edited in
    /// place), and a version that a live consumer group cannot read. A problem is logged
    /// (`warn`) or, under `refuse`, returned as an error of kind
    /// [`Refused`](ErrorKind::Refused) naming the type, the version, the other service and
    /// what to do; nothing is registered then. Redis being away is no error: it is logged and
    /// the heartbeat registers later. With the registry off (`EVENT_REGISTRY=off`) this does
    /// nothing. Registering again replaces the earlier registration.
    pub async fn register(&self, produces: &Registry) -> Result<()> {
        let registration = fleet::register(
            &self.transport,
            &self.registry,
            &self.service_name,
            Role::Producer,
            None,
            fleet::announce::producing(produces),
            self.settings.publish_timeout,
        )
        .await?;
        *self
            .registration
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = registration;
        Ok(())
    }

    /// Publishes one event.
    pub async fn publish<E: Event>(&self, event: &E) -> Result<PublishReceipt> {
        self.publish_with(event, &PublishOptions::default()).await
    }

    /// Publishes one event with per-call envelope values.
    pub async fn publish_with<E: Event>(
        &self,
        event: &E,
        options: &PublishOptions,
    ) -> Result<PublishReceipt> {
        let context = context_correlation(event, options);
        let fill = self.fill(event, options, context.as_deref());
        let prepared = self.prepare(event, &fill, options)?;
        let envelope = event.envelope();
        let span = tracing::info_span!(
            "publish",
            event_type = E::EVENT_TYPE,
            event_id = envelope.event_id.as_str(),
            correlation_id = fill
                .correlation_id
                .or(envelope.correlation_id.as_deref())
                .unwrap_or_default(),
        );
        let receipts = self
            .send(
                metrics::SharedString::const_str(E::EVENT_TYPE),
                vec![prepared],
            )
            .instrument(span)
            .await?;
        receipts
            .into_iter()
            .next()
            .ok_or_else(|| Error::new(ErrorKind::Redis, "Redis returned no entry id"))
    }

    /// Publishes an event that is encoded already ([`EncodedEvent`]): one stream entry (and
    /// pub/sub message) laid out, partitioned, size-checked and retried as [`publish`] does
    /// for typed events. Nothing in `event_data` is checked or filled.
    ///
    /// [`publish`]: Publisher::publish
    pub async fn publish_encoded(&self, event: &EncodedEvent) -> Result<PublishReceipt> {
        let prepared = self.prepare_encoded(
            &event.event_type,
            event.version,
            event.event_id.clone(),
            event.timestamp,
            event.event_data.clone(),
        )?;
        let span = tracing::info_span!(
            "publish",
            event_type = %event.event_type,
            event_id = %event.event_id,
            correlation_id = "",
        );
        let receipts = self
            .send(
                metrics::SharedString::from(event.event_type.clone()),
                vec![prepared],
            )
            .instrument(span)
            .await?;
        receipts
            .into_iter()
            .next()
            .ok_or_else(|| Error::new(ErrorKind::Redis, "Redis returned no entry id"))
    }

    /// Publishes many events of one type, pipelined in chunks of `max_batch_size` (one round
    /// trip per chunk). Every event is checked before anything is written: one invalid event
    /// fails the whole batch and nothing is written. A failure in a later chunk leaves the
    /// earlier chunks written.
    pub async fn publish_batch<E: Event>(&self, events: &[E]) -> Result<Vec<PublishReceipt>> {
        let options = PublishOptions::default();
        let mut prepared = events
            .iter()
            .map(|event| {
                let context = context_correlation(event, &options);
                let fill = self.fill(event, &options, context.as_deref());
                self.prepare(event, &fill, &options)
            })
            .collect::<Result<Vec<_>>>()?;
        let span = tracing::info_span!(
            "publish_batch",
            event_type = E::EVENT_TYPE,
            count = events.len()
        );
        async {
            let mut receipts = Vec::with_capacity(prepared.len());
            let chunk_size = self.settings.max_batch_size.max(1);
            while !prepared.is_empty() {
                let rest = prepared.split_off(chunk_size.min(prepared.len()));
                receipts.extend(
                    self.send(
                        metrics::SharedString::const_str(E::EVENT_TYPE),
                        std::mem::replace(&mut prepared, rest),
                    )
                    .await?,
                );
            }
            Ok(receipts)
        }
        .instrument(span)
        .await
    }

    /// `PING`s Redis.
    pub async fn health(&self) -> PublisherHealth {
        let ping = tokio::time::timeout(self.settings.publish_timeout, self.transport.ping()).await;
        let error = match ping {
            Ok(Ok(())) => None,
            Ok(Err(error)) => Some(error.to_string()),
            Err(_) => Some(format!(
                "no answer within {} ms",
                self.settings.publish_timeout.as_millis()
            )),
        };
        PublisherHealth {
            status: if error.is_none() {
                HealthStatus::Healthy
            } else {
                HealthStatus::Unhealthy
            },
            redis_connected: error.is_none(),
            redis_url: self.transport.location().to_owned(),
            service_name: self.service_name.clone(),
            error,
        }
    }

    /// The envelope values the publisher writes in place of the event's own: `source_service`
    /// when empty, the options' `correlation_id` and `user_id`, else `context`, the
    /// correlation id of the event being handled on this task ([`context_correlation`]).
    fn fill<'a, E: Event>(
        &'a self,
        event: &E,
        options: &'a PublishOptions,
        context: Option<&'a str>,
    ) -> Fill<'a> {
        Fill {
            source_service: (event.envelope().source_service.is_empty()
                && !self.service_name.is_empty())
            .then_some(self.service_name.as_str()),
            correlation_id: options.correlation_id.as_deref().or(context),
            user_id: options.user_id,
        }
    }

    /// Validates, encodes with `fill` and checks the size.
    ///
    /// The envelope values of `fill` are written while encoding, without copying the event.
    fn prepare<E: Event>(
        &self,
        event: &E,
        fill: &Fill<'_>,
        options: &PublishOptions,
    ) -> Result<Prepared> {
        let envelope = event.envelope();
        let event_data = if options.user_id.is_some() && envelope.user_id.is_none() {
            // The user id may be what makes the event valid: validate a filled copy (copied
            // through JSON, since `Event` does not require `Clone`).
            let mut copy: E = serde_json::from_str(&encode(event)?).map_err(|error| {
                Error::new(
                    ErrorKind::Invalid,
                    format!(
                        "{} could not be copied to fill its envelope: {error}",
                        E::EVENT_TYPE
                    ),
                )
            })?;
            copy.envelope_mut().user_id = options.user_id;
            copy.validate()
                .map_err(|violations| invalid::<E>(violations))?;
            encode_filled(&copy, fill)?
        } else {
            event
                .validate()
                .map_err(|violations| invalid::<E>(violations))?;
            encode_filled(event, fill)?
        };
        self.prepare_encoded(
            E::EVENT_TYPE,
            E::VERSION,
            envelope.event_id.clone(),
            envelope.timestamp,
            event_data,
        )
    }

    /// Checks the size of already encoded `event_data`, picks its stream (partition) and
    /// pub/sub message, and lays out the stream entry's fields.
    fn prepare_encoded(
        &self,
        event_type: &str,
        version: u32,
        event_id: EventId,
        timestamp: DateTime<Utc>,
        event_data: String,
    ) -> Result<Prepared> {
        if event_data.len() > self.settings.max_event_size {
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!(
                    "{event_type} v{version} is {} bytes, over the limit of {} bytes; nothing was written",
                    event_data.len(),
                    self.settings.max_event_size
                ),
            ));
        }
        let broadcast = self
            .settings
            .pubsub
            .enabled_for(event_type)
            .then(|| channel_name(event_type));
        let stream = match self.partitions.get(event_type) {
            Some(partitioning) => {
                let partition = partition_of(
                    &event_data,
                    &partitioning.key,
                    partitioning.count,
                )
                .map_err(|reason| {
                    Error::new(
                        ErrorKind::Invalid,
                        format!(
                            "{event_type} v{version} cannot be partitioned: {reason}; nothing was written"
                        ),
                    )
                })?;
                partition_key(event_type, partition)
            }
            None => stream_key(event_type),
        };
        let entry = OutgoingEntry {
            stream,
            fields: entry_fields(
                event_type,
                version,
                event_id.as_str(),
                timestamp,
                event_data,
            ),
            broadcast,
        };
        Ok(Prepared { entry, event_id })
    }

    /// Writes prepared entries, retrying connection failures until `publish_timeout`;
    /// `label` is their event type, as a metrics label.
    async fn send(
        &self,
        label: metrics::SharedString,
        prepared: Vec<Prepared>,
    ) -> Result<Vec<PublishReceipt>> {
        let (entries, event_ids): (Vec<OutgoingEntry>, Vec<EventId>) = prepared
            .into_iter()
            .map(|prepared| (prepared.entry, prepared.event_id))
            .unzip();
        let event_type: &str = &label;
        let timeout = self.settings.publish_timeout;
        // Under group-aware trimming the appends trim nothing: the retainer's task does.
        let retention = match self.settings.trimming {
            Trimming::Plain => self.settings.retention,
            Trimming::Acknowledged => Retention::Unbounded,
        };
        let mut last_error: Option<String> = None;
        let attempts = async {
            let mut delay = Duration::from_millis(20);
            loop {
                match self
                    .transport
                    .append(&entries, retention, self.settings.durable)
                    .await
                {
                    Ok(ids) => return Ok(ids),
                    Err(error) if error.is_retryable() => {
                        tracing::warn!(error = %error, "publish failed; retrying with the same event ids");
                        last_error = Some(error.to_string());
                        tokio::time::sleep(delay).await;
                        delay = (delay * 2).min(Duration::from_millis(500));
                    }
                    Err(error) => return Err(error),
                }
            }
        };
        let outcome = tokio::time::timeout(timeout, attempts).await;
        let ids = match outcome {
            Ok(Ok(ids)) => ids,
            Ok(Err(error)) => {
                crate::observe::published(label.clone(), &self.service_label, 1, false);
                return Err(error.context(format!("publishing {event_type}")));
            }
            Err(_) => {
                crate::observe::published(label.clone(), &self.service_label, 1, false);
                let cause = last_error
                    .map(|error| format!(" (last error: {error})"))
                    .unwrap_or_default();
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "could not publish {event_type} to {} within {} ms{cause}",
                        self.transport.describe(),
                        timeout.as_millis()
                    ),
                ));
            }
        };
        crate::observe::published(label.clone(), &self.service_label, ids.len() as u64, true);
        self.retainer.wrote(
            &self.transport,
            &self.settings,
            entries.iter().map(|entry| entry.stream.as_str()),
        );
        tracing::debug!(count = ids.len(), "published");
        Ok(entries
            .into_iter()
            .zip(event_ids)
            .zip(ids)
            .map(|((entry, event_id), stream_id)| PublishReceipt {
                stream: entry.stream,
                stream_id,
                event_id,
            })
            .collect())
    }
}

fn service_label(service_name: &str) -> metrics::SharedString {
    metrics::SharedString::from(Arc::<str>::from(service_name))
}

fn invalid<E: Event>(violations: crate::validate::ValidationError) -> Error {
    Error::from(EncodeError::invalid::<E>(violations))
}

/// The correlation id of the event being handled on this task, when neither `options` nor the
/// event's envelope set one: what [`Publisher::fill`] writes then.
fn context_correlation<E: Event>(event: &E, options: &PublishOptions) -> Option<String> {
    if options.correlation_id.is_none() && event.envelope().correlation_id.is_none() {
        crate::observe::current_correlation_id()
    } else {
        None
    }
}
