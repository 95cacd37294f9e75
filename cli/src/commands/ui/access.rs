//! Who may use the console, and how a write must be asked for.
//!
//! - It listens on loopback unless told otherwise, and refuses to listen anywhere else
//!   without a bearer token (`EVENT_UI_TOKEN`).
//! - With a token, every API request needs `Authorization: Bearer <token>` (compared in
//!   constant time); the page asks for it once and keeps it in the tab's session storage,
//!   never in a URL.
//! - Without a token, requests must name the loopback address in `Host`, so a web page of
//!   another site cannot reach the console by pointing its own name at 127.0.0.1 (DNS
//!   rebinding).
//! - A write is a `POST` with a JSON body and the `X-Events-UI: 1` header, and an `Origin`,
//!   when the browser sends one, of the console itself. A page of another site can send
//!   neither the header nor the content type without a CORS preflight, which the console
//!   never grants: no cross-site request can requeue or purge (CSRF).
//!
//! Whether writes are allowed at all (`--allow-writes`) is decided by the routes.

use std::net::SocketAddr;

use anyhow::bail;
use hyper::HeaderMap;
use hyper::StatusCode;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, ORIGIN};

use super::error::ApiError;

/// The environment variable holding the bearer token.
pub const TOKEN_VAR: &str = "EVENT_UI_TOKEN";

/// Shortest token accepted.
const MIN_TOKEN_CHARS: usize = 16;

/// The header every write request carries.
pub const WRITE_HEADER: &str = "x-events-ui";

/// The access rules of one running console.
#[derive(Debug)]
pub struct Access {
    token: Option<String>,
    /// `Host` values accepted without a token.
    hosts: Vec<String>,
}

impl Access {
    /// The token from the environment: unset is none; set, it must be long enough.
    pub fn token_from_env() -> anyhow::Result<Option<String>> {
        match std::env::var(TOKEN_VAR) {
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => bail!("{TOKEN_VAR} is not valid UTF-8"),
            Ok(token) => {
                let token = token.trim().to_owned();
                if token.chars().count() < MIN_TOKEN_CHARS
                    || !token.bytes().all(|b| b.is_ascii_graphic())
                {
                    bail!(
                        "{TOKEN_VAR} must be at least {MIN_TOKEN_CHARS} printable characters without spaces\n\
                         hint: EVENT_UI_TOKEN=$(openssl rand -hex 16)"
                    );
                }
                Ok(Some(token))
            }
        }
    }

    /// The rules for a console bound to `bound`; refuses an address other than loopback
    /// without a token.
    pub fn new(token: Option<String>, bound: SocketAddr) -> anyhow::Result<Self> {
        if !bound.ip().is_loopback() && token.is_none() {
            bail!(
                "--listen {bound} would open the console to other machines without a token\n\
                 hint: set {TOKEN_VAR} (requests then need `Authorization: Bearer <token>`), \
                 or listen on loopback, e.g. --listen 127.0.0.1:8080"
            );
        }
        let port = bound.port();
        let mut hosts = vec![
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("[::1]:{port}"),
            match bound {
                SocketAddr::V4(v4) => format!("{}:{port}", v4.ip()),
                SocketAddr::V6(v6) => format!("[{}]:{port}", v6.ip()),
            },
        ];
        if port == 80 {
            hosts.extend(["127.0.0.1", "localhost", "[::1]"].map(str::to_owned));
        }
        Ok(Self { token, hosts })
    }

    /// Whether API requests need the token.
    pub fn token_required(&self) -> bool {
        self.token.is_some()
    }

