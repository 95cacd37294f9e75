//! A handler that records what it gets: the test reads it after the subscriber settled.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::subscriber::HandlerError;

/// Values recorded by handlers, shared with the test. Cheap to clone: clones share the
/// record.
///
/// ```no_run
/// # #[derive(Debug, Clone, serde::Serialize, serde::Deserialize, event_runtime::Event)]
/// # #[event(name = "user.created", version = 1)]
/// # struct UserCreatedV1 { #[serde(flatten)] envelope: event_runtime::Envelope, account_id: i64 }
/// # async fn example(config: event_runtime::Config, broker: event_runtime::memory::MemoryBroker) -> Result<(), event_runtime::Error> {
/// use event_runtime::testing::Recorder;
///
/// let seen: Recorder<UserCreatedV1> = Recorder::new();
/// let subscriber = event_runtime::Subscriber::builder(&config)
///     .in_memory(&broker)
///     .on(seen.handler::<UserCreatedV1>())
///     .build()
///     .await?
///     .spawn();
/// // ... publish, then:
/// subscriber.settled(std::time::Duration::from_secs(5)).await?;
/// assert_eq!(seen.len(), 1);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Recorder<T>(Arc<Mutex<Vec<T>>>);

impl<T> Clone for Recorder<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T> Default for Recorder<T> {
    fn default() -> Self {
        Self(Arc::default())
    }
}

impl<T: Clone> Recorder<T> {
    /// An empty record.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `value`.
    pub fn push(&self, value: T) {
        self.lock().push(value);
    }

    /// Everything recorded, in order.
    pub fn all(&self) -> Vec<T> {
        self.lock().clone()
    }

    /// How many values were recorded.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<T>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl<T: Clone + Send + 'static> Recorder<T> {
    /// A handler for [`SubscriberBuilder::on`](crate::SubscriberBuilder::on) (and
    /// [`on_raw`](crate::SubscriberBuilder::on_raw)) that records each value and succeeds.
    pub fn handler<E>(
        &self,
    ) -> impl Fn(E) -> std::future::Ready<Result<(), HandlerError>> + Send + Sync + 'static + use<E, T>
    where
        E: Into<T>,
    {
        let record = self.clone();
        move |value: E| {
            record.push(value.into());
            std::future::ready(Ok(()))
        }
    }
}
