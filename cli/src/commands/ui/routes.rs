//! Every URL of the console, in one table: the page and its files, and the JSON API. A route
//! knows its method, whether it is part of the API (token rules), whether it writes
//! (`--allow-writes` and the write rules), and which query parameters it takes; its path
//! parts are checked when it is resolved, so handlers get valid names and ids.
//!
//! | method | path | what |
//! |---|---|---|
//! | GET | `/`, `/assets/<file>` | the page and its files (embedded) |
//! | GET | `/api/info` | catalogue, backend, whether writes are on, what needs a token |
//! | GET | `/api/catalogue` | events, versions, fields, migrations, named types |
//! | GET | `/api/schemas/<type>/v<n>` | the JSON Schema of a version, as a download |
//! | GET | `/api/fleet` | the fleet registry: producers, groups, fingerprints, stale instances |
//! | GET | `/api/streams` | the latest figures of every stream and group |
//! | GET | `/api/history` | the figures of the last minutes, for the charts |
//! | GET | `/api/streams/<type>/entries?after=&count=&reveal=` | the tail of a stream |
//! | GET | `/api/dead-letters/<type>?after=&count=` | dead letters, oldest first |
//! | GET | `/api/dead-letters/<type>/<id>?reveal=` | one dead letter with its provenance |
//! | POST | `/api/dead-letters/<type>/requeue` | hand dead letters back to their group |
//! | POST | `/api/dead-letters/<type>/purge` | delete dead letters |

use hyper::body::Bytes;
use hyper::{Method, StatusCode};

use super::error::ApiError;
use super::input::{self, Query};
use super::server::{HttpResponse, json_response};
use super::{Console, api, assets};

/// A resolved request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Page,
    Asset(String),
    Info,
    Catalogue,
    Fleet,
    Schema { event_type: String, version: u32 },
    Streams,
    History,
    Entries { event_type: String },
    DeadLetters { event_type: String },
    DeadLetter { event_type: String, id: String },
    Requeue { event_type: String },
    Purge { event_type: String },
}

impl Route {
    /// The route of `path`, if `method` is the one it takes.
    pub fn resolve(method: &Method, path: &str) -> Result<Route, ApiError> {
        let parts: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
        let (route, allowed) = match parts.as_slice() {
            [""] | ["index.html"] => (Route::Page, Method::GET),
            ["assets", file] => (Route::Asset((*file).to_owned()), Method::GET),
            ["api", "info"] => (Route::Info, Method::GET),
            ["api", "catalogue"] => (Route::Catalogue, Method::GET),
            ["api", "fleet"] => (Route::Fleet, Method::GET),
            ["api", "schemas", event_type, version] => (
                Route::Schema {
                    event_type: input::event_type(event_type)?,
                    version: input::version(version)?,
                },
                Method::GET,
            ),
            ["api", "streams"] => (Route::Streams, Method::GET),
            ["api", "history"] => (Route::History, Method::GET),
            ["api", "streams", event_type, "entries"] => (
                Route::Entries {
                    event_type: input::event_type(event_type)?,
                },
                Method::GET,
            ),
            ["api", "dead-letters", event_type] => (
                Route::DeadLetters {
                    event_type: input::event_type(event_type)?,
                },
                Method::GET,
            ),
            ["api", "dead-letters", event_type, "requeue"] => (
                Route::Requeue {
                    event_type: input::event_type(event_type)?,
                },
                Method::POST,
            ),
            ["api", "dead-letters", event_type, "purge"] => (
                Route::Purge {
                    event_type: input::event_type(event_type)?,
                },
                Method::POST,
            ),
            ["api", "dead-letters", event_type, id] => (
                Route::DeadLetter {
                    event_type: input::event_type(event_type)?,
                    id: input::entry_id(id)?,
                },
                Method::GET,
            ),
            ["api", ..] => {
                return Err(ApiError::not_found(
                    "no such endpoint; the endpoints are listed in cli/src/commands/ui/routes.rs",
                ));
            }
            _ => return Err(ApiError::not_found("no such page")),
        };
        if *method != allowed {
            let mut error = ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("{path} takes {allowed} only"),
            );
            error.allow = Some(if allowed == Method::POST {
                "POST"
            } else {
                "GET"
            });
            return Err(error);
        }
        Ok(route)
    }

    /// Part of the JSON API (needs the token when one is set).
    pub fn is_api(&self) -> bool {
        !matches!(self, Route::Page | Route::Asset(_))
    }

    /// Changes what Redis holds.
    pub fn writes(&self) -> bool {
        matches!(self, Route::Requeue { .. } | Route::Purge { .. })
    }

    /// The query parameters it takes.
    pub fn parameters(&self) -> &'static [&'static str] {
        match self {
            Route::Entries { .. } => &["after", "count", "reveal"],
            Route::DeadLetters { .. } => &["after", "count"],
            Route::DeadLetter { .. } => &["reveal"],
            _ => &[],
        }
    }
}

