//! Waiting until a subscriber has settled everything published to its streams: each entry
//! acknowledged or dead-lettered. Asked through the group's own figures on the backend (lag 0:
//! nothing left to read; pending 0: nothing delivered and unacknowledged), so a test that waits
//! for it cannot pass while a handler fails, and it works alike on Redis and in memory.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use super::{RunningSubscriber, Shared, SubscriberHandle, lock};
use crate::error::{Error, ErrorKind, Result};

/// How often the figures are asked while waiting.
const POLL: Duration = Duration::from_millis(5);

impl SubscriberHandle {
    /// Waits until every entry in the subscribed streams is settled (acknowledged or
    /// dead-lettered), at most `within`. Publish first, then wait: an entry published after
    /// it returned is not covered.
    ///
    /// The error (kind [`ErrorKind::Timeout`]) says, per stream, what is still unsettled:
    /// entries not read yet (lag), entries delivered and not acknowledged (pending) and
    /// which of them wait for a retry or run a handler here. A handler that keeps failing
    /// therefore fails the wait until its entries are dead-lettered.
    ///
    /// ```no_run
    /// # async fn example(subscriber: event_runtime::RunningSubscriber) -> Result<(), event_runtime::Error> {
    /// subscriber.settled(std::time::Duration::from_secs(5)).await?;
    /// subscriber.shutdown().await
    /// # }
    /// ```
    pub async fn settled(&self, within: Duration) -> Result<()> {
        let deadline = Instant::now() + within;
        loop {
            let unsettled = unsettled(&self.shared).await?;
            if unsettled.is_empty() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "the subscriber of group `{}` did not settle within {} ms: {}",
                        self.shared.group,
                        within.as_millis(),
                        unsettled.join("; ")
                    ),
                ));
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

impl RunningSubscriber {
    /// [`SubscriberHandle::settled`] of this subscriber.
    pub async fn settled(&self, within: Duration) -> Result<()> {
        self.handle.settled(within).await
    }
}

/// What is not settled yet, one line per stream; empty when everything is.
async fn unsettled(shared: &Shared) -> Result<Vec<String>> {
    let mut lines = Vec::new();
    for (stream, subscription) in shared.subscriptions.iter().enumerate() {
        let figures = shared
            .transport
            .group_figures(&subscription.key, &shared.group)
            .await?;
        let running = ids_of(
            lock(&shared.in_flight).keys().map(|(s, id)| (*s, id)),
            stream,
        );
        let retrying = ids_of(
            lock(&shared.retries)
                .iter()
                .map(|retry| (retry.stream, &retry.id)),
            stream,
        );
        if figures.pending == 0 && figures.lag == Some(0) && running.is_empty() {
            continue;
        }
        let mut line = format!("{}: ", subscription.key);
        match figures.lag {
            Some(lag) => {
                let _ = write!(line, "{lag} not read yet, ");
            }
            None => line.push_str("entries not read yet unknown (Redis cannot tell the lag), "),
        }
        let _ = write!(line, "{} delivered and not acknowledged", figures.pending);
        if !retrying.is_empty() {
            let _ = write!(line, " (waiting for a retry: {})", retrying.join(", "));
        }
        if !running.is_empty() {
            let _ = write!(line, " (handlers running: {})", running.join(", "));
        }
        lines.push(line);
    }
    Ok(lines)
}

fn ids_of<'a>(entries: impl Iterator<Item = (usize, &'a String)>, stream: usize) -> Vec<String> {
    let mut ids: Vec<String> = entries
        .filter(|(of, _)| *of == stream)
        .map(|(_, id)| id.clone())
        .collect();
    ids.sort();
    ids
}
