//! What the two backends take and return: entries to append, reads of a group, claims, group
//! figures, pub/sub messages. Below both the Redis backend (`transport/redis/`) and the
//! in-memory one (`memory/`), so that neither needs the other, and above neither: the runtime
//! reaches both through `transport::Transport`.

use std::pin::Pin;

use futures_util::Stream;

use crate::wire::{EntryId, StreamEntry};

/// One entry to append, with its optional pub/sub copy.
#[derive(Debug, Clone)]
pub(crate) struct OutgoingEntry {
    pub(crate) stream: String,
    pub(crate) fields: Vec<(&'static str, String)>,
    /// The channel to PUBLISH the entry's `event_data` to, in the same transaction.
    pub(crate) broadcast: Option<String>,
}

impl OutgoingEntry {
    /// The value of the entry's `event_data` field, which a broadcast publishes; empty when
    /// the entry has none.
    pub(crate) fn event_data(&self) -> &str {
        self.fields
            .iter()
            .find(|(name, _)| *name == crate::wire::field::EVENT_DATA)
            .map_or("", |(_, value)| value.as_str())
    }
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

/// A consumer group's position in a stream, as retention reads it (`XINFO GROUPS` and the
/// `XPENDING` summary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupPosition {
    pub(crate) name: String,
    /// The last entry delivered to the group (`last-delivered-id`).
    pub(crate) last_delivered: EntryId,
    /// Its oldest pending entry, if any.
    pub(crate) oldest_pending: Option<EntryId>,
}

/// A stream's length and its groups' positions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct StreamGroups {
    pub(crate) length: u64,
    pub(crate) groups: Vec<GroupPosition>,
}

/// How to trim a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TrimTo {
    /// Exactly the entries below this id (`XTRIM <stream> MINID <id>`).
    MinId(EntryId),
    /// About this retention (`XTRIM <stream> MAXLEN ~ <n>` or `MINID ~ <now - age>`).
    About(crate::config::Retention),
}

/// What a forced trim removed from `[from, to)` (entries below `from` were acknowledged by
/// every group), read in the same transaction as the trim.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ForcedTrim {
    /// The ids of the entries removed from `[from, to)`.
    pub(crate) removed: Vec<EntryId>,
    /// Each group's last delivered id, and its pending ids in `[from, to)`.
    pub(crate) groups: Vec<(String, EntryId, Vec<EntryId>)>,
    /// Entries the trim removed in all.
    pub(crate) trimmed: u64,
}
