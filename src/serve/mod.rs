//! Seminar mode (`cohesion serve`): a small local web server with one page on which to pull the
//! policy levers, run the town and watch it respond, and a JSON API under `/api/` behind it.
//!
//! Requests are handled by a few threads sharing one listening socket; runs are queued in a job
//! table (`jobs.rs`) and run one after another by a runner thread. The page and its script and
//! styles are compiled into the binary (`page.rs`): nothing is fetched from anywhere else.
//!
//! | method and path | what it does |
//! | --- | --- |
//! | `GET /` | the page |
//! | `GET /api/scenarios` | built-in scenarios (with their interventions), venue kinds, metrics, limits |
//! | `POST /api/run` | queue a run (`request.rs` says what it may contain); 202 with its id |
//! | `GET /api/runs` | every run kept, without results |
//! | `GET /api/runs/ID` | one run: status, progress and, once done, its result (`result.rs`) |
//! | `GET /api/runs/ID/files/NAME` | one of the run's downloads, by name |
//!
//! Errors are JSON, `{"error": "...", "key": "..."}`, with a 4xx status; the server keeps
//! serving after any of them.
//!
//! Architecture invariant: the client never names a path on disk — files are served only from
//! the fixed list of a run's downloads, inside a folder the server made — and bad input is
//! answered, never a panic.

pub mod jobs;
mod page;
pub mod request;
pub mod result;

use jobs::Jobs;
use request::{ApiError, MAX_BODY_BYTES};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tiny_http::{Header, Method, Request, Response, ResponseBox, Server};

/// Threads answering requests (runs happen elsewhere, so a few are plenty).
const HANDLERS: usize = 4;

/// How `cohesion serve` was asked to listen.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// Open the page in the default browser once listening.
    pub open: bool,
    /// Worker threads for each run.
    pub threads: usize,
}

/// Why the server could not start.
#[derive(Debug)]
pub struct ServeError(pub String);

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ServeError {}

/// Starts the server and serves until the process is stopped. Prints the page's address on
/// standard output as its first line (`cohesion serve: listening on http://127.0.0.1:8765/`).
pub fn serve(opts: &ServeOptions) -> Result<(), ServeError> {
    let wanted = SocketAddr::new(opts.bind, opts.port);
    let server = Server::http(wanted).map_err(|e| {
        ServeError(format!(
            "cannot listen on {wanted}: {e}; choose another --port (0 picks a free one)"
        ))
    })?;
    let bound = server.server_addr().to_ip().unwrap_or(wanted);
    let url = format!("http://{bound}/");
    let root = work_dir().map_err(|e| ServeError(format!("cannot make a folder for runs: {e}")))?;
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "cohesion serve: listening on {url}");
        let _ = out.flush();
    }
    eprintln!(
        "cohesion serve: runs are written under {}; stop the server with Ctrl-C",
        root.display()
    );
    if !opts.bind.is_loopback() {
        eprintln!(
            "cohesion serve: warning: listening on {} — anyone who can reach this address can \
             run the model here",
            opts.bind
        );
    }
    if opts.open {
        open_browser(&url);
    }
    let jobs = Arc::new(Jobs::new(root, opts.threads));
    jobs::start_runner(Arc::clone(&jobs));
    let server = Arc::new(server);
    let loopback = opts.bind.is_loopback();
    let handlers: Vec<_> = (0..HANDLERS)
        .map(|_| {
            let server = Arc::clone(&server);
            let jobs = Arc::clone(&jobs);
            std::thread::spawn(move || {
                while let Ok(request) = server.recv() {
                    handle(request, &jobs, loopback);
                }
            })
        })
        .collect();
    for h in handlers {
        let _ = h.join();
    }
    Ok(())
}

