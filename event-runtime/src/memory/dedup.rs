//! Effectively-once handling on the in-memory broker: the record of handled events, as on
//! Redis (`XADD events:handled:{<stream>}:<group> MINID <window> * event_id <id> ...`), trimmed
//! exactly to the window.

use std::time::Duration;

use crate::error::{Error, ErrorKind, Result};
use crate::wire::{EntryId, handled_key};

use super::{MemoryBroker, now_ms};

impl MemoryBroker {
    /// Simulates acknowledgements that never reach the server, for tests of what a lost
    /// `XACK` leads to: while `refuse` is on, every acknowledgement fails with a connection
    /// error ([`Error::is_connection`]) and its entry stays pending, to be delivered again;
    /// every other operation works.
    pub fn refuse_acks(&self, refuse: bool) {
        self.lock().refusing_acks = refuse;
    }

    /// The state for an acknowledgement: [`answer`](Self::answer), or the error of an
    /// acknowledgement refused by [`refuse_acks`](Self::refuse_acks).
    pub(super) fn answer_ack(&self) -> Result<std::sync::MutexGuard<'_, super::State>> {
        let state = self.answer()?;
        if state.refusing_acks {
            return Err(Error::new(
                ErrorKind::Connection,
                format!(
                    "the in-memory broker {} refuses acknowledgements (a simulated fault)",
                    self.inner.name
                ),
            ));
        }
        Ok(state)
    }

    /// Appends one record per handled event to the group's record stream of each stream,
    /// dropping records older than `window`.
    pub(crate) fn record_handled(
        &self,
        group: &str,
        records: &[(String, Vec<(String, String)>)],
        window: Duration,
    ) -> Result<()> {
        {
            let mut state = self.answer()?;
            let window = u64::try_from(window.as_millis()).unwrap_or(u64::MAX);
            for (stream, handled) in records.iter().filter(|(_, handled)| !handled.is_empty()) {
                let record = state.streams.entry(handled_key(stream, group)).or_default();
                for (event_id, stream_id) in handled {
                    let fields = vec![
                        ("event_id".to_owned(), event_id.clone().into_bytes()),
                        ("stream_id".to_owned(), stream_id.clone().into_bytes()),
                    ];
                    let now = now_ms();
                    record.trim_before(EntryId {
                        ms: now.saturating_sub(window),
                        seq: 0,
                    });
                    record.append(fields, now);
                }
            }
        }
        self.inner.changed.notify_waiters();
        Ok(())
    }
}