/// Runs the handler of a route.
pub async fn dispatch(
    console: &Console,
    route: Route,
    query: Query,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let ok = |value: serde_json::Value| Ok(json_response(StatusCode::OK, &value));
    match route {
        Route::Page => assets::response("index.html"),
        Route::Asset(file) => assets::response(&file),
        Route::Info => ok(api::info(console)),
        Route::Catalogue => Ok(api::catalogue(console)),
        Route::Fleet => ok(api::fleet(console).await?),
        Route::Schema {
            event_type,
            version,
        } => api::schema(console, &event_type, version),
        Route::Streams => ok(console.figures.streams_json()),
        Route::History => ok(console.figures.history_json()),
        Route::Entries { event_type } => ok(api::entries(console, &event_type, &query).await?),
        Route::DeadLetters { event_type } => {
            ok(api::dead_letters(console, &event_type, &query).await?)
        }
        Route::DeadLetter { event_type, id } => {
            ok(api::dead_letter(console, &event_type, &id, &query).await?)
        }
        Route::Requeue { event_type } => ok(api::requeue(console, &event_type, &body).await?),
        Route::Purge { event_type } => ok(api::purge(console, &event_type, &body).await?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(method: Method, path: &str) -> Result<Route, StatusCode> {
        Route::resolve(&method, path).map_err(|error| error.status)
    }

    #[test]
    fn paths_resolve_to_routes_with_checked_parts() {
        assert_eq!(resolve(Method::GET, "/"), Ok(Route::Page));
        assert_eq!(
            resolve(Method::GET, "/api/dead-letters/user.created/1-0"),
            Ok(Route::DeadLetter {
                event_type: "user.created".into(),
                id: "1-0".into()
            })
        );
        assert_eq!(
            resolve(Method::GET, "/api/schemas/user.created/v2"),
            Ok(Route::Schema {
                event_type: "user.created".into(),
                version: 2
            })
        );
        assert_eq!(
            resolve(Method::POST, "/api/dead-letters/user.created/requeue"),
            Ok(Route::Requeue {
                event_type: "user.created".into()
            })
        );
    }

    #[test]
    fn bad_parts_methods_and_paths_are_refused() {
        let bad = StatusCode::BAD_REQUEST;
        assert_eq!(resolve(Method::GET, "/api/dead-letters/User"), Err(bad));
        assert_eq!(
            resolve(Method::GET, "/api/dead-letters/user.created/x"),
            Err(bad)
        );
        assert_eq!(
            resolve(Method::GET, "/api/schemas/user.created/2x"),
            Err(bad)
        );
        assert_eq!(
            resolve(Method::GET, "/api/dead-letters/user.created/requeue"),
            Err(StatusCode::METHOD_NOT_ALLOWED)
        );
        assert_eq!(
            resolve(Method::DELETE, "/api/streams"),
            Err(StatusCode::METHOD_NOT_ALLOWED)
        );
        assert_eq!(
            resolve(Method::GET, "/api/nothing"),
            Err(StatusCode::NOT_FOUND)
        );
        assert_eq!(
            resolve(Method::GET, "/etc/passwd"),
            Err(StatusCode::NOT_FOUND)
        );
    }

    #[test]
    fn only_requeue_and_purge_write() {
        let writes: Vec<bool> = [
            "/api/dead-letters/a.b/requeue",
            "/api/dead-letters/a.b/purge",
        ]
        .iter()
        .map(|path| {
            Route::resolve(&Method::POST, path)
                .map(|r| r.writes())
                .unwrap_or(false)
        })
        .collect();
        assert_eq!(writes, [true, true]);
        assert!(!Route::Streams.writes());
        assert!(!Route::Page.is_api());
        assert!(Route::Info.is_api());
    }
}
