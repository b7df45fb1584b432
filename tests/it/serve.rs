//! Seminar mode's HTTP API, through the real binary: `cohesion serve --port 0` is started, and
//! requests are made to it as the page (or a curious student) would make them.
//!
//! A run made through the API and downloaded must reproduce byte for byte with `cohesion run`
//! (one replicate) or `cohesion compare` (several); every class of bad request must get a 4xx
//! with a message naming what was wrong; and the server must keep answering afterwards.

use crate::common::{bin, cohesion, stderr};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `cohesion serve`, stopped (by its own pid) when dropped.
pub(crate) struct Server {
    pub(crate) child: Child,
    /// `127.0.0.1:PORT`.
    pub(crate) addr: String,
}

impl Server {
    pub(crate) fn start(tmp: &Path) -> Server {
        Server::start_with(tmp, &[])
    }

    /// Starts `cohesion serve --port 0 ARGS`.
    pub(crate) fn start_with(tmp: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(bin())
            .args(["serve", "--port", "0"])
            .args(args)
            .current_dir(tmp)
            .env("TMPDIR", tmp)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("cohesion serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the server prints its address");
        let url = line
            .trim()
            .strip_prefix("cohesion serve: listening on ")
            .unwrap_or_else(|| panic!("first line names the address: {line:?}"));
        let addr = url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        if args.is_empty() {
            assert!(
                addr.starts_with("127.0.0.1:"),
                "loopback by default: {addr}"
            );
        }
        Server { child, addr }
    }

    /// The port listened on.
    pub(crate) fn port(&self) -> &str {
        self.addr.rsplit(':').next().unwrap_or("")
    }

    /// One request; returns (status, headers in lower case, body).
    pub(crate) fn request(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        host: Option<&str>,
    ) -> Reply {
        let mut stream = TcpStream::connect(&self.addr).expect("connects");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            host.unwrap_or(&self.addr),
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("a reply");
        Reply::parse(&raw)
    }

    pub(crate) fn get(&self, path: &str) -> Reply {
        self.request("GET", path, b"", None)
    }

    pub(crate) fn post(&self, path: &str, body: &str) -> Reply {
        self.request("POST", path, body.as_bytes(), None)
    }

    /// Submits a run and waits for it to finish; returns the finished job.
    pub(crate) fn run(&self, request: &Value) -> Value {
        let reply = self.post("/api/run", &request.to_string());
        assert_eq!(reply.status, 202, "{}", reply.text());
        let id = reply.json()["id"].as_str().unwrap().to_string();
        let started = Instant::now();
        loop {
            let job = self.get(&format!("/api/runs/{id}")).json();
            match job["status"].as_str() {
                Some("done") => return job,
                Some("failed") => panic!("the run failed: {job}"),
                _ => {}
            }
            assert!(
                started.elapsed() < Duration::from_secs(300),
                "run {id} never finished"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    pub(crate) fn parse(raw: &[u8]) -> Reply {
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a header");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let mut body = raw[split + 4..].to_vec();
        let chunked = headers
            .iter()
            .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
        if chunked {
            body = unchunk(&body);
        }
        Reply {
            status,
            headers,
            body,
        }
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The error message of a refused request, checking that it is JSON with an `error`.
    pub(crate) fn error(&self) -> String {
        self.json()["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error message: {}", self.text()))
            .to_string()
    }
}

fn unchunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = body.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&body[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&body[end + 2..end + 2 + size]);
        body = &body[end + 4 + size..];
    }
}

/// A small, quick town: 800 residents over two years.
fn small(seed: u64, replicates: u32) -> Value {
    json!({
        "scenario": "austerity_2010",
        "set": {"town.residents": 800, "time.years": 2, "time.warmup_weeks": 8},
        "events": [
            {"kind": "austerity", "year": 2010, "years": 2, "cut_per_year": 0.08},
            {"kind": "invest", "year": 2011, "venue_kind": "library", "ward": "Pithead"}
        ],
        "seed": seed,
        "replicates": replicates,
    })
}

/// Downloads `name` of run `job` into `dir`, under the name the server suggests.
fn download(server: &Server, job: &Value, name: &str, dir: &Path) -> std::path::PathBuf {
    let id = job["id"].as_str().unwrap();
    let reply = server.get(&format!("/api/runs/{id}/files/{name}"));
    assert_eq!(reply.status, 200, "{name}: {}", reply.text());
    let entry = job["result"]["downloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not offered"));
    let file = entry["file"].as_str().unwrap();
    assert!(
        reply
            .header("content-disposition")
            .is_some_and(|d| d.contains(file)),
        "saved as {file}"
    );
    let path = dir.join(file);
    std::fs::write(&path, &reply.body).unwrap();
    path
}

