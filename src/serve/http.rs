//! The seminar server's HTTP/1.1, on `std::net`: one accept thread, a fixed pool of
//! [`WORKERS`] handler threads, and one request per connection, every one of them bounded.
//!
//! Why not a library: the server used `tiny_http` 0.12, which reads a request's header lines
//! into buffers with no limit (a 20 MB header was read and answered), sets no timeouts on the
//! sockets it accepts, starts a thread per connection in a pool that grows without bound, and
//! leaves the body to be read by the handler threads — so four clients that sent their headers
//! and then trickled a body held every handler and the server stopped answering anyone. None of
//! that can be configured from outside: the accepted sockets never reach the caller before a
//! request has been read. A bounded front in front of it would have to read and re-send every
//! byte; the small part of HTTP/1.1 this server needs (a request line, a few headers, a body of
//! known length, one answer and close) is shorter to write than to wrap.
//!
//! The bounds, each enforced while reading, not after:
//!
//! - a connection's whole request (line, headers and body) must arrive within
//!   [`REQUEST_SECONDS`] (or `cohesion serve --request-seconds`) of its being accepted, or it
//!   is answered 408 and closed: every read is
//!   given only the time left, so a client trickling a byte a second is cut off like one that
//!   sends nothing;
//! - the request line and headers together are at most [`MAX_HEAD_BYTES`], in at most
//!   [`MAX_HEADERS`] lines: beyond either, 431 and close, without reading the rest;
//! - a body is read only with a `Content-Length` (411 otherwise), and only up to the caller's
//!   limit (413 before reading it when the length says it is larger);
//! - at most [`WORKERS`] connections are read and answered at once and [`QUEUE`] more wait
//!   for a worker; a connection beyond that is answered 503 at once and closed, so the threads
//!   and buffers stay bounded however many clients connect;
//! - answering is bounded too: each write may wait at most [`WRITE_SECONDS`], the whole answer
//!   [`ANSWER_SECONDS`].
//!
//! A slow client therefore holds one worker for at most [`REQUEST_SECONDS`]; with fewer than
//! [`WORKERS`] of them open, everyone else is answered at once.
//!
//! Every answer says `Connection: close`: browsers open a fresh connection for the next request,
//! which on a loopback interface costs nothing worth keeping a connection (and a worker) for.
//!
//! Architecture invariant: nothing a client sends can make a worker panic, block past its
//! deadline, or buffer more than [`MAX_HEAD_BYTES`] plus the body limit.

