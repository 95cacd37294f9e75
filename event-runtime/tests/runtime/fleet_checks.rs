//! The publisher's start-up checks against the fleet registry, with two "services" built
//! from different copies of the schemas (hand-written events whose shapes differ for the same
//! type and version): an in-place edit refused under `refuse`, warned under `warn`, ignored
//! under `off`; a version that a live consumer group cannot read refused, unless the type's
//! level lets the group read newer versions.

use std::io::Write;
use std::sync::{Arc, Mutex};

use event_runtime::config::CheckLevel;
use event_runtime::fleet::{FleetReader, Readable};
use event_runtime::{Config, ErrorKind, Publisher, Registry, Subscriber};
use tracing_subscriber::util::SubscriberInitExt;

use crate::common::{UserCreatedV1, UserCreatedV2, config, server};

/// What another copy of the schemas has: `user.created` v2 with a field added in place.
mod edited {
    use event_runtime::{Envelope, Event};
    use serde::{Deserialize, Serialize};

    #[derive(Clone, PartialEq, Serialize, Deserialize, Event)]
    #[event(name = "user.created", version = 2)]
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
        #[serde(default)]
        pub nickname: Option<String>,
    }
}

/// A `FULL` type: readers of v1 read v2 data.
mod full {
    use event_runtime::{Envelope, Event};
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
    #[event(name = "profile.updated", version = 1, compatibility = "FULL")]
    pub struct ProfileUpdatedV1 {
        #[serde(flatten)]
        pub envelope: Envelope,
        pub account_id: i64,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
    #[event(name = "profile.updated", version = 2, compatibility = "FULL")]
    pub struct ProfileUpdatedV2 {
        #[serde(flatten)]
        pub envelope: Envelope,
        pub account_id: i64,
        #[serde(default)]
        pub bio: Option<String>,
    }
}

fn service(base: &Config, name: &str) -> Config {
    let mut config = base.clone();
    config.service_name = name.to_owned();
    config.subscriber.consumer_group = name.to_owned();
    config
}

/// Runs `register` with the log captured; returns its outcome and what was logged.
async fn logged<T>(register: impl Future<Output = T>) -> (T, String) {
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);
    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let captured = Captured::default();
    let writer = captured.clone();
    let guard = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish()
        .set_default();
    let outcome = register.await;
    drop(guard);
    let text = String::from_utf8_lossy(&captured.0.lock().expect("lock")).into_owned();
    (outcome, text)
}

#[tokio::test]
async fn an_edited_version_is_refused_warned_or_ignored_as_configured() {
    let server = server();
    let base = config(&server);
    let original = Publisher::new(&service(&base, "users"))
        .await
        .expect("publisher");
    let released = Registry::new()
        .with::<UserCreatedV1>()
        .with::<UserCreatedV2>();
    original.register(&released).await.expect("registered");
    let edited = Registry::new()
        .with::<UserCreatedV1>()
        .with::<edited::UserCreatedV2>();

    let mut refusing = service(&base, "signup");
    refusing.registry.check_fingerprints = CheckLevel::Refuse;
    let publisher = Publisher::new(&refusing).await.expect("publisher");
    let error = publisher.register(&edited).await.expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::Refused);
    let message = error.to_string();
    for part in [
        "user.created v2",
        "service users",
        "instance ",
        "new version (v3)",
    ] {
        assert!(message.contains(part), "{part}: {message}");
    }
    let reader = FleetReader::connect(&base).await.expect("reader");
    let fleet = reader.read().await.expect("fleet");
    let view = &fleet.types["user.created"];
    assert!(
        view.producers
            .iter()
            .all(|member| member.record.id.service == "users"),
        "a refused publisher registers nothing: {view:?}"
    );

    let mut ignoring = service(&base, "signup");
    ignoring.registry.check_fingerprints = CheckLevel::Off;
    let publisher = Publisher::new(&ignoring).await.expect("publisher");
    let (outcome, log) = logged(publisher.register(&edited)).await;
    outcome.expect("off: registered");
    assert!(!log.contains("user.created v2"), "off logs nothing: {log}");

    let mut warning = service(&base, "signup");
    warning.registry.check_fingerprints = CheckLevel::Warn;
    let publisher = Publisher::new(&warning).await.expect("publisher");
    let (outcome, log) = logged(publisher.register(&edited)).await;
    outcome.expect("warn: registered");
    assert!(log.contains("WARN"), "{log}");
    assert!(
        log.contains("user.created v2") && log.contains("service users"),
        "{log}"
    );

    // Both shapes are registered now: the fleet shows the disagreement.
    let fleet = reader.read().await.expect("fleet");
    let disagreements = &fleet.types["user.created"].disagreements;
    assert_eq!(disagreements.len(), 1, "{disagreements:?}");
    assert_eq!(disagreements[0].version, 2);
    assert_eq!(disagreements[0].fingerprints.len(), 2);
}

