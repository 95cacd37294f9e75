//! The Redis the bench measures: `REDIS_URL` (one server, without `events:user.created`) or a
//! `redis-server` of its own, and [`Bench`], what every scenario shares there: the runtime's
//! configuration, raw connections, the raw side's entry and the progress line.

use std::time::Duration;

use anyhow::{Context, bail};
use event_runtime::config::{PubSubPolicy, Retention};
use event_runtime::{Config, Publisher};
use redis::aio::MultiplexedConnection;

use super::STREAM;
use super::event::{raw_fields, sample};
use super::server::OwnServer;
use crate::table::Progress;

/// What every scenario shares.
pub(super) struct Bench {
    pub(super) config: Config,
    pub(super) conn: MultiplexedConnection,
    client: redis::Client,
    /// `--batch-size`.
    pub(super) batch_size: usize,
    pub(super) progress: Progress,
    /// The stream fields of one event as the runtime writes them: what the raw side sends.
    pub(super) template: Vec<(&'static str, String)>,
}

/// Where the bench runs, for the report; the bench's own server, kept running until dropped.
pub(super) struct Target {
    pub(super) location: String,
    pub(super) redis_version: String,
    pub(super) event_data_bytes: usize,
    pub(super) server: Option<OwnServer>,
}

impl Bench {
    /// Connects to `REDIS_URL`, or starts a server of its own when it is unset, and checks
    /// that the bench may write there.
    pub(super) async fn open(batch_size: usize) -> anyhow::Result<(Self, Target)> {
        let mut config = crate::connect::config_from_env()?;
        let server = if std::env::var_os("REDIS_URL").is_some() {
            None
        } else {
            let server = OwnServer::start().await.map_err(|error| {
                anyhow::anyhow!(
                    "REDIS_URL is not set and no temporary Redis could be started: {error:#}"
                )
            })?;
            config.redis_url = server.url();
            config.publisher.redis_url = None;
            config.subscriber.redis_url = None;
            Some(server)
        };
        if event_runtime::config::cluster_nodes(&config.redis_url).is_some() {
            bail!(
                "events bench measures one Redis server next to raw redis-rs; REDIS_URL lists several nodes (a Redis Cluster): point it at one server"
            );
        }
        config.service_name = "events-bench".to_owned();
        config.publisher.pubsub = PubSubPolicy::None;
        config.publisher.retention = Retention::Unbounded;
        let location = match &server {
            Some(server) => format!("a temporary redis-server on 127.0.0.1:{}", server.port()),
            None => event_runtime::config::redact_url(&config.redis_url),
        };
        let client = redis::Client::open(config.redis_url.as_str()).context("invalid REDIS_URL")?;
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .with_context(|| format!("cannot reach Redis at {location}"))?;
        let exists: bool = redis::cmd("EXISTS")
            .arg(STREAM)
            .query_async(&mut conn)
            .await?;
        if exists {
            bail!(
                "{STREAM} exists at {location}: the bench writes and deletes that stream, so it runs only where it does not exist (unset REDIS_URL to let it start a redis-server of its own)"
            );
        }
        let info: String = redis::cmd("INFO")
            .arg("server")
            .query_async(&mut conn)
            .await?;
        let redis_version = info
            .lines()
            .find_map(|line| line.strip_prefix("redis_version:"))
            .unwrap_or("?")
            .trim()
            .to_owned();

        let mut event = sample(0);
        event
            .envelope
            .source_service
            .clone_from(&config.service_name);
        let event_data = event_runtime::encode_validated(&event)?;
        let bench = Bench {
            template: raw_fields(&event, &event_data),
            config,
            conn,
            client,
            batch_size,
            progress: Progress::new(),
        };
        let target = Target {
            location,
            redis_version,
            event_data_bytes: event_data.len(),
            server,
        };
        Ok((bench, target))
    }

    /// Deletes the stream and its dead letters.
    pub(super) async fn reset(&self) -> anyhow::Result<()> {
        let mut conn = self.conn.clone();
        redis::cmd("DEL")
            .arg(STREAM)
            .arg("events:dlq:user.created")
            .query_async::<()>(&mut conn)
            .await
            .context("DEL")
    }

    /// A runtime publisher with the bench's settings.
    pub(super) async fn publisher(&self) -> anyhow::Result<Publisher> {
        Publisher::new(&self.config)
            .await
            .map_err(|error| crate::connect::unreachable(&self.config, error))
    }

    /// A connection of its own with room for blocking reads.
    pub(super) async fn connection(&self) -> anyhow::Result<MultiplexedConnection> {
        let settings =
            redis::AsyncConnectionConfig::new().set_response_timeout(Some(Duration::from_secs(30)));
        self.client
            .get_multiplexed_async_connection_with_config(&settings)
            .await
            .context("connecting to Redis")
    }
}
