//! Headless Chromium for the browser tests, driven through chromedriver's WebDriver HTTP API
//! (W3C): a session, navigation, elements found by CSS selector, clicks, scripts, waiting for
//! a condition, screenshots. Debian's `chromium` and `chromium-driver` must be installed;
//! without them the tests fail with the command that installs them.
//!
//! Chromium runs with the flags this machine needs (no sandbox as root, no GPU, no network
//! of its own: no QUIC, background networking, component updates or sync) and a fresh
//! profile directory, at a fixed window size so screenshots compare.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

use crate::http::Request;

/// The key of an element reference in WebDriver replies.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long a wait may take.
const PATIENCE: Duration = Duration::from_secs(15);

/// The command that installs what the browser tests need.
const INSTALL: &str = "apt-get install -y chromium chromium-driver";

/// A chromedriver process with one Chromium session, both ended on drop.
#[derive(Debug)]
pub struct Browser {
    driver: Child,
    address: String,
    session: String,
    _profile: tempfile::TempDir,
}

/// An executable on `PATH`.
fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|path| path.is_file())
    })
}

impl Browser {
    pub fn start() -> Self {
        let driver_path = find_on_path("chromedriver").unwrap_or_else(|| {
            panic!(
                "the browser tests need chromedriver (Debian's chromium-driver), not found on PATH: install it with `{INSTALL}`, as .ci/run does"
            )
        });
        let chromium = find_on_path("chromium").unwrap_or_else(|| {
            panic!(
                "the browser tests need Chromium (Debian's chromium), not found on PATH: install it with `{INSTALL}`, as .ci/run does"
            )
        });
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("{} does not start: {error}", driver_path.display()));
        let address = format!("127.0.0.1:{port}");
        let profile = tempfile::tempdir().expect("a profile directory");
        let mut browser = Self {
            driver,
            address,
            session: String::new(),
            _profile: profile,
        };
        let started = Instant::now();
        loop {
            let ready = std::net::TcpStream::connect(&browser.address).is_ok()
                && browser.call("GET", "/status", None)["ready"] == true;
            if ready {
                break;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "chromedriver did not become ready"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                    "--window-size=1360,960", "--hide-scrollbars", "--force-device-scale-factor=1",
                    format!("--user-data-dir={}", browser._profile.path().display()),
                ],
            },
        }}});
        let session = browser.call("POST", "/session", Some(capabilities));
        browser.session = session["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {session}"))
            .to_owned();
        browser
    }

    /// One WebDriver command; its `value`. A WebDriver error fails the test with its message.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let mut request = Request::new(method, path);
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_string().into_bytes());
        }
        let response = request.send(&self.address);
        let reply = response.json();
        if response.status != 200 {
            panic!(
                "WebDriver {method} {path}: {} {}",
                response.status, reply["value"]
            );
        }
        reply["value"].clone()
    }

    fn session_call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    pub fn goto(&self, url: &str) {
        self.session_call("POST", "/url", Some(json!({ "url": url })));
    }

    /// Runs `script` (the body of a function; `arguments` holds `args`) in the page.
    pub fn script(&self, script: &str, args: Value) -> Value {
        self.session_call(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// Waits until `script` returns something other than `null`, `false` or `""`; returns it.
    pub fn wait(&self, what: &str, script: &str) -> Value {
        let started = Instant::now();
        loop {
            let value = self.script(script, json!([]));
            if !(value.is_null() || value == false || value == "") {
                return value;
            }
            if started.elapsed() > PATIENCE {
                let page = self.script("return document.body.innerText.slice(0, 3000)", json!([]));
                panic!(
                    "waited {PATIENCE:?} for {what}; the page says:\n{}",
                    page.as_str().unwrap_or("")
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The element matching `css` (waiting for it to exist).
    fn element(&self, css: &str) -> String {
        let started = Instant::now();
        loop {
            let found = self.session_call(
                "POST",
                "/elements",
                Some(json!({ "using": "css selector", "value": css })),
            );
            if let Some(id) = found[0][ELEMENT].as_str() {
                return id.to_owned();
            }
            assert!(started.elapsed() < PATIENCE, "no element matches `{css}`");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Clicks the element matching `css`, as a person would (WebDriver's element click).
    pub fn click(&self, css: &str) {
        let id = self.element(css);
        self.session_call("POST", &format!("/element/{id}/click"), Some(json!({})));
    }

    /// Types into the element matching `css`.
    pub fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css);
        self.session_call(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        );
    }

    /// The visible text of the element matching `css`.
    pub fn text(&self, css: &str) -> String {
        let id = self.element(css);
        self.session_call("GET", &format!("/element/{id}/text"), None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Saves a screenshot of the window as `<dir>/<name>.png`; returns its path.
    pub fn screenshot(&self, dir: &Path, name: &str) -> PathBuf {
        let encoded = self.session_call("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap_or_default())
            .expect("a base64 PNG");
        std::fs::create_dir_all(dir).expect("the screenshot directory");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("the screenshot");
        path
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let path = format!("/session/{}", self.session);
            Request::new("DELETE", &path).send_quietly(&self.address);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
