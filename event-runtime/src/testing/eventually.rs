//! Waiting for a condition in a test.

use std::future::Future;
use std::time::{Duration, Instant};

/// Polls `check` every 10 ms until it returns `true`; panics after `within`, naming `what`
/// it waited for (a test helper: the panic is the test's failure).
///
/// ```no_run
/// # async fn example(recorder: event_runtime::testing::Recorder<u32>) {
/// use std::time::Duration;
/// event_runtime::testing::eventually("two events handled", Duration::from_secs(5), || async {
///     recorder.len() >= 2
/// })
/// .await;
/// # }
/// ```
#[allow(clippy::panic)]
pub async fn eventually<F, Fut>(what: &str, within: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        if started.elapsed() > within {
            panic!("timed out after {within:?} waiting for: {what}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
