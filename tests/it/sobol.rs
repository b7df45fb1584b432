//! A `[sobol]` sweep end to end: `cohesion merge` writes the Sobol indices that
//! `cohesion::sensitivity` computes from the same runs, and a chart of them.

use crate::common::{cohesion, stderr};
use cohesion::sensitivity::{SaltelliDesign, indices};
use cohesion::space::{Space, SpaceAxis};
use std::fs;

const SWEEP: &str = r#"
name = "sobol_tiny"
base = "baseline"
replicates = 1
seed = 5

[set]
"town.residents" = 300
"time.years" = 2
"time.warmup_weeks" = 6
"venues.pub.count" = 1
"groups.count" = 2

[sobol]
samples = 8
resamples = 200

[[axis]]
param = "belonging.intercept"
bounds = [-3.0, 0.0]

[[axis]]
param = "trust.prior_strength"
bounds = [2.0, 50.0]
scale = "log"

[[axis]]
param = "participation.intercept"
bounds = [-9.0, -6.0]

[[metric]]
name = "belonging"
summary = "final"

[[metric]]
name = "trust"
summary = "final"
"#;

#[test]
fn merged_sobol_indices_are_what_the_library_computes_from_the_runs() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("s.toml"), SWEEP).unwrap();
    let out = cohesion(
        tmp.path(),
        &["sweep", "s.toml", "--out", "s", "--threads", "2"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = tmp.path().join("s");

    let space = Space::new(vec![
        SpaceAxis::uniform("belonging.intercept", -3.0, 0.0),
        SpaceAxis::log_uniform("trust.prior_strength", 2.0, 50.0),
        SpaceAxis::uniform("participation.intercept", -9.0, -6.0),
    ])
    .unwrap();
    let design = SaltelliDesign::new(space, 8, 5).unwrap();
    let results = fs::read_to_string(dir.join("results.csv")).unwrap();
    let mut lines = results.lines();
    assert_eq!(
        lines.next(),
        Some(
            "point,belonging.intercept,trust.prior_strength,participation.intercept,replicate,\
             seed,belonging_final,trust_final"
        )
    );
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').skip(1).map(|f| f.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), design.runs(), "N (k + 2) = 8 × 5 points");
    for (p, row) in rows.iter().enumerate() {
        assert_eq!(
            &row[..3],
            design.point(p).as_slice(),
            "point {p} is the design's"
        );
    }
    let mut expected =
        String::from("metric,param,s1,s1_low,s1_high,st,st_low,st_high,variance,resamples\n");
    let number = cohesion::output::csv::number;
    // The runs' own values, at full precision (results.csv rounds them to six decimals).
    let run_values: Vec<serde_json::Value> = (0..rows.len())
        .map(|p| {
            let text = fs::read_to_string(dir.join(format!("runs/p{p:04}-r00.json"))).unwrap();
            serde_json::from_str(&text).unwrap()
        })
        .collect();
    for (column, m) in [("belonging_final", 0), ("trust_final", 1)] {
        let outputs: Vec<f64> = run_values
            .iter()
            .map(|r| {
                assert_eq!(r["metrics"][m][0], column);
                r["metrics"][m][1].as_f64().unwrap()
            })
            .collect();
        let ix = indices(&design, &outputs, 200).unwrap();
        for (p, name) in ix.names.iter().enumerate() {
            let (a, b) = (ix.first[p], ix.total[p]);
            expected.push_str(&format!(
                "{column},{name},{},{},{},{},{},{},{},200\n",
                number(a.estimate),
                number(a.low),
                number(a.high),
                number(b.estimate),
                number(b.low),
                number(b.high),
                number(ix.variance)
            ));
        }
    }
    assert_eq!(
        fs::read_to_string(dir.join("sensitivity.csv")).unwrap(),
        expected
    );
    assert!(dir.join("charts/sobol_belonging_final.png").exists());
    assert!(dir.join("charts/sobol_trust_final.svg").exists());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("sensitivity.csv"), "{stdout}");
}

/// A Sobol design run on the base and on one further scenario: 6 base samples × (2 + 2) = 24
/// design points per scenario, 2 replicates.
const EFFECTS: &str = r#"
name = "sobol_effects_tiny"
base = "baseline"
replicates = 2
seed = 9

[set]
"town.residents" = 300
"time.years" = 2
"time.warmup_weeks" = 6
"venues.pub.count" = 1
"groups.count" = 2

[sobol]
samples = 6
resamples = 100
scenarios = ["austerity_2010"]

[[axis]]
param = "belonging.intercept"
bounds = [-3.0, 0.0]

[[axis]]
param = "trust.prior_strength"
bounds = [2.0, 50.0]

[[metric]]
name = "belonging"
summary = "final"

[[metric]]
name = "trust"
summary = "final"
"#;