#[test]
fn a_run_made_on_the_page_reproduces_with_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let page = server.get("/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Run the town"));
    let policy = page.header("content-security-policy").unwrap_or("");
    assert!(policy.contains("default-src 'none'") && policy.contains("script-src 'self'"));
    assert_eq!(server.get("/app.js").status, 200);

    let job = server.run(&small(7, 1));
    let result = &job["result"];
    assert!(job["label"].as_str().unwrap().contains("austerity_2010"));
    assert_eq!(
        result["series"]["belonging"]["mean"]
            .as_array()
            .unwrap()
            .len(),
        104
    );
    assert_eq!(result["map"]["wards"].as_array().unwrap().len(), 6);
    assert_eq!(result["map"]["states"].as_array().unwrap().len(), 3);
    let command = result["command"].as_str().unwrap().to_string();
    assert!(command.starts_with("cohesion run austerity_2010-") && command.ends_with(" --seed 7"));

    let got = tmp.path().join("downloaded");
    std::fs::create_dir(&got).unwrap();
    let scenario = download(&server, &job, "scenario.toml", &got);
    let names = ["metrics.csv", "events.csv", "manifest.json"];
    let files: Vec<_> = names
        .iter()
        .map(|n| download(&server, &job, n, &got))
        .collect();
    download(&server, &job, "map.png", &got);

    // Exactly the command the page shows, run in the folder the downloads went to.
    let words: Vec<&str> = command.split(' ').skip(1).collect();
    let mut args = words.clone();
    args.extend(["--out", "again"]);
    let out = cohesion(&got, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(scenario.is_file());
    for (name, file) in names.iter().zip(&files) {
        let a = std::fs::read(file).unwrap();
        let b = std::fs::read(got.join("again").join(name)).unwrap();
        assert!(a == b, "{name} differs from the CLI's");
    }

    // Several replicates are a comparison, and reproduce with `cohesion compare`.
    let job = server.run(&small(3, 2));
    let result = &job["result"];
    assert!(result["series"]["trust"]["low"].is_array(), "intervals");
    let command = result["command"].as_str().unwrap().to_string();
    assert!(
        command.starts_with("cohesion compare ") && command.ends_with("--replicates 2 --seed 3")
    );
    download(&server, &job, "scenario.toml", &got);
    let summary = download(&server, &job, "summary.csv", &got);
    let report = download(&server, &job, "report.html", &got);
    let text = std::fs::read_to_string(report).unwrap();
    assert!(text.contains(&command));
    // A run of one scenario is told as one, and points only at files the server offers.
    assert!(text.contains("One future for a former pit town"));
    for said in ["futures", "differences between", "effects.csv"] {
        assert!(!text.contains(said), "the server's report says {said:?}");
    }
    let mut args: Vec<&str> = command.split(' ').skip(1).collect();
    args.extend(["--out", "compared"]);
    let out = cohesion(&got, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        std::fs::read(summary).unwrap() == std::fs::read(got.join("compared/summary.csv")).unwrap(),
        "summary.csv differs from the CLI's"
    );
}

