//! `cohesion compare` through the real binary: the same bytes on any number of threads, the
//! documented seed rule, tidy summaries, a self-contained report, and clear refusals.

use crate::common::*;
use std::fs;
use std::path::Path;

/// `small.toml` and a copy in which two parks close, both 2 years long, written into `dir`.
fn scenarios(dir: &Path) {
    let small = SMALL.replace("years = 3", "years = 2");
    fs::write(dir.join("small.toml"), &small).unwrap();
    let closures = small.replace("name = \"small\"", "name = \"small_pubs\"")
        + "\n[[events]]\nkind = \"close\"\nyear = 2010\nweek = 30\nvenue_kind = \"park\"\ncount = 2\n";
    fs::write(dir.join("small_pubs.toml"), closures).unwrap();
}

fn compare(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "compare",
        "small.toml",
        "small_pubs.toml",
        "--replicates",
        "3",
    ];
    args.extend_from_slice(extra);
    cohesion(dir, &args)
}

/// Every file of a comparison but timings.json, by relative path.
fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let name = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                if name != "timings.json" {
                    out.push((name, fs::read(&path).unwrap()));
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn same_bytes_on_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    scenarios(tmp.path());
    let one = compare(
        tmp.path(),
        &["--seed", "1", "--threads", "1", "--out", "one"],
    );
    assert!(one.status.success(), "{}", stderr(&one));
    let two = compare(
        tmp.path(),
        &["--seed", "1", "--threads", "2", "--out", "two"],
    );
    assert!(two.status.success(), "{}", stderr(&two));
    let (a, b) = (
        files_of(&tmp.path().join("one")),
        files_of(&tmp.path().join("two")),
    );
    let names: Vec<&str> = a.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "summary.csv",
        "effects.csv",
        "runs.csv",
        "wards.csv",
        "events.csv",
        "report.html",
        "manifest.json",
        "scenarios/small.toml",
        "scenarios/small_pubs.toml",
        "charts/belonging.png",
        "charts/belonging.svg",
        "charts/venues_open.png",
        "charts/map.png",
        "charts/map.svg",
    ] {
        assert!(names.contains(&expected), "{expected} missing: {names:?}");
    }
    assert_eq!(a.len(), b.len());
    for ((name, x), (other, y)) in a.iter().zip(&b) {
        assert_eq!(name, other);
        assert!(x == y, "{name} differs between 1 and 2 threads");
    }

    let seed2 = compare(tmp.path(), &["--seed", "2", "--out", "seed2"]);
    assert!(seed2.status.success(), "{}", stderr(&seed2));
    let summary = |d: &str| fs::read(tmp.path().join(d).join("summary.csv")).unwrap();
    assert_ne!(summary("one"), summary("seed2"), "the seed must matter");
}

