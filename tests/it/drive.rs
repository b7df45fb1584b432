//! Driving the model from the command line: `--set KEY=VALUE` changes a parameter as a sweep's
//! `[set]` would (the written scenario.toml has the value; a bad key or value exits 2 naming
//! it, with nothing written), and `--json` prints one line of outcomes that parses.

use crate::common::{SMALL, cohesion, stderr};
use std::fs;

fn small(dir: &std::path::Path, name: &str) -> String {
    let path = dir.join(format!("{name}.toml"));
    fs::write(
        &path,
        SMALL.replace("name = \"small\"", &format!("name = \"{name}\"")),
    )
    .unwrap();
    path.display().to_string()
}

#[test]
fn set_reaches_the_written_scenario_and_json_parses() {
    let tmp = tempfile::tempdir().unwrap();
    let file = small(tmp.path(), "small");
    let out = cohesion(
        tmp.path(),
        &[
            "run",
            &file,
            "--out",
            "r",
            "--json",
            "--set",
            "council.openness=0.61",
            "--set",
            "time.years=2",
            "--set",
            "events.close.year=2010",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "one line: {stdout}");
    let line: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(line["scenario"], "small");
    assert_eq!(line["year"], 2011);
    for metric in cohesion::metrics::headline() {
        let v = line["outcomes"][metric.name].as_f64();
        assert!(v.is_some_and(f64::is_finite), "{}: {line}", metric.name);
    }
    let written: toml::Table = fs::read_to_string(tmp.path().join("r/scenario.toml"))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(written["council"]["openness"].as_float(), Some(0.61));
    assert_eq!(written["time"]["years"].as_integer(), Some(2));
    assert_eq!(written["events"][0]["year"].as_integer(), Some(2010));
    // The value written is the one the outcomes came from: a run of the written file agrees.
    let again = cohesion(
        tmp.path(),
        &["run", "r/scenario.toml", "--out", "again", "--json"],
    );
    let again: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["outcomes"], line["outcomes"]);
}

#[test]
fn a_bad_set_exits_2_naming_the_key_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let file = small(tmp.path(), "small");
    for (set, says) in [
        ("council.opennness=0.5", "did you mean `openness`"),
        ("time.years=1.5", "whole numbers"),
        ("council.openness=2", "council.openness"),
        ("council.openness=high", "neither a number"),
        ("council.openness", "KEY=VALUE"),
    ] {
        let key = set.split('=').next().unwrap();
        for command in ["run", "compare"] {
            let out = cohesion(
                tmp.path(),
                &[command, &file, "--out", "never", "--set", set],
            );
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{command} --set {set}: {err}");
            assert!(err.contains(&format!("`{key}")), "names the key: {err}");
            assert!(err.contains(says), "{set}: {err}");
            assert!(!tmp.path().join("never").exists());
        }
    }
}

#[test]
fn compare_applies_set_to_every_scenario_and_prints_json() {
    let tmp = tempfile::tempdir().unwrap();
    let a = small(tmp.path(), "a");
    let b = small(tmp.path(), "b");
    let out = cohesion(
        tmp.path(),
        &[
            "compare",
            &a,
            &b,
            "--replicates",
            "2",
            "--out",
            "c",
            "--json",
            "--set",
            "time.years=2",
            "--set",
            "council.openness=0.4",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["reference"], "a");
    assert_eq!(line["year"], 2011);
    let scenarios = line["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 2);
    assert!(scenarios[0]["outcomes"]["belonging"].is_f64());
    // The same town twice: every paired effect is zero.
    assert_eq!(
        scenarios[1]["effects"]["belonging"]["diff"].as_f64(),
        Some(0.0)
    );
    let written: toml::Table = fs::read_to_string(tmp.path().join("c/scenarios/b.toml"))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(written["council"]["openness"].as_float(), Some(0.4));
}

#[test]
fn set_residents_rescales_counts_written_for_a_town_size() {
    let tmp = tempfile::tempdir().unwrap();
    // Counts written for 12,000 residents, in a town of 12,000: the default town's 14 pubs.
    let file = tmp.path().join("sized.toml");
    fs::write(
        &file,
        "name = \"sized\"\n[time]\nyears = 1\nwarmup_weeks = 4\n[town]\nresidents = 12000\n\
         counts_for_residents = 12000\n",
    )
    .unwrap();
    let file = file.display().to_string();
    let pubs = |dir: &str| -> (i64, i64) {
        let t: toml::Table = fs::read_to_string(tmp.path().join(dir).join("scenario.toml"))
            .unwrap()
            .parse()
            .unwrap();
        (
            t["venues"]["pub"]["count"].as_integer().unwrap(),
            t["groups"]["count"].as_integer().unwrap(),
        )
    };
    let run = |args: &[&str]| {
        let out = cohesion(tmp.path(), args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    };
    run(&["run", &file, "--out", "full"]);
    assert_eq!(pubs("full"), (14, 20));
    // `--set town.residents` scales them to the smaller town, as the file's own residents would.
    run(&[
        "run",
        &file,
        "--out",
        "small",
        "--set",
        "town.residents=3000",
    ]);
    assert_eq!(pubs("small"), (4, 5));
    // A built-in without the key keeps its counts, unless the key is set with the residents.
    run(&[
        "run",
        "baseline",
        "--out",
        "kept",
        "--set",
        "town.residents=3000",
        "--set",
        "time.years=1",
    ]);
    assert_eq!(pubs("kept"), (14, 20));
    run(&[
        "run",
        "baseline",
        "--out",
        "scaled",
        "--set",
        "town.residents=3000",
        "--set",
        "town.counts_for_residents=12000",
        "--set",
        "time.years=1",
    ]);
    assert_eq!(pubs("scaled"), (4, 5));
}
