//! A throw-away `redis-server` per test, on a free port, killed on drop ([`RedisServer`]).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Why a test server could not be started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The binary is missing.
    #[error("redis-server not found on PATH: install it with `apt-get install redis-server`")]
    NotFound,
    /// It started but did not answer `PING`, or exited.
    #[error(
        "redis-server did not start on port {port}: {reason}\n--- last lines of its log ---\n{log}"
    )]
    Start {
        /// The port tried.
        port: u16,
        /// What went wrong.
        reason: String,
        /// The end of the server's log.
        log: String,
    },
    /// Files or processes could not be handled.
    #[error("redis-server test harness: {0}")]
    Io(#[from] std::io::Error),
    /// A Redis Cluster could not be formed, or did not recover in time.
    #[error("redis cluster test harness: {0}")]
    Cluster(String),
}

/// A `redis-server` child process, killed on drop.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
    binary: String,
    extra_args: Vec<String>,
    tls: Option<ServerTls>,
}

/// The PEM files of a TLS server: its certificate and key, and the CA that client
/// certificates must chain to (when clients are asked for one).
#[derive(Debug, Clone)]
pub struct ServerTls {
    /// The server's certificate (`--tls-cert-file`).
    pub cert_file: PathBuf,
    /// Its private key (`--tls-key-file`).
    pub key_file: PathBuf,
    /// The CA of client certificates (`--tls-ca-cert-file`).
    pub ca_cert_file: PathBuf,
}

const LOWEST_PORT: u16 = 20_000;
const HIGHEST_PORT: u16 = 55_000;

impl RedisServer {
    /// Starts a server with AOF on a free port and waits until it answers `PING`.
    pub fn start() -> Result<Self, ServerError> {
        Self::start_with_args(&[])
    }

    /// Like [`start`](RedisServer::start), with extra `redis-server` arguments such as
    /// `["--user", "app", "on", ">secret", "~*", "&*", "+@all"]` (one argument per word).
    pub fn start_with_args(extra_args: &[&str]) -> Result<Self, ServerError> {
        Self::start_with("redis-server", extra_args)
    }

    /// Like [`start_with_args`](RedisServer::start_with_args), running `binary` (a name
    /// looked up on `PATH`, or a path) instead of `redis-server`.
    pub fn start_with(binary: &str, extra_args: &[&str]) -> Result<Self, ServerError> {
        Self::start_inner(binary, extra_args, None)
    }

    /// Starts a server that accepts TLS connections only (`--port 0 --tls-port <port>`);
    /// [`url`](RedisServer::url) is then `rediss://...`. Clients need no certificate
    /// (`--tls-auth-clients no`) unless `extra_args` say `["--tls-auth-clients", "yes"]`.
    pub fn start_tls(tls: ServerTls, extra_args: &[&str]) -> Result<Self, ServerError> {
        Self::start_inner("redis-server", extra_args, Some(tls))
    }

    fn start_inner(
        binary: &str,
        extra_args: &[&str],
        tls: Option<ServerTls>,
    ) -> Result<Self, ServerError> {
        Self::start_on(binary, extra_args, tls, None, free_port)
    }

    /// Starts a server on a port `pick_port` returns, trying another while the port turns out
    /// to be taken.
    /// Its directory is made in `parent`, or in the system's temporary directory.
    pub(super) fn start_on(
        binary: &str,
        extra_args: &[&str],
        tls: Option<ServerTls>,
        parent: Option<&Path>,
        pick_port: impl Fn() -> u16,
    ) -> Result<Self, ServerError> {
        let mut builder = tempfile::Builder::new();
        builder.prefix("event-runtime-redis-");
        let dir = match parent {
            Some(parent) => builder.tempdir_in(parent)?,
            None => builder.tempdir()?,
        };
        let mut server = Self {
            child: None,
            port: 0,
            dir,
            binary: binary.to_owned(),
            extra_args: extra_args.iter().map(|arg| (*arg).to_owned()).collect(),
            tls,
        };
        for _ in 0..20 {
            match server.spawn(pick_port()) {
                Ok(()) => return Ok(server),
                Err(ServerError::Start { ref log, .. })
                    if log.contains("Address already in use") =>
                {
                    continue;
                }
                Err(error) => return Err(error),
            }
        }
        Err(ServerError::Start {
            port: server.port,
            reason: "no free port found after 20 tries".to_owned(),
            log: String::new(),
        })
    }

