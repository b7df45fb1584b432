//! `cohesion calibrate` end to end, through the real binary, on the tiny calibration (a town
//! of 300 over three years): the results and their manifest, the same bytes in one process or
//! in two shards at once, resuming after SIGTERM, bad files refused with file, line and key; and
//! the recovery of known parameters from targets the model made itself.

use crate::common::{bin, cohesion, stderr};
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TINY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/scenarios/calibrations/tiny.toml"
);

fn ok(out: &std::process::Output) {
    assert!(out.status.success(), "cohesion failed: {}", stderr(out));
}

/// Every result file, by name, that must not depend on how the runs were made.
fn results(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut names = vec![
        "posterior.csv".to_string(),
        "predictive.csv".to_string(),
        "calibration.json".to_string(),
        "state.json".to_string(),
    ];
    let mut charts: Vec<String> = fs::read_dir(dir.join("charts"))
        .unwrap()
        .map(|e| format!("charts/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    charts.sort();
    names.extend(charts);
    names
        .into_iter()
        .map(|n| {
            let bytes = fs::read(dir.join(&n)).unwrap_or_else(|e| panic!("{n}: {e}"));
            (n, bytes)
        })
        .collect()
}

#[test]
fn a_calibration_writes_its_posterior_predictive_check_and_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let out = cohesion(
        tmp.path(),
        &["calibrate", TINY, "--out", "c", "--threads", "2"],
    );
    ok(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("held-out coverage"), "{stdout}");
    let dir = tmp.path().join("c");

    // posterior.csv: the kept particles, weights summing to one, values inside the prior.
    let posterior = fs::read_to_string(dir.join("posterior.csv")).unwrap();
    let mut lines = posterior.lines();
    assert_eq!(
        lines.next(),
        Some(
            "particle,weight,distance,generation,proposal,seed,\
             council.efficacy_external_anchor,trust.prior_strength"
        )
    );
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|f| f.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 4, "N_α = ⌈0.5 × 8⌉ particles");
    let total: f64 = rows.iter().map(|r| r[1]).sum();
    assert!((total - 1.0).abs() < 1e-9, "{total}");
    for r in &rows {
        assert!(
            (0.25..=0.55).contains(&r[6]) && (2.0..=50.0).contains(&r[7]),
            "{r:?}"
        );
    }

    // calibration.json: the method, every generation, the files' hashes and the coverage.
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("calibration.json")).unwrap()).unwrap();
    assert_eq!(manifest["method"]["particles"], 8);
    let generations = manifest["generations"].as_array().unwrap();
    assert_eq!(generations.len(), 2);
    assert!(
        generations[1]["tolerance"].as_f64() <= generations[0]["tolerance"].as_f64(),
        "{generations:?}"
    );
    assert_eq!(manifest["budget"]["total_runs"], 8 + 4 + 4);
    let files = manifest["target_files"].as_array().unwrap();
    let cls = include_bytes!("../../data/targets/cls_england.csv");
    let want = cohesion::scenario::hex(&<sha2::Sha256 as sha2::Digest>::digest(cls));
    assert!(
        files
            .iter()
            .any(|f| f["file"] == "cls_england.csv" && f["sha256"] == want.as_str()),
        "{files:?}"
    );
    let held = &manifest["held_out_coverage"];
    assert_eq!(held["points"], 1);
    assert!(held["covered"].as_u64().unwrap() <= 1);
    // The coverage agrees with predictive.csv's own rows.
    let predictive = fs::read_to_string(dir.join("predictive.csv")).unwrap();
    let held_rows: Vec<&str> = predictive
        .lines()
        .filter(|l| l.contains(",true,") && l.contains("2012"))
        .collect();
    assert_eq!(held_rows.len(), 1, "{predictive}");
    assert_eq!(
        held_rows[0].ends_with(",true"),
        held["covered"] == 1,
        "{predictive}"
    );
    for (file, hash) in manifest["files"].as_object().unwrap() {
        let bytes = fs::read(dir.join(file)).unwrap();
        let got = cohesion::scenario::hex(&<sha2::Sha256 as sha2::Digest>::digest(&bytes));
        assert_eq!(hash, got.as_str(), "{file}");
    }
    assert!(
        dir.join("charts/posterior_trust-prior_strength.png")
            .exists()
    );

    // Run again: nothing to do, the same bytes.
    let before = results(&dir);
    ok(&cohesion(tmp.path(), &["calibrate", TINY, "--out", "c"]));
    assert_eq!(before, results(&dir));
}