    /// Without a token, `Host` must be a loopback name of this console.
    pub fn check_host(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        if self.token.is_some() {
            return Ok(());
        }
        let host = header(headers, HOST.as_str()).unwrap_or("");
        if self
            .hosts
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(host))
        {
            return Ok(());
        }
        Err(ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            "this console answers to its loopback address only (the Host header names another)",
        )
        .hint(format!(
            "open it as http://{}/; to reach it under another name set {TOKEN_VAR}",
            self.hosts[0]
        )))
    }

    /// With a token, `Authorization: Bearer <token>`.
    pub fn check_token(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some(token) = &self.token else {
            return Ok(());
        };
        let given = header(headers, AUTHORIZATION.as_str())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim);
        match given {
            Some(given) if same(given.as_bytes(), token.as_bytes()) => Ok(()),
            Some(_) => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "the bearer token is not this console's",
            )),
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "this console needs a bearer token",
            )
            .hint(format!(
                "send `Authorization: Bearer <token>`, the token in {TOKEN_VAR} where the console runs"
            ))),
        }
    }

    /// A write request: JSON, the console's header, and its own origin.
    pub fn check_write(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        if header(headers, WRITE_HEADER) != Some("1") {
            return Err(ApiError::forbidden(
                "a write needs the `X-Events-UI: 1` header (sent by the console's page)",
            ));
        }
        let json = header(headers, CONTENT_TYPE.as_str()).is_some_and(|value| {
            value
                .split(';')
                .next()
                .is_some_and(|kind| kind.trim().eq_ignore_ascii_case("application/json"))
        });
        if !json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "a write takes a JSON body (`Content-Type: application/json`)",
            ));
        }
        if let Some(origin) = header(headers, ORIGIN.as_str()) {
            let host = header(headers, HOST.as_str()).unwrap_or("");
            let own = origin
                .strip_prefix("http://")
                .is_some_and(|rest| rest.eq_ignore_ascii_case(host));
            if !own {
                return Err(ApiError::forbidden(
                    "a write must come from the console's own page (the Origin header names another)",
                ));
            }
        }
        Ok(())
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// Equal bytes, in time that depends on the lengths only.
fn same(given: &[u8], token: &[u8]) -> bool {
    if given.len() != token.len() {
        return false;
    }
    given
        .iter()
        .zip(token)
        .fold(0u8, |difference, (a, b)| difference | (a ^ b))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn loopback() -> Access {
        Access::new(None, "127.0.0.1:8080".parse().expect("address")).expect("loopback")
    }

    #[test]
    fn other_addresses_need_a_token() {
        let everywhere: SocketAddr = "0.0.0.0:8080".parse().expect("address");
        assert!(Access::new(None, everywhere).is_err());
        assert!(Access::new(Some("x".repeat(16)), everywhere).is_ok());
        assert!(Access::new(None, "[::1]:8080".parse().expect("address")).is_ok());
    }

    #[test]
    fn hosts_must_be_loopback_without_a_token() {
        let access = loopback();
        assert!(
            access
                .check_host(&headers(&[("host", "127.0.0.1:8080")]))
                .is_ok()
        );
        assert!(
            access
                .check_host(&headers(&[("host", "localhost:8080")]))
                .is_ok()
        );
        assert!(
            access
                .check_host(&headers(&[("host", "evil.example:8080")]))
                .is_err()
        );
        assert!(
            access
                .check_host(&headers(&[("host", "127.0.0.1:9090")]))
                .is_err()
        );
        assert!(access.check_host(&headers(&[])).is_err());
    }

    #[test]
    fn tokens_are_checked_whole() {
        let access = Access::new(
            Some("0123456789abcdef".into()),
            "127.0.0.1:8080".parse().expect("address"),
        )
        .expect("token");
        let bearer = |value| headers(&[("authorization", value)]);
        assert!(
            access
                .check_token(&bearer("Bearer 0123456789abcdef"))
                .is_ok()
        );
        assert!(
            access
                .check_token(&bearer("Bearer 0123456789abcdeF"))
                .is_err()
        );
        assert!(
            access
                .check_token(&bearer("Bearer 0123456789abcde"))
                .is_err()
        );
        assert!(access.check_token(&bearer("0123456789abcdef")).is_err());
        assert!(access.check_token(&headers(&[])).is_err());
        assert!(loopback().check_token(&headers(&[])).is_ok());
    }

    #[test]
    fn writes_need_the_header_json_and_the_own_origin() {
        let access = loopback();
        let good = [
            ("host", "127.0.0.1:8080"),
            ("x-events-ui", "1"),
            ("content-type", "application/json"),
            ("origin", "http://127.0.0.1:8080"),
        ];
        assert!(access.check_write(&headers(&good)).is_ok());
        assert!(access.check_write(&headers(&good[..3])).is_ok());
        assert!(
            access
                .check_write(&headers(&[good[0], good[2], good[3]]))
                .is_err()
        );
        assert!(
            access
                .check_write(&headers(&[
                    good[0],
                    good[1],
                    ("content-type", "text/plain")
                ]))
                .is_err()
        );
        assert!(
            access
                .check_write(&headers(&[
                    good[0],
                    good[1],
                    good[2],
                    ("origin", "http://evil.example")
                ]))
                .is_err()
        );
    }
}
