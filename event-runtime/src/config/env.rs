//! Reading the settings from environment variables (or any lookup): every variable of the
//! table in the module docs, parsed into a [`Config`]; a malformed value names its variable.
//! What a well-formed value must then be (at least 1, below another setting, ...) is the
//! settings' own check (`publisher.rs`, `subscriber.rs`), which settings made in code pass
//! too; its failures are reported here by variable.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::error::ConfigError;
use super::publisher::{Durability, HardCap, PubSubPolicy, Retention, Trimming};
use super::subscriber::StartPosition;
use super::url::check_urls;
use super::{Config, DEFAULT_REDIS_URL, Partitioning, tls};

/// A variable that is set: its name and its value, trimmed.
type Entry = (String, String);

/// Reads the settings through `lookup` (a variable's value, or `None` when unset).
pub(super) fn read(mut lookup: impl FnMut(&str) -> Option<String>) -> Result<Config, ConfigError> {
    let mut read =
        |name: &str| lookup(name).map(|value| (name.to_owned(), value.trim().to_owned()));

    let redis_url = match read("REDIS_URL") {
        Some((name, value)) => check_urls(&name, value)?,
        None => DEFAULT_REDIS_URL.to_owned(),
    };
    let mut config = Config::new(redis_url);
    if let Some((_, value)) = read("EVENT_SERVICE_NAME").filter(|(_, value)| !value.is_empty()) {
        config.service_name = value.clone();
        config.subscriber.consumer_group = value;
    }

    let publisher = &mut config.publisher;
    if let Some((name, value)) = read("EVENT_PUBLISHER_REDIS_URL") {
        publisher.redis_url = Some(check_urls(&name, value)?);
    }
    if let Some(entry) = read("EVENT_PUBLISHER_MAX_BATCH_SIZE") {
        publisher.max_batch_size = number(&entry)?;
    }
    if let Some(entry) = read("EVENT_PUBLISHER_PUBLISH_TIMEOUT") {
        publisher.publish_timeout = millis(&entry)?;
    }
    if let Some(entry) = read("EVENT_PUBLISHER_MAX_EVENT_SIZE") {
        publisher.max_event_size = number(&entry)?;
    }
    let max_len = read("EVENT_PUBLISHER_STREAM_MAXLEN");
    let max_age = read("EVENT_PUBLISHER_STREAM_MAX_AGE");
    publisher.retention = match (max_len, max_age) {
        (Some((name, value)), Some(_)) => {
            return Err(ConfigError::new(
                &name,
                &value,
                "set either EVENT_PUBLISHER_STREAM_MAXLEN or EVENT_PUBLISHER_STREAM_MAX_AGE, not both",
            ));
        }
        (Some(entry), None) => match number(&entry)? {
            0 => Retention::Unbounded,
            n => Retention::MaxLen(n),
        },
        (None, Some(entry)) => Retention::MaxAge(millis(&entry)?),
        (None, None) => publisher.retention,
    };
    if let Some((name, value)) = read("EVENT_PUBLISHER_STREAM_TRIM") {
        publisher.trimming = match value.to_ascii_lowercase().as_str() {
            "acknowledged" => Trimming::Acknowledged,
            "plain" => Trimming::Plain,
            _ => {
                return Err(ConfigError::new(
                    &name,
                    &value,
                    "must be `acknowledged` or `plain`",
                ));
            }
        };
    }
    let hard_len = read("EVENT_PUBLISHER_STREAM_HARD_MAXLEN");
    let hard_age = read("EVENT_PUBLISHER_STREAM_HARD_MAX_AGE");
    publisher.hard_cap = match (hard_len, hard_age) {
        (Some((name, value)), Some(_)) => {
            return Err(ConfigError::new(
                &name,
                &value,
                "set either EVENT_PUBLISHER_STREAM_HARD_MAXLEN or EVENT_PUBLISHER_STREAM_HARD_MAX_AGE, not both",
            ));
        }
        (Some(entry), None) => HardCap::Limit(match number(&entry)? {
            0 => Retention::Unbounded,
            n => Retention::MaxLen(n),
        }),
        (None, Some(entry)) => HardCap::Limit(Retention::MaxAge(millis(&entry)?)),
        (None, None) => publisher.hard_cap,
    };
    if let Some(entry) = read("EVENT_PUBLISHER_RETENTION_INTERVAL") {
        publisher.retention_interval = millis(&entry)?;
    }
    if let Some((name, value)) = read("EVENT_PUBLISHER_PUBSUB") {
        publisher.pubsub = pubsub_policy(&name, &value)?;
    }
    publisher.durable = durability(&mut read)?;
    if let Some((name, value)) = read("EVENT_PARTITIONS") {
        config.partitions = partitions(&name, &value)?;
    }

    let subscriber = &mut config.subscriber;
    if let Some((name, value)) = read("EVENT_SUBSCRIBER_REDIS_URL") {
        subscriber.redis_url = Some(check_urls(&name, value)?);
    }
    if let Some((_, value)) = read("EVENT_SUBSCRIBER_CONSUMER_GROUP") {
        subscriber.consumer_group = value;
    }
    if let Some((_, value)) = read("EVENT_SUBSCRIBER_CONSUMER_NAME") {
        subscriber.consumer_name = Some(value);
    }
    if let Some(entry) = read("EVENT_SUBSCRIBER_BATCH_SIZE") {
        subscriber.batch_size = number(&entry)?;
    }
    if let Some(entry) = read("EVENT_SUBSCRIBER_BLOCK_TIME") {
        subscriber.block_time = millis(&entry)?;
    }
    // `EVENT_SUBSCRIBER_MAX_RETRIES` is the old name of the same count (it always counted
    // deliveries): still read, with a warning, unless the new variable is set too.
    let deliveries = match (
        read("EVENT_SUBSCRIBER_MAX_DELIVERIES"),
        read("EVENT_SUBSCRIBER_MAX_RETRIES"),
    ) {
        (Some(entry), old) => {
            if old.is_some() {
                warn(
                    "EVENT_SUBSCRIBER_MAX_RETRIES is ignored: EVENT_SUBSCRIBER_MAX_DELIVERIES is set (MAX_RETRIES is its deprecated old name)",
                );
            }
            Some(entry)
        }
        (None, Some(old)) => {
            warn(
                "EVENT_SUBSCRIBER_MAX_RETRIES is deprecated: it counts deliveries, rename it to EVENT_SUBSCRIBER_MAX_DELIVERIES",
            );
            Some(old)
        }
        (None, None) => None,
    };
    if let Some(entry) = deliveries {
        subscriber.max_deliveries = u32::try_from(number(&entry)?)
            .map_err(|_| ConfigError::new(&entry.0, &entry.1, "is too large"))?;
    }
    if let Some(entry) = read("EVENT_SUBSCRIBER_CONCURRENCY") {
        subscriber.concurrency = number(&entry)?;
    }
    if let Some(entry) = read("EVENT_SUBSCRIBER_STREAM_CONCURRENCY") {
        subscriber.stream_concurrency = Some(number(&entry)?);
    }
    if let Some(entry) = read("EVENT_SUBSCRIBER_CLAIM_MIN_IDLE") {
        subscriber.claim_min_idle = millis(&entry)?;
    }
    if let Some(entry) = read("EVENT_SUBSCRIBER_CLAIM_INTERVAL") {
        subscriber.claim_interval = millis(&entry)?;
    }
    if let Some(entry) = read("EVENT_SUBSCRIBER_RETRY_BACKOFF") {
        subscriber.retry_backoff = millis(&entry)?;
    }
    if let Some(entry) = read("EVENT_SUBSCRIBER_RETRY_BACKOFF_MAX") {
        subscriber.retry_backoff_max = millis(&entry)?;
    }
    if let Some((name, value)) = read("EVENT_SUBSCRIBER_START") {
        subscriber.start_position = match value.to_ascii_lowercase().as_str() {
            "backlog" | "0" | "earliest" => StartPosition::Backlog,
            "new" | "$" | "latest" => StartPosition::NewOnly,
            _ => {
                return Err(ConfigError::new(
                    &name,
                    &value,
                    "expected `backlog` or `new`",
                ));
            }
        };
    }
    if let Some(entry) = read("EVENT_SUBSCRIBER_SHUTDOWN_TIMEOUT") {
        subscriber.shutdown_timeout = millis(&entry)?;
    }
    if let Some(entry) = read("EVENT_SUBSCRIBER_MAX_EVENT_SIZE") {
        subscriber.max_event_size = number(&entry)?;
    }
    if let Some(entry) = read("EVENT_SUBSCRIBER_METRICS_INTERVAL") {
        subscriber.metrics_interval = millis(&entry)?;
    }
    if let Some((name, value)) = read("EVENT_SUBSCRIBER_DEDUP") {
        subscriber.dedup = match value.to_ascii_lowercase().as_str() {
            "on" | "true" | "1" => true,
            "off" | "false" | "0" | "" => false,
            _ => return Err(ConfigError::new(&name, &value, "expected `on` or `off`")),
        };
    }
    if let Some(entry) = read("EVENT_SUBSCRIBER_DEDUP_WINDOW") {
        subscriber.dedup_window = millis(&entry)?;
    }

    config.registry.read_env(&mut read)?;

    if let Err(broken) = config.check() {
        let raw = read(broken.setting.variable).map(|(_, value)| value);
        return Err(broken.for_env(raw.as_deref()));
    }
    config.tls = tls::read_files(&mut read, &config)?;
    Ok(config)
}

