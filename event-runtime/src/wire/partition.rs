//! Partitions: which of a type's `N` streams an event goes to, from one of its fields; the
//! rule is on [`partition_of`], for publishers in any language.

use serde_json::Value;

/// FNV-1a, 64 bit: offset basis `0xcbf29ce484222325`, prime `0x100000001b3`.
pub fn fnv1a_64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The partition (`0..count`) of an event whose `event_data` is `event_data`, keyed by the
/// field `key`. An error when `event_data` is not a JSON object or the field holds an object
/// or a list (which have no key text).
///
/// The rule, for publishers in any language (see the wire format page):
///
/// 1. take the value of the key field in `event_data` (the flat JSON object of envelope and
///    payload fields);
/// 2. its *key text*: a string as is (unescaped), a number as written in the JSON, `true` or
///    `false`; a missing field or `null` has no key text and goes to partition 0;
/// 3. partition = FNV-1a (64 bit) of the UTF-8 bytes of the key text, modulo `N`.
///
/// Events with equal keys land in one stream, in the order they were published, so a
/// subscriber that handles one entry of a partition at a time sees each key's events in
/// order.
///
/// ```
/// use event_runtime::wire::{fnv1a_64, partition_of};
///
/// let data = r#"{"event_type":"user.created","user_id":42,"role":"tenant"}"#;
/// assert_eq!(partition_of(data, "user_id", 4), Ok((fnv1a_64(b"42") % 4) as u16));
/// assert_eq!(partition_of(data, "missing", 4), Ok(0));
/// ```
pub fn partition_of(event_data: &str, key: &str, count: u16) -> Result<u16, String> {
    let data: serde_json::Map<String, Value> = serde_json::from_str(event_data)
        .map_err(|error| format!("event_data is not a JSON object: {error}"))?;
    let text = match data.get(key) {
        None | Some(Value::Null) => return Ok(0),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        Some(Value::Bool(flag)) => flag.to_string(),
        Some(Value::Array(_) | Value::Object(_)) => {
            return Err(format!(
                "the partition key `{key}` holds a list or an object; it must be a string, a number or a boolean"
            ));
        }
    };
    Ok(partition_of_text(&text, count))
}

/// The partition (`0..count`) of a key text.
pub fn partition_of_text(text: &str, count: u16) -> u16 {
    let count = u64::from(count.max(1));
    u16::try_from(fnv1a_64(text.as_bytes()) % count).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_64_matches_the_reference_values() {
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a_64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn key_texts_and_partitions() {
        let data = r#"{"s":"key-1","n":42,"f":1.5,"b":true,"z":null,"l":[1],"o":{}}"#;
        assert_eq!(
            partition_of(data, "s", 8),
            Ok(partition_of_text("key-1", 8))
        );
        assert_eq!(partition_of(data, "n", 8), Ok(partition_of_text("42", 8)));
        assert_eq!(partition_of(data, "f", 8), Ok(partition_of_text("1.5", 8)));
        assert_eq!(partition_of(data, "b", 8), Ok(partition_of_text("true", 8)));
        assert_eq!(partition_of(data, "z", 8), Ok(0));
        assert_eq!(partition_of(data, "absent", 8), Ok(0));
        assert!(partition_of(data, "l", 8).is_err());
        assert!(partition_of(data, "o", 8).is_err());
        assert!(partition_of("[1]", "s", 8).is_err());
        assert_eq!(partition_of(data, "s", 1), Ok(0));
    }

    #[test]
    fn keys_spread_over_partitions() {
        let mut seen = [0u32; 4];
        for n in 0..1000 {
            seen[usize::from(partition_of_text(&n.to_string(), 4))] += 1;
        }
        assert!(seen.iter().all(|count| *count > 150), "{seen:?}");
    }
}
