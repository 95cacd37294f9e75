//! Every input of the console, checked before it reaches the catalogue or Redis: event type
//! names (the catalogue's own rule, `event_names::is_event_name`), entry ids (`<ms>-<seq>`),
//! versions (`v2`), counts within bounds, query strings with known parameters only, and the
//! JSON body of the write actions. A bad input is a 400 that says what was expected.

use serde::Deserialize;

use super::error::ApiError;

/// Longest event type name accepted.
const MAX_EVENT_TYPE: usize = 200;

/// Most dead letters one write request may name.
pub const MAX_IDS: usize = 1000;

/// An event type name: `user.created`.
pub fn event_type(text: &str) -> Result<String, ApiError> {
    if text.len() <= MAX_EVENT_TYPE && event_names::is_event_name(text) {
        return Ok(text.to_owned());
    }
    Err(ApiError::bad_request(format!(
        "`{}` is not an event type: expected `domain.action` in snake_case, like `user.created`",
        shown(text)
    )))
}

/// A stream entry id: `1700000000000-0`.
pub fn entry_id(text: &str) -> Result<String, ApiError> {
    let well_formed = text.split_once('-').is_some_and(|(ms, seq)| {
        [ms, seq]
            .iter()
            .all(|part| !part.is_empty() && part.len() <= 20 && part.parse::<u64>().is_ok())
    });
    if well_formed {
        return Ok(text.to_owned());
    }
    Err(ApiError::bad_request(format!(
        "`{}` is not a stream entry id: expected `<milliseconds>-<sequence>`, like `1700000000000-0`",
        shown(text)
    )))
}

/// A version tag: `v2` -> 2.
pub fn version(text: &str) -> Result<u32, ApiError> {
    event_runtime::wire::parse_version(text).ok_or_else(|| {
        ApiError::bad_request(format!(
            "`{}` is not a version: expected `v1`, `v2`, ...",
            shown(text)
        ))
    })
}

/// Text of an input, cut short and with control characters replaced, for error messages.
fn shown(text: &str) -> String {
    let mut shown: String = text
        .chars()
        .take(60)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if text.chars().count() > 60 {
        shown.push_str("...");
    }
    shown
}

/// The query string of a request: `name=value` pairs, each name known to the endpoint and
/// given once, values of plain characters (letters, digits, `.`, `-`, `_`; no encoding is
/// needed for anything the console takes).
#[derive(Debug, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses `query` for an endpoint that takes the parameters `known`.
    pub fn parse(query: Option<&str>, known: &[&str]) -> Result<Self, ApiError> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for pair in query
            .unwrap_or("")
            .split('&')
            .filter(|pair| !pair.is_empty())
        {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if !known.contains(&name) {
                let expected = if known.is_empty() {
                    "this endpoint takes no parameters".to_owned()
                } else {
                    format!("it takes {}", known.join(", "))
                };
                return Err(ApiError::bad_request(format!(
                    "unknown parameter `{}`: {expected}",
                    shown(name)
                )));
            }
            if pairs.iter().any(|(seen, _)| seen == name) {
                return Err(ApiError::bad_request(format!(
                    "parameter `{name}` is given twice"
                )));
            }
            if !value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
            {
                return Err(ApiError::bad_request(format!(
                    "parameter `{name}`: `{}` has characters no value of it can have",
                    shown(value)
                )));
            }
            pairs.push((name.to_owned(), value.to_owned()));
        }
        Ok(Self { pairs })
    }

    /// The value of a parameter, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(seen, _)| seen == name)
            .map(|(_, value)| value.as_str())
    }

    /// A count between 1 and `most`, `default` when absent.
    pub fn count(&self, name: &str, default: usize, most: usize) -> Result<usize, ApiError> {
        let Some(text) = self.get(name) else {
            return Ok(default);
        };
        match text.parse::<usize>() {
            Ok(count) if (1..=most).contains(&count) => Ok(count),
            _ => Err(ApiError::bad_request(format!(
                "parameter `{name}`: `{}` is not a count from 1 to {most}",
                shown(text)
            ))),
        }
    }

    /// An entry id parameter, if given.
    pub fn entry_id(&self, name: &str) -> Result<Option<String>, ApiError> {
        self.get(name)
            .map(|text| {
                entry_id(text).map_err(|error| error.context(&format!("parameter `{name}`")))
            })
            .transpose()
    }

    /// `reveal=sensitive`: show sensitive fields. Any other value is refused, so that a typo
    /// never shows what it meant to hide or the reverse.
    pub fn reveal(&self) -> Result<bool, ApiError> {
        match self.get("reveal") {
            None => Ok(false),
            Some("sensitive") => Ok(true),
            Some(other) => Err(ApiError::bad_request(format!(
                "parameter `reveal`: `{}` is not a choice; `reveal=sensitive` shows sensitive fields",
                shown(other)
            ))),
        }
    }
}