use super::request::ApiError;
use serde_json::Value;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Threads reading and answering requests (runs happen on the runner thread, so these only
/// parse, look up and copy).
pub const WORKERS: usize = 16;
/// Accepted connections waiting for a worker; more are answered 503.
pub const QUEUE: usize = 64;
/// Seconds a client has, from being accepted, to send its whole request, unless the server is
/// told otherwise.
pub const REQUEST_SECONDS: u64 = 10;
/// The largest request line and headers, together, in bytes.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// The most header lines a request may have.
pub const MAX_HEADERS: usize = 64;
/// Seconds one write of an answer may wait for the client to read.
pub const WRITE_SECONDS: u64 = 10;
/// Seconds a whole answer may take to be written.
pub const ANSWER_SECONDS: u64 = 60;

/// A request whose line and headers have been read; its body, if any, is read on demand.
pub struct Request {
    pub method: String,
    /// The request target as sent (`/api/runs/3?x`): origin form, starting with `/`.
    pub target: String,
    /// Header names in lower case, values trimmed, in the order sent.
    pub headers: Vec<(String, String)>,
    stream: TcpStream,
    deadline: Deadline,
    /// Bytes read past the end of the headers: the start of the body.
    early: Vec<u8>,
}

impl Request {
    /// Every value of header `name` (lower case).
    pub fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of header `name` (lower case) when it is sent exactly once; `Ok(None)` when it
    /// is not sent; 400 when it is sent more than once.
    pub fn one(&self, name: &str) -> Result<Option<&str>, ApiError> {
        let mut values = self.all(name);
        let first = values.next();
        if values.next().is_some() {
            return Err(ApiError::new(
                400,
                format!("the request has more than one {name} header; send one"),
            ));
        }
        Ok(first)
    }

    /// The path of the target, without query or fragment.
    pub fn path(&self) -> &str {
        self.target.split(['?', '#']).next().unwrap_or("")
    }

    /// Reads the body, which must have a `Content-Length` of at most `max` bytes, before the
    /// request's deadline.
    pub fn body(&mut self, max: usize) -> Result<Vec<u8>, ApiError> {
        if self.all("transfer-encoding").next().is_some() {
            return Err(ApiError::new(
                411,
                "send the body with a Content-Length header (bodies in chunks are not read)",
            ));
        }
        let lengths: Vec<&str> = self.all("content-length").collect();
        let Some(first) = lengths.first() else {
            return Err(ApiError::new(
                411,
                "send the body with a Content-Length header",
            ));
        };
        if lengths.iter().any(|l| l != first) || !first.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::new(400, "the Content-Length header is malformed"));
        }
        let too_large = || ApiError::new(413, format!("the request is larger than {max} bytes"));
        let length: usize = first.parse().map_err(|_| too_large())?;
        if length > max {
            return Err(too_large());
        }
        if self
            .one("expect")?
            .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
        {
            let _ = self.stream.set_write_timeout(Some(secs(WRITE_SECONDS)));
            let _ = self.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
        }
        let mut body = std::mem::take(&mut self.early);
        body.truncate(length);
        let mut chunk = [0u8; 8192];
        while body.len() < length {
            let want = (length - body.len()).min(chunk.len());
            match read_by(&mut self.stream, &mut chunk[..want], self.deadline.at) {
                Ok(0) => return Err(ApiError::new(400, "the body ended before its length")),
                Ok(n) => body.extend_from_slice(&chunk[..n]),
                Err(e) => return Err(read_error(&e, self.deadline.seconds)),
            }
        }
        Ok(body)
    }
}

/// What an answer carries.
pub enum Body {
    Empty,
    Bytes(Vec<u8>),
    /// Bytes compiled into the binary (the page).
    Static(&'static [u8]),
    /// Pieces written one after another; shared pieces (a finished run's result) are written
    /// from the one copy the server keeps, however many clients ask at once.
    Parts(Vec<Part>),
    /// A file and its length, copied in small pieces.
    File(std::fs::File, u64),
}

pub enum Part {
    Owned(Vec<u8>),
    Shared(Arc<[u8]>),
}

impl Part {
    fn bytes(&self) -> &[u8] {
        match self {
            Part::Owned(b) => b,
            Part::Shared(b) => b,
        }
    }
}

impl Body {
    fn len(&self) -> u64 {
        match self {
            Body::Empty => 0,
            Body::Bytes(b) => b.len() as u64,
            Body::Static(b) => b.len() as u64,
            Body::Parts(parts) => parts.iter().map(|p| p.bytes().len() as u64).sum(),
            Body::File(_, n) => *n,
        }
    }
}

/// An answer: status, headers (besides `Content-Length` and `Connection`) and body.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Body,
}

impl Response {
    pub fn new(status: u16, body: Body) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body,
        }
    }

    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Response {
        self.headers.push((name, value.into()));
        self
    }

    /// A JSON answer, not to be cached.
    pub fn json(status: u16, value: &Value) -> Response {
        let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
        Response::json_body(status, Body::Bytes(body))
    }

    /// An answer whose body is already JSON.
    pub fn json_body(status: u16, body: Body) -> Response {
        Response::new(status, body)
            .with("Content-Type", "application/json; charset=utf-8")
            .with("Cache-Control", "no-store")
    }

    /// `{"error": ..., "key": ...}` with the error's status.
    pub fn error(e: &ApiError) -> Response {
        Response::json(e.status, &e.json())
    }
}

/// When a connection's request must have arrived: `seconds` after it was accepted.
#[derive(Clone, Copy)]
struct Deadline {
    at: Instant,
    seconds: u64,
}

