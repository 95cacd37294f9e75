//! What is wrong with a setting: [`ConfigError`] for a variable of the environment, and the
//! rules the settings' own checks (`PublisherConfig::check`, `SubscriberConfig::check`) break,
//! worded once for either home of a setting: its variable, or its field in code.

use std::time::Duration;

use super::redact::redact_url;

/// A malformed setting: names the variable, the value (passwords hidden) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}={value:?} is invalid: {message}")]
pub struct ConfigError {
    variable: String,
    value: String,
    message: String,
}

impl ConfigError {
    pub(super) fn new(variable: &str, value: &str, message: impl Into<String>) -> Self {
        let value = if variable.ends_with("REDIS_URL") {
            redact_url(value)
        } else {
            value.to_owned()
        };
        Self {
            variable: variable.to_owned(),
            value,
            message: message.into(),
        }
    }

    /// The environment variable (or setting) at fault.
    pub fn variable(&self) -> &str {
        &self.variable
    }

    /// The value found, with any password replaced by `***`.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// What is wrong with it.
    pub(super) fn message(&self) -> &str {
        &self.message
    }
}

/// A setting as its checks name it: its field in code and its environment variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Setting {
    /// `subscriber.batch_size`.
    pub(crate) field: &'static str,
    /// `EVENT_SUBSCRIBER_BATCH_SIZE`.
    pub(crate) variable: &'static str,
}

impl Setting {
    pub(crate) const fn new(field: &'static str, variable: &'static str) -> Self {
        Self { field, variable }
    }
}

/// A rule a setting's value breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rule {
    /// A count below 1.
    AtLeastOne,
    /// A time below 1 ms.
    AtLeastOneMillisecond,
    /// A name that is empty or holds whitespace.
    Name,
    /// A count beyond what the runtime can hold.
    TooLarge,
    /// A time not below another setting's.
    Below(Setting, Duration),
    /// A limit below another setting's value.
    NotBelow(Setting, String),
}

/// A setting that breaks a rule of its own, with its value as the setting holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Broken {
    pub(crate) setting: Setting,
    pub(crate) value: String,
    pub(crate) rule: Rule,
}

impl Broken {
    /// The first setting of `checks` whose value breaks its rule.
    pub(crate) fn first(checks: impl IntoIterator<Item = Option<Broken>>) -> Result<(), Broken> {
        match checks.into_iter().flatten().next() {
            Some(broken) => Err(broken),
            None => Ok(()),
        }
    }

    /// `setting` must count at least 1.
    pub(crate) fn count(setting: Setting, value: usize) -> Option<Broken> {
        (value == 0).then(|| Broken::new(setting, value.to_string(), Rule::AtLeastOne))
    }

    /// `setting` must last at least 1 ms.
    pub(crate) fn time(setting: Setting, value: Duration) -> Option<Broken> {
        (value.as_millis() == 0).then(|| {
            Broken::new(
                setting,
                value.as_millis().to_string(),
                Rule::AtLeastOneMillisecond,
            )
        })
    }

    /// `setting` must be a name: non-empty, without whitespace.
    pub(crate) fn name(setting: Setting, value: &str) -> Option<Broken> {
        (value.is_empty() || value.chars().any(char::is_whitespace))
            .then(|| Broken::new(setting, value.to_owned(), Rule::Name))
    }

    pub(crate) fn new(setting: Setting, value: String, rule: Rule) -> Self {
        Self {
            setting,
            value,
            rule,
        }
    }

    /// What is wrong, naming other settings by their variables (`env`) or their fields.
    fn message(&self, env: bool) -> String {
        match &self.rule {
            Rule::AtLeastOne => "must be at least 1".to_owned(),
            Rule::AtLeastOneMillisecond => "must be at least 1 millisecond".to_owned(),
            Rule::Name => "must be non-empty and without spaces".to_owned(),
            Rule::TooLarge => "is too large".to_owned(),
            Rule::Below(other, limit) => format!(
                "must be below {} ({} ms), which includes the wait",
                if env { other.variable } else { other.field },
                limit.as_millis()
            ),
            Rule::NotBelow(other, value) => format!(
                "must not be below {} ({value})",
                if env { other.variable } else { other.field }
            ),
        }
    }

    /// As an error of the environment: the variable and its text (`raw`, when it is set).
    pub(crate) fn for_env(&self, raw: Option<&str>) -> ConfigError {
        ConfigError::new(
            self.setting.variable,
            raw.unwrap_or(&self.value),
            self.message(true),
        )
    }

    /// As an error of a setting made in code: `subscriber.batch_size must be at least 1
    /// (EVENT_SUBSCRIBER_BATCH_SIZE)`.
    pub(crate) fn for_code(&self) -> String {
        format!(
            "{} {} ({})",
            self.setting.field,
            self.message(false),
            self.setting.variable
        )
    }
}
