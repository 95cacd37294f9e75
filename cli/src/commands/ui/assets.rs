//! The page's files, embedded in the binary at build time (no Node toolchain, no CDN): the
//! HTML shell, the stylesheet, the scripts (plain ES modules, one per page) and the icon.

use hyper::StatusCode;
use hyper::body::Bytes;
use hyper::header::{CACHE_CONTROL, HeaderValue};

use super::error::ApiError;
use super::server::{HttpResponse, bytes_response};

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const SVG: &str = "image/svg+xml";

/// Every file: name, content type, text.
const FILES: [(&str, &str, &str); 12] = [
    ("index.html", HTML, include_str!("assets/index.html")),
    ("app.css", CSS, include_str!("assets/app.css")),
    ("app.js", JS, include_str!("assets/app.js")),
    ("dom.js", JS, include_str!("assets/dom.js")),
    ("api.js", JS, include_str!("assets/api.js")),
    ("catalogue.js", JS, include_str!("assets/catalogue.js")),
    ("streams.js", JS, include_str!("assets/streams.js")),
    ("chart.js", JS, include_str!("assets/chart.js")),
    (
        "dead_letters.js",
        JS,
        include_str!("assets/dead_letters.js"),
    ),
    ("tail.js", JS, include_str!("assets/tail.js")),
    ("fleet.js", JS, include_str!("assets/fleet.js")),
    ("icon.svg", SVG, include_str!("assets/icon.svg")),
];

/// The file `name`, or a 404.
pub fn response(name: &str) -> Result<HttpResponse, ApiError> {
    let (_, content_type, text) = FILES
        .iter()
        .find(|(file, _, _)| *file == name)
        .ok_or_else(|| ApiError::not_found(format!("no file `{name}`")))?;
    let mut response = bytes_response(
        StatusCode::OK,
        content_type,
        Bytes::from_static(text.as_bytes()),
    );
    // The files change only with the binary; a reload after an upgrade must see the new ones.
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}