pub(super) fn number((name, value): &Entry) -> Result<usize, ConfigError> {
    value
        .parse::<usize>()
        .map_err(|_| ConfigError::new(name, value, "expected a whole number"))
}

/// Whole milliseconds, `5000` or `5000ms`.
pub(super) fn millis((name, value): &Entry) -> Result<Duration, ConfigError> {
    let digits = value.strip_suffix("ms").unwrap_or(value);
    digits
        .parse::<u64>()
        .map(Duration::from_millis)
        .map_err(|_| ConfigError::new(name, value, "expected whole milliseconds, e.g. `5000`"))
}

/// `all`, `none`, or a comma list of event types.
fn pubsub_policy(name: &str, value: &str) -> Result<PubSubPolicy, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "all" | "true" | "1" => return Ok(PubSubPolicy::All),
        "none" | "false" | "0" | "" => return Ok(PubSubPolicy::None),
        _ => {}
    }
    let mut types = BTreeSet::new();
    for event_type in value.split(',').map(str::trim) {
        if !event_names::is_event_name(event_type) {
            return Err(ConfigError::new(
                name,
                value,
                format!(
                    "`{event_type}` is not an event type; expected `all`, `none` or a comma list like `user.created,request.created`"
                ),
            ));
        }
        types.insert(event_type.to_owned());
    }
    Ok(PubSubPolicy::Only(types))
}

