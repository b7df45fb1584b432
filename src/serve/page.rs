//! The seminar page, compiled into the binary: one HTML file, its script and its styles,
//! hand-written and needing no build step. Served with a content security policy that lets the
//! page load nothing from anywhere but this server.

use super::http::{Body, Response};

const INDEX: &str = include_str!("page/index.html");
const SCRIPT: &str = include_str!("page/app.js");
const STYLE: &str = include_str!("page/app.css");

/// Only this server's own script, styles and API; images only as data the page draws itself.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
                      img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
                      form-action 'none'; frame-ancestors 'none'";

/// The asset called `name` (`index.html`, `app.js`, `app.css`); the page for any other name.
pub fn asset(name: &str) -> Response {
    let (body, kind) = match name {
        "app.js" => (SCRIPT, "text/javascript; charset=utf-8"),
        "app.css" => (STYLE, "text/css; charset=utf-8"),
        _ => (INDEX, "text/html; charset=utf-8"),
    };
    Response::new(200, Body::Static(body.as_bytes()))
        .with("Content-Type", kind)
        .with("Content-Security-Policy", POLICY)
        .with("Cache-Control", "no-cache")
}
