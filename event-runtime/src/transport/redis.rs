//! The Redis backend: every Redis command the runtime sends is in this file.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::streams::{
    StreamClaimReply, StreamId, StreamInfoGroupsReply, StreamPendingCountReply, StreamRangeReply,
};
use redis::{Client, FromRedisValue, Value};

use super::{Claimed, GroupFigures, GroupRead, Messages, OutgoingEntry, StreamEntry};
use crate::config::{Retention, TlsConfig, redact_url};
use crate::runtime_error::{Error, ErrorKind, Result};

/// A connection to Redis that reconnects on its own (redis-rs's `ConnectionManager`).
///
/// Cheap to clone; clones share one multiplexed connection. Blocking reads must not go
/// through a shared one: the subscriber opens a [`RedisTransport`] of its own for them, with a
/// response timeout longer than its `BLOCK` time.
#[derive(Clone)]
pub(crate) struct RedisTransport {
    client: Client,
    conn: ConnectionManager,
    location: String,
}

impl std::fmt::Debug for RedisTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisTransport")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl RedisTransport {
    /// Connects, waiting at most `connect_timeout`; commands then time out after
    /// `response_timeout`. `tls` applies to `rediss://` URLs only.
    pub(crate) async fn connect(
        url: &str,
        tls: &TlsConfig,
        response_timeout: Duration,
        connect_timeout: Duration,
    ) -> Result<Self> {
        let location = redact_url(url);
        let client = open_client(url, tls)?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(response_timeout))
            .set_connection_timeout(Some(connect_timeout))
            .set_number_of_retries(3)
            .set_max_delay(Duration::from_millis(1000));
        let connecting = ConnectionManager::new_with_config(client.clone(), config);
        let conn = match tokio::time::timeout(connect_timeout, connecting).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(error)) => {
                let kind = if error.kind() == redis::ErrorKind::AuthenticationFailed {
                    ErrorKind::Redis
                } else {
                    ErrorKind::Connection
                };
                let hint = certificate_hint(url, tls, &error);
                return Err(Error::new(
                    kind,
                    format!("could not connect to Redis at {location}: {error}{hint}"),
                )
                .with_source(error));
            }
            Err(_) => {
                return Err(Error::new(
                    ErrorKind::Connection,
                    format!(
                        "could not connect to Redis at {location} within {} ms",
                        connect_timeout.as_millis()
                    ),
                ));
            }
        };
        Ok(Self {
            client,
            conn,
            location,
        })
    }

    /// The URL, password hidden, for messages.
    pub(crate) fn location(&self) -> &str {
        &self.location
    }

    async fn query<T: FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T> {
        let mut conn = self.conn.clone();
        Ok(cmd.query_async(&mut conn).await?)
    }

    async fn query_pipe<T: FromRedisValue>(&self, pipe: &redis::Pipeline) -> Result<T> {
        let mut conn = self.conn.clone();
        Ok(pipe.query_async(&mut conn).await?)
    }

    /// `PING`.
    pub(crate) async fn ping(&self) -> Result<()> {
        self.query::<String>(&redis::cmd("PING")).await.map(drop)
    }

    /// Appends entries, all pipelined in one round trip: per entry one `XADD`, or
    /// `MULTI XADD PUBLISH EXEC` when it also goes to pub/sub (a lone `XADD` is atomic by
    /// itself; the transaction would cost Redis two more commands per entry). Returns the new
    /// entry ids, in order.
    pub(crate) async fn append(
        &self,
        entries: &[OutgoingEntry],
        retention: Retention,
    ) -> Result<Vec<String>> {
        let mut pipe = redis::pipe();
        for entry in entries {
            if entry.broadcast.is_some() {
                pipe.cmd("MULTI").ignore();
            }
            let xadd = pipe.cmd("XADD").arg(&entry.stream);
            match retention {
                Retention::Unbounded => {}
                Retention::MaxLen(n) => {
                    xadd.arg("MAXLEN").arg("~").arg(n);
                }
                Retention::MaxAge(age) => {
                    xadd.arg("MINID").arg("~").arg(min_id_for_age(age));
                }
            }
            xadd.arg("*");
            for (name, value) in &entry.fields {
                xadd.arg(*name).arg(value);
            }
            if let Some((channel, message)) = &entry.broadcast {
                xadd.ignore();
                pipe.cmd("PUBLISH").arg(channel).arg(message).ignore();
                pipe.cmd("EXEC");
            }
        }
        let replies: Vec<Value> = self.query_pipe(&pipe).await?;
        let entry_id = |reply: Value| match reply {
            Value::BulkString(id) => String::from_utf8(id).map_err(|_| unexpected("XADD")),
            Value::SimpleString(id) => Ok(id),
            Value::ServerError(error) => Err(Error::new(
                ErrorKind::Redis,
                format!("XADD failed: {error:?}"),
            )),
            _ => Err(unexpected("XADD")),
        };
        replies
            .into_iter()
            .map(|reply| match reply {
                // EXEC: the replies of XADD and PUBLISH.
                Value::Array(mut items) if !items.is_empty() => entry_id(items.swap_remove(0)),
                Value::Array(_) | Value::Nil => Err(Error::new(
                    ErrorKind::Redis,
                    "the transaction was aborted by Redis",
                )),
                reply => entry_id(reply),
            })
            .collect()
    }

    /// `XGROUP CREATE <stream> <group> <start> MKSTREAM`; an existing group is fine.
    pub(crate) async fn ensure_group(
        &self,
        stream: &str,
        group: &str,
        start: &str,
    ) -> Result<bool> {
        let mut cmd = redis::cmd("XGROUP");
        cmd.arg("CREATE")
            .arg(stream)
            .arg(group)
            .arg(start)
            .arg("MKSTREAM");
        match self.query::<String>(&cmd).await {
            Ok(_) => Ok(true),
            Err(error) if error.code_is("BUSYGROUP") => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// `XREADGROUP GROUP <group> <consumer> COUNT <count> BLOCK <ms> STREAMS <streams...> > ...`.
    pub(crate) async fn read_group(
        &self,
        group: &str,
        consumer: &str,
        streams: &[&str],
        count: usize,
        block: Duration,
    ) -> Result<GroupRead> {
        let mut cmd = redis::cmd("XREADGROUP");
        cmd.arg("GROUP")
            .arg(group)
            .arg(consumer)
            .arg("COUNT")
            .arg(count)
            .arg("BLOCK")
            .arg(block.as_millis().max(1) as u64)
            .arg("STREAMS")
            .arg(streams);
        for _ in streams {
            cmd.arg(">");
        }
        match self
            .query::<Option<redis::streams::StreamReadReply>>(&cmd)
            .await
        {
            Ok(reply) => Ok(GroupRead::Entries(
                reply
                    .map(|reply| {
                        reply
                            .keys
                            .into_iter()
                            .map(|key| (key.key, key.ids.into_iter().map(convert).collect()))
                            .collect()
                    })
                    .unwrap_or_default(),
            )),
            Err(error) if error.is_no_group() => Ok(GroupRead::NoGroup),
            Err(error) => Err(error),
        }
    }

    /// `XACK` for each stream, pipelined.
    pub(crate) async fn ack(&self, group: &str, acks: &[(String, Vec<String>)]) -> Result<()> {
        let mut pipe = redis::pipe();
        for (stream, ids) in acks.iter().filter(|(_, ids)| !ids.is_empty()) {
            pipe.cmd("XACK").arg(stream).arg(group).arg(ids).ignore();
        }
        self.query_pipe::<()>(&pipe).await
    }

    /// One `XAUTOCLAIM` step from `cursor`.
    pub(crate) async fn autoclaim(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        min_idle: Duration,
        cursor: &str,
        count: usize,
    ) -> Result<Claimed> {
        let mut cmd = redis::cmd("XAUTOCLAIM");
        cmd.arg(stream)
            .arg(group)
            .arg(consumer)
            .arg(min_idle.as_millis() as u64)
            .arg(cursor)
            .arg("COUNT")
            .arg(count);
        let reply: redis::streams::StreamAutoClaimReply = self.query(&cmd).await?;
        Ok(Claimed {
            entries: reply.claimed.into_iter().map(convert).collect(),
            deleted: reply.deleted_ids,
            next: reply.next_stream_id,
        })
    }

    /// `XCLAIM <stream> <group> <consumer> <min-idle> <id>` per id, pipelined: takes over
    /// entries idle at least that long. Deleted entries are dropped from the pending list by
    /// Redis and not returned.
    pub(crate) async fn claim(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        ids: &[(String, Duration)],
    ) -> Result<Vec<StreamEntry>> {
        let mut pipe = redis::pipe();
        for (id, min_idle) in ids {
            pipe.cmd("XCLAIM")
                .arg(stream)
                .arg(group)
                .arg(consumer)
                .arg(min_idle.as_millis() as u64)
                .arg(id);
        }
        let replies: Vec<StreamClaimReply> = self.query_pipe(&pipe).await?;
        Ok(replies
            .into_iter()
            .flat_map(|reply| reply.ids)
            .map(convert)
            .collect())
    }

    /// Resets the idle time of entries this consumer is still working on (`XCLAIM ... JUSTID`
    /// does not count a delivery), so that no other consumer claims them meanwhile.
    pub(crate) async fn touch(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        ids: &[String],
    ) -> Result<()> {
        let mut cmd = redis::cmd("XCLAIM");
        cmd.arg(stream)
            .arg(group)
            .arg(consumer)
            .arg(0)
            .arg(ids)
            .arg("JUSTID");
        self.query::<Value>(&cmd).await.map(drop)
    }

    /// Delivery counts of some pending entries (`XPENDING <stream> <group> <id> <id> 1` each).
    pub(crate) async fn deliveries(
        &self,
        stream: &str,
        group: &str,
        ids: &[String],
    ) -> Result<HashMap<String, u32>> {
        let mut pipe = redis::pipe();
        for id in ids {
            pipe.cmd("XPENDING")
                .arg(stream)
                .arg(group)
                .arg(id)
                .arg(id)
                .arg(1);
        }
        let replies: Vec<StreamPendingCountReply> = self.query_pipe(&pipe).await?;
        Ok(replies
            .into_iter()
            .flat_map(|reply| reply.ids)
            .map(|entry| {
                (
                    entry.id,
                    u32::try_from(entry.times_delivered).unwrap_or(u32::MAX),
                )
            })
            .collect())
    }

    /// Whether any entry of the group has been pending for at least `min_idle`
    /// (`XPENDING <stream> <group> IDLE <ms> - + 1`).
    pub(crate) async fn has_idle_pending(
        &self,
        stream: &str,
        group: &str,
        min_idle: Duration,
    ) -> Result<bool> {
        let mut cmd = redis::cmd("XPENDING");
        cmd.arg(stream)
            .arg(group)
            .arg("IDLE")
            .arg(min_idle.as_millis() as u64)
            .arg("-")
            .arg("+")
            .arg(1);
        let reply: StreamPendingCountReply = self.query(&cmd).await?;
        Ok(!reply.ids.is_empty())
    }

    /// Moves an entry to a dead-letter stream: `MULTI XADD <dlq> * ... XACK <stream> <group> <id> EXEC`.
    pub(crate) async fn dead_letter(
        &self,
        dead_letter_stream: &str,
        fields: &[(String, Vec<u8>)],
        stream: &str,
        group: &str,
        id: &str,
    ) -> Result<()> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        let xadd = pipe.cmd("XADD").arg(dead_letter_stream).arg("*");
        for (name, value) in fields {
            xadd.arg(name).arg(value.as_slice());
        }
        xadd.ignore();
        pipe.cmd("XACK").arg(stream).arg(group).arg(id).ignore();
        self.query_pipe::<()>(&pipe).await
    }

    /// Pending count (`XPENDING` summary) and lag (`XINFO GROUPS`, Redis 7.0+) of a group.
    pub(crate) async fn group_figures(&self, stream: &str, group: &str) -> Result<GroupFigures> {
        let mut summary = redis::cmd("XPENDING");
        summary.arg(stream).arg(group);
        let pending = match self
            .query::<redis::streams::StreamPendingReply>(&summary)
            .await
        {
            Ok(reply) => reply.count() as u64,
            Err(error) if error.is_no_group() => return Ok(GroupFigures::default()),
            Err(error) => return Err(error),
        };
        let mut info = redis::cmd("XINFO");
        info.arg("GROUPS").arg(stream);
        let lag = match self.query::<StreamInfoGroupsReply>(&info).await {
            Ok(reply) => reply
                .groups
                .into_iter()
                .find(|info| info.name == group)
                .and_then(|info| info.lag)
                .map(|lag| lag as u64),
            Err(error) if error.kind() == ErrorKind::Redis => None,
            Err(error) => return Err(error),
        };
        Ok(GroupFigures { pending, lag })
    }

    /// `XLEN <stream>`.
    pub(crate) async fn length(&self, stream: &str) -> Result<u64> {
        let mut cmd = redis::cmd("XLEN");
        cmd.arg(stream);
        self.query(&cmd).await
    }

    /// `XRANGE <stream> <start> <end> COUNT <count>`.
    pub(crate) async fn range(
        &self,
        stream: &str,
        start: &str,
        end: &str,
        count: usize,
    ) -> Result<Vec<StreamEntry>> {
        let mut cmd = redis::cmd("XRANGE");
        cmd.arg(stream).arg(start).arg(end).arg("COUNT").arg(count);
        let reply: StreamRangeReply = self.query(&cmd).await?;
        Ok(reply.ids.into_iter().map(convert).collect())
    }

    /// A dedicated pub/sub connection.
    pub(crate) async fn pubsub(&self) -> Result<redis::aio::PubSub> {
        let context = || format!("pub/sub connection to {}", self.location);
        match tokio::time::timeout(Duration::from_secs(5), self.client.get_async_pubsub()).await {
            Ok(result) => result.map_err(|error| Error::from(error).context(context())),
            Err(_) => Err(Error::new(
                ErrorKind::Timeout,
                format!("{}: no answer within 5000 ms", context()),
            )),
        }
    }

    /// `SUBSCRIBE <channel>` on a dedicated pub/sub connection: the payloads of its messages,
    /// until the connection closes.
    pub(crate) async fn subscribe(&self, channel: &str) -> Result<Messages> {
        let mut pubsub = self.pubsub().await?;
        pubsub
            .subscribe(channel)
            .await
            .map_err(|error| Error::from(error).context(format!("subscribing to {channel}")))?;
        Ok(Box::pin(
            pubsub
                .into_on_message()
                .map(|message| message.get_payload_bytes().to_vec()),
        ))
    }
}

