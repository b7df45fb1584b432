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
