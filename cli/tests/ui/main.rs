//! `events ui` from the outside: its HTTP API at the level of requests and responses
//! (`endpoints.rs`: every endpoint, refused writes, bad input, the token and host rules, on a
//! redis-server, a Redis Cluster and the in-memory demo world), and its pages in headless
//! Chromium driven through chromedriver (`browser.rs`: the catalogue with `user.created` v1,
//! v2 and the migration, a dead letter written by the test requeued through the page after
//! its confirmation, the lag chart following new entries, screenshots of every page).
//!
//! The browser tests need Debian's `chromium` and `chromium-driver` (`.ci/run` installs them);
//! without them they fail saying so. Screenshots go to `<target>/ui-screenshots/`.
//!
//! ```text
//! cargo test -p event-cli --test ui
//! ```

#[path = "../support/mod.rs"]
mod support;

mod browser;
mod console;
mod endpoints;
mod fixture;
mod http;
mod webdriver;