#[test]
fn one_process_and_two_shards_at_once_give_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    ok(&cohesion(
        tmp.path(),
        &["calibrate", TINY, "--out", "one", "--threads", "1"],
    ));
    let shards: Vec<_> = (0..2)
        .map(|i| {
            Command::new(bin())
                .args([
                    "calibrate",
                    TINY,
                    "--out",
                    "two",
                    "--threads",
                    "1",
                    "--shard",
                ])
                .arg(format!("{i}/2"))
                .current_dir(tmp.path())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in shards {
        ok(&child.wait_with_output().unwrap());
    }
    let (one, two) = (
        results(&tmp.path().join("one")),
        results(&tmp.path().join("two")),
    );
    assert_eq!(one.len(), two.len());
    for ((a, x), (b, y)) in one.iter().zip(&two) {
        assert_eq!(a, b);
        assert!(x == y, "{a} differs between one process and two shards");
    }
}

/// The tiny calibration in a bigger town, so that a run takes long enough to be stopped in.
fn slower(dir: &Path) -> String {
    let text = fs::read_to_string(TINY)
        .unwrap()
        .replace("\"town.residents\" = 300", "\"town.residents\" = 1200");
    let path = dir.join("slower.toml");
    fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn a_calibration_stopped_by_sigterm_resumes_to_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let file = slower(tmp.path());
    ok(&cohesion(
        tmp.path(),
        &["calibrate", &file, "--out", "whole"],
    ));

    let child = Command::new(bin())
        .args(["calibrate", &file, "--out", "cut", "--threads", "2"])
        .current_dir(tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Stop it once the first runs of generation 0 are written.
    let runs = tmp.path().join("cut/runs");
    let start = Instant::now();
    while fs::read_dir(&runs).map_or(0, |d| d.count()) < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no runs written"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(75), "{}", stderr(&out));
    assert!(!tmp.path().join("cut/calibration.json").exists());
    ok(&cohesion(tmp.path(), &["calibrate", &file, "--out", "cut"]));
    assert_eq!(
        results(&tmp.path().join("whole")),
        results(&tmp.path().join("cut"))
    );
}

#[test]
fn bad_calibrations_exit_2_with_file_line_and_key_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let tiny = fs::read_to_string(TINY).unwrap();
    let cases = [
        (
            tiny.replace("bounds = [0.25, 0.55]", "bounds = [0.55, 0.25]"),
            "parameter[0].bounds",
        ),
        (
            tiny.replace(
                "\"council.efficacy_external_anchor\"",
                "\"council.efficacy\"",
            ),
            "parameter[0].param",
        ),
        (
            tiny.replace("years = [2010]", "years = [2011]"),
            "target[0].years",
        ),
        (
            tiny.replace("metric = \"share_influence\"", "metric = \"influence\""),
            "target[0].metric",
        ),
        (
            tiny.replace("particles = 8", "particles = 1"),
            "method.particles",
        ),
        (
            tiny.replace("\"citizenship_survey.csv\"", "\"no_such.csv\""),
            "target[0].file",
        ),
    ];
    for (i, (text, key)) in cases.iter().enumerate() {
        let path = tmp.path().join(format!("bad{i}.toml"));
        fs::write(&path, text).unwrap();
        let out = cohesion(
            tmp.path(),
            &["calibrate", path.to_str().unwrap(), "--out", "never"],
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{key}: {err}");
        assert!(err.contains(&format!("key `{key}`")), "{key}: {err}");
        // `FILE:LINE: key ...`: the file and the line of the key.
        let after = err
            .split(&format!("bad{i}.toml:"))
            .nth(1)
            .unwrap_or_else(|| panic!("names the file: {err}"));
        assert!(
            after.starts_with(|c: char| c.is_ascii_digit()),
            "names the line: {err}"
        );
        assert!(!tmp.path().join("never").exists(), "{key}: wrote something");
    }
    // A directory holding another calibration is refused without --force.
    ok(&cohesion(tmp.path(), &["calibrate", TINY, "--out", "c"]));
    let other = tmp.path().join("other.toml");
    fs::write(&other, tiny.replace("seed = 7", "seed = 8")).unwrap();
    let out = cohesion(
        tmp.path(),
        &["calibrate", other.to_str().unwrap(), "--out", "c"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
}

#[test]
fn the_example_calibrations_resolve_with_the_budgets_the_docs_state() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/calibrations");
    let mut seen = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            cohesion::calibration::Plan::load(path.to_str().unwrap())
                .unwrap_or_else(|e| panic!("{e}"));
            seen += 1;
        }
    }
    assert!(seen >= 2, "{seen} example calibrations");
    let behaviour = cohesion::calibration::Plan::load("behaviour").unwrap();
    let m = &behaviour.spec.method;
    assert_eq!((m.particles, m.generations, m.predictive), (120, 5, 40));
    // The default town itself, whose job draws from the posterior.
    let default_town = cohesion::Scenario::load("baseline").unwrap();
    assert_eq!(behaviour.base.town.residents, default_town.town.residents);
    assert_eq!(behaviour.points.iter().filter(|p| p.held_out).count(), 8);
}

/// The truth for the recovery test: a town of 300 over 2010-2012 with two known intercepts.
/// Belonging's is set where the share belonging answers to it (at this size the share is
/// about 0.1 at -1.0 and 0.8 at -0.4; below -1.5 it is 0 whatever the value, and no data
/// could recover it there).
const TRUE_BELONGING: f64 = -0.6;
const TRUE_PARTICIPATION: f64 = -7.0;
const SMALL_TOWN: [&str; 5] = [
    "town.residents=300",
    "time.years=3",
    "time.warmup_weeks=8",
    "venues.pub.count=1",
    "groups.count=2",
];

/// Yearly town means of `metric` in a run's metrics.csv (`tick,year,week,ward,metric,value`).
fn yearly_means(metrics_csv: &str, metric: &str) -> Vec<(i32, f64)> {
    let mut sums: std::collections::BTreeMap<i32, (f64, u32)> = Default::default();
    for line in metrics_csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[3] == "all" && f[4] == metric {
            let e = sums.entry(f[1].parse().unwrap()).or_default();
            e.0 += f[5].parse::<f64>().unwrap();
            e.1 += 1;
        }
    }
    sums.into_iter()
        .map(|(y, (s, n))| (y, s / n as f64))
        .collect()
}

