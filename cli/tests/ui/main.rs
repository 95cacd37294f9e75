//! `events ui` from the outside. Its HTTP API at the level of requests and responses, every
//! endpoint, on a redis-server, a Redis Cluster and the in-memory demo world: `reads.rs` what
//! it answers, `writes.rs` requeue and purge (refused, then done), `refusals.rs` bad input and
//! the Host and token rules. Its pages in headless Chromium driven through chromedriver
//! (`browser.rs`: the catalogue with `user.created` v1, v2 and the migration, a dead letter
//! written by the test requeued through the page after its confirmation, the lag chart
//! following new entries, the token asked for, screenshots of every page).
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
mod fixture;
mod http;
mod reads;
mod refusals;
mod webdriver;
mod writes;