/// A folder of the server's own for runs: `cohesion-serve-PID` in the system's temporary folder.
/// Folders left by servers that are no longer running are removed first.
fn work_dir() -> std::io::Result<PathBuf> {
    let tmp = std::env::temp_dir();
    if Path::new("/proc/self").exists()
        && let Ok(entries) = std::fs::read_dir(&tmp)
    {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name.strip_prefix("cohesion-serve-")
                && pid.parse::<u32>().is_ok()
                && !Path::new("/proc").join(pid).exists()
            {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    let dir = tmp.join(format!("cohesion-serve-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Asks the desktop to open `url`; says so if it cannot.
fn open_browser(url: &str) {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    let opened = command
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if opened.is_err() {
        eprintln!("cohesion serve: could not open a browser; open {url} yourself");
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes())
        .unwrap_or_else(|_| Header::from_bytes(&b"X-Invalid"[..], &b"1"[..]).expect("valid"))
}

/// A JSON response.
fn json_response(status: u16, value: &Value) -> ResponseBox {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    Response::from_data(body)
        .with_status_code(status)
        .with_header(header("Content-Type", "application/json; charset=utf-8"))
        .with_header(header("Cache-Control", "no-store"))
        .boxed()
}

fn error_response(e: &ApiError) -> ResponseBox {
    json_response(e.status, &e.json())
}

/// Answers one request. Nothing a client sends can make this panic or stop the server.
fn handle(mut request: Request, jobs: &Jobs, loopback: bool) {
    let response = route(&mut request, jobs, loopback).unwrap_or_else(|e| error_response(&e));
    let response = response
        .with_header(header("X-Content-Type-Options", "nosniff"))
        .with_header(header("Referrer-Policy", "no-referrer"));
    let _ = request.respond(response);
}

fn route(request: &mut Request, jobs: &Jobs, loopback: bool) -> Result<ResponseBox, ApiError> {
    if loopback && !local_host(request) {
        // A page elsewhere that points a name at this machine cannot drive the server.
        return Err(ApiError::new(
            403,
            "this server answers only requests addressed to localhost",
        ));
    }
    let method = request.method().clone();
    let url = request.url().to_string();
    let path = url.split(['?', '#']).next().unwrap_or("");
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let get = method == Method::Get || method == Method::Head;
    let only = |allowed: &str| -> ApiError {
        ApiError::new(
            405,
            format!("{path} answers {allowed} only, not {}", method.as_str()),
        )
    };
    match segments.as_slice() {
        [""] | ["index.html"] if get => Ok(page::asset("index.html")),
        [name @ ("app.js" | "app.css")] if get => Ok(page::asset(name)),
        ["api", "scenarios"] if get => Ok(json_response(200, &result::catalogue())),
        ["api", "scenarios"] => Err(only("GET")),
        ["api", "run"] if method == Method::Post => {
            let body = read_body(request)?;
            let prepared = request::prepare(&body)?;
            let summary = jobs.submit(prepared)?;
            Ok(json_response(202, &summary))
        }
        ["api", "run"] => Err(only("POST")),
        ["api", "runs"] if get => Ok(json_response(200, &jobs.list())),
        ["api", "runs", id] if get => jobs
            .get(id)
            .map(|v| json_response(200, &v))
            .ok_or_else(|| ApiError::new(404, format!("there is no run {id} (or no longer)"))),
        ["api", "runs", id, "files", name] if get => {
            let (file, kind, save_as) = jobs.file(id, name).ok_or_else(|| {
                ApiError::new(
                    404,
                    format!(
                        "run {id} has no download called `{name}` (or has not finished); see \
                         the run's result for its downloads"
                    ),
                )
            })?;
            let f = std::fs::File::open(&file)
                .map_err(|e| ApiError::new(404, format!("cannot read `{name}`: {e}")))?;
            let disposition = if kind.starts_with("image/") || kind.starts_with("text/html") {
                format!("inline; filename=\"{save_as}\"")
            } else {
                format!("attachment; filename=\"{save_as}\"")
            };
            Ok(Response::from_file(f)
                .with_header(header("Content-Type", kind))
                .with_header(header("Content-Disposition", &disposition))
                .with_header(header("Cache-Control", "no-store"))
                .boxed())
        }
        ["api", "runs", ..] if !get => Err(only("GET")),
        ["api", ..] => Err(ApiError::new(
            404,
            format!("no such endpoint: {path} (see the README's Seminar mode section)"),
        )),
        _ if !get => Err(only("GET")),
        _ => Err(ApiError::new(404, format!("no such page: {path}"))),
    }
}

/// Whether the request's Host names this machine's loopback interface.
fn local_host(request: &Request) -> bool {
    let Some(host) = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Host"))
        .map(|h| h.value.as_str().to_ascii_lowercase())
    else {
        // HTTP/1.0 clients may send none; they are not browsers following a page elsewhere.
        return true;
    };
    let name = if host.starts_with('[') {
        host.split(']')
            .next()
            .map(|h| format!("{h}]"))
            .unwrap_or_default()
    } else {
        host.split(':').next().unwrap_or("").to_string()
    };
    matches!(name.as_str(), "localhost" | "[::1]") || name.starts_with("127.")
}

/// The request body, at most [`MAX_BODY_BYTES`].
fn read_body(request: &mut Request) -> Result<Vec<u8>, ApiError> {
    let too_large = || {
        ApiError::new(
            413,
            format!("the request is larger than {MAX_BODY_BYTES} bytes"),
        )
    };
    if request.body_length().is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    request
        .as_reader()
        .take(MAX_BODY_BYTES as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|e| ApiError::new(400, format!("cannot read the request: {e}")))?;
    if body.len() > MAX_BODY_BYTES {
        return Err(too_large());
    }
    Ok(body)
}
