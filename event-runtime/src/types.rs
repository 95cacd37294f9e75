//! Value types that generated code uses besides the standard ones.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The `datetime` schema type: an instant in UTC, RFC 3339 on the wire.
pub type DateTime = chrono::DateTime<chrono::Utc>;

/// The `date` schema type: a calendar date, `YYYY-MM-DD` on the wire.
pub type Date = chrono::NaiveDate;

/// The `json` schema type: a free-form JSON object.
pub type JsonObject = serde_json::Map<String, serde_json::Value>;

/// The `decimal` schema type: an exact decimal number carried as a JSON string
/// (`"12.50"`), so no precision is lost in any language.
///
/// The text is checked on construction and on decode: an optional `-`, digits, and an
/// optional fraction (`-12`, `0.5`, `1999.990`). It is kept exactly as written.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Decimal(String);

/// Error returned for text that is not a decimal number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a decimal number (expected digits with an optional `-` and fraction, e.g. `-12.50`)"
)]
pub struct DecimalError(String);

impl Decimal {
    /// The decimal as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn is_valid(text: &str) -> bool {
        let digits = text.strip_prefix('-').unwrap_or(text);
        let (whole, fraction) = match digits.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (digits, None),
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        all_digits(whole) && fraction.is_none_or(all_digits)
    }
}

impl FromStr for Decimal {
    type Err = DecimalError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if Self::is_valid(text) {
            Ok(Self(text.to_owned()))
        } else {
            Err(DecimalError(text.to_owned()))
        }
    }
}

impl TryFrom<String> for Decimal {
    type Error = DecimalError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        if Self::is_valid(&text) {
            Ok(Self(text))
        } else {
            Err(DecimalError(text))
        }
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Decimal({})", self.0)
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Decimal::try_from(text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_accepts_plain_numbers_and_rejects_the_rest() {
        for good in ["0", "-12", "12.50", "1999.990", "-0.5"] {
            assert_eq!(
                good.parse::<Decimal>().map(|d| d.to_string()),
                Ok(good.to_owned())
            );
        }
        for bad in [
            "", "-", "1.", ".5", "1e5", "12,5", " 1", "+1", "1.2.3", "NaN",
        ] {
            assert!(
                bad.parse::<Decimal>().is_err(),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn decimal_round_trips_as_a_json_string() {
        let decimal: Decimal = serde_json::from_str("\"12.50\"").expect("valid decimal");
        assert_eq!(
            serde_json::to_string(&decimal).expect("serializes"),
            "\"12.50\""
        );
        let error = serde_json::from_str::<Decimal>("\"12,50\"").expect_err("invalid decimal");
        assert!(
            error
                .to_string()
                .contains("`12,50` is not a decimal number")
        );
    }
}
