//! The serde adapters of the wire's leniency, for the envelope and generated code (through
//! `__private`): timestamps with or without `Z` ([`datetime`], [`datetime_opt`]) and nulls
//! read as defaults ([`null_as_default`]).

use serde::{Deserialize, Deserializer};

/// Reads `null` as the type's default (the original services wrote explicit nulls).
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

fn not_a_timestamp<E: serde::de::Error>(text: &str) -> E {
    E::custom(format!(
        "`{text}` is not a timestamp (expected RFC 3339, e.g. `2025-09-26T10:30:00Z`)"
    ))
}

/// Serde adapter for `datetime` fields (`#[serde(with = ...)]`): `format_timestamp` on write,
/// `parse_timestamp` on read.
pub mod datetime {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes RFC 3339 with `Z`.
    pub fn serialize<S: Serializer>(
        value: &DateTime<Utc>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(super::super::timestamp::TimestampText::new(*value).as_str())
    }

    /// Reads RFC 3339, or a naive timestamp as UTC.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<Utc>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        super::super::parse_timestamp(&text).ok_or_else(|| super::not_a_timestamp(&text))
    }
}

/// Serde adapter for optional `datetime` fields; see [`datetime`].
pub mod datetime_opt {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `null` or RFC 3339 with `Z`.
    pub fn serialize<S: Serializer>(
        value: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => super::datetime::serialize(value, serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Reads `null`, RFC 3339, or a naive timestamp as UTC.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        let text = Option::<std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.map(|text| {
            super::super::parse_timestamp(&text).ok_or_else(|| super::not_a_timestamp(&text))
        })
        .transpose()
    }
}