/// `EVENT_PUBLISHER_DURABLE_REPLICAS` and `_TIMEOUT` (1000 ms unless set).
fn durability(
    read: &mut impl FnMut(&str) -> Option<Entry>,
) -> Result<Option<Durability>, ConfigError> {
    let replicas = read("EVENT_PUBLISHER_DURABLE_REPLICAS");
    let timeout = read("EVENT_PUBLISHER_DURABLE_TIMEOUT");
    let replicas = match &replicas {
        Some(entry) => u32::try_from(number(entry)?)
            .map_err(|_| ConfigError::new(&entry.0, &entry.1, "is too large"))?,
        None => 0,
    };
    if replicas == 0 {
        return match timeout {
            Some((name, value)) => Err(ConfigError::new(
                &name,
                &value,
                "has no effect without EVENT_PUBLISHER_DURABLE_REPLICAS (at least 1)",
            )),
            None => Ok(None),
        };
    }
    let timeout = match &timeout {
        Some(entry) => millis(entry)?,
        None => Duration::from_millis(1000),
    };
    Ok(Some(Durability::new(replicas, timeout)))
}

/// `EVENT_PARTITIONS=user.created:4:user_id,request.created:8:request_number`.
fn partitions(name: &str, value: &str) -> Result<BTreeMap<String, Partitioning>, ConfigError> {
    let mut partitions = BTreeMap::new();
    for item in value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
    {
        let fail = |message: String| Err(ConfigError::new(name, value, message));
        let parts: Vec<&str> = item.split(':').map(str::trim).collect();
        let [event_type, count, key] = parts[..] else {
            return fail(format!(
                "`{item}` is not `<event type>:<partitions>:<key field>`, e.g. `user.created:4:user_id`"
            ));
        };
        if !event_names::is_event_name(event_type) {
            return fail(format!("`{event_type}` is not an event type"));
        }
        let count = match count.parse::<u16>() {
            Ok(count) if (1..=Partitioning::MAX_COUNT).contains(&count) => count,
            _ => {
                return fail(format!(
                    "`{count}` partitions of {event_type}: expected 1 to {}",
                    Partitioning::MAX_COUNT
                ));
            }
        };
        let field = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !field {
            return fail(format!("`{key}` is not a field name"));
        }
        if partitions
            .insert(event_type.to_owned(), Partitioning::new(count, key))
            .is_some()
        {
            return fail(format!("{event_type} is listed twice"));
        }
    }
    Ok(partitions)
}

/// A warning about a setting, in the runtime's log (the core without the `redis` feature has
/// no log: there the setting is read without a word).
fn warn(message: &str) {
    #[cfg(feature = "redis")]
    tracing::warn!("{message}");
    #[cfg(not(feature = "redis"))]
    let _ = message;
}
