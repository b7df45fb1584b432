//! The default baseline in its first simulated year lands inside the ranges of docs/calibration.md's
//! calibration table (England survey figures for coalfield towns), read from `metrics.csv`
//! written by the real binary; and pubs close at about the rate ONS reports.

use crate::common::*;
use std::fs;

/// Mean of a town metric over the first year's 52 weeks, or its value in the last week.
fn first_year(rows: &[(u32, String, String, f64)], metric: &str, last_week: bool) -> f64 {
    let values: Vec<f64> = rows
        .iter()
        .filter(|(t, w, m, _)| *t < 52 && w == "all" && m == metric)
        .map(|r| r.3)
        .collect();
    assert_eq!(values.len(), 52, "{metric}");
    if last_week {
        values[51]
    } else {
        values.iter().sum::<f64>() / 52.0
    }
}

#[test]
fn first_year_matches_the_survey_figures() {
    let tmp = tempfile::tempdir().unwrap();
    // The baseline, cut to its first year: the model is causal, so the first year of a 1-year
    // run is the first year of the 15-year run (a test below checks exactly that).
    let text = cohesion::scenario::builtin("baseline").unwrap().toml;
    let one_year = text.replace("years = 15", "years = 1");
    assert_ne!(one_year, text, "baseline.toml sets years = 15");
    fs::write(tmp.path().join("first_year.toml"), &one_year).unwrap();
    let o = cohesion(tmp.path(), &["run", "first_year.toml", "--out", "run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = read_metrics(&tmp.path().join("run/metrics.csv"));
    let checks = [
        ("share_trusting", false, 0.30, 0.42),
        ("share_belonging", false, 0.60, 0.65),
        ("share_influence", false, 0.20, 0.27),
        ("neighbour_contact", false, 0.65, 0.80),
        ("participation_year", true, 0.34, 0.41),
        // Local-election turnout in coalfield councils (Barnsley 2024 to County Durham 2021).
        ("turnout_local", false, 0.24, 0.36),
        // Assumed level (ODD §7.16): 5-15% of adults.
        ("anti_system_support", false, 0.05, 0.15),
    ];
    let mut failures = Vec::new();
    for (metric, last, lo, hi) in checks {
        let v = first_year(&rows, metric, last);
        if !(lo..=hi).contains(&v) {
            failures.push(format!("{metric} = {v:.3}, wanted {lo}..{hi}"));
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}

#[test]
fn a_shorter_horizon_does_not_change_the_years_it_keeps() {
    use cohesion::{Scenario, Seeds};
    let mut long = Scenario::load("baseline").unwrap();
    long.town.residents = 1500;
    long.time.years = 3;
    let mut short = long.clone();
    short.time.years = 1;
    let a = cohesion::run::to_end(&long, Seeds::new(5));
    let b = cohesion::run::to_end(&short, Seeds::new(5));
    let first: Vec<_> = a
        .observations
        .0
        .iter()
        .filter(|o| o.tick < 52)
        .cloned()
        .collect();
    assert_eq!(first, b.observations.0);
}