    /// `redis://127.0.0.1:<port>/0`, or `rediss://...` for a TLS server.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() {
            "rediss"
        } else {
            "redis"
        };
        format!("{scheme}://127.0.0.1:{}/0", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether the server process runs (it was not [stopped](RedisServer::stop)).
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Kills the server (`SIGKILL`): clients see the connection drop, as in a crash.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the server and starts it again on the same port and directory; everything
    /// acknowledged before the kill is reloaded from the append-only file.
    pub fn restart(&mut self) -> Result<(), ServerError> {
        self.stop();
        let port = self.port;
        let mut tries = 0;
        loop {
            match self.spawn(port) {
                Ok(()) => return Ok(()),
                Err(ServerError::Start { log, .. })
                    if log.contains("Address already in use") && tries < 50 =>
                {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(error) => return Err(error),
            }
        }
    }

    fn spawn(&mut self, port: u16) -> Result<(), ServerError> {
        self.port = port;
        let dir = self.dir.path();
        let log_path = dir.join("redis.log");
        let _ = std::fs::remove_file(&log_path);
        let mut command = Command::new(&self.binary);
        match &self.tls {
            None => command.args(["--port", &port.to_string()]),
            Some(tls) => command
                .args(["--port", "0", "--tls-port", &port.to_string()])
                .arg("--tls-cert-file")
                .arg(&tls.cert_file)
                .arg("--tls-key-file")
                .arg(&tls.key_file)
                .arg("--tls-ca-cert-file")
                .arg(&tls.ca_cert_file)
                .args(["--tls-auth-clients", "no"]),
        };
        command
            .args(["--bind", "127.0.0.1", "--daemonize", "no"])
            .arg("--dir")
            .arg(dir)
            .arg("--logfile")
            .arg(&log_path)
            .args([
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "",
            ])
            .args(&self.extra_args)
            .stdin(Stdio::null());
        // Before the log file is open (bad arguments), errors go to stdout and stderr.
        let output = std::fs::File::create(dir.join("redis.out"))?;
        command.stdout(output.try_clone()?).stderr(output);
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(ServerError::NotFound);
            }
            Err(error) => return Err(error.into()),
        };
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait()? {
                return Err(start_error(
                    port,
                    &log_path,
                    format!("it exited with {status}"),
                ));
            }
            let ready = match self.tls {
                None => ping(port),
                // No TLS client here: a listening port and the log line must do.
                Some(_) => {
                    TcpStream::connect(("127.0.0.1", port)).is_ok()
                        && std::fs::read_to_string(&log_path)
                            .is_ok_and(|log| log.contains("Ready to accept connections"))
                }
            };
            if ready {
                self.child = Some(child);
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(10) {
                let _ = child.kill();
                let _ = child.wait();
                return Err(start_error(
                    port,
                    &log_path,
                    "no PONG within 10 s".to_owned(),
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn start_error(port: u16, log_path: &Path, reason: String) -> ServerError {
    let output = log_path.with_file_name("redis.out");
    let log = std::fs::read_to_string(output).unwrap_or_default()
        + &std::fs::read_to_string(log_path).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    let tail = lines[lines.len().saturating_sub(15)..].join("\n");
    ServerError::Start {
        port,
        reason,
        log: tail,
    }
}

/// `PING` over a raw socket; true on `+PONG` (not while the server is still loading).
fn ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut reply = [0u8; 16];
    match stream.read(&mut reply) {
        Ok(read) => reply[..read].starts_with(b"+PONG"),
        Err(_) => false,
    }
}

/// A random port in [20000, 55000) that nobody listens on right now.
fn free_port() -> u16 {
    free_port_below(HIGHEST_PORT, |_| true)
}

/// A random port in [20000, `highest`) that nobody listens on right now, and for which
/// `also_free` holds.
pub(super) fn free_port_below(highest: u16, also_free: impl Fn(u16) -> bool) -> u16 {
    loop {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u128(Instant::now().elapsed().as_nanos());
        hasher.write_u32(std::process::id());
        let span = u64::from(highest - LOWEST_PORT);
        let port = LOWEST_PORT + u16::try_from(hasher.finish() % span).unwrap_or(0);
        if TcpListener::bind(("127.0.0.1", port)).is_ok() && also_free(port) {
            return port;
        }
    }
}