/// Turns redis-rs's entry (a hash map of values) into ours.
fn convert(entry: StreamId) -> StreamEntry {
    let mut fields: Vec<(String, Vec<u8>)> = entry
        .map
        .into_iter()
        .map(|(name, value)| (name, value_bytes(value)))
        .collect();
    fields.sort_by(|a, b| {
        field_rank(&a.0)
            .cmp(&field_rank(&b.0))
            .then_with(|| a.0.cmp(&b.0))
    });
    StreamEntry {
        id: entry.id,
        fields,
    }
}

/// redis-rs returns fields as a hash map; put the standard ones first in the documented order.
fn field_rank(name: &str) -> usize {
    [
        "event_id",
        "event_type",
        "version",
        "timestamp",
        "event_data",
    ]
    .iter()
    .position(|known| *known == name)
    .unwrap_or(usize::MAX)
}

fn value_bytes(value: Value) -> Vec<u8> {
    match value {
        Value::BulkString(bytes) => bytes,
        Value::SimpleString(text) => text.into_bytes(),
        Value::Int(number) => number.to_string().into_bytes(),
        Value::Nil => Vec::new(),
        other => format!("{other:?}").into_bytes(),
    }
}

fn unexpected(command: &str) -> Error {
    Error::new(ErrorKind::Redis, format!("unexpected reply to {command}"))
}