/// Synthetic targets made by the model itself at known parameters (one run, its own seed, so
/// they carry the model's noise as a survey would), then `calibrate` from wide priors: the true
/// values must lie inside the 95% posterior intervals, and the posterior must be narrower than
/// the prior (about 170 runs of the small town, 10 to 20 seconds).
#[test]
fn abc_recovers_known_parameters_from_targets_the_model_made() {
    let tmp = tempfile::tempdir().unwrap();
    // 1. The synthetic survey: one run of the model at the true parameters, with its own seed.
    let belonging = format!("belonging.intercept={TRUE_BELONGING}");
    let participation = format!("participation.intercept={TRUE_PARTICIPATION}");
    let mut args = vec!["run", "baseline", "--seed", "4242", "--out", "truth"];
    for kv in SMALL_TOWN
        .iter()
        .copied()
        .chain([belonging.as_str(), participation.as_str()])
    {
        args.extend(["--set", kv]);
    }
    ok(&cohesion(tmp.path(), &args));
    let metrics = fs::read_to_string(tmp.path().join("truth/metrics.csv")).unwrap();
    let mut csv = String::from(
        "measure,period,year,geography,value,unit,se,n,ci_low,ci_high,survey,mode,publisher,\
         title,table,published,url,note\n",
    );
    for (measure, metric) in [
        ("belonging", "share_belonging"),
        ("participation", "participation_year"),
    ] {
        let years = yearly_means(&metrics, metric);
        assert_eq!(years.len(), 3, "{metric}: {years:?}");
        for (year, value) in years {
            csv.push_str(&format!(
                "{measure},{year},{year},Model town,{value:.6},proportion,,,,,synthetic,model,\
                 cohesion,the model at known parameters,,,,\n"
            ));
        }
    }
    fs::write(tmp.path().join("synthetic.csv"), csv).unwrap();

    // 2. Calibrate both intercepts from wide priors against those five points.
    let set: String = SMALL_TOWN
        .iter()
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            format!("\"{k}\" = {v}\n")
        })
        .collect();
    fs::write(
        tmp.path().join("recover.toml"),
        format!(
            "name = \"recover\"\ndescription = \"recovery of known parameters\"\n\
             base = \"baseline\"\n\n[set]\n{set}\n\
             [method]\nparticles = 40\ngenerations = 5\nseed = 11\npredictive = 10\n\n\
             [[parameter]]\nparam = \"belonging.intercept\"\nbounds = [-1.5, 0.5]\n\n\
             [[parameter]]\nparam = \"participation.intercept\"\nbounds = [-9.0, -6.0]\n\n\
             [[target]]\nfile = \"synthetic.csv\"\nmeasure = \"belonging\"\n\
             years = [2010, 2011, 2012]\nmetric = \"share_belonging\"\nse = 0.03\n\n\
             [[target]]\nfile = \"synthetic.csv\"\nmeasure = \"participation\"\n\
             years = [2011, 2012]\nmetric = \"participation_year\"\nse = 0.03\n"
        ),
    )
    .unwrap();
    ok(&cohesion(
        tmp.path(),
        &[
            "calibrate",
            "recover.toml",
            "--out",
            "cal",
            "--threads",
            "2",
        ],
    ));
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(tmp.path().join("cal/calibration.json")).unwrap())
            .unwrap();

    // 3. Each true value lies inside its 95% posterior interval, and the data narrowed the
    // prior: a calibration that ignored the targets would keep shrinkage near 1.
    for (param, truth) in [
        ("belonging.intercept", TRUE_BELONGING),
        ("participation.intercept", TRUE_PARTICIPATION),
    ] {
        let p = manifest["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["param"] == param)
            .unwrap_or_else(|| panic!("{param} in {manifest}"));
        let (lo, hi) = (p["q025"].as_f64().unwrap(), p["q975"].as_f64().unwrap());
        assert!(
            lo <= truth && truth <= hi,
            "{param}: {truth} outside {lo}..{hi}"
        );
        let shrinkage = p["shrinkage"].as_f64().unwrap();
        assert!(shrinkage < 0.75, "{param}: shrinkage {shrinkage}");
    }
}
