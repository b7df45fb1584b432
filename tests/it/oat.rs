//! One-at-a-time sweeps end to end: the base point and every parameter moved alone, on two
//! scenarios with the same seeds; `oat.csv` with the moved value = factor × base;
//! `conclusions.csv` with each conclusion at every point; bad `[oat]` tables refused.

use crate::common::{cohesion, parse_csv, stderr};
use std::fs;

/// Two parameters at ×0.5 and ×1.5 on a small town over two years, on the baseline and on
/// austerity.
const TINY: &str = r#"
name = "tiny_oat"
base = "baseline"
replicates = 2
seed = 5

[set]
"town.residents" = 300
"time.years" = 2
"time.warmup_weeks" = 4

[oat]
factors = [0.5, 1.5]
scenarios = ["austerity_2010"]

[[axis]]
param = "belonging.local_ties_weight"

[[axis]]
param = "trust.prior_mean"

[[metric]]
name = "belonging"
summary = "final"

[[conclusion]]
name = "austerity lowers belonging"
metric = "belonging_final"
scenario = "austerity_2010"
against = "baseline"
holds = "lower"
"#;

#[test]
fn a_one_at_a_time_sweep_moves_each_parameter_alone_and_checks_its_conclusions() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(t.join("tiny.toml"), TINY).unwrap();
    let out = cohesion(t, &["sweep", "tiny.toml", "--out", "out"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = t.join("out");

    // Base + 2 parameters × 2 factors, on each of 2 scenarios.
    let points = parse_csv(&fs::read_to_string(dir.join("points.csv")).unwrap());
    assert_eq!(points.len() - 1, 2 * (1 + 2 * 2), "{points:?}");
    let p1 = fs::read_to_string(dir.join("points/p0001.toml")).unwrap();
    assert!(
        p1.contains("belonging.local_ties_weight = 0.03 (0.5 × 0.06)"),
        "the description names the one parameter moved: {p1}"
    );

    // Every point of a replicate has the same seed.
    let results = parse_csv(&fs::read_to_string(dir.join("results.csv")).unwrap());
    let seed = results[0].iter().position(|h| h == "seed").unwrap();
    let rep = results[0].iter().position(|h| h == "replicate").unwrap();
    for r in &results[1..] {
        let same = results[1..].iter().filter(|q| q[rep] == r[rep]);
        assert!(same.clone().all(|q| q[seed] == r[seed]), "{r:?}");
    }

    // oat.csv: one row per scenario, parameter, factor and metric; value = factor × base.
    let oat = parse_csv(&fs::read_to_string(dir.join("oat.csv")).unwrap());
    let col = |name: &str| oat[0].iter().position(|h| h == name).unwrap();
    assert_eq!(oat.len() - 1, 2 * 2 * 2, "{oat:?}");
    for row in &oat[1..] {
        let f: f64 = row[col("factor")].parse().unwrap();
        let base: f64 = row[col("base_value")].parse().unwrap();
        let value: f64 = row[col("value")].parse().unwrap();
        assert!((value - f * base).abs() < 1e-9, "{row:?}");
        assert_eq!(row[col("clamped")], "false");
        let (b, m, d): (f64, f64, f64) = (
            row[col("metric_base")].parse().unwrap(),
            row[col("metric_moved")].parse().unwrap(),
            row[col("difference")].parse().unwrap(),
        );
        assert!(
            (m - b - d).abs() < 2e-6,
            "difference = moved − base: {row:?}"
        );
    }
    assert!(
        oat[1..]
            .iter()
            .any(|r| r[col("scenario")] == "austerity_2010")
    );

    // conclusions.csv: the conclusion at the base and at each of the 4 moves.
    let c = parse_csv(&fs::read_to_string(dir.join("conclusions.csv")).unwrap());
    assert_eq!(c.len() - 1, 5, "{c:?}");
    let flips = c[0].iter().position(|h| h == "flips").unwrap();
    let holds = c[0].iter().position(|h| h == "holds").unwrap();
    assert_eq!(
        c[1][c[0].iter().position(|h| h == "param").unwrap()],
        "(base)"
    );
    for row in &c[2..] {
        assert_eq!(
            row[flips] == "true",
            row[holds] != c[1][holds],
            "flips where it holds differently from the base: {row:?}"
        );
    }
    let said = String::from_utf8_lossy(&out.stdout).to_string() + &stderr(&out);
    assert!(said.contains("austerity lowers belonging:"), "{said}");
}

/// Runs `cohesion sweep` on `text` and returns its stderr, checking exit code 2 and that
/// nothing was written.
fn refused(text: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(t.join("bad.toml"), text).unwrap();
    let out = cohesion(t, &["sweep", "bad.toml", "--out", "out"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!t.join("out").exists(), "a refused sweep wrote out/");
    stderr(&out)
}

#[test]
fn a_bad_oat_table_is_refused_naming_the_key() {
    let line_of =
        |text: &str, start: &str| 1 + text.lines().position(|l| l.starts_with(start)).unwrap();
    let bad = TINY.replace("factors = [0.5, 1.5]", "factors = [0.5, 1.5]\nfactor = 2");
    let err = refused(&bad);
    assert!(
        err.contains(&format!("bad.toml:{}", line_of(&bad, "factor ="))) && err.contains("factor"),
        "unknown key named with its line: {err}"
    );
    let err = refused(&TINY.replace("[0.5, 1.5]", "[0.5, 1.0]"));
    assert!(
        err.contains("oat.factors") && err.contains("base point"),
        "{err}"
    );
    let err = refused(&TINY.replace("[0.5, 1.5]", "[-0.5]"));
    assert!(err.contains("oat.factors"), "{err}");
    let err = refused(&TINY.replace(
        "param = \"trust.prior_mean\"",
        "param = \"trust.prior_mean\"\nvalues = [0.1]",
    ));
    assert!(
        err.contains("axis[1].values") && err.contains("only `param`"),
        "{err}"
    );
    let err = refused(&TINY.replace("trust.prior_mean", "council.community_right_to_bid"));
    assert!(
        err.contains("axis[1].param") && err.contains("not a number"),
        "{err}"
    );
    let err = refused(&TINY.replace("trust.prior_mean", "trust.prior_meen"));
    assert!(
        err.contains("axis[1].param") && err.contains("prior_mean"),
        "{err}"
    );
    let err = refused(&TINY.replace("against = \"baseline\"", "against = \"lockdown_2020\""));
    assert!(err.contains("conclusion[0].against"), "{err}");
    let err = refused(&TINY.replace("holds = \"lower\"", "holds = \"within\""));
    assert!(err.contains("conclusion[0].within"), "{err}");
    let err = refused(&TINY.replace(
        "scenarios = [\"austerity_2010\"]",
        "scenarios = [\"austerity_2010\", \"no_such_scenario\"]",
    ));
    assert!(
        err.contains("oat.scenarios") && err.contains("no_such_scenario"),
        "{err}"
    );
}

#[test]
fn a_factor_beyond_the_allowed_range_is_clamped_and_said() {
    // trust.prior_mean is 0.4 in 0–1: ×3 would be 1.2, so it is clamped to 1.
    let text = r#"
name = "clamp"
base = "baseline"
replicates = 1
seed = 5
[oat]
factors = [3.0]
[[axis]]
param = "belonging.local_ties_weight"
[[axis]]
param = "trust.prior_mean"
[[metric]]
name = "trust"
summary = "final"
"#;
    let spec = cohesion::sweep::SweepSpec::from_toml(text, "t.toml").unwrap();
    let plan =
        cohesion::sweep::Plan::resolve(spec, text, "t.toml", std::path::Path::new(".")).unwrap();
    let oat = plan.oat.as_ref().unwrap();
    assert_eq!(plan.points.len(), 3);
    assert!(!oat.points[1].clamped, "0.25 × 3 is in range");
    assert!(oat.points[2].clamped);
    assert_eq!(plan.points[2].scenario.trust.prior_mean, 1.0);
    let d = &plan.points[2].scenario.description;
    assert!(d.contains("clamped"), "{d}");
}
