//! Seminar mode against a hostile client or a hostile web page, through the real binary: a
//! request addressed to a name someone else controls, a post from another site's page, clients
//! that connect and then send slowly or endlessly, requests that would hold the runner for
//! hours, and many readers of one large answer. Each is refused (or cut off) and the server
//! keeps answering everyone else.

use crate::serve::{Reply, Server};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Sends `raw` as it is and returns what came back, or `None` when the connection was reset or
/// closed without an answer.
fn raw(server: &Server, raw: &[u8]) -> Option<Reply> {
    let mut stream = TcpStream::connect(&server.addr).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(raw).ok()?;
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    (!reply.is_empty()).then(|| Reply::parse(&reply))
}

/// A request with exactly the headers given (and `Connection: close`).
fn with_headers(server: &Server, method: &str, path: &str, headers: &[&str], body: &str) -> Reply {
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    raw(server, head.as_bytes()).expect("an answer")
}

/// The server's peak resident memory (since it started, or since the peak was reset), in kB
/// (Linux).
fn peak_kb(server: &Server) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.child.id())).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// A run that is over at once: 200 residents for a year.
fn tiny() -> String {
    json!({"scenario": "baseline",
           "set": {"town.residents": 200, "time.years": 1, "time.warmup_weeks": 0}})
    .to_string()
}

#[test]
fn requests_for_other_names_or_from_other_pages_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let port = server.port().to_string();
    let host = |h: &str| format!("Host: {h}");

    // DNS rebinding: names that merely begin like a loopback address, a wrong port, no Host.
    for name in [
        format!("127.evil.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        format!("[::1].evil.example:{port}"),
        format!("localhost.evil.example:{port}"),
        "127.0.0.1:1".to_string(),
        "localhost".to_string(),
    ] {
        let r = with_headers(&server, "GET", "/api/scenarios", &[&host(&name)], "");
        assert_eq!(r.status, 403, "Host {name}: {}", r.text());
        assert!(r.error().contains("localhost:"), "{}", r.error());
    }
    let r = raw(&server, b"GET /api/scenarios HTTP/1.0\r\n\r\n").expect("an answer");
    assert_eq!(r.status, 403, "no Host: {}", r.text());
    for name in ["localhost", "127.0.0.1", "[::1]", "LocalHost"] {
        let h = host(&format!("{name}:{port}"));
        let r = with_headers(&server, "GET", "/api/scenarios", &[&h], "");
        assert_eq!(r.status, 200, "Host {name}: {}", r.text());
    }

    // Another site's page posting a run: refused whatever it calls its body.
    let own = host(&server.addr);
    let json_type = "Content-Type: application/json";
    for (headers, status, needle) in [
        (
            vec![
                own.as_str(),
                "Content-Type: text/plain",
                "Origin: http://evil.example",
            ],
            403,
            "evil.example",
        ),
        (
            vec![own.as_str(), json_type, "Origin: http://evil.example"],
            403,
            "evil.example",
        ),
        (vec![own.as_str(), json_type, "Origin: null"], 403, "null"),
        (
            vec![own.as_str(), json_type, "Origin: http://localhost:1"],
            403,
            "localhost:1",
        ),
        (
            vec![own.as_str(), "Content-Type: text/plain"],
            415,
            "application/json",
        ),
        (
            vec![
                own.as_str(),
                "Content-Type: application/x-www-form-urlencoded",
            ],
            415,
            "application/json",
        ),
        (vec![own.as_str()], 415, "application/json"),
    ] {
        let r = with_headers(&server, "POST", "/api/run", &headers, &tiny());
        assert_eq!(r.status, status, "{headers:?}: {}", r.text());
        assert!(r.error().contains(needle), "{headers:?}: {}", r.error());
    }
    let runs = server.get("/api/runs").json();
    assert_eq!(runs["runs"], json!([]), "nothing was queued");

    // The page itself: same origin, JSON with a charset.
    let origin = format!("Origin: http://{}", server.addr);
    let r = with_headers(
        &server,
        "POST",
        "/api/run",
        &[
            &own,
            "Content-Type: Application/JSON; charset=utf-8",
            &origin,
        ],
        &tiny(),
    );
    assert_eq!(r.status, 202, "{}", r.text());
}

/// Listening on another loopback address: requests must name that address (or localhost).
#[cfg(target_os = "linux")]
#[test]
fn a_bind_address_is_a_host_too() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start_with(tmp.path(), &["--bind", "127.0.0.2"]);
    assert!(server.addr.starts_with("127.0.0.2:"), "{}", server.addr);
    let port = server.port().to_string();
    for (name, status) in [
        (format!("127.0.0.2:{port}"), 200),
        (format!("localhost:{port}"), 200),
        (format!("127.0.0.3:{port}"), 403),
        (format!("127.0.0.2.evil.example:{port}"), 403),
    ] {
        let r = with_headers(
            &server,
            "GET",
            "/api/scenarios",
            &[&format!("Host: {name}")],
            "",
        );
        assert_eq!(r.status, status, "Host {name}: {}", r.text());
    }
}

