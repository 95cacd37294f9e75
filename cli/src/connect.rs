//! Reading the runtime configuration for commands that talk to Redis, and what to say when
//! Redis cannot be reached (through the runtime or through [`crate::admin`]).

use std::fmt::Display;

use anyhow::Context;
use event_runtime::Config;

/// The configuration from the environment (`REDIS_URL`, `EVENT_*`), with a message that says
/// what to do when it is malformed.
pub fn config_from_env() -> anyhow::Result<Config> {
    Config::from_env().context("invalid event runtime configuration in the environment")
}

/// The error to show when Redis cannot be reached.
pub fn unreachable(config: &Config, error: impl Display) -> anyhow::Error {
    anyhow::anyhow!(
        "cannot reach Redis at {}: {error}\n\
         hint: start Redis (`redis-server --daemonize yes`) or point REDIS_URL at a running server, \
         e.g. `REDIS_URL=redis://127.0.0.1:6379/0 events ...`",
        event_runtime::config::redact_url(&config.redis_url)
    )
}