/// Serves `listener` until the process ends: accepts connections and hands each to one of
/// [`WORKERS`] threads, which read its request (bounded as the module says, each client given
/// `request_seconds` to send it), call `handle` and write the answer. `handle` may read the
/// body with [`Request::body`].
pub fn serve<F>(listener: TcpListener, request_seconds: u64, handle: F)
where
    F: Fn(&mut Request) -> Response + Send + Sync + 'static,
{
    let (queue, waiting) = sync_channel::<TcpStream>(QUEUE);
    let waiting = Arc::new(Mutex::new(waiting));
    let handle = Arc::new(handle);
    for _ in 0..WORKERS {
        let waiting = Arc::clone(&waiting);
        let handle = Arc::clone(&handle);
        std::thread::spawn(move || work(&waiting, &*handle, request_seconds));
    }
    accept(&listener, &queue);
}

fn accept(listener: &TcpListener, queue: &SyncSender<TcpStream>) {
    loop {
        match listener.accept() {
            Ok((stream, _)) => match queue.try_send(stream) {
                Ok(()) => {}
                Err(TrySendError::Full(stream)) => busy(stream),
                Err(TrySendError::Disconnected(_)) => return,
            },
            // Out of file descriptors, or a connection reset before it was accepted: wait a
            // moment rather than spin, and carry on.
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Answers 503 without waiting for the client, and closes.
fn busy(mut stream: TcpStream) {
    let e = ApiError::new(
        503,
        "the server is answering as many requests as it takes at once; try again in a moment",
    );
    if stream.set_nonblocking(true).is_ok() {
        let _ = stream.write_all(&head_bytes(&Response::error(&e), 0));
        let _ = stream.write_all(&serde_json::to_vec(&e.json()).unwrap_or_default());
    }
}

fn work(
    waiting: &Mutex<Receiver<TcpStream>>,
    handle: &(dyn Fn(&mut Request) -> Response + Sync),
    request_seconds: u64,
) {
    loop {
        let next = waiting.lock().unwrap_or_else(|e| e.into_inner()).recv();
        let Ok(stream) = next else { return };
        // A bug in a handler loses that one answer, not the worker.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            connection(stream, handle, request_seconds);
        }));
    }
}

/// One connection: read the request, answer it, close.
fn connection(
    stream: TcpStream,
    handle: &(dyn Fn(&mut Request) -> Response + Sync),
    request_seconds: u64,
) {
    let deadline = Deadline {
        at: Instant::now() + secs(request_seconds),
        seconds: request_seconds,
    };
    let _ = stream.set_nodelay(true);
    let (response, head_only, stream) = match read_request(stream, deadline) {
        Ok(mut request) => {
            let response = handle(&mut request);
            (response, request.method == "HEAD", request.stream)
        }
        Err((None, _)) => return, // closed, or never said anything
        Err((Some(e), stream)) => (Response::error(&e), false, stream),
    };
    answer(stream, &response, head_only);
}

/// Reads the request line and headers. On failure, the error to answer with (none when the
/// client went away or sent nothing) and the stream to answer on.
fn read_request(
    mut stream: TcpStream,
    deadline: Deadline,
) -> Result<Request, (Option<ApiError>, TcpStream)> {
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(end) = head_end(&buf) {
            break end;
        }
        if buf.len() > MAX_HEAD_BYTES {
            return Err((Some(too_large_head()), stream));
        }
        let room = (MAX_HEAD_BYTES + 1 - buf.len()).min(chunk.len());
        match read_by(&mut stream, &mut chunk[..room], deadline.at) {
            Ok(0) => return Err((None, stream)),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(_) if buf.is_empty() => return Err((None, stream)),
            Err(e) => return Err((Some(read_error(&e, deadline.seconds)), stream)),
        }
    };
    if end.head > MAX_HEAD_BYTES {
        return Err((Some(too_large_head()), stream));
    }
    let early = buf[end.body..].to_vec();
    match parse_head(&buf[..end.head]) {
        Ok((method, target, headers)) => Ok(Request {
            method,
            target,
            headers,
            stream,
            deadline,
            early,
        }),
        Err(e) => Err((Some(e), stream)),
    }
}