/// `MINID` for a time-based retention: the id of `now - age`.
fn min_id_for_age(age: Duration) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    now.saturating_sub(age).as_millis().to_string()
}

/// A client for `url`; `rediss://` URLs get the certificates of `tls`.
fn open_client(url: &str, tls: &TlsConfig) -> Result<Client> {
    let location = redact_url(url);
    let invalid = |error: redis::RedisError| {
        Error::new(
            ErrorKind::Config,
            format!(
                "invalid Redis URL `{location}`: {}",
                error.detail().unwrap_or("malformed")
            ),
        )
    };
    if !is_tls(url) {
        return Client::open(url).map_err(invalid);
    }
    #[cfg(not(feature = "tls"))]
    {
        let _ = tls;
        Err(Error::new(
            ErrorKind::Config,
            format!(
                "`{location}` is a TLS URL: `rediss://` needs the `tls` feature of event-runtime"
            ),
        ))
    }
    #[cfg(feature = "tls")]
    {
        // Fails only when a provider is installed already, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        if tls.is_empty() {
            return Client::open(url).map_err(invalid);
        }
        let certificates = redis::TlsCertificates {
            client_tls: tls
                .client_identity
                .as_ref()
                .map(|identity| redis::ClientTlsConfig {
                    client_cert: identity.certificate_chain_pem.clone(),
                    client_key: identity.private_key_pem.clone(),
                }),
            root_cert: tls.ca_pem.clone(),
        };
        Client::build_with_tls(url, certificates).map_err(|error| {
            Error::new(
                ErrorKind::Config,
                format!("invalid TLS settings for `{location}`: {error}"),
            )
        })
    }
}

