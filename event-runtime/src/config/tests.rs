//! Reading settings from the environment: defaults, every variable, malformed values and
//! broken rules named by variable, URLs, clusters, partitions, durable publish, TLS files.

use std::collections::HashMap;
use std::time::Duration;

use super::redact::redact_url;
use super::url::cluster_nodes;
use super::*;

fn parse(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Config::from_lookup(|name| map.get(name).cloned())
}

fn error(vars: &[(&str, &str)]) -> String {
    match parse(vars) {
        Ok(config) => panic!("expected an error, got {config:?}"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn defaults_apply_when_nothing_is_set() {
    let config = parse(&[]).expect("defaults");
    assert_eq!(config.redis_url, DEFAULT_REDIS_URL);
    assert_eq!(config.publisher.max_batch_size, 100);
    assert_eq!(
        config.publisher.publish_timeout,
        Duration::from_millis(5000)
    );
    assert_eq!(config.publisher.max_event_size, 1024 * 1024);
    assert_eq!(config.publisher.retention, Retention::MaxLen(1_000_000));
    assert_eq!(config.publisher.pubsub, PubSubPolicy::All);
    assert_eq!(config.subscriber.batch_size, 10);
    assert_eq!(config.subscriber.block_time, Duration::from_millis(1000));
    assert_eq!(config.subscriber.max_deliveries, 3);
    assert_eq!(config.subscriber.start_position, StartPosition::Backlog);
    assert_eq!(config.subscriber.consumer_name, None);
    assert_eq!(config.subscriber.stream_concurrency, None);
    assert_eq!(config.subscriber.consumer_group, config.service_name);
}

#[test]
fn every_seed_setting_is_read() {
    let config = parse(&[
        ("REDIS_URL", "redis://cache:6379/1"),
        (
            "EVENT_PUBLISHER_REDIS_URL",
            "redis://app:s3cret@events:6380/0",
        ),
        ("EVENT_PUBLISHER_MAX_BATCH_SIZE", "250"),
        ("EVENT_PUBLISHER_PUBLISH_TIMEOUT", "1500"),
        ("EVENT_SUBSCRIBER_CONSUMER_GROUP", "my-service"),
        ("EVENT_SUBSCRIBER_BATCH_SIZE", "50"),
        ("EVENT_SUBSCRIBER_BLOCK_TIME", "200"),
        ("EVENT_SUBSCRIBER_MAX_DELIVERIES", "5"),
    ])
    .expect("valid");
    assert_eq!(config.redis_url, "redis://cache:6379/1");
    assert_eq!(config.publisher_url(), "redis://app:s3cret@events:6380/0");
    assert_eq!(config.subscriber_url(), "redis://cache:6379/1");
    assert_eq!(config.publisher.max_batch_size, 250);
    assert_eq!(
        config.publisher.publish_timeout,
        Duration::from_millis(1500)
    );
    assert_eq!(config.subscriber.consumer_group, "my-service");
    assert_eq!(config.subscriber.batch_size, 50);
    assert_eq!(config.subscriber.block_time, Duration::from_millis(200));
    assert_eq!(config.subscriber.max_deliveries, 5);
}

#[test]
fn added_settings_are_read() {
    let config = parse(&[
        ("EVENT_SERVICE_NAME", "billing"),
        ("EVENT_PUBLISHER_MAX_EVENT_SIZE", "2048"),
        ("EVENT_PUBLISHER_STREAM_MAX_AGE", "86400000"),
        ("EVENT_PUBLISHER_PUBSUB", "user.created, request.created"),
        ("EVENT_SUBSCRIBER_CONSUMER_NAME", "billing-1"),
        ("EVENT_SUBSCRIBER_CONCURRENCY", "4"),
        ("EVENT_SUBSCRIBER_STREAM_CONCURRENCY", "1"),
        ("EVENT_SUBSCRIBER_CLAIM_MIN_IDLE", "60000"),
        ("EVENT_SUBSCRIBER_CLAIM_INTERVAL", "500"),
        ("EVENT_SUBSCRIBER_RETRY_BACKOFF", "100"),
        ("EVENT_SUBSCRIBER_RETRY_BACKOFF_MAX", "800"),
        ("EVENT_SUBSCRIBER_START", "new"),
        ("EVENT_SUBSCRIBER_SHUTDOWN_TIMEOUT", "2000ms"),
        ("EVENT_SUBSCRIBER_MAX_EVENT_SIZE", "4096"),
    ])
    .expect("valid");
    assert_eq!(config.service_name, "billing");
    assert_eq!(config.subscriber.consumer_group, "billing");
    assert_eq!(config.publisher.max_event_size, 2048);
    assert_eq!(
        config.publisher.retention,
        Retention::MaxAge(Duration::from_secs(86_400))
    );
    assert!(config.publisher.pubsub.enabled_for("request.created"));
    assert!(!config.publisher.pubsub.enabled_for("user.updated"));
    let subscriber = &config.subscriber;
    assert_eq!(subscriber.consumer_name.as_deref(), Some("billing-1"));
    assert_eq!(subscriber.concurrency, 4);
    assert_eq!(subscriber.stream_concurrency, Some(1));
    assert_eq!(subscriber.claim_min_idle, Duration::from_secs(60));
    assert_eq!(subscriber.claim_interval, Duration::from_millis(500));
    assert_eq!(subscriber.start_position, StartPosition::NewOnly);
    assert_eq!(subscriber.shutdown_timeout, Duration::from_secs(2));
    assert_eq!(subscriber.max_event_size, 4096);
    assert_eq!(subscriber.retry_delay(1), Duration::from_millis(100));
    assert_eq!(subscriber.retry_delay(3), Duration::from_millis(400));
    assert_eq!(subscriber.retry_delay(10), Duration::from_millis(800));
    assert_eq!(
        parse(&[("EVENT_PUBLISHER_STREAM_MAXLEN", "0")])
            .expect("valid")
            .publisher
            .retention,
        Retention::Unbounded
    );
}

#[test]
fn malformed_values_name_the_variable_and_the_value() {
    assert_eq!(
        error(&[("EVENT_SUBSCRIBER_BATCH_SIZE", "ten")]),
        r#"EVENT_SUBSCRIBER_BATCH_SIZE="ten" is invalid: expected a whole number"#
    );
    assert_eq!(
        error(&[("EVENT_SUBSCRIBER_BLOCK_TIME", "0")]),
        r#"EVENT_SUBSCRIBER_BLOCK_TIME="0" is invalid: must be at least 1 millisecond"#
    );
    assert_eq!(
        error(&[("EVENT_PUBLISHER_PUBLISH_TIMEOUT", "5s")]),
        r#"EVENT_PUBLISHER_PUBLISH_TIMEOUT="5s" is invalid: expected whole milliseconds, e.g. `5000`"#
    );
    assert_eq!(
        error(&[("EVENT_SUBSCRIBER_MAX_DELIVERIES", "-1")]),
        r#"EVENT_SUBSCRIBER_MAX_DELIVERIES="-1" is invalid: expected a whole number"#
    );
    assert!(error(&[("EVENT_SUBSCRIBER_START", "middle")]).contains("expected `backlog` or `new`"));
    assert!(error(&[("EVENT_PUBLISHER_PUBSUB", "users")]).contains("`users` is not an event type"));
    assert!(
        error(&[
            ("EVENT_PUBLISHER_STREAM_MAXLEN", "10"),
            ("EVENT_PUBLISHER_STREAM_MAX_AGE", "10")
        ])
        .contains("not both")
    );
}

#[test]
fn urls_are_checked_and_passwords_never_shown() {
    let message = error(&[("REDIS_URL", "http://user:hunter2@host/")]);
    assert!(message.contains("unknown scheme `http`"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
    assert!(message.contains("user:***@host"), "{message}");
    assert!(error(&[("REDIS_URL", "localhost:6379")]).contains("expected a URL"));
    let tls = parse(&[("REDIS_URL", "rediss://default:pw@redis.example:6380/0")]);
    assert_eq!(tls.is_ok(), cfg!(feature = "tls"));
    assert_eq!(redact_url("redis://:pw@h:1/0"), "redis://:***@h:1/0");
    assert_eq!(redact_url("redis://h:1/0"), "redis://h:1/0");
}

#[test]
fn a_list_of_urls_is_a_cluster() {
    let config = parse(&[(
        "REDIS_URL",
        "redis://app:pw@10.0.0.1:7000, redis://app:pw@10.0.0.2:7000/0 ,redis://10.0.0.3:7000",
    )])
    .expect("valid");
    assert_eq!(
        config.redis_url,
        "redis://app:pw@10.0.0.1:7000,redis://app:pw@10.0.0.2:7000/0,redis://10.0.0.3:7000"
    );
    assert_eq!(
        cluster_nodes(&config.redis_url).map(|nodes| nodes.len()),
        Some(3)
    );
    assert_eq!(cluster_nodes("redis://127.0.0.1:6379/0"), None);
    assert_eq!(
        redact_url(&config.redis_url),
        "redis://app:***@10.0.0.1:7000,redis://app:***@10.0.0.2:7000/0,redis://10.0.0.3:7000"
    );
    // A trailing comma on a single URL is tolerated, and it is no cluster.
    let single = parse(&[("REDIS_URL", "redis://h:1/2,")]).expect("valid");
    assert_eq!(single.redis_url, "redis://h:1/2");
    let subscriber =
        parse(&[("EVENT_SUBSCRIBER_REDIS_URL", "redis://a:1,redis://b:2")]).expect("valid");
    assert_eq!(subscriber.subscriber_url(), "redis://a:1,redis://b:2");
}

#[test]
fn cluster_urls_are_checked_and_passwords_never_shown() {
    let message = error(&[("REDIS_URL", "redis://a:1,redis://:hunter2@b:2/3")]);
    assert!(
        message
            .contains("node `redis://:***@b:2/3`: a Redis Cluster has database 0 only, not `/3`"),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");
    let message = error(&[("REDIS_URL", "redis://a:1,http://:hunter2@b:2")]);
    assert!(message.contains("unknown scheme `http`"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
    assert!(
        error(&[("REDIS_URL", "redis://a:1,redis+unix:///tmp/redis.sock")])
            .contains("over `redis://` or `rediss://`")
    );
}

#[test]
fn partitions_are_read() {
    let config = parse(&[(
        "EVENT_PARTITIONS",
        "user.created:4:user_id, request.created:16:request_number",
    )])
    .expect("valid");
    assert_eq!(
        config.partitioning("user.created"),
        Some(&Partitioning::new(4, "user_id"))
    );
    assert_eq!(
        config.partitioning("request.created"),
        Some(&Partitioning::new(16, "request_number"))
    );
    assert_eq!(config.partitioning("user.updated"), None);
    assert!(parse(&[]).expect("valid").partitions.is_empty());
    for (value, expected) in [
        (
            "user.created:4",
            "is not `<event type>:<partitions>:<key field>`",
        ),
        ("users:4:user_id", "`users` is not an event type"),
        ("user.created:0:user_id", "expected 1 to 1024"),
        ("user.created:5000:user_id", "expected 1 to 1024"),
        ("user.created:4:user id", "is not a field name"),
        ("user.created:4:a,user.created:2:b", "listed twice"),
    ] {
        let message = error(&[("EVENT_PARTITIONS", value)]);
        assert!(message.contains(expected), "{value}: {message}");
    }
}

#[test]
fn durable_publish_is_read() {
    assert_eq!(parse(&[]).expect("valid").publisher.durable, None);
    let config = parse(&[("EVENT_PUBLISHER_DURABLE_REPLICAS", "1")]).expect("valid");
    assert_eq!(
        config.publisher.durable,
        Some(Durability::new(1, Duration::from_millis(1000)))
    );
    let config = parse(&[
        ("EVENT_PUBLISHER_DURABLE_REPLICAS", "2"),
        ("EVENT_PUBLISHER_DURABLE_TIMEOUT", "250"),
    ])
    .expect("valid");
    assert_eq!(
        config.publisher.durable,
        Some(Durability::new(2, Duration::from_millis(250)))
    );
    assert_eq!(
        parse(&[("EVENT_PUBLISHER_DURABLE_REPLICAS", "0")])
            .expect("valid")
            .publisher
            .durable,
        None
    );
    assert!(
        error(&[("EVENT_PUBLISHER_DURABLE_TIMEOUT", "250")])
            .contains("has no effect without EVENT_PUBLISHER_DURABLE_REPLICAS")
    );
    assert!(
        error(&[
            ("EVENT_PUBLISHER_DURABLE_REPLICAS", "1"),
            ("EVENT_PUBLISHER_DURABLE_TIMEOUT", "5000"),
        ])
        .contains("must be below EVENT_PUBLISHER_PUBLISH_TIMEOUT (5000 ms)")
    );
    assert!(
        error(&[("EVENT_PUBLISHER_DURABLE_REPLICAS", "one")]).contains("expected a whole number")
    );
}

/// Writes `files` (name, content) into a fresh directory; returns their paths.
fn pem_files(test: &str, files: &[(&str, &str)]) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!(
        "event-runtime-config-{}-{test}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    files
        .iter()
        .map(|(name, content)| {
            let path = dir.join(name);
            std::fs::write(&path, content).expect("write");
            path.to_string_lossy().into_owned()
        })
        .collect()
}

const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const KEY: &str = "-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\n";

#[test]
fn tls_files_are_read_for_rediss_urls() {
    let paths = pem_files(
        "read",
        &[("ca.pem", CERT), ("cert.pem", CERT), ("key.pem", KEY)],
    );
    let result = parse(&[
        ("REDIS_URL", "rediss://app:pw@redis.internal:6380/0"),
        ("EVENT_REDIS_TLS_CA_FILE", paths[0].as_str()),
        ("EVENT_REDIS_TLS_CERT_FILE", paths[1].as_str()),
        ("EVENT_REDIS_TLS_KEY_FILE", paths[2].as_str()),
    ]);
    if cfg!(feature = "tls") {
        let tls = result.expect("valid").tls;
        assert_eq!(tls.ca_pem.as_deref(), Some(CERT.as_bytes()));
        let identity = tls.client_identity.clone().expect("client identity");
        assert_eq!(identity.certificate_chain_pem, CERT.as_bytes());
        assert_eq!(identity.private_key_pem, KEY.as_bytes());
        let shown = format!("{tls:?}");
        assert!(!shown.contains("MHcC"), "{shown}");
        assert!(shown.contains("<hidden>"), "{shown}");
    } else {
        assert!(result.is_err());
    }
    // Empty values count as unset.
    let empty = parse(&[
        ("EVENT_REDIS_TLS_CA_FILE", ""),
        ("EVENT_REDIS_TLS_KEY_FILE", " "),
    ]);
    assert!(empty.expect("valid").tls.is_empty());
}

#[test]
fn tls_files_that_are_missing_or_wrong_name_the_variable() {
    let paths = pem_files(
        "wrong",
        &[
            ("cert.pem", CERT),
            ("key.pem", KEY),
            ("notes.txt", "hello"),
            ("enc.pem", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIF\n"),
        ],
    );
    // File errors come first, whatever the URL and features.
    let missing = format!("{}.missing", paths[0]);
    let message = error(&[("EVENT_REDIS_TLS_CA_FILE", missing.as_str())]);
    assert!(
        message.starts_with(&format!(
            "EVENT_REDIS_TLS_CA_FILE={missing:?} is invalid: cannot be read: "
        )),
        "{message}"
    );
    assert_eq!(
        error(&[("EVENT_REDIS_TLS_CA_FILE", paths[2].as_str())]),
        format!(
            "EVENT_REDIS_TLS_CA_FILE={:?} is invalid: is not a PEM certificate file (no `-----BEGIN CERTIFICATE-----` block)",
            paths[2]
        )
    );
    assert!(
        error(&[
            ("EVENT_REDIS_TLS_CERT_FILE", paths[0].as_str()),
            ("EVENT_REDIS_TLS_KEY_FILE", paths[0].as_str())
        ])
        .contains("EVENT_REDIS_TLS_KEY_FILE=")
    );
    assert!(
        error(&[
            ("EVENT_REDIS_TLS_CERT_FILE", paths[0].as_str()),
            ("EVENT_REDIS_TLS_KEY_FILE", paths[3].as_str())
        ])
        .contains("is an encrypted private key")
    );
    assert!(
        error(&[("EVENT_REDIS_TLS_CERT_FILE", paths[0].as_str())])
            .contains("needs EVENT_REDIS_TLS_KEY_FILE too")
    );
    assert!(
        error(&[("EVENT_REDIS_TLS_KEY_FILE", paths[1].as_str())])
            .contains("needs EVENT_REDIS_TLS_CERT_FILE too")
    );
    let plain = error(&[("EVENT_REDIS_TLS_CA_FILE", paths[0].as_str())]);
    if cfg!(feature = "tls") {
        assert!(
            plain.ends_with("is set but no Redis URL uses `rediss://` (TLS)"),
            "{plain}"
        );
    } else {
        assert!(
            plain.ends_with("TLS needs the `tls` feature of event-runtime"),
            "{plain}"
        );
    }
}

#[test]
fn test_binary_names_lose_their_hash() {
    assert_eq!(strip_test_hash("subscriber-0123456789abcdef"), "subscriber");
    assert_eq!(strip_test_hash("orders-service"), "orders-service");
}

#[test]
fn one_rule_per_setting_words_its_variable_or_its_field() {
    assert_eq!(
        error(&[("EVENT_SUBSCRIBER_BATCH_SIZE", "0")]),
        r#"EVENT_SUBSCRIBER_BATCH_SIZE="0" is invalid: must be at least 1"#
    );
    assert_eq!(
        error(&[("EVENT_SUBSCRIBER_METRICS_INTERVAL", "0ms")]),
        r#"EVENT_SUBSCRIBER_METRICS_INTERVAL="0ms" is invalid: must be at least 1 millisecond"#
    );
    assert_eq!(
        error(&[("EVENT_SUBSCRIBER_CONSUMER_GROUP", "")]),
        r#"EVENT_SUBSCRIBER_CONSUMER_GROUP="" is invalid: must be non-empty and without spaces"#
    );
    assert_eq!(
        parse(&[("EVENT_SUBSCRIBER_METRICS_INTERVAL", "250")])
            .expect("valid")
            .subscriber
            .metrics_interval,
        Duration::from_millis(250)
    );

    let mut config = parse(&[]).expect("defaults");
    assert_eq!(config.check(), Ok(()));
    config.subscriber.max_deliveries = 0;
    let broken = config.check().expect_err("no attempt at all");
    assert_eq!(
        broken.for_code(),
        "subscriber.max_deliveries must be at least 1 (EVENT_SUBSCRIBER_MAX_DELIVERIES)"
    );
    assert_eq!(
        broken.for_env(None).to_string(),
        r#"EVENT_SUBSCRIBER_MAX_DELIVERIES="0" is invalid: must be at least 1"#
    );
    config.subscriber.max_deliveries = 3;
    config.subscriber.consumer_group = "two words".to_owned();
    assert_eq!(
        config.check().map_err(|broken| broken.for_code()),
        Err("subscriber.consumer_group must be non-empty and without spaces (EVENT_SUBSCRIBER_CONSUMER_GROUP)".to_owned())
    );
    config.subscriber.consumer_group = "billing".to_owned();
    config.publisher.durable = Some(Durability::new(1, config.publisher.publish_timeout));
    assert_eq!(
        config.check().map_err(|broken| broken.for_code()),
        Err("publisher.durable.timeout must be below publisher.publish_timeout (5000 ms), which includes the wait (EVENT_PUBLISHER_DURABLE_TIMEOUT)".to_owned())
    );
}

#[test]
fn pubsub_types_follow_the_event_name_rule() {
    for name in ["User.Created", "user.created_"] {
        let message = error(&[("EVENT_PUBLISHER_PUBSUB", name)]);
        assert!(
            message.contains(&format!("`{name}` is not an event type")),
            "{message}"
        );
    }
}

#[test]
fn the_old_name_of_max_deliveries_is_still_read_and_the_new_one_wins() {
    let old = parse(&[("EVENT_SUBSCRIBER_MAX_RETRIES", "7")]).expect("old name");
    assert_eq!(old.subscriber.max_deliveries, 7);
    let both = parse(&[
        ("EVENT_SUBSCRIBER_MAX_RETRIES", "7"),
        ("EVENT_SUBSCRIBER_MAX_DELIVERIES", "4"),
    ])
    .expect("both names");
    assert_eq!(both.subscriber.max_deliveries, 4);
    assert_eq!(
        error(&[("EVENT_SUBSCRIBER_MAX_RETRIES", "many")]),
        r#"EVENT_SUBSCRIBER_MAX_RETRIES="many" is invalid: expected a whole number"#
    );
}

#[test]
fn deduplication_is_off_by_default_and_read_from_its_variables() {
    let defaults = parse(&[]).expect("defaults").subscriber;
    assert!(!defaults.dedup);
    assert_eq!(defaults.dedup_window, Duration::from_secs(86_400));
    let on = parse(&[
        ("EVENT_SUBSCRIBER_DEDUP", "on"),
        ("EVENT_SUBSCRIBER_DEDUP_WINDOW", "60000"),
    ])
    .expect("valid")
    .subscriber;
    assert!(on.dedup);
    assert_eq!(on.dedup_window, Duration::from_secs(60));
    assert!(
        !parse(&[("EVENT_SUBSCRIBER_DEDUP", "off")])
            .expect("valid")
            .subscriber
            .dedup
    );
    assert_eq!(
        error(&[("EVENT_SUBSCRIBER_DEDUP", "maybe")]),
        r#"EVENT_SUBSCRIBER_DEDUP="maybe" is invalid: expected `on` or `off`"#
    );
    assert_eq!(
        error(&[("EVENT_SUBSCRIBER_DEDUP_WINDOW", "0")]),
        r#"EVENT_SUBSCRIBER_DEDUP_WINDOW="0" is invalid: must be at least 1 millisecond"#
    );
}
