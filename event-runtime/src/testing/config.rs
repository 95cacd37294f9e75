//! Settings for tests: everything a test waits for is short.

use std::time::Duration;

use crate::config::Config;

/// A [`Config`] for tests against Redis at `redis_url` (or, with
/// [`in_memory`](crate::SubscriberBuilder::in_memory), an in-memory broker): service and
/// consumer group `tests`, reads blocking 50 ms, claim passes every 25 ms of entries idle
/// 300 ms, retries after 20 ms doubling up to 100 ms, publishes waiting at most 2 s, and
/// shutdown waiting at most 5 s for handlers. Change any field after.
pub fn fast_config(redis_url: impl Into<String>) -> Config {
    let mut config = Config::new(redis_url.into());
    config.service_name = "tests".to_owned();
    config.publisher.publish_timeout = Duration::from_secs(2);
    let subscriber = &mut config.subscriber;
    subscriber.consumer_group = "tests".to_owned();
    subscriber.block_time = Duration::from_millis(50);
    subscriber.claim_min_idle = Duration::from_millis(300);
    subscriber.claim_interval = Duration::from_millis(25);
    subscriber.retry_backoff = Duration::from_millis(20);
    subscriber.retry_backoff_max = Duration::from_millis(100);
    subscriber.shutdown_timeout = Duration::from_secs(5);
    config
}
