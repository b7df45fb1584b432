//! Seminar mode (`cohesion serve`): a small local web server with one page on which to pull the
//! policy levers, run the town and watch it respond, and a JSON API under `/api/` behind it.
//!
//! Connections are read and answered by a fixed pool of threads (`http.rs`, which also says
//! why the server speaks HTTP itself and how every connection is bounded); runs are queued in a
//! job table (`jobs.rs`) and run one after another by a runner thread. The page and its script
//! and styles are compiled into the binary (`page.rs`): nothing is fetched from anywhere else.
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
//! Before any route, a request must be addressed to this server by a name no one else can
//! point here ([`Site::host_allowed`]: `localhost`, `127.0.0.1` or `[::1]`, or the `--bind`
//! address, each with the port listened on), and, if it says where it comes from (`Origin`),
//! come from this server's own page; a run request must be JSON by its `Content-Type`. So a web
//! page elsewhere can neither rename itself into this server (DNS rebinding) nor post to it: a
//! cross-origin form or `fetch` cannot send `application/json` without the browser asking
//! first, and the `Origin` it sends is refused anyway.
//!
//! Errors are JSON, `{"error": "...", "key": "..."}`, with a 4xx status; the server keeps
//! serving after any of them.
//!
//! Architecture invariant: the client never names a path on disk — files are served only from
//! the fixed list of a run's downloads, inside a folder the server made — and bad input is
//! answered, never a panic.

pub mod http;
pub mod jobs;
mod page;
pub mod request;
pub mod result;

use crate::output::terminal;
use http::{Body, Request, Response};
use jobs::Jobs;
use request::{ApiError, MAX_BODY_BYTES};
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    /// Seconds a client has to send its whole request (`http::REQUEST_SECONDS` by default).
    pub request_seconds: u64,
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
    let listener = TcpListener::bind(wanted).map_err(|e| {
        ServeError(format!(
            "cannot listen on {wanted}: {e}; choose another --port (0 picks a free one)"
        ))
    })?;
    let bound = listener.local_addr().unwrap_or(wanted);
    let url = format!("http://{bound}/");
    let root = work_dir().map_err(|e| ServeError(format!("cannot make a folder for runs: {e}")))?;
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "cohesion serve: listening on {url}");
        let _ = out.flush();
    }
    terminal::say(&format!(
        "cohesion serve: runs are written under {}; stop the server with Ctrl-C",
        root.display()
    ));
    if !opts.bind.is_loopback() {
        terminal::say(&format!(
            "cohesion serve: warning: listening on {} — anyone who can reach this address can \
             run the model here",
            opts.bind
        ));
    }
    if opts.open {
        open_browser(&url);
    }
    let jobs = Arc::new(Jobs::new(root, opts.threads));
    jobs::start_runner(Arc::clone(&jobs));
    let site = Site {
        bind: bound.ip(),
        port: bound.port(),
    };
    http::serve(listener, opts.request_seconds, move |request| {
        handle(request, &jobs, &site)
    });
    Ok(())
}

/// Where the server listens, as requests must name it.
#[derive(Clone, Copy, Debug)]
pub struct Site {
    pub bind: IpAddr,
    pub port: u16,
}

impl Site {
    /// Whether a `Host` header names this server: `localhost`, `127.0.0.1` or `[::1]`, or the
    /// address listened on, with the port listened on (which may be left out only when it is
    /// 80). When listening on every interface (`0.0.0.0`, `::`), any address written as
    /// numbers is taken, since no one but its owner can point a numeric address elsewhere; a
    /// name other than `localhost` never is, since whoever owns a name can point it here.
    pub fn host_allowed(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        let (name, port) = if let Some(rest) = host.strip_prefix('[') {
            let Some((inside, after)) = rest.split_once(']') else {
                return false;
            };
            let Ok(ip) = inside.parse::<Ipv6Addr>() else {
                return false;
            };
            let port = match after.strip_prefix(':') {
                Some(p) => Some(p),
                None if after.is_empty() => None,
                None => return false,
            };
            (Name::Ip(IpAddr::V6(ip)), port)
        } else {
            let (name, port) = match host.split_once(':') {
                Some((n, p)) => (n, Some(p)),
                None => (host.as_str(), None),
            };
            let name = match name.parse::<Ipv4Addr>() {
                Ok(ip) => Name::Ip(IpAddr::V4(ip)),
                Err(_) if name == "localhost" => Name::Localhost,
                Err(_) => return false,
            };
            (name, port)
        };
        let port_ok = match port {
            None => self.port == 80,
            Some(p) => {
                !p.is_empty()
                    && p.bytes().all(|b| b.is_ascii_digit())
                    && p.parse::<u16>() == Ok(self.port)
            }
        };
        let name_ok = match name {
            Name::Localhost => true,
            Name::Ip(ip) => {
                ip == IpAddr::V4(Ipv4Addr::LOCALHOST)
                    || ip == IpAddr::V6(Ipv6Addr::LOCALHOST)
                    || ip == self.bind
                    || self.bind.is_unspecified()
            }
        };
        port_ok && name_ok
    }
}

enum Name {
    Localhost,
    Ip(IpAddr),
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
        terminal::say(&format!(
            "cohesion serve: could not open a browser; open {url} yourself"
        ));
    }
}

