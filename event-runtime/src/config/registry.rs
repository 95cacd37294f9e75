//! The fleet registry's settings ([`RegistryConfig`]): whether publishers and subscribers
//! register in Redis, their heartbeat, when a silent instance is stale and when it is
//! forgotten, and what the start-up checks do with what they find.

use std::time::Duration;

use super::error::{Broken, ConfigError, Setting};

/// What a start-up check does with a problem it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CheckLevel {
    /// Nothing: the check does not run.
    Off,
    /// Logs one warning (`tracing::warn!`) naming the type, the version, the other service and
    /// what to do, and goes on.
    #[default]
    Warn,
    /// Refuses to start: the registration returns an error of kind
    /// [`Refused`](crate::ErrorKind::Refused) with the same text. Recommended in production.
    Refuse,
}

impl CheckLevel {
    /// Parses `off`, `warn` or `refuse`.
    fn parse(name: &str, value: &str) -> Result<Self, ConfigError> {
        match value.to_ascii_lowercase().as_str() {
            "off" => Ok(CheckLevel::Off),
            "warn" => Ok(CheckLevel::Warn),
            "refuse" => Ok(CheckLevel::Refuse),
            _ => Err(ConfigError::new(
                name,
                value,
                "expected `off`, `warn` or `refuse`",
            )),
        }
    }
}

/// Settings of the fleet registry; see the [module docs](super) for the variables and
/// `docs/wire-format.md` for what is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegistryConfig {
    /// Whether publishers and subscribers register in Redis (`EVENT_REGISTRY`).
    pub enabled: bool,
    /// How often a registered instance says it is alive (`EVENT_REGISTRY_HEARTBEAT`).
    pub heartbeat: Duration,
    /// Missed heartbeats after which readers see an instance as stale
    /// (`EVENT_REGISTRY_STALE_AFTER`).
    pub stale_after: u32,
    /// Missed heartbeats after which an instance is gone from the view, and its records are
    /// trimmed (`EVENT_REGISTRY_FORGET_AFTER`).
    pub forget_after: u32,
    /// A published version whose fingerprint differs from what another live or recent
    /// instance registered (`EVENT_REGISTRY_CHECK_FINGERPRINTS`).
    pub check_fingerprints: CheckLevel,
    /// A published version that a live consumer group cannot read
    /// (`EVENT_REGISTRY_CHECK_READERS`).
    pub check_readers: CheckLevel,
}

impl Default for RegistryConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            heartbeat: Duration::from_millis(10_000),
            stale_after: 3,
            forget_after: 60,
            check_fingerprints: CheckLevel::Warn,
            check_readers: CheckLevel::Warn,
        }
    }
}

impl RegistryConfig {
    const HEARTBEAT: Setting = Setting::new("registry.heartbeat", "EVENT_REGISTRY_HEARTBEAT");
    const STALE_AFTER: Setting = Setting::new("registry.stale_after", "EVENT_REGISTRY_STALE_AFTER");
    const FORGET_AFTER: Setting =
        Setting::new("registry.forget_after", "EVENT_REGISTRY_FORGET_AFTER");

    /// How long without a heartbeat makes an instance stale.
    pub fn stale_after_time(&self) -> Duration {
        self.heartbeat.saturating_mul(self.stale_after)
    }

    /// How long without a heartbeat makes an instance gone.
    pub fn forget_after_time(&self) -> Duration {
        self.heartbeat.saturating_mul(self.forget_after)
    }

    /// Times and counts of at least 1.
    pub(crate) fn check(&self) -> Result<(), Broken> {
        Broken::first([
            Broken::time(Self::HEARTBEAT, self.heartbeat),
            Broken::count(Self::STALE_AFTER, self.stale_after as usize),
            Broken::count(Self::FORGET_AFTER, self.forget_after as usize),
        ])
    }

    /// Reads the `EVENT_REGISTRY*` variables into `self`.
    pub(super) fn read_env(
        &mut self,
        read: &mut impl FnMut(&str) -> Option<(String, String)>,
    ) -> Result<(), ConfigError> {
        if let Some((name, value)) = read("EVENT_REGISTRY") {
            self.enabled = match value.to_ascii_lowercase().as_str() {
                "on" | "true" | "1" => true,
                "off" | "false" | "0" => false,
                _ => return Err(ConfigError::new(&name, &value, "expected `on` or `off`")),
            };
        }
        if let Some(entry) = read("EVENT_REGISTRY_HEARTBEAT") {
            self.heartbeat = super::env::millis(&entry)?;
        }
        let count = |entry: &(String, String)| {
            u32::try_from(super::env::number(entry)?)
                .map_err(|_| ConfigError::new(&entry.0, &entry.1, "is too large"))
        };
        if let Some(entry) = read("EVENT_REGISTRY_STALE_AFTER") {
            self.stale_after = count(&entry)?;
        }
        if let Some(entry) = read("EVENT_REGISTRY_FORGET_AFTER") {
            self.forget_after = count(&entry)?;
        }
        if let Some((name, value)) = read("EVENT_REGISTRY_CHECK_FINGERPRINTS") {
            self.check_fingerprints = CheckLevel::parse(&name, &value)?;
        }
        if let Some((name, value)) = read("EVENT_REGISTRY_CHECK_READERS") {
            self.check_readers = CheckLevel::parse(&name, &value)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::config::Config;

    fn read(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<&str, &str> = vars.iter().copied().collect();
        Config::from_lookup(|name| vars.get(name).map(|value| (*value).to_owned()))
    }

    #[test]
    fn registry_settings_from_the_environment() {
        assert_eq!(
            read(&[]).expect("defaults").registry,
            RegistryConfig::default()
        );
        let config = read(&[
            ("EVENT_REGISTRY", "off"),
            ("EVENT_REGISTRY_HEARTBEAT", "250"),
            ("EVENT_REGISTRY_STALE_AFTER", "2"),
            ("EVENT_REGISTRY_FORGET_AFTER", "8"),
            ("EVENT_REGISTRY_CHECK_FINGERPRINTS", "refuse"),
            ("EVENT_REGISTRY_CHECK_READERS", "OFF"),
        ])
        .expect("valid");
        let registry = config.registry;
        assert!(!registry.enabled);
        assert_eq!(registry.heartbeat, Duration::from_millis(250));
        assert_eq!(registry.stale_after_time(), Duration::from_millis(500));
        assert_eq!(registry.forget_after_time(), Duration::from_millis(2000));
        assert_eq!(registry.check_fingerprints, CheckLevel::Refuse);
        assert_eq!(registry.check_readers, CheckLevel::Off);
    }

    #[test]
    fn malformed_registry_settings_name_their_variable() {
        for (variable, value, message) in [
            ("EVENT_REGISTRY", "maybe", "expected `on` or `off`"),
            ("EVENT_REGISTRY_HEARTBEAT", "0", "at least 1 millisecond"),
            ("EVENT_REGISTRY_STALE_AFTER", "0", "at least 1"),
            ("EVENT_REGISTRY_FORGET_AFTER", "x", "whole number"),
            (
                "EVENT_REGISTRY_CHECK_READERS",
                "block",
                "`off`, `warn` or `refuse`",
            ),
        ] {
            let error = read(&[(variable, value)]).expect_err(variable);
            assert_eq!(error.variable(), variable);
            assert!(error.to_string().contains(message), "{error}");
        }
    }
}
