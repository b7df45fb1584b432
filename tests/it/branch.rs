//! `cohesion branch`: a finished run continued from the start of a year under changed levers.
//! A branch's rows before the fork are its parent's bytes and its rows after differ; a branch
//! of a branch shares its own parent's changed past; bad input is refused with status 2 and
//! leaves nothing behind.

use crate::common::{cohesion, stderr};
use std::fs;
use std::path::Path;

/// A small town over four years (2010-2013), with a closure in each of two years.
const PARENT: &str = r#"
name = "parent"

[time]
years = 4
warmup_weeks = 12

[town]
residents = 1200

[[events]]
kind = "close"
year = 2011
venue_kind = "library"
count = 1

[[events]]
kind = "close"
year = 2013
venue_kind = "community_centre"
count = 1
"#;

/// A lever that surely changes the town: a new library and a more open council from 2012.
const LIBRARY: &str = r#"
[council]
openness = 0.9

[[events]]
kind = "invest"
year = 2012
venue_kind = "library"
ward = "Pithead"
count = 2
funding_years = 5
"#;

/// A second lever, for a branch of the branch: a community centre opened in 2013.
const CENTRE: &str = r#"
name = "centre"

[[events]]
kind = "invest"
year = 2013
venue_kind = "community_centre"
ward = "Welfare Estate"
count = 1
funding_years = 3
"#;