/// Where the head ends (before its blank line) and the body starts.
struct HeadEnd {
    head: usize,
    body: usize,
}

/// The end of the head: the first empty line, ended by CRLF or by LF alone.
fn head_end(buf: &[u8]) -> Option<HeadEnd> {
    let mut line_start = 0;
    for (i, &b) in buf.iter().enumerate() {
        if b == b'\n' {
            let line = &buf[line_start..i];
            if line.is_empty() || line == b"\r" {
                return Some(HeadEnd {
                    head: line_start,
                    body: i + 1,
                });
            }
            line_start = i + 1;
        }
    }
    None
}

/// The method, target and headers of a head (without its blank line).
type Head = (String, String, Vec<(String, String)>);

fn parse_head(head: &[u8]) -> Result<Head, ApiError> {
    let bad = |what: &str| ApiError::new(400, format!("malformed request: {what}"));
    // The head ends with its last line's line ending.
    let head = head.strip_suffix(b"\n").unwrap_or(head);
    let head = head.strip_suffix(b"\r").unwrap_or(head);
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let line = lines.next().unwrap_or_default();
    let line = std::str::from_utf8(line).map_err(|_| bad("the request line is not text"))?;
    let mut words = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return Err(bad("the request line is not `METHOD /path HTTP/1.1`"));
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(bad("the method is not a word in capitals"));
    }
    if !target.starts_with('/') || target.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(bad("the target is not a path starting with `/`"));
    }
    match version {
        "HTTP/1.1" | "HTTP/1.0" => {}
        v if v.starts_with("HTTP/") => {
            return Err(ApiError::new(
                505,
                format!("{v} is not spoken here; use HTTP/1.1"),
            ));
        }
        _ => return Err(bad("the request line does not end in HTTP/1.1")),
    }
    let mut headers = Vec::new();
    for line in lines {
        if headers.len() == MAX_HEADERS {
            return Err(ApiError::new(
                431,
                format!("the request has more than {MAX_HEADERS} headers"),
            ));
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return Err(bad("a header line has no `:`"));
        };
        let name = &line[..colon];
        let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        if name.is_empty() || !name.iter().all(|&b| token(b)) {
            return Err(bad("a header's name is not a single word"));
        }
        let name = String::from_utf8_lossy(name).to_ascii_lowercase();
        let value = String::from_utf8_lossy(&line[colon + 1..])
            .trim_matches([' ', '\t'])
            .to_string();
        headers.push((name, value));
    }
    Ok((method.to_string(), target.to_string(), headers))
}

fn too_large_head() -> ApiError {
    ApiError::new(
        431,
        format!("the request's line and headers are larger than {MAX_HEAD_BYTES} bytes"),
    )
}

fn read_error(e: &io::Error, seconds: u64) -> ApiError {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => ApiError::new(
            408,
            format!("the request did not arrive within {seconds} seconds"),
        ),
        _ => ApiError::new(400, format!("cannot read the request: {e}")),
    }
}

/// One read that gives up at `deadline`.
fn read_by(stream: &mut TcpStream, buf: &mut [u8], deadline: Instant) -> io::Result<usize> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(io::ErrorKind::TimedOut.into());
    }
    stream.set_read_timeout(Some(left))?;
    loop {
        match stream.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

/// The status line and headers of `response`, whose body is `length` bytes.
fn head_bytes(response: &Response, length: u64) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Length: {length}\r\nConnection: close\r\n\
         X-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        // A value never ends the header early, whatever it holds.
        let value: String = value.chars().filter(|c| !c.is_control()).collect();
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head.into_bytes()
}

/// Writes the answer (its head only, for HEAD), then closes the connection gently: the client
/// is given a moment to read the answer before anything it sent unread resets the connection.
fn answer(mut stream: TcpStream, response: &Response, head_only: bool) {
    let started = Instant::now();
    let _ = stream.set_write_timeout(Some(secs(WRITE_SECONDS)));
    let length = response.body.len();
    let written = write_answer(&mut stream, response, length, head_only, started);
    if written.is_ok() {
        let _ = stream.flush();
        let _ = stream.shutdown(Shutdown::Write);
        drain(&mut stream);
    }
}

