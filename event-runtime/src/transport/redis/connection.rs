//! Opening a connection to Redis: one server or a Redis Cluster, TLS applied, failures as the
//! runtime's errors. [`RedisConnection`] is what the runtime's transport sends its commands
//! on, and what administrative tools (the `events` operator commands) send theirs on.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClientBuilder;
use redis::cluster_async::ClusterConnection;
use redis::{Client, Value};

use crate::config::{Config, TlsConfig, cluster_nodes, redact_url};
use crate::error::{Error, ErrorKind, Result};

/// A connection to the Redis of a [`Config`], opened as the runtime opens its own: to one
/// server, or to a Redis Cluster when the URL lists several nodes, with the config's TLS
/// certificates for `rediss://` URLs, reconnecting on its own, and failing with the runtime's
/// [`Error`] (kind `Connection` when Redis cannot be reached, `Config` for a malformed URL).
///
/// For administrative tools: it is a `redis::aio::ConnectionLike`, so any redis-rs command
/// runs on it, and a tool that must address the nodes of a cluster one by one (`SCAN`) takes
/// the [`Cluster`](RedisConnection::Cluster) connection out. Cheap to clone; clones share the
/// connection.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use event_runtime::transport::{RESPONSE_TIMEOUT, RedisConnection};
///
/// let config = event_runtime::Config::from_env()?;
/// let mut conn = RedisConnection::connect(&config, RESPONSE_TIMEOUT).await?;
/// let length: u64 = redis::cmd("XLEN").arg("events:user.created").query_async(&mut conn).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub enum RedisConnection {
    /// One server: redis-rs's `ConnectionManager`.
    Single(ConnectionManager),
    /// A Redis Cluster: redis-rs's cluster connection, which follows `MOVED` and `ASK` and
    /// retries `TRYAGAIN` and `CLUSTERDOWN`.
    Cluster(ClusterConnection),
}

/// A connection with what the runtime's transport keeps beside it.
pub(crate) struct Opened {
    pub(crate) connection: RedisConnection,
    /// Clients for dedicated pub/sub connections: the server, or every cluster node in the
    /// order given.
    pub(crate) clients: Vec<Client>,
    /// The URL, password hidden, for messages.
    pub(crate) location: String,
}

impl RedisConnection {
    /// Connects to `config.subscriber_url()` (where the consumer groups are), waiting at most
    /// [`CONNECT_TIMEOUT`](super::super::CONNECT_TIMEOUT); commands then time out after
    /// `response_timeout` (longer than any `BLOCK` they hold).
    pub async fn connect(config: &Config, response_timeout: Duration) -> Result<Self> {
        let opened = Self::open(
            config.subscriber_url(),
            &config.tls,
            response_timeout,
            super::super::CONNECT_TIMEOUT,
        )
        .await?;
        Ok(opened.connection)
    }

    /// Whether this is a Redis Cluster.
    pub fn is_cluster(&self) -> bool {
        matches!(self, RedisConnection::Cluster(_))
    }

    /// Connects to `url`, one server or the nodes of a cluster, waiting at most
    /// `connect_timeout`; commands then time out after `response_timeout`. `tls` applies to
    /// `rediss://` URLs only.
    pub(crate) async fn open(
        url: &str,
        tls: &TlsConfig,
        response_timeout: Duration,
        connect_timeout: Duration,
    ) -> Result<Opened> {
        if let Some(nodes) = cluster_nodes(url) {
            return open_cluster(&nodes, tls, response_timeout, connect_timeout).await;
        }
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
                let hint = certificate_hint(url, tls, &error);
                return Err(Error::new(
                    connect_failure(&error),
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
        Ok(Opened {
            connection: RedisConnection::Single(conn),
            clients: vec![client],
            location,
        })
    }
}

/// Connects to a Redis Cluster through its `nodes` (any reachable one tells the layout).
async fn open_cluster(
    nodes: &[&str],
    tls: &TlsConfig,
    response_timeout: Duration,
    connect_timeout: Duration,
) -> Result<Opened> {
    let location = redact_url(&nodes.join(","));
    let clients = nodes
        .iter()
        .map(|node| open_client(node, tls))
        .collect::<Result<Vec<_>>>()?;
    let builder = ClusterClientBuilder::new(nodes.to_vec())
        .response_timeout(response_timeout)
        .connection_timeout(connect_timeout)
        // Redirections are followed at once; these are for TRYAGAIN, CLUSTERDOWN and
        // unreachable nodes during a failover. Callers retry on top within their timeouts.
        .retries(6)
        .min_retry_wait(20)
        .max_retry_wait(1000);
    #[cfg(feature = "tls")]
    let builder = if nodes.iter().any(|node| is_tls(node)) && !tls.is_empty() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        builder.certs(certificates(tls))
    } else {
        builder
    };
    let client = builder.build().map_err(|error| {
        Error::new(
            ErrorKind::Config,
            format!("invalid Redis Cluster URLs `{location}`: {error}"),
        )
    })?;
    let conn = match tokio::time::timeout(connect_timeout, client.get_async_connection()).await {
        Ok(Ok(conn)) => conn,
        Ok(Err(error)) => {
            return Err(Error::new(
                connect_failure(&error),
                format!("could not connect to the Redis Cluster at {location}: {error}"),
            )
            .with_source(error));
        }
        Err(_) => {
            return Err(Error::new(
                ErrorKind::Connection,
                format!(
                    "could not connect to the Redis Cluster at {location} within {} ms",
                    connect_timeout.as_millis()
                ),
            ));
        }
    };
    Ok(Opened {
        connection: RedisConnection::Cluster(conn),
        clients,
        location,
    })
}

/// Wrong credentials are Redis's answer; anything else means Redis was not reached.
fn connect_failure(error: &redis::RedisError) -> ErrorKind {
    if error.kind() == redis::ErrorKind::AuthenticationFailed {
        ErrorKind::Redis
    } else {
        ErrorKind::Connection
    }
}

impl redis::aio::ConnectionLike for RedisConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a redis::Cmd) -> redis::RedisFuture<'a, Value> {
        match self {
            RedisConnection::Single(conn) => conn.req_packed_command(cmd),
            RedisConnection::Cluster(conn) => conn.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> redis::RedisFuture<'a, Vec<Value>> {
        match self {
            RedisConnection::Single(conn) => conn.req_packed_commands(pipeline, offset, count),
            RedisConnection::Cluster(conn) => conn.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            RedisConnection::Single(conn) => conn.get_db(),
            RedisConnection::Cluster(conn) => conn.get_db(),
        }
    }
}

impl std::fmt::Debug for RedisConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RedisConnection::Single(_) => "RedisConnection::Single",
            RedisConnection::Cluster(_) => "RedisConnection::Cluster",
        })
    }
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
        Client::build_with_tls(url, certificates(tls)).map_err(|error| {
            Error::new(
                ErrorKind::Config,
                format!("invalid TLS settings for `{location}`: {error}"),
            )
        })
    }
}

/// The certificates of `tls`, as redis-rs takes them.
#[cfg(feature = "tls")]
fn certificates(tls: &TlsConfig) -> redis::TlsCertificates {
    redis::TlsCertificates {
        client_tls: tls
            .client_identity
            .as_ref()
            .map(|identity| redis::ClientTlsConfig {
                client_cert: identity.certificate_chain_pem.clone(),
                client_key: identity.private_key_pem.clone(),
            }),
        root_cert: tls.ca_pem.clone(),
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
