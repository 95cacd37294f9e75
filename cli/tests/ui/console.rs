//! An `events ui` process for a test: on a free loopback port, sampling often, its address
//! read from the line it prints, its stderr (the console's log) kept, killed on drop.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::http::{Request, Response};
use crate::support::events;

/// A running console.
#[derive(Debug)]
pub struct Console {
    child: Child,
    /// `127.0.0.1:<port>`.
    pub address: String,
    log: Arc<Mutex<String>>,
}

/// How to start one.
#[derive(Debug, Default, Clone)]
pub struct Options<'a> {
    /// `REDIS_URL`; none runs the in-memory demo world.
    pub redis_url: Option<&'a str>,
    pub args: &'a [&'a str],
    pub token: Option<&'a str>,
}

impl Console {
    pub fn start(options: Options<'_>) -> Self {
        let mut command = events();
        command
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["ui", "--listen", "127.0.0.1:0", "--sample-ms", "200"])
            .args(options.args)
            .env_remove("EVENT_UI_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        match options.redis_url {
            Some(url) => command.env("REDIS_URL", url),
            None => command.env_remove("REDIS_URL"),
        };
        if let Some(token) = options.token {
            command.env("EVENT_UI_TOKEN", token);
        }
        let mut child = command.spawn().expect("events ui starts");
        let log = Arc::new(Mutex::new(String::new()));
        let mut stderr = child.stderr.take().expect("stderr");
        let kept = Arc::clone(&log);
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(read) = stderr.read(&mut buffer) {
                if read == 0 {
                    break;
                }
                kept.lock()
                    .expect("log")
                    .push_str(&String::from_utf8_lossy(&buffer[..read]));
            }
        });
        let stdout = child.stdout.take().expect("stdout");
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        let started = Instant::now();
        let address = loop {
            match receiver.recv_timeout(Duration::from_millis(200)) {
                Ok(line) => {
                    if let Some(rest) = line.split("http://").nth(1) {
                        break rest.split('/').next().expect("an address").to_owned();
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout)
                    if started.elapsed() < Duration::from_secs(60) =>
                {
                    if let Ok(Some(status)) = child.try_wait() {
                        panic!(
                            "events ui exited ({status}) before serving:\n{}",
                            log.lock().expect("log")
                        );
                    }
                }
                Err(error) => panic!(
                    "events ui printed no address ({error}):\n{}",
                    log.lock().expect("log")
                ),
            }
        };
        Self {
            child,
            address,
            log,
        }
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub fn get(&self, path: &str) -> Response {
        Request::get(path).send(&self.address)
    }

    pub fn send(&self, request: Request) -> Response {
        request.send(&self.address)
    }

    /// A GET that must succeed, as JSON.
    pub fn json(&self, path: &str) -> serde_json::Value {
        let response = self.get(path);
        assert_eq!(response.status, 200, "GET {path}: {}", response.text());
        response.json()
    }

    /// What the console logged so far.
    pub fn log(&self) -> String {
        self.log.lock().expect("log").clone()
    }

    /// Waits until the log holds `text` (the log is read from a pipe, a little after the
    /// response); returns the log.
    pub fn log_with(&self, text: &str) -> String {
        let started = Instant::now();
        loop {
            let log = self.log();
            if log.contains(text) {
                return log;
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "the log has no `{text}`:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Polls `check` on the JSON of `path` until it holds (10 s at most).
    pub fn wait_for(
        &self,
        path: &str,
        what: &str,
        check: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let started = Instant::now();
        loop {
            let value = self.json(path);
            if check(&value) {
                return value;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{what}: GET {path} still answers {value}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A console on the Redis at `url`, with `args`.
pub fn on_redis(url: &str, args: &[&str]) -> Console {
    Console::start(Options {
        redis_url: Some(url),
        args,
        ..Options::default()
    })
}

/// The stream `key` in the answer of `GET /api/streams`.
pub fn stream<'a>(streams: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    streams["streams"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["stream"] == key)
        .unwrap_or_else(|| panic!("no {key} in {streams}"))
}