#[test]
fn summaries_are_tidy_and_replicates_follow_the_seed_rule() {
    let tmp = tempfile::tempdir().unwrap();
    scenarios(tmp.path());
    let out = compare(
        tmp.path(),
        &["--seed", "5", "--out", "cmp", "--effects-year", "2010"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = tmp.path().join("cmp");

    let summary = fs::read_to_string(dir.join("summary.csv")).unwrap();
    let mut lines = summary.lines();
    assert_eq!(
        lines.next(),
        Some("scenario,metric,tick,year,mean,sd,ci_low,ci_high,n")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(
        rows.len(),
        2 * 30 * 104,
        "2 scenarios × 30 metrics × 104 weeks"
    );
    for r in &rows {
        assert_eq!(r.len(), 9);
        assert_eq!(r[8], "3");
        let (mean, lo, hi): (f64, f64, f64) = (
            r[4].parse().unwrap(),
            r[6].parse().unwrap(),
            r[7].parse().unwrap(),
        );
        assert!(lo <= mean && mean <= hi, "{r:?}");
    }

    let effects = fs::read_to_string(dir.join("effects.csv")).unwrap();
    let mut lines = effects.lines();
    assert_eq!(
        lines.next(),
        Some("scenario,metric,year,reference,mean,reference_mean,diff,ci_low,ci_high,n")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let headline = cohesion::metrics::headline().count();
    assert_eq!(
        rows.len(),
        headline * 2,
        "each headline metric at 2010 and 2011"
    );
    for r in &rows {
        assert_eq!((r[0], r[3], r[9]), ("small_pubs", "small", "3"));
        let (mean, reference, diff): (f64, f64, f64) = (
            r[4].parse().unwrap(),
            r[5].parse().unwrap(),
            r[6].parse().unwrap(),
        );
        assert!((mean - reference - diff).abs() < 2e-6, "{r:?}");
    }
    let venues = rows
        .iter()
        .find(|r| r[1] == "venues_open" && r[2] == "2011")
        .unwrap();
    // Two parks closed; pubs trade on the custom that moves with them, so a pub may close too.
    let fewer = venues[6].parse::<f64>().unwrap();
    assert!(
        (-4.0..=-2.0).contains(&fewer),
        "two parks closed, and perhaps a pub: {venues:?}"
    );

    // Replicate 2 of the comparison is `cohesion run --seed 5 --replicate 2`, to the byte.
    let single = cohesion(
        tmp.path(),
        &[
            "run",
            "small_pubs.toml",
            "--seed",
            "5",
            "--replicate",
            "2",
            "--out",
            "single",
        ],
    );
    assert!(single.status.success(), "{}", stderr(&single));
    let metrics = read_metrics(&tmp.path().join("single/metrics.csv"));
    let runs = fs::read_to_string(dir.join("runs.csv")).unwrap();
    let mut compared = 0;
    for line in runs.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[0] != "small_pubs" || f[1] != "2" || f[5] != "belonging" {
            continue;
        }
        let tick: u32 = f[2].parse().unwrap();
        let value = metrics
            .iter()
            .find(|m| m.0 == tick && m.1 == "all" && m.2 == "belonging")
            .unwrap()
            .3;
        assert_eq!(f[6].parse::<f64>().unwrap(), value, "tick {tick}");
        compared += 1;
    }
    assert_eq!(compared, 104);
}

#[test]
fn the_report_is_self_contained() {
    let tmp = tempfile::tempdir().unwrap();
    scenarios(tmp.path());
    let out = compare(tmp.path(), &["--out", "cmp"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = fs::read_to_string(tmp.path().join("cmp/report.html")).unwrap();
    assert!(report.starts_with("<!DOCTYPE html>"));
    assert!(report.trim_end().ends_with("</html>"));
    let lower = report.to_lowercase();
    for fetches in [
        "<script", "<link", "<img", "<iframe", "<object", "@import", "url(",
    ] {
        assert!(
            !lower.contains(fetches),
            "the report must not use {fetches}"
        );
    }
    for attr in ["src=", "href="] {
        assert!(
            !lower.contains(&format!("{attr}\"http"))
                && !lower.contains(&format!("{attr}'http"))
                && !lower.contains(&format!("{attr}\"//")),
            "the report must not fetch anything through {attr}"
        );
    }
    // One chart per headline metric and the town map inline, every scenario described, the
    // reproducing command in the footer.
    assert_eq!(
        report.matches("<svg ").count(),
        cohesion::metrics::headline().count() + 1
    );
    assert!(report.contains("The town map"));
    assert!(report.contains("small_pubs"));
    assert!(
        report.contains("cohesion compare small.toml small_pubs.toml --replicates 3 --seed 42")
    );
    assert!(report.contains("2 of the town's parks close"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("report.html"), "{stdout}");

    // Each scenario's interventions are marked on its own line, in its colour: the library's
    // closure in 2011 on both (blue for small, vermillion for small_pubs), the parks' closure
    // in 2010 on small_pubs' alone. The legend states the effect against the reference.
    let svg = fs::read_to_string(tmp.path().join("cmp/charts/belonging.svg")).unwrap();
    let labels: Vec<&str> = svg
        .split("<text")
        .skip(1)
        .filter(|t| {
            t.split('>')
                .nth(1)
                .is_some_and(|body| body.trim().starts_with("close"))
        })
        .collect();
    let in_colour = |c: &str| {
        labels
            .iter()
            .filter(|t| {
                t.split('>')
                    .next()
                    .unwrap_or("")
                    .contains(&format!("fill=\"{c}\""))
            })
            .count()
    };
    assert_eq!(labels.len(), 3, "three closure labels: {labels:?}");
    assert_eq!(in_colour("#0072B2"), 1, "small has one closure: {labels:?}");
    assert_eq!(in_colour("#D55E00"), 2, "small_pubs has two: {labels:?}");
    assert!(svg.contains("points of 100"), "no effect in the legend");
    assert!(
        svg.contains("vs small, 2011"),
        "no reference and year in the legend"
    );
}

/// Runs `args`, expects exit 2 with a message containing `needle`, and nothing written.
fn refused(dir: &Path, args: &[&str], needle: &str) {
    let out = cohesion(dir, args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(needle), "{args:?}: {err}");
    assert!(!dir.join("bad").exists(), "{args:?} wrote bad/");
    assert!(!dir.join("outputs").exists(), "{args:?} wrote outputs/");
}

#[test]
fn bad_comparisons_are_refused_before_anything_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    scenarios(dir);
    refused(
        dir,
        &["compare", "small.toml", "nowhere.toml", "--out", "bad"],
        "nowhere.toml",
    );
    fs::write(
        dir.join("longer.toml"),
        SMALL.replace("name = \"small\"", "name = \"longer\""),
    )
    .unwrap();
    refused(
        dir,
        &["compare", "small.toml", "longer.toml", "--out", "bad"],
        "same years",
    );
    refused(
        dir,
        &["compare", "small.toml", "small.toml", "--out", "bad"],
        "named twice",
    );
    refused(
        dir,
        &[
            "compare",
            "small.toml",
            "--effects-year",
            "2030",
            "--out",
            "bad",
        ],
        "--effects-year 2030",
    );
    refused(
        dir,
        &["compare", "small.toml", "--replicates", "0", "--out", "bad"],
        "--replicates",
    );
    fs::create_dir(dir.join("taken")).unwrap();
    fs::write(dir.join("taken/results.csv"), "mine").unwrap();
    let out = cohesion(dir, &["compare", "small.toml", "--out", "taken"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--force"));
    assert_eq!(
        fs::read_to_string(dir.join("taken/results.csv")).unwrap(),
        "mine"
    );
}
