//! Shared test fixtures: small events of our own, a server per test, fast settings; the
//! toolkit's `Recorder` and `eventually` (`event_runtime::testing`).

use std::collections::HashMap;

pub use event_runtime::testing::{Recorder, eventually};
use event_runtime::testing::{RedisServer, fast_config};
use event_runtime::validate::Validator;
use event_runtime::{Config, Envelope, Event, ValidationError};
use serde::{Deserialize, Serialize};

/// `user.created` v1, as the original services had it.
#[derive(Clone, PartialEq, Serialize, Deserialize, Event)]
#[event(name = "user.created", version = 1)]
pub struct UserCreatedV1 {
    #[serde(flatten)]
    pub envelope: Envelope,
    pub account_id: i64,
    pub first_name: String,
    #[serde(default)]
    pub last_name: Option<String>,
    #[event(sensitive)]
    #[serde(default)]
    pub phone_number: Option<String>,
}

/// `user.created` v2: adds `full_name` (computed) and `permissions`.
#[derive(Clone, PartialEq, Serialize, Deserialize, Event)]
#[event(name = "user.created", version = 2, previous = UserCreatedV1)]
pub struct UserCreatedV2 {
    #[serde(flatten)]
    pub envelope: Envelope,
    pub account_id: i64,
    pub first_name: String,
    #[serde(default)]
    pub last_name: Option<String>,
    pub full_name: String,
    #[serde(default)]
    pub permissions: Vec<String>,
    #[event(sensitive)]
    #[serde(default)]
    pub phone_number: Option<String>,
}

impl From<UserCreatedV1> for UserCreatedV2 {
    fn from(v1: UserCreatedV1) -> Self {
        let full_name = match &v1.last_name {
            Some(last) => format!("{} {last}", v1.first_name),
            None => v1.first_name.clone(),
        };
        Self {
            envelope: v1.envelope,
            account_id: v1.account_id,
            first_name: v1.first_name,
            last_name: v1.last_name,
            full_name,
            permissions: Vec::new(),
            phone_number: v1.phone_number,
        }
    }
}

/// An event with a constraint and a sensitive field.
#[derive(Clone, PartialEq, Serialize, Deserialize, Event)]
#[event(name = "order.placed", version = 1, validate = check_order)]
pub struct OrderPlacedV1 {
    #[serde(flatten)]
    pub envelope: Envelope,
    pub quantity: i64,
    pub note: String,
    #[event(sensitive)]
    pub card_number: String,
}

fn check_order(order: &OrderPlacedV1) -> Result<(), ValidationError> {
    let mut validator = Validator::new();
    validator
        .field("quantity")
        .range(order.quantity, Some(1), None);
    validator
        .field("card_number")
        .sensitive()
        .length(&order.card_number, Some(12), Some(19));
    validator.finish()
}

pub fn user(account_id: i64) -> UserCreatedV1 {
    UserCreatedV1 {
        envelope: Envelope::new(),
        account_id,
        first_name: "Ada".to_owned(),
        last_name: Some("Lovelace".to_owned()),
        phone_number: Some("+15550001".to_owned()),
    }
}

pub fn order(quantity: i64) -> OrderPlacedV1 {
    OrderPlacedV1 {
        envelope: Envelope::new(),
        quantity,
        note: "ring twice".to_owned(),
        card_number: "4111111111111111".to_owned(),
    }
}

/// A fresh `redis-server` for one test.
pub fn server() -> RedisServer {
    RedisServer::start().unwrap_or_else(|error| panic!("{error}"))
}

/// The toolkit's settings for tests (short blocks, claims and backoffs) on `server`.
pub fn config(server: &RedisServer) -> Config {
    fast_config(server.url())
}

/// A plain redis-rs connection for looking at (and tampering with) what is stored.
pub async fn redis(server: &RedisServer) -> redis::aio::MultiplexedConnection {
    let client = redis::Client::open(server.url()).expect("client");
    client
        .get_multiplexed_async_connection()
        .await
        .expect("connection")
}

/// One stored entry: id and fields.
pub type Entry = (String, HashMap<String, String>);

/// Every entry of a stream, oldest first.
pub async fn entries(conn: &mut redis::aio::MultiplexedConnection, stream: &str) -> Vec<Entry> {
    let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
        .arg(stream)
        .arg("-")
        .arg("+")
        .query_async(conn)
        .await
        .expect("XRANGE");
    reply
        .ids
        .into_iter()
        .map(|entry| {
            let fields = entry
                .map
                .iter()
                .map(|(name, value)| {
                    (
                        name.clone(),
                        redis::from_redis_value_ref::<String>(value).expect("text field"),
                    )
                })
                .collect();
            (entry.id, fields)
        })
        .collect()
}

/// Entries pending for a group (delivered, not acknowledged).
pub async fn pending_count(
    conn: &mut redis::aio::MultiplexedConnection,
    stream: &str,
    group: &str,
) -> usize {
    let reply: redis::streams::StreamPendingReply = redis::cmd("XPENDING")
        .arg(stream)
        .arg(group)
        .query_async(conn)
        .await
        .expect("XPENDING");
    reply.count()
}
