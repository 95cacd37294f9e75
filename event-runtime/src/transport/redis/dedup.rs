//! The command of effectively-once handling: recording handled events (`XADD` to the group's
//! record stream, trimmed to the window by `MINID ~`). The record stream's hash tag is its
//! event stream's name, so on a Redis Cluster each stream's records go to the stream's slot;
//! they are stream commands, which the least-privilege ACL user may run.

use std::time::Duration;

use super::RedisTransport;
use super::commands::min_id_for_age;
use crate::error::Result;
use crate::wire::handled_key;

impl RedisTransport {
    /// Appends one record per handled event to `events:handled:{<stream>}:<group>` (fields
    /// `event_id` and `stream_id`), dropping records older than `window`; one pipeline per
    /// slot.
    pub(crate) async fn record_handled(
        &self,
        group: &str,
        records: &[(String, Vec<(String, String)>)],
        window: Duration,
    ) -> Result<()> {
        let records: Vec<&(String, Vec<(String, String)>)> = records
            .iter()
            .filter(|(_, handled)| !handled.is_empty())
            .collect();
        let min_id = min_id_for_age(window);
        let groups = self.slot_groups(records.iter().map(|(stream, _)| stream.as_str()));
        let sends = groups.iter().map(|indexes| {
            let mut pipe = redis::pipe();
            for index in indexes {
                let (stream, handled) = records[*index];
                let key = handled_key(stream, group);
                for (event_id, stream_id) in handled {
                    pipe.cmd("XADD")
                        .arg(&key)
                        .arg("MINID")
                        .arg("~")
                        .arg(&min_id)
                        .arg("*")
                        .arg("event_id")
                        .arg(event_id)
                        .arg("stream_id")
                        .arg(stream_id)
                        .ignore();
                }
            }
            let key = records[indexes[0]].0.as_str();
            async move { self.query_pipe::<()>(&pipe, key).await }
        });
        futures_util::future::try_join_all(sends).await.map(drop)
    }
}