fn write_answer(
    stream: &mut TcpStream,
    response: &Response,
    length: u64,
    head_only: bool,
    started: Instant,
) -> io::Result<()> {
    stream.write_all(&head_bytes(response, length))?;
    if head_only {
        return Ok(());
    }
    let late = || started.elapsed() > secs(ANSWER_SECONDS);
    let mut send = |bytes: &[u8]| -> io::Result<()> {
        for piece in bytes.chunks(64 * 1024) {
            if late() {
                return Err(io::ErrorKind::TimedOut.into());
            }
            stream.write_all(piece)?;
        }
        Ok(())
    };
    match &response.body {
        Body::Empty => Ok(()),
        Body::Bytes(b) => send(b),
        Body::Static(b) => send(b),
        Body::Parts(parts) => parts.iter().try_for_each(|p| send(p.bytes())),
        Body::File(file, n) => {
            let mut reader = file.take(*n);
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let got = reader.read(&mut buf)?;
                if got == 0 {
                    return Ok(());
                }
                send(&buf[..got])?;
            }
        }
    }
}

/// Reads and drops what the client still sends, for up to a second or a megabyte, so that the
/// answer is not lost to a reset when the client sent more than was read.
fn drain(stream: &mut TcpStream) {
    let until = Instant::now() + Duration::from_secs(1);
    let mut buf = [0u8; 16 * 1024];
    let mut total = 0;
    while total < 1 << 20 {
        match read_by(stream, &mut buf, until) {
            Ok(0) | Err(_) => return,
            Ok(n) => total += n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_is_parsed_and_its_end_found_with_either_line_ending() {
        let raw =
            b"POST /api/run?x=1 HTTP/1.1\r\nHost: localhost:1\r\nContent-Length:  2 \r\n\r\n{}";
        let end = head_end(raw).unwrap();
        assert_eq!(&raw[end.body..], b"{}");
        let (method, target, headers) = parse_head(&raw[..end.head]).unwrap();
        assert_eq!((method.as_str(), target.as_str()), ("POST", "/api/run?x=1"));
        assert_eq!(headers[1], ("content-length".to_string(), "2".to_string()));
        let raw = b"GET / HTTP/1.0\nHost: a\n\nrest";
        let end = head_end(raw).unwrap();
        assert_eq!(&raw[end.body..], b"rest");
        assert_eq!(parse_head(&raw[..end.head]).unwrap().2.len(), 1);
        assert!(head_end(b"GET / HTTP/1.1\r\nHost: a\r\n").is_none());
    }

    #[test]
    fn malformed_heads_are_refused_with_their_status() {
        let status = |raw: &[u8]| parse_head(raw).unwrap_err().status;
        assert_eq!(status(b"GET /"), 400);
        assert_eq!(status(b"GET / HTTP/1.1 extra"), 400);
        assert_eq!(status(b"get / HTTP/1.1"), 400);
        assert_eq!(status(b"GET http://evil/ HTTP/1.1"), 400);
        assert_eq!(status(b"GET / HTTP/2.0"), 505);
        assert_eq!(status(b"GET / HTTP/1.1\r\nno colon"), 400);
        assert_eq!(status(b"GET / HTTP/1.1\r\n folded: x"), 400);
        assert_eq!(status(b"GET / HTTP/1.1\r\nBad Name: x"), 400);
        let many: String = (0..=MAX_HEADERS).map(|i| format!("\r\nX-{i}: 1")).collect();
        assert_eq!(status(format!("GET / HTTP/1.1{many}").as_bytes()), 431);
    }

    #[test]
    fn header_values_cannot_break_the_answer() {
        let r = Response::new(200, Body::Empty).with("X-Name", "a\r\nSet-Cookie: b");
        let head = String::from_utf8(head_bytes(&r, 0)).unwrap();
        assert!(head.contains("X-Name: aSet-Cookie: b\r\n"), "{head}");
        assert!(head.starts_with("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"));
    }
}
