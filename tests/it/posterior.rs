//! `cohesion compare --posterior FILE --draws N`: each replicate draws its parameters from a
//! posterior, the same draw for every scenario, and the outputs say so.

use crate::common::*;
use std::fs;
use std::path::{Path, PathBuf};

/// The fixture: four particles of two parameters, the third with weight 0.
fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/posteriors/two_parameters.csv")
}

/// `small.toml` and a copy in which two parks close, both 2 years long, and the fixture, in `dir`.
fn setup(dir: &Path) {
    let small = SMALL.replace("years = 3", "years = 2");
    fs::write(dir.join("small.toml"), &small).unwrap();
    let closures = small.replace("name = \"small\"", "name = \"small_parks\"")
        + "\n[[events]]\nkind = \"close\"\nyear = 2010\nweek = 30\nvenue_kind = \"park\"\ncount = 2\n";
    fs::write(dir.join("small_parks.toml"), closures).unwrap();
    fs::copy(fixture(), dir.join("posterior.csv")).unwrap();
}

fn compare(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "compare",
        "small.toml",
        "small_parks.toml",
        "--replicates",
        "3",
        "--seed",
        "5",
    ];
    args.extend_from_slice(extra);
    cohesion(dir, &args)
}

/// The belonging series of `scenario`'s replicate `r` in a comparison's runs.csv.
fn belonging(runs: &str, scenario: &str, r: &str) -> Vec<String> {
    runs.lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[0] == scenario && f[1] == r && f[5] == "belonging")
        .map(|f| f[6].to_string())
        .collect()
}