#[test]
fn bad_requests_get_a_4xx_and_a_clear_message_and_the_server_carries_on() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let refused = |reply: Reply, status: u16, needles: &[&str]| {
        assert_eq!(reply.status, status, "{}", reply.text());
        let message = reply.error();
        for needle in needles {
            assert!(message.contains(needle), "{needle:?} not in {message:?}");
        }
    };

    // Malformed JSON, and JSON that is not an object.
    refused(
        server.post("/api/run", "{\"scenario\": "),
        400,
        &["malformed JSON"],
    );
    refused(server.post("/api/run", "[1, 2]"), 400, &["one JSON object"]);
    // An unknown key of the request, and an unknown parameter.
    let r = server.post("/api/run", r#"{"scenario": "baseline", "colour": "red"}"#);
    assert_eq!(r.json()["key"], "colour");
    refused(r, 400, &["unknown field `colour`"]);
    let r = server.post(
        "/api/run",
        r#"{"scenario": "baseline", "set": {"council.opennness": 0.5}}"#,
    );
    assert_eq!(r.json()["key"], "set.council.opennness");
    refused(r, 422, &["unknown parameter", "did you mean `openness`"]);
    // Out-of-range values, named as the CLI names them.
    refused(
        server.post(
            "/api/run",
            r#"{"scenario": "baseline", "set": {"council.openness": 1.5}}"#,
        ),
        422,
        &["request: key `council.openness`: 1.5 is out of range: allowed a number from 0 to 1"],
    );
    refused(
        server.post(
            "/api/run",
            r#"{"scenario": "baseline", "events": [{"kind": "austerity", "year": 2012, "years": 3, "cut_per_year": 0.9}]}"#,
        ),
        422,
        &["events[0].cut_per_year", "out of range"],
    );
    refused(
        server.post(
            "/api/run",
            r#"{"scenario": "baseline", "events": [{"kind": "austerity", "year": 2040, "years": 3, "cut_per_year": 0.1}]}"#,
        ),
        422,
        &["events[0].year", "outside the run"],
    );
    // An oversized town, too many replicates, too much work.
    let r = server.post(
        "/api/run",
        r#"{"scenario": "baseline", "set": {"town.residents": 1000000}}"#,
    );
    assert_eq!(r.json()["key"], "town.residents");
    refused(r, 422, &["at most 50000"]);
    refused(
        server.post("/api/run", r#"{"scenario": "baseline", "replicates": 50}"#),
        422,
        &["replicates", "allowed 1 to 8"],
    );
    // A body too large to read.
    let big = format!(
        r#"{{"scenario": "baseline", "pad": "{}"}}"#,
        "x".repeat(70_000)
    );
    refused(server.post("/api/run", &big), 413, &["larger than"]);
    // File paths are not scenarios, and downloads are only the run's own.
    refused(
        server.post("/api/run", r#"{"scenario": "/etc/passwd"}"#),
        422,
        &["no built-in scenario"],
    );
    let job = server.run(&small(1, 1));
    let id = job["id"].as_str().unwrap();
    for path in [
        format!("/api/runs/{id}/files/../../../../etc/passwd"),
        format!("/api/runs/{id}/files/..%2F..%2F..%2Fetc%2Fpasswd"),
        format!("/api/runs/{id}/files/charts%2Fmap.png"),
        format!("/api/runs/{id}/files/timings.json"),
        "/api/runs/999/files/metrics.csv".to_string(),
    ] {
        let r = server.get(&path);
        assert_eq!(r.status, 404, "{path}: {}", r.text());
        assert!(!r.text().contains("root:"), "{path} leaked a file");
    }
    refused(server.get("/api/runs/999"), 404, &["no run 999"]);
    refused(server.get("/api/nothing"), 404, &["no such endpoint"]);
    refused(server.get("/api/run"), 405, &["POST only"]);
    refused(server.post("/api/scenarios", "{}"), 405, &["GET only"]);
    // A request addressed to another name (a page elsewhere pointing a name here).
    refused(
        server.request("GET", "/api/scenarios", b"", Some("evil.example:80")),
        403,
        &["localhost"],
    );

    // Too many runs at once: the fourth waiting or running run is refused.
    let busy = json!({"scenario": "baseline", "set": {"town.residents": 4000, "time.years": 3}});
    let statuses: Vec<u16> = (0..4)
        .map(|_| server.post("/api/run", &busy.to_string()).status)
        .collect();
    assert_eq!(&statuses[..3], &[202, 202, 202], "{statuses:?}");
    assert_eq!(statuses[3], 429, "{statuses:?}");

    // Still serving, and still running the model.
    let catalogue = server.get("/api/scenarios");
    assert_eq!(catalogue.status, 200);
    assert_eq!(catalogue.json()["limits"]["residents"], 50000);
    let runs = server.get("/api/runs").json();
    assert!(runs["runs"].as_array().unwrap().len() >= 4);
}

/// The pubs on a finished run's map.
fn pubs(job: &Value) -> usize {
    job["result"]["map"]["venues"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["kind"] == "pub")
        .count()
}

#[test]
fn a_small_town_from_the_api_has_a_small_towns_pubs_and_every_run_is_listed() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let town = |scale: bool| {
        json!({
            "scenario": "baseline",
            "set": {"town.residents": 3000, "time.years": 1, "time.warmup_weeks": 4},
            "scale_with_residents": scale,
        })
    };
    let scaled = server.run(&town(true));
    let kept = server.run(&town(false));
    let default_pubs = pubs(&kept);
    assert_eq!(
        default_pubs, 14,
        "the old behaviour keeps the default town's pubs"
    );
    let small = pubs(&scaled);
    assert!(
        (3..=5).contains(&small),
        "3,000 residents should have about a quarter of 14 pubs, not {small}"
    );
    assert!(scaled["label"].as_str().unwrap().contains("scaled"));

    // A run made without the page (as with curl) is listed for the page to show.
    let runs = server.get("/api/runs").json();
    let ids: Vec<&str> = runs["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![scaled["id"].as_str().unwrap(), kept["id"].as_str().unwrap()]
    );
    assert_eq!(runs["runs"][0]["status"], "done");
}

/// `runs.csv` of a comparison (scenario,replicate,tick,year,week,metric,value): scenario
/// `name`'s rows, split into those before `year` and those from `year` on.
fn split_runs(text: &str, name: &str, year: i32) -> (Vec<String>, Vec<String>) {
    text.lines()
        .skip(1)
        .filter(|l| l.split(',').next() == Some(name))
        .map(|l| {
            l.split_once(',')
                .map_or(String::new(), |(_, rest)| rest.to_string())
        })
        .partition(|rest| rest.split(',').nth(2).and_then(|y| y.parse::<i32>().ok()) < Some(year))
}

#[test]
fn a_fork_made_on_the_page_shares_the_past_differs_after_and_reproduces_with_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let request = json!({
        "scenario": "baseline",
        "set": {"town.residents": 1200, "time.years": 4, "time.warmup_weeks": 8},
        "seed": 11,
        "branch": {"at": 2012, "events": [
            {"kind": "invest", "year": 2012, "venue_kind": "library", "ward": "Pithead",
             "count": 2, "funding_years": 5}
        ]},
    });
    let job = server.run(&request);
    assert_eq!(job["fork_at"], 2012);
    assert!(
        job["label"]
            .as_str()
            .unwrap()
            .starts_with("forked in 2012: + invest"),
        "{}",
        job["label"]
    );
    let result = &job["result"];
    let fork = &result["fork"];
    assert_eq!(fork["year"], 2012);
    let from = fork["from_tick"].as_u64().unwrap() as usize;
    assert_eq!(from, 2 * 52 - 1, "the last week of 2011");

    // On the page: the branch in full, and the run forked from after the fork, meeting it at
    // the last shared week.
    for metric in ["trust", "belonging", "agency", "venues_open"] {
        let branch = result["series"][metric]["mean"].as_array().unwrap();
        let parent = fork["parent"]["series"][metric]["mean"].as_array().unwrap();
        assert_eq!(branch.len(), 4 * 52, "{metric}");
        assert_eq!(parent.len(), 4 * 52 - from, "{metric}");
        assert_eq!(branch[from], parent[0], "{metric} at the fork");
    }
    let venues = |s: &Value| {
        let last = s["venues_open"]["mean"].as_array().unwrap().last().cloned();
        last.and_then(|v| v.as_f64()).unwrap()
    };
    let (b, p) = (venues(&result["series"]), venues(&fork["parent"]["series"]));
    assert!(
        b > p,
        "the branch's new libraries are open in the end: {b} against {p}"
    );

    // In the data: every week before 2012 is the same bytes in both futures, and the weeks
    // from 2012 differ.
    let got = tmp.path().join("downloaded");
    std::fs::create_dir(&got).unwrap();
    let runs = download(&server, &job, "runs.csv", &got);
    let text = std::fs::read_to_string(&runs).unwrap();
    let parent_name = fork["parent"]["scenario"].as_str().unwrap();
    let branch_name = result["scenario"].as_str().unwrap();
    let (p_before, p_after) = split_runs(&text, parent_name, 2012);
    let (b_before, b_after) = split_runs(&text, branch_name, 2012);
    assert!(!p_before.is_empty() && !p_after.is_empty());
    assert_eq!(p_before, b_before, "the shared past");
    assert_eq!(p_after.len(), b_after.len());
    assert_ne!(p_after, b_after, "the futures part from 2012");

    // The command the page shows, run on the downloaded run and changes files, gives the
    // same bytes.
    download(&server, &job, "scenario.toml", &got);
    download(&server, &job, "changes.toml", &got);
    let summary = download(&server, &job, "summary.csv", &got);
    let command = result["command"].as_str().unwrap();
    assert!(
        command.starts_with("cohesion compare ") && command.contains(" --branch-at 2012 "),
        "{command}"
    );
    let mut args: Vec<&str> = command.split(' ').skip(1).collect();
    args.extend(["--out", "again"]);
    let out = cohesion(&got, &args);
    assert!(out.status.success(), "{command}: {}", stderr(&out));
    for (file, name) in [(&runs, "runs.csv"), (&summary, "summary.csv")] {
        assert!(
            std::fs::read(file).unwrap() == std::fs::read(got.join("again").join(name)).unwrap(),
            "{name} differs from the CLI's"
        );
    }

    // A fork year outside the run is refused, naming the key.
    let mut outside = request.clone();
    outside["branch"]["at"] = json!(2014);
    let reply = server.post("/api/run", &outside.to_string());
    assert_eq!(reply.status, 422, "{}", reply.text());
    assert_eq!(reply.json()["key"], "branch.at");
    assert!(reply.error().contains("outside the run's years 2010–2013"));
}