#[test]
fn effect_indices_are_computed_from_paired_differences_with_common_seeds() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("s.toml"), EFFECTS).unwrap();
    let out = cohesion(
        tmp.path(),
        &["sweep", "s.toml", "--out", "s", "--threads", "2"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = tmp.path().join("s");
    let space = Space::new(vec![
        SpaceAxis::uniform("belonging.intercept", -3.0, 0.0),
        SpaceAxis::uniform("trust.prior_strength", 2.0, 50.0),
    ])
    .unwrap();
    let design = SaltelliDesign::new(space, 6, 9).unwrap();
    let n = design.runs();
    assert_eq!(n, 24);

    // results.csv: the design twice (base, then austerity_2010), and design point j has the
    // same seed on both scenarios, replicate by replicate.
    let results = fs::read_to_string(dir.join("results.csv")).unwrap();
    let rows: Vec<Vec<&str>> = results
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 2 * n * 2);
    let seed_of = |point: usize, rep: &str| {
        rows.iter()
            .find(|r| r[0] == format!("p{point:04}") && r[3] == rep)
            .map(|r| r[4].to_string())
            .unwrap()
    };
    for j in [0, 5, n - 1] {
        for rep in ["0", "1"] {
            assert_eq!(
                seed_of(j, rep),
                seed_of(n + j, rep),
                "point {j} replicate {rep}"
            );
        }
        assert_ne!(seed_of(j, "0"), seed_of(j, "1"));
    }
    assert_ne!(seed_of(0, "0"), seed_of(1, "0"));

    // Each run's metrics at full precision.
    let value = |point: usize, rep: usize, m: usize| -> f64 {
        let text =
            fs::read_to_string(dir.join(format!("runs/p{point:04}-r{rep:02}.json"))).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["metrics"][m][1].as_f64().unwrap()
    };
    let sensitivity = fs::read_to_string(dir.join("sensitivity.csv")).unwrap();
    let mut lines = sensitivity.lines();
    assert_eq!(
        lines.next(),
        Some(
            "scenario,against,metric,param,s1,s1_low,s1_high,st,st_low,st_high,variance,resamples"
        )
    );
    let number = cohesion::output::csv::number;
    let mut effect_rows = 0;
    for (column, m) in [("belonging_final", 0), ("trust_final", 1)] {
        // The effect at design point j: the mean over replicates of the paired difference.
        let effects: Vec<f64> = (0..n)
            .map(|j| {
                (0..2)
                    .map(|r| value(n + j, r, m) - value(j, r, m))
                    .sum::<f64>()
                    / 2.0
            })
            .collect();
        let prefix = format!("austerity_2010,baseline,{column},");
        let rows: Vec<&str> = sensitivity
            .lines()
            .filter(|l| l.starts_with(&prefix))
            .collect();
        let Ok(ix) = indices(&design, &effects, 100) else {
            assert!(rows.is_empty(), "no indices, no rows: {rows:?}");
            continue;
        };
        // The variance the indices share out is that of the paired differences at A and B.
        let ab: Vec<f64> = (0..n).filter(|p| p % 4 < 2).map(|p| effects[p]).collect();
        let mean = ab.iter().sum::<f64>() / ab.len() as f64;
        let var = ab.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / ab.len() as f64;
        assert!(
            (ix.variance - var).abs() <= 1e-12 * var.max(1e-300),
            "{} {var}",
            ix.variance
        );
        let expected: Vec<String> = ix
            .names
            .iter()
            .enumerate()
            .map(|(p, name)| {
                let (a, b) = (ix.first[p], ix.total[p]);
                format!(
                    "{prefix}{name},{},{},{},{},{},{},{},100",
                    number(a.estimate),
                    number(a.low),
                    number(a.high),
                    number(b.estimate),
                    number(b.low),
                    number(b.high),
                    number(ix.variance)
                )
            })
            .collect();
        assert_eq!(rows, expected, "{column}");
        // The level of the same metric on the base has its own rows.
        let level = format!("baseline,,{column},belonging.intercept,");
        assert!(
            sensitivity.lines().any(|l| l.starts_with(&level)),
            "{sensitivity}"
        );
        effect_rows += rows.len();
        assert!(
            dir.join(format!(
                "charts/sobol_{column}_austerity_2010_minus_baseline.png"
            ))
            .exists()
        );
    }
    assert!(
        effect_rows > 0,
        "austerity moved neither metric: {sensitivity}"
    );
    assert!(dir.join("charts/sobol_belonging_final.svg").exists());

    // Run in two interleaved shards (replicates and scenarios split across them), then
    // merged: the same tables, byte for byte.
    for shard in ["1/2", "0/2"] {
        let out = cohesion(
            tmp.path(),
            &["sweep", "s.toml", "--out", "sharded", "--shard", shard],
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let out = cohesion(tmp.path(), &["merge", "sharded"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for file in ["results.csv", "sensitivity.csv", "manifest.json"] {
        assert_eq!(
            fs::read(dir.join(file)).unwrap(),
            fs::read(tmp.path().join("sharded").join(file)).unwrap(),
            "{file} differs between one run and two shards"
        );
    }
}

#[test]
fn bad_sobol_scenarios_are_refused_naming_file_line_and_key() {
    let refused = |text: &str| {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("bad.toml"), text).unwrap();
        let out = cohesion(tmp.path(), &["sweep", "bad.toml", "--out", "out"]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            !tmp.path().join("out").exists(),
            "a refused sweep wrote out/"
        );
        stderr(&out)
    };
    let line = 1 + EFFECTS
        .lines()
        .position(|l| l.starts_with("scenarios ="))
        .unwrap();
    for (bad, says) in [
        ("[\"baseline\"]", "listed twice"),
        ("[\"austerity_2010\", \"austerity_2010\"]", "listed twice"),
        ("[\"\"]", "empty"),
        ("[\"no_such_scenario\"]", "no_such_scenario"),
    ] {
        let err = refused(&EFFECTS.replace("[\"austerity_2010\"]", bad));
        assert!(
            err.contains(&format!("bad.toml:{line}"))
                && err.contains("sobol.scenarios")
                && err.contains(says),
            "{bad}: {err}"
        );
    }
    let err = refused(&EFFECTS.replace("[\"austerity_2010\"]", "\"austerity_2010\""));
    assert!(
        err.contains("bad.toml") && err.contains("scenarios"),
        "{err}"
    );
}