/// Runs `cohesion ARGS` in `dir` and checks it succeeded.
fn ok(dir: &Path, args: &[&str]) {
    let out = cohesion(dir, args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
}

/// The rows of a CSV file (after its header) whose `year` column (the second) is before
/// `year`, and those from `year` on.
fn split_at_year(path: &Path, year: i32) -> (Vec<String>, Vec<String>) {
    let text = fs::read_to_string(path).unwrap();
    let rows = text.lines().skip(1).map(str::to_string);
    rows.partition(|l| l.split(',').nth(1).unwrap().parse::<i32>().unwrap() < year)
}

/// Writes the parent run into `dir/parent` and the changes files beside it.
fn parent(dir: &Path) {
    fs::write(dir.join("parent.toml"), PARENT).unwrap();
    fs::write(dir.join("library.toml"), LIBRARY).unwrap();
    fs::write(dir.join("centre.toml"), CENTRE).unwrap();
    ok(
        dir,
        &[
            "run",
            "parent.toml",
            "--seed",
            "7",
            "--out",
            "parent",
            "--threads",
            "1",
        ],
    );
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn a_branch_shares_the_parents_bytes_before_the_fork_and_differs_after() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    parent(dir);
    let branch = [
        "branch",
        "parent",
        "--at",
        "2012",
        "--scenario",
        "library.toml",
    ];
    ok(
        dir,
        &[&branch[..], &["--out", "library", "--threads", "1"]].concat(),
    );
    for file in ["metrics.csv", "events.csv"] {
        let (p_before, p_after) = split_at_year(&dir.join("parent").join(file), 2012);
        let (b_before, b_after) = split_at_year(&dir.join("library").join(file), 2012);
        assert!(
            !p_before.is_empty(),
            "{file}: the parent has rows before 2012"
        );
        assert_eq!(p_before, b_before, "{file}: rows before the fork");
        assert_ne!(p_after, b_after, "{file}: rows from the fork on");
    }
    // The whole file's first 2012 row is where the two part: the past is a prefix of bytes.
    let p = fs::read_to_string(dir.join("parent/metrics.csv")).unwrap();
    let b = fs::read_to_string(dir.join("library/metrics.csv")).unwrap();
    let shared = p.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    let first_2012: usize = p
        .lines()
        .take_while(|l| l.split(',').nth(1) != Some("2012"))
        .map(|l| l.len() + 1)
        .sum();
    assert!(
        first_2012 <= shared && shared < p.len(),
        "{shared} bytes shared, 2012 starts at byte {first_2012} of {}",
        p.len()
    );
    let (_, b_after) = split_at_year(&dir.join("library/events.csv"), 2012);
    assert!(
        b_after.iter().any(|l| l.contains(",2012,open,library-")),
        "the branch's new library opens in 2012: {b_after:?}"
    );
    // The manifest says where the branch came from; the seed and replicate are the parent's.
    let m = manifest(&dir.join("library"));
    let parent_m = manifest(&dir.join("parent"));
    assert_eq!(m["seed"], parent_m["seed"]);
    assert_eq!(m["replicate"], parent_m["replicate"]);
    assert_eq!(m["branch"]["year"], 2012);
    assert_eq!(m["branch"]["parent_dir"], "parent");
    assert_eq!(m["branch"]["changes"], LIBRARY);
    assert_eq!(m["branch"]["stages"].as_array().map(Vec::len), Some(2));
    assert_eq!(m["scenario_name"], "parent+library");
    assert!(
        parent_m.get("branch").is_none(),
        "a plain run has no branch"
    );
    let parent_bytes = fs::read(dir.join("parent/manifest.json")).unwrap();
    let sha = cohesion::scenario::hex(&<sha2::Sha256 as sha2::Digest>::digest(&parent_bytes));
    assert_eq!(m["branch"]["parent_manifest_sha256"], sha);
    // The same branch on two threads is the same bytes.
    ok(
        dir,
        &[&branch[..], &["--out", "library2", "--threads", "2"]].concat(),
    );
    for file in ["metrics.csv", "events.csv", "scenario.toml"] {
        assert_eq!(
            fs::read(dir.join("library").join(file)).unwrap(),
            fs::read(dir.join("library2").join(file)).unwrap(),
            "{file}"
        );
    }
}

#[test]
fn a_branch_of_a_branch_shares_its_parents_changed_past() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    parent(dir);
    let branch = |from: &str, at: &str, changes: &str, out: &str| {
        ok(
            dir,
            &[
                "branch",
                from,
                "--at",
                at,
                "--scenario",
                changes,
                "--out",
                out,
                "--threads",
                "1",
            ],
        )
    };
    branch("parent", "2012", "library.toml", "library");
    branch("library", "2013", "centre.toml", "both");
    let metrics = |run: &str, year| split_at_year(&dir.join(run).join("metrics.csv"), year);
    let (lib_before, lib_after) = metrics("library", 2013);
    let (both_before, both_after) = metrics("both", 2013);
    assert_eq!(
        lib_before, both_before,
        "the branch's 2010-2012 are its parent's"
    );
    assert_ne!(lib_after, both_after, "and 2013 differs");
    // Its 2012 is the first branch's, not the original run's.
    let (_, parent_2012_on) = metrics("parent", 2012);
    let (_, lib_2012_on) = metrics("library", 2012);
    let (_, both_2012_on) = metrics("both", 2012);
    assert_ne!(parent_2012_on[..100], lib_2012_on[..100]);
    assert_eq!(lib_2012_on[..100], both_2012_on[..100]);
    let (_, events) = split_at_year(&dir.join("both/events.csv"), 2013);
    assert!(
        events
            .iter()
            .any(|l| l.contains(",2013,open,community-centre-")),
        "{events:?}"
    );
    let m = manifest(&dir.join("both"));
    assert_eq!(m["scenario_name"], "centre");
    let years: Vec<&serde_json::Value> = m["branch"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["from_year"])
        .collect();
    assert_eq!(
        years,
        [&serde_json::Value::Null, &2012.into(), &2013.into()]
    );
    // Forking the first branch at its own fork year keeps its changes: with the centre opening
    // in 2013 either way, the two are the same run.
    branch("library", "2012", "centre.toml", "both_2012");
    assert_eq!(
        fs::read(dir.join("both/metrics.csv")).unwrap(),
        fs::read(dir.join("both_2012/metrics.csv")).unwrap()
    );
}

