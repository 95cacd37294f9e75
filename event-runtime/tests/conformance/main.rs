//! The conformance suite: one set of tests, run against every backend.
//!
//! The cases are Watermill's universal pub/sub tests (its `tests.TestPubSub`), including the
//! ones its Redis adapter skips (NoAck, InOrder, Reconnect). Each case runs on a fresh backend:
//! `on_redis::<case>` on a `redis-server` of its own (AOF on, restartable), `on_memory::<case>`
//! on an `event_runtime::memory::MemoryBroker`, `on_cluster::<case>` on a Redis Cluster of its
//! own (`event_runtime::testing::RedisCluster`: three masters, three replicas; a restart kills
//! and restarts every master). A cluster costs six `redis-server` processes and about seven
//! seconds to form, so the default run has the cluster subset `CLUSTER_SUBSET` (payload and
//! pub/sub through `MULTI` on a node, consumer groups, redelivery and claims); the feature
//! `cluster-tests` runs every case on a cluster (CI's cluster step:
//! `cargo test -p event-runtime --features cluster-tests --test conformance on_cluster`).
//! Every case counts what was sent, handled
//! (successful handlings), duplicated and lost, and prints one line:
//!
//! ```text
//! conformance memory publish_subscribe   sent 100  handled 100  duplicates 0  lost 0  failed attempts 0  0.12 s
//! ```
//!
//! Lost must be 0 everywhere; duplicates must be 0 except where a case injects redelivery
//! (broker restarts). `cargo test -p event-runtime --test conformance -- --nocapture` shows
//! the lines; `CONFORMANCE_REPORT=<file>` also appends them to a file as JSON lines.
//!
//! Stress mode: `CONFORMANCE_STRESS=<rounds> cargo test -p event-runtime --test conformance
//! stress -- --ignored` runs the whole suite `<rounds>` times (default 1) on each backend, every
//! case of a round in parallel with the others. The `stress` tests are ignored in a default run,
//! so the test report lists them as not run rather than passing them untested.

#![allow(
    clippy::print_stderr,
    reason = "the suite reports its counts on stderr, shown with --nocapture"
)]

mod cases;
mod events;
mod harness;

use harness::{Counts, Kind, check};

/// Declares the suite once: a test per case and backend, and the stress mode over all cases.
macro_rules! suite {
    ($($theme:ident :: $case:ident),* $(,)?) => {
        /// Every case, by name.
        const CASES: &[&str] = &[$(stringify!($case)),*];

        /// Runs the case called `name` on a fresh backend of `kind`.
        async fn run_case(kind: Kind, name: &'static str) -> Counts {
            match name {
                $(stringify!($case) => check(kind, name, cases::$theme::$case).await,)*
                _ => panic!("no case called {name}"),
            }
        }

        /// The suite on a `redis-server` per test.
        mod on_redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    crate::run_case(crate::Kind::Redis, stringify!($case)).await;
                }
            )*

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "stress mode, minutes long: run with `-- --ignored stress` (CONFORMANCE_STRESS=<rounds>, default 1)"]
            async fn stress() {
                crate::stress(crate::Kind::Redis).await;
            }
        }

        /// The whole suite on a Redis Cluster per test (feature `cluster-tests`).
        #[cfg(feature = "cluster-tests")]
        mod on_cluster {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    crate::run_case(crate::Kind::Cluster, stringify!($case)).await;
                }
            )*

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "stress mode, minutes long: run with `-- --ignored stress` (CONFORMANCE_STRESS=<rounds>, default 1)"]
            async fn stress() {
                crate::stress(crate::Kind::Cluster).await;
            }
        }

        /// The suite on a `MemoryBroker` per test.
        mod on_memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    crate::run_case(crate::Kind::Memory, stringify!($case)).await;
                }
            )*

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "stress mode, minutes long: run with `-- --ignored stress` (CONFORMANCE_STRESS=<rounds>, default 1)"]
            async fn stress() {
                crate::stress(crate::Kind::Memory).await;
            }
        }
    };
}

suite! {
    delivery::publish_subscribe,
    delivery::new_subscriber_receives_old_messages,
    delivery::topic_isolation,
    delivery::consumer_groups,
    delivery::in_order_per_key,
    concurrency::concurrent_subscribe,
    concurrency::concurrent_topics,
    concurrency::concurrent_close,
    concurrency::publisher_close,
    failures::resend_on_error,
    failures::no_ack_holds_the_next_event,
    failures::unacknowledged_is_redelivered,
    failures::continue_after_errors,
    lifecycle::short_lived_subscribers,
    lifecycle::cancellation_closes_cleanly,
    lifecycle::broker_restarts,
    retention::stopped_group_loses_nothing_to_retention,
    retention::hard_cap_reports_what_each_group_lost,
}

/// The cases the default run (without the `cluster-tests` feature) runs on a Redis Cluster.
#[cfg_attr(
    feature = "cluster-tests",
    expect(dead_code, reason = "the whole suite runs on a cluster instead")
)]
const CLUSTER_SUBSET: &[&str] = &[
    "publish_subscribe",
    "consumer_groups",
    "resend_on_error",
    "unacknowledged_is_redelivered",
];

/// The subset of the suite on a Redis Cluster in the default run; the feature
/// `cluster-tests` runs all of it instead.
#[cfg(not(feature = "cluster-tests"))]
mod on_cluster {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn subset() {
        // One after the other: a cluster is six servers, and the machine runs other tests.
        for case in crate::CLUSTER_SUBSET {
            crate::run_case(crate::Kind::Cluster, case).await;
        }
    }
}

/// The whole suite, `CONFORMANCE_STRESS` times (default once), each round's cases in parallel.
async fn stress(kind: Kind) {
    let rounds: usize = match std::env::var_os("CONFORMANCE_STRESS") {
        None => 1,
        Some(rounds) => rounds
            .to_str()
            .and_then(|text| text.parse().ok())
            .unwrap_or_else(|| panic!("CONFORMANCE_STRESS={rounds:?} is not a number of rounds")),
    };
    for round in 1..=rounds {
        let mut running = tokio::task::JoinSet::new();
        for case in CASES {
            running.spawn(run_case(kind, case));
        }
        let mut total = Counts::default();
        while let Some(counts) = running.join_next().await {
            total = Counts::sum([total, counts.expect("a case failed")]);
        }
        eprintln!(
            "conformance {} stress round {round}/{rounds}: {} cases, sent {}, handled {}, duplicates {}, lost {}",
            kind.name(),
            CASES.len(),
            total.sent,
            total.handled,
            total.duplicates,
            total.lost
        );
    }
}
