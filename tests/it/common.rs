//! Helpers for driving the real `cohesion` binary.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary under test, built by cargo for this test run.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cohesion"))
}

/// Runs `cohesion ARGS` in `cwd`, with stderr not a terminal (plain progress lines).
pub fn cohesion(cwd: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the cohesion binary runs")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A small town for quick end-to-end runs: 1,500 residents, 3 years, with a library closure.
pub const SMALL: &str = r#"
name = "small"
description = "A small town for tests."

[time]
years = 3
warmup_weeks = 20

[town]
residents = 1500

[[events]]
kind = "close"
year = 2011
venue_kind = "library"
count = 1
"#;

/// Parses metrics.csv into (tick, ward, metric, value) rows, checking the header.
pub fn read_metrics(path: &Path) -> Vec<(u32, String, String, f64)> {
    let text = std::fs::read_to_string(path).expect("metrics.csv exists");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("tick,year,week,ward,metric,value"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 6, "row {l}");
            (
                f[0].parse().unwrap(),
                f[3].to_string(),
                f[4].to_string(),
                f[5].parse().unwrap(),
            )
        })
        .collect()
}

/// A tiny town that runs in a fraction of a second: 300 residents, 1 year, 5 weeks' warm-up.
pub const TINY: &str = r#"
name = "tiny"

[time]
years = 1
warmup_weeks = 5

[town]
residents = 300
"#;

/// A town that takes tens of seconds: a command that is refused "before any work" must end
/// long before this could have run.
pub const SLOW: &str = r#"
name = "slow"

[time]
years = 40
warmup_weeks = 52

[town]
residents = 5000
"#;

/// Runs `cohesion ARGS` in `cwd` with extra environment variables.
pub fn cohesion_env(cwd: &Path, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(bin());
    cmd.args(args).current_dir(cwd);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the cohesion binary runs")
}

/// The names in `dir`, hidden ones included, sorted.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Parses CSV text per RFC 4180 (quoted fields may hold commas, quotes doubled, line breaks)
/// into rows of fields.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => panic!("a bare carriage return outside quotes in CSV"),
            (false, '"') => panic!("a quote inside an unquoted CSV field"),
            (false, c) => field.push(c),
        }
    }
    assert!(!quoted, "CSV ends inside a quoted field");
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// Checks `property` on `cases` random inputs, each drawn from its own ChaCha8 stream (seeded by
/// the case's number), so that every run of the suite checks the same cases. A failing case
/// is named with its number; `property` draws what it needs from the stream it is given.
pub fn for_random_cases(cases: u64, property: impl Fn(&mut ChaCha8Rng)) {
    for case in 0..cases {
        let mut rng = ChaCha8Rng::seed_from_u64(case);
        if let Err(e) = catch_unwind(AssertUnwindSafe(|| property(&mut rng))) {
            let why = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("case {case} of {cases} fails: {why}");
        }
    }
}
