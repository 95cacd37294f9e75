//! Newer versions read by older consumers, as the type's compatibility level promises. The two
//! copies of one catalogue in `rolling/` (`older/`: v1 of each type; `newer/`: v2 as well),
//! compiled by `build.rs` into `rolling_older` and `rolling_newer`, stand for two services
//! built from different schema directories. `parcel.weighed` is `FULL`, `parcel.labelled`
//! `BACKWARD`.
//!
//! - `levels.rs`: the newer catalogue keeps to its levels (the lint), and what an older
//!   reader makes of newer data, decode by decode;
//! - `consume.rs`: an older consumer handles a newer producer's `FULL` events and
//!   dead-letters its `BACKWARD` ones with the upgrade to make, and the older service's live
//!   subscriptions and replays read and refuse the same, in memory and on a redis-server;
//! - `deploy.rs`: a rolling deployment of the `FULL` v2 on a redis-server, producers first
//!   and consumers first: nothing lost, nothing dead-lettered.

mod consume;
mod deploy;
mod levels;

use std::collections::BTreeMap;
use std::time::Duration;

use event_runtime::memory::MemoryBroker;
use event_runtime::testing::{RedisServer, fast_config};
use event_runtime::{
    Config, Envelope, Event, LiveSubscription, Publisher, Replayer, SubscriberBuilder,
};
use event_tests::{rolling_newer as newer, rolling_older as older};

/// How long a test waits for a subscriber to settle.
const SETTLE: Duration = Duration::from_secs(10);

/// Where the services of a test meet: the in-memory broker or a redis-server of the test's
/// own.
enum Broker {
    Memory(MemoryBroker),
    Redis(RedisServer),
}

impl Broker {
    fn memory() -> Self {
        Broker::Memory(MemoryBroker::new())
    }

    fn redis() -> Self {
        Broker::Redis(RedisServer::start().unwrap_or_else(|error| panic!("{error}")))
    }

    /// Settings of a service in consumer group `shipping`, as consumer `consumer`.
    fn config(&self, consumer: &str) -> Config {
        let url = match self {
            Broker::Memory(_) => "unused://".to_owned(),
            Broker::Redis(server) => server.url(),
        };
        let mut config = fast_config(url);
        config.subscriber.consumer_group = "shipping".to_owned();
        config.subscriber.consumer_name = Some(consumer.to_owned());
        config
    }

    /// A subscriber builder on this broker.
    fn subscriber(&self, config: &Config) -> SubscriberBuilder {
        let builder = event_runtime::Subscriber::builder(config);
        match self {
            Broker::Memory(broker) => builder.in_memory(broker),
            Broker::Redis(_) => builder,
        }
    }

    async fn publisher(&self, config: &Config) -> Publisher {
        match self {
            Broker::Memory(broker) => Publisher::in_memory(broker, config),
            Broker::Redis(_) => Publisher::new(config).await.expect("a publisher"),
        }
    }

    /// A live subscription to the pub/sub channel of `E`'s type.
    async fn live<E: Event>(&self, config: &Config) -> LiveSubscription<E> {
        match self {
            Broker::Memory(broker) => LiveSubscription::in_memory(broker).await,
            Broker::Redis(_) => LiveSubscription::connect(config).await,
        }
        .expect("a live subscription")
    }

    /// A replayer of this broker's streams.
    async fn replayer(&self, config: &Config) -> Replayer {
        match self {
            Broker::Memory(broker) => Replayer::in_memory(broker, config),
            Broker::Redis(_) => Replayer::connect(config).await.expect("a replayer"),
        }
    }

    /// Appends an entry as a producer in another language would, fields as given.
    async fn append(&self, event_type: &str, fields: &[(&str, &str)]) {
        let stream = format!("events:{event_type}");
        match self {
            Broker::Memory(broker) => {
                broker.append(&stream, fields);
            }
            Broker::Redis(server) => {
                let mut command = redis::cmd("XADD");
                command.arg(&stream).arg("*");
                for (name, value) in fields {
                    command.arg(*name).arg(*value);
                }
                let _: String = command
                    .query_async(&mut connection(server).await)
                    .await
                    .expect("XADD");
            }
        }
    }

    /// The dead letters of `event_type`, each as its fields.
    async fn dead_letters(&self, event_type: &str) -> Vec<BTreeMap<String, String>> {
        match self {
            Broker::Memory(broker) => broker
                .dead_letters(event_type)
                .into_iter()
                .map(|entry| {
                    entry
                        .fields
                        .into_iter()
                        .map(|(name, value)| (name, String::from_utf8_lossy(&value).into_owned()))
                        .collect()
                })
                .collect(),
            Broker::Redis(server) => {
                let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
                    .arg(format!("events:dlq:{event_type}"))
                    .arg("-")
                    .arg("+")
                    .query_async(&mut connection(server).await)
                    .await
                    .expect("XRANGE");
                reply
                    .ids
                    .into_iter()
                    .map(|entry| {
                        entry
                            .map
                            .iter()
                            .map(|(name, value)| {
                                let text = redis::from_redis_value_ref::<String>(value)
                                    .expect("a text field");
                                (name.clone(), text)
                            })
                            .collect()
                    })
                    .collect()
            }
        }
    }
}

async fn connection(server: &RedisServer) -> redis::aio::MultiplexedConnection {
    redis::Client::open(server.url())
        .expect("a client")
        .get_multiplexed_async_connection()
        .await
        .expect("a connection")
}

/// `parcel.weighed` v1 as the older producer publishes it.
fn weighed_v1(parcel_id: i64) -> older::ParcelWeighedV1 {
    older::ParcelWeighedV1 {
        envelope: Envelope::new(),
        parcel_id,
        grams: 100 + i32::try_from(parcel_id).unwrap_or(0),
    }
}

/// `parcel.weighed` v2 as the newer producer publishes it.
fn weighed_v2(parcel_id: i64) -> newer::ParcelWeighedV2 {
    newer::ParcelWeighedV2 {
        envelope: Envelope::new(),
        parcel_id,
        grams: 100 + i32::try_from(parcel_id).unwrap_or(0),
        scale: "dock-3".to_owned(),
    }
}

/// `parcel.labelled` v2 as the newer producer publishes it.
fn labelled_v2(parcel_id: i64) -> newer::ParcelLabelledV2 {
    newer::ParcelLabelledV2 {
        envelope: Envelope::new(),
        parcel_id,
        carrier: "DHL".to_owned(),
        tracking_url: Some(format!("https://track.example/{parcel_id}")),
    }
}