/// Answers one request. Nothing a client sends can make this panic or stop the server.
fn handle(request: &mut Request, jobs: &Jobs, site: &Site) -> Response {
    route(request, jobs, site).unwrap_or_else(|e| Response::error(&e))
}

/// Refuses a request not addressed to this server, or sent by a page elsewhere.
fn check_sender(request: &Request, site: &Site) -> Result<(), ApiError> {
    let host = request.one("host")?.unwrap_or("");
    if !site.host_allowed(host) {
        // A page elsewhere that points a name at this machine cannot drive the server.
        let port = site.port;
        return Err(ApiError::new(
            403,
            format!(
                "this server answers only requests addressed to localhost:{port}, \
                 127.0.0.1:{port} or [::1]:{port}{}, not `{host}`",
                if site.bind.is_loopback() {
                    String::new()
                } else {
                    format!(" (or the address it listens on, {})", site.bind)
                }
            ),
        ));
    }
    if let Some(origin) = request.one("origin")?
        && !origin.eq_ignore_ascii_case(&format!("http://{host}"))
    {
        return Err(ApiError::new(
            403,
            format!(
                "this server answers only its own page (http://{host}), not one from `{origin}`"
            ),
        ));
    }
    Ok(())
}

/// Refuses a body that does not say it is JSON: such a request can be sent by any web page
/// without the browser asking first.
fn check_json(request: &Request) -> Result<(), ApiError> {
    let kind = request.one("content-type")?.unwrap_or("");
    let media = kind.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("application/json") {
        let sent = if kind.is_empty() {
            "none".to_string()
        } else {
            format!("`{kind}`")
        };
        return Err(ApiError::new(
            415,
            format!("send the run request as Content-Type: application/json (this one: {sent})"),
        ));
    }
    Ok(())
}

fn route(request: &mut Request, jobs: &Jobs, site: &Site) -> Result<Response, ApiError> {
    check_sender(request, site)?;
    let method = request.method.clone();
    let path = request.path().to_string();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let get = method == "GET" || method == "HEAD";
    let only = |allowed: &str| -> ApiError {
        ApiError::new(405, format!("{path} answers {allowed} only, not {method}"))
    };
    match segments.as_slice() {
        [""] | ["index.html"] if get => Ok(page::asset("index.html")),
        [name @ ("app.js" | "app.css")] if get => Ok(page::asset(name)),
        ["api", "scenarios"] if get => Ok(Response::json(200, &result::catalogue())),
        ["api", "scenarios"] => Err(only("GET")),
        ["api", "run"] if method == "POST" => {
            check_json(request)?;
            let body = request.body(MAX_BODY_BYTES)?;
            let prepared = request::prepare(&body)?;
            let summary = jobs.submit(prepared)?;
            Ok(Response::json(202, &summary))
        }
        ["api", "run"] => Err(only("POST")),
        ["api", "runs"] if get => Ok(Response::json(200, &jobs.list())),
        ["api", "runs", id] if get => jobs
            .get(id)
            .map(|parts| Response::json_body(200, Body::Parts(parts)))
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
            let length = f
                .metadata()
                .map_err(|e| ApiError::new(404, format!("cannot read `{name}`: {e}")))?
                .len();
            let disposition = if kind.starts_with("image/") || kind.starts_with("text/html") {
                format!("inline; filename=\"{save_as}\"")
            } else {
                format!("attachment; filename=\"{save_as}\"")
            };
            Ok(Response::new(200, Body::File(f, length))
                .with("Content-Type", kind)
                .with("Content-Disposition", disposition)
                .with("Cache-Control", "no-store"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_no_one_else_can_point_here_are_taken_as_the_host() {
        let site = Site {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 8765,
        };
        for ok in [
            "localhost:8765",
            "LOCALHOST:8765",
            "127.0.0.1:8765",
            "[::1]:8765",
        ] {
            assert!(site.host_allowed(ok), "{ok}");
        }
        for bad in [
            "",
            "localhost",
            "localhost:8766",
            "localhost:08765x",
            "localhost:",
            "localhost.:8765",
            "127.evil.example:8765",
            "127.0.0.1.nip.io:8765",
            "127.0.0.2:8765",
            "[::1].evil:8765",
            "[::1]x8765",
            "::1:8765",
            "evil.example:8765",
            "127.0.0.1:8765@evil.example",
            "10.0.0.1:8765",
        ] {
            assert!(!site.host_allowed(bad), "{bad}");
        }
        // Listening on an address: that address too; on every interface: any numeric one.
        let lan = Site {
            bind: "192.168.1.5".parse().unwrap(),
            port: 80,
        };
        assert!(lan.host_allowed("192.168.1.5") && lan.host_allowed("192.168.1.5:80"));
        assert!(lan.host_allowed("localhost") && !lan.host_allowed("192.168.1.6"));
        let any = Site {
            bind: "0.0.0.0".parse().unwrap(),
            port: 8765,
        };
        assert!(any.host_allowed("10.1.2.3:8765") && any.host_allowed("[fe80::1]:8765"));
        assert!(!any.host_allowed("my-laptop.local:8765") && !any.host_allowed("10.1.2.3:1"));
    }
}
