//! Helpers for driving the real `cohesion` binary.

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