#[test]
fn bad_input_is_refused_with_status_2_and_nothing_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    parent(dir);
    let refused = |args: &[&str], says: &str| {
        let out = cohesion(dir, args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!dir.join("out").exists(), "{args:?} wrote its output");
        let left: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(left.is_empty(), "{args:?} left {left:?}");
    };
    let args = |at: &'static str, changes: &'static str| {
        vec![
            "branch",
            "parent",
            "--at",
            at,
            "--scenario",
            changes,
            "--out",
            "out",
        ]
    };
    refused(
        &args("2009", "library.toml"),
        "--at 2009 is outside the years",
    );
    refused(&args("2014", "library.toml"), "(2010–2013)");
    refused(
        &args("2013", "library.toml"),
        "library.toml:7: key `events[0].year`: 2012 is before the fork year 2013",
    );
    fs::write(dir.join("town.toml"), "[town]\nresidents = 500\n").unwrap();
    refused(&args("2012", "town.toml"), "town.toml:1: key `town`");
    fs::write(dir.join("typo.toml"), "[council]\nopeness = 0.5\n").unwrap();
    refused(&args("2012", "typo.toml"), "typo.toml:2");
    refused(&args("2012", "missing.toml"), "missing.toml");
    refused(
        &[
            &args("2012", "library.toml")[..],
            &["--set", "town.residents=500"],
        ]
        .concat(),
        "--set `town.residents=500`",
    );
    let mut inside = args("2012", "library.toml");
    inside[7] = "parent/out";
    refused(&inside, "inside the parent run");
    assert!(!dir.join("parent/out").exists());
    // Not a run: an empty folder.
    fs::create_dir(dir.join("empty")).unwrap();
    let mut not_a_run = args("2012", "library.toml");
    not_a_run[1] = "empty";
    refused(&not_a_run, "manifest.json");
    // A parent whose past was edited is not branched from another past.
    copy_dir(&dir.join("parent"), &dir.join("edited"));
    let metrics = dir.join("edited/metrics.csv");
    let text = fs::read_to_string(&metrics).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[3] = lines[3]
        .rsplit_once(',')
        .map(|(a, _)| format!("{a},0.5"))
        .unwrap();
    fs::write(&metrics, lines.join("\n") + "\n").unwrap();
    let mut edited = args("2012", "library.toml");
    edited[1] = "edited";
    refused(&edited, "first difference at line 4");
    // An existing output is never replaced without --force.
    ok(dir, &args("2012", "library.toml"));
    let before = fs::read(dir.join("out/manifest.json")).unwrap();
    let out = cohesion(dir, &args("2012", "centre.toml"));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(fs::read(dir.join("out/manifest.json")).unwrap(), before);
    ok(
        dir,
        &[&args("2012", "centre.toml")[..], &["--force"]].concat(),
    );
    assert_ne!(fs::read(dir.join("out/manifest.json")).unwrap(), before);
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn compare_sets_branches_side_by_side_from_the_shared_past() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    parent(dir);
    ok(
        dir,
        &[
            "compare",
            "parent.toml",
            "library.toml",
            "--branch-at",
            "2012",
            "--replicates",
            "2",
            "--seed",
            "7",
            "--out",
            "cmp",
        ],
    );
    // runs.csv: scenario,replicate,tick,year,week,metric,value.
    let text = fs::read_to_string(dir.join("cmp/runs.csv")).unwrap();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let series = |scenario: &str, replicate: &str| -> Vec<(i32, String)> {
        rows.iter()
            .filter(|f| f[0] == scenario && f[1] == replicate)
            .map(|f| (f[3].parse().unwrap(), format!("{},{},{}", f[2], f[5], f[6])))
            .collect()
    };
    for r in ["0", "1"] {
        let (before, after): (Vec<_>, Vec<_>) = series("parent", r)
            .into_iter()
            .partition(|(y, _)| *y < 2012);
        let (b_before, b_after): (Vec<_>, Vec<_>) = series("parent+library", r)
            .into_iter()
            .partition(|(y, _)| *y < 2012);
        assert!(!before.is_empty());
        assert_eq!(before, b_before, "replicate {r} before the fork");
        assert_ne!(after, b_after, "replicate {r} from the fork on");
    }
    // Replicate 1 of the branch is `cohesion branch` of replicate 1 of the run.
    ok(
        dir,
        &[
            "run",
            "parent.toml",
            "--seed",
            "7",
            "--replicate",
            "1",
            "--out",
            "r1",
        ],
    );
    ok(
        dir,
        &[
            "branch",
            "r1",
            "--at",
            "2012",
            "--scenario",
            "library.toml",
            "--out",
            "b1",
        ],
    );
    let metrics = fs::read_to_string(dir.join("b1/metrics.csv")).unwrap();
    let town: Vec<(i32, String)> = metrics
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[3] == "all")
        .map(|f| (f[1].parse().unwrap(), format!("{},{},{}", f[0], f[4], f[5])))
        .collect();
    let mut from_compare = series("parent+library", "1");
    let mut town = town;
    from_compare.sort();
    town.sort();
    assert_eq!(from_compare, town);
    let m = manifest(&dir.join("cmp"));
    assert_eq!(m["branch_at"], 2012);
    let out = cohesion(
        dir,
        &[
            "compare",
            "parent.toml",
            "library.toml",
            "--branch-at",
            "2020",
            "--out",
            "bad",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--branch-at 2020 is outside"));
    assert!(!dir.join("bad").exists());
}