#[test]
fn replicates_draw_paired_parameters_and_the_outputs_say_so() {
    let tmp = tempfile::tempdir().unwrap();
    setup(tmp.path());
    let out = compare(
        tmp.path(),
        &[
            "--posterior",
            "posterior.csv",
            "--draws",
            "3",
            "--out",
            "post",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = tmp.path().join("post");

    // The manifest names the file, its hash and the particle each replicate drew.
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["interval"], "seeds+posterior");
    let post = &manifest["posterior"];
    assert_eq!(post["path"], "posterior.csv");
    assert_eq!(post["draws"], 3);
    let bytes = fs::read(fixture()).unwrap();
    use sha2::Digest;
    let hash: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(post["sha256"], hash.as_str());
    assert_eq!(
        post["parameters"],
        serde_json::json!(["trust.prior_strength", "council.efficacy_external_anchor"])
    );
    let particles: Vec<usize> = post["particles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(particles.len(), 3);
    assert!(
        particles.iter().all(|&p| p < 4 && p != 2),
        "a particle of weight 0 is never drawn: {particles:?}"
    );

    // Every effect says its interval includes the posterior.
    let effects = fs::read_to_string(dir.join("effects.csv")).unwrap();
    let mut lines = effects.lines();
    assert!(lines.next().unwrap().ends_with(",n,interval"));
    let mut rows = 0;
    for line in lines {
        assert!(line.ends_with(",seeds+posterior"), "{line}");
        rows += 1;
    }
    assert!(rows > 0);
    let report = fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(
        report.contains("drew its values of 2 parameters from the posterior"),
        "the report says which kind of interval it gives"
    );

    // Paired: replicate r of each scenario is `cohesion run` of that scenario with replicate
    // r's drawn parameters set, to the byte.
    let fixture_rows = parse_csv(&String::from_utf8(bytes).unwrap());
    let runs = fs::read_to_string(dir.join("runs.csv")).unwrap();
    for (r, &p) in particles.iter().enumerate() {
        let row = &fixture_rows[p + 1];
        let sets = [
            format!("trust.prior_strength={}", row[6]),
            format!("council.efficacy_external_anchor={}", row[7]),
        ];
        for scenario in ["small", "small_parks"] {
            let single_dir = format!("single_{scenario}_{r}");
            let file = format!("{scenario}.toml");
            let rep = r.to_string();
            let single = cohesion(
                tmp.path(),
                &[
                    "run",
                    &file,
                    "--seed",
                    "5",
                    "--replicate",
                    &rep,
                    "--set",
                    &sets[0],
                    "--set",
                    &sets[1],
                    "--out",
                    &single_dir,
                ],
            );
            assert!(single.status.success(), "{}", stderr(&single));
            let metrics = read_metrics(&tmp.path().join(&single_dir).join("metrics.csv"));
            let alone: Vec<f64> = metrics
                .iter()
                .filter(|m| m.1 == "all" && m.2 == "belonging")
                .map(|m| m.3)
                .collect();
            let compared: Vec<f64> = belonging(&runs, scenario, &rep)
                .iter()
                .map(|v| v.parse().unwrap())
                .collect();
            assert_eq!(compared.len(), 104);
            assert_eq!(compared, alone, "{scenario} replicate {r}");
        }
    }

    // Without the posterior the same comparison gives other runs and says `seeds`.
    let plain = compare(tmp.path(), &["--out", "plain"]);
    assert!(plain.status.success(), "{}", stderr(&plain));
    let plain_runs = fs::read_to_string(tmp.path().join("plain/runs.csv")).unwrap();
    assert_ne!(plain_runs, runs, "the drawn parameters must matter");
    let plain_effects = fs::read_to_string(tmp.path().join("plain/effects.csv")).unwrap();
    assert!(plain_effects.lines().skip(1).all(|l| l.ends_with(",seeds")));
}

#[test]
fn bad_posteriors_are_refused_with_the_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    setup(tmp.path());
    let text = fs::read_to_string(fixture()).unwrap();
    let cases: [(&str, String, &[&str]); 4] = [
        (
            "negative.csv",
            text.replace("3,0.25,0.014", "3,-0.25,0.014"),
            &["negative.csv", "line 5", "weight", "negative"],
        ),
        (
            "word.csv",
            text.replace(",12,0.45", ",twelve,0.45"),
            &["word.csv", "line 4", "trust.prior_strength", "not a number"],
        ),
        (
            "unknown.csv",
            text.replace("trust.prior_strength", "trust.prior_strenght"),
            &["unknown.csv", "trust.prior_strenght"],
        ),
        (
            "header.csv",
            text.replace("particle,weight", "id,weight"),
            &["header.csv", "line 1", "particle,weight,distance"],
        ),
    ];
    for (name, body, words) in cases {
        fs::write(tmp.path().join(name), body).unwrap();
        let out_dir = format!("out_{name}");
        let out = compare(tmp.path(), &["--posterior", name, "--out", &out_dir]);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        let err = stderr(&out);
        for w in words {
            assert!(err.contains(w), "{name}: `{w}` missing from: {err}");
        }
        assert!(!err.contains("panicked"), "{err}");
        assert!(
            !tmp.path().join(&out_dir).exists(),
            "{name}: nothing is written"
        );
    }

    let draws = compare(
        tmp.path(),
        &["--posterior", "posterior.csv", "--draws", "5", "--out", "d"],
    );
    assert_eq!(draws.status.code(), Some(2), "{}", stderr(&draws));
    assert!(stderr(&draws).contains("--draws 5 with --replicates 3"));
    assert!(!tmp.path().join("d").exists());
}

#[test]
fn the_built_in_posterior_is_found_by_name_and_an_unknown_name_lists_them() {
    let tmp = tempfile::tempdir().unwrap();
    setup(tmp.path());
    let out = compare(
        tmp.path(),
        &["--posterior", "behaviour", "--draws", "3", "--out", "named"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(tmp.path().join("named/manifest.json")).unwrap())
            .unwrap();
    let post = &manifest["posterior"];
    assert_eq!(post["path"], "behaviour");
    // The built-in is the committed posterior of the built-in calibration, byte for byte.
    let committed =
        fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/posteriors/behaviour.csv"))
            .unwrap();
    use sha2::Digest;
    let hash: String = sha2::Sha256::digest(&committed)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(post["sha256"], hash.as_str());
    let header = String::from_utf8(committed).unwrap();
    let names: Vec<&str> = header.lines().next().unwrap().split(',').skip(6).collect();
    assert_eq!(post["parameters"].as_array().unwrap().len(), names.len());
    assert!(names.contains(&"belonging.intercept"), "{names:?}");

    let out = compare(
        tmp.path(),
        &["--posterior", "no_such_posterior", "--out", "x"],
    );
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(
        e.contains("no_such_posterior") && e.contains("built-ins: behaviour"),
        "{e}"
    );
    assert!(!tmp.path().join("x").exists());
}