fn is_tls(url: &str) -> bool {
    url.split_once("://")
        .is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("rediss"))
}

/// What to check when a TLS handshake fails on a certificate.
fn certificate_hint(url: &str, tls: &TlsConfig, error: &redis::RedisError) -> &'static str {
    let text = error.to_string();
    if !is_tls(url) {
        ""
    } else if text.contains("CertificateRequired") && tls.client_identity.is_none() {
        " (the server wants a client certificate: set EVENT_REDIS_TLS_CERT_FILE and EVENT_REDIS_TLS_KEY_FILE)"
    } else if !text.contains("invalid peer certificate") {
        ""
    } else if tls.ca_pem.is_some() {
        " (the server's certificate is not signed by a CA of EVENT_REDIS_TLS_CA_FILE, or not for this host name)"
    } else {
        " (for a server certificate from a private CA, set EVENT_REDIS_TLS_CA_FILE)"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rediss_urls_need_the_tls_feature_or_valid_certificates() {
        let result = open_client("rediss://app:secret@127.0.0.1:6380/0", &TlsConfig::new());
        if cfg!(feature = "tls") {
            assert!(result.is_ok());
            let garbage = TlsConfig::new().trust_ca_pem("-----BEGIN CERTIFICATE-----\n@@@\n");
            let message = open_client("rediss://127.0.0.1:6380/0", &garbage)
                .expect_err("unparsable CA")
                .to_string();
            assert!(
                message.starts_with("invalid TLS settings for `rediss://127.0.0.1:6380/0`: "),
                "{message}"
            );
        } else {
            let message = result.expect_err("no tls feature").to_string();
            assert!(
                message.contains(
                    "`rediss://app:***@127.0.0.1:6380/0` is a TLS URL: `rediss://` needs the `tls` feature of event-runtime"
                ),
                "{message}"
            );
        }
        // Plain URLs ignore the TLS settings.
        let tls = TlsConfig::new().trust_ca_pem("not used");
        assert!(open_client("redis://127.0.0.1:6379/0", &tls).is_ok());
    }
}