/// A client that sends its request slowly: its headers, then the body a byte at a time; or the
/// headers themselves a byte at a time. It never finishes on its own.
fn slow_client(addr: String, trickle_headers: bool) -> std::thread::JoinHandle<Option<u16>> {
    std::thread::spawn(move || {
        let mut s = TcpStream::connect(&addr).ok()?;
        s.set_read_timeout(Some(Duration::from_millis(200))).ok()?;
        let head = format!(
            "POST /api/run HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
             Content-Length: 60000\r\n\r\n"
        );
        let (first, rest) = if trickle_headers {
            (&head[..10], head.as_bytes()[10..].to_vec())
        } else {
            (head.as_str(), vec![b' '; 60000])
        };
        s.write_all(first.as_bytes()).ok()?;
        let mut reply = Vec::new();
        for byte in rest {
            if s.write_all(&[byte]).is_err() {
                break;
            }
            let mut buf = [0u8; 4096];
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    reply.extend_from_slice(&buf[..n]);
                    break;
                }
                Err(_) => {}
            }
        }
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let _ = s.read_to_end(&mut reply);
        let text = String::from_utf8_lossy(&reply).into_owned();
        text.split(' ').nth(1).and_then(|s| s.parse().ok())
    })
}

#[test]
fn slow_clients_are_cut_off_and_do_not_hold_up_anyone_else() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start_with(tmp.path(), &["--request-seconds", "3"]);
    let started = Instant::now();
    let slow: Vec<_> = (0..8)
        .map(|i| slow_client(server.addr.clone(), i % 2 == 0))
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    // Everyone else is answered at once, again and again, while the slow ones trickle on.
    for _ in 0..5 {
        let asked = Instant::now();
        let r = server.get("/api/scenarios");
        assert_eq!(r.status, 200);
        assert!(
            asked.elapsed() < Duration::from_secs(1),
            "answered after {:?} with 8 slow clients open",
            asked.elapsed()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    // The slow ones are answered 408 when their time is up (3 s), not left open.
    let statuses: Vec<Option<u16>> = slow.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(
        statuses.iter().all(|s| *s == Some(408)),
        "slow clients were answered {statuses:?}"
    );
    let took = started.elapsed();
    assert!(took < Duration::from_secs(8), "cut off only after {took:?}");
}

#[test]
fn oversized_heads_are_refused_without_being_read() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let host = format!("Host: {}", server.addr);
    let before = peak_kb(&server);

    // A 20 MB header: answered 431, or the connection closed, long before it is all sent.
    let mut s = TcpStream::connect(&server.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(format!("GET /api/scenarios HTTP/1.1\r\n{host}\r\nX-Big: ").as_bytes())
        .unwrap();
    let chunk = vec![b'a'; 64 * 1024];
    let mut sent = 0usize;
    while sent < 20 << 20 {
        if s.write_all(&chunk).is_err() {
            break;
        }
        sent += chunk.len();
    }
    let mut reply = Vec::new();
    let _ = s.read_to_end(&mut reply);
    let text = String::from_utf8_lossy(&reply);
    assert!(
        sent < 20 << 20 || text.starts_with("HTTP/1.1 431"),
        "all of a 20 MB header was taken, and answered {:?}",
        text.lines().next()
    );
    if !reply.is_empty() {
        assert!(text.starts_with("HTTP/1.1 431"), "{text}");
    }
    if let (Some(before), Some(after)) = (before, peak_kb(&server)) {
        assert!(
            after < before + 8 * 1024,
            "peak memory rose from {before} kB to {after} kB"
        );
    }

    // A header line past the limit, and too many headers.
    let long = format!("X-Long: {}", "a".repeat(20_000));
    let r = with_headers(&server, "GET", "/api/scenarios", &[&host, &long], "");
    assert_eq!(r.status, 431, "{}", r.text());
    let many: Vec<String> = (0..70).map(|i| format!("X-{i}: 1")).collect();
    let mut headers: Vec<&str> = many.iter().map(String::as_str).collect();
    headers.push(&host);
    let r = with_headers(&server, "GET", "/api/scenarios", &headers, "");
    assert_eq!(r.status, 431, "{}", r.text());
    assert!(r.error().contains("more than 64 headers"), "{}", r.error());
    // Bodies must say how long they are, and not lie about being small.
    let r = raw(
        &server,
        format!(
            "POST /api/run HTTP/1.1\r\n{host}\r\nContent-Type: application/json\r\n\
             Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        )
        .as_bytes(),
    )
    .unwrap();
    assert_eq!(r.status, 411, "{}", r.text());
    let r = with_headers(
        &server,
        "POST",
        "/api/run",
        &[
            &host,
            "Content-Type: application/json",
            "Content-Length: 10",
        ],
        "",
    );
    assert_eq!(r.status, 400, "two different lengths: {}", r.text());

    assert_eq!(server.get("/api/scenarios").status, 200, "still serving");
}

#[test]
fn costly_requests_are_refused_before_they_are_queued() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let refused = |body: Value, key: &str, needle: &str| {
        let r = server.post("/api/run", &body.to_string());
        assert_eq!(r.status, 422, "{}", r.text());
        assert_eq!(r.json()["key"], key, "{}", r.text());
        assert!(
            r.error().contains(needle),
            "{needle:?} not in {}",
            r.error()
        );
    };
    // 50 residents with 5,000 new parks: a few resident-weeks, but the venues cost.
    refused(
        json!({"scenario": "baseline",
               "set": {"town.residents": 50, "time.years": 1, "time.warmup_weeks": 0},
               "events": [{"kind": "invest", "year": 2010, "venue_kind": "park",
                           "ward": "Pithead", "count": 5000}]}),
        "events[0].count",
        "at most 2000",
    );
    refused(
        json!({"scenario": "baseline", "set": {"venues.pub.count": 5000}}),
        "venues.pub.count",
        "at most 2000",
    );
    refused(
        json!({"scenario": "baseline", "set": {"groups.count": 10000}}),
        "groups.count",
        "at most 2000",
    );
    let events: Vec<Value> = (0..51)
        .map(|_| json!({"kind": "pub_costs", "year": 2012, "change": 0.1}))
        .collect();
    refused(
        json!({"scenario": "baseline", "events": events}),
        "events",
        "at most 50",
    );
    refused(
        json!({"scenario": "baseline", "replicates": 4,
               "set": {"town.residents": 50000, "time.years": 30}}),
        "town.residents",
        "more work than this server takes on",
    );
    refused(
        json!({"scenario": "baseline",
               "set": {"town.residents": 20000, "residents.outings_per_week": 20,
                       "encounters.per_visit_at_capacity": 50}}),
        "town.residents",
        "for outings and encounters",
    );
    let runs = server.get("/api/runs").json();
    assert_eq!(runs["runs"], json!([]), "nothing was queued");
    let limits = server.get("/api/scenarios").json()["limits"].clone();
    assert_eq!(
        (
            &limits["venues"],
            &limits["groups"],
            &limits["events"],
            &limits["work"]
        ),
        (&json!(2000), &json!(2000), &json!(50), &json!(150e6))
    );
}

#[test]
fn a_runs_answer_is_bounded_and_many_readers_share_one_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    // As many new parks as allowed in a small town: as many openings logged, a large map.
    let job = server.run(&json!({
        "scenario": "baseline",
        "set": {"town.residents": 300, "time.years": 10, "time.warmup_weeks": 0},
        "scale_with_residents": false,
        "events": [{"kind": "invest", "year": 2010, "venue_kind": "park", "ward": "Pithead",
                    "count": 1972}]
    }));
    let result = &job["result"];
    let total = result["events_total"].as_u64().unwrap();
    assert!(total > 1972, "{total} events");
    assert_eq!(
        result["events"].as_array().unwrap().len(),
        400,
        "events listed"
    );
    assert_eq!(result["map"]["venues"].as_array().unwrap().len(), 2000);

    // 50 readers at once get the same bytes, and the server's memory does not grow with them.
    let id = job["id"].as_str().unwrap().to_string();
    let path = format!("/api/runs/{id}");
    let one = server.get(&path);
    assert_eq!(one.status, 200);
    let size = one.body.len();
    // Every worker thread has answered something before the peak is measured; then the peak
    // is reset to the memory in use (Linux), so that it measures the readers alone.
    std::thread::scope(|scope| {
        for _ in 0..50 {
            scope.spawn(|| assert_eq!(server.get("/api/runs").status, 200));
        }
    });
    let clear = format!("/proc/{}/clear_refs", server.child.id());
    let before = std::fs::write(clear, "5")
        .ok()
        .and_then(|()| peak_kb(&server));
    std::thread::scope(|scope| {
        let readers: Vec<_> = (0..50).map(|_| scope.spawn(|| server.get(&path))).collect();
        for r in readers {
            let r = r.join().unwrap();
            assert_eq!(r.status, 200, "{}", r.text());
            assert!(r.body == one.body, "a reader got other bytes");
        }
    });
    if let (Some(before), Some(after)) = (before, peak_kb(&server)) {
        // A copy of the answer per reader would be many times its size; the server keeps one.
        let grew = after.saturating_sub(before) * 1024;
        assert!(
            (grew as usize) < 2 * size,
            "peak memory grew by {grew} bytes for 50 readers of a {size}-byte answer"
        );
    }
}