#[tokio::test]
async fn a_version_a_live_group_cannot_read_is_refused_unless_its_level_lets_it() {
    let server = server();
    let base = config(&server);
    let billing = service(&base, "billing");
    let _backward = Subscriber::builder(&billing)
        .on(|_: UserCreatedV1| async { Ok(()) })
        .build()
        .await
        .expect("subscriber");
    let _full = Subscriber::builder(&billing)
        .on(|_: full::ProfileUpdatedV1| async { Ok(()) })
        .build()
        .await
        .expect("subscriber");
    let fleet = FleetReader::connect(&base)
        .await
        .expect("reader")
        .read()
        .await
        .expect("fleet");
    assert_eq!(
        fleet.types["user.created"].groups[0].reads,
        Readable::UpTo(1)
    );
    assert_eq!(
        fleet.types["profile.updated"].groups[0].reads,
        Readable::Any
    );

    let mut refusing = service(&base, "users");
    refusing.registry.check_readers = CheckLevel::Refuse;
    let publisher = Publisher::new(&refusing).await.expect("publisher");
    let error = publisher
        .register(
            &Registry::new()
                .with::<UserCreatedV1>()
                .with::<UserCreatedV2>(),
        )
        .await
        .expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::Refused);
    let message = error.to_string();
    for part in [
        "user.created v2",
        "consumer group billing",
        "reads at most v1",
    ] {
        assert!(message.contains(part), "{part}: {message}");
    }
    // v1 is what the group reads: fine.
    publisher
        .register(&Registry::new().with::<UserCreatedV1>())
        .await
        .expect("v1 is read by every group");
    // A FULL type: the group reads v2 as v1.
    publisher
        .register(
            &Registry::new()
                .with::<full::ProfileUpdatedV1>()
                .with::<full::ProfileUpdatedV2>(),
        )
        .await
        .expect("FULL: the v1 readers read v2");
}

#[tokio::test]
async fn with_redis_away_at_start_the_checks_run_when_it_is_back_and_warn() {
    let mut server = server();
    let mut base = config(&server);
    base.registry.heartbeat = std::time::Duration::from_millis(100);
    let original = Publisher::new(&service(&base, "users"))
        .await
        .expect("publisher");
    original
        .register(&Registry::new().with::<UserCreatedV2>())
        .await
        .expect("registered");
    let mut refusing = service(&base, "signup");
    refusing.registry.check_fingerprints = CheckLevel::Refuse;
    let publisher = Publisher::new(&refusing).await.expect("publisher");
    let (outcome, log) = logged(async {
        server.stop();
        let outcome = publisher
            .register(&Registry::new().with::<edited::UserCreatedV2>())
            .await;
        server.restart().expect("restart");
        let reader = FleetReader::connect(&base).await.expect("reader");
        crate::common::eventually(
            "the late registration",
            std::time::Duration::from_secs(5),
            || async {
                reader.read().await.is_ok_and(|fleet| {
                    fleet.types.get("user.created").is_some_and(|view| {
                        view.producers
                            .iter()
                            .any(|member| member.record.id.service == "signup")
                    })
                })
            },
        )
        .await;
        outcome
    })
    .await;
    outcome.expect("Redis away: logged, not refused");
    assert!(
        log.contains("user.created v2") && log.contains("Redis was away"),
        "{log}"
    );
}
