//! The bench's own `redis-server`, for a run without `REDIS_URL`: on loopback, on a port the
//! system says is free, without persistence (`--save "" --appendonly no`), ready once it
//! answers `PING`, and killed when dropped.
//!
//! Tests have `event_runtime::testing::RedisServer` (AOF, restarts, TLS, clusters), behind a
//! feature that the shipped `events` binary does not enable; this is the little the bench
//! needs. A port is taken by binding port 0 and letting go of it; should another process take
//! it before `redis-server` binds it, another is tried.

use std::io::Read;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// How long a server may take to answer `PING`.
const READY_WITHIN: Duration = Duration::from_secs(10);
/// Ports tried before giving up.
const TRIES: usize = 5;

/// A `redis-server` child process, killed on drop.
#[derive(Debug)]
pub(super) struct OwnServer {
    child: Child,
    port: u16,
}

/// Why one start failed: its port was taken meanwhile (try another), or anything else.
enum Failure {
    PortTaken,
    Other(anyhow::Error),
}

impl OwnServer {
    /// Starts `redis-server` from `PATH` and waits until it answers `PING`.
    pub(super) async fn start() -> anyhow::Result<Self> {
        for _ in 0..TRIES {
            let port = TcpListener::bind(("127.0.0.1", 0))
                .and_then(|listener| listener.local_addr())
                .context("no free loopback port")?
                .port();
            match Self::start_on(port).await {
                Ok(server) => return Ok(server),
                Err(Failure::PortTaken) => continue,
                Err(Failure::Other(error)) => return Err(error),
            }
        }
        bail!("redis-server found each of {TRIES} free ports taken when it started")
    }

    async fn start_on(port: u16) -> Result<Self, Failure> {
        let spawned = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(std::env::temp_dir())
            .args(["--loglevel", "warning"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(Failure::Other(anyhow::anyhow!(
                    "redis-server not found on PATH: install it with `apt-get install redis-server`"
                )));
            }
            Err(error) => {
                return Err(Failure::Other(
                    anyhow::Error::new(error).context("cannot run redis-server"),
                ));
            }
        };
        // Its log (warnings only) is read all along, so that the pipe never fills; it is
        // shown when the server does not start.
        let log = [drain(child.stdout.take()), drain(child.stderr.take())];
        let url = url(port);
        let started = Instant::now();
        loop {
            let exited = child.try_wait().ok().flatten();
            if exited.is_none() && answers_ping(&url).await {
                return Ok(Self { child, port });
            }
            if exited.is_some() || started.elapsed() > READY_WITHIN {
                let _ = child.kill();
                let status = child.wait().map(|status| status.to_string());
                let log: String = log.into_iter().map(read_all).collect();
                if log.contains("Address already in use") {
                    return Err(Failure::PortTaken);
                }
                let reason = match exited {
                    Some(_) => format!("it exited ({})", status.unwrap_or_default()),
                    None => format!("no PONG within {} s", READY_WITHIN.as_secs()),
                };
                return Err(Failure::Other(anyhow::anyhow!(
                    "redis-server did not start on port {port}: {reason}\n{}",
                    log.trim_end()
                )));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// `redis://127.0.0.1:<port>/0`.
    pub(super) fn url(&self) -> String {
        url(self.port)
    }

    pub(super) fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn url(port: u16) -> String {
    format!("redis://127.0.0.1:{port}/0")
}

/// Whether a server answers `PING` at `url` (not while it is still loading).
async fn answers_ping(url: &str) -> bool {
    let Ok(client) = redis::Client::open(url) else {
        return false;
    };
    let settings = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(Duration::from_millis(500)))
        .set_response_timeout(Some(Duration::from_millis(500)));
    match client
        .get_multiplexed_async_connection_with_config(&settings)
        .await
    {
        Ok(mut conn) => redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .is_ok(),
        Err(_) => false,
    }
}

/// Reads an output of the server on a thread of its own until it closes.
fn drain(output: Option<impl Read + Send + 'static>) -> Option<JoinHandle<String>> {
    let mut output = output?;
    Some(std::thread::spawn(move || {
        let mut text = String::new();
        let _ = output.read_to_string(&mut text);
        text
    }))
}

/// What a drained output said (once the server has exited).
fn read_all(thread: Option<JoinHandle<String>>) -> String {
    thread
        .and_then(|thread| thread.join().ok())
        .unwrap_or_default()
}