/// The dead letters a write action acts on: `{"ids": ["1700000000000-0", ...]}` or
/// `{"all": true}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    Ids(Vec<String>),
    All,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SelectionBody {
    #[serde(default)]
    ids: Option<Vec<String>>,
    #[serde(default)]
    all: Option<bool>,
}

impl Selection {
    /// Reads the JSON body of a write request.
    pub fn from_body(body: &[u8]) -> Result<Self, ApiError> {
        let parsed: SelectionBody = serde_json::from_slice(body).map_err(|error| {
            ApiError::bad_request(format!(
                "the body must be JSON: {{\"ids\": [\"<dead letter id>\", ...]}} or {{\"all\": true}} ({error})"
            ))
        })?;
        match (parsed.ids, parsed.all) {
            (Some(ids), None | Some(false)) if !ids.is_empty() => {
                if ids.len() > MAX_IDS {
                    return Err(ApiError::bad_request(format!(
                        "{} ids in one request; at most {MAX_IDS} (or {{\"all\": true}})",
                        ids.len()
                    )));
                }
                let mut checked = Vec::with_capacity(ids.len());
                for id in &ids {
                    let id = entry_id(id)?;
                    if !checked.contains(&id) {
                        checked.push(id);
                    }
                }
                Ok(Selection::Ids(checked))
            }
            (None, Some(true)) => Ok(Selection::All),
            (Some(_), Some(true)) => Err(ApiError::bad_request(
                "give either `ids` or `all`, not both",
            )),
            _ => Err(ApiError::bad_request(
                "name the dead letters: {\"ids\": [\"<dead letter id>\", ...]} or {\"all\": true}",
            )),
        }
    }

    /// How many it names, for messages (`None` for all).
    pub fn len(&self) -> Option<usize> {
        match self {
            Selection::Ids(ids) => Some(ids.len()),
            Selection::All => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_follow_the_catalogue_rule() {
        assert_eq!(
            event_type("user.created").ok().as_deref(),
            Some("user.created")
        );
        for bad in [
            "User.Created",
            "user",
            "user.created;DEL",
            "",
            "a.b.c d",
            "../x",
        ] {
            assert!(event_type(bad).is_err(), "{bad}");
        }
        assert!(event_type(&format!("a.{}", "b".repeat(300))).is_err());
    }

    #[test]
    fn entry_ids_are_two_numbers() {
        assert!(entry_id("1700000000000-0").is_ok());
        for bad in [
            "1700000000000",
            "-",
            "1-",
            "x-1",
            "1-2-3",
            "+",
            "(1-0",
            "1-0 ",
        ] {
            assert!(entry_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn queries_take_known_parameters_once() {
        let query = Query::parse(Some("count=5&after=1-0"), &["count", "after"]).expect("ok");
        assert_eq!(query.count("count", 50, 500).ok(), Some(5));
        assert_eq!(
            query.entry_id("after").ok().flatten().as_deref(),
            Some("1-0")
        );
        assert!(Query::parse(Some("cnt=5"), &["count"]).is_err());
        assert!(Query::parse(Some("count=5&count=6"), &["count"]).is_err());
        assert!(Query::parse(Some("after=%2B"), &["after"]).is_err());
        let zero = Query::parse(Some("count=0"), &["count"]).expect("parsed");
        assert!(zero.count("count", 50, 500).is_err());
        let many = Query::parse(Some("count=501"), &["count"]).expect("parsed");
        assert!(many.count("count", 50, 500).is_err());
    }

    #[test]
    fn reveal_takes_one_spelling() {
        let reveal = |text| Query::parse(Some(text), &["reveal"]).and_then(|q| q.reveal());
        assert_eq!(reveal("reveal=sensitive").ok(), Some(true));
        assert!(reveal("reveal=1").is_err());
        assert_eq!(reveal("").ok(), Some(false));
    }

    #[test]
    fn selections_name_ids_or_all() {
        assert_eq!(
            Selection::from_body(br#"{"ids": ["1-0", "1-0", "2-0"]}"#).ok(),
            Some(Selection::Ids(vec!["1-0".into(), "2-0".into()]))
        );
        assert_eq!(
            Selection::from_body(br#"{"all": true}"#).ok(),
            Some(Selection::All)
        );
        for bad in [
            &br#"{}"#[..],
            br#"{"ids": []}"#,
            br#"{"ids": ["1-0"], "all": true}"#,
            br#"{"all": false}"#,
            br#"{"ids": ["x"]}"#,
            br#"{"ids": ["1-0"], "group": "g"}"#,
            b"ids=1-0",
        ] {
            assert!(
                Selection::from_body(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
