//! Real-time pub/sub.

use std::time::Duration;

use event_runtime::config::PubSubPolicy;
use event_runtime::{LiveSubscription, Publisher};

use crate::common::{UserCreatedV2, config, server, user};

#[tokio::test]
async fn live_subscribers_receive_published_events_upgraded() {
    let server = server();
    let settings = config(&server);
    let mut first = LiveSubscription::<UserCreatedV2>::connect(&settings)
        .await
        .expect("live");
    let mut second = LiveSubscription::<UserCreatedV2>::connect(&settings)
        .await
        .expect("live");
    let publisher = Publisher::new(&settings).await.expect("publisher");
    let published = user(11);
    publisher.publish(&published).await.expect("publish");
    for live in [&mut first, &mut second] {
        let event = tokio::time::timeout(Duration::from_secs(5), live.next())
            .await
            .expect("in time")
            .expect("open")
            .expect("decodes");
        assert_eq!(event.envelope.event_id, published.envelope.event_id);
        assert_eq!(event.full_name, "Ada Lovelace");
    }

    let mut streams_only = settings.clone();
    streams_only.publisher.pubsub = PubSubPolicy::None;
    Publisher::new(&streams_only)
        .await
        .expect("publisher")
        .publish(&user(12))
        .await
        .expect("publish");
    let silent = tokio::time::timeout(Duration::from_millis(200), first.next()).await;
    assert!(
        silent.is_err(),
        "pub/sub disabled for the type: nothing is broadcast"
    );
}
