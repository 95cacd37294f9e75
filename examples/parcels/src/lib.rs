//! The README's five-minute tutorial as a crate: a service that consumes `parcel.shipped`
//! events and notifies the carrier. `src/bin/publish.rs` publishes events, `src/bin/consume.rs`
//! consumes them; both read `REDIS_URL`. The tests run on the in-memory broker.

pub mod events {
    include!(concat!(env!("OUT_DIR"), "/events.rs"));
}

use std::sync::{Arc, Mutex};

use event_runtime::{HandlerError, SubscriberBuilder};
use events::ParcelShippedV2;

/// Tells carriers about shipped parcels (here: keeps the labels it would send).
#[derive(Debug, Default)]
pub struct Notifier {
    sent: Mutex<Vec<String>>,
}

impl Notifier {
    pub fn notify(&self, event: &ParcelShippedV2) -> Result<(), HandlerError> {
        let mut sent = self
            .sent
            .lock()
            .map_err(|_| HandlerError::new("poisoned"))?;
        sent.push(event.label.clone());
        Ok(())
    }

    pub fn sent(&self) -> Vec<String> {
        self.sent
            .lock()
            .map(|sent| sent.clone())
            .unwrap_or_default()
    }
}

/// The service's handler: v1 entries arrive upgraded to v2. An error leaves the entry
/// pending: it is retried after `retry_backoff` (doubling), and after `max_deliveries`
/// deliveries it moves to the dead-letter stream `events:dlq:parcel.shipped`.
pub fn handlers(subscriber: SubscriberBuilder, notifier: Arc<Notifier>) -> SubscriberBuilder {
    subscriber.on_with(notifier, |notifier, event: ParcelShippedV2| async move {
        notifier.notify(&event)
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use event_runtime::memory::MemoryBroker;
    use event_runtime::testing::fast_config;
    use event_runtime::{Envelope, Event, Publisher, Subscriber};

    use super::events::{ParcelShippedV1, ParcelShippedV2};
    use super::{Notifier, handlers};

    #[tokio::test]
    async fn a_shipped_parcel_is_notified() -> Result<(), event_runtime::Error> {
        let broker = MemoryBroker::new();
        let config = fast_config("unused://");
        let notifier = Arc::new(Notifier::default());
        let subscriber = handlers(Subscriber::builder(&config), notifier.clone())
            .in_memory(&broker)
            .build()
            .await?
            .spawn();
        let shipped = ParcelShippedV1 {
            envelope: Envelope::new(),
            parcel_id: 7,
            carrier: "DHL".into(),
        };
        Publisher::in_memory(&broker, &config)
            .publish(&shipped)
            .await?;
        // Every entry acknowledged or dead-lettered, or an error saying what is not.
        subscriber.settled(Duration::from_secs(5)).await?;
        subscriber.shutdown().await?;
        assert_eq!(notifier.sent(), ["DHL #7"]);
        assert!(broker.dead_letters("parcel.shipped").is_empty());
        Ok(())
    }

    #[test]
    fn the_wire_json_is_checked_and_upgraded() -> Result<(), event_runtime::Error> {
        let event = ParcelShippedV1 {
            envelope: Envelope::new(),
            parcel_id: 7,
            carrier: "DHL".into(),
        };
        let json = event_runtime::encode_validated(&event)?; // the wire JSON, checked
        let v2 = ParcelShippedV2::decode_version(1, &json)?; // decoded, validated, upgraded
        assert_eq!(v2.label, "DHL #7");
        let any = super::events::registry().decode("parcel.shipped", "v1", &json)?; // by name
        assert_eq!(any.event_type(), "parcel.shipped");
        Ok(())
    }
}
