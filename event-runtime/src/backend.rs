//! What the two backends take and return: entries to append, reads of a group, claims, group
//! figures, pub/sub messages. Below both the Redis backend (`transport/redis/`) and the
//! in-memory one (`memory/`), so that neither needs the other, and above neither: the runtime
//! reaches both through `transport::Transport`.

use std::pin::Pin;

use futures_util::Stream;

use crate::wire::StreamEntry;

/// One entry to append, with its optional pub/sub copy.
#[derive(Debug, Clone)]
pub(crate) struct OutgoingEntry {
    pub(crate) stream: String,
    pub(crate) fields: Vec<(&'static str, String)>,
    /// `(channel, message)` to PUBLISH in the same transaction.
    pub(crate) broadcast: Option<(String, String)>,
}

/// What a claim returned.
#[derive(Debug, Default)]
pub(crate) struct Claimed {
    /// Entries now owned by the claimer.
    pub(crate) entries: Vec<StreamEntry>,
    /// Ids whose data was deleted or trimmed; Redis dropped them from the pending list.
    pub(crate) deleted: Vec<String>,
    /// Cursor for the next call; `0-0` when the pass is complete.
    pub(crate) next: String,
}

/// Per-group figures for health.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct GroupFigures {
    pub(crate) pending: u64,
    pub(crate) lag: Option<u64>,
}

/// What removing a consumer from its group did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConsumerRemoval {
    /// It held no entry and is gone.
    Removed,
    /// Entries are pending for it: it stays, so that they are not dropped.
    Holds,
    /// The group (or the stream) does not exist.
    Absent,
}

/// The outcome of a group read.
#[derive(Debug)]
pub(crate) enum GroupRead {
    /// Entries per stream (none when the block time passed).
    Entries(Vec<(String, Vec<StreamEntry>)>),
    /// The group or a stream is gone (deleted stream, `FLUSHALL`): recreate and read again.
    NoGroup,
}

/// The payloads of a pub/sub subscription, until the connection closes.
pub(crate) type Messages = Pin<Box<dyn Stream<Item = Vec<u8>> + Send>>;
