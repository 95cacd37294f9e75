//! Health reports of the publisher and the subscriber, serializable to JSON in the shape the
//! original services returned (`{"status": "healthy", "redis_connected": true, ...}`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Overall state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// Everything works.
    Healthy,
    /// Running, but something needs attention (the subscriber is not reading).
    Degraded,
    /// Redis cannot be reached.
    Unhealthy,
}

/// The publisher's health.
///
/// ```json
/// {"status": "healthy", "redis_connected": true, "redis_url": "redis://127.0.0.1:6379/0", "service_name": "users"}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PublisherHealth {
    /// `healthy` or `unhealthy`.
    pub status: HealthStatus,
    /// Redis answered `PING`.
    pub redis_connected: bool,
    /// The Redis URL, password hidden.
    pub redis_url: String,
    /// `source_service` of published events.
    pub service_name: String,
    /// Why Redis is not connected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The subscriber's health.
///
/// ```json
/// {"status": "healthy", "redis_connected": true, "subscribed_events": ["user.created"],
///  "pending_messages": {"user.created": 2}, "lag": {"user.created": 0},
///  "consumer_group": "billing", "consumer_name": "host-42-x1y2", "last_read_at": "2025-09-26T10:30:00Z"}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SubscriberHealth {
    /// `healthy`, `degraded` (not running) or `unhealthy` (Redis unreachable).
    pub status: HealthStatus,
    /// Redis answered.
    pub redis_connected: bool,
    /// The event types handled, sorted.
    pub subscribed_events: Vec<String>,
    /// Entries delivered to the group and not yet acknowledged, per type (`XPENDING`).
    pub pending_messages: BTreeMap<String, u64>,
    /// Entries not yet delivered to the group, per type (`XINFO GROUPS` lag); `null` when Redis
    /// cannot tell (after trimming or deletions inside the unread range).
    pub lag: BTreeMap<String, Option<u64>>,
    /// The consumer group.
    pub consumer_group: String,
    /// This consumer's name.
    pub consumer_name: String,
    /// When the last read returned, if any.
    pub last_read_at: Option<DateTime<Utc>>,
    /// Why Redis is not connected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
