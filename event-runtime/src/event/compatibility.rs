//! [`Compatibility`]: the compatibility level of an event type, as the schema language spells
//! it and as `events lint` enforces it between the versions of a type. The generated registry
//! carries it, so that a consumer knows which newer versions it may read as an older one.

use std::fmt;
use std::str::FromStr;

/// The compatibility level of an event type (Confluent Schema Registry meanings), which
/// `events lint` enforces between the versions of the type.
///
/// Written and read in the schema language's spelling:
///
/// ```
/// use event_runtime::Compatibility;
///
/// let level: Compatibility = "FULL_TRANSITIVE".parse()?;
/// assert_eq!(level, Compatibility::FullTransitive);
/// assert_eq!(level.to_string(), "FULL_TRANSITIVE");
/// assert!(level.old_readers_read_new_data());
/// assert!(!Compatibility::Backward.old_readers_read_new_data());
/// # Ok::<(), event_runtime::UnknownCompatibility>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Compatibility {
    /// New readers read old data (upgrade consumers first). The default of a catalogue.
    #[default]
    Backward,
    /// `Backward` against every earlier version.
    BackwardTransitive,
    /// Old readers read new data (upgrade producers first).
    Forward,
    /// `Forward` against every earlier version.
    ForwardTransitive,
    /// Both directions.
    Full,
    /// `Full` against every earlier version.
    FullTransitive,
    /// No checks.
    None,
}

impl Compatibility {
    /// Every level with its spelling, in the order the schema language lists them.
    pub const ALL: [(&'static str, Compatibility); 7] = [
        ("BACKWARD", Compatibility::Backward),
        ("BACKWARD_TRANSITIVE", Compatibility::BackwardTransitive),
        ("FORWARD", Compatibility::Forward),
        ("FORWARD_TRANSITIVE", Compatibility::ForwardTransitive),
        ("FULL", Compatibility::Full),
        ("FULL_TRANSITIVE", Compatibility::FullTransitive),
        ("NONE", Compatibility::None),
    ];

    /// The schema language's spelling: `BACKWARD_TRANSITIVE`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Compatibility::Backward => "BACKWARD",
            Compatibility::BackwardTransitive => "BACKWARD_TRANSITIVE",
            Compatibility::Forward => "FORWARD",
            Compatibility::ForwardTransitive => "FORWARD_TRANSITIVE",
            Compatibility::Full => "FULL",
            Compatibility::FullTransitive => "FULL_TRANSITIVE",
            Compatibility::None => "NONE",
        }
    }

    /// True when the level promises that a reader of an older version reads data of a newer
    /// one (`FORWARD`, `FULL` and their transitive forms): a consumer then handles newer
    /// versions as the version it knows, ignoring the fields it does not know.
    pub const fn old_readers_read_new_data(self) -> bool {
        matches!(
            self,
            Compatibility::Forward
                | Compatibility::ForwardTransitive
                | Compatibility::Full
                | Compatibility::FullTransitive
        )
    }

    /// True when the level promises that a reader of a newer version reads data of an older
    /// one (`BACKWARD`, `FULL` and their transitive forms).
    pub const fn new_readers_read_old_data(self) -> bool {
        matches!(
            self,
            Compatibility::Backward
                | Compatibility::BackwardTransitive
                | Compatibility::Full
                | Compatibility::FullTransitive
        )
    }
}

impl fmt::Display for Compatibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A compatibility level that is none of [`Compatibility::ALL`]'s spellings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown compatibility level `{0}` (expected one of BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE, NONE)"
)]
pub struct UnknownCompatibility(pub String);

impl FromStr for Compatibility {
    type Err = UnknownCompatibility;

    /// Reads the schema language's spelling, exactly (`FULL`, not `full`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .find(|(spelling, _)| *spelling == text)
            .map(|(_, level)| *level)
            .ok_or_else(|| UnknownCompatibility(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_reads_back_as_written() {
        let spellings = Compatibility::ALL.map(|(spelling, _)| spelling);
        assert_eq!(spellings, event_names::COMPATIBILITY_LEVELS);
        for (spelling, level) in Compatibility::ALL {
            assert_eq!(level.as_str(), spelling);
            assert_eq!(spelling.parse::<Compatibility>(), Ok(level));
        }
        let error = "full".parse::<Compatibility>().expect_err("lower case");
        assert!(error.to_string().contains("`full`"), "{error}");
    }

    #[test]
    fn forward_and_full_levels_let_old_readers_read_new_data() {
        let readable: Vec<&str> = Compatibility::ALL
            .iter()
            .filter(|(_, level)| level.old_readers_read_new_data())
            .map(|(spelling, _)| *spelling)
            .collect();
        assert_eq!(
            readable,
            ["FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE"]
        );
    }
}
