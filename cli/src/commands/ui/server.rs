//! The HTTP side: hyper's HTTP/1 server on the CLI's tokio runtime, one task per connection,
//! and for every request the same steps in the same order: the `Host` check, the route, the
//! token, the write rules, the query and body checks, then the handler (`routes.rs`). Every
//! response carries headers that keep the page to itself (a strict content security policy,
//! no framing, no sniffing, no referrer) and API responses are never cached.
//!
//! Logged on stderr: writes, reveals of sensitive fields, and every refused or failed
//! request, as the method and path (never the query, a header or a body).

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use super::Console;
use super::error::ApiError;
use super::input::Query;
use super::routes::{Route, dispatch};

/// A response with its whole body.
pub type HttpResponse = Response<Full<Bytes>>;

/// Connections served at once; more wait in the listen queue.
const MAX_CONNECTIONS: usize = 64;

/// How long a client may take to send a request's head.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Largest request body (the write actions' JSON).
const MAX_BODY: usize = 64 * 1024;

/// The security headers of every response.
const SECURITY_HEADERS: [(&str, &str); 5] = [
    (
        "content-security-policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("cross-origin-resource-policy", "same-origin"),
];

/// Serves connections until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    console: Arc<Console>,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot?,
            () = &mut shutdown => return Ok(()),
        };
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    log(&format!("accept failed: {error}"));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => return Ok(()),
        };
        let console = Arc::clone(&console);
        tokio::spawn(async move {
            let _slot = slot;
            let service = service_fn(move |request| {
                let console = Arc::clone(&console);
                async move { Ok::<_, Infallible>(handle(&console, request).await) }
            });
            // A connection that fails (a client gone, a malformed request) concerns that
            // client only: hyper has answered what could be answered.
            let _ = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .max_buf_size(16 * 1024)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Answers one request.
async fn handle(console: &Console, request: Request<Incoming>) -> HttpResponse {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let (mut response, api) = match respond(console, request).await {
        Ok((response, api)) => (response, api),
        Err(error) => {
            let status = error.status;
            let message = error.message.clone();
            let response = error.into_response();
            log(&format!(
                "{method} {} {} ({} ms): {message}",
                shown_path(&path),
                status.as_u16(),
                started.elapsed().as_millis()
            ));
            (response, true)
        }
    };
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if api {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The checks, then the handler; also says whether the route was an API route.
async fn respond(
    console: &Console,
    request: Request<Incoming>,
) -> Result<(HttpResponse, bool), ApiError> {
    console.access.check_host(request.headers())?;
    let route = Route::resolve(request.method(), request.uri().path())?;
    let api = route.is_api();
    if api {
        console.access.check_token(request.headers())?;
    }
    if route.writes() {
        console.access.check_write(request.headers())?;
        if !console.writes {
            return Err(ApiError::forbidden(
                "this console was started read-only: requeue and purge are off",
            )
            .hint("start it with `events ui --allow-writes` to allow them"));
        }
    }
    let query = Query::parse(request.uri().query(), route.parameters())?;
    let body = if request.method() == Method::POST {
        read_body(request.into_body()).await?
    } else {
        Bytes::new()
    };
    Ok((dispatch(console, route, query, body).await?, api))
}

async fn read_body(body: Incoming) -> Result<Bytes, ApiError> {
    match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than {MAX_BODY} bytes"),
        )),
        Err(error) => Err(ApiError::bad_request(format!(
            "the body could not be read: {error}"
        ))),
    }
}

/// A JSON response.
pub fn json_response(status: StatusCode, value: &impl serde::Serialize) -> HttpResponse {
    let body = serde_json::to_vec(value).unwrap_or_else(|error| {
        format!("{{\"error\":\"the response could not be written: {error}\"}}").into_bytes()
    });
    bytes_response(status, "application/json", Bytes::from(body))
}

/// A response of `content_type`.
pub fn bytes_response(status: StatusCode, content_type: &'static str, body: Bytes) -> HttpResponse {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A line on stderr, for the operator running the console.
pub fn log(line: &str) {
    use std::io::Write;
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "ui: {line}");
}

/// A path as logged: printable ASCII only, cut short.
fn shown_path(path: &str) -> String {
    path.chars()
        .take(120)
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect()
}
